"""OpenMetadata server configuration: env vars, openmetadata.yaml blocks and openmetadata chart values."""

from __future__ import annotations

import json
from typing import Any

from .. import conventions, core, jwt
from ..settings import Settings
from . import pipelines, restart, validate
from .refs import (
    JWT_KEYS_SECRET,
    JWT_KEYS_VOLUME,
    SERVER_ACCESS_KEY_ID,
    SERVER_AIRFLOW_PASSWORD,
    SERVER_APP,
    SERVER_CLIENT_SECRET,
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
    # the chart reads these only from Secrets (additionalParameters.*.secretRef); they are not secret
    "OM_SM_VAULT_NAME",
    "OM_SM_TENANT_ID",
    "OM_SM_CLIENT_ID",
    "OM_SM_PROJECT_ID",
)
#: Env of the JWT pair the chart sets itself from ``openmetadata.config.jwtTokenConfiguration`` and
#: ``authentication.publicKeys`` (its jwt Secret and secrets.yaml), so not in ``extraEnvs``.
CHART_JWT_ENV = ("RSA_PUBLIC_KEY_FILE_PATH", "RSA_PRIVATE_KEY_FILE_PATH", "JWT_ISSUER", "JWT_KEY_ID",
                 "AUTHENTICATION_PUBLIC_KEYS")
#: Env of the pipeline service client's Airflow credential the chart sets from
#: ``pipelineServiceClientConfig.airflow.auth`` (``_helpers.tpl``), so not in ``extraEnvs``.
CHART_AIRFLOW_ENV = ("AIRFLOW_USERNAME", "AIRFLOW_PASSWORD")
# Providers the chart's values.schema.json accepts in openmetadata.config.secretsManager.provider.
CHART_PROVIDERS = core.CHART_PROVIDERS


def _bool(value: bool) -> str:
    return "true" if value else "false"


def access_key_refs(settings: Settings) -> tuple[SecretRef, SecretRef] | None:
    """The server's (access key id, secret access key) refs in access-key mode, else None."""
    if not validate.uses_access_keys(settings, SERVER_APP):
        return None
    return secret_ref(SERVER_APP, SERVER_ACCESS_KEY_ID), secret_ref(SERVER_APP, SERVER_SECRET_ACCESS_KEY)


def fernet_ref() -> SecretRef:
    return secret_ref(SERVER_APP, SERVER_FERNET_KEY)


def jwt_key_id(settings: Settings) -> str:
    """``JWT_KEY_ID``: ``jwt.keyId`` (the deployed key's thumbprint once known), else ``[unknown]``."""
    return settings.jwt.key_id or core.UNKNOWN_PLACEHOLDER


def public_key_urls(settings: Settings) -> list[str]:
    """``authenticationConfiguration.publicKeyUrls``: the server's own JWKS first, then ``jwt.extraPublicKeyUrls``."""
    own = jwt.jwks_url(settings.ingestion.host_port)
    return [own, *(u for u in settings.jwt.extra_public_key_urls if u != own)]


def jwt_env(settings: Settings) -> dict[str, Value]:
    """The env of OM's ``jwtTokenConfiguration`` and ``publicKeyUrls`` (empty with ``jwt.enabled: false``):
    the key files are mounted from the JWT Secret, never passed as env."""
    s = settings
    if not s.jwt.enabled:
        return {}
    return {
        "RSA_PUBLIC_KEY_FILE_PATH": jwt.PUBLIC_KEY_PATH,
        "RSA_PRIVATE_KEY_FILE_PATH": jwt.PRIVATE_KEY_PATH,
        "JWT_ISSUER": s.jwt.issuer,
        "JWT_KEY_ID": jwt_key_id(s),
        "AUTHENTICATION_PUBLIC_KEYS": json.dumps(public_key_urls(s)),
    }


def airflow_password_ref() -> SecretRef:
    """OM's server's password for Airflow's API, from its own Secret (generated: components.airflow_secrets)."""
    return secret_ref(SERVER_APP, SERVER_AIRFLOW_PASSWORD)


