"""OMS-K8S-003 k8s-no-secret-list-watch: nobody may list or watch secrets, but list in the pipelines namespace of
Kubernetes-native ingestion by a Role that gets every Secret there anyway (never in the store or keys namespace)."""

import pytest

from omsecrets.components import core
from omsecrets.components.access import k8s_rbac
from tests.support import rules as h

RULE = "OMS-K8S-003"
TYPES = [f"kubernetes:rbac.authorization.k8s.io/{v}:{k}" for k in ("Role", "ClusterRole") for v in ("v1", "v1beta1", "v1alpha1")]
ROLE = TYPES[0]
PIPELINES, STORE, KEYS = "om-pipelines", "om-store", "om-store-keys"


def rule(api_groups=("",), resources=("secrets",), verbs=("get",), names=None):
    out = {"apiGroups": list(api_groups), "resources": list(resources), "verbs": list(verbs)}
    if names is not None:
        out["resourceNames"] = list(names)
    return out


def role(*rules, namespace=PIPELINES, type_=ROLE, name="lister"):
    return h.node(type_, {"metadata": {"name": name, "namespace": namespace}, "rules": list(rules)}, name=name)


def environment(runtime="kubernetes", namespace=PIPELINES):
    return h.node(h.ENVIRONMENT, {"ingestion": {"runtime": runtime, "namespace": namespace}}, name="env")


def store(namespace=STORE, keys=KEYS):
    return h.node(core.KUBERNETES_STORE_TYPE, {"namespace": namespace, "keysNamespace": keys}, name="store")


def flagged(*resources, production=True):
    return [f.message for f in h.findings(RULE, h.stack(*resources, production=production))]


SERVER = rule(verbs=["get", "create", "update", "delete", "list"])


@pytest.mark.parametrize("type_", TYPES)
def test_get_create_update_delete(type_):
    assert flagged(role(rule(verbs=["get", "create", "update", "delete", "patch"]), type_=type_)) == []


@pytest.mark.parametrize("r", [rule(resources=["configmaps"], verbs=["list", "watch"]),
                               rule(api_groups=["apps"], verbs=["list"])], ids=["configmaps", "other-group"])
def test_listing_other_things(r):
    assert flagged(role(r)) == []


@pytest.mark.parametrize("props", [{}, {"rules": h.UNKNOWN}], ids=["missing", "unknown"])
def test_no_rules(props):
    assert flagged(h.node(ROLE, props)) == []


@pytest.mark.parametrize("type_", TYPES)
@pytest.mark.parametrize("verbs, bad", [(["get", "list"], "list"), (["watch"], "watch"), (["*"], "*"),
                                        (["watch", "get", "list"], "list, watch")])
def test_enumerating_verbs(type_, verbs, bad):
    found = flagged(role(rule(resources=["pods"], verbs=["list"]), rule(verbs=verbs), type_=type_, namespace="apps"))
    kind = type_.rsplit(":", 1)[-1]
    where = "in every namespace (OM's store too)" if kind == "ClusterRole" else "in 'apps'"
    assert found == [f"{kind} lister rule #1 allows {bad} on secrets {where}"]


@pytest.mark.parametrize("r", [rule(api_groups=["*"], verbs=["list"]), rule(resources=["*"], verbs=["watch"])],
                         ids=["any-group", "any-resource"])
def test_wildcard_groups_and_resources_cover_secrets(r):
    assert len(flagged(role(r))) == 1


def test_mandatory_outside_production_too():
    (found,) = h.findings(RULE, h.stack(role(rule(verbs=["list"])), production=False))
    assert found.level == "mandatory"


def test_other_types_ignored():
    assert flagged(h.node("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", {"rules": [rule(verbs=["list"])]})) == []


# ---------------------------------------------------------------- the pipelines namespace


def test_list_in_the_pipelines_namespace_by_the_role_that_gets_every_secret_there():
    assert flagged(environment(), store(), role(SERVER)) == []
    # get and list in two rules of one Role: the same
    assert flagged(environment(), role(rule(verbs=["get"]), rule(verbs=["list"]))) == []


def test_the_server_role_om_secrets_declares_passes_in_both_modes():
    for operator in (False, True):
        assert flagged(environment(), store(), role(*k8s_rbac.pipeline_server_rules(operator))) == []


@pytest.mark.parametrize("resources, why", [
    ((environment(), store(namespace=PIPELINES)), "OM's store namespace: every secret OM stores"),
    ((environment(), store(keys=PIPELINES)), "the keys namespace: the Fernet and JWT key copies no app may read"),
], ids=["store", "keys"])
def test_never_in_the_store_or_keys_namespace_even_if_it_is_the_pipelines_one(resources, why):
    assert flagged(*resources, role(SERVER)) == [f"Role lister rule #0 allows list on secrets in {PIPELINES!r}, {why}"]


@pytest.mark.parametrize("namespace, why", [(STORE, "OM's store namespace: every secret OM stores"),
                                            (KEYS, "the keys namespace: the Fernet and JWT key copies no app may read")])
def test_store_and_keys_namespaces_are_named(namespace, why):
    assert flagged(environment(), store(), role(SERVER, namespace=namespace)) == [
        f"Role lister rule #0 allows list on secrets in {namespace!r}, {why}"]


@pytest.mark.parametrize("resources", [
    (environment(runtime="airflow"),),       # Airflow: there is no pipelines namespace
    (environment(namespace="elsewhere"),),   # another namespace is the pipelines one
    (),                                      # no om-secrets environment at all
    (environment(namespace=h.UNKNOWN),),
], ids=["airflow", "other-namespace", "no-environment", "unknown"])
def test_list_elsewhere_is_forbidden(resources):
    assert flagged(*resources, role(SERVER)) == [f"Role lister rule #0 allows list on secrets in {PIPELINES!r}"]


@pytest.mark.parametrize("others", [
    [],                                                   # list without get: list would be the only read
    [rule(verbs=["get"], names=["om-secret-a"])],        # get on named Secrets only
    [rule(resources=["configmaps"], verbs=["get"])],
], ids=["no-get", "named-get", "get-on-configmaps"])
def test_list_needs_get_on_every_secret_of_the_role(others):
    assert flagged(environment(), role(rule(verbs=["list"]), *others)) == [
        f"Role lister rule #0 allows list on secrets in {PIPELINES!r}"]


@pytest.mark.parametrize("verbs, bad", [(["get", "list", "watch"], "list, watch"), (["get", "watch"], "watch"),
                                        (["*"], "*")])
def test_watch_is_never_allowed_not_even_there(verbs, bad):
    assert flagged(environment(), role(rule(verbs=verbs))) == [
        f"Role lister rule #0 allows {bad} on secrets in {PIPELINES!r}"]


def test_a_cluster_role_is_never_excepted():
    assert flagged(environment(), role(SERVER, type_=TYPES[3])) == [
        "ClusterRole lister rule #0 allows list on secrets in every namespace (OM's store too)"]


def test_an_unknown_pipelines_namespace_excepts_no_cluster_role():
    assert flagged(environment(namespace=h.UNKNOWN), role(SERVER, type_=TYPES[3])) == [
        "ClusterRole lister rule #0 allows list on secrets in every namespace (OM's store too)"]
