"""``omsecrets stacks``: every ``Pulumi.<stack>.yaml`` with its provider, region and naming, without a preview."""

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
HEADERS = ("STACK", "PROVIDER", "REGION", "PRODUCTION", "CLUSTER", "PREFIX")


def describe_stack(path: Path, stack: str, project_name: Optional[str]) -> dict[str, Any]:
    """One row: the stack's settings, or ``valid: False`` and the first problem of its config."""
    try:
        s = project.stack_file_settings(path, stack, project_name)
    except Exception as exc:  # noqa: BLE001 any unreadable or invalid file is reported, not raised
        problems = getattr(exc, "problems", None) or [" ".join(str(exc).split()) or type(exc).__name__]
        return {"stack": stack, "path": str(path), "valid": False, "problem": problems[0],
                "problems": len(problems)}
    return {"stack": stack, "path": str(path), "valid": True, "provider": s.provider,
            "region": s.aws.region if s.is_aws else None, "production": s.production,
            "clusterName": s.cluster_name, "prefix": s.prefix or None}


def list_stack_rows(project_dir: Path) -> list[dict[str, Any]]:
    """A row for every stack file of the project, sorted by stack name."""
    name = project.load_project(project_dir)["name"]
    return [describe_stack(project.stack_file_path(project_dir, s), s, name) for s in project.list_stacks(project_dir)]


def _cells(row: dict[str, Any]) -> list[str]:
    if not row["valid"]:
        more = f" (+{row['problems'] - 1} more)" if row["problems"] > 1 else ""
        return [row["stack"], "invalid", row["problem"] + more]
    return [row["stack"], row["provider"], row["region"] or "-", "yes" if row["production"] else "no",
            row["clusterName"], row["prefix"] or "-"]


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
