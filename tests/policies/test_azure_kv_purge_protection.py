"""OMS-AZ-002 azure-kv-purge-protection: properties.enablePurgeProtection is true; mandatory in production."""

import pytest

from tests.support import rules as h

RULE, VAULT = "OMS-AZ-002", "azure-native:keyvault:Vault"


def vault(value=None, production=True, name="om-vault"):
    props = {} if value is None else {"enablePurgeProtection": value}
    return h.resource(VAULT, {"vaultName": "kv-om", "properties": props}, name=name, production=production)


def test_compliant():
    h.none(RULE, vault(True))


def test_off():
    f = h.one(RULE, vault(False))
    assert "kv-om" in f.message and "False" in f.message


def test_missing_is_off():
    h.one(RULE, vault())


@pytest.mark.parametrize("value", ["true", 1])
def test_not_a_boolean(value):
    h.one(RULE, vault(value))


def test_unknown_is_not_judged():
    h.none(RULE, vault(h.UNKNOWN))


def test_advisory_outside_production():
    h.one(RULE, vault(False, production=False), level="advisory")
    h.none(RULE, vault(True, production=False))


def test_logical_name_without_vault_name():
    assert "lax" in h.one(RULE, h.resource(VAULT, {"properties": {}}, name="lax")).message


def test_other_types_ignored():
    h.none(RULE, h.resource("azure-native:keyvault:Secret", {"properties": {}}))
