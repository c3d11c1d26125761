"""``omsecrets check``: shipped stacks, output formats (SARIF validated), baseline, config errors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

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
    guard = {"OMS-CFG-001", "OMS-LIFE-001", "OMS-LIFE-002", "OMS-LIFE-003", "OMS-LIFE-004"}
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


def _document_file(tmp_path: Path, stack: str, config: dict, **fields) -> Path:
    document = {**_preview_document(config), "stack": stack, **fields}
    path = tmp_path / f"{stack}-preview.json"
    path.write_text(json.dumps(document))
    return path


def test_a_baseline_of_another_stack_is_refused(capsys, tmp_path):
    """Another stack's preview is no evidence for this one (its completed rotation Job would otherwise count)."""
    other = _document_file(tmp_path, "staging", BEFORE)
    after = stack_file(tmp_path, "dev", {**K8S, "fernet": {"airflow": {"generations": [2, 1]}}})
    code, out = run(["dev", "--config-file", str(after), "--baseline", str(other)], capsys)
    assert code == 2 and out.out == ""
    assert str(other) in out.err and "'staging'" in out.err and "stack 'dev'" in out.err and "'om-secrets'" in out.err
    assert "omsecrets preview dev --json" in out.err
    # named among several stacks, the baseline must still be one of them
    code, out = run(["dev", "prod", "--baseline", str(other)], capsys)
    assert code == 2 and "'staging'" in out.err and "one of 'dev', 'prod'" in out.err


def test_a_baseline_of_another_project_is_refused(capsys, tmp_path):
    other = _document_file(tmp_path, "dev", BEFORE, project="another-project")
    code, out = run(["dev", "--baseline", str(other)], capsys)
    assert code == 2 and out.out == ""
    assert str(other) in out.err and "'another-project'" in out.err and "project 'om-secrets'" in out.err


@pytest.mark.parametrize("missing", ["stack", "project"])
def test_a_baseline_that_names_no_stack_or_project_is_refused(capsys, tmp_path, missing):
    document = _preview_document(BEFORE)
    del document[missing]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(document))
    code, out = run(["dev", "--baseline", str(path)], capsys)
    assert code == 2 and str(path) in out.err and f"no {missing}" in out.err
    assert "omsecrets preview dev --json" in out.err  # how to make one that does


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


# ------------------------------------------------------------------ --baseline-ref: an old stack file that no longer previews


def _git(repo: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


def _commit(repo: Path, files: dict, message: str = "change") -> None:
    for rel, text in files.items():
        path = repo / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path):
    """A project of its own in a git repository: the shipped Pulumi.yaml and program, no commit yet."""
    import shutil

    if shutil.which("git") is None:
        pytest.skip("needs git")
    path = tmp_path / "repo"
    path.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", path)
    shutil.copy(ROOT / "__main__.py", path)
    _git(path, "init", "-q")
    return path


def check_ref(repo: Path, capsys, *argv: str):
    code = cli.main(["check", "--project-dir", str(repo), "--baseline-ref", "HEAD~1", *argv])
    return code, capsys.readouterr()


DEV = "stacks/Pulumi.dev.yaml"
#: The dev stack file as om-secrets first shipped it: OM's store in the namespace ingestion runs in, which
#: today's om-secrets refuses (ingestion could read FERNET_KEY), and no kubernetes:enableSecretMutable.
FIRST_DEV = """config:
  om-secrets:provider: kubernetes
  om-secrets:kubernetes:
    namespace: openmetadata
  om-secrets:secrets:
    - name: mysql-password
      path: database/mysql-dev/password
      length: 32
"""
#: The same stack today: the store moved to a namespace of its own (its secrets move: a loss to compare).
TODAY_DEV = """config:
  kubernetes:enableSecretMutable: "true"
  om-secrets:provider: kubernetes
  om-secrets:kubernetes:
    namespace: openmetadata-secrets
  om-secrets:secrets:
    - name: mysql-password
      path: database/mysql-dev/password
      length: 32
"""


def test_baseline_ref_whose_old_stack_file_no_longer_previews_is_a_finding(repo, capsys):
    _commit(repo, {DEV: FIRST_DEV})
    _commit(repo, {DEV: TODAY_DEV})
    code, out = check_ref(repo, capsys)
    assert code == 1, out
    assert "OMS-LIFE-003" in out.out and "stack dev:" in out.out and f"{DEV} at HEAD~1 does not preview" in out.out
    # why: each problem of the old file, by line (the namespace problem has no value it stood for: no backfill)
    assert "line 4: om-secrets:kubernetes.namespace: 'openmetadata' is also where ingestion runs" in out.out
    assert "kubernetes:enableSecretMutable: is not set" in out.out
    assert "--allow-unchecked-baseline" in out.out  # the remediation names the way out
    code, out = check_ref(repo, capsys, "--format", "json")
    [violation] = [v for v in json.loads(out.out)["stacks"][0]["violations"] if v["level"] == "mandatory"]
    assert code == 1 and violation["rule_id"] == "OMS-LIFE-003" and "HEAD~1" in violation["message"]
    code, out = check_ref(repo, capsys, "--format", "sarif")
    validate_sarif(json.loads(out.out))
    errors = [r["ruleId"] for r in json.loads(out.out)["runs"][0]["results"] if r["level"] == "error"]
    assert code == 1 and errors == ["OMS-LIFE-003"]


