"""OMS-STORE-001 store-names-follow-convention: store secrets are named by OM's id convention."""

import pytest

from tests.support import rules as h

RULE = "OMS-STORE-001"
ENV, STORE = "om-secrets:index:OpenMetadataSecrets", "om-secrets:stores:KubernetesSecretStore"
SM, SSM, K8S = "aws:secretsmanager/secret:Secret", "aws:ssm/parameter:Parameter", "kubernetes:core/v1:Secret"
OM_LABELS = {"app": "openmetadata", "managed-by": "openmetadata-secrets-manager"}


def env(prefix="team", cluster="openmetadata"):
    return h.node(ENV, {"prefix": prefix, "clusterName": cluster}, name="om")


def aws(type_, id_, parent=None, name="s"):
    return h.node(type_, {"name": id_}, name=name, parent=parent)


def k8s(id_, parent=None, labels=None, name="s"):
    return h.node(K8S, {"metadata": {"name": id_, "labels": labels or {}}}, name=name, parent=parent)


def flagged(*resources, **config):
    return h.messages(RULE, h.stack(*resources, **config))


@pytest.mark.parametrize("type_", [SM, SSM])
def test_aws_ids(type_):
    e = env()
    assert flagged(e, aws(type_, "/team/openmetadata/database/mysql/password", e)) == []


def test_aws_ids_without_prefix():
    e = env(prefix="")
    assert flagged(e, aws(SSM, "/openmetadata/fernet/airflow", e)) == []
    assert len(flagged(e, aws(SSM, "//openmetadata/fernet/airflow", e))) == 1


def test_kubernetes_store_ids():
    e = env()
    store = h.node(STORE, {}, name="store", parent=e)
    assert flagged(e, store, k8s("teamopenmetadata-database-mysql-password", store)) == []


@pytest.mark.parametrize("type_", [SM, SSM])
@pytest.mark.parametrize("id_, why", [
    ("/other/openmetadata/db", "'/other/openmetadata/db' does not start with '/team/openmetadata/'"),
    ("/team/openmetadata/", "'/team/openmetadata/' does not start with '/team/openmetadata/'"),
    ("/team/openmetadata/db/my.sql", "'/team/openmetadata/db/my.sql' is not an id OM computes; OM would look for "
                                     "'/team/openmetadata/db/my_sql'"),
], ids=["outside", "nothing-after-head", "not-rebuilt"])
def test_aws_wrong_ids(type_, id_, why):
    e = env()
    assert flagged(e, aws(type_, id_, e, name="bad")) == [f"bad: {why} (prefix 'team', clusterName 'openmetadata')"]


def test_head_is_case_insensitive():
    e = env(prefix="Team", cluster="OpenMetadata")
    assert flagged(e, aws(SM, "/team/openmetadata/db", e)) == []


def test_kubernetes_wrong_id():
    e = env()
    store = h.node(STORE, {}, name="store", parent=e)
    [message] = flagged(e, store, k8s("team-openmetadata-db", store))
    assert "'team-openmetadata-db' does not start with 'teamopenmetadata-'" in message


def test_kubernetes_secret_labelled_as_store_secret():
    e = env()
    assert len(flagged(e, k8s("wrong", e, labels={"managed-by": "openmetadata-secrets-manager"}))) == 1
    assert flagged(e, k8s("wrong", e, labels={"app": "openmetadata"})) == []  # not OM's store


def test_other_kubernetes_secrets_skipped():
    e = env()
    assert flagged(e, k8s("anything", e)) == []


def test_nearest_convention_wins():
    e = env()
    inner = h.node("om-secrets:stores:AwsSecretsManagerStore", {"prefix": "", "clusterName": "other"}, name="store", parent=e)
    assert flagged(e, inner, aws(SM, "/other/db", inner)) == []
    assert len(flagged(e, inner, aws(SM, "/team/openmetadata/db", inner))) == 1


def test_stack_convention_for_resources_outside_components():
    assert flagged(env(), aws(SM, "/team/openmetadata/db")) == []
    assert len(flagged(env(), aws(SM, "/openmetadata/db"))) == 1


def test_policy_config_convention():
    assert flagged(aws(SM, "/p/c/db"), prefix="p", clusterName="c") == []
    assert len(flagged(aws(SM, "/c/db"), prefix="p", clusterName="c")) == 1
    assert flagged(aws(SM, "/c/db"), clusterName="c") == []


@pytest.mark.parametrize("props", [{"prefix": "team"}, {"prefix": "team", "clusterName": ""}, {}],
                         ids=["no-cluster", "empty-cluster", "nothing"])
def test_no_convention_no_judgement(props):
    assert flagged(h.node(ENV, props, name="om"), aws(SM, "/anything")) == []


def test_cluster_not_a_string_means_no_convention():
    e = h.node(ENV, {"prefix": "team", "clusterName": 7}, name="om")
    assert flagged(e, aws(SM, "/anything", e)) == []


def test_unknown_labels_outside_the_store():
    e = env()
    assert flagged(e, h.node(K8S, {"metadata": {"name": "wrong", "labels": h.UNKNOWN}}, name="s", parent=e)) == []


def test_prefix_not_a_string_means_none():
    e = h.node(ENV, {"prefix": 7, "clusterName": "openmetadata"}, name="om")
    assert flagged(e, aws(SM, "/openmetadata/db", e)) == []


def test_unnamed_secret():
    e = env()
    assert flagged(e, h.node(SM, {}, name="auto", parent=e)) == [
        "auto has no explicit name, so OM (prefix 'team', clusterName 'openmetadata') cannot find it"]


@pytest.mark.parametrize("id_", ["", 5], ids=["empty", "not-text"])
def test_name_not_usable(id_):
    e = env()
    assert flagged(e, aws(SM, id_, e, name="odd")) == [
        "odd has no explicit name, so OM (prefix 'team', clusterName 'openmetadata') cannot find it"]


def test_unknown_name_skipped():
    e = env()
    assert flagged(e, aws(SM, h.UNKNOWN, e)) == []


def test_mandatory_outside_production_too():
    e = env()
    assert [f.level for f in h.findings(RULE, h.stack(e, aws(SM, "/x/db", e), production=False))] == ["mandatory"]


def test_other_types_ignored():
    e = env()
    assert flagged(e, h.node("aws:kms/alias:Alias", {"name": "alias/x"}, name="a", parent=e)) == []
