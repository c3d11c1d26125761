"""OMS-K8S-004 k8s-secret-name-valid: Secret names (given or auto-named) are DNS-1123 subdomains."""

import pytest

from tests.support import rules as h

RULE, SECRET = "OMS-K8S-004", "kubernetes:core/v1:Secret"


def named(name):
    return h.resource(SECRET, {"metadata": {"name": name}})


@pytest.mark.parametrize("name", ["openmetadata-db", "a", "om.secrets-1", "a" * 253])
def test_valid(name):
    h.none(RULE, named(name))


@pytest.mark.parametrize("name", ["Openmetadata", "om_db", "-om", "om-", "a" * 254, "", 123])
def test_invalid(name):
    assert h.one(RULE, named(name)).message.startswith(f"Secret name {name!r} is not a DNS-1123 subdomain")


def test_unknown_is_not_judged():
    h.none(RULE, named(h.UNKNOWN))


@pytest.mark.parametrize("logical", ["om-db", "a" * 244])
def test_auto_named_from_a_valid_logical_name(logical):
    h.none(RULE, h.resource(SECRET, {"metadata": {}}, name=logical))


@pytest.mark.parametrize("logical", ["OM_DB", "a" * 245])
def test_auto_named_from_an_invalid_logical_name(logical):
    f = h.one(RULE, h.resource(SECRET, {}, name=logical))
    assert f.message == f"Secret {logical} is auto-named from its logical name, which is not a valid DNS-1123 subdomain"


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(SECRET, {"metadata": {"name": "Bad"}}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "Bad_Name"}}))
