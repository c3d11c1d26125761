"""``omsecrets stacks``: every ``Pulumi.<stack>.yaml`` with its provider, region and naming.

Read from the stack file's ``om-secrets:`` config without running anything. A stack file without
``om-secrets:`` keys belongs to a program that builds its settings in code (``from_dict``): that
stack is previewed offline and the row comes from its ``OpenMetadataSecrets`` component
(``SETTINGS`` says ``program``); a program without one is reported as such.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Optional

from omsecrets import cli, project, term

EPILOG = """\
examples:
  omsecrets stacks
  omsecrets stacks --project-dir examples/custom_program
  omsecrets stacks --json | jq '.[] | select(.valid | not)'
"""
HEADERS = ("STACK", "PROVIDER", "REGION", "PRODUCTION", "CLUSTER", "PREFIX", "SETTINGS")
NAMESPACE = "om-secrets"  # components.core.CONFIG_NAMESPACE (not imported: it would load the settings model)


def _invalid(stack: str, path: Path, exc: BaseException) -> dict[str, Any]:
    problems = getattr(exc, "problems", None) or [" ".join(str(exc).split()) or type(exc).__name__]
    return {"stack": stack, "path": str(path), "valid": False, "problem": problems[0], "problems": len(problems)}


def describe_stack(path: Path, stack: str, project_name: Optional[str],
                   project_dir: Optional[Path] = None) -> dict[str, Any]:
    """One row: the stack's settings, or ``valid: False`` and the first problem of its config."""
    try:
        stack_file = project.load_stack_file(path, project_name)
        if project_dir is not None and not any(k.startswith(f"{NAMESPACE}:") for k in stack_file.config):
            return describe_program(project_dir, path, stack)
        s = project.settings_from_config(stack_file.config, stack, stack_file.secret_keys)
    except Exception as exc:  # noqa: BLE001 any unreadable or invalid file is reported, not raised
        return _invalid(stack, path, exc)
    return {"stack": stack, "path": str(path), "valid": True, "provider": s.provider,
            "region": s.aws.region if s.is_aws else None, "production": s.production,
            "clusterName": s.cluster_name, "prefix": s.prefix or None, "settings": "stack file"}


def describe_program(project_dir: Path, path: Path, stack: str) -> dict[str, Any]:
    """The row of a stack whose program builds its settings in code: from its preview's OpenMetadataSecrets."""
    from omsecrets import engine
    from omsecrets.components.core import ENVIRONMENT_TYPE

    try:
        result = engine.preview(project_dir, stack, config_file=path)
    except project.StackFileError as exc:
        return _invalid(stack, path, exc)
    except Exception as exc:  # noqa: BLE001 reported in the row
        return _invalid(stack, path, RuntimeError(f"the program failed: {type(exc).__name__}: {exc}"))
    components = result.by_type(ENVIRONMENT_TYPE)
    if not components:
        return _invalid(stack, path, RuntimeError(
            f"no {NAMESPACE}: config and the program declares no OpenMetadataSecrets; nothing to list"))
    inputs = engine.plain(components[0].inputs)
    provider = inputs.get("provider")
    return {"stack": stack, "path": str(path), "valid": True, "provider": provider,
            "region": (result.config.get("aws:region") or engine.DEFAULT_REGION) if "aws" in str(provider) else None,
            "production": bool(inputs.get("production")), "clusterName": inputs.get("clusterName"),
            "prefix": inputs.get("prefix") or None, "settings": "program"}


def list_stack_rows(project_dir: Path) -> list[dict[str, Any]]:
    """A row for every stack file of the project, sorted by stack name."""
    name = project.load_project(project_dir)["name"]
    return [describe_stack(project.stack_file_path(project_dir, s), s, name, project_dir)
            for s in project.list_stacks(project_dir)]


def _cells(row: dict[str, Any]) -> list[str]:
    if not row["valid"]:
        more = f" (+{row['problems'] - 1} more)" if row["problems"] > 1 else ""
        return [row["stack"], "invalid", row["problem"] + more]
    return [row["stack"], row["provider"], row["region"] or "-", "yes" if row["production"] else "no",
            row["clusterName"], row["prefix"] or "-", row["settings"]]


def format_rows(rows: list[dict[str, Any]]) -> list[str]:
    """An aligned table; invalid stacks show ``invalid`` and their first problem."""
    table = [list(HEADERS)] + [_cells(r) for r in rows]
    widths = [max(len(cells[i]) for cells in table if len(cells) > i + 1) for i in range(len(HEADERS) - 1)]
    lines = []
    for n, cells in enumerate(table):
        padded = [c.ljust(widths[i]) if i < len(cells) - 1 else c for i, c in enumerate(cells)]
        if n and cells[1] == "invalid":
            padded[1] = term.paint(padded[1], "red")
        line = "  ".join(padded).rstrip()
        lines.append(term.paint(line, "bold") if n == 0 else line)
    return lines


def cmd_stacks(args: argparse.Namespace) -> int:
    rows = list_stack_rows(cli.resolve_project_dir(args.project_dir))
    if args.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    elif not rows:
        print("no stacks (no Pulumi.<stack>.yaml in the stack config directory)")
    else:
        print("\n".join(format_rows(rows)))
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "stacks", help=cli.command_help("stacks"),
        description="List every Pulumi.<stack>.yaml with its provider, AWS region, production flag, "
                    "cluster name and prefix, read from the stack config (no preview).",
        epilog=EPILOG + "\n" + cli.EXIT_CODES, formatter_class=cli.HelpFormatter)
    parser.add_argument("--project-dir", metavar="DIR", help="directory with Pulumi.yaml")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    cli.add_debug_argument(parser)
    parser.set_defaults(func=cmd_stacks)
    return parser
