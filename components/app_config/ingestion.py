"""Env vars the OM ingestion ``env`` loader reads (standalone ingestion, or Airflow with loader ``env``)."""

from __future__ import annotations

from ..settings import Settings
from . import validate
from .refs import AIRFLOW_ACCESS_KEY_ID, AIRFLOW_APP, AIRFLOW_SECRET_ACCESS_KEY, Value, secret_ref


def ingestion_env(settings: Settings) -> dict[str, Value]:
    """``AWS_DEFAULT_REGION`` (+ the boto3 access key pair in access-key mode) or ``KUBERNETES_*``."""
    s = validate.check(settings)
    env: dict[str, Value] = {}
    if s.is_aws:
        env["AWS_DEFAULT_REGION"] = s.aws.region
        if validate.uses_access_keys(s):
            env["AWS_ACCESS_KEY_ID"] = secret_ref(AIRFLOW_APP, AIRFLOW_ACCESS_KEY_ID)
            env["AWS_SECRET_ACCESS_KEY"] = secret_ref(AIRFLOW_APP, AIRFLOW_SECRET_ACCESS_KEY)
    elif s.provider == "kubernetes":
        env["KUBERNETES_NAMESPACE"] = s.kubernetes.namespace
        env["KUBERNETES_IN_CLUSTER"] = "true" if s.kubernetes.in_cluster else "false"
        env["KUBERNETES_KUBECONFIG_PATH"] = s.kubernetes.kubeconfig_path
    return env
