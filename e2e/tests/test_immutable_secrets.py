"""Why a protected Kubernetes store needs ``kubernetes:enableSecretMutable`` (own module: a fresh API
server, as the stack declares the same namespaces as test_fernet_rotation's, which protected keys keep)."""

from __future__ import annotations

import json

import pytest
from checks import KEYS_NS, ring
from conftest import stack_config

pytestmark = pytest.mark.e2e


def test_without_mutable_secrets_a_protected_stack_is_refused_and_a_rotation_would_replace(cluster, make_project):
    """Without the flag the provider replaces a Secret whose data changes (shown unprotected), and Pulumi
    refuses to replace a protected resource, so the settings refuse that stack before anything is made."""
    cfg = stack_config("dev")
    cfg.pop("kubernetes:enableSecretMutable")
    cfg["protect"] = True
    p = make_project("immutable", cfg)
    refused = p.run("up", "--yes", "--skip-preview")
    assert refused.returncode != 0, refused.stdout[-3000:]
    assert "kubernetes:enableSecretMutable: is not set" in refused.stdout + refused.stderr, refused.stdout[-3000:]
    assert cluster.secret(KEYS_NS, "openmetadata-fernet-airflow") is None, "resources were made before the refusal"

    cfg["protect"] = False
    p.set_config(cfg)
    p.up()
    [k1] = ring(cluster, "airflow")
    cfg["fernet"] = {"airflow": {"generations": [2, 1]}}
    p.set_config(cfg)
    step = p.run("preview", "--json")
    assert step.returncode == 0, step.stdout[-3000:] + step.stderr[-2000:]
    ops = {s["urn"].rsplit("::", 1)[-1]: s["op"] for s in json.loads(step.stdout).get("steps", [])
           if "openmetadata-fernet-airflow" in json.dumps(s.get("newState", {}).get("inputs", {}).get("metadata", {}))}
    assert ops and set(ops.values()) <= {"replace", "create-replacement", "delete-replaced"}, ops
    assert ring(cluster, "airflow") == [k1]
