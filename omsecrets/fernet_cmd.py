"""``omsecrets fernet generate|check``: new Fernet keys, and validation of a ring without echoing it."""

from __future__ import annotations

import argparse
import sys

from omsecrets import cli
from omsecrets.components.fernet import KeyRing, generate_key

MAX_COUNT = 100
EPILOG = """\
examples:
  omsecrets fernet generate
  omsecrets fernet generate --count 2
  omsecrets fernet check < ring.txt               # ring as FERNET_KEY takes it: new,old
  printenv AIRFLOW__CORE__FERNET_KEY | omsecrets fernet check

The ring is read from stdin unless given as an argument (which lands in your shell history and the
process list; a ring starting with '-' is read as the ring, not as an option). Checked exactly as OM
reads FERNET_KEY (split on ',', nothing trimmed): whitespace inside the ring is refused; one final
newline on stdin is ignored. Every bad key is reported by position, never shown.
""" + "\n" + cli.EXIT_CODES


def ring_problems(value: str) -> list[str]:
    """Every reason the ring is unusable, each naming the key's position, never a key ([] when usable)."""
    return KeyRing.problems(value)


def check_ring(value: str) -> str:
    """The ``ok: ...`` line for a valid ring; ValueError (every reason, without the keys) otherwise."""
    problems = ring_problems(value)
    if problems:
        raise ValueError("; ".join(problems))
    count = len(value.split(","))
    return f"ok: ring of {count} distinct valid key(s); key 1 is the primary (encrypts), all decrypt"


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to {MAX_COUNT}")
    return value


def cmd_fernet_generate(args: argparse.Namespace) -> int:
    print("\n".join(generate_key() for _ in range(args.count)))
    return 0


def cmd_fernet_check(args: argparse.Namespace) -> int:
    if args.ring in (None, "-"):
        if sys.stdin.isatty():
            print("reading the ring from stdin (end with Ctrl-D)", file=sys.stderr)
        value = sys.stdin.read()
        value = value[:-1] if value.endswith("\n") else value  # what `printenv` and editors add
        value = value[:-1] if value.endswith("\r") else value
    else:
        value = args.ring
    problems = ring_problems(value)
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(check_ring(value))
    return 0


_CHECK_OPTIONS = ("-h", "--help", "--debug")


def ring_after_dashes(argv: list[str]) -> list[str]:
    """``argv`` with a ``fernet check`` ring that starts with '-' moved after ``--``.

    argparse reads ``-abc...=`` as an unknown option and echoes it; a Fernet key starts with '-' once
    in 64. The ring is the one argument of ``check`` that is not one of its options.
    """
    words = [a for a in argv if a not in ("--debug",)]
    if words[:2] != ["fernet", "check"] or "--" in argv:
        return argv
    start = argv.index("check") + 1
    rings = [i for i, a in enumerate(argv[start:], start) if a.startswith("-") and a != "-" and a not in _CHECK_OPTIONS]
    if len(rings) != 1:
        return argv
    ring = argv[rings[0]]
    return [a for i, a in enumerate(argv) if i != rings[0]] + ["--", ring]


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "fernet", help=cli.command_help("fernet"),
        description="Generate Fernet keys for OpenMetadata (FERNET_KEY) and Airflow (AIRFLOW__CORE__FERNET_KEY), "
                    "or check a comma-separated ring (primary first). OpenMetadata's public default key is refused.",
        epilog=EPILOG, formatter_class=cli.HelpFormatter)
    actions = parser.add_subparsers(dest="fernet_command", metavar="ACTION", required=True)
    generate = actions.add_parser("generate", help="print new random keys, one per line", epilog=EPILOG,
                                  formatter_class=cli.HelpFormatter)
    generate.add_argument("--count", type=_count, default=1, metavar="N", help=f"how many keys (1-{MAX_COUNT})")
    generate.set_defaults(func=cmd_fernet_generate)
    check = actions.add_parser("check", help="validate a ring; exit 1 with the reason if it is unusable",
                               epilog=EPILOG, formatter_class=cli.HelpFormatter)
    check.add_argument("ring", nargs="?", default="-", metavar="VALUE|-",
                       help="the ring 'k1,k2'; default (or -): read it from stdin")
    check.set_defaults(func=cmd_fernet_check)
    for sub in (parser, generate, check):
        cli.add_debug_argument(sub)
    return parser
