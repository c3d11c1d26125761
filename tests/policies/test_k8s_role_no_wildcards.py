"""OMS-K8S-002 k8s-role-no-wildcards: no '*' in verbs, resources or apiGroups."""

import pytest

from tests.support import rules as h

RULE = "OMS-K8S-002"
TYPES = [f"kubernetes:rbac.authorization.k8s.io/{v}:{k}" for k in ("Role", "ClusterRole") for v in ("v1", "v1beta1", "v1alpha1")]


def rule(api_groups=("",), resources=("secrets",), verbs=("get",)):
    return {"apiGroups": list(api_groups), "resources": list(resources), "verbs": list(verbs)}


@pytest.mark.parametrize("type_", TYPES)
def test_exact_rules(type_):
    h.none(RULE, h.resource(type_, {"rules": [rule(), rule(["apps"], ["deployments"], ["get", "list"])]}))


@pytest.mark.parametrize("props", [{}, {"rules": h.UNKNOWN}, {"rules": [{"verbs": h.UNKNOWN}]}],
                         ids=["missing", "unknown", "unknown-verbs"])
def test_no_rules(props):
    h.none(RULE, h.resource(TYPES[0], props))


@pytest.mark.parametrize("type_", TYPES)
@pytest.mark.parametrize("r, fields", [
    (rule(verbs=["get", "*"]), "verbs"),
    (rule(resources=["*"]), "resources"),
    (rule(api_groups=["*"]), "apiGroups"),
    ({"apiGroups": "*", "resources": "*", "verbs": "*"}, "verbs, resources, apiGroups"),
], ids=["verbs", "resources", "apiGroups", "all-as-strings"])
def test_wildcards(type_, r, fields):
    f = h.one(RULE, h.resource(type_, {"rules": [rule(), r]}, name="wide"))
    assert f.message == f"{type_.rsplit(':', 1)[-1]} wide rule #1 has '*' in {fields}"


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(TYPES[0], {"rules": [rule(verbs=["*"])]}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", {"rules": [rule(verbs=["*"])]}))
