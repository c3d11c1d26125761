"""AppConfigDelivery under Pulumi mocks: objects, secrecy, labels and chart values."""

from __future__ import annotations

import json

import kubernetes_validate
import pulumi
import pytest
from pulumi.runtime import rpc

from omsecrets.components import jwt
from omsecrets.components.app_config import validate
from omsecrets.components.app_config.airflow import airflow_helm_values
from omsecrets.components.app_config.delivery import (
    TOKEN,
    AirflowValues,
    AppConfigDelivery,
    AppConfigDeliveryArgs,
    JwtKeyFiles,
)
from omsecrets.components.app_config.manifests import config_data, secret_keys
from omsecrets.components.app_config.server import openmetadata_helm_values
from omsecrets.components.settings import APPS, from_dict, with_jwt_key_id
from tests.support import mocks
from tests.test_app_config import CASES, case, make_settings

RINGS = {"openmetadata": "PLANTED-om-ring-AAAA,PLANTED-om-ring-BBBB", "airflow": "PLANTED-af-ring-CCCC"}
KEYS = {"openmetadata": ("AKIAPLANTEDSERVER001", "PLANTED/server/secret"),
        "airflow": ("AKIAPLANTEDINGEST001", "PLANTED/ingest/secret")}
JWT_FILES = {jwt.PRIVATE_KEY_FILE: "UExBTlRFRC1wcml2YXRlLWtleS1kZXI=", jwt.PUBLIC_KEY_FILE: "UExBTlRFRC1wdWJsaWM="}
KID = "planted-kid-0001"
SHARED = {"api-secret-key": "PLANTED-API-SECRET-KEY", "jwt-secret": "PLANTED-JWT-SECRET",
          "webserver-secret-key": "PLANTED-WEBSERVER-KEY"}
PASSWORD = "PLANTED-OM-AIRFLOW-PASSWORD"


def airflow_values(settings):
    return AirflowValues({k: SHARED[k] for k in ("api-secret-key", "jwt-secret")} if settings.airflow.version == 3
                         else {"webserver-secret-key": SHARED["webserver-secret-key"]}, PASSWORD)
PLANTED = [*RINGS.values(), *(v for pair in KEYS.values() for v in pair), JWT_FILES[jwt.PRIVATE_KEY_FILE],
           *SHARED.values(), PASSWORD]
FERNET_KEYS = {"openmetadata": "FERNET_KEY", "airflow": "fernet-key"}
CONFIG_MAP, SECRET = "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret"


def deploy(settings, *, keyed=None, labels=None):
    """Declare AppConfigDelivery('om', ...) under mocks; return (component, mock inputs, requests); the
    component's Output attributes are resolved to ``resolved_<name>``."""
    if keyed is None:
        keyed = {a: k for a, k in KEYS.items() if validate.uses_access_keys(settings, a)} or None

    def build():
        rings = {app: pulumi.Output.from_input(ring) for app, ring in RINGS.items()}
        files = JwtKeyFiles(pulumi.Output.secret(JWT_FILES[jwt.PRIVATE_KEY_FILE]), JWT_FILES[jwt.PUBLIC_KEY_FILE], KID)
        return AppConfigDelivery("om", AppConfigDeliveryArgs(
            settings, rings, keyed, labels or {"team": "data"}, jwt_keys=files if settings.jwt.enabled else None,
            airflow=airflow_values(settings)))

    async def resolve(component):
        component.resolved_openmetadata_helm_values = await pulumi.Output.from_input(
            component.openmetadata_helm_values).future()
        return component

    return mocks.declare(build, mocks.Mocks(calls={}), resolve)  # calls={}: any invoke fails; the delivery makes none


