"""OM's Kubernetes-native pipeline client (``K8sPipelineClient``, OM 1.12+): its server env, openmetadata.yaml
``parameters`` and the openmetadata chart's ``pipelineServiceClientConfig.k8s`` / ``omjobOperator`` values.

Facts (OM ``openmetadata-service/.../clients/pipeline/k8s/``): ``K8sPipelineClientConfig.java``
@2e011e79372b9bbd27ae8905c9c05adbf119350e reads ``parameters.namespace``, ``ingestionImage``,
``serviceAccountName``, ``extraEnvVars`` (a list of ``KEY:VALUE``, split once at the first ``:``);
``K8sPipelineClient.java`` @05a8f83fc2c97bcf43bd885da8eb070bc7335eae reads ``useOMJobOperator`` and
writes every ``extraEnvVars`` entry as a literal ``value`` into the pod spec of every Job, CronJob, OMJob and
automation Job it creates (no ``secretKeyRef``, no volume: OM #32258). The env names are the ones the chart's
``templates/secrets.yaml`` sets (open-metadata/openmetadata-helm-charts @039a208f0b9f2c40f6ce68d87e1e39b1d0819a57,
chart 1.13.1); how OM's own ``conf/openmetadata.yaml`` maps them to ``parameters`` was not read (unverified),
so ``openmetadata_yaml_block`` writes the parameters themselves.
"""

from __future__ import annotations

import json
from typing import Any

from ..settings import NAMESPACE, Settings
from . import validate
from .ingestion import ingestion_env
from .refs import SecretRef

CLASS_NAME = "org.openmetadata.service.clients.pipeline.k8s.K8sPipelineClient"
#: ``pipelineServiceClientConfig.type`` of the openmetadata chart (schema enum airflow | k8s | argoWorkflows).
CHART_TYPE = "k8s"


def extra_env_vars(settings: Settings) -> list[str]:
    """``extraEnvVars``: what OM's ``env`` secrets loader reads in the ingestion pods, as ``KEY:VALUE``.

    Only non-secret values can go here: each becomes plain text in every pod spec OM creates, readable by anyone
    who can read a Job or a pod of the pipelines namespace. Credentials come from workload identity (IRSA, EKS
    Pod Identity, GKE) through the ServiceAccount; settings refuse the modes that would need a secret here."""
    s = validate.check(settings)
    out = []
    for name, value in ingestion_env(s).items():
        if isinstance(value, SecretRef):
            raise ValueError(f"{NAMESPACE}:ingestion.runtime: {name} comes from a Secret ({value.describe()}), but OM "
                             "writes extraEnvVars as plain pod-spec text: it cannot be delivered to the ingestion pods")
        if value:  # an empty value reads as unset
            out.append(f"{name}:{value}")
    return out


def parameters(settings: Settings) -> dict[str, Any]:
    """``pipelineServiceClientConfiguration.parameters`` of conf/openmetadata.yaml (``K8sPipelineClientConfig``)."""
    s = validate.check(settings)
    return {
        "namespace": s.ingestion.namespace,
        "ingestionImage": s.ingestion.image,
        "serviceAccountName": s.ingestion.service_account,
        "extraEnvVars": extra_env_vars(s),
        "useOMJobOperator": s.ingestion.om_job_operator,
    }


def server_env(settings: Settings) -> dict[str, str]:
    """The server env the openmetadata chart sets for ``type: k8s`` (secrets.yaml), those om-secrets decides."""
    s = validate.check(settings)
    return {
        "PIPELINE_SERVICE_CLIENT_CLASS_NAME": CLASS_NAME,
        "SERVER_HOST_API_URL": s.ingestion.host_port,
        "K8S_NAMESPACE": s.ingestion.namespace,
        "K8S_INGESTION_IMAGE": s.ingestion.image or "",
        "K8S_SERVICE_ACCOUNT_NAME": s.ingestion.service_account,
        "K8S_EXTRA_ENV_VARS": json.dumps(extra_env_vars(s)),
        "USE_OMJOB_OPERATOR": "true" if s.ingestion.om_job_operator else "false",
    }


def chart_values(settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(openmetadata.config.pipelineServiceClientConfig, omjobOperator)`` for the openmetadata chart (1.13.x;
    1.12.1's schema refused ``k8s.namespace``, helm-charts #465, so 1.12.2 or newer).

    ``metadataApiEndpoint`` is the server's in-cluster URL: the pods run in another namespace, where the chart's
    default ``http://openmetadata:8585/api`` does not resolve. ``k8s.rbac.enabled: false``: om-secrets declares
    the ingestion ServiceAccount (with the cloud's workload identity annotation) and the server's Role in the
    pipelines namespace; the chart's would bind a broad Role in the release namespace (its ``$namespace``), with
    the server's ServiceAccount annotations copied onto the ingestion one. With the operator, ``watchNamespaces``
    is the pipelines namespace: left empty, the chart gives the operator a ClusterRole reading every Secret of the
    cluster (``templates/omjob-operator-rbac.yaml``)."""
    s = validate.check(settings)
    client = {
        "type": CHART_TYPE,
        "metadataApiEndpoint": s.ingestion.host_port,
        "k8s": {
            "namespace": s.ingestion.namespace,
            "ingestionImage": s.ingestion.image,
            "serviceAccountName": s.ingestion.service_account,
            "extraEnvVars": extra_env_vars(s),
            "useOMJobOperator": s.ingestion.om_job_operator,
            "rbac": {"enabled": False},
        },
    }
    operator: dict[str, Any] = {"enabled": s.ingestion.om_job_operator}
    if s.ingestion.om_job_operator:
        operator["env"] = {"watchNamespaces": s.ingestion.namespace}
    return client, operator
