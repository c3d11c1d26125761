"""OMS-STORE-002 store-ids-unique: one owner per Secrets Manager name, SSM name, Kubernetes namespace/name."""

import pytest

from tests.support import rules as h

RULE = "OMS-STORE-002"
SM, SSM, K8S = "aws:secretsmanager/secret:Secret", "aws:ssm/parameter:Parameter", "kubernetes:core/v1:Secret"


def aws(type_, name, id_, provider=None):
    return h.node(type_, {"name": id_}, name=name, provider=provider)


def k8s(name, id_, namespace=None):
    metadata = {"name": id_, **({"namespace": namespace} if namespace is not None else {})}
    return h.node(K8S, {"metadata": metadata}, name=name)


def flagged(*resources):
    return [(f.urn.rsplit("::", 1)[-1], f.message) for f in h.findings(RULE, h.stack(*resources))]


@pytest.mark.parametrize("type_", [SM, SSM])
def test_distinct_names(type_):
    assert flagged(aws(type_, "a", "/om/a"), aws(type_, "b", "/om/b")) == []


@pytest.mark.parametrize("type_", [SM, SSM])
def test_same_name(type_):
    found = flagged(aws(type_, "a", "/om/db"), aws(type_, "b", "/om/db"), aws(type_, "c", "/om/c"))
    kind = type_.rsplit(":", 1)[-1]
    assert found == [(n, f"{kind} '/om/db' is declared by 2 resources (a, b)") for n in ("a", "b")]


def test_same_name_other_service():
    assert flagged(aws(SM, "a", "/om/db"), aws(SSM, "b", "/om/db")) == []


def test_same_name_other_provider():
    assert flagged(aws(SM, "a", "/om/db", provider="urn:p1"), aws(SM, "b", "/om/db", provider="urn:p2")) == []
    assert len(flagged(aws(SM, "a", "/om/db", provider="urn:p1"), aws(SM, "b", "/om/db", provider="urn:p1"))) == 2


@pytest.mark.parametrize("id_", ["", h.UNKNOWN, None], ids=["empty", "unknown", "missing"])
def test_unnamed_resources_have_no_claim(id_):
    props = {} if id_ is None else {"name": id_}
    assert flagged(h.node(SM, props, name="a"), h.node(SM, props, name="b")) == []


def test_kubernetes_namespaces():
    assert flagged(k8s("a", "om-db", "om"), k8s("b", "om-db", "airflow")) == []
    assert [m for _, m in flagged(k8s("a", "om-db", "om"), k8s("b", "om-db", "om"))] == [
        "Secret 'om/om-db' is declared by 2 resources (a, b)"] * 2


@pytest.mark.parametrize("namespace", [None, "", "default"], ids=["missing", "empty", "explicit"])
def test_kubernetes_default_namespace(namespace):
    found = flagged(k8s("a", "om-db", namespace), k8s("b", "om-db", "default"))
    assert [m for _, m in found] == ["Secret 'default/om-db' is declared by 2 resources (a, b)"] * 2


def test_kubernetes_namespace_not_a_string_is_default():
    assert len(flagged(k8s("a", "om-db", 7), k8s("b", "om-db"))) == 2


def test_kubernetes_unknown_namespace_skipped():
    assert flagged(k8s("a", "om-db", h.UNKNOWN), k8s("b", "om-db", h.UNKNOWN)) == []


def test_three_owners():
    assert {m for _, m in flagged(*(aws(SM, n, "/om/db") for n in "cab"))} == {
        "Secret '/om/db' is declared by 3 resources (a, b, c)"}


def test_mandatory_outside_production_too():
    found = h.findings(RULE, h.stack(aws(SM, "a", "/x"), aws(SM, "b", "/x"), production=False))
    assert [f.level for f in found] == ["mandatory", "mandatory"]


def test_other_types_ignored():
    alias = "aws:kms/alias:Alias"
    assert flagged(h.node(alias, {"name": "x"}, name="a"), h.node(alias, {"name": "x"}, name="b")) == []


AZURE, GCP = "azure-native:keyvault:Secret", "gcp:secretmanager/secret:Secret"


def kv(name, id_, vault="kv-om", group="rg-om"):
    props = {"secretName": id_, "resourceGroupName": group, **({"vaultName": vault} if vault is not None else {})}
    return h.node(AZURE, props, name=name)


def gcp(name, id_, project="acme"):
    return h.node(GCP, {"secretId": id_, **({"project": project} if project is not None else {})}, name=name)


def test_key_vault_secrets_are_scoped_by_vault():
    assert flagged(kv("a", "om-db", "kv-1"), kv("b", "om-db", "kv-2")) == []
    assert [m for _, m in flagged(kv("a", "om-db"), kv("b", "om-db"))] == [
        "Secret 'kv-om/om-db' is declared by 2 resources (a, b)"] * 2


def test_key_vault_names_are_global_so_the_resource_group_does_not_scope():
    assert len(flagged(kv("a", "om-db", group="rg-1"), kv("b", "om-db", group="rg-2"))) == 2


@pytest.mark.parametrize("vault", [None, "", h.UNKNOWN], ids=["missing", "empty", "unknown"])
def test_key_vault_secret_without_a_known_vault_claims_nothing(vault):
    assert flagged(kv("a", "om-db", vault), kv("b", "om-db", vault)) == []


@pytest.mark.parametrize("id_", ["", h.UNKNOWN, None], ids=["empty", "unknown", "missing"])
def test_unnamed_key_vault_and_gcp_secrets_have_no_claim(id_):
    for type_, key in ((AZURE, "secretName"), (GCP, "secretId")):
        props = {"vaultName": "kv", "project": "p", **({} if id_ is None else {key: id_})}
        assert flagged(h.node(type_, props, name="a"), h.node(type_, props, name="b")) == []


def test_gcp_secrets_are_scoped_by_project():
    assert flagged(gcp("a", "om_db", "p1"), gcp("b", "om_db", "p2")) == []
    assert [m for _, m in flagged(gcp("a", "om_db"), gcp("b", "om_db"))] == [
        "Secret 'acme/om_db' is declared by 2 resources (a, b)"] * 2


@pytest.mark.parametrize("project", [None, ""], ids=["missing", "empty"])
def test_gcp_secret_without_project_is_in_the_providers_project(project):
    assert [m for _, m in flagged(gcp("a", "om_db", project), gcp("b", "om_db", None))] == [
        "Secret 'om_db' is declared by 2 resources (a, b)"] * 2
    assert flagged(gcp("a", "om_db", project), gcp("b", "om_db", "acme")) == []  # its project is not known here


def test_gcp_unknown_project_skipped():
    assert flagged(gcp("a", "om_db", h.UNKNOWN), gcp("b", "om_db", h.UNKNOWN)) == []


def test_same_id_in_other_stores_is_no_clash():
    assert flagged(kv("a", "om-db"), gcp("b", "om-db", "kv-om"), k8s("c", "om-db", "kv-om")) == []
