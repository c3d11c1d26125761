"""``omsecrets fernet generate|check``: usable keys, a refused OM default key, and no key echoed back."""

from __future__ import annotations

import argparse
import io
import sys

import pytest
from cryptography.fernet import Fernet

from omsecrets import fernet_cmd
from omsecrets.components.fernet import OM_PUBLIC_DEFAULT_KEY, generate_key, validate_key
from tests.test_stacks_cmd import run_cli


def run(argv, capsys, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = run_cli(fernet_cmd, ["fernet", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_generate_prints_count_distinct_working_keys(capsys):
    code, out, err = run(["generate", "--count", "3"], capsys)
    keys = out.splitlines()
    assert code == 0 and err == "" and len(keys) == 3 == len(set(keys))
    for key in keys:
        assert validate_key(key) == key
        assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"


def test_generate_prints_one_key_by_default(capsys):
    code, out, _ = run(["generate"], capsys)
    assert code == 0 and len(out.splitlines()) == 1


@pytest.mark.parametrize("count", ["0", "101", "two"])
def test_generate_refuses_a_bad_count(count, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run(["generate", "--count", count], capsys)
    assert exit_info.value.code == 2


def test_check_accepts_a_ring_and_does_not_echo_it(capsys):
    new, old = generate_key(), generate_key()
    code, out, err = run(["check", "--", f"{new},{old}"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("ok: ring of 2 distinct valid key(s)")
    assert not [w for k in (new, old) for w in (k[i:i + 4] for i in range(41)) if w in out]  # not a fragment


@pytest.mark.parametrize("argv", [["check"], ["check", "-"]], ids=["default", "dash"])
def test_check_reads_stdin_by_default_and_ignores_one_final_newline(argv, capsys, monkeypatch):
    key = generate_key()
    code, out, _ = run(argv, capsys, stdin=key + "\n", monkeypatch=monkeypatch)
    assert code == 0 and out.startswith("ok: ring of 1 distinct valid key(s)") and key[:4] not in out


@pytest.mark.parametrize("ring, position", [
    ("{a}, {b}", "key 2 of 2: Fernet key has whitespace at position 1"),
    ("{a} ,{b}", "key 1 of 2: Fernet key has whitespace at position 45"),
    ("{a},{b}\n\n", "key 2 of 2: Fernet key has whitespace at position 45"),
])
def test_check_refuses_whitespace_inside_the_ring_as_om_does_not_trim(ring, position, capsys, monkeypatch):
    a, b = generate_key(), generate_key()
    code, out, err = run(["check"], capsys, stdin=ring.format(a=a, b=b), monkeypatch=monkeypatch)
    assert code == 1 and out == "" and position in err


def test_check_reports_every_bad_key_by_position_and_never_a_key(capsys, monkeypatch):
    good = generate_key()
    bad = good[:30]
    ring = f"{bad},{good},{good},,{OM_PUBLIC_DEFAULT_KEY}"
    code, out, err = run(["check"], capsys, stdin=ring, monkeypatch=monkeypatch)
    lines = err.splitlines()
    assert code == 1 and out == "" and len(lines) == 4 and all(line.startswith("error: ") for line in lines)
    assert "key 1 of 5" in lines[0] and "30 characters" in lines[0]
    assert "keys 2 and 3 of 5" in lines[1] and "key 4 of 5" in lines[2] and "key 5 of 5" in lines[3]
    for key in (good, OM_PUBLIC_DEFAULT_KEY):
        assert not [key[i:i + 4] for i in range(41) if key[i:i + 4] in err]


def test_check_refuses_the_om_public_default_key(capsys, monkeypatch):
    ring = f"{generate_key()},{OM_PUBLIC_DEFAULT_KEY}"
    code, out, err = run(["check", "-"], capsys, stdin=ring, monkeypatch=monkeypatch)
    assert code == 1 and out == ""
    assert "key 2 of 2" in err and "PUBLIC default key" in err
    assert OM_PUBLIC_DEFAULT_KEY not in err and ring.split(",")[0] not in err


@pytest.mark.parametrize("ring, reason", [
    ("", "empty"),
    ("abc", "has 3 characters"),
    ("{k},{k}", "are the same key"),
    ("{k},", "stray or trailing comma"),
])
def test_check_explains_why_a_ring_is_unusable(ring, reason, capsys, monkeypatch):
    key = generate_key()
    code, out, err = run(["check", "-"], capsys, stdin=ring.format(k=key), monkeypatch=monkeypatch)
    assert code == 1 and out == "" and reason in err and key not in err


def test_help_has_examples():
    parser = argparse.ArgumentParser(prog="omsecrets")
    help_text = fernet_cmd.register(parser.add_subparsers()).format_help()
    assert "omsecrets fernet generate --count 2" in help_text and "omsecrets fernet check < ring.txt" in help_text


# ------------------------------------------------------------------ a ring starting with '-' (1 key in 64)


def _dash_keys(n: int) -> list[str]:
    keys: list[str] = []
    while len(keys) < n:
        key = generate_key()
        if key.startswith("-"):
            keys.append(key)
    return keys


def _fragments(secret: str, text: str) -> list[str]:
    return [secret[i:i + 8] for i in range(len(secret) - 7) if secret[i:i + 8] in text]


@pytest.mark.parametrize("extra", [[], ["--debug"]])
def test_a_ring_starting_with_a_dash_is_checked_never_printed(extra, capsys):
    """Was: argparse read it as an unknown option, "unrecognized arguments: -<the key>" (exit 2, the key in full)."""
    for key in _dash_keys(3):
        for argv in (["check", key, *extra], [*extra, "check", key], ["check", f"{key},{generate_key()}"]):
            code, out, err = run(argv, capsys)
            assert code == 0 and out.startswith("ok: ring of"), (argv, out, err)
            assert not _fragments(key, out + err)
        broken = key[:-2] + "B="  # a stray bit in the last character: not a canonical key
        code, out, err = run(["check", broken, *extra], capsys)
        assert code == 1 and "key 1 of 1" in err and not _fragments(broken, out + err)


def test_other_misplaced_keys_are_never_echoed_by_the_argument_errors(capsys):
    key = _dash_keys(1)[0]
    for argv in (["generate", key], ["check", generate_key(), key], ["generate", "--count", key]):
        with pytest.raises(SystemExit) as done:
            run(argv, capsys)
        err = capsys.readouterr().err
        assert done.value.code == 2 and not _fragments(key, err), (argv, err)


def test_ring_after_dashes_moves_only_the_ring():
    move = fernet_cmd.ring_after_dashes
    assert move(["fernet", "check", "-abc"]) == ["fernet", "check", "--", "-abc"]
    assert move(["--debug", "fernet", "check", "-abc", "--debug"]) == ["--debug", "fernet", "check", "--debug", "--", "-abc"]
    for unchanged in (["fernet", "check", "--", "-abc"], ["fernet", "check", "-"], ["fernet", "check", "--help"],
                      ["fernet", "generate", "-abc"], ["fernet", "check", "abc"], ["preview", "-abc"]):
        assert move(unchanged) == unchanged
