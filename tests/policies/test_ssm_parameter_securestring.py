"""OMS-SM-001 ssm-parameter-securestring: SSM parameters are SecureString."""

import pytest

from tests.support import rules as h

RULE, PARAMETER = "OMS-SM-001", "aws:ssm/parameter:Parameter"


def test_compliant():
    h.none(RULE, h.resource(PARAMETER, {"type": "SecureString"}))


def test_unknown_is_not_judged():
    h.none(RULE, h.resource(PARAMETER, {"type": h.UNKNOWN}))


@pytest.mark.parametrize("kind", ["String", "StringList", "securestring"])
def test_not_secure(kind):
    f = h.one(RULE, h.resource(PARAMETER, {"name": "/om/db", "type": kind}))
    assert f.message == f"SSM parameter /om/db has type {kind!r}"


def test_missing_type():
    h.one(RULE, h.resource(PARAMETER, {}, name="bare"))


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(PARAMETER, {"type": "String"}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("aws:secretsmanager/secret:Secret", {"type": "String"}))
