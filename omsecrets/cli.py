"""``omsecrets`` command line.

Each command is a ``cmd_<name>(args) -> int`` set as the ``func`` default of its subparser:
``preview`` is defined here, the modules in ``COMMAND_MODULES`` add theirs with
``register(subparsers)``. Commands that run the program call ``load_preview(args)``;
``main()`` turns failures into messages and exit codes (2: bad input or stack config,
1: the program failed).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import sys
import traceback
from collections import Counter
from pathlib import Path
from typing import Any, Optional

from omsecrets import engine
from omsecrets.components.core import find_config_error

DEFAULT_STACK = "dev"
PREVIEW_FILE = "preview.json"
COMMAND_MODULES = ("omsecrets.check", "omsecrets.stacks_cmd", "omsecrets.diff_cmd", "omsecrets.fernet_cmd")


class CommandError(Exception):
    """An expected failure: print the message, exit with ``code``."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


class ProgramFailed(Exception):
    """The Pulumi program raised; ``cause`` is the original exception."""

    def __init__(self, stack: str, cause: BaseException):
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.stack, self.cause = stack, cause


# --------------------------------------------------------------------------- project


def find_project_dir(start: Optional[Path] = None) -> Path:
    """The nearest directory with Pulumi.yaml upward from ``start`` (cwd), else the repo root."""
    start = (start or Path.cwd()).resolve()
    for folder in [start, *start.parents]:
        if (folder / "Pulumi.yaml").is_file():
            return folder
    installed = Path(__file__).resolve().parents[1]
    if (installed / "Pulumi.yaml").is_file():
        return installed
    raise CommandError(f"no Pulumi.yaml found upward from {start}; pass --project-dir")


def resolve_project_dir(value: Optional[str]) -> Path:
    if value is None:
        return find_project_dir()
    path = Path(value).resolve()
    if not (path / "Pulumi.yaml").is_file():
        raise CommandError(f"no Pulumi.yaml in {path}")
    return path


def load_preview(args: argparse.Namespace) -> engine.PreviewResult:
    """Run the offline preview for ``args.stack`` (wrapping program failures)."""
    project_dir = resolve_project_dir(getattr(args, "project_dir", None))
    config_file = getattr(args, "config_file", None)
    if config_file is not None and not Path(config_file).is_file():
        raise CommandError(f"config file not found: {config_file}")
    try:
        return engine.preview(project_dir, args.stack, config_file=config_file)
    except engine.StackNotFoundError as exc:
        listed = ", ".join(exc.available) if exc.available else "none"
        raise CommandError(f"stack {exc.stack!r} not found: {exc.path} does not exist "
                           f"(available stacks: {listed})") from exc
    except Exception as exc:  # noqa: BLE001 classified by main()
        raise ProgramFailed(args.stack, exc) from exc


# --------------------------------------------------------------------------- text output


def _flags(resource: engine.CapturedResource) -> str:
    options = resource.options
    names = [name for name in ("protect", "retainOnDelete", "deleteBeforeReplace") if options.get(name)]
    return f" [{', '.join(names)}]" if names else ""


def format_tree(result: engine.PreviewResult) -> list[str]:
    """``+ type name`` lines, children indented under their parents, the Stack at the root."""
    known = {r.urn for r in result.resources}
    children: dict[str, list[engine.CapturedResource]] = {}
    for resource in result.resources:
        parent = resource.parent if resource.parent in known else result.stack_urn
        children.setdefault(parent, []).append(resource)
    lines = [f"+ {engine.STACK_TYPE} {result.project}-{result.stack}"]

    def walk(urn: str, depth: int) -> None:
        for child in children.get(urn, []):
            lines.append(f"{'  ' * depth}+ {child.type} {child.name}{_flags(child)}")
            walk(child.urn, depth + 1)

    walk(result.stack_urn, 1)
    return lines


def format_counts(result: engine.PreviewResult) -> list[str]:
    counts = Counter([engine.STACK_TYPE] + [r.type for r in result.resources])
    width = len(str(max(counts.values())))
    lines = [f"Resources: + {sum(counts.values())} to create"]
    lines += [f"  {n:>{width}} {type_}" for type_, n in sorted(counts.items())]
    return lines


def _format_value(value: Any) -> str:
    if value == engine.SECRET_TEXT:
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def format_outputs(result: engine.PreviewResult, show_secrets: bool = False) -> list[str]:
    outputs = engine.plain(result.outputs, show_secrets)
    if not outputs:
        return []
    width = max(len(k) for k in outputs)
    return ["Outputs:"] + [f"  {k:<{width}}: {_format_value(v)}" for k, v in outputs.items()]


