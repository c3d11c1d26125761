"""OMS-SM-002 secret-required-tags: managed-by (or the policy config's requiredTags) on every secret, parameter, key."""

import pytest

from tests.support import rules as h

RULE = "OMS-SM-002"
TYPES = ("aws:secretsmanager/secret:Secret", "aws:ssm/parameter:Parameter", "aws:kms/key:Key")


@pytest.mark.parametrize("type_", TYPES)
def test_compliant(type_):
    h.none(RULE, h.resource(type_, {"tags": {"managed-by": "om-secrets", "team": "data"}}))


@pytest.mark.parametrize("tags", [h.UNKNOWN, {"managed-by": h.UNKNOWN}], ids=["all-unknown", "value-unknown"])
def test_unknown_is_not_judged(tags):
    h.none(RULE, h.resource(TYPES[0], {"tags": tags}))


@pytest.mark.parametrize("type_", TYPES)
@pytest.mark.parametrize("props", [{}, {"tags": {}}, {"tags": {"managed-by": ""}}, {"tags": {"team": "data"}}],
                         ids=["missing", "empty", "blank-value", "other-tag"])
def test_missing_managed_by(type_, props):
    f = h.one(RULE, h.resource(type_, props, name="bare"))
    assert f.message.endswith("bare lacks tag(s) managed-by")


def test_configured_tags():
    args = h.resource(TYPES[0], {"tags": {"managed-by": "om-secrets"}}, requiredTags=["team", "owner"])
    assert h.one(RULE, args).message.endswith("lacks tag(s) team, owner")
    h.none(RULE, h.resource(TYPES[0], {"tags": {"team": "a", "owner": "b"}}, requiredTags=["team", "owner"]))


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(TYPES[2], {}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("aws:iam/policy:Policy", {}))
