"""Faults as regression tests, each on a fresh API server: the API server killed during the first `pulumi up` and
restarted on the same etcd; `pulumi up` SIGKILLed, then recovered with the README's runbook as written; the API
server down during Fernet rotation step 1. After each, the state holds no pending operation, a second `up`
changes nothing and every value OM and Airflow read is, byte for byte, the one the state holds."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time

import checks
import pytest
from cluster import Cluster
from conftest import REPO, stack_config
from project import Project, kill_group, session_processes

pytestmark = pytest.mark.e2e

RUNBOOK = "Recovering from an interrupted `pulumi up`"
FIRST_SECRET = re.compile(r"kubernetes:core/v1:Secret .*creating")


@pytest.fixture
def cluster(engine_bin, tmp_path):
    """A fresh API server per test (each test makes the same objects)."""
    c = Cluster(engine_bin, tmp_path / "cluster")
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.fixture
def project(engine_bin, cluster, tmp_path):
    def make(config: dict) -> Project:
        return Project.create(tmp_path / "proj", REPO, engine_bin, cluster.kubeconfig, "dev", config)
    return make


def up_until(project: Project, pattern: re.Pattern, timeout: float = 300) -> tuple[subprocess.Popen, list[str]]:
    """Start `pulumi up` and read its output until a line matches ``pattern`` (the process keeps running)."""
    proc = project.start("up", "--yes", "--skip-preview", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline, lines = time.monotonic() + timeout, []
    for line in proc.stdout:
        lines.append(line)
        if pattern.search(line) or time.monotonic() > deadline:
            break
    assert lines and pattern.search(lines[-1]), f"`pulumi up` never printed {pattern.pattern!r}:\n{''.join(lines)[-3000:]}"
    return proc, lines


def assert_recovered(cluster, project: Project, config: dict) -> list[dict]:
    """No pending operation, nothing left to do, and every app value is the state's."""
    doc = json.loads(project.run("stack", "export").check().stdout)
    assert not doc["deployment"].get("pending_operations"), doc["deployment"]["pending_operations"]
    again = project.run("preview", "--expect-no-changes")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-2000:]
    state = project.state()
    problems = checks.app_values_problems(cluster, state, config["server"]["namespace"], config["ingestion"]["namespace"])
    rings = checks.intended_rings(state)
    problems += [f"{app}'s recovery copy is not its ring" for app in rings if ",".join(checks.ring(cluster, app)) != rings[app]]
    assert not problems, "\n".join(problems)
    return state


def runbook_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {RUNBOOK}")
    section = text[start:text.index("\n## ", start + 1)]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    assert blocks, f"no bash block in README section {RUNBOOK!r}"
    return blocks


def test_api_server_killed_during_the_first_up_and_restarted_on_the_same_etcd(cluster, project):
    config = stack_config("dev")
    p = project(config)
    proc, _ = up_until(p, FIRST_SECRET)
    try:
        cluster.kill_apiserver()
        time.sleep(2)
        cluster.start_apiserver()
        out, _ = proc.communicate(timeout=600)
    finally:
        kill_group(proc.pid)
    if proc.returncode != 0:  # the provider gave up while the API server was away: up again, as a user would
        p.run("refresh", "--clear-pending-creates", "--yes").check()
        p.up()
    assert_recovered(cluster, p, config)


def test_a_killed_pulumi_up_is_recovered_by_the_readme_runbook_as_written(cluster, project):
    config = stack_config("dev")
    p = project(config)
    proc, _ = up_until(p, FIRST_SECRET)
    os.kill(proc.pid, signal.SIGKILL)  # pulumi alone, as the OOM killer or a cancelled job would
    proc.communicate(timeout=60)
    try:
        left = session_processes(proc.pid)
        assert left, "a SIGKILLed pulumi left no plugin running: the runbook's first step would be moot"
        locked = p.run("up", "--yes", "--skip-preview")
        assert locked.returncode != 0 and "locked" in locked.stdout + locked.stderr, locked.stdout[-2000:]
        pending = json.loads(p.run("stack", "export").check().stdout)["deployment"].get("pending_operations")
        for block in runbook_blocks():
            ran = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block], cwd=p.root, capture_output=True,
                                 text=True, timeout=600, env={**p.env, "STACK": p.stack, "SID": str(proc.pid)})
            assert ran.returncode == 0, f"runbook block failed ({ran.returncode}):\n{block}\n{ran.stdout[-3000:]}" \
                                        f"\n{ran.stderr[-3000:]}"
        time.sleep(1)
        assert session_processes(proc.pid) == [], "the runbook left plugin processes of the killed pulumi running"
    finally:
        kill_group(proc.pid)
    assert pending, "the kill left no pending operation: the runbook's refresh step went untested"
    assert_recovered(cluster, p, config)


def test_api_server_down_during_rotation_step_1(cluster, project):
    """Step 1 ([1] -> [2, 1]) while the API server is down fails; after it is back, `up` finishes the step:
    generation 2 is created once (the bytes the failed run recorded, if it recorded them, are kept), and
    generation 1 keeps its bytes."""
    config = stack_config("dev")
    p = project(config)
    p.up()
    before = checks.generation_keys(p.state())
    cluster.kill_apiserver()
    try:
        config["fernet"] = {"airflow": {"generations": [2, 1]}}
        p.set_config(config)
        failed = p.run("up", "--yes", "--skip-preview", timeout=600)
        assert failed.returncode != 0, "an up with the API server down succeeded"
    finally:
        cluster.start_apiserver()
    recorded = checks.generation_keys(p.state())["airflow"]
    p.run("refresh", "--clear-pending-creates", "--yes").check()
    p.up()
    state = assert_recovered(cluster, p, config)
    after = checks.generation_keys(state)
    assert after["airflow"][1] == before["airflow"][1], "generation 1 changed bytes"
    assert after["openmetadata"] == before["openmetadata"]
    if 2 in recorded:
        assert after["airflow"][2] == recorded[2], "generation 2 was made again after the failed run recorded it"
    gen2 = [r for r in state if r["type"] == checks.RANDOM_BYTES and r["urn"].endswith("-airflow-fernet-gen-2")]
    assert len(gen2) == 1
    assert checks.consumed_fernet_rings(cluster, p.outputs())["airflow"] == ",".join(
        after["airflow"][g] for g in (2, 1))