def format_diagnostics(result: engine.PreviewResult) -> list[str]:
    shown = [d for d in result.diagnostics if d.severity in ("warning", "error")]
    return ["Diagnostics:"] + [f"  {d.severity}: {d.message}" for d in shown] if shown else []


def render_text(result: engine.PreviewResult, show_secrets: bool = False) -> str:
    sections = [
        [f"Previewing stack {result.stack} of project {result.project} (offline, mock engine)"],
        format_tree(result),
        format_counts(result),
        format_outputs(result, show_secrets),
        format_diagnostics(result),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def optional_hook(module_name: str, attribute: str):
    """``module.attribute`` if that module exists (commands and hooks live in their own modules)."""
    if importlib.util.find_spec(module_name) is None:
        return None
    return getattr(importlib.import_module(module_name), attribute, None)


def write_out(result: engine.PreviewResult, out_dir: Path, show_secrets: bool = False) -> list[Path]:
    """Write preview.json, then let ``omsecrets.render.write_outputs`` add files if it exists."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / PREVIEW_FILE
    path.write_text(json.dumps(result.to_document(show_secrets), indent=2) + "\n", encoding="utf-8")
    written = [path]
    write_outputs = optional_hook("omsecrets.render", "write_outputs")
    if write_outputs is not None:
        extra = write_outputs(result, out_dir, show_secrets)
        written += [Path(p) for p in extra or () if Path(p) not in written]
    return written


# --------------------------------------------------------------------------- commands


def cmd_preview(args: argparse.Namespace) -> int:
    result = load_preview(args)
    if args.json:
        sys.stdout.write(json.dumps(result.to_document(args.show_secrets), indent=2) + "\n")
        for line in format_diagnostics(result):
            print(line, file=sys.stderr)
    else:
        sys.stdout.write(render_text(result, args.show_secrets))
    if args.out:
        for path in write_out(result, Path(args.out), args.show_secrets):
            print(f"wrote {path}", file=sys.stderr)
    if getattr(args, "graph", None):
        optional_hook("omsecrets.graph", "write_graph_from_args")(args, result)
    return 0


def _common_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show tracebacks")
    return common


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """STACK, --config-file and --project-dir, shared by commands that run the program."""
    parser.add_argument("stack", nargs="?", default=DEFAULT_STACK, help=f"stack name (default {DEFAULT_STACK})")
    parser.add_argument("--config-file", metavar="PATH", help="stack config file instead of Pulumi.STACK.yaml")
    parser.add_argument("--project-dir", metavar="DIR", help="directory with Pulumi.yaml")


def add_preview_parser(subparsers, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("preview", parents=[common], help="preview the stack offline")
    add_stack_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the preview document as JSON")
    parser.add_argument("--out", metavar="DIR", help="write preview.json (and rendered files) into DIR")
    parser.add_argument("--show-secrets", action="store_true", help="print secret values in plain text")
    register_graph_option = optional_hook("omsecrets.graph", "register_graph_option")
    if register_graph_option is not None:
        register_graph_option(parser)
    parser.set_defaults(func=cmd_preview)


def build_parser() -> argparse.ArgumentParser:
    common = _common_parser()
    parser = argparse.ArgumentParser(prog="omsecrets", description="om-secrets offline tools")
    parser.add_argument("--debug", action="store_true", default=False, help="show tracebacks")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_preview_parser(subparsers, common)
    for module_name in COMMAND_MODULES:
        register = optional_hook(module_name, "register")
        if register is not None:
            register(subparsers)
    return parser


# --------------------------------------------------------------------------- errors


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _traceback(exc: BaseException) -> None:
    traceback.print_exception(exc, file=sys.stderr)


def report_failure(failure: ProgramFailed, debug: bool) -> int:
    config_error = find_config_error(failure.cause)
    if config_error is not None:
        _error(f"invalid stack configuration for {failure.stack}:")
        print(_indent(str(config_error)), file=sys.stderr)
        code = 2
    else:
        _error(f"the program failed: {failure}")
        code = 1
    if debug:
        _traceback(failure.cause)
    return code


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        _error(str(exc))
        return exc.code
    except ProgramFailed as failure:
        return report_failure(failure, getattr(args, "debug", False))


if __name__ == "__main__":  # `python -m omsecrets.cli`: use the package's module, whose errors main() knows
    from omsecrets.cli import main as _main

    raise SystemExit(_main())
