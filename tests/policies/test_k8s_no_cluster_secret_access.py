"""OMS-K8S-001 k8s-no-cluster-secret-access: no ClusterRole on secrets, no binding to cluster-admin/admin/edit."""

import pytest

from tests.support import rules as h

RULE = "OMS-K8S-001"
VERSIONS = ("v1", "v1beta1", "v1alpha1")
CLUSTER_ROLES = [f"kubernetes:rbac.authorization.k8s.io/{v}:ClusterRole" for v in VERSIONS]
BINDINGS = [f"kubernetes:rbac.authorization.k8s.io/{v}:ClusterRoleBinding" for v in VERSIONS]


def rule(api_groups=("",), resources=("secrets",), verbs=("get",)):
    return {"apiGroups": list(api_groups), "resources": list(resources), "verbs": list(verbs)}


@pytest.mark.parametrize("type_", CLUSTER_ROLES)
def test_cluster_role_without_secrets(type_):
    rules = [rule(resources=["configmaps"]), rule(api_groups=["apps"], resources=["deployments", "secrets"])]
    h.none(RULE, h.resource(type_, {"rules": rules}))


def test_cluster_role_on_secrets_without_verbs():
    h.none(RULE, h.resource(CLUSTER_ROLES[0], {"rules": [rule(verbs=[])]}))


@pytest.mark.parametrize("props", [{}, {"rules": h.UNKNOWN}], ids=["missing", "unknown"])
def test_no_rules(props):
    h.none(RULE, h.resource(CLUSTER_ROLES[0], props))


@pytest.mark.parametrize("type_", CLUSTER_ROLES)
@pytest.mark.parametrize("r", [rule(), rule(api_groups=["*"]), rule(resources=["pods", "*"]), rule(verbs=["*"])],
                         ids=["exact", "any-group", "any-resource", "any-verb"])
def test_cluster_role_on_secrets(type_, r):
    f = h.one(RULE, h.resource(type_, {"rules": [rule(resources=["pods"]), r]}, name="reader"))
    assert f.message.startswith("ClusterRole reader rule #1 grants ")


def test_cluster_role_verbs_in_message():
    f = h.one(RULE, h.resource(CLUSTER_ROLES[0], {"rules": [rule(verbs=["get", "update"])]}, name="reader"))
    assert f.message == "ClusterRole reader rule #0 grants get, update on secrets in every namespace"


@pytest.mark.parametrize("type_", BINDINGS)
@pytest.mark.parametrize("role", ["cluster-admin", "admin", "edit"])
def test_binding_to_a_secret_reading_cluster_role(type_, role):
    f = h.one(RULE, h.resource(type_, {"roleRef": {"kind": "ClusterRole", "name": role}}, name="b"))
    assert f.message == f"ClusterRoleBinding b binds {role}, which can read every Secret in the cluster"


@pytest.mark.parametrize("ref", [{"kind": "ClusterRole", "name": "view"}, {"kind": "Role", "name": "admin"}, {}, h.UNKNOWN],
                         ids=["view", "role-kind", "empty", "unknown"])
def test_other_bindings(ref):
    h.none(RULE, h.resource(BINDINGS[0], {"roleRef": ref}))


def test_missing_role_ref():
    h.none(RULE, h.resource(BINDINGS[0], {}))


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(CLUSTER_ROLES[0], {"rules": [rule()]}, production=False))


@pytest.mark.parametrize("type_", ["kubernetes:rbac.authorization.k8s.io/v1:Role",
                                   "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"])
def test_namespaced_types_ignored(type_):
    h.none(RULE, h.resource(type_, {"rules": [rule()], "roleRef": {"kind": "ClusterRole", "name": "admin"}}))
