"""OMS-IAM-002: secretsmanager/ssm/kms actions are scoped to ARNs, never ``Resource: "*"``."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

#: Actions AWS only authorizes on "*" (no resource-level permissions).
UNSCOPABLE = frozenset(
    a.lower()
    for a in (
        "secretsmanager:ListSecrets",
        "secretsmanager:GetRandomPassword",
        "secretsmanager:BatchGetSecretValue",
        "ssm:DescribeParameters",
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:CreateKey",
        "kms:GenerateRandom",
        "kms:ConnectCustomKeyStore",
        "kms:DescribeCustomKeyStores",
    )
)


def validate(args, report):
    document = u.parse_document(u.get(args.props, "policy"))
    for i, statement in enumerate(u.statements(document)):
        if not u.allows(statement):
            continue
        scoped = sorted(
            a for a in u.actions(statement)
            if (a == "*" or u.service(a) in u.SECRET_SERVICES) and a.lower() not in UNSCOPABLE
        )
        if not scoped:
            continue
        sid = statement.get("Sid") or f"#{i}"
        if "*" in u.as_list(statement.get("Resource")):
            report(f"statement {sid} allows {', '.join(scoped)} on Resource \"*\"")
        if "NotResource" in statement:
            report(f"statement {sid} allows {', '.join(scoped)} on everything except its NotResource list")


RULE = Rule(
    id="OMS-IAM-002",
    name="iam-no-wildcard-resources",
    description="secretsmanager, ssm and kms actions are granted on ARNs, not on Resource '*'.",
    level="mandatory",
    remediation="Scope the statement to OM's id prefix, arn:<partition>:secretsmanager:<region>:<account>:"
    "secret:/<prefix>/<cluster>/* (components.access.aws_iam.secret_scope_arn), and KMS to the key ARN.",
    kind="resource",
    resource_types=u.IAM_POLICY_TYPES,
    validate=validate,
)
