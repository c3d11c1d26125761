"""OM's JWT signing pair through the real program: the key as OM loads it, a token OM would sign verified
against the JWKS om-secrets renders, a Secret only the server mounts, stable names, adoption, refusals.

Every preview here runs ``__main__.py`` under the offline engine, whose ``tls`` PrivateKey is a real RSA
key (deterministic from its URN), so the DER files, the kid and the JWKS are those of a real key.
"""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from omsecrets import engine
from omsecrets.components import jwt, key_pin
from omsecrets.components.environment import STABLE_NAME
from tests.support.previews import stack_file

K8S_SECRET, CONFIG_MAP = "kubernetes:core/v1:Secret", "kubernetes:core/v1:ConfigMap"
TLS_KEY = "tls:index/privateKey:PrivateKey"
PAIR = "om-secrets:jwt:JwtKeyPair"
STACKS = ("dev", "staging", "prod", "local", "azure", "gcp")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_as_om(private_der: bytes, kid: str, claims: dict) -> str:
    """RS256 as OM's JWTTokenGenerator signs: the key from PKCS8EncodedKeySpec, header kid = keyId."""
    key = serialization.load_der_private_key(private_der, password=None)
    header = b64url(json.dumps({"kid": kid, "typ": "JWT", "alg": "RS256"}).encode())
    payload = b64url(json.dumps(claims).encode())
    signature = key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{header}.{payload}.{b64url(signature)}"


def verify_with_jwks(token: str, jwks: dict) -> dict:
    """What a validator does with OM's JWKS: the key by the token's kid, RS256 over header.payload."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)  # noqa: E731
    header = json.loads(base64.urlsafe_b64decode(pad(header_b64)))
    (key,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    n, e = (int.from_bytes(base64.urlsafe_b64decode(pad(key[x])), "big") for x in ("n", "e"))
    rsa.RSAPublicNumbers(e, n).public_key().verify(base64.urlsafe_b64decode(pad(signature_b64)),
                                                   f"{header_b64}.{payload_b64}".encode(), padding.PKCS1v15(),
                                                   hashes.SHA256())
    return json.loads(base64.urlsafe_b64decode(pad(payload_b64)))


def jwt_secret(result: engine.PreviewResult) -> engine.CapturedResource:
    (secret,) = [r for r in result.by_type(K8S_SECRET) if r.inputs["metadata"]["name"] == "openmetadata-jwt-keys"]
    return secret


def delivered_files(result: engine.PreviewResult) -> dict[str, bytes]:
    """The two files as the server's pod reads them from the Secret (``--show-secrets``)."""
    data = jwt_secret(result).plain_inputs["data"]
    return {name: base64.b64decode(value) for name, value in data.items()}


def rendered(result: engine.PreviewResult) -> dict:
    (env,) = result.by_type("om-secrets:index:OpenMetadataSecrets")
    return engine.plain(env.outputs)


@pytest.mark.parametrize("stack", STACKS)
def test_a_token_signed_with_the_delivered_key_verifies_against_the_rendered_jwks(stack, previewed):
    result = previewed(stack)
    files = delivered_files(result)
    assert set(files) == {"private_key.der", "public_key.der"}
    # exactly as OM's Java loads them: PKCS8EncodedKeySpec and X509EncodedKeySpec, KeyFactory RSA
    private = serialization.load_der_private_key(files["private_key.der"], password=None)
    public = serialization.load_der_public_key(files["public_key.der"])
    assert isinstance(private, rsa.RSAPrivateKey) and private.key_size >= 2048
    assert private.public_key().public_numbers() == public.public_numbers()
    assert private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()) == files["private_key.der"]
    outputs = engine.plain(result.outputs)
    kid = outputs["jwt"]["keyId"]
    (pair,) = result.by_type(PAIR)
    jwks = json.loads(engine.plain(pair.outputs)["jwks"])
    assert kid == jwt.thumbprint(public.public_numbers().n, public.public_numbers().e) != jwt.OM_DEFAULT_KID
    token = sign_as_om(files["private_key.der"], kid, {"iss": "open-metadata.org", "sub": "ingestion-bot", "isBot": True})
    assert verify_with_jwks(token, jwks)["sub"] == "ingestion-bot"
    # the kid the server is told (its ConfigMap, the chart values) is the one the JWKS serves
    (config,) = [r for r in result.by_type(CONFIG_MAP) if r.inputs["metadata"]["name"] == "openmetadata-secrets-config"]
    assert config.inputs["data"]["JWT_KEY_ID"] == kid
    values = outputs["helmValues"]["openmetadata"]["openmetadata"]["config"]["jwtTokenConfiguration"]
    assert values["keyId"] == kid and values["rsaprivateKeyFilePath"] == "/etc/openmetadata/jwtkeys/private_key.der"
    # a signature by another key fails (the check above is not vacuous)
    other = jwt.stand_in_private_key("tests/other-signer").private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(InvalidSignature):
        verify_with_jwks(sign_as_om(other, kid, {"sub": "admin"}), jwks)


