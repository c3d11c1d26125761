"""``omsecrets.stack_yaml``: the one reader of Pulumi.yaml and Pulumi.<stack>.yaml, bounded, read as the CLI reads.

What the Pulumi CLI does was read in pulumi/pulumi (master of 2026-08) and go-yaml/yaml v3.0.1, the version
pulumi's ``sdk/go.mod`` pins:

- ``sdk/go/common/encoding/marshal.go``: YAML files are read with ``gopkg.in/yaml.v3`` (``yaml.Unmarshal``);
- ``sdk/go/common/workspace/loaders.go`` ``LoadProjectStackBytes``: a stack file is unmarshalled into ``any``,
  simplified (``workspace/project.go`` ``SimplifyMarshalledValue``: "expected only string keys"), its bare keys
  namespaced with the project name, marshalled and unmarshalled into ``config.Map``;
- ``sdk/go/common/resource/config/object.go`` ``MarshalString``: a bool or number becomes its Go JSON text;
- yaml.v3 ``resolve.go`` ``resolve``: the boolean, null, int, float and timestamp rules (no YAML 1.1 ``yes``/``no``);
- yaml.v3 ``decode.go`` ``mapping``: ``uniqueKeys`` is on, "mapping key %#v already defined at line %d", keys
  compared by kind and text; ``merge``: explicit keys win, then the first merged mapping; ``alias``: an anchor
  that contains itself fails.
"""

from __future__ import annotations

import math
import time
import tracemalloc

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from omsecrets import stack_yaml
from omsecrets.stack_yaml import GoNumber, YamlError, parse

#: Per-case bounds asserted below (generous: a loaded 2-core machine; the cases take milliseconds).
SECONDS, MIB = 10, 200  # CPU seconds of this process (not wall time: a loaded CI machine must not fail it), peak MiB


def value(text: str):
    return parse(f"k: {text}\n").value["k"]


def plain(text: str):
    v = value(text)
    return v.text if isinstance(v, GoNumber) else v


@pytest.mark.parametrize("text, read", [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("y", "y"), ("n", "n"), ("Yes", "Yes"), ("NO", "NO"),
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False), ("FALSE", False),
    ("tRUE", "tRUE"), ("", None), ("~", None), ("null", None), ("Null", None), ("NULL", None), ("nULL", "nULL"),
])
def test_booleans_and_nulls_are_yaml_v3s(text, read):
    """YAML 1.1 ``yes``/``no``/``on``/``off`` are strings to the CLI (resolve.go resolveMapList); PyYAML reads booleans."""
    assert value(text) == read and type(value(text)) is type(read)


@pytest.mark.parametrize("text, passed_on", [
    ("3", "3"), ("+5", "5"), ("-0", "0"), ("0x1F", "31"), ("0o17", "15"), ("017", "15"), ("0b101", "5"), ("1_000", "1000"),
    ("08", "8"), ("1.50", "1.5"), ("1e3", "1000"), ("100.0", "100"), (".5", "0.5"), ("1e21", "1e+21"), ("1e-7", "1e-7"),
    ("18446744073709551615", "18446744073709551615"), ("18446744073709551616", "18446744073709552000"),
    ("1.0e+999", "1.0e+999"), ("12:30", "12:30"), ("1.2.3", "1.2.3"), ("0x", "0x"), ("1__0", "10"),
    ("2024-01-31", "2024-01-31 00:00:00 +0000 UTC"), ("2024-1-2T3:4:5Z", "2024-01-02 03:04:05 +0000 UTC"),
    ("2024-01-31t10:00:00.120+01:00", "2024-01-31 10:00:00.12 +0100 +0100"), ("2024-02-30", "2024-02-30"),
    ("2024-01-31T10:00:00", "2024-01-31T10:00:00"), ("'0x1F'", "0x1F"), ('"true"', "true"), ("!!str 12", "12"),
    ("!!float 1", "1"), ("!!binary aGVsbG8=", "hello"), ("!custom 12", "12"),
])
def test_scalars_reach_the_program_as_the_cli_passes_them(text, passed_on):
    """Numbers as Go's JSON writes the yaml.v3 value (``1.0e+999`` overflows ParseFloat: a string); dates as
    Go's ``time.Time.String()``; quoted and tagged scalars as yaml.v3 decodes them into an interface."""
    assert plain(text) == passed_on


