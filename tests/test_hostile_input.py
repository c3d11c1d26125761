"""Hostile stack files through ``omsecrets preview`` and ``check``, in process, each case bounded.

Every run ends with exit 0, 1 or 2 and a message: never 3, never a traceback. Each case is bounded by
``SECONDS`` (10 s, wall clock, an interval timer interrupts a run that would hang) and ``MIB`` (200 MiB
of Python allocations, ``tracemalloc`` peak; the process's peak RSS growth is checked against it too).
A bad stack file gets exit 2 with the file, the line and the key of each problem, every problem in one
run, before the program declares anything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import resource
import signal
import time
import tracemalloc
from pathlib import Path

import pytest

from omsecrets import cli
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


class _Overrun(Exception):
    pass


@contextlib.contextmanager
def bounded():
    """Fail a case that runs over ``SECONDS`` (interrupting it) or allocates over ``MIB``; yield the measures."""
    measures: dict[str, float] = {}

    def overrun(signum, frame):
        raise _Overrun(f"over {SECONDS} s")

    previous = signal.signal(signal.SIGALRM, overrun)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, SECONDS)
    try:
        yield measures
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        measures["seconds"] = time.perf_counter() - started
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


def run(capsys, *argv: str) -> Run:
    """``omsecrets *argv`` in process, bounded; its exit code, stdout and stderr."""
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
    assert (result.out if result.code == 0 else result.err).strip(), result


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
    "secret-as-clientSecret": (
        'config:\n  om-secrets:provider: azure-kv\n  om-secrets:azure:\n    subscriptionId: '
        '00000000-0000-0000-0000-0000000000aa\n    tenantId: 00000000-0000-0000-0000-0000000000bb\n'
        '    resourceGroupName: rg\n    location: westeurope\n    vault: {name: om-kv, create: false}\n'
        '    identity:\n      mode: client-secret\n      server: {clientId: 00000000-0000-0000-0000-000000000001, '
        f'principalId: 00000000-0000-0000-0000-000000000002, clientSecret: {SECRET}}}\n',
        [(11, "om-secrets:azure.identity.server.clientSecret", "looks like key material"),
         *((9, f"om-secrets:azure.identity.ingestion.{k}", "is required with mode 'client-secret'")
           for k in ("clientId", "principalId", "clientSecret"))]),
    "secret-as-a-key": (HEAD + f"  om-secrets:tags:\n    {SECRET}: x\n",
                        [(4, "om-secrets:tags", "has a key that is a 44-character value that looks like key material")]),
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
                if key.startswith("om-secrets:"):
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
    "deep-nesting": (HEAD.encode() + b"  om-secrets:tags: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nest"),
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
