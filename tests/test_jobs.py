"""components.jobs: the Job manifests om-secrets declares, valid Kubernetes with no secret value in them."""

from __future__ import annotations

import re

import kubernetes_validate
from hypothesis import given
from hypothesis import strategies as st

from omsecrets.components.app_config.refs import SecretRef
from omsecrets.components.jobs import (
    AIRFLOW_USER_SCRIPT,
    FAB_AUTH_MANAGER,
    airflow_user_job_manifest,
    airflow_user_job_name,
    job_manifest,
)

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
PASSWORD = SecretRef("airflow-secrets", "openmetadata-airflow-password")
DATABASE = SecretRef("airflow-airflow-metadata", "connection")


def user_job(version: int = 3, user: str = "openmetadata") -> dict:
    return airflow_user_job_manifest(name=airflow_user_job_name(user), namespace="airflow", image="img:1", username=user,
                                     role="Admin", password=PASSWORD, database=DATABASE, version=version)


def env_of(manifest: dict) -> dict:
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


@given(st.text(alphabet=st.sampled_from("abcXYZ019._@-"), min_size=1, max_size=64))
def test_the_user_job_name_is_a_dns_label(user):
    name = airflow_user_job_name(user)
    assert len(name) <= 63 and DNS_LABEL.fullmatch(name), name
    assert name.startswith("airflow-user")


def test_the_user_job_name_keeps_a_plain_user():
    assert airflow_user_job_name("openmetadata") == "airflow-user-openmetadata"
    assert airflow_user_job_name("OM.Server@corp") == "airflow-user-om-server-corp"
    assert airflow_user_job_name("___") == "airflow-user"
    assert airflow_user_job_name("a" * 60 + "-b") == "airflow-user-" + "a" * 50


def test_a_job_reads_secrets_by_reference_and_cannot_escalate():
    manifest = job_manifest(name="j", namespace="n", image="img:1", args=["true"], component="c",
                            env={"PLAIN": "1", "SECRET": PASSWORD}, service_account="sa")
    assert env_of(manifest) == {"PLAIN": "1", "SECRET": {"secretKeyRef": {"name": "airflow-secrets",
                                                                          "key": "openmetadata-airflow-password"}}}
    pod = manifest["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "sa" and pod["restartPolicy"] == "Never"
    assert pod["containers"][0]["name"] == "c"
    assert pod["containers"][0]["securityContext"] == {"allowPrivilegeEscalation": False, "runAsNonRoot": True}
    kubernetes_validate.validate(manifest, "1.33", strict=True)


def test_the_user_job_on_airflow_3_runs_under_the_fab_auth_manager_without_a_token():
    manifest = user_job(3)
    assert env_of(manifest) == {
        "OM_AIRFLOW_USER": "openmetadata", "OM_AIRFLOW_ROLE": "Admin",
        "OM_AIRFLOW_PASSWORD": {"secretKeyRef": {"name": "airflow-secrets", "key": "openmetadata-airflow-password"}},
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": {"secretKeyRef": {"name": "airflow-airflow-metadata", "key": "connection"}},
        "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER,
    }
    pod = manifest["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False and "serviceAccountName" not in pod
    kubernetes_validate.validate(manifest, "1.33", strict=True)


def test_the_user_job_on_airflow_2_keeps_its_images_auth_manager():
    assert "AIRFLOW__CORE__AUTH_MANAGER" not in env_of(user_job(2))


def test_the_script_creates_or_resets_the_user():
    assert AIRFLOW_USER_SCRIPT.startswith('airflow users reset-password --username "$OM_AIRFLOW_USER"')
    assert '|| airflow users create --username "$OM_AIRFLOW_USER" --password "$OM_AIRFLOW_PASSWORD"' in AIRFLOW_USER_SCRIPT
    assert "admin" not in AIRFLOW_USER_SCRIPT.lower().replace("$om_airflow", "")
