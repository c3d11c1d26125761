"""Airflow's shared secrets and OM's server's Airflow password through the real program: generated once, one
value for every component, delivered from Secrets only, and the Job that gives OM its Airflow user."""

from __future__ import annotations

import json

import kubernetes_validate
import pytest

from omsecrets import engine
from omsecrets.components.environment import STABLE_NAME
from omsecrets.components.jobs import AIRFLOW_USER_SCRIPT, FAB_AUTH_MANAGER

K8S_SECRET, CONFIG_MAP, JOB = "kubernetes:core/v1:Secret", "kubernetes:core/v1:ConfigMap", "kubernetes:batch/v1:Job"
AIRFLOW = "om-secrets:airflow:AirflowSecrets"


def secret_data(result, name):
    (secret,) = [r for r in result.by_type(K8S_SECRET) if r.inputs["metadata"]["name"] == name]
    return secret, secret.plain_inputs["stringData"]


@pytest.mark.parametrize("stack, version, generated", [
    ("dev", 3, {"api-secret-key": "randomBytes", "jwt-secret": "randomBytes"}),
    ("local", 2, {"webserver-secret-key": "randomBytes"}),
])
def test_each_secret_is_generated_once_stable_named_and_protected(previewed, stack, version, generated):
    result = previewed(stack)
    (component,) = result.by_type(AIRFLOW)
    assert component.inputs == {"version": version, "secrets": sorted(generated)}
    children = {r.name: r for r in result.children(component.urn)}
    expected = {f"{STABLE_NAME}-airflow-{n}": t for n, t in generated.items()}
    expected[f"{STABLE_NAME}-airflow-server-password"] = "randomPassword"
    assert {n: r.type.split("/")[1].split(":")[0] for n, r in children.items()} == expected
    assert all(r.options["protect"] for r in children.values())
    sizes = {"api-secret-key": 32, "jwt-secret": 64, "webserver-secret-key": 32}
    for name in generated:
        assert children[f"{STABLE_NAME}-airflow-{name}"].inputs == {"length": sizes[name]}
    assert children[f"{STABLE_NAME}-airflow-server-password"].inputs["special"] is False


@pytest.mark.parametrize("stack", ["dev", "staging", "prod", "local", "azure", "gcp"])
def test_one_value_reaches_every_component_and_the_server_from_secrets_only(previewed, stack):
    result = previewed(stack)
    version = engine.plain(result.outputs)["airflow"]["version"]
    _, airflow = secret_data(result, "airflow-secrets")
    _, server = secret_data(result, "openmetadata-secrets")
    shared = {"api-secret-key", "jwt-secret"} if version == 3 else {"webserver-secret-key"}
    assert shared | {"fernet-key", "openmetadata-airflow-password"} <= set(airflow)
    assert server["AIRFLOW_PASSWORD"] == airflow["openmetadata-airflow-password"]  # the same password on both sides
    values = [airflow[k] for k in shared] + [server["AIRFLOW_PASSWORD"]]
    assert all(len(v) >= 32 for v in values) and len(set(values)) == len(values)
    configs = json.dumps([r.plain_inputs for r in result.by_type(CONFIG_MAP)])
    outputs = json.dumps(engine.plain(result.outputs, show_secrets=True))
    for value in values:
        assert value not in configs and value not in outputs and value not in json.dumps(result.to_document())
    (om_config,) = [r for r in result.by_type(CONFIG_MAP) if r.inputs["metadata"]["name"] == "openmetadata-secrets-config"]
    assert om_config.inputs["data"]["AIRFLOW_USERNAME"] == "openmetadata"


def test_no_user_job_without_an_image(previewed):
    assert [j for j in previewed("dev").by_type(JOB)] == []


def test_the_user_job_sets_the_generated_password_from_the_secret(previewed):
    result = previewed("staging")
    (job,) = result.by_type(JOB)
    spec = job.plain_inputs["spec"]
    (container,) = spec["template"]["spec"]["containers"]
    assert job.inputs["metadata"] == {"name": "airflow-user-openmetadata", "namespace": "airflow",
                                      "labels": {"app.kubernetes.io/managed-by": "om-secrets"}}
    assert container["image"] == "docker.getcollate.io/openmetadata/ingestion:2.0.7"
    assert container["args"] == ["bash", "-c", AIRFLOW_USER_SCRIPT]
    env = {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}
    assert env == {
        "OM_AIRFLOW_USER": "openmetadata", "OM_AIRFLOW_ROLE": "Admin",
        "OM_AIRFLOW_PASSWORD": {"secretKeyRef": {"name": "airflow-secrets", "key": "openmetadata-airflow-password"}},
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": {"secretKeyRef": {"name": "airflow-airflow-metadata", "key": "connection"}},
        "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
    }
    assert "serviceAccountName" not in spec["template"]["spec"]  # it needs no store access: no token
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "runAsNonRoot": True}
    kubernetes_validate.validate({"apiVersion": "batch/v1", "kind": "Job", "metadata": job.plain_inputs["metadata"],
                                  "spec": spec}, "1.33", strict=True)
    assert job.options["dependsOn"]  # after the Secret it reads
