"""OMS-SM-004 secret-customer-managed-key: production secrets and SecureStrings name a CMK (advisory)."""

import pytest

from tests.support import rules as h

RULE = "OMS-SM-004"
SECRET, PARAMETER = "aws:secretsmanager/secret:Secret", "aws:ssm/parameter:Parameter"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234"


@pytest.mark.parametrize("type_, props", [
    (SECRET, {"kmsKeyId": KEY}),
    (SECRET, {"kmsKeyId": h.UNKNOWN}),
    (PARAMETER, {"type": "SecureString", "keyId": KEY}),
    (PARAMETER, {"type": "String"}),  # OMS-SM-001's business
    (PARAMETER, {"type": h.UNKNOWN}),
], ids=["secret-cmk", "secret-unknown-key", "parameter-cmk", "parameter-plain", "parameter-unknown-type"])
def test_compliant(type_, props):
    h.none(RULE, h.resource(type_, props))


@pytest.mark.parametrize("type_, props, key", [
    (SECRET, {}, "kmsKeyId"),
    (SECRET, {"kmsKeyId": ""}, "kmsKeyId"),
    (SECRET, {"keyId": KEY}, "kmsKeyId"),
    (PARAMETER, {"type": "SecureString"}, "keyId"),
    (PARAMETER, {"type": "SecureString", "kmsKeyId": KEY}, "keyId"),
], ids=["secret-missing", "secret-empty", "secret-wrong-input", "parameter-missing", "parameter-wrong-input"])
def test_aws_managed_key(type_, props, key):
    f = h.one(RULE, h.resource(type_, {"name": "/om/db", **props}), level="advisory")
    assert f.message == f"/om/db has no {key}: it uses the AWS-managed key"


@pytest.mark.parametrize("type_, props", [(SECRET, {}), (PARAMETER, {"type": "SecureString"})])
def test_off_outside_production(type_, props):
    h.none(RULE, h.resource(type_, props, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("aws:secretsmanager/secretVersion:SecretVersion", {}))
