"""OMS-IAM-003: the ingestion identity's IAM policies grant no write action.

An ingestion policy is one tagged ``om-secrets/identity: ingestion``, attached to (or inline on) a
role or user so tagged, or, failing tags, whose logical name (or its role's/user's) ends with
``-ingestion`` as ``components.access.aws_iam.AwsAccess`` names them.
"""

from pulumi_policy.proxy import UnknownValueError

from omsecrets.components import core
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

IDENTITY_TAG = core.IDENTITY_TAG
ATTACHMENTS = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
)
IDENTITIES = ("aws:iam/role:Role", "aws:iam/user:User")


def _ingestion(resource) -> bool:
    tag = u.get(resource.props, "tags", IDENTITY_TAG)
    if isinstance(tag, str):
        return tag == core.INGESTION
    return resource.name.endswith("-ingestion")


def _linked(resource):
    """Resources this one depends on (attachments and inline policies name their role/user)."""
    deps = list(resource.dependencies)
    for extra in resource.property_dependencies.values():
        deps.extend(extra)
    return deps


def ingestion_policies(resources) -> list:
    found = {}
    for r in resources:
        if r.resource_type in u.IAM_POLICY_TYPES and _ingestion(r):
            found[r.urn] = r
        elif r.resource_type in u.IAM_POLICY_TYPES and r.resource_type != "aws:iam/policy:Policy":
            if any(d.resource_type in IDENTITIES and _ingestion(d) for d in _linked(r)):
                found[r.urn] = r
        elif r.resource_type in ATTACHMENTS:
            linked = _linked(r)
            if any(d.resource_type in IDENTITIES and _ingestion(d) for d in linked):
                for d in linked:
                    if d.resource_type == "aws:iam/policy:Policy":
                        found[d.urn] = d
    return list(found.values())


def validate(args, report):
    for policy in ingestion_policies(args.resources):
        try:
            document = u.parse_document(u.get(policy.props, "policy"))
        except UnknownValueError:
            continue
        for i, statement in enumerate(u.statements(document)):
            if not u.allows(statement):
                continue
            sid = statement.get("Sid") or f"#{i}"
            writes = sorted(a for a in u.actions(statement) if not u.is_read_action(a))
            if writes:
                report(f"ingestion policy {policy.name}: statement {sid} allows write action(s) {', '.join(writes)}", policy.urn)
            if "NotAction" in statement:
                report(f"ingestion policy {policy.name}: statement {sid} uses NotAction, which grants writes", policy.urn)


RULE = Rule(
    id="OMS-IAM-003",
    name="iam-ingestion-read-only",
    description="Ingestion (Airflow) only reads secrets: its IAM policies allow Get/Describe/List and kms:Decrypt.",
    level="mandatory",
    remediation="Give ingestion components.access.aws_iam.ingestion_policy_document (secretsmanager:GetSecretValue "
    "or ssm:GetParameter, kms:Decrypt); writes belong to the OM server's policy only.",
    kind="stack",
    validate=validate,
)
