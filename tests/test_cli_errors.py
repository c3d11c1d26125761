"""The exit-code contract (``cli.EXIT_CODES``) for each mistake a new user makes, and the README's rule example."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from omsecrets import cli
from omsecrets.policies import pack
from omsecrets.policies import rules as rules_package

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def stack_project(tmp_path: Path, text: str, stack: str = "x") -> Path:
    """A copy of the om-secrets project layout with one stack file holding ``text``."""
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "__main__.py").write_text((ROOT / "__main__.py").read_text())
    (tmp_path / "stacks" / f"Pulumi.{stack}.yaml").write_text(text)
    return tmp_path


def test_help_documents_the_exit_codes(capsys):
    for argv in (["--help"], ["check", "--help"], ["preview", "--help"], ["diff", "--help"], ["stacks", "--help"]):
        with pytest.raises(SystemExit) as done:
            cli.main(argv)
        out = capsys.readouterr().out
        assert done.value.code == 0
        assert all(f"\n  {n}  " in out for n in range(4)), argv


@pytest.mark.parametrize("command", ["preview", "check"])
def test_yaml_syntax_error_names_file_and_line(capsys, tmp_path, command):
    project = stack_project(tmp_path, "config:\n  om-secrets:provider: kubernetes\n  om-secrets:secrets: [a\n")
    code, out, err = run(capsys, command, "x", "--project-dir", str(project))
    assert code == 2 and "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("error:")]
    assert re.search(r"stacks/Pulumi\.x\.yaml:4: invalid YAML: .*line 3, column 23", line), line
    assert "<unicode string>" not in err and "fix the YAML syntax" in err
    if command == "check":
        assert "with errors" in out


def test_config_error_is_exit_2_in_preview_and_check_with_file_line_and_key(capsys, tmp_path):
    project = stack_project(tmp_path, "config:\n  om-secrets:provider: kubernetes\n  om-secrets:clusterName: Bad%Name\n")
    for command in ("preview", "check"):
        code, _, err = run(capsys, command, "x", "--project-dir", str(project))
        assert code == 2, command
        assert "Traceback" not in err
    code, _, err = run(capsys, "preview", "x", "--project-dir", str(project))
    assert "stacks/Pulumi.x.yaml:3: om-secrets:clusterName: " in err and "'Bad%Name'" in err


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "config: {}\n", "encryptionsalt: v1:x\n"])
def test_empty_stack_file_is_refused(capsys, tmp_path, text):
    project = stack_project(tmp_path, text)
    for command in ("preview", "check"):
        code, out, err = run(capsys, command, "x", "--project-dir", str(project))
        assert code == 2 and "sets no config" in err and "stacks/Pulumi.x.yaml" in err, (command, err)
        assert "Previewing" not in out


def test_stack_file_that_is_not_a_mapping(capsys, tmp_path):
    project = stack_project(tmp_path, "config:\n  - om-secrets:provider\n")
    code, _, err = run(capsys, "preview", "x", "--project-dir", str(project))
    assert code == 2 and "stacks/Pulumi.x.yaml:1: `config` is a list, not a mapping" in err


def test_unknown_stack_is_one_message(capsys):
    for argv in (["preview", "nosuch"], ["check", "nosuch"], ["diff", "dev", "nosuch"]):
        code, out, err = run(capsys, *argv, "--project-dir", str(ROOT))
        assert code == 2 and out == "" and len(err.splitlines()) == 1 and "nosuch" in err, argv
        assert "available stacks: azure, dev, gcp, local, prod, staging" in err


def test_internal_error_is_exit_3_without_traceback_unless_debug(capsys, monkeypatch):
    from omsecrets import stacks_cmd

    def broken(_project_dir):
        raise KeyError("surprise")

    monkeypatch.setattr(stacks_cmd, "list_stack_rows", broken)
    code, _, err = run(capsys, "stacks", "--project-dir", str(ROOT))
    assert code == 3 and err.startswith("error: internal error: KeyError: 'surprise'") and "Traceback" not in err
    code, _, err = run(capsys, "stacks", "--project-dir", str(ROOT), "--debug")
    assert code == 3 and "Traceback" in err


# --------------------------------------------------------------------------- rules


def _add_rule_module(monkeypatch, tmp_path: Path, filename: str, source: str) -> None:
    folder = tmp_path / "extra_rules"
    folder.mkdir(exist_ok=True)
    (folder / filename).write_text(source)
    monkeypatch.setattr(rules_package, "__path__", [*rules_package.__path__, str(folder)])
    monkeypatch.delitem(sys.modules, f"{rules_package.__name__}.{filename[:-3]}", raising=False)


DUPLICATE = '''from omsecrets.policies.rule import Rule

RULE = Rule(id="OMS-SM-001", name="my-copy", description="d", level="advisory", remediation="r",
            kind="resource", validate=lambda args, report: None)
'''


def test_duplicate_rule_id_names_both_files(monkeypatch, tmp_path):
    _add_rule_module(monkeypatch, tmp_path, "zz_copy.py", DUPLICATE)
    with pytest.raises(pack.DuplicateRuleError) as caught:
        pack._discover()
    message = str(caught.value)
    assert "'OMS-SM-001'" in message and "ssm_parameter_securestring.py" in message and "zz_copy.py" in message
    assert cli.describe_error(caught.value) == (2, message)


def test_duplicate_rule_id_through_the_cli_is_exit_2_without_traceback(monkeypatch, tmp_path, capsys):
    _add_rule_module(monkeypatch, tmp_path, "zz_copy.py", DUPLICATE)
    for name in ("omsecrets.check", "omsecrets.policies.pack"):
        monkeypatch.delitem(sys.modules, name)
    code, out, err = run(capsys, "check", "dev", "--project-dir", str(ROOT))
    assert code == 2 and out == "" and "declared twice" in err and "zz_copy.py" in err and "Traceback" not in err
    code, out, _ = run(capsys, "stacks", "--project-dir", str(ROOT))  # commands without rules keep working
    assert code == 0 and "prod" in out


def readme_rule_example() -> tuple[str, str]:
    """(file name, source) of the README's "How to add a rule" example, as written."""
    text = README.read_text()
    section = text[text.index("### How to add a rule"):]
    filename = re.search(r"`policies/rules/([a-z0-9_]+\.py)`:", section).group(1)
    source = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    return filename, "\n".join(line[3:] if line.startswith("   ") else line for line in source.splitlines()) + "\n"


