"""Kubernetes service accounts and namespaced RBAC for OM's ``kubernetes`` secrets provider."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from .. import core
from ..conventions import is_dns_label, is_dns_subdomain
from ..settings import default

IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"


#: The verbs OM uses, in rule order, and the access each needs: KubernetesSecretsManager.java
#: create/read/replace(=update)/delete NamespacedSecret; ingestion read_namespaced_secret only.
OM_VERBS: tuple[tuple[str, str], ...] = (
    ("create", core.WRITE), ("get", core.READ), ("update", core.WRITE), ("delete", core.DELETE)
)


def role_rules(access: frozenset[str]) -> list[dict[str, Any]]:
    """The one Secret rule granting ``access``, proven with ``core.rbac_access``."""
    rules = [{"apiGroups": [""], "resources": ["secrets"], "verbs": [v for v, kind in OM_VERBS if kind in access]}]
    if core.rbac_access(rules, ["x"])["x"] != access:
        raise AssertionError(f"rules {rules} do not grant exactly {set(access)}")
    return rules


def server_role_rules() -> list[dict[str, Any]]:
    """OM server (the ``kubernetes`` provider is managed): read, write and delete."""
    return role_rules(core.required_access(core.SERVER, "kubernetes"))


def ingestion_role_rules() -> list[dict[str, Any]]:
    """Ingestion: read only."""
    return role_rules(core.required_access(core.INGESTION, "kubernetes"))


# ---------------------------------------------------------------- Kubernetes-native ingestion

#: The group of OM's OMJob operator's custom resources (``pipelines.openmetadata.org/v1``).
OMJOB_GROUP = "pipelines.openmetadata.org"


@dataclass(frozen=True)
class PipelineCall:
    """What OM's K8sPipelineClient does to one resource of its pipelines namespace, and where in its code."""

    api_group: str
    resource: str
    verbs: tuple[str, ...]
    why: str
    operator: Optional[bool] = None  # True: only with the OMJob operator, False: only without it, None: always


#: Every Kubernetes API call of ``K8sPipelineClient`` (OM ``openmetadata-service/.../clients/pipeline/k8s/
#: K8sPipelineClient.java`` @05a8f83fc2c97bcf43bd885da8eb070bc7335eae), all in ``parameters.namespace``. No
#: patch and no watch anywhere; ``readNamespace`` (cluster scope) at startup only logs a 403
#: (``validateNamespaceExists``: only a 404 is fatal), so the server gets no namespaces grant.
PIPELINE_CALLS: tuple[PipelineCall, ...] = (
    PipelineCall("", "configmaps", ("get", "create", "update", "delete", "list"),
                 "createOrUpdateConfigMap (read, replace, create), deleteConfigMapIfExists; list: "
                 "getServiceStatusInternal (limit 1)"),
    PipelineCall("", "secrets", ("get", "create", "update", "delete", "list"),
                 "createOrUpdateSecret, deleteSecretIfExists; list: getServiceStatusInternal (limit 1), which "
                 "reports the client unhealthy without it"),
    PipelineCall("batch", "jobs", ("create", "list", "delete"),
                 "runPipeline, runAutomationsWorkflow, runApplicationFlow (create); deleteJobsForPipeline, "
                 "killIngestion, getQueuedPipelineStatusInternal, getServiceStatusInternal (list); delete"),
    PipelineCall("batch", "cronjobs", ("get", "create", "update", "delete"),
                 "createOrUpdateCronJob, toggleIngestion (read, replace), deleteCronJobIfExists", operator=False),
    PipelineCall("", "pods", ("list",), "getLastIngestionLogs (by label), getServiceStatusInternal (limit 1)"),
    PipelineCall("", "pods/log", ("get",), "getLastIngestionLogs: readNamespacedPodLog, container main"),
    PipelineCall(OMJOB_GROUP, "omjobs", ("create", "list", "delete"),
                 "runPipeline, runApplicationFlow (create); killIngestion (list by label, delete)", operator=True),
    PipelineCall(OMJOB_GROUP, "cronomjobs", ("get", "create", "update", "delete"),
                 "createOrUpdateCronOMJob, toggleIngestion (get, replace), deleteCronOMJobIfExists", operator=True),
)


def pipeline_calls(operator: bool) -> tuple[PipelineCall, ...]:
    """The calls K8sPipelineClient makes with ``useOMJobOperator`` = ``operator``."""
    return tuple(c for c in PIPELINE_CALLS if c.operator is None or c.operator == operator)


