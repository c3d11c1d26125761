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

    real = p.run("preview", "--policy-pack", str(REPO / "policies"), "--json")
    assert real.returncode != 0, "a mandatory violation must fail the preview"
    doc = json.loads(real.stdout)
    got = sorted((d["policyName"], d["urn"].rsplit("::", 1)[-1]) for d in doc.get("diagnostics", [])
                 if d.get("policyName"))
    if not got:  # older engines only print policy violations in the text output
        text = p.run("preview", "--policy-pack", str(REPO / "policies")).stdout
        got = sorted(set(re.findall(r"\[mandatory\]\s+(\S+)\s.*?\n.*?(\S+-gen-\d+)", text)))
    assert got == expected, f"engine: {got}\noffline: {expected}\n{real.stdout[-3000:]}\n{real.stderr[-2000:]}"
