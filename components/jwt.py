"""OpenMetadata's JWT signing keys (pure: no Pulumi import).

OM signs every bot token and personal access token with one RSA key pair read from two files
(``JWTTokenGenerator``): the private key as unencrypted PKCS#8 DER (``PKCS8EncodedKeySpec``), the
public key as X.509 SubjectPublicKeyInfo DER (``X509EncodedKeySpec``); PEM fails, and a failure is
only logged, so the files must be checked before OM starts. Tokens carry ``kid`` =
``jwtTokenConfiguration.keyId``; OM serves the public key at ``/api/v1/system/config/jwks``.

OM ships a default pair in ``conf/`` whose private key is public: anyone who can reach an OM still
on it can mint an admin token. It is recognised here from public facts only (its kid and its
modulus as OM's JWKS serves it); no private key of OM's is in this repository.

``cryptography`` is imported only by the functions that parse or make keys.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Optional

# ---------------------------------------------------------------- OM's shipped default pair

#: ``jwtTokenConfiguration.keyId`` in OM's conf/openmetadata.yaml (not a real UUID).
OM_DEFAULT_KID = "Gb389a-9f76-gdjs-a92j-0242bk94356"
#: The default public key's modulus exactly as OM's JWKS serves it (padded base64url of Java's
#: ``BigInteger.toByteArray()``, leading zero byte included); ``e`` is ``AQAB``.
OM_DEFAULT_JWKS_N = (
    "ANl0x260vLmL_kx8Hhg4KkXIgk2SSFNDbmj1EE-N1e6EII9xBabVskXdEOsWY7H-jvM9s1mXdKjUGzJu6iHJ0pAXrZCSrKKoNao0_hhCj9PRqE"
    "UCw6ZJewAoDK-jMYHu7hphNeUxUzgVBiW6CN28sfi0s4Oq2V6-Y3av_CKj-_zmokQLCw43nwvOQ2_jeyBPhbMXg1l_I5codW3z_nCDq4fazWcbF"
    "ybnOpZaGRNM_QiAdJJ4dZi7BcUH1PygYA3S_6SwcKvSpeZ0ur3k4he4KZS7K-tSjlUc8qMlG1e_kz2_pV-HBhI8WjG9DLgqoqGcAf6sWVOnNmY"
    "rAYDLtqWsz2U="
)
#: The same without ``=`` padding, as RFC 7518 JWKS spell ``n``.
OM_DEFAULT_JWKS_N_UNPADDED = OM_DEFAULT_JWKS_N.rstrip("=")
OM_DEFAULT_MODULUS = int.from_bytes(base64.urlsafe_b64decode(OM_DEFAULT_JWKS_N), "big")
#: ``sha256sum public_key.der`` of the default public key (derived from the modulus; a test proves it).
OM_DEFAULT_SPKI_SHA256 = "5ef1fe95ce866280ed426e40f6aca6bb30324fff024d4d5402b5bb1bc970a0d8"
#: RFC 7638 thumbprint of the default public key (derived; a test proves it).
OM_DEFAULT_THUMBPRINT = "Db0dhKG2UYMwVssQYb4_2XxUSyB2gmaXm-nOhX2Hvug"
#: Where OM's config points by default: the shipped pair.
OM_DEFAULT_PATHS = ("./conf/private_key.der", "./conf/public_key.der")
_DEFAULT_PATH = re.compile(r"(^|/)conf/(private|public)_key\.der$")

# ---------------------------------------------------------------- what om-secrets renders

DEFAULT_ISSUER = "open-metadata.org"
KEY_SIZES: tuple[int, ...] = (2048, 3072, 4096)
DEFAULT_KEY_SIZE = 2048
#: OM's security docs: RSA 2048 at least.
MIN_KEY_SIZE = 2048
#: Where the server mounts the key Secret (the OM chart docs' example path).
MOUNT_DIR = "/etc/openmetadata/jwtkeys"
PRIVATE_KEY_FILE = "private_key.der"
PUBLIC_KEY_FILE = "public_key.der"
PRIVATE_KEY_PATH = f"{MOUNT_DIR}/{PRIVATE_KEY_FILE}"
PUBLIC_KEY_PATH = f"{MOUNT_DIR}/{PUBLIC_KEY_FILE}"
#: OM's JWKS endpoint under its API root (``.../api``).
JWKS_PATH = "/v1/system/config/jwks"
#: What ``jwt.keyId`` may hold: printable, no whitespace or quotes (it goes into env, YAML and token headers).
KEY_ID = re.compile(r"[A-Za-z0-9._~:+/=-]{1,200}")
ISSUER = re.compile(r"[^\s\"'\\]{1,200}")


def jwks_url(host_port: str) -> str:
    """The server's own JWKS URL from its API URL (``http://openmetadata:8585/api`` ->
    ``http://openmetadata:8585/api/v1/system/config/jwks``)."""
    return host_port.rstrip("/") + JWKS_PATH


