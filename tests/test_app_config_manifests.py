"""ConfigMap / Secret manifests: content split, labels, and the Kubernetes 1.33 schema."""

from __future__ import annotations

import kubernetes_validate
import pytest

from omsecrets.components import jwt
from omsecrets.components.app_config import manifests, validate
from omsecrets.components.app_config.refs import PLACEHOLDER
from omsecrets.components.settings import APPS
from tests.test_app_config import CASES, case, make_settings

K8S_VERSION = "1.33"
PLANTED = {"fernet": "PLANTED-FERNET-RING", "id": "AKIAPLANTED000000000", "secret": "PLANTED/secret+access+key"}


def expected_secret_keys(app, provider, mode):
    keyed = validate.uses_access_keys(case(provider, "airflow", mode), app)  # the server: managed providers only
    if app == "openmetadata":  # the ring, OM's password for Airflow's API (+ its store access key)
        return {"FERNET_KEY", "AIRFLOW_PASSWORD"} | ({"OM_SM_ACCESS_KEY_ID", "OM_SM_ACCESS_KEY"} if keyed else set())
    # the ring, Airflow 3's shared secrets, the password the Airflow user Job sets (+ the store access key)
    return {"fernet-key", "api-secret-key", "jwt-secret", "openmetadata-airflow-password"} | (
        {"AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_ACCESS_KEY_ID",
         "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_SECRET_ACCESS_KEY"} if keyed else set())


#: The generated values (components.airflow_secrets) by the key of the Secret that holds them.
GENERATED = {"api-secret-key": "PLANTED-API-SECRET-KEY", "jwt-secret": "PLANTED-JWT-SECRET",
             "webserver-secret-key": "PLANTED-WEBSERVER-KEY", "AIRFLOW_PASSWORD": "PLANTED-OM-AIRFLOW-PASSWORD",
             "openmetadata-airflow-password": "PLANTED-OM-AIRFLOW-PASSWORD"}


def planted_data(settings, app):
    keys = (PLANTED["id"], PLANTED["secret"]) if validate.uses_access_keys(settings, app) else None
    return manifests.secret_string_data(settings, app, PLANTED["fernet"], keys, generated=GENERATED)


@pytest.mark.parametrize("provider, loader, mode", CASES)
@pytest.mark.parametrize("app", APPS)
def test_secret_keys(provider, loader, mode, app):
    assert set(manifests.secret_keys(case(provider, loader, mode), app)) == expected_secret_keys(app, provider, mode)


@pytest.mark.parametrize("provider, loader, mode", CASES)
@pytest.mark.parametrize("app", APPS)
def test_config_map_holds_only_non_sensitive_env(provider, loader, mode, app):
    settings = case(provider, loader, mode)
    data = manifests.config_data(settings, app)
    env = manifests.app_env(settings, app)
    assert data == {k: v for k, v in env.items() if isinstance(v, str)}
    assert not set(data) & {"FERNET_KEY", "AIRFLOW__CORE__FERNET_KEY", "OM_SM_ACCESS_KEY", "OM_SM_ACCESS_KEY_ID",
                            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert not any(k.endswith(("_ACCESS_KEY_ID", "_SECRET_ACCESS_KEY")) for k in data)


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_manifests_pass_the_kubernetes_schema(provider, loader, mode):
    settings = case(provider, loader, mode)
    objects = manifests.manifests(settings, {"team": "data"})
    objects += [manifests.secret_manifest(settings, app, planted_data(settings, app)) for app in APPS]
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
    assert [o["kind"] for o in objects[:4]] == ["ConfigMap", "Secret", "ConfigMap", "Secret"]
    assert [o["metadata"]["name"] for o in objects[:5]] == [
        "openmetadata-secrets-config", "openmetadata-secrets", "airflow-secrets-config", "airflow-secrets",
        "openmetadata-jwt-keys"]
    assert objects[4]["metadata"]["namespace"] == settings.server.namespace
    assert objects[4]["data"] == {jwt.PRIVATE_KEY_FILE: PLACEHOLDER, jwt.PUBLIC_KEY_FILE: PLACEHOLDER}


def test_placeholder_secret_and_namespaces():
    settings = make_settings("aws", mode="access-key", server={"namespace": "om"}, ingestion={"namespace": "ingest"})
    secret = manifests.secret_manifest(settings, "airflow")
    assert secret["metadata"]["namespace"] == "ingest"
    assert set(secret["stringData"].values()) == {PLACEHOLDER}
    assert manifests.config_map_manifest(settings, "openmetadata")["metadata"]["namespace"] == "om"


def test_secret_string_data_maps_inputs_to_keys():
    keyed = make_settings("managed-aws", mode="access-key")
    g = GENERATED
    assert manifests.secret_string_data(keyed, "openmetadata", "R", ("I", "S"), generated=g) == {
        "FERNET_KEY": "R", "OM_SM_ACCESS_KEY_ID": "I", "OM_SM_ACCESS_KEY": "S", "AIRFLOW_PASSWORD": g["AIRFLOW_PASSWORD"]}
    assert manifests.secret_string_data(keyed, "airflow", "R", ("I", "S"), generated=g) == {
        "fernet-key": "R",
        "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_ACCESS_KEY_ID": "I",
        "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_SECRET_ACCESS_KEY": "S",
        "api-secret-key": g["api-secret-key"], "jwt-secret": g["jwt-secret"],
        "openmetadata-airflow-password": g["openmetadata-airflow-password"],
    }
    with pytest.raises(ValueError, match="no access key was given for openmetadata"):
        manifests.secret_string_data(keyed, "openmetadata", "R", generated=g)
    with pytest.raises(ValueError, match="aws.identity.mode"):
        manifests.secret_string_data(make_settings("aws"), "airflow", "R", ("I", "S"), generated=g)
    non_managed = make_settings("aws", mode="access-key")  # the server never reads it: no key for the server
    assert manifests.secret_string_data(non_managed, "openmetadata", "R", generated=g) == {
        "FERNET_KEY": "R", "AIRFLOW_PASSWORD": g["AIRFLOW_PASSWORD"]}
    with pytest.raises(ValueError, match="for openmetadata are not used"):
        manifests.secret_string_data(non_managed, "openmetadata", "R", ("I", "S"), generated=g)
    airflow_2 = make_settings("kubernetes", airflow={"version": 2})
    assert manifests.secret_string_data(airflow_2, "airflow", "R", generated=g) == {
        "fernet-key": "R", "webserver-secret-key": g["webserver-secret-key"],
        "openmetadata-airflow-password": g["openmetadata-airflow-password"]}
    with pytest.raises(ValueError, match="jwt-secret of airflow: its generated value was not given"):
        manifests.secret_string_data(make_settings("kubernetes"), "airflow", "R", generated={"api-secret-key": "x"})


def test_labels():
    got = manifests.labels("airflow", {"team": "data", "app.kubernetes.io/managed-by": "someone-else"})
    assert got == {
        "team": "data",
        "app.kubernetes.io/managed-by": "om-secrets",
        "app.kubernetes.io/part-of": "openmetadata",
        "app.kubernetes.io/component": "airflow",
    }
    with pytest.raises(ValueError, match="label value"):
        manifests.labels("airflow", {"team": "data science"})


def test_the_schema_check_is_strict():
    bad = manifests.config_map_manifest(make_settings("db"), "openmetadata")
    bad["metadata"]["label"] = {"x": "y"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)
