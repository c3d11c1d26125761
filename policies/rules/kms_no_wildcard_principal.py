"""OMS-KMS-003: KMS key policies name their principals (checkov CKV_AWS_33)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    document = u.parse_document(u.get(args.props, "policy"))
    for i, statement in enumerate(u.statements(document)):
        if u.allows(statement) and "*" in u.principals(statement):
            report(f"key policy statement {statement.get('Sid') or f'#{i}'} allows principal \"*\"")


RULE = Rule(
    id="OMS-KMS-003",
    name="kms-no-wildcard-principal",
    description="KMS key policies never allow the '*' principal.",
    level="mandatory",
    remediation="Name the account root and role ARNs (components.kms.key_policy_document) and grant "
    "use through IAM policies.",
    kind="resource",
    resource_types=("aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy"),
    validate=validate,
)
