"""``omsecrets`` command line.

Each command is a ``cmd_<name>(args) -> int`` set as the ``func`` default of its subparser:
``preview`` is defined here, the modules in ``COMMANDS`` add theirs with ``register(subparsers)``.
Only the module of the command being run is imported (``omsecrets --help`` and ``stacks`` import
no Pulumi). ``main()`` turns every failure into one message and an exit code (``EXIT_CODES``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, Optional

from omsecrets import speed

if TYPE_CHECKING:
    from omsecrets import engine

DEFAULT_STACK = "dev"
PREVIEW_FILE = "preview.json"

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_PROGRAM = 0, 1, 2, 3
EXIT_CODES = """\
exit codes:
  0  ok
  1  policy violations (check: lifecycle findings too, such as a --baseline-ref stack file that
     no longer previews, unless --allow-unchecked-baseline), differences (diff), an unusable
     key ring (fernet check) or an unusable JWT key (jwt check)
  2  usage or configuration error: bad arguments (a --baseline of another stack or project, a
     --baseline-ref that names no commit), unknown stack, invalid stack file or om-secrets
     config (the message names the file, the line or key, and what is allowed)
  3  program error: the Pulumi program or om-secrets itself failed (--debug shows the traceback)
"""
# name -> (module, one-line help): the module's register(subparsers) adds the full parser.
COMMANDS: dict[str, tuple[str, str]] = {
    "preview": ("omsecrets.cli", "preview the stack offline"),
    "check": ("omsecrets.check", "run the om-secrets policy rules over stacks, offline"),
    "stacks": ("omsecrets.stacks_cmd", "list the stacks and their provider, region and naming"),
    "diff": ("omsecrets.diff_cmd", "compare what two stacks declare"),
    "fernet": ("omsecrets.fernet_cmd", "generate Fernet keys or check a key ring"),
    "jwt": ("omsecrets.jwt_cmd", "check an OpenMetadata JWT signing key file or JWKS"),
}


def command_help(name: str) -> str:
    return COMMANDS[name][1]


def _columns() -> int:
    """``shutil.get_terminal_size().columns`` without importing shutil (and bz2, lzma) on every run."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    stdout = sys.__stdout__
    try:
        return os.get_terminal_size(stdout.fileno()).columns if stdout is not None else 80
    except (AttributeError, ValueError, OSError):
        return 80


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser whose errors (``unrecognized arguments: ...``) never show key material."""

    def error(self, message: str) -> NoReturn:
        from omsecrets.components import disclosure

        super().error(disclosure.redact(message))


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs as written; every parser of ``omsecrets`` uses it."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: Optional[int] = None):
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


class CommandError(Exception):
    """An expected failure: print the message, exit with ``code`` (usage/config error by default)."""

    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


class ProgramFailed(Exception):
    """Previewing ``stack`` raised ``cause``; ``stack_file`` and ``project_dir`` say where."""

    def __init__(self, stack: str, cause: BaseException, stack_file: Optional[Path] = None,
                 project_dir: Optional[Path] = None):
        super().__init__(f"{type(cause).__name__}: {cause}")
        self.stack, self.cause, self.stack_file, self.project_dir = stack, cause, stack_file, project_dir


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
    raise CommandError(f"no Pulumi.yaml found upward from {start}; run inside a project or pass --project-dir DIR")


def resolve_project_dir(value: Optional[str]) -> Path:
    if value is None:
        return find_project_dir()
    path = Path(value).resolve()
    if not (path / "Pulumi.yaml").is_file():
        raise CommandError(f"no Pulumi.yaml in {path}; pass --project-dir the directory that holds Pulumi.yaml")
    return path


def display_path(path: Path, base: Optional[Path] = None) -> str:
    """``path`` relative to the cwd (else ``base``) when it lies below it, else absolute."""
    path = Path(path).resolve()
    for folder in (Path.cwd(), base):
        if folder is not None:
            try:
                return path.relative_to(Path(folder).resolve()).as_posix()
            except ValueError:
                pass
    return str(path)


def stack_file_of(project_dir: Path, stack: str, config_file: Optional[str] = None) -> Path:
    from omsecrets import project

    return Path(config_file) if config_file else project.stack_file_path(project_dir, stack)


def load_preview(args: argparse.Namespace) -> engine.PreviewResult:
    """Run the offline preview for ``args.stack`` (wrapping program failures in ``ProgramFailed``)."""
    from omsecrets import engine, project

    project_dir = resolve_project_dir(getattr(args, "project_dir", None))
    config_file = getattr(args, "config_file", None)
    if config_file is not None and not Path(config_file).is_file():
        raise CommandError(f"config file not found: {config_file}; pass an existing Pulumi.<stack>.yaml")
    speed.lighten_previews()
    try:
        return engine.preview(project_dir, args.stack, config_file=config_file)
    except project.StackNotFoundError as exc:
        raise CommandError(stack_not_found_message(exc)) from exc
    except project.StackFileError:
        raise
    except Exception as exc:  # noqa: BLE001 classified by describe_error()
        raise ProgramFailed(args.stack, exc, stack_file_of(project_dir, args.stack, config_file), project_dir) from exc


def stack_not_found_message(exc) -> str:
    listed = ", ".join(exc.available) if exc.available else "none"
    return (f"stack {exc.stack!r} not found: {display_path(exc.path)} does not exist "
            f"(available stacks: {listed}); create the file or pick one of those")


# --------------------------------------------------------------------------- text output


def _flags(resource: engine.CapturedResource) -> str:
    options = resource.options
    names = [name for name in ("protect", "retainOnDelete", "deleteBeforeReplace") if options.get(name)]
    return f" [{', '.join(names)}]" if names else ""


def format_tree(result: engine.PreviewResult) -> list[str]:
    """``+ type name`` lines, children indented under their parents, the Stack at the root."""
    from omsecrets.engine import STACK_TYPE

    known = {r.urn for r in result.resources}
    children: dict[str, list[engine.CapturedResource]] = {}
    for resource in result.resources:
        parent = resource.parent if resource.parent in known else result.stack_urn
        children.setdefault(parent, []).append(resource)
    lines = [f"+ {STACK_TYPE} {result.project}-{result.stack}"]

    def walk(urn: str, depth: int) -> None:
        for child in children.get(urn, []):
            lines.append(f"{'  ' * depth}+ {child.type} {child.name}{_flags(child)}")
            walk(child.urn, depth + 1)

    walk(result.stack_urn, 1)
    return lines


def format_counts(result: engine.PreviewResult) -> list[str]:
    from omsecrets.engine import STACK_TYPE

    counts = Counter([STACK_TYPE] + [r.type for r in result.resources])
    width = len(str(max(counts.values())))
    lines = [f"Resources: + {sum(counts.values())} to create"]
    lines += [f"  {n:>{width}} {type_}" for type_, n in sorted(counts.items())]
    return lines


def _format_value(value: Any) -> str:
    from omsecrets.engine import SECRET_TEXT

    if value == SECRET_TEXT:
        return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def format_outputs(result: engine.PreviewResult, show_secrets: bool = False) -> list[str]:
    from omsecrets.engine import plain

    outputs = plain(result.outputs, show_secrets)
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


def write_out(result: engine.PreviewResult, out_dir: Path, show_secrets: bool = False) -> list[Path]:
    """Write preview.json and the rendered files into ``out_dir`` (``omsecrets.out_dir``: one stack a directory)."""
    from omsecrets import out_dir as out

    return out.write(result, out_dir, show_secrets)


# --------------------------------------------------------------------------- commands


#: Said on stderr whenever ``--show-secrets`` shows values of an offline preview.
SHOW_SECRETS_NOTICE = ("note: --show-secrets shows the values of this offline preview: generated keys and passwords "
                       "are made up by the mock engine, not your deployment's (those exist only in Pulumi state after "
                       "`pulumi up`); values from secret config are real")


def cmd_preview(args: argparse.Namespace) -> int:
    if args.out:  # refuse a directory of another stack before running anything
        from omsecrets import out_dir, project

        name = project.load_project(resolve_project_dir(args.project_dir))["name"]
        out_dir.prepare(Path(args.out), name, args.stack)
    result = load_preview(args)
    if args.show_secrets:
        print(SHOW_SECRETS_NOTICE, file=sys.stderr)
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
        from omsecrets import graph_draw

        graph_draw.write_graph_from_args(args, result)
    return EXIT_OK


def add_debug_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of a failure")


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """STACK, --config-file and --project-dir, shared by commands that run the program."""
    parser.add_argument("stack", nargs="?", default=DEFAULT_STACK, help=f"stack name (default {DEFAULT_STACK})")
    parser.add_argument("--config-file", metavar="PATH", help="stack config file instead of Pulumi.STACK.yaml")
    parser.add_argument("--project-dir", metavar="DIR", help="directory with Pulumi.yaml")


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``preview`` to the ``omsecrets`` subparsers."""
    from omsecrets import graph_draw

    parser = subparsers.add_parser(
        "preview", help=command_help("preview"), epilog=EXIT_CODES,
        description="Run the program of a stack offline (Pulumi's mock engine) and print what it declares.",
        formatter_class=HelpFormatter)
    add_stack_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the preview document as JSON")
    parser.add_argument("--out", metavar="DIR",
                        help="write preview.json and the rendered files into DIR: a new or empty directory, or one "
                             "--out wrote for the same stack (its files, listed in DIR/om-secrets-out.json, are "
                             "replaced). Without --show-secrets, manifests with [secret] placeholders are written "
                             "as NAME.redacted, which kubectl apply -f skips")
    parser.add_argument("--show-secrets", action="store_true", help="print secret values in plain text")
    graph_draw.register_graph_option(parser)
    add_debug_argument(parser)
    parser.set_defaults(func=cmd_preview)
    return parser


