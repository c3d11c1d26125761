"""OMS-IAM-004: IAM policy documents fit AWS's size quotas (whitespace excluded)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

#: Characters (whitespace excluded): managed policy 6,144; inline role 10,240; inline user 2,048.
LIMITS = {
    "aws:iam/policy:Policy": 6144,
    "aws:iam/rolePolicy:RolePolicy": 10240,
    "aws:iam/userPolicy:UserPolicy": 2048,
    "aws:iam/groupPolicy:GroupPolicy": 5120,
}


def validate(args, report):
    text = u.known_str(u.get(args.props, "policy"))
    if text is None:
        return
    limit = LIMITS[args.resource_type]
    size = u.policy_size(text)
    if size > limit:
        report(f"policy document is {size} characters (whitespace excluded); AWS allows {limit} for {args.resource_type}")


RULE = Rule(
    id="OMS-IAM-004",
    name="iam-policy-size",
    description="IAM policy documents stay under AWS's size quota (managed policies: 6,144 characters).",
    level="mandatory",
    remediation="Scope by OM's id prefix (/<prefix>/<cluster>/*) instead of listing secret ARNs, "
    "or split the permissions over several managed policies.",
    kind="resource",
    resource_types=tuple(LIMITS),
    validate=validate,
)
