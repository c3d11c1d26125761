"""Kubernetes-native ingestion (issue 26): OM's K8sPipelineClient runs the pipelines in a namespace of their own.

Proven with the one access model (``core.rbac_verbs`` / ``graph.rbac_grants`` / ``graph.secret_access``, what
``preview --graph`` draws) over the fixture stack ``tests/fixtures/stacks/Pulumi.k8s-ingestion.yaml``: the server's
verbs in the pipelines namespace are exactly K8sPipelineClient's calls, ingestion reads the store and nothing else,
and nobody but the server reads anything in the pipelines namespace (ConfigMaps, Secrets, Jobs, pods: the bot token).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from omsecrets import check, graph
from omsecrets.components import core
from omsecrets.components import settings as settings_module
from omsecrets.components.access import k8s_rbac
from tests.support.previews import stack_config, stack_file

ROOT = Path(__file__).resolve().parents[1]
STACK = "k8s-ingestion"
CONFIG = stack_config(STACK)
PIPELINES = CONFIG["ingestion"]["namespace"]
SERVER = f"ServiceAccount {CONFIG['server']['namespace']}/{CONFIG['server']['serviceAccount']}"
INGESTION = f"ServiceAccount {PIPELINES}/{CONFIG['ingestion']['serviceAccount']}"
IMAGE = "docker.getcollate.io/openmetadata/ingestion:1.12.3"
#: What the pipelines namespace holds that carries the bot token or reads it: the workflow config (ConfigMap), the
#: Secret OM writes, Job and CronJob specs (on-demand Jobs carry the config inline), pods (their spec) and their logs.
EXPOSING = [("", "configmaps"), ("", "secrets"), ("batch", "jobs"), ("batch", "cronjobs"), ("", "pods"),
            ("", "pods/log"), (k8s_rbac.OMJOB_GROUP, "omjobs"), (k8s_rbac.OMJOB_GROUP, "cronomjobs")]
READ_VERBS = {"get", "list", "watch"}


def native(extra=None, **ingestion):
    return {"provider": "kubernetes", "kubernetes": {"namespace": "om-store"},
            "ingestion": {"runtime": "kubernetes", "image": IMAGE, **ingestion}, **(extra or {})}


@pytest.fixture
def fixture_stack(previewed):
    return previewed(STACK)


# ---------------------------------------------------------------- the server's Role, by the access model


def test_server_verbs_in_the_pipelines_namespace_are_exactly_k8s_pipeline_clients_calls(fixture_stack):
    for call in k8s_rbac.PIPELINE_CALLS:
        grants = graph.rbac_grants(fixture_stack, PIPELINES, call.api_group, call.resource)
        expected = set(call.verbs) if call.operator is not True else set()
        assert grants.get(SERVER, frozenset()) == expected, call.resource
    # nothing the code does not call: no patch, no watch, no pod exec or create, no events, no namespaces
    for group, resource in [("", "pods/exec"), ("", "events"), ("", "serviceaccounts"), ("apps", "deployments"),
                            ("", "pods/status"), (k8s_rbac.OMJOB_GROUP, "omjobs/status")]:
        assert graph.rbac_grants(fixture_stack, PIPELINES, group, resource) == {}, resource
    for group, resource in EXPOSING:
        assert not graph.rbac_grants(fixture_stack, PIPELINES, group, resource).get(SERVER, set()) & {"patch", "watch"}
    # no grant outside the namespaces om-secrets declares Roles in, and nothing at cluster scope
    assert graph.rbac_grants(fixture_stack, "kube-system", "", "namespaces") == {}
    assert graph.rbac_grants(fixture_stack, "default", "batch", "jobs") == {}


@pytest.mark.parametrize("operator", [False, True])
def test_operator_mode_swaps_cronjobs_for_the_operators_resources(preview_config, operator):
    result = preview_config(native(omJobOperator=operator))
    namespace = "openmetadata-pipelines"
    server = "ServiceAccount openmetadata/openmetadata"
    got = {resource: graph.rbac_grants(result, namespace, group, resource).get(server, frozenset())
           for group, resource in EXPOSING}
    assert got == {
        "configmaps": {"get", "create", "update", "delete", "list"},
        "secrets": {"get", "create", "update", "delete", "list"},
        "jobs": {"create", "list", "delete"},  # automation Jobs stay batch Jobs in operator mode too
        "cronjobs": set() if operator else {"get", "create", "update", "delete"},
        "pods": {"list"},
        "pods/log": {"get"},
        "omjobs": {"create", "list", "delete"} if operator else set(),
        "cronomjobs": {"get", "create", "update", "delete"} if operator else set(),
    }


def test_list_on_the_pipelines_secrets_shows_nothing_the_servers_get_does_not(fixture_stack):
    """The decision behind OMS-K8S-003's one exception, by the access model: the Role gets every Secret there (OM
    names them om-secret-<pipeline> at run time), so with or without list the server reads exactly the same."""
    rules = k8s_rbac.pipeline_server_rules(operator=False)
    without_list = [{**r, "verbs": [v for v in r["verbs"] if v != "list"]} if r["resources"] == ["secrets"] else r
                    for r in rules]
    names = ["om-secret-p-1", "om-secret-nightly-mysql", "any-pull-secret", "om-config-x"]
    assert core.rbac_access(rules, names) == core.rbac_access(without_list, names)
    assert all(kinds == {core.READ, core.WRITE, core.DELETE} for kinds in core.rbac_access(rules, names).values())


# ---------------------------------------------------------------- nobody else reads the pipelines namespace


def test_no_identity_but_the_server_reads_the_pipelines_namespace(fixture_stack):
    """ConfigMaps (the workflow config with the bot JWT), the Secrets OM writes, Job and CronJob specs, pods and
    their logs: only the server reads them. The ingestion pods' own ServiceAccount has no Role there at all."""
    for group, resource in EXPOSING:
        readers = {who for who, verbs in graph.rbac_grants(fixture_stack, PIPELINES, group, resource).items()
                   if verbs & READ_VERBS}
        assert readers <= {SERVER}, (resource, readers)
    assert {who for who, verbs in graph.rbac_grants(fixture_stack, PIPELINES, "", "configmaps").items()
            if verbs & READ_VERBS} == {SERVER}  # not vacuous
    for group, resource in EXPOSING:
        assert INGESTION not in graph.rbac_grants(fixture_stack, PIPELINES, group, resource)