@pytest.mark.parametrize("stack", STACKS)
def test_the_pair_lives_only_in_the_servers_secret(stack, previewed):
    result = previewed(stack)
    secret = jwt_secret(result)
    outputs = engine.plain(result.outputs)
    server_namespace = outputs["serviceAccounts"]["openmetadata"].split("/")[0]
    assert secret.inputs["metadata"]["namespace"] == server_namespace
    assert secret.secret_input("data") and {"data", "stringData"} <= set(secret.options["additionalSecretOutputs"])
    private = base64.b64encode(delivered_files(result)["private_key.der"]).decode()
    document = json.dumps(result.to_document())
    shown = json.dumps(result.to_document(show_secrets=True))
    assert private not in document and private in shown
    # never in a ConfigMap, an env var, the Airflow values or any output
    for r in result.by_type(CONFIG_MAP):
        assert private not in json.dumps(r.plain_inputs)
    assert private not in json.dumps(engine.plain(result.outputs, show_secrets=True))
    airflow_values = json.dumps(outputs["helmValues"]["airflow"])
    assert "jwt-keys" not in airflow_values and "jwtkeys" not in airflow_values and "private_key" not in airflow_values
    om_values = outputs["helmValues"]["openmetadata"]
    assert om_values["extraVolumes"] == [{"name": "om-secrets-jwt-keys", "secret": {"secretName": "openmetadata-jwt-keys"}}]


@pytest.mark.parametrize("stack", STACKS)
def test_the_key_is_stable_named_protected_and_rsa_2048(stack, previewed):
    result = previewed(stack)
    (key,) = result.by_type(TLS_KEY)
    assert key.name == f"{STABLE_NAME}-jwt-key"
    assert key.inputs == {"algorithm": "RSA", "rsaBits": 2048}
    assert key.options["protect"] is True
    assert {"privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"} <= set(key.options["additionalSecretOutputs"])
    # stacks made when names followed the environment keep the key through an alias
    former = dict.fromkeys((engine.plain(result.outputs)["environment"], stack))  # the names before names were stable
    assert set(key.to_document()["options"]["aliases"]) == {
        key.urn.replace(f"::{STABLE_NAME}-jwt-key", f"::{name}-jwt-key") for name in former}


def test_previews_are_deterministic(preview_stack):
    one, two = preview_stack("dev"), preview_stack("dev")
    assert one.to_document(show_secrets=True) == two.to_document(show_secrets=True)


def test_key_size_setting(preview_config):
    result = preview_config({"provider": "kubernetes", "jwt": {"keySize": 3072}})
    (key,) = result.by_type(TLS_KEY)
    assert key.inputs["rsaBits"] == 3072
    private = serialization.load_der_private_key(delivered_files(result)["private_key.der"], password=None)
    assert private.key_size == 3072


def test_a_pinned_key_id_is_used_everywhere(preview_config):
    result = preview_config({"provider": "db", "jwt": {"keyId": "prod-2026-01"}})
    outputs = engine.plain(result.outputs)
    assert outputs["jwt"]["keyId"] == "prod-2026-01"
    (pair,) = result.by_type(PAIR)
    assert json.loads(engine.plain(pair.outputs)["jwks"])["keys"][0]["kid"] == "prod-2026-01"


