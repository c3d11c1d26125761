"""OMS-AIRFLOW-002 airflow-shared-secrets-pinned: one declared Secret gives every component the shared secrets."""

import pytest

from tests.support import rules as h

RULE = "OMS-AIRFLOW-002"
SECRET = "kubernetes:core/v1:Secret"
V3 = {"fernetKeySecretName": "airflow-secrets", "apiSecretKeySecretName": "airflow-secrets",
      "jwtSecretName": "airflow-secrets", "env": [{"name": "X", "value": "y"}]}
V2 = {"fernetKeySecretName": "airflow-secrets", "webserverSecretKeySecretName": "airflow-secrets"}


def env(values, version=3):
    return h.node(h.ENVIRONMENT, {"helmValues": {"airflow": values}, "airflow": {"version": version}}, name="om")


def secret(keys=("fernet-key", "api-secret-key", "jwt-secret", "webserver-secret-key"), name="airflow-secrets",
           field="stringData"):
    return h.node(SECRET, {"metadata": {"name": name}, field: dict.fromkeys(keys, "[secret]")}, name=f"s-{name}")


def flagged(*resources):
    return [f.message.split(": ", 2)[-1] for f in h.findings(RULE, h.stack(*resources))]


@pytest.mark.parametrize("values, version", [(V3, 3), (V2, 2)])
def test_pinned_to_a_declared_secret(values, version):
    assert flagged(env(values, version), secret()) == []


def test_data_keys_count_too_and_unknown_data_is_trusted():
    assert flagged(env(V3), secret(field="data")) == []
    assert flagged(env(V3), h.node(SECRET, {"metadata": {"name": "airflow-secrets"}, "stringData": h.UNKNOWN})) == []


@pytest.mark.parametrize("drop", ["fernetKeySecretName", "apiSecretKeySecretName", "jwtSecretName"])
@pytest.mark.parametrize("how", ["missing", "", 5], ids=["missing", "empty", "not-a-name"])
def test_a_secret_left_to_the_chart(drop, how):
    values = {k: v for k, v in V3.items() if k != drop} if how == "missing" else {**V3, drop: how}
    (problem,) = flagged(env(values), secret())
    assert problem.startswith(f"{drop} is not set: the chart generates")


def test_airflow_2_needs_the_webserver_key_not_airflow_3s():
    assert flagged(env({"fernetKeySecretName": "airflow-secrets"}, 2), secret())[0].startswith(
        "webserverSecretKeySecretName is not set")
    assert flagged(env(V3, 2), secret())[0].startswith("webserverSecretKeySecretName is not set")


def test_an_undeclared_secret_or_a_missing_key():
    assert flagged(env(V3), secret(name="other")) == [
        f"{k} names Secret 'airflow-secrets', which the stack does not declare"
        for k in ("fernetKeySecretName", "apiSecretKeySecretName", "jwtSecretName")]
    assert flagged(env(V3), secret(keys=("fernet-key", "api-secret-key"))) == [
        "jwtSecretName names Secret 'airflow-secrets', which has no key 'jwt-secret'"]


@pytest.mark.parametrize("literal", ["fernetKey", "apiSecretKey", "jwtSecret"])
def test_a_literal_value(literal):
    (problem,) = flagged(env({**V3, literal: "abc"}), secret())
    assert problem.startswith(f"{literal} holds a literal value")
    assert flagged(env({**V3, literal: ""}), secret()) == []  # the chart's empty default is no value


def test_a_literal_webserver_key_on_airflow_2():
    (problem,) = flagged(env({**V2, "webserverSecretKey": "abc"}, 2), secret())
    assert problem.startswith("webserverSecretKey holds a literal value")


def test_env_entries_that_are_not_objects_are_skipped():
    assert flagged(env({**V3, "env": ["AIRFLOW__CORE__FERNET_KEY", None]}), secret()) == []


@pytest.mark.parametrize("name", ["AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"])
def test_an_env_override(name):
    (problem,) = flagged(env({**V3, "env": [{"name": name, "value": "x"}]}), secret())
    assert problem == f"env sets {name}: it would give the components that read env another value"


@pytest.mark.parametrize("props", [{}, {"helmValues": {"airflow": V3}}, {"airflow": {"version": 3}},
                                   {"helmValues": {"airflow": h.UNKNOWN}, "airflow": {"version": 3}}],
                         ids=["nothing", "no-version", "no-values", "unknown-values"])
def test_an_environment_without_airflow_values_is_skipped(props):
    assert flagged(h.node(h.ENVIRONMENT, props)) == []


def test_the_finding_is_on_the_environment_and_mandatory():
    (f,) = h.findings(RULE, h.stack(env({"fernetKeySecretName": "airflow-secrets", "apiSecretKeySecretName": "airflow-secrets"}),
                                    secret(), production=False))
    assert f.urn.endswith("::om") and f.level == "mandatory"
    assert f.message.startswith("om: helmValues.airflow (Airflow 3): jwtSecretName is not set")


def test_an_unnamed_secret_declares_nothing():
    unnamed = h.node(SECRET, {"metadata": {"name": h.UNKNOWN}, "stringData": {"fernet-key": "x"}})
    assert len(flagged(env(V3), unnamed)) == 3


def test_a_version_as_the_pack_receives_it():
    """pulumi_policy hands the pack numbers as doubles: version 3.0 is Airflow 3; a fraction or a bool is no version."""
    no_jwt = {k: v for k, v in V3.items() if k != "jwtSecretName"}
    assert [m for m in flagged(env(no_jwt, 3.0), secret()) if "jwtSecretName is not set" in m]
    assert flagged(env(no_jwt, 3.5), secret()) == [] and flagged(env(no_jwt, True), secret()) == []