def pipeline_server_rules(operator: bool) -> list[dict[str, Any]]:
    """The OM server's Role in the pipelines namespace: exactly the verbs K8sPipelineClient calls, one rule per
    resource, checked with the access model (``core.rbac_verbs``). ``list`` on secrets is there because OM's health
    check lists one (without it OM reports the client unhealthy and its UI disables test connection), and it adds
    nothing to read: the same Role's ``get`` reaches every Secret of the namespace (OM names them per pipeline at
    run time, so ``resourceNames`` cannot pin them), and the namespace holds only what the server writes."""
    rules = [{"apiGroups": [c.api_group], "resources": [c.resource], "verbs": list(c.verbs)}
             for c in pipeline_calls(operator)]
    for c in PIPELINE_CALLS:
        wanted = frozenset(c.verbs) if c in pipeline_calls(operator) else frozenset()
        if core.rbac_verbs(rules, c.api_group, c.resource) != wanted:
            raise AssertionError(f"rules {rules} do not grant exactly {sorted(wanted)} on {c.resource}")
    return rules


def _check(value: str, what: str, valid: Callable[[str], bool] = is_dns_subdomain) -> str:
    if not valid(value):
        raise ValueError(f"{what} {value!r} is not a valid Kubernetes name")
    return value


def _metadata(name: str, namespace: str, labels: Optional[dict[str, str]]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": _check(name, "name"),
        "namespace": _check(namespace, "namespace", is_dns_label),
    }
    if labels:
        meta["labels"] = dict(labels)
    return meta


def service_account_manifest(
    name: str, namespace: str, *, role_arn: Optional[str] = None, labels: Optional[dict[str, str]] = None
) -> dict[str, Any]:
    """ServiceAccount; ``role_arn`` adds the IRSA annotation. Token automount stays on (OM needs it in-cluster)."""
    meta = _metadata(name, namespace, labels)
    if role_arn:
        meta["annotations"] = {IRSA_ANNOTATION: role_arn}
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}


def role_manifest(
    name: str, namespace: str, rules: list[dict[str, Any]], *, labels: Optional[dict[str, str]] = None
) -> dict[str, Any]:
    """Namespaced Role with the given rules."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": _metadata(name, namespace, labels),
        "rules": rules,
    }


def role_binding_manifest(
    name: str,
    namespace: str,
    role_name: str,
    *,
    subject_namespace: str,
    subject_service_account: str,
    labels: Optional[dict[str, str]] = None,
) -> dict[str, Any]:
    """RoleBinding in ``namespace`` for one service account, which may live in another namespace."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": _metadata(name, namespace, labels),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": _check(role_name, "role")},
        "subjects": [
            {
                "kind": "ServiceAccount",
                "name": _check(subject_service_account, "service account"),
                "namespace": _check(subject_namespace, "namespace", is_dns_label),
            }
        ],
    }


@dataclass(frozen=True)
class KubernetesAccessArgs:
    """Inputs of :class:`KubernetesAccess`."""

    secrets_namespace: str
    """Namespace OM stores secrets in (OM ``namespace`` parameter); keep it dedicated to OM secrets."""
    server_namespace: str = default("server.namespace")
    """Namespace of the OM server pods."""
    server_service_account: str = default("server.serviceAccount")
    """Service account of the OM server pods."""
    ingestion_namespace: str = default("server.namespace")
    """Namespace of the ingestion (Airflow) pods."""
    ingestion_service_account: str = default("ingestion.serviceAccount")
    """Service account of the ingestion (Airflow) pods."""
    grant_secrets_rbac: bool = False
    """Create Roles/RoleBindings on Secrets: True only for the ``kubernetes`` provider."""
    server_role_arn: Optional[pulumi.Input[str]] = None
    """IAM role annotated on the server service account (IRSA)."""
    ingestion_role_arn: Optional[pulumi.Input[str]] = None
    """IAM role annotated on the ingestion service account (IRSA)."""
    server_annotations: Optional[dict[str, pulumi.Input[str]]] = None
    """More ServiceAccount annotations (AKS/GKE workload identity) for the server."""
    ingestion_annotations: Optional[dict[str, pulumi.Input[str]]] = None
    """More ServiceAccount annotations (AKS/GKE workload identity) for ingestion."""
    labels: dict[str, str] = field(default_factory=dict)
    """Labels for every object."""
    pipelines_namespace: Optional[str] = None
    """Kubernetes-native ingestion: the namespace where OM's K8sPipelineClient works (the ingestion namespace);
    the server gets ``pipeline_server_rules`` there. None: ingestion runs in Airflow."""
    om_job_operator: bool = False
    """Kubernetes-native ingestion through OM's OMJob operator (OMJob / CronOMJob instead of Job / CronJob)."""

    def __post_init__(self) -> None:
        for ns in (self.secrets_namespace, self.server_namespace, self.ingestion_namespace):
            _check(ns, "namespace", is_dns_label)
        if self.pipelines_namespace is not None:
            _check(self.pipelines_namespace, "namespace", is_dns_label)
            if self.pipelines_namespace in (self.server_namespace, self.secrets_namespace):
                raise ValueError(f"the pipelines namespace {self.pipelines_namespace!r} must be OM's pipelines' alone, "
                                 "not the server's or the store's: the server's Role there lists Secrets")
            if self.pipelines_namespace != self.ingestion_namespace:
                raise ValueError("the ingestion pods run in the pipelines namespace: ingestion_namespace "
                                 f"{self.ingestion_namespace!r} must be {self.pipelines_namespace!r}")
        elif self.om_job_operator:
            raise ValueError("om_job_operator needs a pipelines_namespace (Kubernetes-native ingestion)")
        for sa in (self.server_service_account, self.ingestion_service_account):
            _check(sa, "service account")
        if (self.server_namespace, self.server_service_account) == (
            self.ingestion_namespace,
            self.ingestion_service_account,
        ):
            raise ValueError("server and ingestion must use distinct service accounts (least privilege)")