def test_allow_unchecked_baseline_makes_it_a_note(repo, capsys):
    _commit(repo, {DEV: FIRST_DEV})
    _commit(repo, {DEV: TODAY_DEV})
    code, out = check_ref(repo, capsys, "--allow-unchecked-baseline")
    assert code == 0 and "OMS-LIFE-003" not in out.out
    note = next(line for line in out.out.splitlines() if "lifecycle guard:" in line)
    assert f"not checked: {DEV} at HEAD~1 does not preview" in note and "kubernetes.namespace" in note
    assert note.endswith("(--allow-unchecked-baseline)")
    code, out = check_ref(repo, capsys, "--allow-unchecked-baseline", "--format", "json")
    assert code == 0 and json.loads(out.out)["stacks"][0]["lifecycle"].startswith("not checked:")
    # the flag is for --baseline-ref only
    code, out = run(["dev", "--allow-unchecked-baseline"], capsys)
    assert code == 2 and "--baseline-ref" in out.err


def test_a_stack_new_since_the_revision_is_still_no_baseline(repo, capsys):
    _commit(repo, {"stacks/Pulumi.staging.yaml": TODAY_DEV})
    _commit(repo, {DEV: TODAY_DEV})
    code, out = check_ref(repo, capsys, "dev")
    assert code == 0 and "new stack since HEAD~1: nothing to lose" in out.out


@pytest.mark.parametrize("ref", ["HEAD~1x", "origin/mian", "--output=written.txt"])
def test_a_revision_that_names_no_commit_is_a_usage_error(repo, capsys, ref):
    """A mistyped or unfetched revision is not a first commit: it would compare with nothing and pass."""
    _commit(repo, {DEV: FIRST_DEV})
    _commit(repo, {DEV: TODAY_DEV})
    code = cli.main(["check", "--project-dir", str(repo), f"--baseline-ref={ref}"])
    err = capsys.readouterr().err
    assert code == 2 and f"--baseline-ref {ref}: no such revision in the git repository" in err
    assert not (repo / "written.txt").exists()  # never read as an option of git


def test_a_first_commit_has_nothing_to_lose(repo, capsys):
    _commit(repo, {DEV: TODAY_DEV})
    for ref in ("HEAD~1", "HEAD^", "HEAD~3"):
        code, out = check_ref(repo, capsys) if ref == "HEAD~1" else \
            (cli.main(["check", "--project-dir", str(repo), "--baseline-ref", ref]), capsys.readouterr())
        assert code == 0 and f"no revision {ref}: HEAD has no such ancestor (a first commit" in out.out, ref


def test_a_shallow_clone_without_the_revision_is_a_finding(repo, tmp_path, capsys):
    """CI that checks out one commit (fetch-depth: 1) has no HEAD~1: unknown, not "a first commit"."""
    _commit(repo, {DEV: FIRST_DEV})
    _commit(repo, {DEV: TODAY_DEV})
    _git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), "shallow")
    shallow = tmp_path / "shallow"
    code = cli.main(["check", "--project-dir", str(shallow), "--baseline-ref", "HEAD~1"])
    out = capsys.readouterr().out
    assert code == 1 and "OMS-LIFE-003" in out and "no revision HEAD~1 in this shallow clone" in out
    assert "fetch-depth: 2" in out
    code = cli.main(["check", "--project-dir", str(shallow), "--baseline-ref", "HEAD~1", "--allow-unchecked-baseline"])
    out = capsys.readouterr().out
    assert code == 0 and "not checked: no revision HEAD~1 in this shallow clone" in out
    _git(shallow, "fetch", "-q", "--deepen=1")  # with the history: compared (the namespace problem of FIRST_DEV)
    code = cli.main(["check", "--project-dir", str(shallow), "--baseline-ref", "HEAD~1"])
    out = capsys.readouterr().out
    assert code == 1 and f"{DEV} at HEAD~1 does not preview" in out and "in this shallow clone" not in out


def test_an_old_pulumi_yaml_that_does_not_read_is_a_finding(repo, capsys):
    _commit(repo, {DEV: TODAY_DEV, "Pulumi.yaml": "runtime: python\nstackConfigDir: stacks\n"})  # no name
    _commit(repo, {"Pulumi.yaml": (ROOT / "Pulumi.yaml").read_text()})
    code, out = check_ref(repo, capsys)
    assert code == 1 and "OMS-LIFE-003" in out.out and "Pulumi.yaml at HEAD~1: no project `name`" in out.out


