"""OMS-IAM-001: IAM policies allow no ``*`` action, no whole-service wildcard and no ``NotAction``."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    document = u.parse_document(u.get(args.props, "policy"))
    for i, statement in enumerate(u.statements(document)):
        if not u.allows(statement):
            continue
        sid = statement.get("Sid") or f"#{i}"
        wild = sorted({a for a in u.actions(statement) if u.is_wildcard_action(a)})
        if wild:
            report(f"statement {sid} allows wildcard action(s) {', '.join(wild)}")
        if "NotAction" in statement:
            report(f"statement {sid} allows everything except its NotAction list")


RULE = Rule(
    id="OMS-IAM-001",
    name="iam-no-wildcard-actions",
    description="IAM policies name their actions: no '*', no 'service:*', no Allow with NotAction.",
    level="mandatory",
    remediation="List the exact actions (components.access.aws_iam SERVER_ACTIONS / READ_ACTIONS), "
    "e.g. secretsmanager:GetSecretValue, instead of a wildcard.",
    kind="resource",
    resource_types=u.IAM_POLICY_TYPES,
    validate=validate,
)
