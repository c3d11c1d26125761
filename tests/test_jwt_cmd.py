"""``omsecrets jwt check``: what a key file is, whether OM can read it, whether it is OM's public default."""

from __future__ import annotations

import base64
import io
import json
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from omsecrets import jwt_cmd
from omsecrets.components import jwt
from tests.test_stacks_cmd import run_cli

OWN = jwt.stand_in_private_key("tests/test_jwt_cmd")
ENC, PRIV, PUB = serialization.Encoding, serialization.PrivateFormat, serialization.PublicFormat
PKCS8_DER = OWN.private_bytes(ENC.DER, PRIV.PKCS8, serialization.NoEncryption())
SPKI_DER = OWN.public_key().public_bytes(ENC.DER, PUB.SubjectPublicKeyInfo)
KID = jwt.thumbprint(OWN.public_key().public_numbers().n, 65537)
DEFAULT_SPKI = rsa.RSAPublicNumbers(65537, jwt.OM_DEFAULT_MODULUS).public_key().public_bytes(ENC.DER, PUB.SubjectPublicKeyInfo)


class _Stdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)

    def isatty(self) -> bool:
        return False


def run(argv, capsys, monkeypatch=None, stdin: bytes | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", _Stdin(stdin))
    code = run_cli(jwt_cmd, ["jwt", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_the_files_om_reads_are_ok(tmp_path, capsys):
    code, out, err = run(["check", write(tmp_path, "private_key.der", PKCS8_DER)], capsys)
    assert code == 0 and err == ""
    assert out == f"key 1: 2048-bit RSA private key, PKCS#8 DER, thumbprint {KID}: ok as OM's RSA_PRIVATE_KEY_FILE_PATH\n"
    code, out, _ = run(["check", write(tmp_path, "public_key.der", SPKI_DER)], capsys)
    assert code == 0 and "public key, X.509 SubjectPublicKeyInfo DER" in out and "ok as OM's RSA_PUBLIC_KEY_FILE_PATH" in out


@pytest.mark.parametrize("data, problem", [
    (OWN.private_bytes(ENC.PEM, PRIV.PKCS8, serialization.NoEncryption()), "it is PKCS#8 PEM; OM reads the private key"),
    (OWN.private_bytes(ENC.PEM, PRIV.TraditionalOpenSSL, serialization.NoEncryption()), "it is PKCS#1 PEM"),
    (rsa.generate_private_key(65537, 1024).private_bytes(ENC.DER, PRIV.PKCS8, serialization.NoEncryption()),
     "it is a 1024-bit RSA key"),
    (DEFAULT_SPKI, "it is OpenMetadata's shipped default key, whose private key is public"),
], ids=["pem", "pkcs1", "1024-bit", "om-default"])
def test_files_om_cannot_or_must_not_use(tmp_path, capsys, data, problem):
    code, out, err = run(["check", write(tmp_path, "key", data)], capsys)
    assert code == 1 and out == ""
    assert "not usable as OM's" in err and f"  - {problem}" in err


def test_a_jwks_from_stdin(capsys, monkeypatch):
    pair = jwt.pair_from_private_key(OWN)
    default = json.dumps({"keys": [{"kid": jwt.OM_DEFAULT_KID, "kty": "RSA", "n": jwt.OM_DEFAULT_JWKS_N, "e": "AQAB"}]})
    code, out, err = run(["check"], capsys, monkeypatch, stdin=pair.jwks.encode())
    assert code == 0 and out == f"key 1: 2048-bit RSA JWKS key, JWKS JSON, kid '{KID}', thumbprint {KID}: ok\n"
    code, out, err = run(["check", "-"], capsys, monkeypatch, stdin=default.encode())
    assert code == 1 and "kid 'Gb389a-9f76-gdjs-a92j-0242bk94356'" in err and "shipped default key" in err


@pytest.mark.parametrize("data, message", [
    (b"", "the input is empty"),
    (b"not a key", "not a readable key"),
    (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "is not a key this tool reads"),
], ids=["empty", "garbage", "certificate"])
def test_unreadable_input_exits_2(tmp_path, capsys, data, message):
    code, out, err = run(["check", write(tmp_path, "k", data)], capsys)
    assert code == 2 and out == "" and message in err


def test_missing_and_huge_files_exit_2(tmp_path, capsys):
    code, _, err = run(["check", str(tmp_path / "absent.der")], capsys)
    assert code == 2 and "no such file" in err
    code, _, err = run(["check", write(tmp_path, "big", b"0" * (jwt_cmd.MAX_BYTES + 1))], capsys)
    assert code == 2 and "not a key file" in err


def test_never_prints_key_bytes(tmp_path, capsys):
    for data in (PKCS8_DER, OWN.private_bytes(ENC.PEM, PRIV.TraditionalOpenSSL, serialization.NoEncryption()),
                 base64.b64encode(PKCS8_DER)):
        _, out, err = run(["check", write(tmp_path, "k", data)], capsys)
        text = base64.b64encode(PKCS8_DER).decode()
        assert not any(text[i:i + 12] in out + err for i in range(0, len(text) - 12, 6))
