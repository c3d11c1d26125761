"""OMS-SM-003: a deleted Secrets Manager secret stays recoverable for at least 7 days."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

MINIMUM = 7


def validate(args, report):
    days = u.get(args.props, "recoveryWindowInDays")
    if days is None or days is u.UNKNOWN:
        return  # AWS default: 30 days
    if not isinstance(days, (int, float)) or days < MINIMUM:
        report(f"secret {u.get(args.props, 'name') or args.name} has recoveryWindowInDays {days!r}; "
               f"0 deletes at once, otherwise at least {MINIMUM}")


RULE = Rule(
    id="OMS-SM-003",
    name="secret-recovery-window",
    description="Secrets Manager secrets keep a recovery window of at least 7 days.",
    level="mandatory",
    outside_production="advisory",
    remediation="Set recovery_window_in_days between 7 and 30 (om-secrets:aws.recoveryWindowInDays; "
    "production defaults to 30).",
    kind="resource",
    resource_types=("aws:secretsmanager/secret:Secret",),
    validate=validate,
)
