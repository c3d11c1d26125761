"""Pod restarts driven by what changed: the secrets digest in each app's pod annotations."""

from __future__ import annotations

import pytest

from omsecrets import engine
from omsecrets.components.app_config import restart
from omsecrets.components.app_config.airflow import airflow_helm_values
from omsecrets.components.app_config.server import openmetadata_helm_values
from omsecrets.components.settings import from_dict

BASE = {"provider": "kubernetes"}


def digests(**changes) -> dict[str, str]:
    settings = from_dict({**BASE, **changes})
    return {app: restart.digest(settings, app) for app in ("openmetadata", "airflow")}


def test_the_same_settings_give_the_same_digests():
    assert digests() == digests() and len(set(digests().values())) == 2
    assert all(len(d) == 16 and int(d, 16) >= 0 for d in digests().values())


@pytest.mark.parametrize("changes, changed", [
    ({"fernet": {"airflow": {"generations": [2, 1]}}}, {"airflow"}),
    ({"fernet": {"openmetadata": {"generations": [2, 1]}}}, {"openmetadata"}),
    ({"jwt": {"generation": 2}}, {"openmetadata"}),
    ({"airflow": {"version": 2}}, {"airflow"}),
    ({"tags": {"team": "x"}, "clusterName": "om2", "ingestion": {"hostPort": "http://om:8585/api"}}, set()),
    ({"jwt": {"issuer": "https://om.example.com", "keyId": "pinned"}}, set()),
    ({"provider": "db"}, {"openmetadata", "airflow"}),
], ids=["airflow-generation", "om-generation", "jwt-generation", "airflow-version", "no-secret-change", "jwt-config",
        "secrets-manager"])
def test_a_digest_changes_exactly_when_a_secret_its_app_reads_is_replaced(changes, changed):
    before, after = digests(), digests(**changes)
    assert {app for app in before if before[app] != after[app]} == changed


def test_the_digest_input_is_listed_and_holds_no_secret():
    settings = from_dict({**BASE, "fernet": {"openmetadata": {"generations": [2, 1], "imported": {"1": "omKey"}}}},
                         secret_values={"omKey": "PLANTED-IMPORTED-KEY"})
    assert restart.identities(settings, "openmetadata") == [
        "AIRFLOW_PASSWORD: airflow.server-password",
        "fernet-key: generations [2, 1], imported 1:omKey",
        "jwt-keys: generation 1",
        "secrets-manager: kubernetes",
    ]
    assert restart.identities(settings, "airflow") == [
        "api-secret-key: airflow.api-secret-key", "fernet-key: generations [1]", "jwt-secret: airflow.jwt-secret",
        "secrets-manager: kubernetes"]
    assert not any("PLANTED" in line for app in ("openmetadata", "airflow") for line in restart.identities(settings, app))


def test_the_charts_carry_the_digests():
    settings = from_dict(BASE)
    assert openmetadata_helm_values(settings)["podAnnotations"] == {restart.ANNOTATION: restart.digest(settings, "openmetadata")}
    assert airflow_helm_values(settings)["airflowPodAnnotations"] == {restart.ANNOTATION: restart.digest(settings, "airflow")}


def test_two_previews_of_a_stack_give_the_same_digests(preview_stack):
    one, two = (engine.plain(preview_stack("dev").outputs)["helmValues"] for _ in range(2))
    assert one["airflow"]["airflowPodAnnotations"] == two["airflow"]["airflowPodAnnotations"]
    assert one["openmetadata"]["podAnnotations"] == two["openmetadata"]["podAnnotations"]
