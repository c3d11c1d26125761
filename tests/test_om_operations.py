"""OM's own operations (components.om_operations) as the real program declares them, offline.

Each step's preview holds exactly the Jobs expected (none with the flags off), in OM's server image, under the
server's ServiceAccount, with the server's env and key files byte-equal to what the Helm values give the
server's Deployment (one source: ``app_config.server.server_pod_env`` / ``server_volumes``).
"""

from __future__ import annotations

import copy
import json

import kubernetes_validate
import pytest

from omsecrets import engine
from omsecrets.components import om_operations as ops
from omsecrets.components.app_config.server import server_pod_env, server_volumes
from omsecrets.components.settings import from_dict, with_jwt_key_id
from tests.support.previews import planted_keys, stack_config, stack_file_config

JOB = "kubernetes:batch/v1:Job"
SHIPPED = ("dev", "staging", "prod", "local", "azure", "gcp")
SERVER_2_0 = "docker.getcollate.io/openmetadata/server:2.0.7"
SERVER_2_1 = "docker.getcollate.io/openmetadata/server:2.1.0"


def om_jobs(result: engine.PreviewResult) -> dict[str, engine.CapturedResource]:
    """The OM operation Jobs of a preview, by Kubernetes name."""
    out = {}
    for job in result.by_type(JOB):
        name = job.plain_inputs["metadata"]["name"]
        if ops.parse_job_name(name):
            out[name] = job
    return out


def manifest(job: engine.CapturedResource) -> dict:
    inputs = job.plain_inputs
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": inputs["metadata"], "spec": inputs["spec"]}


def container(job: engine.CapturedResource) -> dict:
    (c,) = job.plain_inputs["spec"]["template"]["spec"]["containers"]
    return c


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True)


def preview(preview_config, stack: str, **changes):
    """``stack``'s shipped (or fixture) config with ``changes`` merged in (one level deep), previewed."""
    config = copy.deepcopy(stack_config(stack))
    for key, value in changes.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    extra = {k: v for k, v in stack_file_config(stack).items() if not k.startswith("om-secrets:")}
    return preview_config(config, extra=extra, stack=stack)


@pytest.mark.parametrize("stack", SHIPPED)
def test_no_om_operation_job_when_no_step_is_asked_for(stack, previewed):
    assert om_jobs(previewed(stack)) == {}


def test_the_server_image_alone_declares_nothing(preview_config):
    assert om_jobs(preview(preview_config, "prod", operations={"image": SERVER_2_0})) == {}


def test_migration_run_declares_exactly_migrate_secrets_as_the_server_runs(preview_config):
    result = preview(preview_config, "prod", operations={"image": SERVER_2_0}, migration={"run": True})
    (name,) = om_jobs(result)
    assert name == "om-migrate-secrets-to-managed-aws"
    job = om_jobs(result)[name]
    m = manifest(job)
    pod = m["spec"]["template"]["spec"]
    c = container(job)
    assert m["metadata"]["namespace"] == "openmetadata" and pod["serviceAccountName"] == "openmetadata"
    assert (c["image"], c["command"], c["args"], c["workingDir"]) == (
        SERVER_2_0, ["/bin/bash"], ["./bootstrap/openmetadata-ops.sh", "migrate-secrets"], "/opt/openmetadata")
    assert c["terminationMessagePolicy"] == "FallbackToLogsOnError"  # a failed up shows the log's tail
    assert c["securityContext"] == {"allowPrivilegeEscalation": False, "runAsNonRoot": True, "runAsUser": 1000}
    assert pod["restartPolicy"] == "Never" and "annotations" not in m["metadata"]
    kubernetes_validate.validate(m, "1.33", strict=True)
    # waits for the delivered config and the server's ServiceAccount; no input is a secret value
    depends = " ".join(job.options.get("dependsOn") or [])
    assert "AppConfigDelivery" in depends and "om-secrets:access:KubernetesAccess" in depends
    assert not any(job.secret_input(k) for k in job.inputs)


