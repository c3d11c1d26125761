"""OMS-AZ-001: a Key Vault authorizes with Azure RBAC, not with access policies.

Access policies grant a principal every secret of the vault outside Azure RBAC (no custom role, no
deny assignments, not in the access model); ARM's default is access policies, so missing is a finding.
"""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    enabled = u.get(args.props, "properties", "enableRbacAuthorization")
    if enabled is u.UNKNOWN:
        return
    if enabled is not True:
        name = u.known_str(u.get(args.props, "vaultName")) or args.name
        report(f"Key Vault {name} has enableRbacAuthorization {enabled!r}: it authorizes with access policies")


RULE = Rule(
    id="OMS-AZ-001",
    name="azure-kv-rbac-authorization",
    description="Key Vaults use Azure RBAC authorization (enableRbacAuthorization: true), not access policies.",
    level="mandatory",
    remediation="Set properties.enable_rbac_authorization=True (the om-secrets vaults do); an existing vault: "
    "switch its permission model to Azure role-based access control.",
    kind="resource",
    resource_types=("azure-native:keyvault:Vault",),
    validate=validate,
)
