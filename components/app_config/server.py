"""OpenMetadata server configuration: env vars, openmetadata.yaml blocks and openmetadata chart values."""

from __future__ import annotations

from typing import Any

from .. import conventions, core
from ..settings import Settings
from . import validate
from .refs import (
    SERVER_ACCESS_KEY_ID,
    SERVER_APP,
    SERVER_FERNET_KEY,
    SERVER_SECRET_ACCESS_KEY,
    SecretRef,
    Value,
    env_var,
    secret_ref,
)

# Env vars the openmetadata chart does not set from its own values (charts/openmetadata, secrets.yaml).
CHART_MISSING_ENV = (
    "PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER",
    "OM_SM_NAMESPACE",
    "OM_SM_IN_CLUSTER",
    "OM_SM_KUBECONFIG_PATH",
)
# Providers the chart's values.schema.json accepts in openmetadata.config.secretsManager.provider.
CHART_PROVIDERS = core.CHART_PROVIDERS


def _bool(value: bool) -> str:
    return "true" if value else "false"


def access_key_refs(settings: Settings) -> tuple[SecretRef, SecretRef] | None:
    """The server's (access key id, secret access key) refs in access-key mode, else None."""
    if not validate.uses_access_keys(settings):
        return None
    return secret_ref(SERVER_APP, SERVER_ACCESS_KEY_ID), secret_ref(SERVER_APP, SERVER_SECRET_ACCESS_KEY)


def fernet_ref() -> SecretRef:
    return secret_ref(SERVER_APP, SERVER_FERNET_KEY)


def server_env(settings: Settings) -> dict[str, Value]:
    """Every env var the OM server reads for secrets, Fernet and the pipeline loader."""
    s = validate.check(settings)
    env: dict[str, Value] = {"SECRET_MANAGER": s.provider}
    if s.uses_store:
        env["SECRET_MANAGER_PREFIX"] = s.prefix
        env["SECRET_MANAGER_TAGS"] = conventions.format_tags(s.tags)
    if s.is_aws:
        env["OM_SM_REGION"] = s.aws.region
        keys = access_key_refs(s)
        if keys:
            env["OM_SM_ACCESS_KEY_ID"], env["OM_SM_ACCESS_KEY"] = keys
    if s.provider == "kubernetes":
        env["OM_SM_NAMESPACE"] = s.kubernetes.namespace
        env["OM_SM_IN_CLUSTER"] = _bool(s.kubernetes.in_cluster)
        env["OM_SM_KUBECONFIG_PATH"] = s.kubernetes.kubeconfig_path
    env["PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER"] = s.ingestion.loader
    env["OPENMETADATA_CLUSTER_NAME"] = s.cluster_name
    env["FERNET_KEY"] = fernet_ref()
    return env


def _parameters(settings: Settings) -> dict[str, str]:
    s = settings
    if s.is_aws:
        params = {"region": s.aws.region}
        if access_key_refs(s):
            params.update(accessKeyId="${OM_SM_ACCESS_KEY_ID}", secretAccessKey="${OM_SM_ACCESS_KEY}")
        return params
    if s.provider == "kubernetes":
        return {
            "namespace": s.kubernetes.namespace,
            "inCluster": _bool(s.kubernetes.in_cluster),
            "kubeconfigPath": s.kubernetes.kubeconfig_path,
        }
    return {}


def openmetadata_yaml_blocks(settings: Settings) -> dict[str, Any]:
    """The conf/openmetadata.yaml blocks om-secrets owns; secrets are ``${ENV}`` references."""
    s = validate.check(settings)
    blocks: dict[str, Any] = {
        "clusterName": s.cluster_name,
        "fernetConfiguration": {"fernetKey": "${FERNET_KEY}"},
    }
    if s.uses_store:
        blocks["secretsManagerConfiguration"] = {
            "secretsManager": s.provider,
            "prefix": s.prefix,
            "tags": [f"{k}:{v}" for k, v in sorted(s.tags.items())],
            "parameters": _parameters(s),
        }
    blocks["pipelineServiceClientConfiguration"] = {"secretsManagerLoader": s.ingestion.loader}
    return blocks


def _chart_secrets_manager(settings: Settings) -> dict[str, Any]:
    s = settings
    if s.provider not in CHART_PROVIDERS:  # kubernetes: configured through extraEnvs instead
        return {"enabled": False}
    params: dict[str, Any] = {"enabled": s.is_aws}
    if s.is_aws:
        params["region"] = s.aws.region
        keys = access_key_refs(s)
        blank = {"secretRef": "", "secretKey": ""}
        params["accessKeyId"] = keys[0].helm() if keys else dict(blank)
        params["secretAccessKey"] = keys[1].helm() if keys else dict(blank)
    return {
        "enabled": True,
        "provider": s.provider,
        "prefix": s.prefix,
        "tags": [f"{k}:{v}" for k, v in sorted(s.tags.items())],
        "additionalParameters": params,
    }


def _chart_extra_env(settings: Settings) -> list[dict[str, Any]]:
    env = server_env(settings)
    names = list(CHART_MISSING_ENV)
    if settings.provider not in CHART_PROVIDERS:
        names = ["SECRET_MANAGER", "SECRET_MANAGER_PREFIX", "SECRET_MANAGER_TAGS", *names]
    return [env_var(n, env[n]) for n in names if n in env]


def openmetadata_helm_values(settings: Settings) -> dict[str, Any]:
    """Values for open-metadata/openmetadata-helm-charts ``charts/openmetadata``.

    Fernet and AWS credentials are ``{secretRef, secretKey}`` pairs; the chart's public default
    Fernet ``value`` is blanked. The chart's schema has no ``kubernetes`` provider, so that one is
    set through ``extraEnvs`` with ``secretsManager.enabled: false``. om-secrets creates the
    ServiceAccount (with its IRSA annotation), so the chart only uses it by name.
    """
    s = validate.check(settings)
    fernet = fernet_ref()
    return {
        "openmetadata": {
            "config": {
                "clusterName": s.cluster_name,
                "fernetkey": {"value": "", **fernet.helm()},
                "secretsManager": _chart_secrets_manager(s),
            }
        },
        "serviceAccount": {"create": False, "name": s.server.service_account},
        "extraEnvs": _chart_extra_env(s),
    }