@pytest.mark.parametrize("stack, changes", [
    ("prod", {"migration": {"run": True}}),
    ("managed-aws", {"migration": {"run": True}}),  # access-key mode: the server's key pair from its Secret
    ("local", {"jwt": {"botTokens": {"run": True}}}),
    ("dev", {"jwt": {"botTokens": {"run": True}}}),  # kubernetes store: env the chart does not set itself
], ids=["prod-irsa", "managed-aws-access-key", "local-aws", "dev-kubernetes"])
def test_the_jobs_env_and_key_files_are_byte_equal_to_the_servers(stack, changes, preview_config):
    result = preview(preview_config, stack, operations={"image": SERVER_2_1}, **changes)
    jobs = om_jobs(result)
    assert jobs
    outputs = engine.plain(result.outputs)
    values = outputs["helmValues"]["openmetadata"]
    config = copy.deepcopy(stack_config(stack))
    for key, value in changes.items():
        config[key] = {**config.get(key, {}), **value}
    planted = planted_keys(stack)
    config = {k: v for k, v in config.items() if k not in planted}
    deployed = with_jwt_key_id(from_dict({**config, "operations": {"image": SERVER_2_1}}, stack=stack,
                                         aws_region=stack_file_config(stack).get("aws:region"), secret_values=planted),
                               outputs["jwt"]["keyId"])
    expected = server_pod_env(deployed)
    volumes, mounts = server_volumes(deployed)
    for job in jobs.values():
        c = container(job)
        env = c["env"]
        own = [e for e in env if e["name"] not in ops.DEFAULT_SECRET_ENV]
        assert canonical(own) == canonical(expected)  # the one source, in order, byte for byte
        by_name = {e["name"]: canonical(e) for e in env}
        for entry in values["extraEnvs"]:  # what the chart's Deployment gets through extraEnvs
            assert by_name[entry["name"]] == canonical(entry)
        chart_refs = {"FERNET_KEY": values["openmetadata"]["config"]["fernetkey"],
                      "AIRFLOW_PASSWORD": values["openmetadata"]["config"]["pipelineServiceClientConfig"]["airflow"]["auth"]
                      ["password"]}
        params = values["openmetadata"]["config"]["secretsManager"].get("additionalParameters", {})
        for env_name, param in (("OM_SM_ACCESS_KEY_ID", "accessKeyId"), ("OM_SM_ACCESS_KEY", "secretAccessKey")):
            if params.get(param, {}).get("secretRef"):
                chart_refs[env_name] = params[param]
        for env_name, ref in chart_refs.items():
            assert json.loads(by_name[env_name])["valueFrom"] == {
                "secretKeyRef": {"name": ref["secretRef"], "key": ref["secretKey"]}}, env_name
        assert canonical(c.get("volumeMounts", [])) == canonical(values.get("extraVolumeMounts", [])) == canonical(mounts)
        pod = job.plain_inputs["spec"]["template"]["spec"]
        assert canonical(pod.get("volumes", [])) == canonical(values.get("extraVolumes", [])) == canonical(volumes)
        # every Secret key the Job reads from om-secrets' own Secret is one the delivered Secret holds
        delivered = {k for r in result.by_type("kubernetes:core/v1:Secret")
                     if r.plain_inputs["metadata"]["name"] == "openmetadata-secrets"
                     for k in r.plain_inputs.get("stringData") or {}}
        refs = [e["valueFrom"]["secretKeyRef"] for e in env if "valueFrom" in e]
        read = {r["key"] for r in refs if r["name"] == "openmetadata-secrets"}
        assert read and read <= delivered
        assert [e["secretRef"]["name"] for e in c["envFrom"]] == list(ops.CHART_ENV_FROM)
        assert all(e["secretRef"]["optional"] is True for e in c["envFrom"])


def test_after_a_jwt_key_change_om_2_0_redeploys_only(preview_config):
    result = preview(preview_config, "prod", operations={"image": SERVER_2_0}, jwt={"generation": 2, "botTokens": {"run": True}})
    assert sorted(om_jobs(result)) == ["om-deploy-pipelines-jwt-gen-2"]
    assert container(om_jobs(result)["om-deploy-pipelines-jwt-gen-2"])["args"][-1] == "deploy-pipelines"


def test_after_a_jwt_key_change_om_2_1_regenerates_the_bot_tokens_then_redeploys(preview_config):
    result = preview(preview_config, "prod", operations={"image": SERVER_2_1}, jwt={"generation": 2, "botTokens": {"run": True}})
    jobs = om_jobs(result)
    assert sorted(jobs) == ["om-deploy-pipelines-jwt-gen-2", "om-regenerate-bot-tokens-jwt-gen-2"]
    regenerate, deploy = jobs["om-regenerate-bot-tokens-jwt-gen-2"], jobs["om-deploy-pipelines-jwt-gen-2"]
    assert regenerate.urn in deploy.options["dependsOn"]  # OM's key-rotation order: tokens first
    assert deploy.urn not in (regenerate.options.get("dependsOn") or [])
    # an explicit version wins over the image's tag
    pinned = preview(preview_config, "prod", operations={"image": "registry.example/om-server@sha256:" + "a" * 64,
                                                         "omVersion": "2.1.0"}, jwt={"botTokens": {"run": True}})
    assert sorted(om_jobs(pinned)) == ["om-deploy-pipelines-jwt-gen-1", "om-regenerate-bot-tokens-jwt-gen-1"]


def test_both_steps_at_once_run_migrate_secrets_first(preview_config):
    result = preview(preview_config, "prod", operations={"image": SERVER_2_0}, migration={"run": True},
                     jwt={"botTokens": {"run": True}})
    jobs = om_jobs(result)
    assert sorted(jobs) == ["om-deploy-pipelines-jwt-gen-1", "om-migrate-secrets-to-managed-aws"]
    assert jobs["om-migrate-secrets-to-managed-aws"].urn in jobs["om-deploy-pipelines-jwt-gen-1"].options["dependsOn"]


