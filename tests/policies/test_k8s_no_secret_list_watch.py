"""OMS-K8S-003 k8s-no-secret-list-watch: nobody may list or watch secrets."""

import pytest

from tests.support import rules as h

RULE = "OMS-K8S-003"
TYPES = [f"kubernetes:rbac.authorization.k8s.io/{v}:{k}" for k in ("Role", "ClusterRole") for v in ("v1", "v1beta1", "v1alpha1")]


def rule(api_groups=("",), resources=("secrets",), verbs=("get",)):
    return {"apiGroups": list(api_groups), "resources": list(resources), "verbs": list(verbs)}


@pytest.mark.parametrize("type_", TYPES)
def test_get_create_update_delete(type_):
    h.none(RULE, h.resource(type_, {"rules": [rule(verbs=["get", "create", "update", "delete", "patch"])]}))


@pytest.mark.parametrize("r", [rule(resources=["configmaps"], verbs=["list", "watch"]),
                               rule(api_groups=["apps"], verbs=["list"])], ids=["configmaps", "other-group"])
def test_listing_other_things(r):
    h.none(RULE, h.resource(TYPES[0], {"rules": [r]}))


@pytest.mark.parametrize("props", [{}, {"rules": h.UNKNOWN}], ids=["missing", "unknown"])
def test_no_rules(props):
    h.none(RULE, h.resource(TYPES[0], props))


@pytest.mark.parametrize("type_", TYPES)
@pytest.mark.parametrize("verbs, bad", [(["get", "list"], "list"), (["watch"], "watch"), (["*"], "*"),
                                        (["watch", "get", "list"], "list, watch")])
def test_enumerating_verbs(type_, verbs, bad):
    f = h.one(RULE, h.resource(type_, {"rules": [rule(resources=["pods"], verbs=["list"]), rule(verbs=verbs)]}, name="lister"))
    assert f.message == f"{type_.rsplit(':', 1)[-1]} lister rule #1 allows {bad} on secrets"


@pytest.mark.parametrize("r", [rule(api_groups=["*"], verbs=["list"]), rule(resources=["*"], verbs=["watch"])],
                         ids=["any-group", "any-resource"])
def test_wildcard_groups_and_resources_cover_secrets(r):
    h.one(RULE, h.resource(TYPES[0], {"rules": [r]}))


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(TYPES[0], {"rules": [rule(verbs=["list"])]}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", {"rules": [rule(verbs=["list"])]}))
