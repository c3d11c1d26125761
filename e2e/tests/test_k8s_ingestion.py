"""`pulumi up` of the k8s-ingestion fixture stack (Kubernetes-native ingestion, OM 1.12+) on a real API server.

The server's ServiceAccount gets, by the API server's own RBAC (SubjectAccessReview), every verb OM's
K8sPipelineClient calls in the pipelines namespace and none of a list it must not have; as that ServiceAccount
(a token the API server issued), a dry-run create of the ConfigMap, Secret, Job and CronJob OM makes for a pipeline,
named and shaped as OM builds them (``K8sPipelineClient.java`` @05a8f83fc2c97bcf43bd885da8eb070bc7335eae), is
accepted, and the ingestion pods' ServiceAccount is refused all of it but reads the store with OM's own reader.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path

import checks
import pytest
import yaml
from cluster import ApiError
from conftest import REPO

from omsecrets.components.access import k8s_rbac

pytestmark = pytest.mark.e2e

FIXTURE = REPO / "tests" / "fixtures" / "stacks" / "Pulumi.k8s-ingestion.yaml"
ALL_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]


def fixture_config() -> dict:
    doc = yaml.safe_load(FIXTURE.read_text())
    return {k.removeprefix("om-secrets:"): v for k, v in doc["config"].items()}


CONFIG = fixture_config()
PIPELINES = CONFIG["ingestion"]["namespace"]
STORE = CONFIG["kubernetes"]["namespace"]
KEYS = f"{STORE}-keys"
SERVER = (CONFIG["server"]["namespace"], CONFIG["server"]["serviceAccount"])
INGESTION = (PIPELINES, CONFIG["ingestion"]["serviceAccount"])


@pytest.fixture(scope="module")
def stack(make_project):
    project = make_project("k8s-ingestion", CONFIG)
    project.up()
    return project


def can(cluster, who: tuple[str, str], verb: str, namespace: str | None, group: str, resource: str) -> bool:
    """SubjectAccessReview of a ServiceAccount on ``resource`` (``pods/log``: a subresource) of ``group``."""
    name, _, sub = resource.partition("/")
    attrs = {"verb": verb, "group": group, "resource": name, "version": "v1"}
    if namespace is not None:
        attrs["namespace"] = namespace
    if sub:
        attrs["subresource"] = sub
    review = cluster.api("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
        "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
        "spec": {"user": f"system:serviceaccount:{who[0]}:{who[1]}",
                 "groups": ["system:serviceaccounts", f"system:serviceaccounts:{who[0]}", "system:authenticated"],
                 "resourceAttributes": attrs}})
    return bool(review["status"].get("allowed"))


def test_every_declared_object_exists_as_declared(cluster, stack):
    n = checks.assert_cluster_matches_declaration(cluster, stack.offline_preview(), stack.state())
    assert n == 19  # 4 namespaces, 2 ServiceAccounts, 3 Roles and 3 RoleBindings, 1 ConfigMap, 6 Secrets
    assert cluster.get(f"/api/v1/namespaces/{PIPELINES}/serviceaccounts/{INGESTION[1]}") is not None


def test_the_server_may_do_every_call_k8s_pipeline_client_makes(cluster, stack):
    calls = k8s_rbac.pipeline_calls(operator=False)
    allowed = {(c.resource, v): can(cluster, SERVER, v, PIPELINES, c.api_group, c.resource) for c in calls for v in c.verbs}
    assert all(allowed.values()), sorted(k for k, ok in allowed.items() if not ok)
    assert len(allowed) == 19  # configmaps 5, secrets 5, jobs 3, cronjobs 4, pods 1, pods/log 1


DENIED_TO_THE_SERVER = [
    # no patch, no watch, no deletecollection anywhere in the pipelines namespace (OM's code calls none)
    *((v, PIPELINES, g, r) for v in ("patch", "watch", "deletecollection")
      for g, r in (("", "configmaps"), ("", "secrets"), ("batch", "jobs"), ("batch", "cronjobs"), ("", "pods"))),
    ("get", PIPELINES, "", "pods"), ("create", PIPELINES, "", "pods"), ("delete", PIPELINES, "", "pods"),
    ("list", PIPELINES, "", "pods/log"), ("create", PIPELINES, "", "pods/exec"), ("list", PIPELINES, "", "events"),
    ("get", PIPELINES, "batch", "jobs"), ("update", PIPELINES, "batch", "jobs"),
    ("list", PIPELINES, "batch", "cronjobs"),
    # the operator's resources: not in Jobs mode
    ("create", PIPELINES, "pipelines.openmetadata.org", "omjobs"), ("get", PIPELINES, "pipelines.openmetadata.org", "cronomjobs"),
    ("create", PIPELINES, "", "serviceaccounts"), ("create", PIPELINES, "rbac.authorization.k8s.io", "rolebindings"),
    # nothing at cluster scope (a 403 on readNamespace only logs a warning in OM)
    ("get", None, "", "namespaces"), ("list", None, "", "secrets"),
    # list on secrets only in the pipelines namespace: never the store's or the keys', nothing in the keys namespace
    ("list", STORE, "", "secrets"), ("watch", STORE, "", "secrets"), ("get", KEYS, "", "secrets"),
    ("list", KEYS, "", "secrets"), ("get", SERVER[0], "", "secrets"), ("list", SERVER[0], "", "secrets"),
    ("get", STORE, "", "configmaps"), ("create", SERVER[0], "batch", "jobs"), ("list", "default", "", "configmaps"),
]


@pytest.mark.parametrize("verb, namespace, group, resource", DENIED_TO_THE_SERVER,
                         ids=[f"{v}-{r}-{n or 'cluster'}" for v, n, g, r in DENIED_TO_THE_SERVER])
def test_the_server_is_denied_what_its_code_never_calls(cluster, stack, verb, namespace, group, resource):
    assert not can(cluster, SERVER, verb, namespace, group, resource)


def test_nobody_else_reads_the_pipelines_namespace(cluster, stack):
    """The ingestion pods' own ServiceAccount reads none of the objects holding the bot token (ConfigMaps, Secrets,
    Job and CronJob specs, pods and their logs) and writes nothing there."""
    for group, resource in (("", "configmaps"), ("", "secrets"), ("batch", "jobs"), ("batch", "cronjobs"), ("", "pods"),
                            ("", "pods/log"), ("pipelines.openmetadata.org", "omjobs")):
        verbs = [v for v in ALL_VERBS if can(cluster, INGESTION, v, PIPELINES, group, resource)]
        assert verbs == [], (resource, verbs)


def test_ingestion_reads_the_store_with_oms_reader_and_only_reads(cluster, stack, om_python, tmp_path):
    assert [v for v in ALL_VERBS if can(cluster, INGESTION, v, STORE, "", "secrets")] == ["get"]
    assert [v for v in ALL_VERBS if can(cluster, INGESTION, v, KEYS, "", "secrets")] == []
    refs = stack.outputs()["secretReferences"]
    ids = [ref.removeprefix("secret:") for ref in refs.values()]
    kubeconfig = cluster.service_account_kubeconfig(*INGESTION, tmp_path / "ingestion.kubeconfig")
    [read], _ = checks.read_with_om(om_python, (kubeconfig, STORE, ids))
    for secret_id in ids:
        stored = checks.decoded_data(cluster.secret(STORE, secret_id))["value"]
        assert read[secret_id]["direct"] == stored and read[secret_id]["connection"] == stored, secret_id


# ---------------------------------------------------------------- what OM creates, as OM names it


def sanitize(name: str) -> str:
    """``K8sPipelineClient.sanitizeName``: lower case, [^a-z0-9-] -> '-', dashes collapsed and trimmed, 53 at most,
    ``p-`` before a name that does not start with a letter or digit."""
    s = re.sub(r"^-+|-+$", "", re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", name.lower())))[:53]
    return s if re.match(r"^[a-z0-9]", s) else f"p-{s}"


PIPELINE = sanitize("MySQL_prod.metadata Ingestion (nightly)")
RUN_ID = str(uuid.uuid4())
LABELS = {"app.kubernetes.io/name": "openmetadata", "app.kubernetes.io/component": "ingestion",
          "app.kubernetes.io/managed-by": "openmetadata", "app.kubernetes.io/pipeline": PIPELINE,
          "app.kubernetes.io/pipeline-type": "metadata"}
WORKFLOW = "source:\n  type: mysql\nworkflowConfig:\n  openMetadataServerConfig:\n    securityConfig:\n      jwtToken: x\n"


def _pod_template(config_env: dict) -> dict:
    extra = [dict(zip(("name", "value"), e.split(":", 1), strict=True)) for e in json.loads(
        stack_extra_env_vars())]
    return {"metadata": {"labels": {**LABELS, "app.kubernetes.io/run-id": RUN_ID}},
            "spec": {"serviceAccountName": INGESTION[1], "restartPolicy": "Never", "terminationGracePeriodSeconds": 60,
                     "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000},
                     "containers": [{"name": "main", "image": CONFIG["ingestion"]["image"], "imagePullPolicy": "IfNotPresent",
                                     "command": ["python", "main.py"],
                                     "env": [{"name": "pipelineType", "value": "metadata"},
                                             {"name": "pipelineRunId", "value": RUN_ID},
                                             {"name": "ingestionPipelineFQN", "value": "mysql_prod.metadata"},
                                             config_env, *extra]}]}}


def stack_extra_env_vars() -> str:
    from omsecrets.components.app_config import pipelines
    from omsecrets.components.settings import from_dict
    return json.dumps(pipelines.extra_env_vars(from_dict(
        {k: v for k, v in CONFIG.items() if ":" not in k}, stack="k8s-ingestion")))


def om_objects() -> dict[str, tuple[str, dict]]:
    """``{kind: (collection path, object)}`` of what ``deployPipeline`` and ``runPipeline`` create for one pipeline."""
    ns = PIPELINES
    job_spec = {"backoffLimit": 3, "activeDeadlineSeconds": 7200, "ttlSecondsAfterFinished": 604800}
    return {
        "ConfigMap": (f"/api/v1/namespaces/{ns}/configmaps", {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": f"om-config-{PIPELINE}", "namespace": ns, "labels": LABELS}, "data": {"config": WORKFLOW}}),
        "Secret": (f"/api/v1/namespaces/{ns}/secrets", {
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": f"om-secret-{PIPELINE}", "namespace": ns, "labels": LABELS},
            "data": {"securityConfig": base64.b64encode(b'{"jwtToken":"x"}').decode()}}),
        "Job": (f"/apis/batch/v1/namespaces/{ns}/jobs", {  # on demand: the workflow config inline
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": f"om-job-{PIPELINE}-{RUN_ID[:8]}", "namespace": ns,
                         "labels": {**LABELS, "app.kubernetes.io/run-id": RUN_ID}},
            "spec": {**job_spec, "template": _pod_template({"name": "config", "value": WORKFLOW})}}),
        "CronJob": (f"/apis/batch/v1/namespaces/{ns}/cronjobs", {  # scheduled: the config from the ConfigMap
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": f"om-cronjob-{PIPELINE}", "namespace": ns, "labels": LABELS},
            "spec": {"schedule": "0 0 * * *", "concurrencyPolicy": "Forbid", "startingDeadlineSeconds": 60,
                     "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3, "suspend": False,
                     "jobTemplate": {"metadata": {"labels": LABELS}, "spec": {**job_spec, "template": _pod_template(
                         {"name": "config", "valueFrom": {"configMapKeyRef": {"name": f"om-config-{PIPELINE}",
                                                                              "key": "config"}}})}}}}),
    }


def test_the_role_accepts_what_om_creates_as_the_servers_service_account(cluster, stack, tmp_path):
    kubeconfig = cluster.service_account_kubeconfig(*SERVER, tmp_path / "server.kubeconfig")
    assert len(f"om-cronjob-{PIPELINE}") <= 63 and PIPELINE == "mysql-prod-metadata-ingestion-nightly"
    for kind, (path, body) in om_objects().items():
        created = json.loads(cluster.raw_as(kubeconfig, "POST", f"{path}?dryRun=All", body))
        assert created["kind"] == kind and created["metadata"]["name"] == body["metadata"]["name"], kind
        assert cluster.get(f"{path}/{body['metadata']['name']}") is None, f"{kind}: a dry run stores nothing"
    # the same objects elsewhere, or patched, are refused
    _, config_map = om_objects()["ConfigMap"]
    with pytest.raises(ApiError) as elsewhere:
        cluster.raw_as(kubeconfig, "POST", f"/api/v1/namespaces/{SERVER[0]}/configmaps?dryRun=All",
                       {**config_map, "metadata": {**config_map["metadata"], "namespace": SERVER[0]}})
    assert elsewhere.value.status == 403


def test_the_ingestion_service_account_cannot_create_or_read_them(cluster, stack, tmp_path):
    kubeconfig = cluster.service_account_kubeconfig(*INGESTION, tmp_path / "ingestion.kubeconfig")
    for kind, (path, body) in om_objects().items():
        with pytest.raises(ApiError) as denied:
            cluster.raw_as(kubeconfig, "POST", f"{path}?dryRun=All", body)
        assert denied.value.status == 403, kind
        with pytest.raises(ApiError) as listed:
            cluster.raw_as(kubeconfig, "GET", path)
        assert listed.value.status == 403, kind


def test_operator_mode_switches_the_role_in_place(cluster, stack):
    """Last (it changes the stack): useOMJobOperator swaps CronJobs for OMJob / CronOMJob in the same Role."""
    roles = "/apis/rbac.authorization.k8s.io/v1/namespaces/" + PIPELINES + "/roles"
    (role,) = [r for r in cluster.api("GET", roles)["items"] if r["metadata"]["name"].endswith("-server-pipelines")]
    stack.set_config({**CONFIG, "ingestion": {**CONFIG["ingestion"], "omJobOperator": True}})
    stack.up()
    after = cluster.api("GET", f"{roles}/{role['metadata']['name']}")
    assert after["metadata"]["uid"] == role["metadata"]["uid"], "the Role was replaced, not updated"
    assert after["rules"] == k8s_rbac.pipeline_server_rules(operator=True)
    for call in k8s_rbac.pipeline_calls(operator=True):
        assert all(can(cluster, SERVER, v, PIPELINES, call.api_group, call.resource) for v in call.verbs), call.resource
    assert not any(can(cluster, SERVER, v, PIPELINES, "batch", "cronjobs") for v in ALL_VERBS)
    assert not can(cluster, SERVER, "patch", PIPELINES, "pipelines.openmetadata.org", "omjobs")
    assert not can(cluster, SERVER, "watch", PIPELINES, "pipelines.openmetadata.org", "cronomjobs")
    checks.assert_cluster_matches_declaration(cluster, stack.offline_preview(), stack.state())


def test_sanitize_matches_oms_rules():
    assert sanitize("__Weird--Name__") == "weird-name"
    assert sanitize("-") == "p-"
    assert len(sanitize("x" * 80)) == 53
    assert Path(FIXTURE).is_file()
