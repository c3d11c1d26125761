"""OMS-IAM-002 iam-no-wildcard-resources: secretsmanager/ssm/kms actions on ARNs, not Resource '*'."""

import pytest

from tests.policies.iam import ARN, POLICY_TYPES, document, statement
from tests.support import rules as h

RULE = "OMS-IAM-002"
UNSCOPABLE = (
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


@pytest.mark.parametrize("type_", POLICY_TYPES)
def test_scoped(type_):
    doc = document(statement(["secretsmanager:GetSecretValue", "ssm:GetParameter", "kms:Decrypt"], [ARN]))
    h.none(RULE, h.resource(type_, {"policy": doc}))


@pytest.mark.parametrize("action", ["s3:GetObject", "sts:GetCallerIdentity"])
def test_other_services_may_use_star(action):
    h.none(RULE, h.resource(POLICY_TYPES[0], {"policy": document(statement(action, "*"))}))


@pytest.mark.parametrize("action", UNSCOPABLE + ("SecretsManager:listsecrets",))
def test_actions_without_resource_level_permissions(action):
    h.none(RULE, h.resource(POLICY_TYPES[0], {"policy": document(statement(action, "*"))}))


def test_deny_is_fine():
    doc = document(statement("secretsmanager:*", "*", effect="Deny"),
                   statement("kms:Decrypt", None, effect="Deny", NotResource=ARN))
    h.none(RULE, h.resource(POLICY_TYPES[0], {"policy": doc}))


@pytest.mark.parametrize("props", [{}, {"policy": h.UNKNOWN}], ids=["missing", "unknown"])
def test_no_document(props):
    h.none(RULE, h.resource(POLICY_TYPES[0], props))


@pytest.mark.parametrize("type_", POLICY_TYPES)
@pytest.mark.parametrize("action", ["secretsmanager:GetSecretValue", "ssm:GetParameter", "kms:Decrypt", "*"])
def test_secret_action_on_star(type_, action):
    doc = document(statement(action, [ARN]), statement([action, "kms:ListKeys"], "*", sid="Open"))
    f = h.one(RULE, h.resource(type_, {"policy": doc}))
    assert f.message == f'statement Open allows {action} on Resource "*"'


def test_star_among_arns():
    doc = document(statement("kms:Decrypt", [ARN, "*"]), as_text=False)
    assert h.one(RULE, h.resource(POLICY_TYPES[0], {"policy": doc})).message == 'statement #0 allows kms:Decrypt on Resource "*"'


def test_not_resource():
    doc = document(statement("secretsmanager:GetSecretValue", None, NotResource=ARN, sid="Rest"))
    assert h.one(RULE, h.resource(POLICY_TYPES[0], {"policy": doc})).message == (
        "statement Rest allows secretsmanager:GetSecretValue on everything except its NotResource list")


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(POLICY_TYPES[0], {"policy": document(statement("kms:Decrypt", "*"))}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("aws:kms/key:Key", {"policy": document(statement("kms:Decrypt", "*"))}))
