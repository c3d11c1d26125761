"""OMS-IAM-001 iam-no-wildcard-actions: no '*', no 'service:*', no Allow with NotAction."""

import pytest

from tests.policies.iam import POLICY_TYPES, document, statement
from tests.support import rules as h

RULE = "OMS-IAM-001"


@pytest.mark.parametrize("type_", POLICY_TYPES)
def test_exact_actions(type_):
    doc = document(statement(["secretsmanager:GetSecretValue", "kms:Decrypt"]), statement("ssm:GetParameter"))
    h.none(RULE, h.resource(type_, {"policy": doc}))


@pytest.mark.parametrize("actions", ["secretsmanager:Get*", "secretsmanager:*Secret", "s3:List*"])
def test_partial_wildcards_are_not_whole_service(actions):
    h.none(RULE, h.resource(POLICY_TYPES[0], {"policy": document(statement(actions))}))


@pytest.mark.parametrize("s", [statement("*", effect="Deny"), statement(None, effect="Deny", NotAction="kms:*")],
                         ids=["deny-star", "deny-notaction"])
def test_deny_is_fine(s):
    h.none(RULE, h.resource(POLICY_TYPES[0], {"policy": document(s)}))


@pytest.mark.parametrize("props", [{}, {"policy": h.UNKNOWN}, {"policy": "[unknown]"}], ids=["missing", "unknown", "placeholder"])
def test_no_document(props):
    h.none(RULE, h.resource(POLICY_TYPES[0], props))


@pytest.mark.parametrize("type_", POLICY_TYPES)
@pytest.mark.parametrize("actions", ["*", "secretsmanager:*", ["kms:Decrypt", "ssm:*"]], ids=["star", "service", "in-list"])
def test_wildcard_action(type_, actions):
    doc = document(statement("kms:Decrypt"), statement(actions, sid="Wild"))
    f = h.one(RULE, h.resource(type_, {"policy": doc}))
    assert f.message.startswith("statement Wild allows wildcard action(s)")


def test_duplicates_reported_once_unnamed_statement_by_index():
    doc = document(statement("kms:Decrypt"), statement(["ssm:*", "*", "ssm:*"]), as_text=False)
    assert h.one(RULE, h.resource(POLICY_TYPES[0], {"policy": doc})).message == "statement #1 allows wildcard action(s) *, ssm:*"


def test_not_action():
    doc = document(statement(None, NotAction="iam:*", sid="Most"))
    assert h.one(RULE, h.resource(POLICY_TYPES[1], {"policy": doc})).message == (
        "statement Most allows everything except its NotAction list")


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(POLICY_TYPES[0], {"policy": document(statement("*"))}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("aws:kms/key:Key", {"policy": document(statement("*"))}))
