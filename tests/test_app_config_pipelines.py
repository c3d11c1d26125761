"""Kubernetes-native ingestion's rendered config: the server env, openmetadata.yaml block and openmetadata chart values of
OM's K8sPipelineClient, against the chart's values.schema.json (open-metadata/openmetadata-helm-charts, chart 1.13.1 @
039a208f0b9f2c40f6ce68d87e1e39b1d0819a57 and 1.13.0 @ dab31935da121961946d6f166b103236845d36ca: the same sub-schemas)."""

from __future__ import annotations

import dataclasses
import json

import jsonschema
import pytest

from omsecrets.components import core
from omsecrets.components.app_config import files, manifests, pipelines
from omsecrets.components.app_config.ingestion import ingestion_env
from omsecrets.components.app_config.refs import SecretRef, plain
from omsecrets.components.app_config.server import openmetadata_helm_values, openmetadata_yaml_blocks, server_env
from omsecrets.components.settings import from_dict, with_jwt_key_id
from tests.support import chart_keys
from tests.test_app_config import GCP, IDENTITIES, REGION

IMAGE = "docker.getcollate.io/openmetadata/ingestion:1.12.3"
PROVIDERS = {
    "db": {},
    "kubernetes": {"kubernetes": {"namespace": "om-store"}},
    "managed-aws": {"aws": {"region": REGION, "identity": IDENTITIES["irsa"]}},
    "aws-ssm": {"aws": {"region": REGION, "identity": IDENTITIES["pod-identity"]}},
    "gcp": {"gcp": GCP},
}
# values.schema.json, charts/openmetadata (both versions above), copied verbatim: pipelineServiceClientConfig's
# `type`, `metadataApiEndpoint` and `k8s`, and `omjobOperator` (its free podSecurityContext/securityContext left out).
_CPU_MEM = {"type": "object", "additionalProperties": False,
            "properties": {"cpu": {"type": "string"}, "memory": {"type": "string"}}}
CHART_K8S_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        **{k: {"type": "string"} for k in ("namespace", "className", "metadataApiEndpoint", "ingestionImage",
                                           "imagePullPolicy", "imagePullSecrets", "serviceAccountName", "nodeSelector",
                                           "podAnnotations")},
        **{k: {"type": "integer"} for k in ("ttlSecondsAfterFinished", "activeDeadlineSeconds", "backoffLimit",
                                            "successfulJobsHistoryLimit", "failedJobsHistoryLimit")},
        "tolerations": {"type": "array", "items": {"type": "object"}},
        "enableFailureDiagnostics": {"type": "boolean"}, "useOMJobOperator": {"type": "boolean"},
        "resources": {"type": "object", "additionalProperties": False,
                      "properties": {"limits": _CPU_MEM, "requests": _CPU_MEM}},
        "securityContext": {"type": "object", "additionalProperties": False, "properties": {
            "runAsUser": {"type": "integer"}, "runAsGroup": {"type": "integer"}, "fsGroup": {"type": "integer"},
            "runAsNonRoot": {"type": "boolean"}}},
        "extraEnvVars": {"type": "array", "items": {"type": "string"}},
        "rbac": {"type": "object", "additionalProperties": False, "properties": {"enabled": {"type": "boolean"}}},
    },
}
CHART_TYPE_SCHEMA = {"type": "string", "enum": ["airflow", "k8s", "argoWorkflows"]}
CHART_OPERATOR_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "enabled": {"type": "boolean"},
        "image": {"type": "object", "additionalProperties": False, "properties": {
            "repository": {"type": "string"}, "tag": {"type": "string"},
            "pullPolicy": {"type": "string", "enum": ["Always", "Never", "IfNotPresent"]}}},
        "resources": {"type": "object", "additionalProperties": False,
                      "properties": {"requests": _CPU_MEM, "limits": _CPU_MEM}},
        "env": {"type": "object", "additionalProperties": False, "properties": {
            k: {"type": "string"} for k in ("watchNamespaces", "pollingIntervalSeconds", "requeueDelaySeconds",
                                            "reconciliationThreads", "healthCheckPort", "metricsPort")} | {
            "logLevel": {"type": "string", "enum": ["DEBUG", "INFO", "WARN", "ERROR"]}}},
        "healthCheck": {"type": "object", "additionalProperties": False, "properties": {"enabled": {"type": "boolean"}}},
        "podSecurityContext": {"type": "object"}, "securityContext": {"type": "object"},
    },
}


