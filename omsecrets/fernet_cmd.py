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
  omsecrets fernet check -  < ring.txt            # ring as FERNET_KEY takes it: new,old
  printenv AIRFLOW__CORE__FERNET_KEY | omsecrets fernet check -

Pass the ring on stdin ('-'): an argument lands in your shell history and the process list.
""" + "\n" + cli.EXIT_CODES


def check_ring(value: str) -> str:
    """The ``ok: ...`` line for a valid ring; ValueError (why, without the keys) otherwise."""
    ring = KeyRing.parse(value.strip())
    return f"ok: ring of {len(ring)} key(s), primary {ring.primary[:4]}…"


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
    value = sys.stdin.read() if args.ring == "-" else args.ring
    try:
        print(check_ring(value))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


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
    check.add_argument("ring", metavar="VALUE|-", help="the ring 'k1,k2', or - to read it from stdin")
    check.set_defaults(func=cmd_fernet_check)
    for sub in (parser, generate, check):
        cli.add_debug_argument(sub)
    return parser
