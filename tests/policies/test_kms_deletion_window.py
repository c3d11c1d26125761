"""OMS-KMS-002 kms-deletion-window: deletionWindowInDays >= 7 (missing: AWS's 30)."""

import pytest

from tests.support import rules as h

RULE, KEY = "OMS-KMS-002", "aws:kms/key:Key"


@pytest.mark.parametrize("days", [7, 7.0, 8, 30])
def test_compliant(days):
    h.none(RULE, h.resource(KEY, {"deletionWindowInDays": days}))


def test_missing_is_the_aws_default():
    h.none(RULE, h.resource(KEY, {}))


def test_unknown_is_not_judged():
    h.none(RULE, h.resource(KEY, {"deletionWindowInDays": h.UNKNOWN}))


@pytest.mark.parametrize("days", [6, 6.9, 0, -1])
def test_below_minimum(days):
    f = h.one(RULE, h.resource(KEY, {"deletionWindowInDays": days}, name="lax"))
    assert "lax" in f.message and repr(days) in f.message


def test_not_a_number():
    h.one(RULE, h.resource(KEY, {"deletionWindowInDays": "30"}))


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(KEY, {"deletionWindowInDays": 6}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("aws:kms/alias:Alias", {"deletionWindowInDays": 1}))
