"""OMS-SM-001: SSM parameters hold secrets, so they are SecureString (checkov CKV2_AWS_34)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    kind = u.get(args.props, "type")
    if kind is not u.UNKNOWN and kind != "SecureString":
        report(f"SSM parameter {u.get(args.props, 'name') or args.name} has type {kind!r}")


RULE = Rule(
    id="OMS-SM-001",
    name="ssm-parameter-securestring",
    description="SSM parameters are SecureString, encrypted with KMS.",
    level="mandatory",
    remediation="Declare the parameter with type='SecureString' (components.stores.AwsSsmParameterStore does); "
    "keep non-secret settings out of the secrets path.",
    kind="resource",
    resource_types=("aws:ssm/parameter:Parameter",),
    validate=validate,
)
