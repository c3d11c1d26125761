"""Server renderers: env vars, openmetadata.yaml blocks, openmetadata chart values."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
import yaml

from omsecrets.components import core, jwt
from omsecrets.components.app_config.refs import SecretRef
from omsecrets.components.app_config.server import (
    CHART_AIRFLOW_ENV,
    CHART_JWT_ENV,
    openmetadata_helm_values,
    openmetadata_yaml_blocks,
    server_env,
)
from omsecrets.components.core import MANAGED_PROVIDERS
from omsecrets.components.settings import AWS_PROVIDERS, from_dict, with_jwt_key_id
from tests.support import chart_keys
from tests.test_app_config import CASES, REFERENCE_SERVER_ENV, REGION, case, make_settings, walk

# charts/openmetadata/values.schema.json of open-metadata/openmetadata-helm-charts (HEAD 039a208,
# chart 1.13.1): the two sub-schemas our values fill, copied verbatim.
_PAIR = {"type": "object", "additionalProperties": False,
         "properties": {"secretKey": {"type": "string"}, "secretRef": {"type": "string"}}}
CHART_FERNETKEY_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"value": {"type": "string"}, "secretRef": {"type": "string"}, "secretKey": {"type": "string"}},
}
CHART_SECRETS_MANAGER_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "additionalParameters": {
            "type": "object", "additionalProperties": False,
            "properties": {
                **{k: _PAIR for k in ("accessKeyId", "clientId", "clientSecret", "secretAccessKey", "tenantId", "vaultName",
                                      "projectId")},
                "enabled": {"type": "boolean"}, "region": {"type": "string"},
            },
        },
        "provider": {"type": "string", "enum": ["db", "aws", "aws-ssm", "managed-aws", "managed-aws-ssm", "in-memory",
                                                  "managed-azure-kv", "azure-kv", "gcp"]},
        "prefix": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}}, "enabled": {"type": "boolean"},
    },
}
# charts/openmetadata/values.schema.json (chart 1.13.1, commit 039a208f): jwtTokenConfiguration, closed.
CHART_JWT_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"enabled": {"type": "boolean"}, **{k: {"type": "string"} for k in (
        "jwtissuer", "keyId", "rsaprivateKeyFilePath", "rsapublicKeyFilePath")}},
}
CHART_SERVICE_ACCOUNT_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"annotations": {"type": "object"}, "create": {"type": "boolean"}, "name": {"type": "string"}},
}

JWT_ENV = set(CHART_JWT_ENV) | set(CHART_AIRFLOW_ENV)  # the JWT pair's and the Airflow credential's, every provider
FAMILY_ENV = {
    "db": {"SECRET_MANAGER", "PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER", "OPENMETADATA_CLUSTER_NAME", "FERNET_KEY"},
    "aws": {"SECRET_MANAGER", "SECRET_MANAGER_PREFIX", "SECRET_MANAGER_TAGS", "OM_SM_REGION",
            "PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER", "OPENMETADATA_CLUSTER_NAME", "FERNET_KEY"},
    "kubernetes": {"SECRET_MANAGER", "SECRET_MANAGER_PREFIX", "SECRET_MANAGER_TAGS", "OM_SM_NAMESPACE", "OM_SM_IN_CLUSTER",
                   "OM_SM_KUBECONFIG_PATH", "PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER", "OPENMETADATA_CLUSTER_NAME",
                   "FERNET_KEY"},
    # workload identity: no tenant/client/secret (OM then uses DefaultAzureCredential)
    "azure": {"SECRET_MANAGER", "SECRET_MANAGER_PREFIX", "SECRET_MANAGER_TAGS", "OM_SM_VAULT_NAME",
              "PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER", "OPENMETADATA_CLUSTER_NAME", "FERNET_KEY"},
    "gcp": {"SECRET_MANAGER", "SECRET_MANAGER_PREFIX", "SECRET_MANAGER_TAGS", "OM_SM_PROJECT_ID",
            "PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER", "OPENMETADATA_CLUSTER_NAME", "FERNET_KEY"},
}


def family(provider):
    return "aws" if provider in AWS_PROVIDERS else "azure" if provider.endswith("azure-kv") else provider


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_server_env_names_are_exactly_the_reference_ones(provider, loader, mode):
    env = server_env(case(provider, loader, mode))
    assert set(env) <= REFERENCE_SERVER_ENV
    expected = set(FAMILY_ENV[family(provider)]) | JWT_ENV
    if mode == "access-key" and provider in MANAGED_PROVIDERS and provider in AWS_PROVIDERS:
        expected |= {"OM_SM_ACCESS_KEY_ID", "OM_SM_ACCESS_KEY"}  # the server reads only managed stores
    assert set(env) == expected


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_server_env_values(provider, loader, mode):
    env = server_env(case(provider, loader, mode))
    assert env["SECRET_MANAGER"] == provider
    assert env["PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER"] == loader
    assert env["OPENMETADATA_CLUSTER_NAME"] == "openmetadata"
    assert env["FERNET_KEY"] == SecretRef("openmetadata-secrets", "FERNET_KEY")
    assert env["AIRFLOW_PASSWORD"] == SecretRef("openmetadata-secrets", "AIRFLOW_PASSWORD")
    assert env["AIRFLOW_USERNAME"] == "openmetadata"
    secret_names = {k for k, v in env.items() if isinstance(v, SecretRef)}
    assert secret_names <= {"FERNET_KEY", "OM_SM_ACCESS_KEY_ID", "OM_SM_ACCESS_KEY", "AIRFLOW_PASSWORD"}
    if provider != "db":
        assert env["SECRET_MANAGER_TAGS"] == "[env:dev,team:data]"
        assert env["SECRET_MANAGER_PREFIX"] == ""
    if provider in AWS_PROVIDERS:
        assert env["OM_SM_REGION"] == REGION
    if mode == "access-key" and provider in AWS_PROVIDERS and provider in MANAGED_PROVIDERS:
        assert env["OM_SM_ACCESS_KEY_ID"] == SecretRef("openmetadata-secrets", "OM_SM_ACCESS_KEY_ID")
        assert env["OM_SM_ACCESS_KEY"] == SecretRef("openmetadata-secrets", "OM_SM_ACCESS_KEY")
    # the key files are mounted from a Secret only the server mounts; the env only points at them
    assert (env["RSA_PRIVATE_KEY_FILE_PATH"], env["RSA_PUBLIC_KEY_FILE_PATH"]) == (
        "/etc/openmetadata/jwtkeys/private_key.der", "/etc/openmetadata/jwtkeys/public_key.der")
    assert (env["JWT_ISSUER"], env["JWT_KEY_ID"]) == ("open-metadata.org", core.UNKNOWN_PLACEHOLDER)
    assert yaml.safe_load(env["AUTHENTICATION_PUBLIC_KEYS"]) == [
        "http://openmetadata.openmetadata.svc.cluster.local:8585/api/v1/system/config/jwks"]


def test_jwt_env_as_deployed_and_without_a_pair():
    settings = from_dict({"provider": "kubernetes", "jwt": {"issuer": "https://om.example.com", "extraPublicKeyUrls": [
        "https://idp.example.com/keys"]}, "ingestion": {"hostPort": "https://om.example.com/api"}})
    env = server_env(with_jwt_key_id(settings, "thumb-print"))
    assert (env["JWT_KEY_ID"], env["JWT_ISSUER"]) == ("thumb-print", "https://om.example.com")
    assert yaml.safe_load(env["AUTHENTICATION_PUBLIC_KEYS"]) == [
        "https://om.example.com/api/v1/system/config/jwks", "https://idp.example.com/keys"]
    off = from_dict({"provider": "kubernetes", "jwt": {"enabled": False, "disabledReason": "managed elsewhere"}})
    assert not set(server_env(off)) & set(CHART_JWT_ENV)
    assert "jwtTokenConfiguration" not in openmetadata_yaml_blocks(off)
    values = openmetadata_helm_values(off)
    assert "jwtTokenConfiguration" not in values["openmetadata"]["config"] and "extraVolumes" not in values


def test_kubernetes_env_in_cluster_and_kubeconfig():
    in_cluster = server_env(from_dict({"provider": "kubernetes", "kubernetes": {"namespace": "om-store"}}))
    assert (in_cluster["OM_SM_NAMESPACE"], in_cluster["OM_SM_IN_CLUSTER"], in_cluster["OM_SM_KUBECONFIG_PATH"]) == (
        "om-store", "true", "")
    outside = server_env(from_dict({"provider": "kubernetes", "kubernetes": {"kubeconfigPath": "/etc/om/kubeconfig"}}))
    assert (outside["OM_SM_IN_CLUSTER"], outside["OM_SM_KUBECONFIG_PATH"]) == ("false", "/etc/om/kubeconfig")


def test_prefix_and_cluster_name_are_passed_through():
    env = server_env(from_dict({"provider": "aws", "prefix": "team", "clusterName": "prod",
                                "aws": {"region": REGION, "identity": {"mode": "pod-identity"}}}))
    assert (env["SECRET_MANAGER_PREFIX"], env["OPENMETADATA_CLUSTER_NAME"]) == ("team", "prod")


# ---------------------------------------------------------------- openmetadata.yaml blocks

_ENV_REF = re.compile(r"\$\{([A-Z0-9_]+)\}")


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_yaml_blocks(provider, loader, mode):
    settings = case(provider, loader, mode)
    blocks = openmetadata_yaml_blocks(settings)
    assert yaml.safe_load(yaml.safe_dump(blocks)) == blocks
    assert blocks["clusterName"] == "openmetadata"
    assert blocks["fernetConfiguration"] == {"fernetKey": "${FERNET_KEY}"}
    assert blocks["pipelineServiceClientConfiguration"] == {
        "secretsManagerLoader": loader, "parameters": {"username": "openmetadata", "password": "${AIRFLOW_PASSWORD}"}}
    assert blocks["jwtTokenConfiguration"] == {
        "rsapublicKeyFilePath": jwt.PUBLIC_KEY_PATH, "rsaprivateKeyFilePath": jwt.PRIVATE_KEY_PATH,
        "jwtissuer": "open-metadata.org", "keyId": core.UNKNOWN_PLACEHOLDER}
    assert blocks["authenticationConfiguration"] == {
        "publicKeyUrls": ["http://openmetadata.openmetadata.svc.cluster.local:8585/api/v1/system/config/jwks"]}
    if provider == "db":
        assert "secretsManagerConfiguration" not in blocks
        return
    sm = blocks["secretsManagerConfiguration"]
    assert (sm["secretsManager"], sm["prefix"], sm["tags"]) == (provider, "", ["env:dev", "team:data"])
    if provider == "kubernetes":
        assert sm["parameters"] == {"namespace": "openmetadata-secrets", "inCluster": "true", "kubeconfigPath": ""}
    elif provider.endswith("azure-kv"):
        assert sm["parameters"] == {"vaultName": "om-kv"}
    elif provider == "gcp":
        assert sm["parameters"] == {"projectId": "acme-data-prod"}
    elif mode == "access-key" and provider in MANAGED_PROVIDERS:
        assert sm["parameters"] == {"region": REGION, "accessKeyId": "${OM_SM_ACCESS_KEY_ID}",
                                    "secretAccessKey": "${OM_SM_ACCESS_KEY}"}
    else:
        assert sm["parameters"] == {"region": REGION}


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_yaml_env_references_are_delivered_secrets(provider, loader, mode):
    settings = case(provider, loader, mode)
    env = server_env(settings)
    used = {m for _, v in walk(openmetadata_yaml_blocks(settings)) if isinstance(v, str) for m in _ENV_REF.findall(v)}
    assert used == {k for k, v in env.items() if isinstance(v, SecretRef)}


# ---------------------------------------------------------------- openmetadata chart values


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_helm_values_layout_matches_chart(provider, loader, mode):
    settings = case(provider, loader, mode)
    values = openmetadata_helm_values(settings)
    wi = {"commonLabels"} if provider == "managed-azure-kv" else set()  # AKS workload identity's pod label
    assert set(values) == {"openmetadata", "serviceAccount", "extraEnvs", "extraVolumes", "extraVolumeMounts",
                           "podAnnotations"} | wi
    config = values["openmetadata"]["config"]
    assert set(config) == {"clusterName", "fernetkey", "secretsManager", "jwtTokenConfiguration", "authentication",
                           "pipelineServiceClientConfig"}
    assert config["pipelineServiceClientConfig"] == {"airflow": {"auth": {"username": "openmetadata", "password": {
        "secretRef": "openmetadata-secrets", "secretKey": "AIRFLOW_PASSWORD"}}}}
    jsonschema.validate(config["jwtTokenConfiguration"], CHART_JWT_SCHEMA)
    assert config["authentication"] == {"publicKeys": [
        "http://openmetadata.openmetadata.svc.cluster.local:8585/api/v1/system/config/jwks"]}
    # the Secret only the server (and the chart's cron jobs, which share extraVolumes) mounts
    assert values["extraVolumes"] == [{"name": "om-secrets-jwt-keys", "secret": {"secretName": "openmetadata-jwt-keys"}}]
    assert values["extraVolumeMounts"] == [{"name": "om-secrets-jwt-keys", "mountPath": "/etc/openmetadata/jwtkeys",
                                            "readOnly": True}]
    assert config["clusterName"] == "openmetadata"
    assert config["fernetkey"] == {"value": "", "secretRef": "openmetadata-secrets", "secretKey": "FERNET_KEY"}
    jsonschema.validate(config["fernetkey"], CHART_FERNETKEY_SCHEMA)
    jsonschema.validate(config["secretsManager"], CHART_SECRETS_MANAGER_SCHEMA)
    jsonschema.validate(values["serviceAccount"], CHART_SERVICE_ACCOUNT_SCHEMA)
    assert values["serviceAccount"] == {"create": False, "name": "openmetadata"}


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_helm_values_deliver_the_same_env_as_server_env(provider, loader, mode):
    """What the chart sets from our values plus extraEnvs equals server_env (chart: secrets.yaml, _helpers.tpl)."""
    settings = case(provider, loader, mode)
    values = openmetadata_helm_values(settings)
    config = values["openmetadata"]["config"]
    sm = config["secretsManager"]
    delivered = {"OPENMETADATA_CLUSTER_NAME": config["clusterName"],
                 "FERNET_KEY": SecretRef(config["fernetkey"]["secretRef"], config["fernetkey"]["secretKey"])}
    jwt_config = config["jwtTokenConfiguration"]  # the chart's jwt Secret (templates/secrets.yaml l.250-264)
    delivered.update(RSA_PUBLIC_KEY_FILE_PATH=jwt_config["rsapublicKeyFilePath"],
                     RSA_PRIVATE_KEY_FILE_PATH=jwt_config["rsaprivateKeyFilePath"], JWT_ISSUER=jwt_config["jwtissuer"],
                     JWT_KEY_ID=jwt_config["keyId"],
                     AUTHENTICATION_PUBLIC_KEYS=json.dumps(config["authentication"]["publicKeys"]))
    auth = config["pipelineServiceClientConfig"]["airflow"]["auth"]  # _helpers.tpl l.346-362
    delivered.update(AIRFLOW_USERNAME=auth["username"],
                     AIRFLOW_PASSWORD=SecretRef(auth["password"]["secretRef"], auth["password"]["secretKey"]))
    if sm["enabled"]:
        delivered["SECRET_MANAGER"] = sm["provider"]
        if provider != "db":  # for db the chart also sets an empty prefix and tags, which OM ignores
            delivered["SECRET_MANAGER_PREFIX"] = sm["prefix"]
            delivered["SECRET_MANAGER_TAGS"] = "[" + ",".join(f'"{t}"' for t in sm["tags"]) + "]"  # chart's format
        params = sm["additionalParameters"]
        if params.get("clientSecret", {}).get("secretRef"):
            delivered["OM_SM_CLIENT_SECRET"] = SecretRef(params["clientSecret"]["secretRef"], params["clientSecret"]["secretKey"])
        if params["enabled"] and provider in AWS_PROVIDERS:
            delivered["OM_SM_REGION"] = params["region"]
            for env_name, key in (("OM_SM_ACCESS_KEY_ID", "accessKeyId"), ("OM_SM_ACCESS_KEY", "secretAccessKey")):
                if params[key]["secretRef"]:
                    delivered[env_name] = SecretRef(params[key]["secretRef"], params[key]["secretKey"])
    for item in values["extraEnvs"]:
        assert item["name"] not in delivered, f"{item['name']} is set twice"
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        delivered[item["name"]] = SecretRef(ref["name"], ref["key"]) if ref else item["value"]
    expected = server_env(settings)
    for env in (delivered, expected):  # OM reads the tags as YAML
        if "SECRET_MANAGER_TAGS" in env:
            env["SECRET_MANAGER_TAGS"] = yaml.safe_load(env["SECRET_MANAGER_TAGS"])
    assert delivered == expected


def test_kubernetes_provider_goes_through_extra_envs():
    values = openmetadata_helm_values(make_settings("kubernetes"))
    assert values["openmetadata"]["config"]["secretsManager"] == {"enabled": False}
    names = [e["name"] for e in values["extraEnvs"]]
    assert names == ["SECRET_MANAGER", "SECRET_MANAGER_PREFIX", "SECRET_MANAGER_TAGS",
                     "PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER", "OM_SM_NAMESPACE", "OM_SM_IN_CLUSTER",
                     "OM_SM_KUBECONFIG_PATH"]
    assert values["extraEnvs"][0] == {"name": "SECRET_MANAGER", "value": "kubernetes"}


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_helm_values_reference_secrets_only_as_pairs(provider, loader, mode):
    values = openmetadata_helm_values(case(provider, loader, mode))
    for path, _value in walk(values):
        if path[-1] in ("secretRef", "secretKey"):
            parent = values
            for p in path[:-1]:
                parent = parent[p]
            assert set(parent) - {"value"} == {"secretRef", "secretKey"} and parent.get("value", "") == ""
    sm = values["openmetadata"]["config"]["secretsManager"]
    params = sm.get("additionalParameters", {})
    if mode == "access-key" and provider in AWS_PROVIDERS and provider in MANAGED_PROVIDERS:
        assert params["accessKeyId"] == {"secretRef": "openmetadata-secrets", "secretKey": "OM_SM_ACCESS_KEY_ID"}
        assert params["secretAccessKey"] == {"secretRef": "openmetadata-secrets", "secretKey": "OM_SM_ACCESS_KEY"}
    elif provider in AWS_PROVIDERS:
        assert params["accessKeyId"] == params["secretAccessKey"] == {"secretRef": "", "secretKey": ""}


# ---------------------------------------------------------------- every rendered key, against the charts' facts



@pytest.mark.parametrize("version", ["1.13.1", "1.13.0"])
@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_every_openmetadata_value_is_a_key_the_chart_declares(provider, loader, mode, version):
    """tests/support/chart_keys.py: the openmetadata chart's values.schema.json, read at the commits it names."""
    values = openmetadata_helm_values(with_jwt_key_id(case(provider, loader, mode), "kid"))
    assert chart_keys.first_undeclared("openmetadata", version, values) == []


def test_the_chart_facts_catch_an_undeclared_key():
    values = openmetadata_helm_values(case("kubernetes", "airflow", "irsa"))
    values["openmetadata"]["config"]["jwtTokenConfiguration"]["privateKey"] = "x"
    assert chart_keys.first_undeclared("openmetadata", "1.13.1", values) == [
        "openmetadata.config.jwtTokenConfiguration.privateKey"]
