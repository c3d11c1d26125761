"""OMS-AZ-004: no app identity holds Owner, Contributor, an access administrator or a broad Key Vault role.

Judged on every role assignment whose principal is not a person (``principalType`` other than
``User`` or ``Group``: managed identities and service principals, or not said), at any scope: a role
on the resource group or subscription covers the vault too. The broad roles are
``components.access.azure_rbac.BROAD_ROLES`` (every built-in role of the access model but Key Vault
Secrets User); OM's server needs a custom get/set/delete role, ingestion Key Vault Secrets User.
"""

from omsecrets.components import core
from omsecrets.components.access import azure_rbac
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

BROAD = {guid: core.AZURE_BUILTIN_ROLES[guid][0] for guid in azure_rbac.BROAD_ROLES}
PEOPLE = ("User", "Group")


def validate(args, report):
    role = u.known_str(u.get(args.props, "roleDefinitionId"))
    if role is None:
        return
    guid = role.split("/")[-1].lower()
    if guid in BROAD and u.get(args.props, "principalType") not in PEOPLE:
        report(f"role assignment {args.name} grants {BROAD[guid]} to an app identity")


RULE = Rule(
    id="OMS-AZ-004",
    name="azure-no-broad-roles",
    description="App identities get no Owner, Contributor, User Access Administrator or broad Key Vault role.",
    level="mandatory",
    remediation="Grant the server components.access.azure_rbac's custom role (get/set/delete secrets) and "
    "ingestion Key Vault Secrets User, on the vault only.",
    kind="resource",
    resource_types=("azure-native:authorization:RoleAssignment",),
    validate=validate,
)
