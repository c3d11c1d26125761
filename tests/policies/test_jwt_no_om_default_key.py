"""OMS-JWT-001 jwt-no-om-default-key: OM's shipped JWT pair (kid, paths, public key) appears in no input."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from omsecrets.components import jwt
from tests.support import rules as h

RULE = "OMS-JWT-001"
SECRET, CONFIG_MAP = "kubernetes:core/v1:Secret", "kubernetes:core/v1:ConfigMap"
KID = jwt.OM_DEFAULT_KID
DEFAULT_PUBLIC = rsa.RSAPublicNumbers(65537, jwt.OM_DEFAULT_MODULUS).public_key()
DEFAULT_SPKI = DEFAULT_PUBLIC.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
DEFAULT_PEM = DEFAULT_PUBLIC.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
OWN = jwt.stand_in_private_key("tests/OMS-JWT-001")
OWN_PAIR = jwt.pair_from_private_key(OWN)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize("type_, props", [
    (CONFIG_MAP, {"data": {"JWT_KEY_ID": OWN_PAIR.key_id, "RSA_PRIVATE_KEY_FILE_PATH": jwt.PRIVATE_KEY_PATH,
                           "RSA_PUBLIC_KEY_FILE_PATH": jwt.PUBLIC_KEY_PATH}}),
    (SECRET, {"data": {jwt.PRIVATE_KEY_FILE: OWN_PAIR.private_der_b64, jwt.PUBLIC_KEY_FILE: OWN_PAIR.public_der_b64}}),
    ("om-secrets:jwt:JwtKeyPair", {"keyId": OWN_PAIR.key_id, "jwks": OWN_PAIR.jwks}),
    (CONFIG_MAP, {"data": {"NOTE": "Gb389a-9f76", "PATH": "/opt/conf/private_key.pem", "OTHER": "conf/key.der"}}),
], ids=["config", "secret", "component", "near-misses"])
def test_own_pair(type_, props):
    h.none(RULE, h.resource(type_, props))


def test_unknown_and_placeholder_values_skipped():
    h.none(RULE, h.resource(SECRET, {"data": {jwt.PRIVATE_KEY_FILE: "[secret]", "x": h.UNKNOWN}, "stringData": h.UNKNOWN}))


@pytest.mark.parametrize("props, path, why", [
    ({"data": {"JWT_KEY_ID": KID}}, "data.JWT_KEY_ID", "is OpenMetadata's default JWT kid"),
    ({"data": {"JWT_KEY_ID": f" {KID}\n"}}, "data.JWT_KEY_ID", "is OpenMetadata's default JWT kid"),
    ({"data": {"RSA_PRIVATE_KEY_FILE_PATH": "./conf/private_key.der"}}, "data.RSA_PRIVATE_KEY_FILE_PATH",
     "points at OpenMetadata's shipped default key file"),
    ({"data": {"RSA_PUBLIC_KEY_FILE_PATH": "/opt/openmetadata/conf/public_key.der"}}, "data.RSA_PUBLIC_KEY_FILE_PATH",
     "points at OpenMetadata's shipped default key file"),
    ({"values": {"jwks": json.dumps({"keys": [{"kid": "x", "kty": "RSA", "n": jwt.OM_DEFAULT_JWKS_N, "e": "AQAB"}]})}},
     "values.jwks", "names OpenMetadata's default public key"),
    ({"sha": jwt.OM_DEFAULT_SPKI_SHA256.upper()}, "sha", "names OpenMetadata's default public key"),
    ({"yaml": f"jwtTokenConfiguration:\n  keyId: {KID}\n"}, "yaml", "holds OpenMetadata's default JWT kid"),
    ({"pem": DEFAULT_PEM.decode()}, "pem", "holds OpenMetadata's default key pair"),
], ids=["kid", "kid-padded", "private-path", "public-path", "jwks", "sha256", "kid-in-text", "pem"])
def test_default_pair_in_an_input(props, path, why):
    f = h.one(RULE, h.resource(CONFIG_MAP, props, name="c"))
    assert f.message == f"c: {path} {why}"


def test_secret_data_decoded_as_der():
    f = h.one(RULE, h.resource(SECRET, {"data": {jwt.PUBLIC_KEY_FILE: b64(DEFAULT_SPKI)}}, name="s"))
    assert f.message == f"s: data.{jwt.PUBLIC_KEY_FILE} holds OpenMetadata's default key pair"


def test_a_private_key_with_the_default_modulus(monkeypatch):
    """OM's default private key is public but not in this repository: stand one in as the default."""
    monkeypatch.setattr(jwt, "OM_DEFAULT_MODULUS", OWN.public_key().public_numbers().n)
    f = h.one(RULE, h.resource(SECRET, {"data": {jwt.PRIVATE_KEY_FILE: OWN_PAIR.private_der_b64}}, name="s"))
    assert f.message == f"s: data.{jwt.PRIVATE_KEY_FILE} holds OpenMetadata's default key pair"


def test_short_texts_are_not_parsed_as_keys(monkeypatch):
    """Values of at most 200 characters (or decoded bytes) are not keys (the default's public DER is 294 bytes):
    no parse on every string."""
    monkeypatch.setattr(jwt, "read_keys", lambda data: pytest.fail("parsed a short text"))
    h.none(RULE, h.resource(CONFIG_MAP, {"data": {"A": "x" * 200}}))
    h.none(RULE, h.resource(SECRET, {"data": {"A": b64(b"x" * 150)}}))  # 200 characters


def test_long_texts_are_parsed(monkeypatch):
    seen = []
    monkeypatch.setattr(jwt, "read_keys", lambda data: seen.append(len(data)) or [])
    h.none(RULE, h.resource(SECRET, {"data": {"A": b64(b"x" * 153)}, "stringData": {"B": "y" * 201}}))
    assert sorted(seen) == [201, 204]


@pytest.mark.parametrize("text", ["y" * 300, b64(b"\x30" * 300), "-----BEGIN PUBLIC KEY-----\nAAAA\n" + "z" * 300],
                         ids=["junk", "not-der", "broken-pem"])
def test_long_texts_that_are_no_key(text):
    h.none(RULE, h.resource(SECRET, {"stringData": {"A": text}}))


def test_unpadded_modulus_as_rfc_7518_spells_it():
    f = h.one(RULE, h.resource(CONFIG_MAP, {"n": jwt.OM_DEFAULT_JWKS_N_UNPADDED}, name="c"))
    assert f.message == "c: n names OpenMetadata's default public key"


def test_base64_text_anywhere_is_read_as_der():
    f = h.one(RULE, h.resource(CONFIG_MAP, {"binaryData": {"K": b64(DEFAULT_SPKI)}}, name="c"))
    assert f.message == "c: binaryData.K holds OpenMetadata's default key pair"


def test_every_path_in_order():
    props = {"b": KID, "a": [KID, "x", "./conf/public_key.der"]}
    assert [m.split(": ")[1].split()[0] for m in h.messages(RULE, h.resource("x:y:Z", props))] == ["a[0]", "a[2]", "b"]


def test_no_key_bytes_in_messages():
    f = h.one(RULE, h.resource(SECRET, {"data": {jwt.PUBLIC_KEY_FILE: b64(DEFAULT_SPKI)}}, name="s"))
    assert b64(DEFAULT_SPKI)[20:40] not in f.message and jwt.OM_DEFAULT_JWKS_N[10:30] not in f.message


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource("x:y:Z", {"keyId": KID}, production=False))
