"""The shipped stacks pass every rule: no mandatory finding and exactly the advisories listed here."""

from pathlib import Path

import pytest

from omsecrets import check, engine
from omsecrets.policies.pack import RULES

ROOT = Path(__file__).resolve().parents[2]
STACKS = engine.list_stacks(ROOT)

#: stack -> the (rule id, resource name) advisories it is expected to have; a stack not listed must have
#: none. dev and local run ingestion in the server's namespace (one namespace for a laptop or a dev
#: cluster): the JWT private key Secret is mountable there (mandatory in production, advisory here).
JWT_SHARED = ("OMS-JWT-002", "om-secrets-app-config-openmetadata-jwt-keys")
EXPECTED_ADVISORIES: dict[str, list[tuple[str, str]]] = {"dev": [JWT_SHARED], "local": [JWT_SHARED], "staging": [],
                                                         "prod": []}


def test_stacks_found():
    assert {"dev", "prod"} <= set(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_no_findings_beyond_the_expected_advisories(stack):
    report = check.check_stack(ROOT, stack)
    assert report.error is None
    assert [v.text for v in report.violations if v.level == "mandatory"] == []
    advisories = sorted((v.rule_id, v.resource_name or "") for v in report.violations if v.level == "advisory")
    assert advisories == sorted(EXPECTED_ADVISORIES.get(stack, []))


def test_prod_is_checked_as_production():
    """Production-only rules (advisory CMK, protected Fernet keys) really ran on the prod stack."""
    result = engine.preview(ROOT, "prod")
    assert check.environment_production(result) is True
    production_only = [r for r in RULES if r.outside_production == "off"]
    assert production_only
    for rule in production_only:
        assert any(rule.applies_to(r.type) for r in result.resources), rule.id


def test_every_rule_has_its_own_test_module():
    rules = ROOT / "policies" / "rules"
    missing = [p.stem for p in rules.glob("[!_]*.py") if not (ROOT / "tests" / "policies" / f"test_{p.stem}.py").is_file()]
    assert missing == [], "add tests/policies/test_<rule>.py (compliant, non-compliant, missing, boundary)"
