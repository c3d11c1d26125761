"""`pulumi preview --policy-pack policies` runs the real pack (pulumi_policy's analyzer) and agrees with
`omsecrets check` on a deliberately bad stack."""

from __future__ import annotations

import json
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

    events = p.root / "policy-events.jsonl"
    real = p.run("preview", "--policy-pack", str(REPO / "policies"), "--event-log", str(events))
    assert real.returncode != 0, "a mandatory violation must fail the preview"
    got = []
    for line in events.read_text().splitlines():
        event = json.loads(line).get("policyEvent")
        if event:
            got.append((event["policyName"], event["resourceUrn"].rsplit("::", 1)[-1], event["enforcementLevel"]))
    assert sorted((name, res) for name, res, _ in got) == expected, (
        f"engine: {sorted(got)}\noffline: {expected}\n{real.stdout[-3000:]}\n{real.stderr[-2000:]}")
    assert {level for _, _, level in got} == {"mandatory"}
    assert "om-secrets" in real.stdout  # the pack ran under its own name