def test_a_stack_file_is_looked_up_where_pulumi_yaml_put_it_then(repo, capsys):
    """Moving the stack files (stackConfigDir) does not make every stack look new, with nothing to lose."""
    moved_from = (ROOT / "Pulumi.yaml").read_text().replace("stackConfigDir: stacks", "stackConfigDir: config")
    _commit(repo, {"config/Pulumi.dev.yaml": TODAY_DEV.replace("length: 32", "length: 24"), "Pulumi.yaml": moved_from})
    _git(repo, "rm", "-rq", "config")
    _commit(repo, {DEV: TODAY_DEV, "Pulumi.yaml": (ROOT / "Pulumi.yaml").read_text()})
    code, out = check_ref(repo, capsys)
    assert code == 1 and "compared with config/Pulumi.dev.yaml at HEAD~1" in out.out
    assert "password.mysql-password: length 24 -> 32" in out.out


#: Newly required keys: the old file fails only for lack of them, and is read with what their absence meant.
FIRST_STAGING = """config:
  om-secrets:provider: kubernetes
  om-secrets:kubernetes:
    namespace: openmetadata-secrets
  om-secrets:fernet:
    airflow:
      generations: [1]
    rotationJob:
      image: apache/airflow:2.10.5
"""


def test_a_file_that_lacks_only_newly_required_keys_is_compared(repo, capsys):
    _commit(repo, {DEV: FIRST_STAGING})
    today = FIRST_STAGING.replace("config:\n", 'config:\n  kubernetes:enableSecretMutable: "true"\n') + \
        "  om-secrets:airflow:\n    version: 2\n"
    _commit(repo, {DEV: today})
    code, out = check_ref(repo, capsys)
    assert code == 0 and "OMS-LIFE" not in out.out, out
    note = next(line for line in out.out.splitlines() if "lifecycle guard:" in line)
    assert f"compared with {DEV} at HEAD~1, read as written then: kubernetes:enableSecretMutable: \"true\"" in note
    assert "om-secrets:airflow.version: 2" in note and "fernet.rotationJob.image runs Airflow 2" in note
    # ... so a loss in the same change is found: moving to Airflow 3 drops the webserver secret key
    _commit(repo, {DEV: today.replace("version: 2", "version: 3").replace("apache/airflow:2.10.5", "apache/airflow:3.1.0")})
    code, out = check_ref(repo, capsys)
    assert code == 1 and "OMS-LIFE-001" in out.out and "airflow.webserver-secret-key" in out.out


def test_a_newly_required_key_and_another_problem_is_a_finding(repo, capsys):
    """Only a file whose every problem has a value its absence stood for is read with it."""
    _commit(repo, {DEV: FIRST_STAGING + "  om-secrets:ingestion:\n    loader: nope\n"})
    _commit(repo, {DEV: FIRST_STAGING.replace("config:\n", 'config:\n  kubernetes:enableSecretMutable: "true"\n')
                   + "  om-secrets:airflow:\n    version: 2\n"})
    code, out = check_ref(repo, capsys)
    assert code == 1 and "OMS-LIFE-003" in out.out and "om-secrets:ingestion.loader: 'nope'" in out.out
    assert "kubernetes:enableSecretMutable: is not set" in out.out and "read as written then" not in out.out


#: Where a secret pasted into an old stack file makes it fail: a name's place, a plain setting, another namespace.
PLACES = (
    "  om-secrets:fernet:\n    openmetadata:\n      generations: [2, 1]\n      imported: {{'1': {}}}\n",
    "  om-secrets:secrets:\n    - path: database/a/password\n      fromConfig: {}\n",
    "  om-secrets:clusterName: {}\n",
    "  om-secrets:tags:\n    team: {}\n",
    "  myapp:databasePassword: {}\n",
    "  om-secrets:jwt:\n    imported: {}\n    keyId: running-kid\n",
)


@hyp_settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.binary(min_size=32, max_size=32).map(lambda b: base64.urlsafe_b64encode(b).decode()),
       place=st.sampled_from(PLACES), secret_mutable=st.booleans())
def test_no_secret_of_the_old_stack_file_is_shown(repo, capsys, key, place, secret_mutable):
    """Property: whatever secret the old stack file holds, and wherever, no output shows it or a part of it."""
    head = 'config:\n  kubernetes:enableSecretMutable: "true"\n' if secret_mutable else "config:\n"
    _commit(repo, {DEV: head + "  om-secrets:provider: kubernetes\n" + place.format(key)})
    _commit(repo, {DEV: TODAY_DEV})
    for argv in ((), ("--format", "json"), ("--allow-unchecked-baseline",), ("--format", "sarif", "--debug")):
        code, out = check_ref(repo, capsys, *argv)
        assert code == (0 if argv == ("--allow-unchecked-baseline",) else 1), out
        shown = out.out + out.err
        assert "HEAD~1" in shown and "does not preview" in shown
        assert not any(part in shown for part in (key, key[:20], key[-20:])), (place, argv)
