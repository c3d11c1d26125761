"""Hostile stack files through ``omsecrets preview`` and ``check``, in process, each case bounded.

Every run ends with exit 0, 1 or 2 and a message: never 3, never a traceback. Each case is bounded by
``SECONDS`` (10 s, wall clock, an interval timer interrupts a run that would hang) and ``MIB`` (200 MiB
of Python allocations, ``tracemalloc`` peak; the process's peak RSS growth is checked against it too).
A bad stack file gets exit 2 with the file, the line and the key of each problem, every problem in one
run, before the program declares anything.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import io
import json
import os
import re
import resource
import signal
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from omsecrets import cli
from omsecrets.components import settings as settings_module
from omsecrets.components.fernet import generate_key

ROOT = Path(__file__).resolve().parents[1]
SECONDS, MIB = 10, 200
STACK = "x"
FILE = f"stacks/Pulumi.{STACK}.yaml"
HEAD = 'config:\n  kubernetes:enableSecretMutable: "true"\n  om-secrets:provider: kubernetes\n'


@dataclasses.dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    peak_mib: float

    @property
    def text(self) -> str:
        return self.out + self.err


class _Overrun(BaseException):  # not caught by cli.main: the case stops there
    pass


@contextlib.contextmanager
def bounded():
    """Fail a case that runs over ``SECONDS`` of CPU time (interrupting it; CPU, not wall time, so a loaded
    machine does not fail it) or allocates over ``MIB``; yield the measures."""
    measures: dict[str, float] = {}

    def overrun(signum, frame):
        raise _Overrun(f"over {SECONDS} s of CPU time")

    previous = signal.signal(signal.SIGPROF, overrun)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.process_time()
    signal.setitimer(signal.ITIMER_PROF, SECONDS)
    try:
        yield measures
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
        measures["seconds"] = time.process_time() - started
        measures["peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        measures["rss_growth_mib"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert measures["seconds"] < SECONDS and measures["peak_mib"] < MIB and measures["rss_growth_mib"] < MIB, measures


def project(tmp_path: Path, text: "str | bytes") -> Path:
    """A copy of the om-secrets project with one stack file ``x`` holding ``text``."""
    (tmp_path / "stacks").mkdir(exist_ok=True)
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "__main__.py").write_text((ROOT / "__main__.py").read_text())
    path = tmp_path / "stacks" / f"Pulumi.{STACK}.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return tmp_path


_WARM: list[bool] = []


def warm_up() -> None:
    """Import what a preview imports (Pulumi, every provider SDK), once and outside the bounds: a case is measured
    for reading and checking its stack file, not for Python's first import of pulumi_aws under tracemalloc."""
    if _WARM:
        return
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for stack in sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (ROOT / "stacks").glob("Pulumi.*.yaml")):
            cli.main(["preview", stack, "--project-dir", str(ROOT)])
        cli.main(["check", "dev", "--project-dir", str(ROOT)])
    _WARM.append(True)


def run(capsys, *argv: str) -> Run:
    """``omsecrets *argv`` in process, bounded; its exit code, stdout and stderr."""
    warm_up()
    capsys.readouterr()
    with bounded() as measures:
        try:
            code = cli.main(list(argv))
        except SystemExit as done:  # argparse
            code = int(done.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err, measures["seconds"], measures["peak_mib"])


def both(capsys, folder: Path) -> dict[str, Run]:
    """``preview x`` and ``check x`` run in ``folder`` (so files are named ``stacks/Pulumi.x.yaml``)."""
    with contextlib.chdir(folder):
        return {command: run(capsys, command, STACK) for command in ("preview", "check")}


def fragments(secret: str, text: str, width: int = 8) -> list[str]:
    """The ``width``-character pieces of ``secret`` found in ``text`` (none may be)."""
    return [secret[i:i + width] for i in range(len(secret) - width + 1) if secret[i:i + width] in text]