def server_env(settings: Settings) -> dict[str, Value]:
    """Every env var the OM server reads for secrets, Fernet, its JWT pair and the pipeline loader."""
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
    if s.is_azure:
        env["OM_SM_VAULT_NAME"] = s.azure.vault.name
        if validate.uses_client_secret(s, SERVER_APP):  # blank tenant = DefaultAzureCredential (workload identity)
            env["OM_SM_TENANT_ID"] = s.azure.tenant_id
            env["OM_SM_CLIENT_ID"] = s.azure.identity.server_client_id or ""
            env["OM_SM_CLIENT_SECRET"] = secret_ref(SERVER_APP, SERVER_CLIENT_SECRET)
    if s.is_gcp:
        env["OM_SM_PROJECT_ID"] = s.gcp.project
    if s.provider == "kubernetes":
        env["OM_SM_NAMESPACE"] = s.kubernetes.namespace
        env["OM_SM_IN_CLUSTER"] = _bool(s.kubernetes.in_cluster)
        env["OM_SM_KUBECONFIG_PATH"] = s.kubernetes.kubeconfig_path
    env["PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER"] = s.ingestion.loader
    env["OPENMETADATA_CLUSTER_NAME"] = s.cluster_name
    env["FERNET_KEY"] = fernet_ref()
    env.update(jwt_env(s))
    if s.ingestion.kubernetes_native:
        env.update(pipelines.server_env(s))
    else:
        env["AIRFLOW_USERNAME"] = s.airflow.server_user
        env["AIRFLOW_PASSWORD"] = airflow_password_ref()
    return env


def server_pod_env(settings: Settings) -> list[dict[str, Any]]:
    """Every var of :func:`server_env` as a pod ``EnvVar`` (a literal or a ``secretKeyRef``): the one form the
    Helm values' ``extraEnvs`` and the OM operation Jobs take, so both carry byte-equal entries."""
    return [env_var(name, value) for name, value in server_env(settings).items()]


def server_volumes(settings: Settings) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(volumes, volumeMounts)`` of the server's pods: the JWT key files (none with ``jwt.enabled: false``).
    The OM chart's ``extraVolumes``/``extraVolumeMounts`` and the OM operation Jobs mount exactly these."""
    if not settings.jwt.enabled:
        return [], []
    return ([{"name": JWT_KEYS_VOLUME, "secret": {"secretName": JWT_KEYS_SECRET}}],
            [{"name": JWT_KEYS_VOLUME, "mountPath": jwt.MOUNT_DIR, "readOnly": True}])


def _parameters(settings: Settings) -> dict[str, str]:
    s = settings
    if s.is_aws:
        params = {"region": s.aws.region}
        if access_key_refs(s):
            params.update(accessKeyId="${OM_SM_ACCESS_KEY_ID}", secretAccessKey="${OM_SM_ACCESS_KEY}")
        return params
    if s.is_azure:
        params = {"vaultName": s.azure.vault.name}
        if validate.uses_client_secret(s, SERVER_APP):
            params.update(tenantId=s.azure.tenant_id, clientId=s.azure.identity.server_client_id or "",
                          clientSecret="${OM_SM_CLIENT_SECRET}")
        return params
    if s.is_gcp:
        return {"projectId": s.gcp.project}
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
    if s.ingestion.kubernetes_native:
        blocks["pipelineServiceClientConfiguration"] = {
            "className": pipelines.CLASS_NAME,
            "metadataApiEndpoint": s.ingestion.host_port,
            "secretsManagerLoader": s.ingestion.loader,
            "parameters": pipelines.parameters(s),
        }
    else:
        blocks["pipelineServiceClientConfiguration"] = {
            "secretsManagerLoader": s.ingestion.loader,
            "parameters": {"username": s.airflow.server_user, "password": "${AIRFLOW_PASSWORD}"},
        }
    if s.jwt.enabled:
        blocks["jwtTokenConfiguration"] = {
            "rsapublicKeyFilePath": jwt.PUBLIC_KEY_PATH,
            "rsaprivateKeyFilePath": jwt.PRIVATE_KEY_PATH,
            "jwtissuer": s.jwt.issuer,
            "keyId": jwt_key_id(s),
        }
        # OM stores authenticationConfiguration in its database at first boot and reads it from there
        # afterwards: merge this key into yours before that boot (README: JWT signing keys).
        blocks["authenticationConfiguration"] = {"publicKeyUrls": public_key_urls(s)}
    return blocks


