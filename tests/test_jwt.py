"""components.jwt: OM's default pair recognised from public facts, key files read as OM reads them, the
JWKS as OM serves it, kids (RFC 7638), and the offline stand-in keys."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from omsecrets.components import jwt

OWN = jwt.stand_in_private_key("tests/test_jwt")
SMALL = rsa.generate_private_key(65537, 1024)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
ENC, PRIV, PUB = serialization.Encoding, serialization.PrivateFormat, serialization.PublicFormat
NONE = serialization.NoEncryption()


def private(key, encoding=ENC.DER, fmt=PRIV.PKCS8, encryption=NONE) -> bytes:
    return key.private_bytes(encoding, fmt, encryption)


def public(key, encoding=ENC.DER, fmt=PUB.SubjectPublicKeyInfo) -> bytes:
    return key.public_key().public_bytes(encoding, fmt)


def default_public_der() -> bytes:
    key = rsa.RSAPublicNumbers(65537, jwt.OM_DEFAULT_MODULUS).public_key()
    return key.public_bytes(ENC.DER, PUB.SubjectPublicKeyInfo)


# ---------------------------------------------------------------- OM's default pair, from its JWKS n alone


def test_the_default_facts_follow_from_the_modulus_om_serves():
    """The reference's facts (kid aside) all derive from n: nothing else about the default key is stored."""
    assert jwt.OM_DEFAULT_MODULUS.bit_length() == 2048
    raw = jwt.OM_DEFAULT_MODULUS.to_bytes(256, "big")
    assert raw[:8].hex() == "d974c76eb4bcb98b" and raw[-8:].hex() == "0180cbb6a5accf65"
    assert hashlib.sha256(default_public_der()).hexdigest() == jwt.OM_DEFAULT_SPKI_SHA256
    assert jwt.thumbprint(jwt.OM_DEFAULT_MODULUS, 65537) == jwt.OM_DEFAULT_THUMBPRINT
    assert jwt.jwk(jwt.OM_DEFAULT_MODULUS, 65537, "x")["n"] == jwt.OM_DEFAULT_JWKS_N
    assert jwt.OM_DEFAULT_KID == "Gb389a-9f76-gdjs-a92j-0242bk94356"


def test_no_private_key_of_om_is_in_the_repository():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in [*root.glob("components/**/*.py"), *root.glob("policies/**/*.py"), *root.glob("omsecrets/**/*.py")]:
        assert "PRIVATE KEY-----" not in path.read_text().replace('"-----BEGIN {label}-----"', ""), path


@pytest.mark.parametrize("data, kind", [
    (default_public_der(), "public"),
    (rsa.RSAPublicNumbers(65537, jwt.OM_DEFAULT_MODULUS).public_key().public_bytes(ENC.PEM, PUB.PKCS1), "public"),
    (json.dumps({"keys": [{"kid": "k", "kty": "RSA", "n": jwt.OM_DEFAULT_JWKS_N, "e": "AQAB"}]}).encode(), "jwks"),
    (json.dumps({"kid": jwt.OM_DEFAULT_KID, "kty": "RSA", "n": jwt.thumbprint(3, 5), "e": "AQAB"}).encode(), "jwks"),
], ids=["spki-der", "pkcs1-pem", "jwks-n", "jwks-kid"])
def test_the_default_is_recognised_in_every_form(data, kind):
    (facts,) = jwt.read_keys(data)
    assert facts.kind == kind and facts.om_default
    assert any("OpenMetadata's shipped default key" in p for p in facts.problems())


@pytest.mark.parametrize("path, default", [
    ("./conf/private_key.der", True), ("conf/public_key.der", True), ("/opt/openmetadata/conf/private_key.der", True),
    (" ./conf/public_key.der\n", True), (jwt.PRIVATE_KEY_PATH, False), ("./conf/private_key.pem", False),
    ("./myconf/private_key.der", False), (None, False),
])
def test_default_paths(path, default):
    assert jwt.is_default_path(path) is default


# ---------------------------------------------------------------- kids and the JWKS


def test_rfc_7638_example_thumbprint():
    """RFC 7638 section 3.1."""
    n = int.from_bytes(base64.urlsafe_b64decode(
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknj"
        "hMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQ"
        "vRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJz"
        "KnqDKgw=="), "big")
    assert jwt.thumbprint(n, 65537) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_jwk_spells_numbers_as_java_biginteger_does():
    """OM's JWKSKey: padded base64url of BigInteger.toByteArray() (a leading zero byte when the top bit is set)."""
    key = jwt.jwk(0x80_00_00, 65537, "k")
    assert base64.urlsafe_b64decode(key["n"]) == b"\x00\x80\x00\x00" and key["e"] == "AQAB"
    assert base64.urlsafe_b64decode(jwt.jwk(0x7F_00, 3, "k")["n"]) == b"\x7f\x00"
    assert key["n"].endswith("=") and {k for k in key} == {"kid", "kty", "alg", "use", "n", "e"}
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")


