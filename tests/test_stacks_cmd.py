"""``omsecrets stacks``: every stack file listed from its config, invalid ones with their first problem."""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from omsecrets import cli, diff_cmd, fernet_cmd, stacks_cmd, term
from omsecrets.components.settings import ConfigError, from_dict

ROOT = Path(__file__).resolve().parents[1]


def cli_commands() -> set[str]:
    """Commands ``omsecrets.cli.build_parser`` already knows."""
    parser = cli.build_parser()
    return next(set(a.choices) for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def run_cli(module, argv: list[str], via_register: bool = False) -> int:
    """Run ``argv`` through ``cli.main`` when the command is wired, else through ``module.register``."""
    if argv[0] in cli_commands() and not via_register:
        return cli.main(argv)
    parser = argparse.ArgumentParser(prog="omsecrets")
    parser.add_argument("--debug", action="store_true", default=False)
    module.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except cli.CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except cli.ProgramFailed as failure:
        return cli.report_failure(failure, args.debug)


def expected_row(path: Path) -> dict:
    """What the stack file says, read straight from its YAML."""
    config = yaml.safe_load(path.read_text())["config"]
    stack = path.name[len("Pulumi."):-len(".yaml")]
    provider = config["om-secrets:provider"]
    aws = provider in ("aws", "managed-aws", "aws-ssm", "managed-aws-ssm")
    region = (config.get("om-secrets:aws") or {}).get("region") or config.get("aws:region")
    return {"stack": stack, "path": str(path), "valid": True, "provider": provider,
            "region": region if aws else None,
            "production": config.get("om-secrets:production", stack in ("prod", "production")),
            "clusterName": config.get("om-secrets:clusterName", "openmetadata"),
            "prefix": config.get("om-secrets:prefix"), "settings": "stack file"}


@pytest.fixture
def project(tmp_path):
    """A project with the dev stack plus invalid stack files."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    (tmp_path / "stacks").mkdir()
    shutil.copy(ROOT / "stacks" / "Pulumi.dev.yaml", tmp_path / "stacks")
    files = {
        "vault": "config:\n  om-secrets:provider: vault\n",
        "broken": "config: [\n",
        "plain": ("config:\n  om-secrets:provider: kubernetes\n  kubernetes:enableSecretMutable: \"true\"\n"
                  "  om-secrets:pw: hunter2hunter2\n"
                  "  om-secrets:secrets:\n    - {path: database/x/password, fromConfig: pw}\n"),
        "secure": ("config:\n  om-secrets:provider: kubernetes\n  kubernetes:enableSecretMutable: \"true\"\n"
                   "  om-secrets:pw:\n    secure: v1:abc\n"
                   "  om-secrets:secrets:\n    - {path: database/x/password, fromConfig: pw}\n"),
    }
    for name, text in files.items():
        (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text(text)
    return tmp_path


def test_lists_every_shipped_stack_as_its_config_says(capsys):
    assert run_cli(stacks_cmd, ["stacks", "--project-dir", str(ROOT), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    paths = sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))
    assert [r["stack"] for r in rows] == [p.name[7:-5] for p in paths]
    for row, path in zip(rows, paths, strict=True):
        expected = expected_row(path)
        assert {**row, "path": str(Path(row["path"]).resolve())} == {**expected, "path": str(path.resolve())}


def test_table_has_one_aligned_row_per_stack(capsys):
    assert run_cli(stacks_cmd, ["stacks", "--project-dir", str(ROOT)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["STACK", "PROVIDER", "REGION", "PRODUCTION", "CLUSTER", "PREFIX", "SETTINGS"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["prod"] == ["prod", "managed-aws", "eu-west-1", "yes", "openmetadata", "prod", "stack", "file"]
    assert rows["dev"] == ["dev", "kubernetes", "-", "no", "openmetadata", "-", "stack", "file"]
    assert {line.index(rows["prod"][1]) for line in lines if "managed-aws" in line} == {lines[0].index("PROVIDER")}
    assert "\x1b[" not in "".join(lines)  # captured stdout is not a TTY


def test_production_column_is_explicit_and_case_insensitive(tmp_path, capsys):
    """PRODUCTION says what settings decide: the environment (default: the stack name) in any case, unless
    ``production`` is set explicitly."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    (tmp_path / "stacks").mkdir()
    files = {"Production": "", "eu": "  om-secrets:environment: production\n", "prod": "  om-secrets:production: false\n",
             "qa": "  om-secrets:production: true\n", "prodlike": ""}
    for name, extra in files.items():
        (tmp_path / "stacks" / f"Pulumi.{name}.yaml").write_text(
            f"config:\n  om-secrets:provider: kubernetes\n  kubernetes:enableSecretMutable: \"true\"\n{extra}")
    assert run_cli(stacks_cmd, ["stacks", "--project-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    column = lines[0].split().index("PRODUCTION")
    found = {line.split()[0]: line.split()[column] for line in lines[1:]}
    assert found == {"Production": "yes", "eu": "yes", "prod": "no", "qa": "yes", "prodlike": "no"}


def test_invalid_stacks_show_invalid_and_their_first_problem(project, capsys):
    assert run_cli(stacks_cmd, ["stacks", "--project-dir", str(project)]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows["vault"].split()[1] == "invalid"
    assert "om-secrets:provider: 'vault' is not allowed" in rows["vault"]
    assert rows["broken"].split()[1] == "invalid" and "while parsing" in rows["broken"]
    assert "stored in plaintext" in rows["plain"] and "hunter2" not in rows["plain"]
    assert rows["secure"].split()[1:3] == ["kubernetes", "-"]
    assert rows["dev"].split()[1] == "kubernetes"


def test_json_counts_the_remaining_problems(project):
    row = stacks_cmd.describe_stack(project / "stacks" / "Pulumi.vault.yaml", "vault", "om-secrets")
    assert row == {"stack": "vault", "path": str(project / "stacks" / "Pulumi.vault.yaml"), "valid": False,
                   "problem": row["problem"], "problems": 1}
    path = project / "stacks" / "Pulumi.two.yaml"
    path.write_text("config:\n  om-secrets:provider: aws\n  om-secrets:prefix: 'a b'\n")
    with pytest.raises(ConfigError) as error:
        from_dict({"provider": "aws", "prefix": "a b"}, stack="two")
    row = stacks_cmd.describe_stack(path, "two", "om-secrets")
    assert (row["problem"], row["problems"]) == (error.value.problems[0], len(error.value.problems))
    assert row["problems"] >= 2
    assert "(+" in stacks_cmd.format_rows([stacks_cmd.describe_stack(path, "two", "om-secrets")])[1]


def test_missing_project_dir_is_a_usage_error(tmp_path, capsys):
    assert run_cli(stacks_cmd, ["stacks", "--project-dir", str(tmp_path)]) == 2
    assert "no Pulumi.yaml" in capsys.readouterr().err


def test_register_and_cli_main_agree(capsys):
    outputs = []
    for via_register in (True, False):
        assert run_cli(stacks_cmd, ["stacks", "--project-dir", str(ROOT), "--json"], via_register) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and json.loads(outputs[0])


@pytest.mark.parametrize("module", [stacks_cmd, diff_cmd, fernet_cmd])
def test_epilog_examples_parse(module):
    parser = argparse.ArgumentParser(prog="omsecrets")
    module.register(parser.add_subparsers(dest="command", required=True))
    examples = [line.strip() for line in module.EPILOG.splitlines() if line.strip().startswith("omsecrets ")]
    assert examples
    for line in examples:
        argv = shlex.split(line.split("|")[0].split("<")[0].split("#")[0])[1:]
        assert callable(parser.parse_args(argv).func)


def test_help_has_examples():
    parser = argparse.ArgumentParser(prog="omsecrets")
    help_text = stacks_cmd.register(parser.add_subparsers()).format_help()
    assert "examples:" in help_text and "omsecrets stacks --json" in help_text


class _Tty:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass


@pytest.mark.parametrize("tty, no_color, coloured", [(True, None, True), (False, None, False),
                                                     (True, "1", False), (True, "", True)])
def test_colour_only_on_a_tty_without_no_color(monkeypatch, tty, no_color, coloured):
    monkeypatch.delenv("NO_COLOR", raising=False)
    if no_color is not None:
        monkeypatch.setenv("NO_COLOR", no_color)
    monkeypatch.setattr(sys, "stdout", _Tty(tty))
    assert term.use_colour() is coloured
    assert (term.paint("invalid", "red") == "\x1b[31minvalid\x1b[0m") is coloured
    assert term.paint("plain") == "plain"


def test_invalid_is_red_on_a_terminal(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setattr(sys, "stdout", _Tty(True))
    rows = [{"stack": "x", "valid": False, "problem": "bad", "problems": 1}]
    assert "\x1b[31minvalid" in stacks_cmd.format_rows(rows)[1]


@pytest.mark.parametrize("tty, total, shown", [(True, 4, True), (False, 4, False), (True, 1, False)])
def test_progress_only_for_several_steps_on_a_tty(tty, total, shown):
    stream = _Tty(tty)
    assert term.progress(2, total, "previewing staging", stream) is shown
    assert stream.text == ("[2/4] previewing staging…\n" if shown else "")
