"""`pulumi up` of the `db` fixture stack (tests/fixtures/stacks/Pulumi.db.yaml, as written: OM keeps its secrets
in its database) against a real API server: what it still puts in the cluster, and that every value an app reads
is the one the program generated."""

from __future__ import annotations

import checks
import om_code
import pytest
import yaml
from conftest import REPO

pytestmark = pytest.mark.e2e

FIXTURE = REPO / "tests" / "fixtures" / "stacks" / "Pulumi.db.yaml"
DB_OBJECTS = {
    ("ServiceAccount", "openmetadata", "openmetadata"),
    ("ServiceAccount", "openmetadata", "openmetadata-ingestion"),
    ("ConfigMap", "openmetadata", "airflow-secrets-config"),
    ("ConfigMap", "openmetadata", "openmetadata-secrets-config"),
    ("Secret", "openmetadata", "airflow-secrets"),
    ("Secret", "openmetadata", "openmetadata-jwt-keys"),
    ("Secret", "openmetadata", "openmetadata-secrets"),
}


@pytest.fixture(scope="module")
def db(cluster, make_project):
    config = {k.removeprefix("om-secrets:"): v for k, v in yaml.safe_load(FIXTURE.read_text())["config"].items()}
    # the fixture creates no namespace: the one the apps run in exists, as in a cluster OM already runs in
    cluster.api("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                "metadata": {"name": "openmetadata"}})
    project = make_project("db", config)
    project.up()
    return project


def test_every_declared_object_exists_as_declared(cluster, db):
    preview = db.offline_preview()
    declared = {(r["type"].rsplit(":", 1)[-1], r["inputs"]["metadata"].get("namespace", ""),
                 r["inputs"]["metadata"]["name"]) for r in checks.k8s_declared(preview)}
    assert declared == DB_OBJECTS
    checks.assert_cluster_matches_declaration(cluster, preview, db.state())
    cm = cluster.get("/api/v1/namespaces/openmetadata/configmaps/openmetadata-secrets-config")
    assert cm["data"]["SECRET_MANAGER"] == "db"


def test_no_reference_and_every_app_value_is_what_the_program_meant(cluster, db):
    """`db`: OM resolves no `secret:` reference from a store (there is none: secretReferences and
    keyCopyReferences are empty, and no Secret carries the labels OM's Kubernetes manager writes); every value
    the apps read (Fernet rings, Airflow's shared secrets, OM's Airflow password) is, byte for byte, the one the
    engine generated."""
    outputs = db.outputs()
    assert outputs["secretReferences"] == {} and outputs["keyCopyReferences"] == {}
    labelled = [f"{o['metadata']['namespace']}/{o['metadata']['name']}"
                for o in cluster.api("GET", "/api/v1/secrets")["items"]
                if (o["metadata"].get("labels") or {}).items() >= om_code.SERVER_LABELS.items()]
    assert labelled == [], f"Secrets labelled as OM's store, in a db stack: {labelled}"
    problems = checks.app_values_problems(cluster, db.state(), "openmetadata", "openmetadata")
    assert not problems, "\n".join(problems)


def test_second_up_changes_nothing(db):
    again = db.run("up", "--yes", "--skip-preview", "--expect-no-changes")
    assert again.returncode == 0, again.stdout[-3000:]


def test_offline_preview_matches_what_the_engine_registered(db):
    problems = checks.compare_mock_with_engine(db.offline_preview(), db.state(), db.offline_preview(show_secrets=False))
    assert not problems, "\n".join(problems)