def unwrap(value):
    if rpc.is_rpc_secret(value):
        return unwrap(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_delivery_declares_config_map_and_secret_per_app(provider, loader, mode):
    settings = case(provider, loader, mode)
    component, inputs, requests = deploy(settings)
    assert requests[(TOKEN, "om")].type == TOKEN
    parent = f"urn:pulumi:test::om::pulumi:pulumi:Stack${TOKEN}::om"
    for app in APPS:
        cm, sec = inputs[(CONFIG_MAP, f"om-{app}-config")], inputs[(SECRET, f"om-{app}-secret")]
        namespace = settings.server.namespace if app == "openmetadata" else settings.ingestion.namespace
        assert cm["metadata"]["name"] == f"{app}-secrets-config" and sec["metadata"]["name"] == f"{app}-secrets"
        assert cm["metadata"]["namespace"] == sec["metadata"]["namespace"] == namespace
        for obj in (cm, sec):
            assert obj["metadata"]["labels"] == {
                "team": "data", "app.kubernetes.io/managed-by": "om-secrets",
                "app.kubernetes.io/part-of": "openmetadata", "app.kubernetes.io/component": app,
            }
        assert cm["data"] == config_data(with_jwt_key_id(settings, KID) if app == "openmetadata" else settings, app)
        assert rpc.is_rpc_secret(sec["stringData"]), "Secret stringData must be a secret input"
        assert set(unwrap(sec["stringData"])) == set(secret_keys(settings, app))
        assert unwrap(sec["stringData"])[FERNET_KEYS[app]] == RINGS[app]
        generated = {"AIRFLOW_PASSWORD": PASSWORD} if app == "openmetadata" else {
            "api-secret-key": SHARED["api-secret-key"], "jwt-secret": SHARED["jwt-secret"],
            "openmetadata-airflow-password": PASSWORD}
        assert {k: unwrap(sec["stringData"])[k] for k in generated} == generated
        assert {"data", "stringData"} <= set(requests[(SECRET, f"om-{app}-secret")].additionalSecretOutputs)
        for kind in ("config", "secret"):
            assert requests[(CONFIG_MAP if kind == "config" else SECRET, f"om-{app}-{kind}")].parent == parent
        for obj in (cm, unwrap(sec)):
            kubernetes_validate.validate(obj, "1.33", strict=True)

    # the JWT pair: a Secret of the server's namespace, its data secret, the two DER files OM reads
    keys = inputs[(SECRET, "om-openmetadata-jwt-keys")]
    assert keys["metadata"]["name"] == "openmetadata-jwt-keys"
    assert keys["metadata"]["namespace"] == settings.server.namespace
    assert rpc.is_rpc_secret(keys["data"]) and unwrap(keys["data"]) == JWT_FILES
    assert {"data", "stringData"} <= set(requests[(SECRET, "om-openmetadata-jwt-keys")].additionalSecretOutputs)
    kubernetes_validate.validate(unwrap(keys), "1.33", strict=True)
    config_maps = json.dumps([v for (t, _), v in inputs.items() if t == CONFIG_MAP])
    assert not [p for p in PLANTED if p in config_maps], "a ConfigMap holds a secret value"
    assert KID in config_maps  # the server's JWT_KEY_ID: the pair's, as deployed
    assert component.resolved_openmetadata_helm_values == openmetadata_helm_values(with_jwt_key_id(settings, KID))
    assert component.airflow_helm_values == airflow_helm_values(settings)
    helm = json.dumps([component.resolved_openmetadata_helm_values, component.airflow_helm_values])
    assert not [p for p in PLANTED if p in helm]
    assert component.config_map_names == {"openmetadata": "openmetadata-secrets-config", "airflow": "airflow-secrets-config"}
    assert component.secret_names == {"openmetadata": "openmetadata-secrets", "airflow": "airflow-secrets"}
    assert len(component.resources) == 5


def test_no_jwt_secret_without_a_pair():
    settings = from_dict({"provider": "kubernetes", "jwt": {"enabled": False, "disabledReason": "kept elsewhere"}})
    component, inputs, _ = deploy(settings)
    assert (SECRET, "om-openmetadata-jwt-keys") not in inputs and len(component.resources) == 4
    assert "JWT_KEY_ID" not in inputs[(CONFIG_MAP, "om-openmetadata-config")]["data"]


def test_access_keys_land_in_the_secrets_only():
    _, inputs, _ = deploy(make_settings("managed-aws-ssm", "env", "access-key"))
    server = unwrap(inputs[(SECRET, "om-openmetadata-secret")]["stringData"])
    ingest = unwrap(inputs[(SECRET, "om-airflow-secret")]["stringData"])
    assert (server["OM_SM_ACCESS_KEY_ID"], server["OM_SM_ACCESS_KEY"]) == KEYS["openmetadata"]
    assert (ingest["AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_ACCESS_KEY_ID"],
            ingest["AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_SECRET_ACCESS_KEY"]) == KEYS["airflow"]


def test_non_managed_server_gets_no_access_key():
    _, inputs, _ = deploy(make_settings("aws-ssm", "env", "access-key"))
    assert not {"OM_SM_ACCESS_KEY_ID", "OM_SM_ACCESS_KEY"} & set(unwrap(inputs[(SECRET, "om-openmetadata-secret")]["stringData"]))


def test_args_are_checked():
    settings = make_settings("aws")
    files, values = JwtKeyFiles("p", "q", "k"), airflow_values(settings)
    with pytest.raises(ValueError, match="aws.identity.mode.*only used with 'access-key'"):
        AppConfigDeliveryArgs(settings, RINGS, KEYS, jwt_keys=files, airflow=values)
    with pytest.raises(ValueError, match="no access key was given"):
        AppConfigDeliveryArgs(make_settings("aws", mode="access-key"), RINGS, {"openmetadata": KEYS["openmetadata"]},
                              jwt_keys=files, airflow=values)
    with pytest.raises(ValueError, match=r"missing \['airflow'\]"):
        AppConfigDeliveryArgs(settings, {"openmetadata": "r"}, jwt_keys=files, airflow=values)
    with pytest.raises(ValueError, match="label value"):
        AppConfigDeliveryArgs(settings, RINGS, labels={"team": "data science"}, jwt_keys=files, airflow=values)
    with pytest.raises(ValueError, match=r"jwt_keys must be given exactly when settings.jwt.enabled \(enabled: True"):
        AppConfigDeliveryArgs(settings, RINGS, airflow=values)
    with pytest.raises(ValueError, match=r"the shared secrets of Airflow 3: \['api-secret-key', 'jwt-secret'\]; "
                                         r"given \['webserver-secret-key'\]"):
        AppConfigDeliveryArgs(settings, RINGS, jwt_keys=files, airflow=AirflowValues({"webserver-secret-key": "w"}, "p"))
