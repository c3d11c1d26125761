"""The Kubernetes Jobs om-secrets declares for one-off steps (pure manifests: no Pulumi import).

Every Job runs one command in the app's own image, with its secrets from Secrets (``secretKeyRef``,
never a literal), as a non-root container that cannot escalate, under the app's ServiceAccount, and
is retried twice. ``components.environment`` declares them only when a step is asked for; ``pulumi
up`` waits for each to complete.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .app_config.refs import SecretRef, Value, env_var
from .core import MANAGED_BY, MANAGED_BY_LABEL


def job_manifest(
    *,
    name: str,
    namespace: str,
    image: str,
    args: Sequence[str],
    env: Mapping[str, Value],
    component: str,
    service_account: str | None = None,
    container: str | None = None,
) -> dict[str, Any]:
    """A Job running ``args`` in ``image`` with ``env`` (literal values or Secret references); its pod is
    labelled ``app.kubernetes.io/component: <component>``, its container named ``container`` (default: component)."""
    spec: dict[str, Any] = {
        "name": container or component,
        "image": image,
        "args": list(args),
        "env": [env_var(k, v) for k, v in env.items()],
        "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True},
    }
    pod_spec: dict[str, Any] = {"restartPolicy": "Never", "containers": [spec]}
    if service_account:
        pod_spec["serviceAccountName"] = service_account
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": namespace, "labels": {MANAGED_BY_LABEL: MANAGED_BY}},
        "spec": {
            "backoffLimit": 2,
            "template": {"metadata": {"labels": {"app.kubernetes.io/component": component}}, "spec": pod_spec},
        },
    }


#: Creates OM's server's Airflow user, or sets its password when it exists (FAB auth manager's CLI).
AIRFLOW_USER_SCRIPT = (
    'airflow users reset-password --username "$OM_AIRFLOW_USER" --password "$OM_AIRFLOW_PASSWORD" '
    '|| airflow users create --username "$OM_AIRFLOW_USER" --password "$OM_AIRFLOW_PASSWORD" '
    '--role "$OM_AIRFLOW_ROLE" --email "$OM_AIRFLOW_USER@openmetadata.invalid" --firstname OpenMetadata '
    '--lastname Server'
)

#: Airflow 3's ``[core] auth_manager`` whose users OM's server authenticates as (HTTP Basic through the FAB
#: provider); ``airflow users`` exists only under it (3.3.2's default SimpleAuthManager has no users command).
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"


def airflow_user_job_name(user: str) -> str:
    """``airflow-user-<user>`` as a DNS-1123 label: lower case, each run of other characters one ``-``, at most
    63 characters, ending with a letter or digit."""
    slug = re.sub(r"[^a-z0-9]+", "-", user.lower()).strip("-")
    return f"airflow-user-{slug}"[:63].rstrip("-") if slug else "airflow-user"


def airflow_user_job_manifest(
    *, name: str, namespace: str, image: str, username: str, role: str, password: SecretRef, database: SecretRef,
    version: int = 3,
) -> dict[str, Any]:
    """The Job that gives OM's server its Airflow user: the generated password from the Secret, never a value.

    It talks to Airflow's database only, so its pod gets no ServiceAccount token (no store access, no API
    access); on Airflow 3 it runs the CLI under the FAB auth manager, the one whose users OM logs in as.
    """
    env: dict[str, Value] = {"OM_AIRFLOW_USER": username, "OM_AIRFLOW_ROLE": role, "OM_AIRFLOW_PASSWORD": password,
                             "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database}
    if version >= 3:
        env["AIRFLOW__CORE__AUTH_MANAGER"] = FAB_AUTH_MANAGER
    manifest = job_manifest(
        name=name, namespace=namespace, image=image, args=["bash", "-c", AIRFLOW_USER_SCRIPT],
        env=env, component="airflow-user",
    )
    manifest["spec"]["template"]["spec"]["automountServiceAccountToken"] = False
    return manifest
