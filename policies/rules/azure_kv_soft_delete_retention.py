"""OMS-AZ-003: a Key Vault keeps deleted secrets recoverable (soft delete) for at least 7 days."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

MINIMUM = 7


def validate(args, report):
    name = u.known_str(u.get(args.props, "vaultName")) or args.name
    if u.get(args.props, "properties", "enableSoftDelete") is False:
        report(f"Key Vault {name} has enableSoftDelete false: a deleted secret is gone at once")
        return
    days = u.get(args.props, "properties", "softDeleteRetentionInDays")
    if days is None or days is u.UNKNOWN:
        return  # Azure default: 90 days
    if not isinstance(days, (int, float)) or days < MINIMUM:
        report(f"Key Vault {name} has softDeleteRetentionInDays {days!r}; below {MINIMUM} days")


RULE = Rule(
    id="OMS-AZ-003",
    name="azure-kv-soft-delete-retention",
    description="Key Vaults keep soft delete on with a retention of at least 7 days.",
    level="mandatory",
    remediation="Set om-secrets:azure.vault.softDeleteRetentionDays between 7 and 90 (default 90); "
    "leave enable_soft_delete on.",
    kind="resource",
    resource_types=("azure-native:keyvault:Vault",),
    validate=validate,
)