def test_disabled_pair_declares_nothing_and_says_why(preview_config):
    result = preview_config({"provider": "kubernetes", "jwt": {"enabled": False, "disabledReason": "keys from Vault"}},
                            extra={"kubernetes:enableSecretMutable": "true"})
    assert result.by_type(TLS_KEY) == [] and result.by_type(PAIR) == []
    assert "jwt" not in engine.plain(result.outputs)
    assert not [r for r in result.by_type(K8S_SECRET) if "jwt" in r.inputs["metadata"]["name"]]


# ------------------------------------------------------------------ adoption


def _pem(key, fmt=serialization.PrivateFormat.PKCS8) -> str:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


RUNNING = jwt.stand_in_private_key("tests/running-deployment")


@pytest.mark.parametrize("fmt", [serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL])
def test_an_imported_key_is_delivered_as_om_reads_it(preview_config, fmt):
    result = preview_config({"provider": "db", "jwt": {"imported": "existingJwtKey", "keyId": "running-kid"}},
                            extra={"om-secrets:existingJwtKey": _pem(RUNNING, fmt)}, secret_keys=("om-secrets:existingJwtKey",))
    assert result.by_type(TLS_KEY) == []
    files = delivered_files(result)
    assert serialization.load_der_private_key(files["private_key.der"], None).private_numbers() == RUNNING.private_numbers()
    assert engine.plain(result.outputs)["jwt"]["keyId"] == "running-kid"
    (pair,) = result.by_type(PAIR)
    assert pair.inputs == {"imported": True, "importedFrom": "existingJwtKey", "keyId": "running-kid"}
    assert _pem(RUNNING) not in json.dumps(result.to_document())


def test_an_imported_key_is_pinned_by_its_public_key(preview_config):
    """Another key under the same config key changes the protected pin's keepers (pulumi preview shows a
    replace, pulumi up refuses it); the pin holds only the public key's SHA-256."""
    def pin_of(key):
        result = preview_config({"provider": "db", "jwt": {"imported": "existingJwtKey", "keyId": "running-kid"}},
                                extra={"om-secrets:existingJwtKey": _pem(key)}, secret_keys=("om-secrets:existingJwtKey",))
        (pin,) = result.by_type(key_pin.PIN_TYPE)
        assert pin.parent == result.by_type(PAIR)[0].urn and pin.options["protect"] is True
        return pin.plain_inputs["keepers"]["fingerprint"]

    other = jwt.stand_in_private_key("tests/another-deployment")
    assert pin_of(RUNNING) == jwt.pair_from_pem(_pem(RUNNING), "running-kid").public_sha256 != pin_of(other)


def test_an_imported_key_offline_is_a_stand_in_with_a_notice(tmp_path, capsys):
    """Encrypted in the stack file, the key cannot be read offline: a stand-in, said so, exit 0."""
    from omsecrets import cli

    stack = tmp_path / "Pulumi.dev.yaml"
    stack.write_text(stack_file("dev").read_text() + "  om-secrets:jwt:\n    imported: existingJwtKey\n    keyId: running-kid\n"
                     "  om-secrets:existingJwtKey:\n    secure: AAABAKm5Zm9vYmFy\n")
    code = cli.main(["preview", "dev", "--config-file", str(stack)])
    out = capsys.readouterr().out
    assert code == 0 and "imported JWT private key (config om-secrets:existingJwtKey)" in out
    assert "not checkable offline" in out and "| omsecrets jwt check" in out


@pytest.mark.parametrize("text, message", [
    ("not a key", "not a readable key"),
    ("PUBLIC", "expected one private key"),
    ("SMALL", "1024-bit RSA key"),
], ids=["garbage", "public-key", "weak"])
def test_a_bad_imported_key_fails_the_program_with_a_clear_message(preview_config, text, message):
    if text == "PUBLIC":
        text = RUNNING.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    elif text == "SMALL":
        text = _pem(rsa.generate_private_key(65537, 1024))
    with pytest.raises(Exception) as caught:
        preview_config({"provider": "db", "jwt": {"imported": "existingJwtKey", "keyId": "k"}},
                       extra={"om-secrets:existingJwtKey": text}, secret_keys=("om-secrets:existingJwtKey",))
    assert message in str(caught.value) and "om-secrets:existingJwtKey" in str(caught.value)
    assert "MII" not in str(caught.value)  # no key bytes