def native(provider="kubernetes", operator=False, **ingestion):
    return from_dict({"provider": provider, **PROVIDERS[provider],
                      "ingestion": {"runtime": "kubernetes", "image": IMAGE, "omJobOperator": operator, **ingestion}},
                     aws_region=REGION)


CASES = [pytest.param(p, o, id=f"{p}-{'operator' if o else 'jobs'}") for p in PROVIDERS for o in (False, True)]


@pytest.mark.parametrize("version", ["1.13.1", "1.13.0"])
@pytest.mark.parametrize("provider, operator", CASES)
def test_every_openmetadata_value_is_a_key_the_chart_declares(provider, operator, version):
    values = openmetadata_helm_values(with_jwt_key_id(native(provider, operator), "kid"))
    assert chart_keys.first_undeclared("openmetadata", version, values) == []
    client = values["openmetadata"]["config"]["pipelineServiceClientConfig"]
    jsonschema.validate(client["k8s"], CHART_K8S_SCHEMA)
    jsonschema.validate(client["type"], CHART_TYPE_SCHEMA)
    jsonschema.validate(values["omjobOperator"], CHART_OPERATOR_SCHEMA)


def test_the_facts_refuse_the_keys_the_chart_schema_refuses():
    """podLabels (OM #27395) and seccompProfileType, which OM's code reads, are not in the chart's closed k8s object."""
    values = openmetadata_helm_values(native())
    k8s = values["openmetadata"]["config"]["pipelineServiceClientConfig"]["k8s"]
    k8s.update(podLabels="azure.workload.identity/use=true", seccompProfileType="RuntimeDefault")
    prefix = "openmetadata.config.pipelineServiceClientConfig.k8s."
    assert chart_keys.first_undeclared("openmetadata", "1.13.1", values) == [f"{prefix}podLabels", f"{prefix}seccompProfileType"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(k8s, CHART_K8S_SCHEMA)


@pytest.mark.parametrize("provider, operator", CASES)
def test_chart_values(provider, operator):
    s = native(provider, operator)
    values = openmetadata_helm_values(s)
    client = values["openmetadata"]["config"]["pipelineServiceClientConfig"]
    assert client == {
        "type": "k8s",
        # the pods run in another namespace: the chart's default http://openmetadata:8585/api would not resolve there
        "metadataApiEndpoint": "http://openmetadata.openmetadata.svc.cluster.local:8585/api",
        "k8s": {"namespace": "openmetadata-pipelines", "ingestionImage": IMAGE, "serviceAccountName": "openmetadata-ingestion",
                "extraEnvVars": pipelines.extra_env_vars(s), "useOMJobOperator": operator, "rbac": {"enabled": False}},
    }
    # the operator watches the pipelines namespace only (empty: a ClusterRole reading every Secret of the cluster)
    assert values["omjobOperator"] == ({"enabled": True, "env": {"watchNamespaces": "openmetadata-pipelines"}}
                                       if operator else {"enabled": False})
    names = {e["name"] for e in values["extraEnvs"]}
    assert not names & {"AIRFLOW_USERNAME", "AIRFLOW_PASSWORD"} and not any(n.startswith("K8S_") for n in names)


@pytest.mark.parametrize("provider, operator", CASES)
def test_extra_env_vars_are_what_the_env_loader_reads_and_nothing_secret(provider, operator):
    s = native(provider, operator)
    entries = pipelines.extra_env_vars(s)
    parsed = dict(e.split(":", 1) for e in entries)  # as K8sPipelineClientConfig.getConfigMap splits them
    assert parsed == {k: v for k, v in plain(ingestion_env(s)).items() if v}
    assert set(parsed) <= set(core.provider(s.provider).env_keys)
    expected = {"db": set(), "kubernetes": {"KUBERNETES_NAMESPACE", "KUBERNETES_IN_CLUSTER"},
                "managed-aws": {"AWS_DEFAULT_REGION"}, "aws-ssm": {"AWS_DEFAULT_REGION"}, "gcp": {"GOOGLE_CLOUD_PROJECT"}}
    assert set(parsed) == expected[provider]
    assert parsed.get("KUBERNETES_NAMESPACE", "om-store") == "om-store"


def test_a_secret_never_reaches_extra_env_vars():
    """Settings refuse access-key mode with runtime kubernetes; the renderer refuses it too (settings built by hand)."""
    s = from_dict({"provider": "aws", "aws": {"region": REGION, "identity": IDENTITIES["access-key"]}}, aws_region=REGION)
    forced = dataclasses.replace(s, ingestion=dataclasses.replace(s.ingestion, runtime="kubernetes", image=IMAGE,
                                                                 namespace="om-pipelines", loader="env"))
    assert any(isinstance(v, SecretRef) for v in ingestion_env(forced).values())
    with pytest.raises(ValueError, match="plain pod-spec text"):
        pipelines.extra_env_vars(forced)


@pytest.mark.parametrize("operator", [False, True])
def test_server_env_and_openmetadata_yaml(operator):
    s = native("kubernetes", operator)
    env = server_env(s)
    assert {k: env[k] for k in env if k.startswith(("K8S_", "USE_OMJOB", "PIPELINE_SERVICE_CLIENT_CLASS", "SERVER_HOST"))} == {
        "PIPELINE_SERVICE_CLIENT_CLASS_NAME": "org.openmetadata.service.clients.pipeline.k8s.K8sPipelineClient",
        "SERVER_HOST_API_URL": "http://openmetadata.openmetadata.svc.cluster.local:8585/api",
        "K8S_NAMESPACE": "openmetadata-pipelines", "K8S_INGESTION_IMAGE": IMAGE,
        "K8S_SERVICE_ACCOUNT_NAME": "openmetadata-ingestion",
        "K8S_EXTRA_ENV_VARS": json.dumps(["KUBERNETES_NAMESPACE:om-store", "KUBERNETES_IN_CLUSTER:true"]),
        "USE_OMJOB_OPERATOR": "true" if operator else "false",
    }
    assert env["PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER"] == "env"
    assert "AIRFLOW_USERNAME" not in env and "AIRFLOW_PASSWORD" not in env
    # the server's Secret holds the Fernet ring only (no Airflow password)
    assert manifests.secret_keys(s, core.SERVER_APP) == ("FERNET_KEY",)
    block = openmetadata_yaml_blocks(s)["pipelineServiceClientConfiguration"]
    assert block == {
        "className": pipelines.CLASS_NAME, "metadataApiEndpoint": env["SERVER_HOST_API_URL"], "secretsManagerLoader": "env",
        "parameters": {"namespace": "openmetadata-pipelines", "ingestionImage": IMAGE,
                       "serviceAccountName": "openmetadata-ingestion",
                       "extraEnvVars": ["KUBERNETES_NAMESPACE:om-store", "KUBERNETES_IN_CLUSTER:true"],
                       "useOMJobOperator": operator},
    }


def test_rendered_files_have_no_airflow_and_airflow_stacks_keep_theirs():
    native_files = files.render_files(native())
    assert not [p for p in native_files if "airflow" in p]
    assert "K8S_NAMESPACE=openmetadata-pipelines" in native_files["openmetadata.env"]
    classic = files.render_files(from_dict({"provider": "kubernetes"}))
    assert {"airflow.cfg", "airflow.env", "helm/airflow-values.yaml"} <= set(classic)
    assert "pipelineServiceClientConfig:\n      airflow:" in classic["helm/openmetadata-values.yaml"]


@pytest.mark.parametrize("change, key", [
    ({"image": None}, "ingestion.image"), ({"loader": "airflow"}, "ingestion.loader"),
    ({"namespace": "openmetadata"}, "ingestion.namespace"), ({"runtime": "airflow", "om_job_operator": True},
                                                            "ingestion.omJobOperator"),
], ids=["no-image", "airflow-loader", "server-namespace", "operator-without-runtime"])
def test_renderers_refuse_settings_built_by_hand_that_settings_would_refuse(change, key):
    s = native()
    forced = dataclasses.replace(s, ingestion=dataclasses.replace(s.ingestion, **change))
    with pytest.raises(ValueError, match=f"om-secrets:{key}:"):
        server_env(forced)
