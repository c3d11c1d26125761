"""Secret references and the names of the Kubernetes objects om-secrets delivers to each app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

from ..core import AIRFLOW_APP, APPS, SECRET_PLACEHOLDER, SERVER_APP  # noqa: F401 app names re-exported to the renderers

# Keys of the delivered Secrets.
SERVER_FERNET_KEY = "FERNET_KEY"
#: OM's server's password for Airflow's API (env AIRFLOW_PASSWORD) in its Secret.
SERVER_AIRFLOW_PASSWORD = "AIRFLOW_PASSWORD"
AIRFLOW_FERNET_KEY = "fernet-key"  # what the apache-airflow chart's fernetKeySecretName expects
SERVER_ACCESS_KEY_ID = "OM_SM_ACCESS_KEY_ID"
SERVER_SECRET_ACCESS_KEY = "OM_SM_ACCESS_KEY"
AIRFLOW_ACCESS_KEY_ID = "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_ACCESS_KEY_ID"
AIRFLOW_SECRET_ACCESS_KEY = "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_SECRET_ACCESS_KEY"
# Azure client-secret mode: the service principals' secrets.
SERVER_CLIENT_SECRET = "OM_SM_CLIENT_SECRET"
AIRFLOW_CLIENT_SECRET = "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AZURE_CLIENT_SECRET"
INGESTION_CLIENT_SECRET = "AZURE_CLIENT_SECRET"  # the env loader's DefaultAzureCredential reads it

PLACEHOLDER = SECRET_PLACEHOLDER

#: The Secret only the OM server mounts (at ``jwt.MOUNT_DIR``): OM's JWT signing pair as the two DER
#: files it reads. Never a ConfigMap, never an env var, never delivered to ingestion or Airflow.
JWT_KEYS_SECRET = "openmetadata-jwt-keys"
#: The pod volume the OM chart's ``extraVolumes`` declares for it.
JWT_KEYS_VOLUME = "om-secrets-jwt-keys"


@dataclass(frozen=True)
class SecretRef:
    """A value that lives in a Kubernetes Secret: never rendered, only referenced."""

    secret_name: str
    key: str

    def helm(self) -> dict[str, str]:
        """The ``{secretRef, secretKey}`` pair the openmetadata chart expects."""
        return {"secretRef": self.secret_name, "secretKey": self.key}

    def value_from(self) -> dict[str, Any]:
        """A Kubernetes ``EnvVar.valueFrom``."""
        return {"secretKeyRef": {"name": self.secret_name, "key": self.key}}

    def describe(self) -> str:
        return f"from Secret {self.secret_name} key {self.key}"


Value = Union[str, SecretRef]


@dataclass(frozen=True)
class DeliveryNames:
    config_map: str
    secret: str


def delivery_names(app: str) -> DeliveryNames:
    """Names of the ConfigMap and Secret delivered to ``app`` (``openmetadata`` or ``airflow``)."""
    if app not in APPS:
        raise ValueError(f"app {app!r} is not one of {', '.join(APPS)}")
    return DeliveryNames(config_map=f"{app}-secrets-config", secret=f"{app}-secrets")


def secret_ref(app: str, key: str) -> SecretRef:
    return SecretRef(delivery_names(app).secret, key)


def env_var(name: str, value: Value) -> dict[str, Any]:
    """A Kubernetes ``EnvVar``: a literal value or a ``secretKeyRef``."""
    if isinstance(value, SecretRef):
        return {"name": name, "valueFrom": value.value_from()}
    return {"name": name, "value": value}


def plain(env: Mapping[str, Value]) -> dict[str, str]:
    """The non-sensitive entries of ``env``."""
    return {k: v for k, v in env.items() if not isinstance(v, SecretRef)}


def refs(env: Mapping[str, Value]) -> dict[str, SecretRef]:
    """The entries of ``env`` that come from a Secret."""
    return {k: v for k, v in env.items() if isinstance(v, SecretRef)}