def is_default_kid(kid: Any) -> bool:
    return isinstance(kid, str) and kid.strip() == OM_DEFAULT_KID


def is_default_path(path: Any) -> bool:
    """A key file path pointing at OM's shipped pair (``./conf/private_key.der`` and the like)."""
    return isinstance(path, str) and _DEFAULT_PATH.search(path.strip()) is not None


# ---------------------------------------------------------------- encodings


def b64url(data: bytes, *, pad: bool) -> str:
    text = base64.urlsafe_b64encode(data).decode("ascii")
    return text if pad else text.rstrip("=")


def _unsigned(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def _java_bytes(value: int) -> bytes:
    """``BigInteger.toByteArray()`` of a positive number: a leading zero byte when the top bit is set."""
    return value.to_bytes(value.bit_length() // 8 + 1, "big")


def thumbprint(n: int, e: int) -> str:
    """RFC 7638 JWK SHA-256 thumbprint of an RSA public key (the kid om-secrets derives)."""
    members = json.dumps({"e": b64url(_unsigned(e), pad=False), "kty": "RSA", "n": b64url(_unsigned(n), pad=False)},
                         separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(members.encode("ascii")).digest(), pad=False)


def jwk(n: int, e: int, kid: str) -> dict[str, str]:
    """The key as OM's JWKS serves it (``JWKSKey``: padded base64url of ``BigInteger.toByteArray()``)."""
    return {"kid": kid, "kty": "RSA", "alg": "RS256", "use": "sig",
            "n": b64url(_java_bytes(n), pad=True), "e": b64url(_java_bytes(e), pad=True)}


def jwks_document(n: int, e: int, kid: str) -> str:
    """``{"keys": [<key>]}`` as JSON: what ``GET /api/v1/system/config/jwks`` returns for this pair."""
    return json.dumps({"keys": [jwk(n, e, kid)]}, sort_keys=True)


def pem_der_b64(pem: str, label: str) -> str:
    """The base64 DER inside a PEM block labelled ``label`` (a Kubernetes Secret's ``data`` value of the
    DER file): PEM is base64 of DER with line breaks, so no key is parsed. ValueError naming the
    label found, never the material."""
    lines = [line.strip() for line in pem.strip().splitlines()]
    begin, end = f"-----BEGIN {label}-----", f"-----END {label}-----"
    if len(lines) < 3 or lines[0] != begin or lines[-1] != end:
        found = lines[0] if lines and lines[0].startswith("-----BEGIN ") and len(lines[0]) < 60 else "no PEM block"
        raise ValueError(f"expected a PEM block '{begin}', got {found!r}")
    body = "".join(lines[1:-1])
    try:
        base64.b64decode(body, validate=True)
    except binascii.Error:
        raise ValueError(f"the {label} PEM block is not valid base64") from None
    return body


# ---------------------------------------------------------------- reading keys


class KeyProblem(ValueError):
    """A key that cannot be read or used; the message names the problem, never the material."""


@dataclass(frozen=True)
class KeyFacts:
    """What a key file is, from public facts only (nothing here is secret)."""

    kind: str  # private | public | jwks
    encoding: str  # e.g. "PKCS#8 DER", "PKCS#1 PEM", "X.509 SubjectPublicKeyInfo DER", "JWKS JSON"
    algorithm: str  # RSA | EC | Ed25519 | ...
    bits: int
    n: Optional[int] = None
    e: Optional[int] = None
    kid: Optional[str] = None  # the JWKS kid, if the input carried one
    spki_sha256: Optional[str] = None

    @property
    def thumbprint(self) -> Optional[str]:
        return thumbprint(self.n, self.e) if self.n is not None and self.e is not None else None

    @property
    def om_default(self) -> bool:
        return self.n == OM_DEFAULT_MODULUS or self.spki_sha256 == OM_DEFAULT_SPKI_SHA256 or is_default_kid(self.kid)

    def problems(self) -> list[str]:
        """Why OM cannot use this as its key file (or must not): empty when it can."""
        out = []
        if self.om_default:
            out.append("it is OpenMetadata's shipped default key, whose private key is public: anyone who can reach "
                       "the server can mint an admin token; generate a new pair (om-secrets jwt settings)")
        if self.algorithm != "RSA":
            out.append(f"it is an {self.algorithm} key; OM loads RSA keys only (KeyFactory \"RSA\", RS256)")
        elif self.bits < MIN_KEY_SIZE:
            out.append(f"it is a {self.bits}-bit RSA key; OM's security docs require at least {MIN_KEY_SIZE} bits")
        if self.kind == "private" and self.encoding != "PKCS#8 DER":
            out.append(f"it is {self.encoding}; OM reads the private key file as unencrypted PKCS#8 DER "
                       "(PKCS8EncodedKeySpec): convert with `openssl pkcs8 -topk8 -nocrypt -outform DER`")
        if self.kind == "public" and self.encoding != "X.509 SubjectPublicKeyInfo DER":
            out.append(f"it is {self.encoding}; OM reads the public key file as X.509 SubjectPublicKeyInfo DER "
                       "(X509EncodedKeySpec): convert with `openssl pkey -pubin -outform DER`")
        return out


_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")


def _facts_of(key: Any, kind: str, encoding: str) -> KeyFacts:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    public = key.public_key() if kind == "private" else key
    spki = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashlib.sha256(spki).hexdigest()
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        return KeyFacts(kind, encoding, "RSA", public.key_size, numbers.n, numbers.e, spki_sha256=digest)
    name = type(public).__name__.replace("PublicKey", "").lstrip("_") or "non-RSA"
    algorithm = {"EllipticCurve": "EC"}.get(name, name)
    return KeyFacts(kind, encoding, algorithm, getattr(public, "key_size", 0), spki_sha256=digest)


def _der_facts(der: bytes, how: str) -> KeyFacts:
    """Facts of one DER key; its encoding from re-serializing it (PKCS#8 or PKCS#1/traditional for a private
    key, SubjectPublicKeyInfo or PKCS#1 for a public one)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    enc = serialization.Encoding.DER
    try:
        private = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError):
        private = None
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm for odd keys
        raise KeyProblem(f"the {how} key uses an algorithm this tool cannot read ({type(exc).__name__})") from None
    if private is not None:
        pkcs8 = private.private_bytes(enc, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        encoding = "PKCS#8" if pkcs8 == der else "PKCS#1" if isinstance(private, rsa.RSAPrivateKey) else "traditional"
        return _facts_of(private, "private", f"{encoding} {how}")
    try:
        public = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        raise KeyProblem(f"not a readable key: the {how} data is neither a private key (PKCS#8, PKCS#1) nor a public "
                         "key (X.509 SubjectPublicKeyInfo, PKCS#1), or it is encrypted") from None
    except Exception as exc:
        raise KeyProblem(f"the {how} key uses an algorithm this tool cannot read ({type(exc).__name__})") from None
    spki = public.public_bytes(enc, serialization.PublicFormat.SubjectPublicKeyInfo)
    return _facts_of(public, "public", f"{'X.509 SubjectPublicKeyInfo' if spki == der else 'PKCS#1'} {how}")


_PEM_ENCODINGS = {"PRIVATE KEY": "PKCS#8", "RSA PRIVATE KEY": "PKCS#1", "PUBLIC KEY": "X.509 SubjectPublicKeyInfo",
                  "RSA PUBLIC KEY": "PKCS#1", "EC PRIVATE KEY": "SEC1"}


def _jwks_facts(text: str) -> Iterator[KeyFacts]:
    try:
        document = json.loads(text)
    except ValueError:
        raise KeyProblem("not a readable key: it starts like JSON but does not parse as a JWKS or JWK") from None
    keys = document.get("keys") if isinstance(document, dict) and "keys" in document else [document]
    if not isinstance(keys, list) or not keys:
        raise KeyProblem("the JWKS holds no keys")
    for i, key in enumerate(keys):
        if not isinstance(key, dict):
            raise KeyProblem(f"JWKS key {i + 1} is not an object")
        kty, kid = key.get("kty"), key.get("kid")
        if kty != "RSA":
            yield KeyFacts("jwks", "JWKS JSON", str(kty or "unknown"), 0, kid=kid if isinstance(kid, str) else None)
            continue
        try:
            n = int.from_bytes(base64.urlsafe_b64decode(_padded(key["n"])), "big")
            e = int.from_bytes(base64.urlsafe_b64decode(_padded(key["e"])), "big")
        except (KeyError, TypeError, ValueError, binascii.Error):
            raise KeyProblem(f"JWKS key {i + 1} has no readable n and e") from None
        yield KeyFacts("jwks", "JWKS JSON", "RSA", n.bit_length(), n, e, kid=kid if isinstance(kid, str) else None,
                       spki_sha256=_spki_sha256(n, e))


def _padded(text: Any) -> str:
    if not isinstance(text, str):
        raise TypeError("not a string")
    return text + "=" * (-len(text.rstrip("=")) % 4) if not text.endswith("=") else text


def _spki_sha256(n: int, e: int) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        public = rsa.RSAPublicNumbers(e, n).public_key()
    except ValueError:
        return ""
    spki = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def _blocks(data: bytes) -> list[tuple[bytes, str]]:
    """``(der, how)`` of each key in DER, PEM (one or more blocks) or base64-of-DER input."""
    stripped = data.strip()
    if b"-----BEGIN " in stripped:
        out = []
        for match in _PEM.finditer(stripped):
            label = match.group(1).decode("ascii")
            end = stripped.find(f"-----END {label}-----".encode(), match.end())
            if end < 0:
                raise KeyProblem(f"the PEM block '{label}' has no END line")
            if label == "ENCRYPTED PRIVATE KEY":
                raise KeyProblem("it is an encrypted private key; OM reads an unencrypted PKCS#8 DER file")
            if label not in _PEM_ENCODINGS:
                raise KeyProblem(f"the PEM block '{label}' is not a key this tool reads (PRIVATE KEY, RSA PRIVATE KEY, "
                                 "PUBLIC KEY, RSA PUBLIC KEY, EC PRIVATE KEY)")
            try:
                out.append((base64.b64decode(b"".join(stripped[match.end():end].split()), validate=True), "PEM"))
            except binascii.Error:
                raise KeyProblem(f"the PEM block '{label}' is not valid base64") from None
        return out
    if stripped[:1] == b"\x30":  # an ASN.1 SEQUENCE: DER (surrounding whitespace is not DER's)
        return [(data, "DER")]
    try:
        return [(base64.b64decode(b"".join(stripped.split()), validate=True), "DER (base64)")]
    except binascii.Error:
        raise KeyProblem("not a readable key: neither DER, PEM, base64 of DER nor a JWKS") from None


def read_keys(data: bytes) -> list[KeyFacts]:
    """Every key in ``data``: DER, PEM (one or more blocks), base64 of DER, or a JWKS/JWK document.

    Raises :class:`KeyProblem` (a ValueError) saying what the input is not; never shows its bytes.
    """
    if not data.strip():
        raise KeyProblem("the input is empty")
    if data.strip()[:1] in (b"{", b"["):
        return list(_jwks_facts(data.strip().decode("utf-8", errors="replace")))
    return [_der_facts(der, how) for der, how in _blocks(data)]


# ---------------------------------------------------------------- the pair om-secrets delivers


@dataclass(frozen=True)
class Pair:
    """A pair as OM reads it: base64 of the PKCS#8 DER private key and of the SubjectPublicKeyInfo DER
    public key (Kubernetes Secret ``data`` values), the kid and the JWKS OM will serve. Only
    ``private_der_b64`` is secret."""

    private_der_b64: str
    public_der_b64: str
    key_id: str
    bits: int
    public_sha256: str
    jwks: str


def pair_from_private_key(key: Any, key_id: Optional[str] = None) -> Pair:
    """The :class:`Pair` of an RSA private key object; refuses OM's default key and keys under 2048 bits."""
    from cryptography.hazmat.primitives import serialization

    facts = _facts_of(key, "private", "PKCS#8 DER")
    problems = [p for p in facts.problems() if not p.startswith("it is PKCS")]
    if key_id is not None and is_default_kid(key_id):
        problems.append(f"keyId is OpenMetadata's default kid {OM_DEFAULT_KID!r}")
    if problems:
        raise KeyProblem("; ".join(problems))
    private_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_der = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = key_id or thumbprint(facts.n, facts.e)  # type: ignore[arg-type]
    return Pair(base64.b64encode(private_der).decode("ascii"), base64.b64encode(public_der).decode("ascii"), kid,
                facts.bits, hashlib.sha256(public_der).hexdigest(), jwks_document(facts.n, facts.e, kid))  # type: ignore[arg-type]


def pair_from_pem(private_pem_pkcs8: str, key_id: Optional[str] = None) -> Pair:
    """The :class:`Pair` of a generated key (``tls.PrivateKey.private_key_pem_pkcs8``)."""
    from cryptography.hazmat.primitives import serialization

    der = base64.b64decode(pem_der_b64(private_pem_pkcs8, "PRIVATE KEY"))
    return pair_from_private_key(serialization.load_der_private_key(der, password=None), key_id)


def pair_from_imported(text: str, key_id: Optional[str] = None) -> Pair:
    """The :class:`Pair` of an adopted private key: PEM or DER (base64), PKCS#8 or PKCS#1, unencrypted RSA."""
    from cryptography.hazmat.primitives import serialization

    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    blocks = _blocks(data) if data.strip() else []
    facts = [_der_facts(der, how) for der, how in blocks]
    if len(facts) != 1 or facts[0].kind != "private":
        kinds = ", ".join(f.kind for f in facts) or "none"
        raise KeyProblem(f"expected one private key, found {len(facts)} key(s) ({kinds}); give the private key file "
                         "the running server reads (RSA_PRIVATE_KEY_FILE_PATH), as PEM or base64 of the DER file")
    return pair_from_private_key(serialization.load_der_private_key(blocks[0][0], password=None), key_id)


# ---------------------------------------------------------------- offline stand-ins


def _small_primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * (limit + 1)
    sieve[0:2] = b"\0\0"
    for i in range(2, int(limit ** 0.5) + 1):
        if sieve[i]:
            sieve[i * i::i] = bytes(len(range(i * i, limit + 1, i)))
    return [i for i in range(3, limit + 1) if sieve[i]]


@functools.cache
def _sieve_primes() -> tuple[int, ...]:
    return tuple(_small_primes(20_000))


_WITNESSES = (2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41)


def _probable_prime(n: int, bases) -> bool:
    d, s = n - 1, 0
    while not d & 1:
        d >>= 1
        s += 1
    for a in bases:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _seeded_prime(seed: str, bits: int, e: int) -> int:
    """The first probable prime at or after a number drawn from ``seed`` (top two bits set, p-1 prime to e)."""
    window = 4096
    for attempt in range(1000):
        raw = b"".join(hashlib.sha512(f"{seed}/{attempt}/{i}".encode()).digest() for i in range(bits // 512 + 1))
        start = (int.from_bytes(raw, "big") >> (len(raw) * 8 - bits)) | (3 << (bits - 2)) | 1
        alive = bytearray([1]) * window  # alive[t]: start + 2t has no small factor
        for p in _sieve_primes():
            t = (-(start % p) * ((p + 1) // 2)) % p
            alive[t::p] = bytes(len(range(t, window, p)))
        for t in range(window):
            if alive[t]:
                candidate = start + 2 * t
                if (candidate - 1) % e and _probable_prime(candidate, _WITNESSES[:1]) \
                        and _probable_prime(candidate, _WITNESSES[1:]):
                    return candidate
    raise RuntimeError("no prime found")  # pragma: no cover - 1000 windows of 4096 odd numbers


@functools.lru_cache(maxsize=64)
def stand_in_private_key(seed: str, bits: int = DEFAULT_KEY_SIZE) -> Any:
    """A deterministic RSA key from ``seed``, for offline previews only (the same in every preview).

    Never deployed: the offline engine fabricates it for a ``tls`` PrivateKey, and stands it in for
    an imported key it cannot decrypt. Its primes are drawn from SHA-512 of the seed, so it is
    exactly as secret as the seed (not at all).
    """
    from cryptography.hazmat.primitives.asymmetric import rsa

    e = 65537
    p = _seeded_prime(f"{seed}/p", bits // 2, e)
    q = _seeded_prime(f"{seed}/q", bits - bits // 2, e)
    if p == q:  # pragma: no cover - two SHA-512 streams
        q = _seeded_prime(f"{seed}/q2", bits - bits // 2, e)
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, p * q))
    return numbers.private_key()
