"""Fernet ring rotation [1] -> [2, 1] -> [2] with the real engine, keys read from the API server."""

from __future__ import annotations

import pytest
from checks import ring
from conftest import stack_config

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def config():
    cfg = stack_config("dev")
    cfg["protect"] = True  # key material protected, as in production
    return cfg


def test_rotation_keeps_key_bytes_and_destroy_stops_at_protected_keys(cluster, make_project, config):
    p = make_project("rot", config)
    p.up()
    [k1] = ring(cluster, "airflow")
    om_before = ring(cluster, "openmetadata")

    # step 1: add generation 2 as primary
    config["fernet"] = {"airflow": {"generations": [2, 1]}}
    p.set_config(config)
    p.up()
    k2, old = ring(cluster, "airflow")
    assert old == k1 and k2 != k1

    # step 2 recorded: re-encrypted to 2; nothing about the keys changes
    config["fernet"] = {"airflow": {"generations": [2, 1], "reencryptedTo": 2}}
    p.set_config(config)
    p.up()
    assert ring(cluster, "airflow") == [k2, k1]

    # step 3: drop generation 1 (protected: unprotect it first, as the runbook says)
    gen1 = [r["urn"] for r in p.state() if r["urn"].endswith("::om-secrets-airflow-fernet-gen-1")]
    assert len(gen1) == 1, gen1
    p.run("state", "unprotect", gen1[0], "--yes").check()
    config["fernet"] = {"airflow": {"generations": [2], "reencryptedTo": 2}}
    p.set_config(config)
    p.up()
    assert ring(cluster, "airflow") == [k2], "generation 2's key changed when generation 1 was dropped"
    assert ring(cluster, "openmetadata") == om_before, "the OM ring changed during an Airflow rotation"
    again = p.run("up", "--yes", "--skip-preview", "--expect-no-changes")
    assert again.returncode == 0, again.stdout[-3000:]

    # destroy refuses to delete protected key material
    destroy = p.run("destroy", "--yes", "--skip-preview", timeout=300)
    assert destroy.returncode > 0, f"destroy deleted a protected stack or hung:\n{destroy.stdout[-3000:]}{destroy.stderr}"
    assert "protected" in destroy.stdout + destroy.stderr, destroy.stdout[-3000:]
    left = {r["urn"].rsplit("::", 1)[-1]: r for r in p.state()}
    for name in ("om-secrets-airflow-fernet-gen-2", "om-secrets-openmetadata-fernet-gen-1"):
        assert name in left and left[name].get("protect"), f"{name} was deleted or unprotected by destroy"
    assert ring(cluster, "airflow") == [k2]