class KubernetesAccess(pulumi.ComponentResource):
    """Service accounts for server and ingestion, plus Secret RBAC in the secrets namespace when asked."""

    TYPE = core.KUBERNETES_ACCESS_TYPE

    def __init__(self, name: str, args: KubernetesAccessArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(self.TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        names: dict[str, Optional[pulumi.Output[str]]] = {}
        identities = (
            ("server", args.server_namespace, args.server_service_account, args.server_role_arn, server_role_rules,
             args.server_annotations),
            ("ingestion", args.ingestion_namespace, args.ingestion_service_account, args.ingestion_role_arn,
             ingestion_role_rules, args.ingestion_annotations),
        )
        for kind, namespace, sa_name, role_arn, rules, sa_annotations in identities:
            sa_manifest = service_account_manifest(sa_name, namespace, labels=args.labels)
            metadata = dict(sa_manifest["metadata"])
            if role_arn is not None:
                metadata["annotations"] = {IRSA_ANNOTATION: role_arn}
            if sa_annotations:
                metadata["annotations"] = {**metadata.get("annotations", {}), **sa_annotations}
            sa = k8s.core.v1.ServiceAccount(f"{name}-{kind}", metadata=metadata, opts=child)
            names[f"{kind}_service_account"] = sa.metadata.name
            names[f"{kind}_role_name"] = None
            if args.grant_secrets_rbac:
                role_name = f"{name}-{kind}"
                role = role_manifest(role_name, args.secrets_namespace, rules(), labels=args.labels)
                k8s.rbac.v1.Role(role_name, metadata=role["metadata"], rules=role["rules"], opts=child)
                binding = role_binding_manifest(
                    role_name, args.secrets_namespace, role_name,
                    subject_namespace=namespace, subject_service_account=sa_name, labels=args.labels,
                )
                k8s.rbac.v1.RoleBinding(
                    role_name,
                    metadata=binding["metadata"],
                    role_ref=binding["roleRef"],
                    subjects=binding["subjects"],
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[sa]),
                )
                names[f"{kind}_role_name"] = pulumi.Output.from_input(role_name)
            if kind == "server":
                server_sa = sa
        names["pipelines_role_name"] = None
        if args.pipelines_namespace is not None:
            role_name = f"{name}-server-pipelines"
            role = role_manifest(role_name, args.pipelines_namespace, pipeline_server_rules(args.om_job_operator),
                                 labels=args.labels)
            k8s.rbac.v1.Role(role_name, metadata=role["metadata"], rules=role["rules"], opts=child)
            binding = role_binding_manifest(role_name, args.pipelines_namespace, role_name,
                                            subject_namespace=args.server_namespace,
                                            subject_service_account=args.server_service_account, labels=args.labels)
            k8s.rbac.v1.RoleBinding(role_name, metadata=binding["metadata"], role_ref=binding["roleRef"],
                                    subjects=binding["subjects"],
                                    opts=pulumi.ResourceOptions(parent=self, depends_on=[server_sa]))
            names["pipelines_role_name"] = pulumi.Output.from_input(role_name)
        self.server_service_account = names["server_service_account"]
        self.ingestion_service_account = names["ingestion_service_account"]
        self.server_role_name = names["server_role_name"]
        self.ingestion_role_name = names["ingestion_role_name"]
        self.pipelines_role_name = names["pipelines_role_name"]
        self.register_outputs(core.wire_outputs(names))
