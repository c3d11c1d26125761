"""OMS-SM-003 secret-recovery-window: recoveryWindowInDays >= 7 (mandatory in production, else advisory)."""

import pytest

from tests.support import rules as h

RULE, SECRET = "OMS-SM-003", "aws:secretsmanager/secret:Secret"


@pytest.mark.parametrize("days", [7, 7.0, 8, 30])
def test_compliant(days):
    h.none(RULE, h.resource(SECRET, {"recoveryWindowInDays": days}))


def test_missing_is_the_aws_default():
    h.none(RULE, h.resource(SECRET, {}))


def test_unknown_is_not_judged():
    h.none(RULE, h.resource(SECRET, {"recoveryWindowInDays": h.UNKNOWN}))


@pytest.mark.parametrize("days", [6, 6.5, 0, -7])
def test_below_minimum(days):
    f = h.one(RULE, h.resource(SECRET, {"name": "/om/db", "recoveryWindowInDays": days}))
    assert f.message.startswith(f"secret /om/db has recoveryWindowInDays {days!r}")


def test_named_by_logical_name_without_a_name():
    assert "secret lax " in h.one(RULE, h.resource(SECRET, {"recoveryWindowInDays": 0}, name="lax")).message


def test_not_a_number():
    h.one(RULE, h.resource(SECRET, {"recoveryWindowInDays": "30"}))


def test_advisory_outside_production():
    h.one(RULE, h.resource(SECRET, {"recoveryWindowInDays": 0}, production=False), level="advisory")


def test_other_types_ignored():
    h.none(RULE, h.resource("aws:ssm/parameter:Parameter", {"recoveryWindowInDays": 0}))
