"""Azure Key Vault store (components/stores/azure.py) under Pulumi mocks."""

from __future__ import annotations

import pytest

pytest.importorskip("pulumi_azure_native", reason="the [azure] extra is not installed")

from omsecrets.components import conventions
from omsecrets.components.stores.azure import AzureKeyVaultStore, AzureKeyVaultStoreArgs, AzureVaultArgs, vault_properties
from tests.support.mocks import declare

VAULT = "azure-native:keyvault:Vault"
SECRET = "azure-native:keyvault:Secret"


def _args(**kw):
    base = dict(
        provider="managed-azure-kv",
        cluster_name="om.prod",
        resource_group_name="rg-om",
        location="westeurope",
        tenant_id="00000000-0000-0000-0000-000000000001",
        vault=AzureVaultArgs("om-prod-kv"),
        protect=True,
        tags={"team": "data"},
    )
    base.update(kw)
    return AzureKeyVaultStoreArgs(**base)


def _build(args):
    def build():
        store = AzureKeyVaultStore("s", args)
        store.seed(("fernet", "openmetadata"), "k1", name="fernet-openmetadata", key_material=True)
        store.seed(("database", "My_Sql-1", "authType", "password"), "pw", name="mysql", server_owned=True)
        store.finish()
        return store

    return declare(build)


def test_vault_rbac_soft_delete_purge_protection_and_network():
    store, resources, requests = _build(
        _args(vault=AzureVaultArgs("om-prod-kv", ip_rules=("10.0.0.0/16",), network_default_action="Deny"))
    )
    vaults = {name: r for (t, name), r in resources.items() if t == VAULT}
    assert set(vaults) == {"s-vault", "s-keys-vault"}
    props = vaults["s-vault"]["properties"]
    assert props["enableRbacAuthorization"] is True and props["enableSoftDelete"] is True
    assert props["softDeleteRetentionInDays"] == 90 and props["enablePurgeProtection"] is True
    assert props["networkAcls"]["defaultAction"] == "Deny"
    assert props["networkAcls"]["ipRules"] == [{"value": "10.0.0.0/16"}]
    assert vaults["s-keys-vault"]["vaultName"] == "om-prod-kv-keys"
    assert requests[(VAULT, "s-vault")].protect


def test_secrets_are_named_by_oms_ids_and_key_copies_go_to_the_keys_vault():
    store, resources, requests = _build(_args())
    secrets = {name: r for (t, name), r in resources.items() if t == SECRET}
    fernet, mysql = secrets["s-fernet-openmetadata"], secrets["s-mysql"]
    # clusterName om.prod is cleaned as OM cleans it in every field id
    assert mysql["secretName"] == "omprod-database-mysql-1-authtype-password"
    assert mysql["secretName"] == conventions.secret_id(
        "managed-azure-kv", ("database", "My_Sql-1", "authType", "password"), cluster_name="om.prod"
    )
    assert mysql["vaultName"] == "om-prod-kv" and fernet["vaultName"] == "om-prod-kv-keys"
    assert fernet["secretName"] == "omprod-fernet-openmetadata"
    assert requests[(SECRET, "s-fernet-openmetadata")].protect and not requests[(SECRET, "s-mysql")].protect
    assert "properties.value" in requests[(SECRET, "s-mysql")].ignoreChanges
    assert store.references()["mysql"] == "secret:omprod-database-mysql-1-authtype-password"


def test_existing_vault_is_looked_up_not_created():
    _, resources, _ = _build(_args(vault=AzureVaultArgs("om-prod-kv", create=False), location="", tenant_id=""))
    assert not [k for k in resources if k[0] == VAULT]


def test_purge_protection_off_is_left_unset():
    # ARM refuses enablePurgeProtection: false
    assert vault_properties(AzureVaultArgs("om-kv", purge_protection=False), "t")["enable_purge_protection"] is None


@pytest.mark.parametrize(
    "vault, fragment",
    [
        (AzureVaultArgs("ab"), "not a Key Vault name"),
        (AzureVaultArgs("a" * 25), "not a Key Vault name"),
        (AzureVaultArgs("om--kv"), "not a Key Vault name"),
        (AzureVaultArgs("1om-kv"), "not a Key Vault name"),
        (AzureVaultArgs("om-kv", soft_delete_retention_days=6), "7 to 90"),
        (AzureVaultArgs("om-kv", soft_delete_retention_days=91), "7 to 90"),
        (AzureVaultArgs("om-kv", network_default_action="deny"), "Allow, Deny"),
        (AzureVaultArgs("om-kv", ip_rules=("10.0.0.0/x",)), "IPv4"),
    ],
)
def test_bad_vault_settings_are_refused(vault, fragment):
    with pytest.raises(ValueError, match=fragment):
        _args(vault=vault)


@pytest.mark.parametrize("days", [7, 90])
def test_retention_boundaries_are_accepted(days):
    assert _args(vault=AzureVaultArgs("om-kv", soft_delete_retention_days=days))


def test_long_ids_are_refused_at_azures_127():
    def build():
        store = AzureKeyVaultStore("s", _args(cluster_name="c" * 100))
        with pytest.raises(conventions.ConventionError, match="at most 127"):
            store.seed(("database", "service", "authType", "password"), "x", name="long")
        store.finish()

    declare(build)
