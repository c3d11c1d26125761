"""OMS-AZ-001 azure-kv-rbac-authorization: properties.enableRbacAuthorization is true (missing: ARM's false)."""

import pytest

from tests.support import rules as h

RULE, VAULT = "OMS-AZ-001", "azure-native:keyvault:Vault"


def vault(value=None, **props):
    properties = {**({} if value is None else {"enableRbacAuthorization": value}), **props}
    return h.resource(VAULT, {"vaultName": "kv-om", "properties": properties}, name="om-vault")


def test_compliant():
    h.none(RULE, vault(True))


def test_access_policies():
    f = h.one(RULE, vault(False))
    assert "kv-om" in f.message and "False" in f.message


def test_missing_is_arms_default_access_policies():
    h.one(RULE, vault())


def test_missing_properties_block():
    h.one(RULE, h.resource(VAULT, {}))


@pytest.mark.parametrize("value", ["true", 1])
def test_not_a_boolean(value):
    h.one(RULE, vault(value))


def test_unknown_is_not_judged():
    h.none(RULE, vault(h.UNKNOWN))


def test_logical_name_without_vault_name():
    f = h.one(RULE, h.resource(VAULT, {"properties": {"enableRbacAuthorization": False}}, name="lax"))
    assert "lax" in f.message


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(VAULT, {"properties": {}}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("azure-native:keyvault:Secret", {"properties": {"enableRbacAuthorization": False}}))