def _selected(argv: Optional[list[str]]) -> Optional[str]:
    """The command named in ``argv`` (None: build every command's parser)."""
    if argv is None:
        return None
    return next((a for a in argv if not a.startswith("-")), "")


def build_parser(argv: Optional[list[str]] = None) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the command it names gets its full parser (and imports)."""
    parser = ArgumentParser(prog="omsecrets", description="om-secrets offline tools: preview, check, "
                            "diff and list stacks without the Pulumi CLI or cloud credentials.",
                            epilog=EXIT_CODES, formatter_class=HelpFormatter)
    parser.add_argument("--debug", action="store_true", default=False, help="show the traceback of a failure")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    selected = _selected(argv)
    for name, (module, help_text) in COMMANDS.items():
        if selected is None or selected == name:
            importlib.import_module(module).register(subparsers)
        else:
            subparsers.add_parser(name, help=help_text, formatter_class=HelpFormatter)
    return parser


# --------------------------------------------------------------------------- errors


def _chain(exc: BaseException):
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        wrapped = current.cause if isinstance(current, ProgramFailed) else None
        current = wrapped or current.__cause__ or current.__context__


def _named(exc: BaseException, name: str) -> bool:
    return any(cls.__name__ == name for cls in type(exc).__mro__)


def find_error(exc: BaseException, name: str) -> Optional[BaseException]:
    """The first exception of class ``name`` (or a subclass) in ``exc``'s chain."""
    return next((e for e in _chain(exc) if _named(e, name)), None)


