"""OMS-SM-004: production secrets use a customer-managed KMS key (CKV_AWS_149, CKV_AWS_337)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

KEY_INPUT = {"aws:secretsmanager/secret:Secret": "kmsKeyId", "aws:ssm/parameter:Parameter": "keyId"}


def validate(args, report):
    if args.resource_type == "aws:ssm/parameter:Parameter" and u.get(args.props, "type") != "SecureString":
        return  # OMS-SM-001's business
    key = KEY_INPUT[args.resource_type]
    if not u.get(args.props, key):
        report(f"{u.get(args.props, 'name') or args.name} has no {key}: it uses the AWS-managed key")


RULE = Rule(
    id="OMS-SM-004",
    name="secret-customer-managed-key",
    description="In production, seeded secrets are encrypted with a customer-managed KMS key.",
    level="advisory",
    outside_production="off",
    remediation="Set om-secrets:aws.kms.create: true (a rotating CMK) or om-secrets:aws.kms.keyArn.",
    kind="resource",
    resource_types=tuple(KEY_INPUT),
    validate=validate,
)
