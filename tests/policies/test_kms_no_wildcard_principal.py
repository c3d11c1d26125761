"""OMS-KMS-003 kms-no-wildcard-principal: no Allow statement for the '*' principal."""

import json

import pytest

from tests.support import rules as h

RULE = "OMS-KMS-003"
TYPES = ("aws:kms/key:Key", "aws:kms/keyPolicy:KeyPolicy")
ROOT = "arn:aws:iam::123456789012:root"


def policy(*statements, as_text=True):
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return json.dumps(document) if as_text else document


def allow(principal, sid="Use"):
    return {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": "kms:Decrypt", "Resource": "*"}


@pytest.mark.parametrize("type_", TYPES)
@pytest.mark.parametrize("principal", [{"AWS": ROOT}, {"AWS": [ROOT, "arn:aws:iam::123456789012:role/om"]},
                                       {"Service": "secretsmanager.amazonaws.com"}])
def test_named_principals(type_, principal):
    h.none(RULE, h.resource(type_, {"policy": policy(allow(principal))}))


@pytest.mark.parametrize("type_", TYPES)
def test_deny_for_everyone_is_fine(type_):
    deny = {**allow("*"), "Effect": "Deny"}
    h.none(RULE, h.resource(type_, {"policy": policy(deny)}))


@pytest.mark.parametrize("props", [{}, {"policy": h.UNKNOWN}, {"policy": "[secret]"}, {"policy": "not json"}],
                         ids=["missing", "unknown", "placeholder", "not-json"])
def test_no_document(props):
    h.none(RULE, h.resource(TYPES[0], props))


@pytest.mark.parametrize("type_", TYPES)
@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": [ROOT, "*"]}], ids=["bare", "aws", "in-list"])
def test_wildcard_principal(type_, principal):
    f = h.one(RULE, h.resource(type_, {"policy": policy(allow({"AWS": ROOT}, "Ok"), allow(principal, "Open"))}))
    assert "Open" in f.message


def test_document_as_object_and_unnamed_statement():
    statement = allow("*")
    del statement["Sid"]
    f = h.one(RULE, h.resource(TYPES[0], {"policy": policy(allow({"AWS": ROOT}), statement, as_text=False)}))
    assert "#1" in f.message


def test_other_types_ignored():
    h.none(RULE, h.resource("aws:iam/policy:Policy", {"policy": policy(allow("*"))}))