def key_line(path: Optional[Path], key: str) -> Optional[int]:
    """The 1-based line of config ``key`` (``ns:key``, ``ns:key.sub``, ``ns:key[0].sub``) in a stack file, if
    written (else of the nearest key above it), as ``omsecrets.stack_yaml`` read the file."""
    from omsecrets import project

    return project.key_line(path, key)


def config_problems(error: BaseException, stack_file: Optional[Path]) -> list[tuple[Optional[int], str]]:
    """``(line, problem)`` for each problem of a ConfigError: the lines it carries, else the line of the key it names."""
    problems = list(getattr(error, "problems", None) or [str(error)])
    lines = getattr(error, "lines", None)
    if isinstance(lines, list) and len(lines) == len(problems):
        return list(zip(lines, problems, strict=True))
    return [(key_line(stack_file, p.split(": ", 1)[0] if ": " in p else ""), p) for p in problems]


def format_config_error(error: BaseException, stack: str, stack_file: Optional[Path]) -> str:
    problems = config_problems(error, stack_file)
    where = display_path(stack_file) if stack_file else "its config"
    n = len(problems)
    lines = [f"stack {stack}: {n} problem{'s' if n != 1 else ''} in {where}:"]
    for line, problem in problems:
        lines.append(f"  {where}:{line}: {problem}" if line and stack_file else f"  {problem}")
    lines.append(f"fix the keys named above in {where} (each message says what is allowed)")
    return "\n".join(lines)


