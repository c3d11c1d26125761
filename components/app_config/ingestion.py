"""Env vars the OM ingestion ``env`` loader reads (standalone ingestion, or Airflow with loader ``env``)."""

from __future__ import annotations

from ..settings import Settings
from . import validate
from .refs import (
    AIRFLOW_ACCESS_KEY_ID,
    AIRFLOW_APP,
    AIRFLOW_SECRET_ACCESS_KEY,
    INGESTION_CLIENT_SECRET,
    Value,
    secret_ref,
)


def ingestion_env(settings: Settings) -> dict[str, Value]:
    """``AWS_DEFAULT_REGION`` (+ the boto3 access key pair in access-key mode), ``AZURE_KEY_VAULT_NAME``
    (+ ``AZURE_TENANT_ID``/``AZURE_CLIENT_ID``/``AZURE_CLIENT_SECRET`` in client-secret mode),
    ``GOOGLE_CLOUD_PROJECT`` or ``KUBERNETES_*``."""
    s = validate.check(settings)
    env: dict[str, Value] = {}
    if s.is_aws:
        env["AWS_DEFAULT_REGION"] = s.aws.region
        if validate.uses_access_keys(s):
            env["AWS_ACCESS_KEY_ID"] = secret_ref(AIRFLOW_APP, AIRFLOW_ACCESS_KEY_ID)
            env["AWS_SECRET_ACCESS_KEY"] = secret_ref(AIRFLOW_APP, AIRFLOW_SECRET_ACCESS_KEY)
    elif s.is_azure:
        env["AZURE_KEY_VAULT_NAME"] = s.azure.vault.name
        if validate.uses_client_secret(s):  # DefaultAzureCredential's EnvironmentCredential
            env["AZURE_TENANT_ID"] = s.azure.tenant_id
            env["AZURE_CLIENT_ID"] = s.azure.identity.ingestion_client_id or ""
            env["AZURE_CLIENT_SECRET"] = secret_ref(AIRFLOW_APP, INGESTION_CLIENT_SECRET)
    elif s.is_gcp:
        env["GOOGLE_CLOUD_PROJECT"] = s.gcp.project
    elif s.provider == "kubernetes":
        env["KUBERNETES_NAMESPACE"] = s.kubernetes.namespace
        env["KUBERNETES_IN_CLUSTER"] = "true" if s.kubernetes.in_cluster else "false"
        env["KUBERNETES_KUBECONFIG_PATH"] = s.kubernetes.kubeconfig_path
    return env