@pytest.mark.parametrize("text, number", [(".inf", math.inf), ("-.Inf", -math.inf), ("+.INF", math.inf)])
def test_infinities_are_numbers_the_cli_cannot_pass(text, number):
    read = value(text)
    assert isinstance(read, GoNumber) and read.value == number and not read.finite
    assert not value(".nan").finite


@pytest.mark.parametrize("document, lines", [
    ("a: 1\na: 2\n", (1, 2)), ("a: 1\n'a': 2\n", (1, 2)), ('x:\n  1: a\n  "1": b\n', (2, 3)),
    ("config:\n  p: x\n  q: y\n  p: z\n", (2, 4)), ("a: [1]\nb: {c: 1, c: 2}\n", (2, 2)),
])
def test_a_repeated_key_is_an_issue_naming_both_lines(document, lines):
    """yaml.v3 refuses the file ("mapping key already defined"); PyYAML keeps the last value, silently."""
    (issue,) = [i for i in parse(document).issues if "repeated" in i.message]
    assert f"is repeated (lines {lines[0]} and {lines[1]})" in issue.message and issue.line == lines[1]


@pytest.mark.parametrize("document, key, kind", [
    ("1: a\n", "1", "a number"), ("x:\n  true: a\n", "true", "a boolean"), ("x:\n  ~: a\n", "~", "null"),
    ("? [a]\n: b\n", "<a list>", "a list"), ("2024-01-01: x\n", "2024-01-01", "a timestamp"),
    ("x:\n  0.5: a\n", "0.5", "a number"),
])
def test_a_key_that_is_not_a_string_is_an_issue_with_its_line(document, key, kind):
    """The CLI refuses it: "expected only string keys" (SimplifyMarshalledValue)."""
    (issue,) = parse(document).issues
    assert issue.path[-1] == key and f"is a key that is {kind}, not a string" in issue.message and issue.line


def test_lines_of_every_key_and_item():
    document = parse("config:\n  a:\n    b: [1, {c: 2}]\n  d: x\n")
    assert document.lines == {("config",): 1, ("config", "a"): 2, ("config", "a", "b"): 3, ("config", "a", "b", 0): 3,
                              ("config", "a", "b", 1): 3, ("config", "a", "b", 1, "c"): 3, ("config", "d"): 4}


def test_merge_keys_as_yaml_v3():
    read = parse("base: &b {x: 1, y: 1}\nother: &o {y: 2, z: 2}\nm:\n  <<: [*b, *o]\n  x: 0\n'<<': q\n").value
    assert {k: v.text for k, v in read["m"].items()} == {"x": "0", "y": "1", "z": "2"}
    assert read["<<"] == "q"  # a quoted '<<' is a key like any other
    (issue,) = parse("a: &a [1]\nm:\n  <<: *a\n").issues
    assert "merges a mapping or a list of mappings" in issue.message


def test_only_the_first_document_is_read():
    document = parse("a: 1\n---\na: 2\n--- [broken\n")
    assert document.value["a"].text == "1"
    assert [i.line for i in document.issues] == [2] and "reads only the first" in document.issues[0].message


def test_bytes_that_are_not_utf8_are_issues_at_their_line_and_the_rest_is_read():
    document = parse(b"config:\n  a: ok\n  b: caf\xe9\n  c: \xff\xfe\n")
    assert document.value["config"]["a"] == "ok" and document.value["config"]["b"] == "caf\ufffd"
    assert [(i.path, i.line) for i in document.issues] == [(("config", "b"), 3), (("config", "c"), 4), (("config", "c"), 4)]
    assert "byte 0xE9 at line 3, column 9 is not UTF-8" in document.issues[0].message


def test_byte_order_marks_are_read_as_the_cli_reads_them():
    assert parse(b"\xef\xbb\xbfa: 1\n").value["a"].text == "1"  # loaders.go readFileStripUTF8BOM
    assert parse("a: b\n".encode("utf-16")).value == {"a": "b"}  # yaml.v3 reads UTF-16 with a BOM


@pytest.mark.parametrize("document, said", [
    ("a: [b\n", "invalid YAML"), ("a: *nope\n", "names no anchor"), ("a: &x [1, *x]\n", "names no anchor"),
    ("a: \x00\n", "U+0000"), ("a: b: c\n", "mapping values are not allowed"),
])
def test_unreadable_documents_raise_yaml_error_with_a_line(document, said):
    with pytest.raises(YamlError) as raised:
        parse(document)
    assert said in raised.value.problem and raised.value.line in (1, 2)


