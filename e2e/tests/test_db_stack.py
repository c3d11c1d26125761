"""`pulumi up` of a `db` stack (OM keeps secrets in its database): what it still puts in the cluster."""

from __future__ import annotations

import checks
import pytest

pytestmark = pytest.mark.e2e

DB_CONFIG = {
    "provider": "db",
    "tags": {"team": "data-platform"},
    "server": {"namespace": "openmetadata"},
    "kubernetes": {"createNamespaces": True},
}


@pytest.fixture(scope="module")
def db(make_project):
    project = make_project("db", DB_CONFIG)
    project.up()
    return project


def test_every_declared_object_exists_as_declared(cluster, db):
    preview = db.offline_preview()
    assert checks.assert_cluster_matches_declaration(cluster, preview, db.state()) >= 6
    # OM's config for the db provider: SECRET_MANAGER=db, no store Secrets, the Fernet ring delivered
    cm = cluster.get("/api/v1/namespaces/openmetadata/configmaps/openmetadata-secrets-config")
    assert cm["data"]["SECRET_MANAGER"] == "db"
    assert checks.store_secrets(preview, "openmetadata-secrets") == []
    om = checks.decoded_data(cluster.secret("openmetadata", "openmetadata-secrets"))
    assert om.get("FERNET_KEY"), sorted(om)


def test_second_up_changes_nothing(db):
    again = db.run("up", "--yes", "--skip-preview", "--expect-no-changes")
    assert again.returncode == 0, again.stdout[-3000:]


def test_offline_preview_matches_what_the_engine_registered(db):
    problems = checks.compare_mock_with_engine(db.offline_preview(), db.state())
    assert not problems, "\n".join(problems)
