"""OMS-IAM-003 iam-ingestion-read-only: the ingestion identity's policies allow reads only.

The ingestion policy is found by its identity tag, by an ingestion role/user it is inline on or
attached to (tag, else a logical name ending in -ingestion), or by its own name.
"""

import pytest

from tests.policies.iam import POLICY_TYPES, document, statement
from tests.support import rules as h

RULE = "OMS-IAM-003"
POLICY, ROLE, USER = "aws:iam/policy:Policy", "aws:iam/role:Role", "aws:iam/user:User"
ATTACHMENTS = (
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
)
TAG = "om-secrets/identity"
READS = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds",
         "secretsmanager:BatchGetSecretValue", "ssm:GetParameter", "kms:Decrypt"]
WRITE = document(statement(READS), statement(["secretsmanager:PutSecretValue", "ssm:GetParameter"], sid="Put"))


def policy(name="airflow", doc=WRITE, identity=None, type_=POLICY, **kw):
    props = {"policy": doc, **({"tags": {TAG: identity}} if identity else {})}
    return h.node(type_, props, name=name, **kw)


def identity(type_=ROLE, name="airflow", tag=None):
    return h.node(type_, {"tags": {TAG: tag}} if tag else {}, name=name)


def flagged(*resources):
    return [(f.urn.rsplit("::", 1)[-1], f.message) for f in h.findings(RULE, h.stack(*resources))]


def test_read_only_ingestion_policy():
    assert flagged(policy("om-ingestion", document(statement(READS)), identity="ingestion")) == []


def test_deny_statements_are_not_grants():
    doc = document(statement(READS), statement("secretsmanager:PutSecretValue", effect="Deny"),
                   statement(None, effect="Deny", NotAction="kms:Decrypt"))
    assert flagged(policy(doc=doc, identity="ingestion")) == []


def test_tagged_ingestion_policy_with_a_write():
    assert flagged(policy(identity="ingestion")) == [
        ("airflow", "ingestion policy airflow: statement Put allows write action(s) secretsmanager:PutSecretValue")]


@pytest.mark.parametrize("action", ["secretsmanager:*", "*", "kms:Encrypt", "ssm:PutParameter"])
def test_writes_and_wildcards(action):
    doc = document(statement(READS + [action]), as_text=False)
    assert flagged(policy(doc=doc, identity="ingestion")) == [
        ("airflow", f"ingestion policy airflow: statement #0 allows write action(s) {action}")]


def test_not_action_grants_writes():
    doc = document(statement(None, NotAction="secretsmanager:PutSecretValue", sid="Rest"))
    assert flagged(policy(doc=doc, identity="ingestion")) == [
        ("airflow", "ingestion policy airflow: statement Rest uses NotAction, which grants writes")]


def test_found_by_name_without_tags():
    assert [n for n, _ in flagged(policy("om-aws-access-ingestion"))] == ["om-aws-access-ingestion"]


def test_tag_wins_over_name():
    assert flagged(policy("om-aws-access-ingestion", identity="server")) == []
    assert flagged(policy("server-policy", identity="server")) == []


@pytest.mark.parametrize("type_", [t for t in POLICY_TYPES if t != POLICY])
@pytest.mark.parametrize("owner", [identity(ROLE, tag="ingestion"), identity(USER, name="om-ingestion")],
                         ids=["tagged-role", "named-user"])
def test_inline_policy_on_an_ingestion_identity(type_, owner):
    assert [n for n, _ in flagged(owner, policy("inline", type_=type_, depends_on=[owner]))] == ["inline"]


def test_inline_policy_linked_through_a_property():
    owner = identity(ROLE, tag="ingestion")
    inline = policy("inline", type_=POLICY_TYPES[1], property_dependencies={"role": [owner]})
    assert [n for n, _ in flagged(owner, inline)] == ["inline"]


def test_groups_are_not_identities():
    group = h.node("aws:iam/group:Group", {"tags": {TAG: "ingestion"}}, name="grp-ingestion")
    assert flagged(group, policy("inline", type_=POLICY_TYPES[3], depends_on=[group])) == []


def test_inline_policy_on_a_server_identity():
    owner = identity(ROLE, name="om-ingestion", tag="server")
    assert flagged(owner, policy("inline", type_=POLICY_TYPES[1], depends_on=[owner])) == []


def test_managed_policy_is_not_inline():
    owner = identity(ROLE, tag="ingestion")
    assert flagged(owner, policy("managed", depends_on=[owner])) == []


@pytest.mark.parametrize("attachment", ATTACHMENTS)
@pytest.mark.parametrize("owner", [identity(ROLE, tag="ingestion"), identity(USER, name="om-ingestion")],
                         ids=["tagged-role", "named-user"])
def test_attached_to_an_ingestion_identity(attachment, owner):
    managed = policy("extra")
    attach = h.node(attachment, {}, name="attach", property_dependencies={"role": [owner], "policyArn": [managed]})
    assert [n for n, _ in flagged(owner, managed, attach)] == ["extra"]


def test_attached_to_a_server_identity():
    owner, managed = identity(ROLE, name="om-server", tag="server"), policy("extra")
    assert flagged(owner, managed, h.node(ATTACHMENTS[0], {}, name="attach", depends_on=[owner, managed])) == []


def test_attachment_to_something_else():
    other, managed = h.node("aws:iam/group:Group", {"tags": {TAG: "ingestion"}}, name="grp"), policy("extra")
    assert flagged(other, managed, h.node(ATTACHMENTS[2], {}, name="attach", depends_on=[other, managed])) == []


def test_attached_twice_reported_once():
    owner, managed = identity(ROLE, tag="ingestion"), policy("extra", identity="ingestion")
    attach = h.node(ATTACHMENTS[0], {}, name="attach", depends_on=[owner, managed])
    assert [n for n, _ in flagged(owner, managed, attach)] == ["extra"]


def test_only_policy_types_are_policies():
    key = h.node("aws:kms/key:Key", {"policy": WRITE, "tags": {TAG: "ingestion"}}, name="key-ingestion")
    assert flagged(key) == []


@pytest.mark.parametrize("attachment", ATTACHMENTS)
def test_attachment_is_not_an_inline_policy(attachment):
    owner, managed = identity(ROLE, tag="ingestion"), policy("extra")
    attach = h.node(attachment, {"policy": WRITE}, name="attach", depends_on=[owner, managed])
    assert [n for n, _ in flagged(owner, managed, attach)] == ["extra"]


def test_unknown_document_skipped():
    assert flagged(policy(doc=h.UNKNOWN, identity="ingestion")) == []


def test_mandatory_outside_production_too():
    found = h.findings(RULE, h.stack(policy(identity="ingestion"), production=False))
    assert [f.level for f in found] == ["mandatory"]