def test_ingestion_reads_the_store_and_nothing_else(fixture_stack):
    """Exactly as the Airflow ingestion identity: get on OM's store namespace (read), no write, no delete, and no
    key copy (those live in the keys namespace, which no Role covers)."""
    access = graph.secret_access(fixture_stack)
    by_urn = {r.urn: r for r in fixture_stack.resources}
    (sa,) = [r for r in fixture_stack.by_type(graph.SERVICE_ACCOUNT)
             if graph.object_metadata(r)["namespace"] == PIPELINES]
    mine = {by_urn[secret].inputs["metadata"]["name"]: kinds for (who, secret), kinds in access.items() if who == sa.urn}
    store = CONFIG["kubernetes"]["namespace"]
    readable = {by_urn[secret].inputs["metadata"]["name"] for (who, secret), kinds in access.items()
                if who == sa.urn and kinds}
    assert mine and all(kinds == {core.READ} for kinds in mine.values()), mine
    assert {by_urn[s].inputs["metadata"]["namespace"] for (w, s), k in access.items() if w == sa.urn and k} == {store}
    assert "openmetadata-database-mysql-pipelines-password" in readable
    assert graph.rbac_grants(fixture_stack, store, "", "secrets")[INGESTION] == {"get"}
    assert graph.rbac_grants(fixture_stack, f"{store}-keys", "", "secrets") == {}


def test_the_fixture_stack_passes_omsecrets_check():
    report = check.check_stack(ROOT, STACK, config_file=str(stack_file(STACK)))
    assert report.error is None
    assert [v.text for v in report.violations] == []


def test_no_airflow_is_declared(fixture_stack):
    """No Airflow ring, shared secrets, delivery objects, values or Jobs: the server alone, with its ring and JWT pair."""
    names = {r.name for r in fixture_stack.resources}
    assert not any("airflow" in n for n in names), sorted(n for n in names if "airflow" in n)
    assert not fixture_stack.by_type(core.AIRFLOW_SECRETS_TYPE)
    assert [r.inputs["application"] for r in fixture_stack.by_type(core.FERNET_RING_TYPE)] == [core.SERVER_APP]
    outputs = fixture_stack.outputs
    assert set(outputs["helmValues"]) == {"openmetadata"} and "airflow" not in outputs
    assert outputs["ingestion"]["namespace"] == PIPELINES
    assert set(outputs["keyCopyReferences"]) == {"fernet-openmetadata", "jwt-openmetadata"}


# ---------------------------------------------------------------- the ingestion pods' identity per cloud

IRSA = {"mode": "irsa", "oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB",
        "oidcIssuer": "oidc.eks.eu-west-1.amazonaws.com/id/AB"}


def _ingestion_sa(result):
    (sa,) = [r for r in result.by_type(graph.SERVICE_ACCOUNT)
             if graph.object_metadata(r)["name"] == "openmetadata-ingestion"]
    return sa


def test_irsa_annotates_the_ingestion_service_account_in_the_pipelines_namespace(preview_config):
    result = preview_config({"provider": "managed-aws", "aws": {"region": "eu-west-1", "identity": IRSA},
                             "ingestion": {"runtime": "kubernetes", "image": IMAGE}}, extra={"aws:region": "eu-west-1"})
    sa = _ingestion_sa(result)
    assert sa.inputs["metadata"]["namespace"] == "openmetadata-pipelines"
    assert "eks.amazonaws.com/role-arn" in sa.inputs["metadata"]["annotations"]
    trusts = [r.inputs["assumeRolePolicy"] for r in result.by_type("aws:iam/role:Role")
              if "openmetadata-pipelines" in str(r.inputs.get("assumeRolePolicy"))]
    assert len(trusts) == 1 and "system:serviceaccount:openmetadata-pipelines:openmetadata-ingestion" in str(trusts[0])


