"""``omsecrets.speed``: the command line's speed-ups are off for library callers and change no output."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from omsecrets import engine, speed

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def active(monkeypatch):
    monkeypatch.setattr(speed, "_active", True)
    monkeypatch.delenv(speed.ENV, raising=False)


def test_off_unless_the_command_line_started_it(monkeypatch):
    assert not speed.enabled()
    assert speed.workers(10) == 1 and speed.workers(10, 4) == 1
    monkeypatch.setattr(speed, "_active", True)
    assert speed.enabled()
    monkeypatch.setenv(speed.ENV, "0")
    assert not speed.enabled()
    assert speed.workers(10, 4) == 1


@pytest.mark.parametrize("processes", [2, 3, 5])
def test_split_fork_keeps_results_and_order(active, processes):
    assert speed.split_fork(list(range(7)), lambda n: {"n": n, "square": n * n}, processes) == [
        {"n": n, "square": n * n} for n in range(7)]


def test_split_fork_redoes_what_a_failed_child_could_not(active):
    parent = os.getpid()

    def run(n):
        if os.getpid() != parent:
            raise RuntimeError("child fails")
        return n + 1

    assert speed.split_fork([1, 2, 3, 4], run, 3) == [2, 3, 4, 5]


def test_two_processes_only_for_many_stacks_and_an_idle_cpu(active, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    monkeypatch.setattr(speed, "runnable", lambda: 1)  # this process alone
    many = speed.FORK_MIN_JOBS
    assert speed.workers(many) == 2
    assert speed.workers(many - 1) == 1
    monkeypatch.setattr(speed, "runnable", lambda: 2)  # another process holds the other CPU
    assert speed.workers(many) == 1
    monkeypatch.setattr(speed, "runnable", lambda: 1)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    assert speed.workers(many) == 1


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="Linux counts runnable processes now")
def test_runnable_counts_this_process():
    assert speed.runnable() >= 1


def test_asked_for_processes_are_given_up_to_one_a_stack(active, monkeypatch):
    monkeypatch.setattr(speed, "runnable", lambda: 9)  # a busy machine: asked is asked
    assert speed.workers(5, 3) == 3
    assert speed.workers(2, 8) == 2
    assert speed.workers(20, 1) == 1
    assert speed.workers(1, 4) == 1


def test_lightened_previews_are_the_same_previews(active, monkeypatch):
    """Skipping Pulumi's stack capture and alias URNs changes no stack's preview, aliases included."""
    import pulumi.resource
    from pulumi.runtime import resource

    stacks = engine.list_stacks(ROOT)
    before = {s: json.dumps(engine.preview(ROOT, s).to_document(), sort_keys=True) for s in stacks}
    assert any('"aliases": ["urn:' in doc for doc in before.values())  # the stacks carry aliases
    monkeypatch.setattr(resource, "_get_stack_trace", resource._get_stack_trace)  # both restored afterwards
    monkeypatch.setattr(pulumi.resource, "collapse_alias_to_urn", pulumi.resource.collapse_alias_to_urn)
    speed.lighten_previews()
    assert resource._get_stack_trace().frames == []
    assert pulumi.resource.collapse_alias_to_urn("x", "n", "t", None) == "x"
    assert {s: json.dumps(engine.preview(ROOT, s).to_document(), sort_keys=True) for s in stacks} == before


def test_lighten_previews_does_nothing_when_off(monkeypatch):
    import pulumi.resource

    original = pulumi.resource.collapse_alias_to_urn
    monkeypatch.setattr(pulumi.resource, "collapse_alias_to_urn", original)
    speed.lighten_previews()  # not started by the command line
    assert pulumi.resource.collapse_alias_to_urn is original


@pytest.mark.parametrize("argv, code", [(["stacks"], 0), (["check", "nosuch"], 2), (["fernet", "check", "-"], 1)])
def test_console_script_flushes_and_exits_with_the_code(argv, code):
    script = shutil.which("omsecrets", path=str(Path(sys.executable).parent))
    done = subprocess.run([script, *argv], capture_output=True, text=True, cwd=ROOT, input="nope", timeout=120)
    assert done.returncode == code, done.stderr
    assert (done.stdout + done.stderr).endswith("\n")
    if code == 0:
        assert done.stdout.splitlines()[-1].startswith("staging")
