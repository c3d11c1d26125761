"""Azure Key Vault access (components/access/azure_rbac.py): the custom role, assignments, workload identity."""

from __future__ import annotations

import pytest

from omsecrets.components import core
from omsecrets.components.access import azure_rbac as az

SUB = "00000000-0000-0000-0000-0000000000aa"
VAULT_ID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/om-kv"


def test_server_role_is_exactly_omss_three_calls():
    assert az.server_role_permissions()["data_actions"] == [
        "Microsoft.KeyVault/vaults/secrets/getSecret/action",
        "Microsoft.KeyVault/vaults/secrets/setSecret/action",
        "Microsoft.KeyVault/vaults/secrets/delete",
    ]
    assert az.server_role_permissions()["actions"] == []
    # tighter than Key Vault Secrets Officer: no purge, recover, restore, backup
    officer = core.azure_role_access(az.KEY_VAULT_SECRETS_OFFICER)
    assert az.granted_access(core.SERVER) == officer == frozenset(core.ACCESS_KINDS)
    assert "Microsoft.KeyVault/vaults/secrets/purge/action" not in az.SERVER_DATA_ACTIONS


def test_ingestion_only_reads():
    assert az.granted_access(core.INGESTION) == {core.READ}


def test_the_server_gets_nothing_on_a_non_managed_vault():
    """azure-kv: SecretsManagerFactory hands it to DBSecretsManager, which never calls the vault."""
    assert az.granted_access(core.SERVER, "azure-kv") == core.NO_ACCESS == core.required_access(core.SERVER, "azure-kv")
    assert az.granted_access(core.INGESTION, "azure-kv") == {core.READ}


@pytest.mark.parametrize("provider", ["azure-kv", "managed-azure-kv"])
def test_access_is_proven_against_the_access_model(provider):
    az.prove(provider)


def test_prove_fails_when_ingestion_could_write(monkeypatch):
    monkeypatch.setattr(az, "KEY_VAULT_SECRETS_USER", az.KEY_VAULT_SECRETS_OFFICER)
    with pytest.raises(AssertionError, match="ingestion would get"):
        az.prove("managed-azure-kv")


def test_prove_fails_when_the_server_would_get_a_role_it_never_uses(monkeypatch):
    monkeypatch.setattr(az, "granted_access", lambda identity, provider="": frozenset(core.ACCESS_KINDS))
    with pytest.raises(AssertionError, match="server would get"):
        az.prove("azure-kv")


def test_broad_roles_cover_owner_contributor_and_officer():
    names = {core.AZURE_BUILTIN_ROLES[g][0] for g in az.BROAD_ROLES}
    assert {"Owner", "Contributor", "Key Vault Secrets Officer"} <= names
    assert az.KEY_VAULT_SECRETS_USER not in az.BROAD_ROLES


@pytest.mark.parametrize("name, ok", [("om-kv", True), ("a" * 24, True), ("ab", False), ("a" * 25, False),
                                      ("om--kv", False), ("om-kv-", False), ("1om", False), ("om_kv", False)])
def test_vault_names(name, ok):
    assert az.is_vault_name(name) is ok


def test_keys_vault_name_fits_24():
    assert az.keys_vault_name("om-prod-kv") == "om-prod-kv-keys"
    long = az.keys_vault_name("a" * 18 + "-bcdef")
    assert len(long) <= 24 and az.is_vault_name(long) and "--" not in long


def test_federated_subject_and_stable_guids():
    assert az.federated_subject("openmetadata", "openmetadata") == "system:serviceaccount:openmetadata:openmetadata"
    assert az.stable_guid("prod", "server-role") == az.stable_guid("prod", "server-role")
    assert az.stable_guid("prod", "server-role") != az.stable_guid("dev", "server-role")
    assert az.is_guid(az.stable_guid("x"))


# ---------------------------------------------------------------- component under mocks

pytest.importorskip("pulumi_azure_native", reason="the [azure] extra is not installed")

