"""OMS-GCP-003 gcp-labels-valid: at most 64 labels; keys 1-63 starting lower-case, values 0-63; lower-case
letters (any script), digits, '_', '-'."""

import pytest

from tests.support import rules as h

RULE, SECRET = "OMS-GCP-003", "gcp:secretmanager/secret:Secret"


def secret(labels, production=True):
    return h.resource(SECRET, {"secretId": "omprod_fernet_airflow", "labels": labels}, name="s", production=production)


@pytest.mark.parametrize("labels", [
    {"team": "data-platform", "managed-by": "om-secrets", "cost_center": "a1"},
    {"k": ""}, {"a" * 63: "b" * 63}, {"équipe": "données"},
    {f"k{i}": "v" for i in range(64)},
])
def test_compliant(labels):
    h.none(RULE, secret(labels))


def test_missing_labels():
    h.none(RULE, h.resource(SECRET, {"secretId": "x"}))


def test_unknown_value_is_not_judged():
    h.none(RULE, secret({"team": h.UNKNOWN}))


def test_unknown_labels_are_not_judged():
    h.none(RULE, secret(h.UNKNOWN))


def test_too_many():
    f = h.one(RULE, secret({f"k{i}": "v" for i in range(65)}))
    assert "65 labels" in f.message and "omprod_fernet_airflow" in f.message


@pytest.mark.parametrize("key", ["Team", "1team", "-team", "", "a" * 64, "team.name", "team:x"])
def test_bad_key(key):
    assert "label key" in h.one(RULE, secret({key: "v"})).message


@pytest.mark.parametrize("value", ["Data", "a" * 64, "data.platform", "a b", "x:y"])
def test_bad_value(value):
    assert "label team=" in h.one(RULE, secret({"team": value})).message


def test_logical_name_without_secret_id():
    assert "lax" in h.one(RULE, h.resource(SECRET, {"labels": {"A": "b"}}, name="lax")).message


def test_mandatory_outside_production_too():
    h.one(RULE, secret({"Team": "x"}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("gcp:secretmanager/secretVersion:SecretVersion", {"labels": {"A": "B"}}))
