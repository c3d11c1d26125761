"""``omsecrets jwt check``: is a key file usable as OpenMetadata's JWT key, and is it OM's public default?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from omsecrets import cli

#: Larger inputs are not key files (a 4096-bit PEM private key is ~3.3 KB, a JWKS of 10 keys ~10 KB).
MAX_BYTES = 1 << 20
EPILOG = """\
examples:
  omsecrets jwt check /etc/openmetadata/jwtkeys/private_key.der
  kubectl get secret openmetadata-jwt-keys -o jsonpath='{.data.public_key\\.der}' | base64 -d | omsecrets jwt check
  curl -s http://openmetadata:8585/api/v1/system/config/jwks | omsecrets jwt check
  pulumi config get om-secrets:existingJwtKey | omsecrets jwt check

Reads a DER or PEM key (private or public, PKCS#8, PKCS#1 or X.509 SubjectPublicKeyInfo), base64 of DER,
or a JWKS document, from FILE or stdin. Says what it is, its size, its kid (the RFC 7638 thumbprint), whether
OM can read it as its key file (OM reads the private key as unencrypted PKCS#8 DER and the public key as
X.509 SubjectPublicKeyInfo DER, RSA of at least 2048 bits) and whether it is OpenMetadata's shipped default
pair, whose private key is public. Never prints key bytes.
""" + "\n" + cli.EXIT_CODES


def describe(facts, number: int) -> list[str]:
    """Lines about one key: what it is, its kid, and each problem (never key bytes)."""
    role = {"private": "private key", "public": "public key", "jwks": "JWKS key"}[facts.kind]
    size = f"{facts.bits}-bit " if facts.bits else ""
    head = f"key {number}: {size}{facts.algorithm} {role}, {facts.encoding}"
    if facts.kid is not None:
        head += f", kid {facts.kid!r}"
    if facts.thumbprint:
        head += f", thumbprint {facts.thumbprint}"
    problems = facts.problems()
    if facts.kind == "jwks":
        verdict = "not usable" if problems else "ok"
    else:
        target = "RSA_PRIVATE_KEY_FILE_PATH" if facts.kind == "private" else "RSA_PUBLIC_KEY_FILE_PATH"
        verdict = f"not usable as OM's {target}" if problems else f"ok as OM's {target}"
    return [f"{head}: {verdict}", *(f"  - {p}" for p in problems)]


def _read(source: str) -> bytes:
    if source == "-":
        if sys.stdin.isatty():
            print("reading the key from stdin (end with Ctrl-D)", file=sys.stderr)
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        path = Path(source)
        if not path.is_file():
            raise cli.CommandError(f"{source}: no such file")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise cli.CommandError(f"{source}: over {MAX_BYTES // 1024} KiB: not a key file")
    return data


def cmd_jwt_check(args: argparse.Namespace) -> int:
    from omsecrets.components import jwt

    data = _read(args.file)
    try:
        keys = jwt.read_keys(data)
    except ValueError as exc:
        print(f"error: {args.file if args.file != '-' else 'stdin'}: {exc}", file=sys.stderr)
        return 2
    bad = False
    for number, facts in enumerate(keys, 1):
        lines = describe(facts, number)
        bad = bad or bool(facts.problems())
        print("\n".join(lines), file=sys.stderr if facts.problems() else sys.stdout)
    return 1 if bad else 0


def register(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "jwt", help=cli.command_help("jwt"),
        description="Check OpenMetadata JWT signing key files: usable by OM, OM's public default, their kid.",
        epilog=EPILOG, formatter_class=cli.HelpFormatter)
    actions = parser.add_subparsers(dest="jwt_command", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="describe a key file or JWKS; exit 1 if OM cannot or must not use it",
                               epilog=EPILOG, formatter_class=cli.HelpFormatter)
    check.add_argument("file", nargs="?", default="-", metavar="FILE|-", help="the key file; default (or -): stdin")
    check.set_defaults(func=cmd_jwt_check)
    for sub in (parser, check):
        cli.add_debug_argument(sub)
    return parser
