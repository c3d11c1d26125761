"""OMS-AZ-003 azure-kv-soft-delete-retention: soft delete not off, retention >= 7 days (missing: Azure's 90)."""

import pytest

from tests.support import rules as h

RULE, VAULT = "OMS-AZ-003", "azure-native:keyvault:Vault"


def vault(name="om-vault", production=True, **properties):
    return h.resource(VAULT, {"vaultName": "kv-om", "properties": properties}, name=name, production=production)


@pytest.mark.parametrize("days", [7, 7.0, 8, 90])
def test_compliant(days):
    h.none(RULE, vault(enableSoftDelete=True, softDeleteRetentionInDays=days))


def test_missing_is_the_azure_default():
    h.none(RULE, vault())
    h.none(RULE, h.resource(VAULT, {}))


def test_unknown_is_not_judged():
    h.none(RULE, vault(softDeleteRetentionInDays=h.UNKNOWN))
    h.none(RULE, vault(enableSoftDelete=h.UNKNOWN, softDeleteRetentionInDays=90))


@pytest.mark.parametrize("days", [6, 6.9, 0, -1])
def test_below_minimum(days):
    f = h.one(RULE, vault(softDeleteRetentionInDays=days))
    assert "kv-om" in f.message and repr(days) in f.message


def test_not_a_number():
    h.one(RULE, vault(softDeleteRetentionInDays="90"))


def test_soft_delete_off_is_one_finding():
    f = h.one(RULE, vault(enableSoftDelete=False, softDeleteRetentionInDays=3))
    assert "enableSoftDelete false" in f.message


def test_mandatory_outside_production_too():
    h.one(RULE, vault(softDeleteRetentionInDays=6, production=False))


def test_logical_name_without_vault_name():
    args = h.resource(VAULT, {"properties": {"softDeleteRetentionInDays": 1}}, name="lax")
    assert "lax" in h.one(RULE, args).message


def test_other_types_ignored():
    h.none(RULE, h.resource("azure-native:keyvault:Secret", {"properties": {"softDeleteRetentionInDays": 1}}))