def test_readme_rule_example_runs_as_written(monkeypatch, tmp_path):
    from omsecrets import check, engine

    filename, source = readme_rule_example()
    before = {r.id for r in pack.RULES} | {r.name for r in pack.RULES}
    _add_rule_module(monkeypatch, tmp_path, filename, source)
    found = pack._discover()
    (new,) = [r for r in found if r.id not in before]
    assert new.name not in before and len(found) == len(pack.RULES) + 1
    prod = engine.preview(ROOT, "prod")
    assert check.run_rules(prod, [new]) == []  # the shipped stores describe every secret
    secret = next(r for r in prod.resources if r.type == "aws:secretsmanager/secret:Secret")
    secret.inputs.pop("description")
    violations = check.run_rules(prod, [new])
    assert [(v.rule_id, v.resource_name) for v in violations] == [(new.id, secret.name)]


@pytest.mark.parametrize("stack, extra", [("azure", "azure"), ("gcp", "gcp")])
def test_a_missing_cloud_extra_is_a_config_error_naming_the_install(capsys, monkeypatch, stack, extra):
    """A new user with `pip install om-secrets` (no extras) previewing an Azure or GCP stack."""
    from omsecrets.components import core

    monkeypatch.setitem(core.OPTIONAL_PACKAGES, extra, (extra, "pulumi_not_installed_here"))
    for command in ("preview", "check"):
        code, out, err = run(capsys, command, stack)
        assert code == 2 and "Traceback" not in err, (command, err)
        assert f"stacks/Pulumi.{stack}.yaml:" in out + err and f"pip install 'om-secrets[{extra}]'" in out + err, (out, err)


# ------------------------------------------------------------------ no fragment of a secret in any error

#: Secret-looking values, each fed through an error path; no 4 characters of one may appear in what is printed.
SECRET_VALUES = ("Qx7vK2mP9wR4tY8zB3nL6jH1", "hunter2-Zq8Wk3Vb7Nm1Xc5", "jJ/9sz0g0OHxsfxOoSfdFdmk3ysNmPRnH3TUAbz3IHB=")