def test_gke_workload_identity_federates_the_ingestion_service_account(preview_config):
    result = preview_config({"provider": "gcp", "gcp": {"project": "acme-data-1", "projectNumber": "123456789012"},
                             "ingestion": {"runtime": "kubernetes", "image": IMAGE}}, extra={"gcp:project": "acme-data-1"})
    sa = _ingestion_sa(result)
    assert sa.inputs["metadata"]["namespace"] == "openmetadata-pipelines"
    # the annotation (iam.gke.io/gcp-service-account: the Google service account's email, the same wiring as with
    # Airflow) has no value offline; the federation binding names the ServiceAccount in the pipelines namespace
    members = {r.inputs["member"] for r in result.by_type("gcp:serviceaccount/iAMMember:IAMMember")}
    assert "serviceAccount:acme-data-1.svc.id.goog[openmetadata-pipelines/openmetadata-ingestion]" in members


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("config, key, words", [
    (native(namespace="openmetadata"), "ingestion.namespace", "is where the OM server runs"),
    (native(image=None), "ingestion.image", "is required with runtime kubernetes"),
    (native(image="docker.getcollate.io/openmetadata/ingestion:latest"), "ingestion.image", "names no version"),
    (native(image="docker.getcollate.io/openmetadata/ingestion"), "ingestion.image", "names no version"),
    (native(loader="airflow"), "ingestion.loader", "runs no Airflow"),
    (native({"airflow": {"version": 2}}), "airflow", "ingestion.runtime kubernetes runs none"),
    (native({"fernet": {"airflow": {"generations": [2, 1]}}}), "fernet.airflow", "runs none"),
    (native({"fernet": {"rotationJob": {"run": True}}}), "fernet.rotationJob", "runs none"),
    (native({"kubernetes": {"namespace": "om-store", "inCluster": False, "kubeconfigPath": "/k"}}),
     "kubernetes.inCluster", "cannot mount a kubeconfig"),
    (native(namespace="om-store"), "kubernetes.namespace", "is also where ingestion runs"),
    ({**native(), "provider": "managed-aws", "kubernetes": None,
      "aws": {"region": "eu-west-1", "identity": {"mode": "access-key"}}}, "aws.identity.mode", "plain text in every pod"),
    ({**native(), "provider": "managed-azure-kv", "kubernetes": None,
      "azure": {"subscriptionId": "00000000-0000-0000-0000-0000000000aa", "tenantId": "00000000-0000-0000-0000-0000000000bb",
                "resourceGroupName": "rg", "location": "westeurope", "vault": {"name": "kv-om"},
                "identity": {"oidcIssuer": "https://oidc.example/x/"}}},
     "ingestion.runtime", "OM cannot set on the pods it creates"),
    ({"provider": "kubernetes", "ingestion": {"image": IMAGE}}, "ingestion.image", "only used with ingestion.runtime"),
    ({"provider": "kubernetes", "ingestion": {"omJobOperator": True}}, "ingestion.omJobOperator", "only used with"),
], ids=["server-namespace", "no-image", "latest", "untagged", "airflow-loader", "airflow-section", "airflow-ring",
        "rotation-job", "kubeconfig", "store-namespace", "access-key", "azure", "image-with-airflow",
        "operator-with-airflow"])
def test_settings_refuse_what_kubernetes_native_ingestion_cannot_do(config, key, words):
    config = {k: v for k, v in config.items() if v is not None}
    if config.get("ingestion", {}).get("image", "x") is None:
        config["ingestion"] = {k: v for k, v in config["ingestion"].items() if k != "image"}
    with pytest.raises(settings_module.ConfigError) as err:
        settings_module.from_dict(config, aws_region="eu-west-1")
    mine = [p for p in err.value.problems if p.startswith(f"om-secrets:{key}:")]
    assert len(mine) == 1 and words in mine[0], err.value.problems


def test_defaults_of_the_kubernetes_runtime():
    s = settings_module.from_dict(native())
    assert (s.ingestion.namespace, s.ingestion.loader, s.ingestion.om_job_operator) == ("openmetadata-pipelines", "env", False)
    assert s.apps == (core.SERVER_APP,)
    assert set(s.key_copies()) == {"fernet-openmetadata", "jwt-openmetadata"}
    assert settings_module.from_dict({"provider": "kubernetes"}).apps == core.APPS  # airflow stays the default
    assert settings_module.from_dict(native(image="registry.local/om/ingestion@sha256:" + "a" * 64)).ingestion.image
