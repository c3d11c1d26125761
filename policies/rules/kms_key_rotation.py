"""OMS-KMS-001: symmetric KMS keys rotate yearly (checkov CKV_AWS_7)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    spec = u.get(args.props, "customerMasterKeySpec") or u.get(args.props, "keySpec") or "SYMMETRIC_DEFAULT"
    if spec != "SYMMETRIC_DEFAULT":
        return  # asymmetric and HMAC keys cannot rotate automatically
    enabled = u.get(args.props, "enableKeyRotation")
    if enabled is not u.UNKNOWN and enabled is not True:
        report(f"KMS key {args.name} has enableKeyRotation {enabled!r}")


RULE = Rule(
    id="OMS-KMS-001",
    name="kms-key-rotation",
    description="Customer-managed KMS keys have automatic rotation enabled.",
    level="mandatory",
    remediation="Set enable_key_rotation=True (components.kms.SecretsKmsKey does).",
    kind="resource",
    resource_types=("aws:kms/key:Key",),
    validate=validate,
)