def assert_contract(result: Run) -> None:
    """Exit 0, 1 or 2 with a message; never 3, never a traceback."""
    assert result.code in (0, 1, 2), result.text
    assert "Traceback" not in result.text and "internal error" not in result.text, result.text
    assert (result.out + result.err).strip() and (result.code != 2 or result.err.strip()), result  # exit 1: a report


def problem_lines(result: Run) -> list[str]:
    return [line.strip() for line in result.err.splitlines() if re.match(rf"\s+{re.escape(FILE)}:\d+: ", line)]


# ------------------------------------------------------------------ the cases, each in preview and check

SECRET = "Zm9vYmFyLXNlY3JldC1rZXktMzItYnl0ZXMtbG9uZyE="  # Fernet-shaped: what a user pastes

#: name -> (stack file, [(line, key, words the problem says)]): each case must give exit 2 with exactly these.
CASES: dict[str, tuple["str | bytes", list[tuple[int, str, str]]]] = {
    "non-utf8-byte": (HEAD.encode() + b"  om-secrets:clusterName: caf\xe9\n",
                      [(4, "om-secrets:clusterName", "byte 0xE9 at line 4, column 30 is not UTF-8"),
                       (4, "om-secrets:clusterName", "expected printable ASCII")]),
    "huge-number-in-an-integer-key": (HEAD + "  om-secrets:secrets:\n    - path: database/a/password\n      length: 1.0e+999\n"
                                      "  om-secrets:prefix: [1]\n",
                                      [(6, "om-secrets:secrets[0].length", "expected a whole number from 16 to 1024"),
                                       (7, "om-secrets:prefix", "is a list")]),
    "infinite-number": (HEAD + "  om-secrets:secrets:\n    - path: database/a/password\n      length: .inf\n",
                        [(6, "om-secrets:secrets[0].length", "is .inf: the Pulumi CLI cannot pass an infinite"),
                         (6, "om-secrets:secrets[0].length", "expected a whole number")]),
    "duplicate-key": (HEAD + "  om-secrets:provider: aws\n",
                      [(4, "om-secrets:provider", "is repeated (lines 3 and 4)")]),
    "duplicate-key-bare-and-namespaced": (HEAD + "  provider: aws\n",
                                          [(4, "om-secrets:provider", "is set twice: as om-secrets:provider (line 3) "
                                                                      "and as provider (line 4)")]),
    "duplicate-nested-key": (HEAD + "  om-secrets:kubernetes:\n    createNamespaces: true\n    createNamespaces: false\n",
                             [(6, "om-secrets:kubernetes.createNamespaces", "is repeated (lines 5 and 6)")]),
    "integer-map-key": (HEAD + "  om-secrets:tags:\n    1: x\n",
                        [(5, "om-secrets:tags.1", "is a key that is a number, not a string")]),
    "integer-generation-key": (HEAD + "  om-secrets:fernet:\n    openmetadata:\n      generations: [2, 1]\n"
                               "      imported:\n        1: existingKey\n",
                               [(8, "om-secrets:fernet.openmetadata.imported.1", "is a key that is a number"),
                                (8, "om-secrets:fernet.openmetadata.imported.1", "'existingKey' is not set")]),
    "non-ascii-cluster-name": (HEAD + "  om-secrets:clusterName: clüster\n",
                               [(4, "om-secrets:clusterName", "'clüster' is not valid; expected printable ASCII")]),
    "control-character-in-cluster-name": (HEAD + '  om-secrets:clusterName: "om\\u0000x"\n',
                                          [(4, "om-secrets:clusterName", "'om\\x00x' is not valid")]),
    "empty-value-is-empty-not-null": (HEAD + "  om-secrets:clusterName:\n",  # was: clusterName "null", silently
                                      [(4, "om-secrets:clusterName", "clusterName is empty")]),
    "yaml-1.1-yes": (HEAD + "  om-secrets:kubernetes:\n    createNamespaces: yes\n",
                     [(5, "om-secrets:kubernetes.createNamespaces", "'yes' is not a boolean")]),
    "yaml-1.1-off-top-level": (HEAD + "  om-secrets:protect: off\n",
                               [(4, "om-secrets:protect", "'off' is not a boolean")]),
    "secure-where-a-plain-name-goes": (HEAD + "  om-secrets:clusterName:\n    secure: v1:AAAB\n",
                                       [(4, "om-secrets:clusterName", "is an encrypted (secure:) value; this is a plain "
                                                                      "setting")]),
    "secure-as-fromConfig": (HEAD + "  om-secrets:secrets:\n    - path: database/a/password\n      fromConfig:\n"
                             "        secure: v1:AAAB\n",
                             [(6, "om-secrets:secrets[0].fromConfig", "it takes the name of a config key set with --secret")]),
    "secret-as-fromConfig": (HEAD + f"  om-secrets:secrets:\n    - path: database/a/password\n      fromConfig: {SECRET}\n",
                             [(6, "om-secrets:secrets[0].fromConfig", "44-character value that looks like key material")]),
    "secret-as-imported": (HEAD + f"  om-secrets:fernet:\n    openmetadata:\n      generations: [2, 1]\n"
                           f"      imported: {{'1': {SECRET}}}\n",
                           [(7, "om-secrets:fernet.openmetadata.imported.1", "looks like key material")]),
    "secret-as-jwt-imported": (HEAD + f"  om-secrets:jwt:\n    imported: {SECRET}\n    keyId: running-kid\n",
                               [(5, "om-secrets:jwt.imported", "looks like key material")]),
    "jwt-key-pasted-as-a-pem": (HEAD + "  om-secrets:jwt:\n    imported: |\n      -----BEGIN PRIVATE KEY-----\n"
                                "      MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n      -----END PRIVATE KEY-----\n    keyId: k\n",
                                [(5, "om-secrets:jwt.imported", "not shown")]),
    "secret-as-clientSecret": (
        'config:\n  om-secrets:provider: managed-azure-kv\n  om-secrets:azure:\n    subscriptionId: '
        '00000000-0000-0000-0000-0000000000aa\n    tenantId: 00000000-0000-0000-0000-0000000000bb\n'
        '    resourceGroupName: rg\n    location: westeurope\n    vault: {name: om-kv, create: false}\n'
        '    identity:\n      mode: client-secret\n      server: {clientId: 00000000-0000-0000-0000-000000000001, '
        f'principalId: 00000000-0000-0000-0000-000000000002, clientSecret: {SECRET}}}\n',
        [(11, "om-secrets:azure.identity.server.clientSecret", "looks like key material"),
         *((9, f"om-secrets:azure.identity.ingestion.{k}", "is required with mode 'client-secret'")
           for k in ("clientId", "principalId", "clientSecret"))]),
    "secret-as-a-key": (HEAD + f"  om-secrets:tags:\n    {SECRET}: x\n",
                        [(4, "om-secrets:tags", "has a key that is a 44-character value that looks like key material")]),
    "secret-as-a-config-key": (HEAD + f"  {SECRET}: x\n",
                               [(4, "om-secrets:<a 44-character value that looks like key material, not shown>",
                                 "a config key that looks like key material")]),
    "secret-in-a-plain-setting": (HEAD + f"  om-secrets:prefix: {SECRET}\n",
                                  [(4, "om-secrets:prefix", "this is a plain setting, shown in previews")]),
    "secret-in-plaintext-provider-config": (HEAD + f"  aws:secretKey: {SECRET}\n",
                                            [(4, "aws:secretKey", "in plaintext in the stack file: set it with "
                                                                  "`pulumi config set --secret aws:secretKey <value>`")]),
    "second-document": (HEAD + "---\nconfig:\n  om-secrets:provider: aws\n",
                        [(4, "", "a second YAML document starts at line 4")]),
    "key-with-two-colons": (HEAD + "  om-secrets:aws:region: eu-west-1\n",
                            [(4, "om-secrets:aws:region", "is not a config key")]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_hostile_case_is_exit_2_with_file_line_and_key_in_preview_and_check(name, capsys, tmp_path):
    text, expected = CASES[name]
    folder = project(tmp_path, text)
    for command, result in both(capsys, folder).items():
        assert_contract(result)
        assert result.code == 2, (command, result.text)
        assert not fragments(SECRET, result.text), (command, result.text)
        if command == "check":
            assert "OMS-CFG-001" in result.out and f"config problem(s) in {FILE}" in result.err, result.text
            for _, key, words in expected:  # each an OMS-CFG-001 finding naming the key; om-secrets keys with a line
                assert words in result.out and key in result.out, (key, words, result.out)
                if key.startswith("om-secrets:") and "not shown" not in key:  # check finds no line for a hidden key
                    assert re.search(rf"Fix {re.escape(key)}\S* in {re.escape(FILE)}:\d+\.", result.out), result.out
            continue
        shown = problem_lines(result) + [line.strip() for line in result.err.splitlines() if line.startswith("    ")]
        assert f"{len(expected)} problem" in result.err, result.err
        for line, key, words in expected:
            where = f"{FILE}:{line}: " if line else ""
            assert any(s.startswith(f"{where}{key}") and words in s for s in problem_lines(result) + shown), (
                line, key, words, result.err)
        assert "Previewing" not in result.out


#: Refused as a whole (the file cannot be read as YAML, or is over a bound): one message with its line.
UNREADABLE: dict[str, tuple[bytes, str]] = {
    "alias-bomb": (b"config:\n  om-secrets:provider: kubernetes\n  a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
                   + b"".join(f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n".encode() for i in range(1, 10)),
                   "aliases standing for more than 100,000 values"),
    "deep-nesting": (HEAD.encode() + b"  om-secrets:tags:\n" + b"".join(b"  " * (i + 2) + f"k{i}:\n".encode()
                                                                      for i in range(400)) + b"  " * 402 + b"v\n",
                     "nested deeper than 64 levels"),  # was: a 400-level repr of the tags in the message
    "deep-flow-nesting": (HEAD.encode() + b"  om-secrets:tags: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest"),
    "over-one-mib": (HEAD.encode() + b"  om-secrets:prefix: " + b"x" * (1 << 20) + b"\n", "over 1 MiB"),
    "control-character": (HEAD.encode() + b"  om-secrets:prefix: a\x07b\n", "U+0007"),
    "syntax-error": (HEAD.encode() + b"  om-secrets:secrets: [a\n", "invalid YAML"),
    "undefined-alias": (HEAD.encode() + b"  om-secrets:tags: *nowhere\n", "names no anchor"),
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_unreadable_stack_files_are_one_bounded_message(name, capsys, tmp_path):
    """Was, for the alias bomb: no answer in 180 s, 0.9 GB and growing."""
    text, words = UNREADABLE[name]
    folder = project(tmp_path, text)
    for command, result in both(capsys, folder).items():
        assert_contract(result)
        assert result.code == 2 and words in result.err and re.search(rf"{re.escape(FILE)}(:\d+)?: ", result.err), (
            command, result.err)


def test_every_problem_of_a_file_comes_in_one_run(capsys, tmp_path):
    """A stack file with one of each problem the reader finds and the settings find: all listed, in file order."""
    text = (HEAD + "  om-secrets:provider: aws\n"  # 4: repeated
            "  om-secrets:clusterName: clüster\n"  # 5: not ASCII
            "  om-secrets:tags:\n    1: x\n"  # 7: integer key
            "  om-secrets:kubernetes:\n    createNamespaces: yes\n"  # 9: YAML 1.1 boolean
            f"  om-secrets:secrets:\n    - path: database/a/password\n      fromConfig: {SECRET}\n"  # 12
            "    - path: database/b/password\n      length: 1.0e+999\n")  # 14
    result = both(capsys, project(tmp_path, text))["preview"]
    assert result.code == 2
    assert [int(line.split(":")[1]) for line in problem_lines(result)] == [4, 5, 7, 9, 12, 14]
    assert not fragments(SECRET, result.text)


def test_a_good_stack_file_still_previews(capsys, tmp_path):
    folder = project(tmp_path, (ROOT / "stacks" / "Pulumi.dev.yaml").read_bytes())
    results = both(capsys, folder)
    assert results["preview"].code == 0 and "Previewing stack x" in results["preview"].out
    assert results["check"].code == 0


# ------------------------------------------------------------------ a secret in every string position of every shipped stack


def _string_positions(text: str) -> list[tuple[int, int]]:
    """(start, end) of every key and string value written in the stack file ``text`` (plain or quoted)."""
    import yaml

    spans = []
    for token in yaml.scan(text):
        if isinstance(token, yaml.ScalarToken) and token.value.strip() and not token.value.startswith("v1:"):
            start, end = token.start_mark.index, token.end_mark.index
            if text[start] in "'\"":
                start, end = start + 1, end - 1
            spans.append((start, end))
    return spans


@pytest.mark.parametrize("stack", sorted(p.name[len("Pulumi."):-len(".yaml")] for p in (ROOT / "stacks").glob("Pulumi.*.yaml")))
def test_a_secret_planted_in_any_string_position_of_a_shipped_stack_is_never_shown(stack, capsys, tmp_path):
    """Each key and each string value of the stack, in turn, replaced by a new Fernet key: preview and check never
    show it (nor 8 characters of it), whatever they conclude; every run keeps the exit-code contract."""
    original = (ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
    spans = _string_positions(original)
    assert len(spans) > 10
    folder = project(tmp_path, original)
    path = folder / "stacks" / f"Pulumi.{STACK}.yaml"
    for start, end in spans:
        secret = generate_key()
        path.write_text(original[:start] + secret + original[end:], encoding="utf-8")
        for command, result in both(capsys, folder).items():
            assert_contract(result)
            assert not fragments(secret, result.text), (command, original[start:end], result.text)


# ------------------------------------------------------------------ property-based: generated stack files
#
# Stack files are generated as YAML text (so that what no YAML writer produces can be in them: YAML 1.1
# words, numbers past float64, .inf, repeated and non-string keys, tags, aliases, secure values, a second
# document, a byte that is not UTF-8), from the dev stack's keys and om-secrets' own key names, with a
# new Fernet-shaped secret planted in some string positions (a value, a key, fromConfig, imported,
# clientSecret, a tag, inside a longer value). Each is run through preview and check in process.




#: Generated stack files per property and CI run (each run through preview and check);
#: OMSECRETS_HOSTILE_EXAMPLES raises it for a longer hunt.
EXAMPLES = int(os.environ.get("OMSECRETS_HOSTILE_EXAMPLES", "30"))
#: What the properties generated this run: printed in pytest's terminal summary (tests/conftest.py).
GENERATED = {"stack files": 0, "runs": 0, "exit 0": 0, "exit 1": 0, "exit 2": 0, "max seconds": 0.0, "max MiB": 0.0}
PLANT = "\x00SECRET\x00"  # stands for the planted secret until the text is rendered


def summary() -> str:
    g = GENERATED
    return (f"hostile input: {g['stack files']} generated stack files, {g['runs']} preview/check runs in process "
            f"(exit 0: {g['exit 0']}, 1: {g['exit 1']}, 2: {g['exit 2']}, never 3); slowest {g['max seconds']:.2f} s, "
            f"largest {g['max MiB']:.1f} MiB (bounds {SECONDS} CPU s, {MIB} MiB a run)")


_NAMES = sorted({k.path.split(".")[-1] for k in settings_module.KEYS} | {"name", "path", "length", "fromConfig"})
_TOP = sorted({k.path.split(".")[0] for k in settings_module.KEYS})
HOSTILE_WORDS = ("yes", "no", "on", "off", "y", "~", "null", "", "True", "FALSE", "1.0e+999", "-1e400", ".inf", "-.Inf",
                 ".nan", "0x1F", "017", "08", "1_000", "99999999999999999999", "2024-01-31", "2024-1-2T3:4:5Z", "<<",
                 "'<<'", '"\\u0000"', '"\\t"', "clüster", "'a: b'", '"x\\ny"', "!!binary aGk=", "!!int 12", "!!str yes",
                 "!custom x", "&anchor x", "*anchor", "'%'", "-", "[]", "{}", "[a, [b, {c: d}]]", "{secure: v1:AAAB}",
                 "aws", "kubernetes", "managed-aws", "openmetadata", "eu-west-1", "7", "30", "1024", "true", "false",
                 "database/x/password", "existingKey", "[2, 1]", "'1'")
SCALAR = st.one_of(
    st.sampled_from(HOSTILE_WORDS),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=24).map(
        lambda t: json.dumps(t, ensure_ascii=False)),  # a JSON string is a YAML double-quoted scalar
    st.integers(-10, 2**70).map(str),
    st.just(PLANT), st.just(f"prefix-{PLANT}"), st.just(f"'{PLANT}'"),
)
KEY = st.one_of(st.sampled_from(_NAMES), st.sampled_from(["1", "true", "~", "0x1", "'quoted'", "secure", "<<", PLANT]),
                st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,12}", fullmatch=True))
VALUE = st.recursive(SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=3).map(lambda items: ("seq", items)),
    st.lists(st.tuples(KEY, inner), max_size=4).map(lambda pairs: ("map", pairs)),
    st.sampled_from([("secure", "v1:AAAB"), ("secure", PLANT)]),
), max_leaves=12)
TOP_KEY = st.one_of(st.sampled_from(_TOP).map(lambda k: f"om-secrets:{k}"), st.sampled_from(_TOP),
                    st.sampled_from(["aws:region", "kubernetes:enableSecretMutable", "aws:secretKey", "om-secrets:pw",
                                     "om-secrets:existingKey", "a:b:c", "1", PLANT]), KEY)
#: Where the secret also goes, for sure: positions that take a key *name*, a plain value, a key, a tag.
PLACED = st.sampled_from([
    f"  om-secrets:secrets:\n    - path: database/a/password\n      fromConfig: {PLANT}\n",
    f"  om-secrets:fernet:\n    openmetadata:\n      generations: [2, 1]\n      imported: {{'1': {PLANT}}}\n",
    f"  om-secrets:fernet:\n    airflow:\n      imported:\n        {PLANT}: k\n",
    f"  om-secrets:azure:\n    identity:\n      mode: client-secret\n      server: {{clientSecret: {PLANT}}}\n",
    f"  om-secrets:tags:\n    team: {PLANT}\n", f"  om-secrets:clusterName: {PLANT}\n", f"  {PLANT}: x\n",
    f"  om-secrets:pw: {PLANT}\n  om-secrets:secrets:\n    - {{path: database/b/password, fromConfig: pw}}\n",
    f"  om-secrets:existingKey:\n    secure: {PLANT}\n", f"  om-secrets:provider: {PLANT}\n", "",
])
DEV = (ROOT / "stacks" / "Pulumi.dev.yaml").read_text(encoding="utf-8").splitlines(keepends=True)


def render(node, indent: int) -> str:
    """YAML text of a generated value at ``indent`` (block collections, scalars as generated)."""
    pad = "  " * indent
    if isinstance(node, str):
        return f" {node}\n"
    kind, body = node
    if kind == "secure":
        return f"\n{pad}secure: {body}\n"
    if not body:
        return " []\n" if kind == "seq" else " {}\n"
    if kind == "seq":
        return "\n" + "".join(f"{pad}-{render(item, indent + 1)}" for item in body)
    return "\n" + "".join(f"{pad}{key}:{render(value, indent + 1)}" for key, value in body)


@st.composite
def stack_files(draw) -> tuple[bytes, str]:
    """(the bytes of a generated stack file, the secret planted in it)."""
    secret = base64.urlsafe_b64encode(draw(st.binary(min_size=32, max_size=32))).decode()
    lines = draw(st.lists(st.sampled_from(range(1, len(DEV))), unique=True, max_size=len(DEV) - 1).map(sorted))
    keep = [DEV[0]] + [DEV[i] for i in range(1, len(DEV)) if i not in lines[: draw(st.integers(0, 3))]]
    entries = draw(st.lists(st.tuples(TOP_KEY, VALUE), max_size=4))
    text = "".join(keep) + "".join(f"  {key}:{render(value, 2)}" for key, value in entries) + draw(PLACED)
    text = text.replace(PLANT, secret)
    data = text.encode("utf-8")
    mutation = draw(st.sampled_from(["none", "none", "bom", "second-document", "bad-byte", "repeat-line", "tab"]))
    if mutation == "bom":
        data = b"\xef\xbb\xbf" + data
    elif mutation == "second-document":
        data += b"---\nconfig:\n  om-secrets:provider: aws\n"
    elif mutation in ("bad-byte", "repeat-line", "tab") and data:
        at = draw(st.integers(0, len(data) - 1))
        if mutation == "bad-byte":
            data = data[:at] + draw(st.sampled_from([b"\xff", b"\xe9", b"\xc3", b"\x80"])) + data[at:]
        elif mutation == "tab":
            data = data[:at] + b"\t" + data[at:]
        else:
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at) + 1 or len(data)
            data = data[:end] + data[start:end] + data[end:]
    return data, secret


def _run_quietly(*argv: str) -> Run:
    """``omsecrets *argv`` in process (no pytest fixture: hypothesis runs many cases in one test), bounded."""
    warm_up()
    out, err = io.StringIO(), io.StringIO()
    with bounded() as measures, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as done:
            code = int(done.code or 0)
    return Run(code, out.getvalue(), err.getvalue(), measures["seconds"], measures["peak_mib"])



def _count(result: Run) -> None:
    GENERATED["runs"] += 1
    GENERATED[f"exit {result.code}"] = GENERATED.get(f"exit {result.code}", 0) + 1
    GENERATED["max seconds"] = max(GENERATED["max seconds"], result.seconds)
    GENERATED["max MiB"] = max(GENERATED["max MiB"], result.peak_mib)


@hyp_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
@given(stack_files())
def test_generated_stack_files_keep_the_contract_and_never_show_the_planted_secret(case):
    data, secret = case
    GENERATED["stack files"] += 1
    with tempfile.TemporaryDirectory(prefix="omsecrets-hostile-") as tmp:
        folder = project(Path(tmp), data)
        with contextlib.chdir(folder):
            for command in ("preview", "check"):
                result = _run_quietly(command, STACK)
                _count(result)
                assert_contract(result)
                assert not fragments(secret, result.text), (command, data, result.text)
                if result.code == 2 and "problem" in result.err and command == "preview":
                    assert problem_lines(result) or "stack x: " in result.err, result.err  # file:line where one is known


MUTATORS = st.lists(st.tuples(st.floats(0, 1), st.sampled_from(
    [b"", b":", b"- ", b"[", b"]", b"{", b"}", b"&a ", b"*a", b"!!", b"'", b'"', b"\n", b"  ", b"#", b"|", b">", b"? ",
     b"\xff", b"%YAML 1.1\n", b"---", b"...", b"<<: ", b"yes", b"1e999", b"\x00"])), min_size=1, max_size=6)


@hyp_settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(sorted((ROOT / "stacks").glob("Pulumi.*.yaml"))), MUTATORS)
def test_mutated_shipped_stack_files_keep_the_contract(path, mutations):
    """Byte-level damage to a real stack file (punctuation, indentation, anchors, tags, bad bytes): still 0/1/2."""
    data = path.read_bytes()
    for where, piece in mutations:
        at = int(where * len(data))
        data = data[:at] + piece + data[at + (len(piece) % 3):]
    GENERATED["stack files"] += 1
    with tempfile.TemporaryDirectory(prefix="omsecrets-hostile-") as tmp:
        folder = project(Path(tmp), data)
        with contextlib.chdir(folder):
            for command in ("preview", "check"):
                result = _run_quietly(command, STACK)
                _count(result)
                assert_contract(result)


def test_the_generated_cases_are_counted():
    """The count the terminal summary prints (CI shows it) is of cases that really ran."""
    assert sys.modules[__name__].GENERATED is GENERATED
    assert "generated stack files" in summary()
