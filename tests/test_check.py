"""``omsecrets check``: shipped stacks, output formats (SARIF validated), baseline, config errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from omsecrets import check, cli, engine, sarif
from omsecrets.components.environment import STABLE_NAME
from omsecrets.policies.pack import RULES

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = ROOT / "tests" / "fixtures" / "programs"
SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text())
SHIPPED = engine.list_stacks(ROOT)


def run(argv, capsys):
    code = cli.main(["check", "--project-dir", str(ROOT), *argv])
    return code, capsys.readouterr()


def validate_sarif(document):
    jsonschema.Draft4Validator(SCHEMA).validate(document)


K8S = {"provider": "kubernetes", "kubernetes:enableSecretMutable": "true"}  # as a kubernetes stack file sets it


def stack_file(tmp_path: Path, stack: str, config: dict) -> Path:
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": {k if ":" in k else f"om-secrets:{k}": v for k, v in config.items()}}))
    return path


def test_shipped_stacks_exist():
    assert {"dev", "prod"} <= set(SHIPPED)


@pytest.mark.parametrize("stack", SHIPPED)
def test_shipped_stack_has_no_mandatory_violation(stack):
    report = check.check_stack(ROOT, stack)
    assert report.error is None
    assert [v.text for v in report.violations if v.level == "mandatory"] == []


def test_check_all_stacks_text(capsys):
    code, out = run([], capsys)
    assert code == 0, out.out
    for stack in SHIPPED:
        assert f"stack {stack} (stacks/Pulumi.{stack}.yaml)" in out.out
    assert "0 mandatory" in out.out.splitlines()[-1]


def test_json_format_parses(capsys):
    code, out = run(["dev", "prod", "--format", "json"], capsys)
    document = json.loads(out.out)
    assert code == 0 and [s["stack"] for s in document["stacks"]] == ["dev", "prod"]
    assert document["summary"]["mandatory"] == 0


def test_sarif_of_shipped_stacks_validates(capsys, tmp_path):
    out_file = tmp_path / "om-secrets.sarif"
    code, _ = run(["--format", "sarif", "--output", str(out_file)], capsys)
    document = json.loads(out_file.read_text())
    validate_sarif(document)
    driver = document["runs"][0]["tool"]["driver"]
    assert code == 0 and driver["name"] == "om-secrets"
    guard = {"OMS-CFG-001", "OMS-LIFE-001", "OMS-LIFE-002", "OMS-LIFE-003"}
    assert {r["id"] for r in driver["rules"]} == {r.id for r in RULES} | guard


def test_sarif_of_violations_validates():
    reports = []
    for program in sorted(PROGRAMS.glob("policy_*.py")):
        result = engine.preview(ROOT, "prod", config={}, program=program)
        reports.append(check.StackReport(stack="prod", file="stacks/Pulumi.prod.yaml", violations=check.run_rules(result)))
    document = sarif.to_sarif(reports, check.rules_with_config())
    validate_sarif(document)
    run_ = document["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    by_id = {r["id"]: r for r in rules}
    assert by_id["OMS-SM-004"]["defaultConfiguration"]["level"] == "warning"
    assert by_id["OMS-IAM-001"]["defaultConfiguration"]["level"] == "error"
    assert by_id["OMS-IAM-001"]["help"]["text"] == next(r.remediation for r in RULES if r.id == "OMS-IAM-001")
    results = run_["results"]
    assert {r["ruleId"] for r in results} == {r.id for r in RULES}
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "stacks/Pulumi.prod.yaml"
        if "logicalLocations" in result["locations"][0]:
            assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("urn:pulumi:prod::")
    assert {r["level"] for r in results} == {"error", "warning"}


def test_config_error_is_a_violation_with_the_key(capsys, tmp_path):
    bad = stack_file(
        tmp_path, "broken", {"provider": "kubernetes", "clusterName": "Open%Metadata", "ingestion": {"loader": "nope"}}
    )
    code, out = run(["--config-file", str(bad), "--format", "json"], capsys)
    document = json.loads(out.out)
    violations = document["stacks"][0]["violations"]
    assert code == 2 and document["stacks"][0]["stack"] == "broken" and document["stacks"][0]["exitCode"] == 2
    assert {v["rule_id"] for v in violations} == {"OMS-CFG-001"} and {v["level"] for v in violations} == {"mandatory"}
    keys = {v["remediation"].split(" ")[1] for v in violations}
    assert {"om-secrets:clusterName", "om-secrets:ingestion.loader"} <= keys


def test_config_error_in_sarif(capsys, tmp_path):
    bad = stack_file(tmp_path, "broken", {**K8S, "fernet": {"airflow": {"generations": [2]}}})
    code, out = run(["--config-file", str(bad), "--format", "sarif"], capsys)
    document = json.loads(out.out)
    validate_sarif(document)
    results = document["runs"][0]["results"]
    assert code == 2 and results and {r["ruleId"] for r in results} == {"OMS-CFG-001"}
    assert "om-secrets:fernet.airflow" in results[0]["message"]["text"]


def test_unknown_stack_is_a_usage_error_said_once(capsys):
    code, out = run(["dev", "nosuchstack"], capsys)
    assert code == 2 and out.out == ""
    assert len(out.err.splitlines()) == 1 and "available stacks: azure, dev, gcp, local, prod, staging" in out.err


# ------------------------------------------------------------------ baseline


def _preview_document(config):
    return json.loads(json.dumps(engine.preview(ROOT, "dev", config=config).to_document()))


BEFORE = {**K8S, "fernet": {"airflow": {"generations": [1]}}}
AFTER = {**K8S, "fernet": {"airflow": {"generations": [2], "reencryptedTo": 2}}}


def test_baseline_catches_a_primary_change_that_deletes_a_generation():
    baseline = _preview_document(BEFORE)
    after = engine.preview(ROOT, "dev", config=AFTER)
    without = [v for v in check.run_rules(after) if v.rule_id == "OMS-FERNET-004"]
    with_baseline = [
        v
        for v in check.run_rules(after, config={"fernet-generation-retained": {"baseline": baseline}})
        if v.rule_id == "OMS-FERNET-004"
    ]
    assert without == []
    assert [v.resource_name for v in with_baseline] == [f"{STABLE_NAME}-airflow-fernet"]
    assert f"{STABLE_NAME}-airflow-fernet-gen-1" in with_baseline[0].message and with_baseline[0].level == "mandatory"


def test_baseline_accepts_the_proper_three_step_rotation():
    for before, after in (
        (BEFORE, {**K8S, "fernet": {"airflow": {"generations": [2, 1]}}}),
        ({**K8S, "fernet": {"airflow": {"generations": [2, 1]}}}, AFTER),
    ):
        baseline = _preview_document(before)
        result = engine.preview(ROOT, "dev", config=after)
        assert not [
            v
            for v in check.run_rules(result, config={"fernet-generation-retained": {"baseline": baseline}})
            if v.rule_id == "OMS-FERNET-004"
        ]


def test_baseline_through_the_command(capsys, tmp_path):
    baseline = tmp_path / "previous.json"
    baseline.write_text(json.dumps(_preview_document(BEFORE)))
    after = stack_file(tmp_path, "dev", AFTER)
    code, out = run(["--config-file", str(after), "--format", "json"], capsys)
    assert code == 0 and json.loads(out.out)["summary"]["mandatory"] == 0
    code, out = run(["--config-file", str(after), "--format", "json", "--baseline", str(baseline)], capsys)
    violations = [v for v in json.loads(out.out)["stacks"][0]["violations"] if v["level"] == "mandatory"]
    assert code == 1 and [v["rule_id"] for v in violations] == ["OMS-LIFE-001", "OMS-FERNET-004"]
    assert "fernet.airflow.generation.1" in violations[0]["message"]


def test_usage_errors_exit_2(capsys, tmp_path):
    code, out = run(["dev", "prod", "--config-file", str(stack_file(tmp_path, "x", {}))], capsys)
    assert code == 2 and "one stack" in out.err
    code, out = run(["dev", "--baseline", str(tmp_path / "missing.json")], capsys)
    assert code == 2 and "cannot read baseline" in out.err


def test_policy_config_file_sets_levels(capsys, tmp_path):
    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"secret-required-tags": {"requiredTags": ["managed-by", "owner"]}}))
    code, out = run(["prod", "--format", "json", "--policy-config", str(config)], capsys)
    violations = json.loads(out.out)["stacks"][0]["violations"]
    assert code == 1 and violations and {v["rule_id"] for v in violations} == {"OMS-SM-002"}
    assert all("owner" in v["message"] for v in violations)


def test_jobs_split_the_stacks_and_change_no_report(tmp_path):
    """``--jobs 3``: three processes (forked by the console script); the report is byte-identical."""
    import subprocess
    import sys

    folder = tmp_path / "stacks"
    folder.mkdir()
    for stack in SHIPPED:
        (folder / f"Pulumi.{stack}.yaml").write_text((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())
    stack_file(folder, "broken", {"provider": "nosuch"})  # a config error lands in one of the processes
    stack_file(folder, "weak", {**K8S, "protect": False, "environment": "prod"})
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "components", "policies"):
        (project / name).symlink_to(ROOT / name)
    (project / "stacks").symlink_to(folder)

    def check_with(*jobs):
        done = subprocess.run([sys.executable, "-m", "omsecrets", "check", "--format", "json", *jobs],
                              capture_output=True, text=True, cwd=project, timeout=300)
        return done.returncode, done.stdout

    alone = check_with("--jobs", "1")
    assert alone[0] == 2 and [s["stack"] for s in json.loads(alone[1])["stacks"]] == sorted([*SHIPPED, "broken", "weak"])
    assert check_with("-j", "3") == alone
    assert check_with() == alone


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_jobs_must_be_a_whole_number(capsys, value):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check", "--jobs", value])
    assert exit_.value.code == 2 and "--jobs" in capsys.readouterr().err
