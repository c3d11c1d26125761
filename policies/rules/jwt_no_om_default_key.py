"""OMS-JWT-001: OpenMetadata's shipped default JWT signing pair (public) is used nowhere.

Any resource: a string equal to OM's default kid (``JWT_KEY_ID``, a chart's ``keyId``, a JWKS), a
key file path pointing at the shipped ``./conf/*_key.der``, a JWKS or SHA-256 naming the default
public key, or key material (DER as a Secret's base64 data, PEM, base64 DER) whose modulus is the
default's. Recognised from public facts only (``components.jwt``); no message shows key bytes.
"""

from omsecrets.components import jwt
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def _reason(text: str) -> str | None:
    stripped = text.strip()
    if jwt.is_default_kid(stripped):
        return "is OpenMetadata's default JWT kid"
    if jwt.is_default_path(stripped):
        return "points at OpenMetadata's shipped default key file"
    if jwt.OM_DEFAULT_JWKS_N_UNPADDED in stripped or jwt.OM_DEFAULT_SPKI_SHA256 in stripped.lower():
        return "names OpenMetadata's default public key"
    if jwt.OM_DEFAULT_KID in stripped:
        return "holds OpenMetadata's default JWT kid"
    return None


def _key_is_default(data: bytes) -> bool:
    try:
        return any(facts.om_default for facts in jwt.read_keys(data))
    except ValueError:
        return False


#: Shorter texts are not a key of the default's size (its public DER is 294 bytes, 392 in base64 as a
#: Secret's data holds it; its PEM 451 characters): only longer ones are parsed.
KEY_MIN = 200


def findings(props) -> list[str]:
    """``<where> <why>`` for every place a resource's props use the default pair (base64 DER, such as a
    Secret's ``data``, and PEM are read as keys)."""
    out = []
    for path, text in u.walk_strings(props):
        reason = _reason(text)
        if reason:
            out.append(f"{path or 'the value'} {reason}")
        elif len(text) > KEY_MIN and _key_is_default(text.encode()):
            out.append(f"{path} holds OpenMetadata's default key pair")
    return sorted(out)


def validate(args, report):
    for what in findings(args.props):
        report(f"{args.name}: {what}")


RULE = Rule(
    id="OMS-JWT-001",
    name="jwt-no-om-default-key",
    description="OM's shipped default JWT signing pair, whose private key is public, is never deployed or referenced.",
    level="mandatory",
    remediation="Let components.jwt_keypair.JwtKeyPair generate the pair (om-secrets:jwt, on by default), or adopt your "
    "own with jwt.imported; never point RSA_*_KEY_FILE_PATH at ./conf/*.der or set JWT_KEY_ID to the default kid.",
    kind="resource",
    validate=validate,
)
