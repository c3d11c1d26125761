"""OMS-AZ-004 azure-no-broad-roles: no Owner/Contributor/access administrator/broad Key Vault role for an
app identity (principalType other than User or Group), at any scope."""

import pytest

from omsecrets.components import core
from omsecrets.components.access import azure_rbac
from tests.support import rules as h

RULE, ASSIGNMENT = "OMS-AZ-004", "azure-native:authorization:RoleAssignment"
ROLES = {name: guid for guid, (name, _) in core.AZURE_BUILTIN_ROLES.items()}
SUB = "/subscriptions/3f2b8c1d-6a4e-4f0b-9c7d-2e5a1b8f9c03"


def role_id(guid):
    return f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def assignment(role, principal_type="ServicePrincipal", production=True):
    props = {"roleDefinitionId": role, "principalId": h.UNKNOWN, "scope": f"{SUB}/resourceGroups/rg/providers/x"}
    if principal_type is not None:
        props["principalType"] = principal_type
    return h.resource(ASSIGNMENT, props, name="grant", production=production)


@pytest.mark.parametrize("name", ["Owner", "Contributor", "User Access Administrator",
                                  "Role Based Access Control Administrator", "Key Vault Contributor",
                                  "Key Vault Data Access Administrator", "Key Vault Administrator",
                                  "Key Vault Secrets Officer"])
def test_broad_role_for_an_app(name):
    f = h.one(RULE, assignment(role_id(ROLES[name])))
    assert name in f.message and "grant" in f.message


def test_the_roles_om_needs():
    h.none(RULE, assignment(role_id(azure_rbac.KEY_VAULT_SECRETS_USER)))
    h.none(RULE, assignment(f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/{azure_rbac.stable_guid('x')}"))


def test_custom_role_unknown_during_preview():
    h.none(RULE, assignment(h.UNKNOWN))


def test_missing_role():
    h.none(RULE, h.resource(ASSIGNMENT, {"principalType": "ServicePrincipal"}))


@pytest.mark.parametrize("principal_type", ["User", "Group"])
def test_people_are_not_app_identities(principal_type):
    h.none(RULE, assignment(role_id(ROLES["Owner"]), principal_type))


@pytest.mark.parametrize("principal_type", [None, "ForeignGroup", h.UNKNOWN])
def test_missing_or_other_principal_type_counts_as_an_app(principal_type):
    h.one(RULE, assignment(role_id(ROLES["Owner"]), principal_type))


def test_bare_guid_and_upper_case():
    h.one(RULE, assignment(ROLES["Contributor"].upper()))


def test_mandatory_outside_production_too():
    h.one(RULE, assignment(role_id(ROLES["Owner"]), production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("azure-native:authorization:RoleDefinition", {"roleDefinitionId": role_id(ROLES["Owner"])}))