def _chart_secrets_manager(settings: Settings) -> dict[str, Any]:
    s = settings
    if s.provider not in CHART_PROVIDERS:  # kubernetes: configured through extraEnvs instead
        return {"enabled": False}
    params: dict[str, Any] = {"enabled": s.is_aws or validate.uses_client_secret(s, SERVER_APP)}
    if validate.uses_client_secret(s, SERVER_APP):  # the only Azure parameter that is secret; the rest via extraEnvs
        params["clientSecret"] = secret_ref(SERVER_APP, SERVER_CLIENT_SECRET).helm()
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
    env = {e["name"]: e for e in server_pod_env(settings)}
    names = list(CHART_MISSING_ENV)
    if settings.provider not in CHART_PROVIDERS:
        names = ["SECRET_MANAGER", "SECRET_MANAGER_PREFIX", "SECRET_MANAGER_TAGS", *names]
    return [env[n] for n in names if n in env]


def openmetadata_helm_values(settings: Settings) -> dict[str, Any]:
    """Values for open-metadata/openmetadata-helm-charts ``charts/openmetadata``.

    Fernet and AWS credentials are ``{secretRef, secretKey}`` pairs; the chart's public default
    Fernet ``value`` is blanked. The chart's schema has no ``kubernetes`` provider, so that one is
    set through ``extraEnvs`` with ``secretsManager.enabled: false``; the Azure/GCP parameters
    that are not secret too (the chart reads them only from Secrets). om-secrets creates the
    ServiceAccount (with its IRSA / workload identity annotation), so the chart only uses it by name.
    The pipeline client's Airflow password is a secretRef too; ``podAnnotations`` carries the digest of
    the identities of the secrets the server reads (the pods roll on ``helm upgrade`` when one is replaced).
    """
    s = validate.check(settings)
    fernet = fernet_ref()
    if s.ingestion.kubernetes_native:
        client, operator = pipelines.chart_values(s)
    else:
        client, operator = {"airflow": {"auth": {
            "username": s.airflow.server_user, "password": airflow_password_ref().helm()}}}, None
    values: dict[str, Any] = {
        "openmetadata": {
            "config": {
                "clusterName": s.cluster_name,
                "fernetkey": {"value": "", **fernet.helm()},
                "secretsManager": _chart_secrets_manager(s),
                "pipelineServiceClientConfig": client,
            }
        },
        "serviceAccount": {"create": False, "name": s.server.service_account},
        "extraEnvs": _chart_extra_env(s),
        "podAnnotations": {restart.ANNOTATION: restart.digest(s, SERVER_APP)},
    }
    if operator is not None:
        values["omjobOperator"] = operator
    if s.jwt.enabled:
        config = values["openmetadata"]["config"]
        config["jwtTokenConfiguration"] = {
            "enabled": True,
            "rsapublicKeyFilePath": jwt.PUBLIC_KEY_PATH,
            "rsaprivateKeyFilePath": jwt.PRIVATE_KEY_PATH,
            "jwtissuer": s.jwt.issuer,
            "keyId": jwt_key_id(s),
        }
        config["authentication"] = {"publicKeys": public_key_urls(s)}
        # The chart mounts these into the server and its cron jobs (deploy-pipelines, reindex) alike.
        values["extraVolumes"], values["extraVolumeMounts"] = server_volumes(s)
    labels = pod_labels(s, SERVER_APP)
    if labels:  # the chart sets pod labels only through commonLabels
        values["commonLabels"] = labels
    return values


def pod_labels(settings: Settings, app: str) -> dict[str, str]:
    """Labels ``app``'s pods need: ``azure.workload.identity/use`` with AKS workload identity (for an app
    that reads the vault: not the server on ``azure-kv``)."""
    if (settings.is_azure and settings.azure.identity.mode == core.AZURE_WORKLOAD_IDENTITY
            and validate.reads_store(settings, app)):
        return {"azure.workload.identity/use": "true"}
    return {}