def program_location(exc: BaseException, project_dir: Optional[Path]) -> Optional[str]:
    """``file:line`` of the deepest traceback frame in the project's own code (not a library)."""
    import traceback

    if project_dir is None:
        return None
    root = Path(project_dir).resolve()
    found = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(frame.filename)
        if path.is_absolute() and path.is_relative_to(root) and not any(
                part in ("site-packages", ".venv") for part in path.parts):
            found = f"{display_path(path)}:{frame.lineno}"
    return found


def describe_error(exc: BaseException) -> tuple[int, str]:
    """(exit code, message) for a failure: 2 for usage/config/stack file problems, 3 otherwise. No
    message shows a text that looks like key material (``components.disclosure``)."""
    from omsecrets.components import disclosure

    code, message = _describe_error(exc)
    return code, disclosure.redact(message)


def _describe_error(exc: BaseException) -> tuple[int, str]:
    if isinstance(exc, CommandError):
        return exc.code, str(exc)
    for name in ("StackFileError", "DuplicateRuleError"):
        found = find_error(exc, name)
        if found is not None:
            return EXIT_USAGE, str(found)
    if find_error(exc, "StackNotFoundError") is not None:
        return EXIT_USAGE, stack_not_found_message(find_error(exc, "StackNotFoundError"))
    if isinstance(exc, ProgramFailed):
        from omsecrets.components.core import find_config_error

        config_error = find_config_error(exc.cause)
        if config_error is not None:
            return EXIT_USAGE, format_config_error(config_error, exc.stack, exc.stack_file)
        where = program_location(exc.cause, exc.project_dir)
        at = f" at {where}" if where else ""
        if find_error(exc.cause, "PreviewTimeoutError") is not None:
            return EXIT_PROGRAM, (f"stack {exc.stack}: the program did not finish{at}: {exc.cause}; look for an "
                                  "Output or future that never resolves (--debug shows where it waited)")
        return EXIT_PROGRAM, (f"stack {exc.stack}: the program failed{at}: {exc}\n"
                              "fix the program (or its config); --debug shows the traceback")
    return EXIT_PROGRAM, (f"internal error: {type(exc).__name__}: {exc}\n"
                          "this is a bug in om-secrets; --debug shows the traceback to report")


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)


def report_failure(exc: BaseException, debug: bool) -> int:
    """Print ``exc`` as one message (the traceback only with ``debug``); return its exit code."""
    code, message = describe_error(exc)
    _error(message)
    if debug:
        import traceback

        from omsecrets.components import disclosure

        cause = exc.cause if isinstance(exc, ProgramFailed) else exc
        sys.stderr.write(disclosure.redact("".join(traceback.format_exception(cause))))
    return code


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if _selected(argv) == "fernet":  # a ring given as an argument may start with '-' (1 key in 64 does)
        from omsecrets import fernet_cmd

        argv = fernet_cmd.ring_after_dashes(argv)
    debug = "--debug" in argv
    try:
        args = build_parser(argv).parse_args(argv)
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 every failure becomes a message and an exit code
        return report_failure(exc, debug)


def run() -> None:
    """The ``omsecrets`` console script and ``python -m omsecrets``: ``main()`` with ``omsecrets.speed`` on."""
    speed.start()
    speed.exit(main())


if __name__ == "__main__":  # `python -m omsecrets.cli`: use the package's module, whose errors main() knows
    from omsecrets.cli import run as _run

    _run()