def test_skip_await_is_an_annotation_only_when_asked(preview_config):
    result = preview(preview_config, "prod", operations={"image": SERVER_2_0, "skipAwait": True}, migration={"run": True})
    (job,) = om_jobs(result).values()
    assert job.plain_inputs["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}


@pytest.mark.parametrize("config, problem", [
    ({"provider": "kubernetes", "migration": {"run": True}}, "operations.image: is not set, but migration.run is true"),
    ({"provider": "kubernetes", "migration": {"run": True}, "operations": {"image": "registry.example/om-server:latest"}},
     "operations.omVersion: is not set and the image 'registry.example/om-server:latest' names no version"),
    ({"provider": "db", "migration": {"run": True}, "operations": {"image": SERVER_2_0}},
     "migrate-secrets has nothing to move"),
    ({"provider": "kubernetes", "migration": {"migratedTo": "gcp"}}, "is not this stack's provider 'kubernetes'"),
    ({"provider": "kubernetes", "operations": {"secretEnv": {"DB_USER_PASSWORD": {"secretRef": "x"}}}},
     "expected {secretRef: <Secret name>, secretKey: <key>}"),
    ({"provider": "kubernetes", "operations": {"envFrom": ["Not_A_Name"]}}, "'Not_A_Name' is not a Kubernetes Secret name"),
])
def test_bad_operation_settings_are_config_errors(config, problem):
    from omsecrets.components.settings import ConfigError

    with pytest.raises(ConfigError) as info:
        from_dict(config)
    assert problem in str(info.value)


def test_commands_and_versions():
    assert ops.has_command("regenerate-bot-tokens", (2, 1, 0)) and not ops.has_command("regenerate-bot-tokens", (2, 0, 7))
    assert not ops.has_command("regenerate-bot-tokens", None)  # unknown version: only what every version has
    assert ops.has_command("deploy-pipelines", None) and ops.has_command("migrate-secrets", (1, 11, 2))
    assert ops.jwt_steps((2, 0, 7)) == ("deploy-pipelines",)
    assert ops.jwt_steps((2, 1, 3)) == ("regenerate-bot-tokens", "deploy-pipelines")
    assert ops.image_version(SERVER_2_0) == (2, 0, 7) and ops.image_version("x/server:2.0.7-rc1") == (2, 0, 7)
    assert ops.image_version("x/server:latest") is None and ops.parse_version("2.0.7.1") == (2, 0, 7, 1)


def test_job_names_are_stable_dns_labels_that_round_trip():
    for step in (ops.Step("migrate-secrets", ops.migration_tag("managed-azure-kv")),
                 ops.Step("regenerate-bot-tokens", ops.jwt_tag(12)), ops.Step("deploy-pipelines", ops.jwt_tag(None, True))):
        assert len(step.name) <= 63 and ops.parse_job_name(step.name) == step
    assert ops.parse_job_name("airflow-rotate-fernet-key-gen-2") is None
    with pytest.raises(ValueError):
        ops.job_name("drop-create", "x")


def test_the_readme_version_matrix_claims_exactly_what_ci_tests():
    """The README's tested versions are the ones the contract tests and the Airflow tests run, and .ci/run runs the
    reader contract tests against every version of the matrix (the newest in the main run, the others after it)."""
    from pathlib import Path

    from tests.support import airflow, om_ingestion

    root = Path(__file__).resolve().parents[1]
    readme = root / "README.md"
    text = readme.read_text()
    section = text[text.index("## Versions om-secrets targets and tests"):text.index("## The command line")]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[1:-1]]
            for line in section.splitlines() if line.startswith("| ") and not line.startswith("| component")}
    ingestion = next(v for k, v in rows.items() if "openmetadata-ingestion" in k)
    assert ingestion[1] == f"{om_ingestion.OLDEST} to {om_ingestion.NEWEST}"
    assert ingestion[2] == " and ".join(om_ingestion.MATRIX)
    assert om_ingestion.MATRIX == (om_ingestion.NEWEST, om_ingestion.OLDEST)
    af = next(v for k, v in rows.items() if k.startswith("Airflow"))
    assert af[2] == f"{airflow.AIRFLOW3_VERSION} and {airflow.AIRFLOW_VERSION}"
    ci = (root / ".ci" / "run").read_text()
    assert "MATRIX[1:]" in ci and "OMSECRETS_OM_INGESTION_VERSION" in ci and "tests/test_om_readers.py" in ci
    # the e2e tier's reader venv is the newest of the matrix
    assert f"OM_VERSION={om_ingestion.NEWEST}\n" in (root / "e2e" / "om-ingestion-venv.sh").read_text()
