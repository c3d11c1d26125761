"""OMS-IAM-004 iam-policy-size: documents within AWS's quota per policy kind (whitespace excluded)."""

import pytest

from tests.support import rules as h

RULE = "OMS-IAM-004"
LIMITS = {
    "aws:iam/policy:Policy": 6144,
    "aws:iam/rolePolicy:RolePolicy": 10240,
    "aws:iam/userPolicy:UserPolicy": 2048,
    "aws:iam/groupPolicy:GroupPolicy": 5120,
}


def text(size: int, spaces: int = 0) -> str:
    """A JSON document of ``size`` non-whitespace characters (plus ``spaces`` blanks)."""
    return '{"a": "' + "x" * (size - 8) + '"}' + " " * spaces


def test_text_size():
    assert len(text(100).replace(" ", "")) == 100


@pytest.mark.parametrize("type_, limit", LIMITS.items())
def test_at_the_limit(type_, limit):
    h.none(RULE, h.resource(type_, {"policy": text(limit, spaces=500)}))


@pytest.mark.parametrize("type_, limit", LIMITS.items())
def test_one_over_the_limit(type_, limit):
    f = h.one(RULE, h.resource(type_, {"policy": text(limit + 1)}))
    assert f.message == f"policy document is {limit + 1} characters (whitespace excluded); AWS allows {limit} for {type_}"


@pytest.mark.parametrize("props", [{}, {"policy": h.UNKNOWN}, {"policy": "[secret]"}], ids=["missing", "unknown", "placeholder"])
def test_no_text(props):
    h.none(RULE, h.resource("aws:iam/userPolicy:UserPolicy", props))


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource("aws:iam/userPolicy:UserPolicy", {"policy": text(3000)}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("aws:kms/key:Key", {"policy": text(20000)}))