def test_jwks_url():
    assert jwt.jwks_url("http://openmetadata:8585/api") == "http://openmetadata:8585/api/v1/system/config/jwks"
    assert jwt.jwks_url("https://om.example.com/api/") == "https://om.example.com/api/v1/system/config/jwks"


# ---------------------------------------------------------------- reading key files as OM does


@pytest.mark.parametrize("data, expected", [
    (private(OWN), ("private", "PKCS#8 DER", [])),
    (public(OWN), ("public", "X.509 SubjectPublicKeyInfo DER", [])),
    (private(OWN, ENC.PEM), ("private", "PKCS#8 PEM", ["PKCS8EncodedKeySpec"])),
    (private(OWN, ENC.PEM, PRIV.TraditionalOpenSSL), ("private", "PKCS#1 PEM", ["PKCS8EncodedKeySpec"])),
    (private(OWN, ENC.DER, PRIV.TraditionalOpenSSL), ("private", "PKCS#1 DER", ["PKCS8EncodedKeySpec"])),
    (public(OWN, ENC.PEM), ("public", "X.509 SubjectPublicKeyInfo PEM", ["X509EncodedKeySpec"])),
    (public(OWN, ENC.DER, PUB.PKCS1), ("public", "PKCS#1 DER", ["X509EncodedKeySpec"])),
    (base64.b64encode(private(OWN)), ("private", "PKCS#8 DER (base64)", ["PKCS8EncodedKeySpec"])),
    (private(SMALL), ("private", "PKCS#8 DER", ["1024-bit RSA key"])),
    (private(EC_KEY), ("private", "PKCS#8 DER", ["EC key"])),
], ids=["pkcs8-der", "spki-der", "pkcs8-pem", "pkcs1-pem", "pkcs1-der", "spki-pem", "pkcs1-public", "base64",
        "1024-bit", "ec"])
def test_what_om_can_read(data, expected):
    (facts,) = jwt.read_keys(data)
    kind, encoding, problems = expected
    assert (facts.kind, facts.encoding) == (kind, encoding)
    assert len(facts.problems()) == len(problems)
    for found, word in zip(facts.problems(), problems, strict=True):
        assert word in found


def test_a_jwks_with_several_keys():
    pair = jwt.pair_from_private_key(OWN)
    other = jwt.pair_from_private_key(jwt.stand_in_private_key("tests/other"))
    document = json.dumps({"keys": json.loads(pair.jwks)["keys"] + json.loads(other.jwks)["keys"]}).encode()
    assert [(f.kind, f.kid, f.thumbprint == f.kid) for f in jwt.read_keys(document)] == [
        ("jwks", pair.key_id, True), ("jwks", other.key_id, True)]


@pytest.mark.parametrize("data, message", [
    (b"", "the input is empty"),
    (b"   \n", "the input is empty"),
    (b"{not json", "does not parse as a JWKS"),
    (b'{"keys": []}', "holds no keys"),
    (b'{"keys": [{"kty": "RSA", "n": 5}]}', "has no readable n and e"),
    (b"-----BEGIN PUBLIC KEY-----\nAAAA", "has no END line"),
    (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "is not a key this tool reads"),
    (private(OWN, ENC.PEM, PRIV.PKCS8, serialization.BestAvailableEncryption(b"pw")), "encrypted private key"),
    (b"\x30\x03\x02\x01\x00", "not a readable key"),
    (b"hello world!", "not a readable key"),
], ids=["empty", "blank", "bad-json", "no-keys", "bad-n", "no-end", "certificate", "encrypted", "bad-der", "text"])
def test_unreadable_inputs(data, message):
    with pytest.raises(jwt.KeyProblem, match=message):
        jwt.read_keys(data)


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=1, max_size=400))
def test_no_message_shows_input_bytes(data):
    """Whatever is read, a problem names the problem, never the material."""
    try:
        facts = jwt.read_keys(data)
        messages = [p for f in facts for p in f.problems()]
    except jwt.KeyProblem as exc:
        messages = [str(exc)]
    text = data.decode("latin-1")
    for message in messages:
        for i in range(0, max(0, len(text) - 11)):
            fragment = text[i:i + 12]
            if fragment.isprintable() and fragment.strip() == fragment and "KEY" not in fragment:
                assert fragment not in message


def test_no_message_shows_a_keys_base64():
    pem = private(OWN, ENC.PEM, PRIV.TraditionalOpenSSL).decode()
    body = "".join(pem.splitlines()[1:-1])
    (facts,) = jwt.read_keys(pem.encode())
    with pytest.raises(jwt.KeyProblem) as caught:
        jwt.pair_from_imported(public(OWN, ENC.PEM).decode(), "kid")
    for message in [*facts.problems(), str(caught.value)]:
        assert all(body[i:i + 16] not in message for i in range(0, len(body) - 16, 8))


# ---------------------------------------------------------------- the pair om-secrets delivers


