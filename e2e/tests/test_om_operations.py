"""OM's own operations (components.om_operations) with the real engine: the Jobs land in the API server under the
server's ServiceAccount, running the intended ops command, and go again when the step is done.

No Job controller runs here (a bare kube-apiserver), so nothing would ever complete a Job and ``pulumi up`` would
wait out its timeout: the stack sets ``operations.skipAwait`` (the ``pulumi.com/skipAwait`` annotation), which the
lifecycle guard then takes as no evidence of completion.
"""

from __future__ import annotations

import pytest
from conftest import stack_config

pytestmark = pytest.mark.e2e

SERVER_IMAGE = "docker.getcollate.io/openmetadata/server:2.1.0"  # 2.1: both bot-token steps exist
STEPS = {
    "om-migrate-secrets-to-kubernetes": "migrate-secrets",
    "om-regenerate-bot-tokens-jwt-gen-1": "regenerate-bot-tokens",
    "om-deploy-pipelines-jwt-gen-1": "deploy-pipelines",
}


def _job(cluster, namespace: str, name: str) -> dict | None:
    return cluster.get(f"/apis/batch/v1/namespaces/{namespace}/jobs/{name}")


def _env(env: list[dict], kid: str) -> list[dict]:
    out = []
    for e in env:
        e = dict(e)
        if "valueFrom" not in e:
            e["value"] = kid if e["name"] == "JWT_KEY_ID" else e.get("value", "")
        out.append(e)
    return out


def test_the_jobs_run_the_ops_commands_as_the_server_and_go_when_done(cluster, make_project):
    config = stack_config("dev")
    config["operations"] = {"image": SERVER_IMAGE, "skipAwait": True}
    config["migration"] = {"run": True}
    config["jwt"] = {"botTokens": {"run": True}}
    namespace, account = config["server"]["namespace"], config["server"]["serviceAccount"]
    p = make_project("ops", config)
    p.up()
    kid = p.outputs()["jwt"]["keyId"]

    declared = {r["inputs"]["metadata"]["name"]: r for r in p.offline_preview()["resources"]
                if r["type"] == "kubernetes:batch/v1:Job"}
    assert set(STEPS) <= set(declared)
    for name, command in STEPS.items():
        job = _job(cluster, namespace, name)
        assert job is not None, f"Job {name} is not in the API server"
        pod = job["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        # what the kubelet would run: /bin/bash ./bootstrap/openmetadata-ops.sh <command> in OM's home
        assert [*container["command"], *container["args"]] == ["/bin/bash", "./bootstrap/openmetadata-ops.sh", command]
        assert container["workingDir"] == "/opt/openmetadata" and container["image"] == SERVER_IMAGE
        assert pod["serviceAccountName"] == account and job["metadata"]["namespace"] == namespace
        assert job["metadata"]["annotations"]["pulumi.com/skipAwait"] == "true"
        assert container["terminationMessagePolicy"] == "FallbackToLogsOnError"
        # the env the API server stored is the env the offline program declares (the server's, one source); the
        # API server drops empty values, and the kid is the real key's (the offline engine makes a stand-in key)
        want = declared[name]["inputs"]["spec"]["template"]["spec"]["containers"][0]["env"]
        assert _env(container["env"], kid) == _env(want, kid)
        assert {e["name"]: e.get("value") for e in container["env"]}["JWT_KEY_ID"] == kid
        assert {e["name"] for e in container["env"]} >= {"SECRET_MANAGER", "FERNET_KEY", "OM_SM_NAMESPACE", "JWT_KEY_ID"}

    # the ServiceAccount the Jobs run as exists and has exactly the server's store access
    assert cluster.get(f"/api/v1/namespaces/{namespace}/serviceaccounts/{account}") is not None
    store = config["kubernetes"]["namespace"]
    for verb in ("create", "get", "update", "delete"):
        assert cluster.service_account_can(namespace, account, verb, store), verb
    assert not cluster.service_account_can(namespace, account, "list", store)

    # steps done: the flags go, and so do the Jobs
    config["migration"] = {"migratedTo": "kubernetes"}
    config["jwt"] = {}
    p.set_config(config)
    p.up()
    for name in STEPS:
        assert _job(cluster, namespace, name) is None, f"Job {name} is still declared"
