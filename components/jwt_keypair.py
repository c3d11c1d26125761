"""OM's JWT signing key pair as a Pulumi component: one state-held RSA key per environment."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_tls as tls

from . import jwt, key_pin
from .core import CONFIG_NAMESPACE, JWT_KEY_PAIR_TYPE, is_offline_secret


def not_checkable_notice(name: str, source: str | None) -> str:
    where = f"config {CONFIG_NAMESPACE}:{source}" if source else "its config key"
    check = f"`pulumi config get {CONFIG_NAMESPACE}:{source} | omsecrets jwt check`" if source else "`omsecrets jwt check`"
    return (f"{name}: the imported JWT private key ({where}) is encrypted in the stack file: not checkable offline "
            f"(a stand-in key is used in this preview); it is checked when the real value is present "
            f"(`pulumi preview`), or check it now with {check}")


def _imported_pair(name: str, key_id: str, source: str | None):
    def pair(text: str) -> jwt.Pair:
        if is_offline_secret(text):
            pulumi.log.warn(not_checkable_notice(name, source))
            return jwt.pair_from_private_key(jwt.stand_in_private_key(text), key_id)
        try:
            return jwt.pair_from_imported(text, key_id)
        except ValueError as exc:
            raise ValueError(f"{name}: imported JWT private key{f' ({CONFIG_NAMESPACE}:{source})' if source else ''}: "
                             f"{exc}") from None

    return pair


@dataclass(frozen=True)
class JwtKeyPairArgs:
    """OM's JWT signing key pair.

    Attributes:
        key_size: RSA bits of a generated key (2048, 3072, 4096).
        generation: the generated pair's generation; each has a resource of its own (``<name>-key`` for 1,
            ``<name>-key-gen-<n>`` after), so raising it declares a new pair and retires the old one.
        protect: protect the generated key resource (a replacement invalidates every token).
        key_id: ``JWT_KEY_ID``; None: the RFC 7638 thumbprint of the public key.
        imported: an existing private key (secret Input: PEM, or base64 of DER) to adopt instead of
            generating one; needs ``key_id`` (the running deployment's, which its tokens carry).
        imported_from: where the imported key comes from (a config key), recorded so a change is visible.
    """

    key_size: int = jwt.DEFAULT_KEY_SIZE
    generation: int = 1
    protect: bool = False
    key_id: str | None = None
    imported: pulumi.Input[str] | None = None
    imported_from: str | None = None

    def __post_init__(self) -> None:
        if self.key_size not in jwt.KEY_SIZES:
            raise ValueError(f"key_size {self.key_size!r} is not allowed; allowed: {', '.join(map(str, jwt.KEY_SIZES))}")
        if self.key_id is not None and (jwt.is_default_kid(self.key_id) or not jwt.KEY_ID.fullmatch(self.key_id)):
            raise ValueError(f"key_id {self.key_id!r} is OpenMetadata's default kid or not a valid kid")
        if self.imported is not None and self.key_id is None:
            raise ValueError("an imported key needs key_id: the running deployment's JWT_KEY_ID")
        if not isinstance(self.generation, int) or self.generation < 1:
            raise ValueError(f"generation {self.generation!r} is not allowed; expected a whole number from 1")


class JwtKeyPair(pulumi.ComponentResource):
    """OM's JWT signing pair, kept in state: ``pulumi up`` never changes it.

    Outputs: ``private_key_der`` (secret, base64 of the PKCS#8 DER file OM reads), ``public_key_der``
    (base64 of the X.509 SubjectPublicKeyInfo DER file), ``key_id``, ``jwks`` (the JSON OM will serve),
    ``public_key_sha256`` and ``recovery_copy`` (secret JSON of the three, for the store's key copy).
    """

    TYPE = JWT_KEY_PAIR_TYPE

    def __init__(self, name: str, args: JwtKeyPairArgs, opts: pulumi.ResourceOptions | None = None):
        imported = args.imported is not None
        super().__init__(
            self.TYPE,
            name,
            {"keySize": None if imported else args.key_size, "generation": None if imported else args.generation,
             "imported": imported, "importedFrom": args.imported_from, "keyId": args.key_id},
            opts,
        )
        if imported:
            self.key = None
            pair = pulumi.Output.from_input(args.imported).apply(_imported_pair(name, args.key_id, args.imported_from))
            # the public key's digest is no secret: the pin shows the adopted key's identity in the diff
            key_pin.pin(f"{name}-key{key_pin.SUFFIX}", pulumi.Output.unsecret(pair.apply(lambda p: p.public_sha256)),
                        parent=self, protect=args.protect, secret=False)
        else:
            self.key = tls.PrivateKey(
                f"{name}-key" if args.generation == 1 else f"{name}-key-gen-{args.generation}",
                algorithm="RSA",
                rsa_bits=args.key_size,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            pair = self.key.private_key_pem_pkcs8.apply(lambda pem: jwt.pair_from_pem(pem, args.key_id))
        self.private_key_der: pulumi.Output[str] = pulumi.Output.secret(pair.apply(lambda p: p.private_der_b64))
        # Public facts of a secret key: Pulumi marks everything derived from it secret; these are not.
        self.public_key_der: pulumi.Output[str] = pulumi.Output.unsecret(pair.apply(lambda p: p.public_der_b64))
        self.key_id: pulumi.Output[str] = pulumi.Output.unsecret(pair.apply(lambda p: p.key_id))
        self.jwks: pulumi.Output[str] = pulumi.Output.unsecret(pair.apply(lambda p: p.jwks))
        self.public_key_sha256: pulumi.Output[str] = pulumi.Output.unsecret(pair.apply(lambda p: p.public_sha256))
        self.recovery_copy: pulumi.Output[str] = pulumi.Output.secret(pair.apply(lambda p: json.dumps({
            "keyId": p.key_id, jwt.PRIVATE_KEY_FILE: p.private_der_b64, jwt.PUBLIC_KEY_FILE: p.public_der_b64,
        }, sort_keys=True)))
        self.register_outputs({
            "keyId": self.key_id,
            "jwks": self.jwks,
            "publicKeySha256": self.public_key_sha256,
            "imported": imported,
        })