def test_pair_is_what_om_loads():
    pair = jwt.pair_from_pem(private(OWN, ENC.PEM).decode())
    key = serialization.load_der_private_key(base64.b64decode(pair.private_der_b64), None)  # PKCS8EncodedKeySpec
    pub = serialization.load_der_public_key(base64.b64decode(pair.public_der_b64))  # X509EncodedKeySpec
    assert key.private_numbers() == OWN.private_numbers() and pub.public_numbers() == OWN.public_key().public_numbers()
    assert private(key) == base64.b64decode(pair.private_der_b64)  # exactly PKCS#8
    assert pair.key_id == jwt.thumbprint(pub.public_numbers().n, 65537) and pair.bits == 2048
    assert pair.public_sha256 == hashlib.sha256(base64.b64decode(pair.public_der_b64)).hexdigest()
    (served,) = json.loads(pair.jwks)["keys"]
    assert served == jwt.jwk(pub.public_numbers().n, 65537, pair.key_id)


def test_a_signature_verifies_with_the_jwks_key():
    pair = jwt.pair_from_private_key(OWN, "my-kid")
    (served,) = json.loads(pair.jwks)["keys"]
    n = int.from_bytes(base64.urlsafe_b64decode(served["n"]), "big")
    e = int.from_bytes(base64.urlsafe_b64decode(served["e"]), "big")
    signature = OWN.sign(b"message", padding.PKCS1v15(), hashes.SHA256())
    rsa.RSAPublicNumbers(e, n).public_key().verify(signature, b"message", padding.PKCS1v15(), hashes.SHA256())
    assert served["kid"] == pair.key_id == "my-kid"


def test_pair_refuses_the_default_kid_weak_and_non_rsa_keys(monkeypatch):
    with pytest.raises(jwt.KeyProblem, match="default kid"):
        jwt.pair_from_private_key(OWN, jwt.OM_DEFAULT_KID)
    with pytest.raises(jwt.KeyProblem, match="1024-bit"):
        jwt.pair_from_private_key(SMALL)
    with pytest.raises(jwt.KeyProblem, match="EC key"):
        jwt.pair_from_private_key(EC_KEY)
    monkeypatch.setattr(jwt, "OM_DEFAULT_MODULUS", OWN.public_key().public_numbers().n)  # stand in as the default
    with pytest.raises(jwt.KeyProblem, match="shipped default key"):
        jwt.pair_from_private_key(OWN)


@pytest.mark.parametrize("text", [
    private(OWN, ENC.PEM).decode(),
    private(OWN, ENC.PEM, PRIV.TraditionalOpenSSL).decode(),
    base64.b64encode(private(OWN)).decode(),
    base64.b64encode(private(OWN, ENC.DER, PRIV.TraditionalOpenSSL)).decode() + "\n",
], ids=["pkcs8-pem", "pkcs1-pem", "pkcs8-der-base64", "pkcs1-der-base64"])
def test_imported_keys_in_the_forms_people_have(text):
    pair = jwt.pair_from_imported(text, "running-kid")
    assert base64.b64decode(pair.private_der_b64) == private(OWN) and pair.key_id == "running-kid"


@pytest.mark.parametrize("text, message", [
    (public(OWN, ENC.PEM).decode(), r"expected one private key, found 1 key\(s\) \(public\)"),
    (private(OWN, ENC.PEM).decode() + private(OWN, ENC.PEM).decode(), r"found 2 key\(s\)"),
    ("", r"found 0 key\(s\)"),
    (private(SMALL, ENC.PEM).decode(), "1024-bit"),
])
def test_imported_keys_refused(text, message):
    with pytest.raises(jwt.KeyProblem, match=message):
        jwt.pair_from_imported(text, "kid")


def test_pem_der_b64():
    pem = private(OWN, ENC.PEM).decode()
    assert base64.b64decode(jwt.pem_der_b64(pem, "PRIVATE KEY")) == private(OWN)
    with pytest.raises(ValueError, match="expected a PEM block '-----BEGIN PUBLIC KEY-----', got '-----BEGIN PRIVATE KEY"):
        jwt.pem_der_b64(pem, "PUBLIC KEY")
    with pytest.raises(ValueError, match="got 'no PEM block'"):
        jwt.pem_der_b64("MIIB" * 40, "PUBLIC KEY")
    with pytest.raises(ValueError, match="not valid base64"):
        jwt.pem_der_b64("-----BEGIN X-----\n!!!!\n-----END X-----", "X")


# ---------------------------------------------------------------- offline stand-ins


def test_stand_ins_are_deterministic_real_keys():
    jwt.stand_in_private_key.cache_clear()
    a, b = jwt.stand_in_private_key("seed-a"), jwt.stand_in_private_key("seed-b")
    jwt.stand_in_private_key.cache_clear()
    assert jwt.stand_in_private_key("seed-a").private_numbers() == a.private_numbers()
    assert a.private_numbers() != b.private_numbers()
    assert a.key_size == 2048 and a.public_key().public_numbers().e == 65537
    signature = a.sign(b"x", padding.PKCS1v15(), hashes.SHA256())
    a.public_key().verify(signature, b"x", padding.PKCS1v15(), hashes.SHA256())
    assert jwt.pair_from_private_key(a).bits == 2048


def test_stand_in_of_another_size():
    assert jwt.stand_in_private_key("seed-3072", 3072).key_size == 3072