def _bounded(make):
    """Run ``make()`` (which must raise YamlError) within the per-case bounds; return the error."""
    tracemalloc.start()
    started = time.process_time()
    try:
        with pytest.raises(YamlError) as raised:
            make()
    finally:
        seconds = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert seconds < SECONDS and peak < MIB * 2**20, (seconds, peak)
    return raised.value


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_is_expanded():
    """Was: no answer in 180 s, 0.9 GB and growing (PyYAML builds every copy). Bound: 100 aliases or 100,000 values."""
    error = _bounded(lambda: parse(_alias_bomb()))
    assert "aliases" in error.problem and "refused before they are expanded" in error.problem
    error = _bounded(lambda: parse(_alias_bomb(levels=3, width=60)))  # few levels, many aliases
    assert "more than 100 aliases" in error.problem


def test_a_few_aliases_are_read():
    read = parse("d: &d {team: data}\nx: *d\ny: *d\n").value
    assert read["x"] is read["y"] == {"team": "data"}  # shared, never copied


def test_deep_nesting_is_refused_before_it_is_read_further():
    """PyYAML's composer recurses once per level: deep nesting was a RecursionError (a crash). libyaml's scanner
    stops at 1,000 flow levels, this reader at 64 levels of any style."""
    error = _bounded(lambda: parse("a: " + "[" * 100_000 + "]" * 100_000 + "\n"))
    assert "nest" in error.problem and error.line == 1
    error = _bounded(lambda: parse("a: " + "[" * 65 + "]" * 65 + "\n"))
    assert "nested deeper than 64 levels" in error.problem
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(80)) + "  " * 80 + "v\n"
    assert "nested deeper than 64 levels" in _bounded(lambda: parse(block)).problem
    assert parse("a: " + "[" * 63 + "]" * 63 + "\n").issues == []


def test_a_file_over_one_mib_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "Pulumi.big.yaml"
    path.write_bytes(b"config:\n  a: " + b"x" * (stack_yaml.MAX_BYTES + 1) + b"\n")
    error = _bounded(lambda: stack_yaml.read(path))
    assert "over 1 MiB" in error.problem


def test_a_one_mib_file_of_many_values_is_read_within_the_bounds(tmp_path):
    path = tmp_path / "Pulumi.many.yaml"
    body = "".join(f"  k{i}: v{i}\n" for i in range(60_000))
    path.write_text("config:\n" + body[: stack_yaml.MAX_BYTES - 10], encoding="utf-8")
    tracemalloc.start()
    started = time.process_time()
    document = stack_yaml.read(path)
    seconds, peak = time.process_time() - started, tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(document.value["config"]) > 50_000 and seconds < SECONDS and peak < MIB * 2**20


# ------------------------------------------------------------------ properties

KEYS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
STRINGS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")) | st.sampled_from("\n\t"),
                  max_size=30)  # YAML 1.1 line breaks (NEL, U+2028) are folded by every YAML writer-reader pair
DATA = st.recursive(STRINGS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                     st.dictionaries(KEYS, inner, max_size=4)), max_leaves=20)


@pytest.mark.parametrize("style", ['"', "'"])
@hyp_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(KEYS, DATA, max_size=5))
def test_quoted_strings_written_by_a_yaml_dumper_read_back_as_they_were(data, style):
    """Any document of quoted strings reads back unchanged, with no issue. (Plain scalars need not: PyYAML writes
    YAML 1.1 and leaves ``0E0`` or ``0o17`` unquoted, which yaml.v3, and so the CLI, reads as numbers.)"""
    text = yaml.safe_dump(data, allow_unicode=True, default_style=style)
    document = parse(text.encode("utf-8"))
    assert document.value == data and document.issues == []


@hyp_settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_give_a_document_or_a_yaml_error(data):
    try:
        document = parse(data)
    except YamlError as exc:
        assert exc.problem
        return
    assert isinstance(document.issues, list) and all(i.message for i in document.issues)


def test_the_readme_states_the_bounds_and_the_dialect():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Stack files"):readme.index("## OpenMetadata's naming conventions")]
    assert f"a file over {stack_yaml.MAX_BYTES >> 20} MiB" in section
    assert f"nested deeper than {stack_yaml.MAX_DEPTH} levels" in section
    assert f"more than {stack_yaml.MAX_ALIASES} aliases" in section and f"{stack_yaml.MAX_ALIAS_VALUES:,} values" in section
    for word in ("`yes`", "`no`", "gopkg.in/yaml.v3", "repeated key", "not a string"):
        assert word in section