from tests.support.mocks import declare  # noqa: E402

ROLE_DEF = "azure-native:authorization:RoleDefinition"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
UAI = "azure-native:managedidentity:UserAssignedIdentity"
FIC = "azure-native:managedidentity:FederatedIdentityCredential"


def _args(**kw):
    base = dict(vault_id=VAULT_ID, subscription_id=SUB, resource_group_name="rg", location="westeurope",
                environment="prod", server=("openmetadata", "openmetadata"),
                ingestion=("airflow", "openmetadata-ingestion"), oidc_issuer="https://oidc.example/abc/")
    base.update(kw)
    return az.AzureAccessArgs(**base)


def test_workload_identity_component():
    access, resources, _ = declare(lambda: az.AzureAccess("a", _args()))
    fics = {n: r for (t, n), r in resources.items() if t == FIC}
    assert fics["a-airflow-federated"]["subject"] == "system:serviceaccount:airflow:openmetadata-ingestion"
    assert fics["a-openmetadata-federated"]["audiences"] == ["api://AzureADTokenExchange"]
    assert fics["a-openmetadata-federated"]["issuer"] == "https://oidc.example/abc/"
    assert len([k for k in resources if k[0] == UAI]) == 2
    role = resources[(ROLE_DEF, "a-server-role")]
    assert role["permissions"][0]["dataActions"] == list(az.SERVER_DATA_ACTIONS)
    assert role["assignableScopes"] == [VAULT_ID] and role["scope"] == VAULT_ID
    ingestion = resources[(ASSIGNMENT, "a-ingestion")]
    assert ingestion["scope"] == VAULT_ID
    assert ingestion["roleDefinitionId"].endswith(az.KEY_VAULT_SECRETS_USER)
    assert resources[(ASSIGNMENT, "a-server")]["scope"] == VAULT_ID
    assert access.pod_labels["airflow"] == {"azure.workload.identity/use": "true"}
    assert "azure.workload.identity/client-id" in access.sa_annotations["openmetadata"]


def test_non_managed_vault_gives_the_server_no_identity_role_or_assignment():
    access, resources, _ = declare(lambda: az.AzureAccess("a", _args(provider="azure-kv")))
    assert {n for (t, n) in resources if t != "om-secrets:access:AzureAccess"} == {
        "a-airflow", "a-airflow-federated", "a-ingestion"}
    assert set(access.sa_annotations) == set(access.pod_labels) == {"airflow"} and access.server_role is None
    p2 = az.stable_guid("p2")
    _, resources, _ = declare(lambda: az.AzureAccess("a", _args(provider="azure-kv", identity_mode="client-secret",
                                                                oidc_issuer=None, ingestion_principal_id=p2)))
    assert [(t, n) for (t, n) in resources if t != "om-secrets:access:AzureAccess"] == [(ASSIGNMENT, "a-ingestion")]


def test_client_secret_mode_assigns_existing_principals():
    p1, p2 = az.stable_guid("p1"), az.stable_guid("p2")
    _, resources, _ = declare(lambda: az.AzureAccess("a", _args(identity_mode="client-secret", oidc_issuer=None,
                                                                server_principal_id=p1, ingestion_principal_id=p2)))
    assert not [k for k in resources if k[0] in (UAI, FIC)]
    assert resources[(ASSIGNMENT, "a-server")]["principalId"] == p1
    assert resources[(ASSIGNMENT, "a-ingestion")]["principalId"] == p2


@pytest.mark.parametrize(
    "kw, fragment",
    [
        ({"identity_mode": "msi"}, "identity_mode 'msi'"),
        ({"oidc_issuer": None}, "oidc_issuer"),
        ({"identity_mode": "client-secret", "server_principal_id": "x"}, "server_principal_id 'x'"),
        ({"provider": "gcp"}, "provider 'gcp' is not an Azure provider"),
    ],
)
def test_bad_args(kw, fragment):
    with pytest.raises(ValueError, match=fragment):
        _args(**kw)
