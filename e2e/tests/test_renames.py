"""Rename safety on the real engine: `up` with today's names, then a refactor of om-secrets that renames key
material (the Fernet generations' RandomBytes, as an edit of components/fernet_ring.py would). The lifecycle
guard (`omsecrets check --baseline`) refuses it; acknowledged, the engine deletes the keys under their old names
and creates new ones under the new names, and the bytes every app reads change. (The literal names existing
states hold are pinned by a unit test: tests/test_environment.py::test_key_material_keeps_the_names_existing_states_hold.)

The refactored code runs from a copy of the package inside the scratch project, which comes first on the
program's and the guard's import path (the project directory), so the installed om-secrets is untouched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import checks
import pytest
from conftest import REPO, stack_config

pytestmark = pytest.mark.e2e

APPS = ("openmetadata", "airflow")
BEFORE, AFTER = 'f"{name}-gen-{gen}",', 'f"{name}-generation-{gen}",'


def refactor(root: Path) -> None:
    """Copy the package into ``root`` (omsecrets/, components/ as omsecrets/components, policies/ as
    omsecrets/policies) and rename the Fernet generations' resources there."""
    package = root / "omsecrets"
    shutil.copytree(REPO / "omsecrets", package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "components", package / "components", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "policies", package / "policies", ignore=shutil.ignore_patterns("__pycache__"))
    ring = package / "components" / "fernet_ring.py"
    text = ring.read_text()
    assert text.count(BEFORE) == 1, "the Fernet generation's resource name moved: update this test's refactor"
    ring.write_text(text.replace(BEFORE, AFTER))


def guard(project, baseline: Path) -> subprocess.CompletedProcess:
    """``omsecrets check --baseline`` run from the project directory (so the refactored package is imported)."""
    return subprocess.run([sys.executable, "-m", "omsecrets", "check", project.stack, "--format", "json",
                           "--baseline", str(baseline), "--project-dir", str(project.root)],
                          capture_output=True, text=True, cwd=project.root,
                          env={k: v for k, v in project.env.items() if k != "PULUMI_CONFIG_PASSPHRASE"})


def test_a_renamed_key_is_refused_by_the_guard_and_acknowledged_is_a_new_key(cluster, make_project, tmp_path):
    config = stack_config("dev")
    config["protect"] = False  # a protected key stops the acknowledged delete too: the runbook unprotects first
    p = make_project("rename", config)
    p.up()
    before = checks.generation_keys(p.state())
    read_before = checks.consumed_fernet_rings(cluster, p.outputs())
    baseline = tmp_path / "deployed.json"
    baseline.write_text(json.dumps(p.offline_preview()))

    refactor(p.root)
    refused = guard(p, baseline)
    assert refused.returncode == 1, refused.stdout[-3000:] + refused.stderr[-3000:]
    violations = json.loads(refused.stdout)["stacks"][0]["violations"]
    found = {(v["rule_id"], v["message"].split(" ", 1)[0].rstrip(":")) for v in violations
             if v["rule_id"].startswith("OMS-LIFE")}
    assert found == {("OMS-LIFE-001", f"fernet.{app}.generation.1") for app in APPS}, found

    config["acknowledge"] = [{"drop": f"fernet.{app}.generation.1", "reason": "e2e: a refactor renamed the generation"}
                             for app in APPS]
    p.set_config(config)
    accepted = guard(p, baseline)
    assert not [v for v in json.loads(accepted.stdout)["stacks"][0]["violations"] if v["rule_id"].startswith("OMS-LIFE")], \
        accepted.stdout[-3000:]

    steps = json.loads(p.run("preview", "--json").check().stdout)["steps"]
    keys = {(s["op"], s["urn"].rsplit("::", 1)[-1]) for s in steps if "randomBytes:RandomBytes::" in s["urn"]
            and "-fernet-" in s["urn"]}
    assert keys == {("delete", f"om-secrets-{app}-fernet-gen-1") for app in APPS} | {
        ("create", f"om-secrets-{app}-fernet-generation-1") for app in APPS}, keys

    p.up()
    after = checks.generation_keys(p.state())
    read_after = checks.consumed_fernet_rings(cluster, p.outputs())
    for app in APPS:
        assert after[app][1] != before[app][1], f"{app}: the renamed generation kept its bytes"
        assert read_after[app] == after[app][1] != read_before[app], f"{app} does not read the new key"
