"""``omsecrets preview`` against throwaway projects built from the fixture programs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from omsecrets import cli, engine

PLANTED_OUTPUT = "planted-output-secret-1a2b"
SECURE_DB_PASSWORD = engine._placeholder("fixture:dbPassword")
TEST_STACK = """\
encryptionsalt: v1:salt
config:
  fixture:tags:
    team: data
    n: 3
  replicas: 2
  fixture:dbPassword:
    secure: v1:AAAAcipher
"""
PLANTED = (PLANTED_OUTPUT, SECURE_DB_PASSWORD)


@pytest.fixture
def basic_project(make_project):
    return make_project("basic", stacks={"test": TEST_STACK, "dev": TEST_STACK})


@pytest.fixture
def errors_project(make_project):
    modes = ("config", "runtime", "apply-input", "log")
    return make_project("errors", stacks={mode: f"config:\n  fixture:mode: {mode}\n" for mode in modes})


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_text_output_is_a_tree_with_counts_and_outputs(capsys, basic_project):
    code, out, err = run(capsys, "preview", "test", "--project-dir", str(basic_project))
    assert code == 0, err
    lines = out.splitlines()
    assert "+ pulumi:pulumi:Stack fixture-test" in lines
    bundle = lines.index("  + fixture:index:Bundle app")
    assert "    + aws:secretsmanager/secret:Secret app-secret [protect, retainOnDelete]" in lines[bundle:]
    assert "    + random:index/randomBytes:RandomBytes app-key" in lines[bundle:]
    assert "  + kubernetes:core/v1:Secret airflow [deleteBeforeReplace]" in lines
    assert "Resources: + 8 to create" in lines
    assert "  1 random:index/randomBytes:RandomBytes" in lines
    assert "  planted  : [secret]" in lines
    assert "  replicas : 2" in lines
    assert '  secretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:fixture/app-AbCdEf"' in lines


def test_secrets_stay_hidden_unless_asked(capsys, basic_project):
    for extra in ([], ["--json"]):
        code, out, err = run(capsys, "preview", "test", "--project-dir", str(basic_project), *extra)
        assert code == 0
        for planted in PLANTED:
            assert planted not in out + err
    code, out, _ = run(capsys, "preview", "test", "--project-dir", str(basic_project), "--json", "--show-secrets")
    assert code == 0
    for planted in PLANTED:
        assert planted in out
    code, out, _ = run(capsys, "preview", "test", "--project-dir", str(basic_project), "--show-secrets")
    assert f'  planted  : "{PLANTED_OUTPUT}"' in out.splitlines()


def test_json_output_is_the_document(capsys, basic_project):
    code, out, _ = run(capsys, "preview", "test", "--project-dir", str(basic_project), "--json")
    assert code == 0
    document = json.loads(out)
    assert document == json.loads(json.dumps(engine.preview(basic_project, "test").to_document()))
    assert document["stack"] == "test" and document["project"] == "fixture"


def test_out_writes_preview_json(capsys, basic_project, tmp_path):
    out_dir = tmp_path / "out" / "dev"
    code, _, err = run(capsys, "preview", "test", "--project-dir", str(basic_project), "--out", str(out_dir))
    assert code == 0
    written = json.loads((out_dir / "preview.json").read_text())
    assert written["stack"] == "test" and f"wrote {out_dir / 'preview.json'}" in err
    for path in out_dir.rglob("*"):
        if path.is_file():
            assert not any(p in path.read_text(errors="replace") for p in PLANTED), path


def test_default_stack_and_project_found_from_cwd(capsys, basic_project, monkeypatch):
    monkeypatch.chdir(basic_project / "stacks")
    code, out, _ = run(capsys, "preview")
    assert code == 0
    assert "+ pulumi:pulumi:Stack fixture-dev" in out.splitlines()


def test_config_file_replaces_the_stack_file(capsys, basic_project, tmp_path):
    other = tmp_path / "elsewhere.yaml"
    other.write_text(TEST_STACK.replace("replicas: 2", "replicas: 5"))
    code, out, _ = run(capsys, "preview", "prod", "--project-dir", str(basic_project), "--config-file", str(other),
                       "--json")
    assert code == 0
    document = json.loads(out)
    assert document["stack"] == "prod" and document["outputs"]["replicas"] == 5


def test_missing_stack_lists_available_stacks(capsys, basic_project):
    code, out, err = run(capsys, "preview", "staging", "--project-dir", str(basic_project))
    assert code == 2 and out == ""
    assert "stack 'staging' not found" in err and "available stacks: dev, test" in err
    assert "Traceback" not in err


def test_config_error_exits_2_without_traceback(capsys, errors_project):
    code, out, err = run(capsys, "preview", "config", "--project-dir", str(errors_project))
    assert code == 2 and out == ""
    stack_file = errors_project / "stacks" / "Pulumi.config.yaml"
    assert err.startswith(f"error: stack config: 1 problem in {stack_file}:\n")
    assert "om-secrets:provider: 'nope' is not one of aws, kubernetes" in err
    assert "Traceback" not in err


def test_program_error_exits_3_naming_the_program_line(capsys, errors_project):
    code, _, err = run(capsys, "preview", "runtime", "--project-dir", str(errors_project))
    assert code == 3
    first = err.splitlines()[0]
    assert first.startswith("error: stack runtime: the program failed at ") and first.endswith(": RuntimeError: boom")
    assert "__main__.py:" in first and "--debug" in err and "Traceback" not in err
    code, _, err = run(capsys, "preview", "runtime", "--project-dir", str(errors_project), "--debug")
    assert code == 3 and "Traceback" in err and "RuntimeError: boom" in err


def test_apply_error_is_a_program_error(capsys, errors_project):
    code, _, err = run(capsys, "preview", "apply-input", "--project-dir", str(errors_project))
    assert code == 3
    assert "ApplyBoom" in err and "apply failed in apply-input" in err and "Traceback" not in err


def test_logged_warnings_and_errors_are_shown_but_do_not_fail(capsys, errors_project):
    code, out, _ = run(capsys, "preview", "log", "--project-dir", str(errors_project))
    assert code == 0
    assert out.splitlines()[-3:] == ["Diagnostics:", "  warning: careful: planted-log-warning",
                                     "  error: logged an error"]
    code, out, err = run(capsys, "preview", "log", "--project-dir", str(errors_project), "--json")
    assert code == 0 and json.loads(out)["stack"] == "log" and "warning: careful" in err


def test_no_project_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "preview", "--project-dir", str(tmp_path))
    assert code == 2 and f"no Pulumi.yaml in {tmp_path}" in err


def test_console_script(basic_project):
    script = shutil.which("omsecrets", path=str(Path(sys.executable).parent))
    assert script, "the omsecrets console script is not installed"
    done = subprocess.run([script, "preview", "test", "--project-dir", str(basic_project), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["project"] == "fixture"
