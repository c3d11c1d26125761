"""OMS-JWT-002 jwt-keys-namespace-own: the JWT private key Secret shares no namespace with ingestion."""

import pytest

from omsecrets.components import jwt
from tests.support import rules as h

RULE = "OMS-JWT-002"
SECRET, CONFIG_MAP = "kubernetes:core/v1:Secret", "kubernetes:core/v1:ConfigMap"


def jwt_secret(namespace, field="data", name="keys"):
    return h.node(SECRET, {"metadata": {"name": "openmetadata-jwt-keys", "namespace": namespace},
                           field: {jwt.PRIVATE_KEY_FILE: "[secret]", jwt.PUBLIC_KEY_FILE: "[secret]"}}, name=name)


def airflow_object(namespace, type_=CONFIG_MAP):
    return h.node(type_, {"metadata": {"name": "airflow-secrets-config", "namespace": namespace,
                                       "labels": {"app.kubernetes.io/component": "airflow"}}}, name="airflow")


def environment(ingestion):
    return h.node(h.ENVIRONMENT, {"serviceAccounts": {"ingestion": ingestion, "openmetadata": "om/openmetadata"}},
                  name="env")


def flagged(*resources, production=True):
    return [(f.urn.rsplit("::", 1)[-1], f.message, f.level)
            for f in h.findings(RULE, h.stack(*resources, production=production))]


def test_separate_namespaces():
    assert flagged(jwt_secret("om"), airflow_object("airflow"), environment("airflow/ingestion")) == []


@pytest.mark.parametrize("witness", [
    lambda: airflow_object("om"), lambda: airflow_object("om", SECRET), lambda: environment("om/openmetadata-ingestion"),
], ids=["airflow-config-map", "airflow-secret", "component-output"])
def test_shared_namespace(witness):
    (found,) = flagged(jwt_secret("om"), witness())
    assert found[0] == "keys"
    assert found[1].startswith("Secret om/openmetadata-jwt-keys holds OM's JWT private key in namespace 'om', where "
                               "ingestion runs")
    assert found[2] == "mandatory"


def test_advisory_outside_production():
    assert [f[2] for f in flagged(jwt_secret("om"), airflow_object("om"), production=False)] == ["advisory"]


@pytest.mark.parametrize("name, flagged_", [("openmetadata-jwt-keys", True), ("other", False)])
def test_unknown_data_counts_for_om_secrets_own_secret(name, flagged_):
    """In a real preview the key does not exist yet: the data is unknown as a whole."""
    secret = h.node(SECRET, {"metadata": {"name": name, "namespace": "om"}, "data": h.UNKNOWN})
    assert bool(flagged(secret, airflow_object("om"))) is flagged_


def test_the_name_alone_is_no_jwt_key_when_the_data_is_known():
    secret = h.node(SECRET, {"metadata": {"name": "openmetadata-jwt-keys", "namespace": "om"},
                             "data": {jwt.PUBLIC_KEY_FILE: "[secret]"}, "stringData": {"x": "y"}})
    assert flagged(secret, airflow_object("om")) == []


def test_string_data_counts_too():
    assert len(flagged(jwt_secret("om", field="stringData"), airflow_object("om"))) == 1


@pytest.mark.parametrize("props", [
    {"metadata": {"name": "x", "namespace": "om"}, "data": {jwt.PUBLIC_KEY_FILE: "[secret]"}},
    {"metadata": {"name": "x", "namespace": "om"}, "data": {"FERNET_KEY": "[secret]"}},
    {"metadata": {"name": "x", "namespace": "om"}},
    {"metadata": {"name": "x", "namespace": h.UNKNOWN}, "data": {jwt.PRIVATE_KEY_FILE: "[secret]"}},
], ids=["public-only", "other-secret", "no-data", "unknown-namespace"])
def test_other_secrets_are_not_jwt_keys(props):
    assert flagged(h.node(SECRET, props), airflow_object("om")) == []


@pytest.mark.parametrize("ingestion", ["", "om", "/sa", h.UNKNOWN], ids=["empty", "no-slash", "no-namespace", "unknown"])
def test_unreadable_component_output_names_no_namespace(ingestion):
    assert flagged(jwt_secret("om"), environment(ingestion)) == []


def test_only_kubernetes_objects_are_ingestion_witnesses():
    lookalike = h.node("aws:ssm/parameter:Parameter", {"metadata": {"namespace": "om", "labels": {
        "app.kubernetes.io/component": "airflow"}}})
    assert flagged(jwt_secret("om"), lookalike) == []


def test_a_secret_without_a_known_name_is_named_by_its_resource():
    unnamed = h.node(SECRET, {"metadata": {"name": h.UNKNOWN, "namespace": "om"},
                              "data": {jwt.PRIVATE_KEY_FILE: "[secret]"}}, name="keys")
    (found,) = flagged(unnamed, airflow_object("om"))
    assert found[1].startswith("Secret om/keys holds")


def test_other_labelled_objects_are_not_ingestion():
    other = h.node(CONFIG_MAP, {"metadata": {"name": "c", "namespace": "om",
                                             "labels": {"app.kubernetes.io/component": "openmetadata"}}})
    assert flagged(jwt_secret("om"), other) == []
