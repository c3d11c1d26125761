"""OMS-KMS-001 kms-key-rotation: symmetric keys have enableKeyRotation true."""

import pytest

from tests.support import rules as h

RULE, KEY = "OMS-KMS-001", "aws:kms/key:Key"


@pytest.mark.parametrize("props", [
    {"enableKeyRotation": True},
    {"enableKeyRotation": True, "keySpec": "SYMMETRIC_DEFAULT"},
    {"enableKeyRotation": True, "customerMasterKeySpec": "SYMMETRIC_DEFAULT"},
], ids=["default-spec", "keySpec", "customerMasterKeySpec"])
def test_compliant(props):
    h.none(RULE, h.resource(KEY, props))


def test_unknown_is_not_judged():
    h.none(RULE, h.resource(KEY, {"enableKeyRotation": h.UNKNOWN}))


@pytest.mark.parametrize("props", [
    {"keySpec": "RSA_2048"},
    {"keySpec": "HMAC_256", "enableKeyRotation": False},
    {"customerMasterKeySpec": "ECC_NIST_P256", "enableKeyRotation": False},
], ids=["keySpec-rsa", "keySpec-hmac", "customerMasterKeySpec-ecc"])
def test_asymmetric_and_hmac_keys_cannot_rotate(props):
    h.none(RULE, h.resource(KEY, props))


@pytest.mark.parametrize("props", [
    {"enableKeyRotation": False},
    {"enableKeyRotation": False, "keySpec": "SYMMETRIC_DEFAULT"},
    {"enableKeyRotation": False, "customerMasterKeySpec": "SYMMETRIC_DEFAULT"},
    {"enableKeyRotation": "true"},
], ids=["false", "keySpec", "customerMasterKeySpec", "string"])
def test_not_rotating(props):
    f = h.one(RULE, h.resource(KEY, props, name="key"))
    assert "key" in f.message


def test_missing_means_no_rotation():
    h.one(RULE, h.resource(KEY, {}))


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(KEY, {}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("aws:kms/alias:Alias", {"enableKeyRotation": False}))
