"""OMS-AZ-002: a Key Vault has purge protection: a deleted secret cannot be purged before retention ends.

OM never purges (it soft-deletes), so this guards the key material against people and scripts.
"""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    enabled = u.get(args.props, "properties", "enablePurgeProtection")
    if enabled is not True and enabled is not u.UNKNOWN:
        name = u.known_str(u.get(args.props, "vaultName")) or args.name
        report(f"Key Vault {name} has enablePurgeProtection {enabled!r}: a deleted secret can be purged at once")


RULE = Rule(
    id="OMS-AZ-002",
    name="azure-kv-purge-protection",
    description="Key Vaults have purge protection on.",
    level="mandatory",
    outside_production="advisory",
    remediation="Set om-secrets:azure.vault.purgeProtection: true (the default); it cannot be turned off again.",
    kind="resource",
    resource_types=("azure-native:keyvault:Vault",),
    validate=validate,
)
