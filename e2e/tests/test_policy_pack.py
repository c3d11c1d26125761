"""`pulumi preview --policy-pack policies` runs the real pack (pulumi_policy's analyzer) and agrees with
`omsecrets check` on a deliberately bad stack."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, stack_config

pytestmark = pytest.mark.e2e


def test_policy_pack_reports_what_omsecrets_check_reports(make_project):
    bad = stack_config("dev")
    bad["production"] = True
    bad["protect"] = False  # production Fernet keys unprotected: OMS-FERNET-003 on each RandomBytes
    p = make_project("bad", bad)

    offline = subprocess.run([str(Path(sys.executable).parent / "omsecrets"), "check", "bad", "--format", "json",
                              "--project-dir", str(p.root)], capture_output=True, text=True)
    assert offline.returncode == 1, offline.stdout + offline.stderr
    expected = sorted((v["rule_name"], v["resource_name"])
                      for v in json.loads(offline.stdout)["stacks"][0]["violations"])
    assert expected, "the bad stack has no violation offline"

    real = p.run("preview", "--policy-pack", str(REPO / "policies"))
    out = real.stdout + real.stderr
    assert real.returncode != 0, "a mandatory violation must fail the preview"
    assert "failed to run policy" not in out, out[-4000:]
    assert "om-secrets@" in out  # the pack ran under its own name
    # "- [mandatory]  fernet-keys-protected  (random:index:RandomBytes: bad-airflow-fernet-gen-1)"
    got = sorted(re.findall(r"- \[(\w+)\]\s+(\S+)\s+\([^:]+:[^:]+:[^:]+: ([^)]+)\)", out))
    assert sorted((name, res) for _, name, res in got) == expected, f"engine: {got}\noffline: {expected}\n{out[-4000:]}"
    assert {level for level, _, _ in got} == {"mandatory"}