def _fragments(value: str, text: str) -> list[str]:
    return [value[i:i + 4] for i in range(len(value) - 3) if value[i:i + 4] in text]


@pytest.mark.parametrize("value", SECRET_VALUES)
@pytest.mark.parametrize("case", ["plaintext-fromConfig", "plaintext-imported-key", "imported-key-as-list", "fernet-check",
                                  "fernet-check-argument", "bad-imported-key-secret"])
def test_no_error_shows_a_fragment_of_a_secret_value(case, value, capsys, tmp_path, monkeypatch):
    import io

    from omsecrets import engine

    head = "config:\n  om-secrets:provider: kubernetes\n"
    ring = "  om-secrets:fernet:\n    openmetadata:\n      generations: [2, 1]\n      imported: {\"1\": existingKey}\n"
    if case == "plaintext-fromConfig":
        text = head + f"  om-secrets:pw: {value}\n  om-secrets:secrets:\n    - {{path: database/x/password, fromConfig: pw}}\n"
    elif case == "plaintext-imported-key":
        text = head + f"  om-secrets:existingKey: {value}\n" + ring
    elif case == "imported-key-as-list":
        text = head + f"  om-secrets:existingKey: [{value}]\n" + ring
    else:
        text = head
    project = stack_project(tmp_path, text)
    if case == "fernet-check":
        monkeypatch.setattr(sys, "stdin", io.StringIO(f"{value},{value} ,{value[:40]}"))
        outputs = [run(capsys, "fernet", "check")]
    elif case == "fernet-check-argument":
        outputs = [run(capsys, "fernet", "check", "--", value)]
    elif case == "bad-imported-key-secret":  # a real (decrypted) value that is not a Fernet key
        config = {"om-secrets:provider": "kubernetes", "om-secrets:existingKey": value,
                  "om-secrets:fernet": {"openmetadata": {"generations": [2, 1], "imported": {"1": "existingKey"}}}}
        with pytest.raises(Exception) as info:
            engine.preview(project, "x", config=config, secret_keys=["om-secrets:existingKey"])
        code, message = cli.describe_error(cli.ProgramFailed("x", info.value, project / "stacks" / "Pulumi.x.yaml", project))
        outputs = [(code, message, "")]
    else:
        outputs = [run(capsys, command, "x", "--project-dir", str(project)) for command in ("preview", "check")]
    for code, out, err in outputs:
        assert code in (1, 2, 3), (case, out, err)  # every case is an error...
        assert not _fragments(value, out + err), (case, out + err)  # ...that shows nothing of the value


# ------------------------------------------------------------------ key material in any message: described, never shown

PASTED = "Zm9vYmFyLXNlY3JldC1rZXktMzItYnl0ZXMtbG9uZyE="


@pytest.mark.parametrize("argv", [[PASTED], ["preview", "-" + PASTED[1:]], ["check", "--format", PASTED],
                                  ["stacks", PASTED], ["diff", "dev", "prod", "-" + PASTED[1:]]])
def test_argument_errors_never_show_key_material(argv, capsys):
    """argparse echoes what it cannot read ("invalid choice", "unrecognized arguments"): not a pasted key."""
    with pytest.raises(SystemExit) as done:
        cli.main(argv)
    err = capsys.readouterr().err
    assert done.value.code == 2 and PASTED[1:9] not in err and PASTED[20:28] not in err, err


def test_a_program_failure_naming_key_material_is_described(capsys, tmp_path):
    """The one reporting path (describe_error) runs every message through disclosure.redact, --debug tracebacks too."""
    failure = cli.ProgramFailed("x", RuntimeError(f"could not decrypt with {PASTED}"), tmp_path / "Pulumi.x.yaml", tmp_path)
    code, message = cli.describe_error(failure)
    assert code == 3 and PASTED not in message and "44-character value that looks like key material" in message
    try:
        raise RuntimeError(f"could not decrypt with {PASTED}")
    except RuntimeError as exc:
        assert cli.report_failure(cli.ProgramFailed("x", exc, None, tmp_path), debug=True) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and PASTED[:8] not in err and PASTED[-9:-1] not in err
