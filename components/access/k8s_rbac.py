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

    def __post_init__(self) -> None:
        for ns in (self.secrets_namespace, self.server_namespace, self.ingestion_namespace):
            _check(ns, "namespace", is_dns_label)
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
        self.server_service_account = names["server_service_account"]
        self.ingestion_service_account = names["ingestion_service_account"]
        self.server_role_name = names["server_role_name"]
        self.ingestion_role_name = names["ingestion_role_name"]
        self.register_outputs(core.wire_outputs(names))
