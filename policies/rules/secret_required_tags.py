"""OMS-SM-002: secrets, parameters and keys carry the required tags (default: ``managed-by``)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

DEFAULT_TAGS = ("managed-by",)


def validate(args, report):
    tags = u.get(args.props, "tags")
    if tags is u.UNKNOWN:
        return
    required = args.get_config().get("requiredTags") or DEFAULT_TAGS
    missing = [t for t in required if not isinstance(tags, dict) or not (tags.get(t) or tags.get(t) is u.UNKNOWN)]
    if missing:
        report(f"{args.resource_type.rsplit(':', 1)[-1]} {args.name} lacks tag(s) {', '.join(missing)}")


RULE = Rule(
    id="OMS-SM-002",
    name="secret-required-tags",
    description="Secrets Manager secrets, SSM parameters and KMS keys carry the required tags.",
    level="mandatory",
    remediation="Declare them through om-secrets (Settings.resource_tags adds managed-by) or add the tags; "
    "configure the list with the policy config requiredTags.",
    kind="resource",
    resource_types=("aws:secretsmanager/secret:Secret", "aws:ssm/parameter:Parameter", "aws:kms/key:Key"),
    config_schema={"properties": {"requiredTags": {"type": "array", "items": {"type": "string"}, "default": list(DEFAULT_TAGS)}}},
    validate=validate,
)
