"""OMS-KMS-002: a deleted KMS key stays recoverable for at least 7 days."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

MINIMUM = 7


def validate(args, report):
    days = u.get(args.props, "deletionWindowInDays")
    if days is None or days is u.UNKNOWN:
        return  # AWS default: 30 days
    if not isinstance(days, (int, float)) or days < MINIMUM:
        report(f"KMS key {args.name} has deletionWindowInDays {days!r}; below {MINIMUM} days")


RULE = Rule(
    id="OMS-KMS-002",
    name="kms-deletion-window",
    description="KMS keys keep a deletion window of at least 7 days.",
    level="mandatory",
    remediation="Set deletion_window_in_days between 7 and 30 (om-secrets:aws.kms.deletionWindowInDays; default 30).",
    kind="resource",
    resource_types=("aws:kms/key:Key",),
    validate=validate,
)
