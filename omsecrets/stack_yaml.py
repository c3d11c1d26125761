"""The one YAML reader of Pulumi project and stack files: bounded, line-tracking, duplicate-refusing.

Every reader of ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` goes through ``read()``. It reads values
as the Pulumi CLI does: the CLI parses both files with Go's ``gopkg.in/yaml.v3`` v3.0.1
(``sdk/go/common/encoding/marshal.go``, ``workspace/loaders.go`` ``LoadProjectStackBytes``; the
scalar rules are yaml.v3's ``resolve.go``, the key checks its ``decode.go``):

- booleans are ``true``/``True``/``TRUE`` and ``false``/``False``/``FALSE`` only: YAML 1.1's ``yes``,
  ``no``, ``on``, ``off``, ``y``, ``n`` are strings;
- null is an empty value, ``~``, ``null``, ``Null``, ``NULL``;
- an integer is what Go's ``strconv.ParseInt(text, 0, 64)`` reads once ``_`` are removed (``0x1F``,
  ``0o17``, ``0b101``, a leading ``0`` is octal, up to 2**64 - 1), a float what matches yaml.v3's
  float pattern and fits a float64 (``1.0e+999`` does not: it is the string ``1.0e+999``), plus
  ``.inf``/``.nan`` in their spellings; numbers are kept with the text the CLI hands on (Go's JSON:
  ``0x1F`` is ``31``, ``1e3`` is ``1000``), see ``GoNumber``;
- quoted and block scalars are strings; ``!!str``, ``!!int``, ``!!float``, ``!!bool``, ``!!null`` and
  ``!!binary`` tags are honoured, other tags ignored (as yaml.v3 does);
- a mapping key repeated in one mapping (compared by its text, so ``a`` and ``"a"`` are the same key)
  is refused, as yaml.v3 refuses the file ("mapping key already defined"); a key that is not a string
  (``1:``, ``true:``, ``~:``, a list) is refused, as the CLI refuses it ("expected only string keys",
  ``workspace/project.go`` ``SimplifyMarshalledValue``);
- ``<<`` merge keys work as in yaml.v3: keys written in the mapping win, then the first merged mapping;
- only the first document is read (a second one is reported).

- a plain scalar that yaml.v3 reads as a timestamp (its four layouts, ``2024-01-31``,
  ``2024-1-31T10:00:00Z``, ...) reaches the program as Go's ``time.Time.String()``:
  ``2024-01-31 00:00:00 +0000 UTC`` (``GoTime``; an offset other than 0 is written ``+0100 +0100``,
  as on a CLI machine whose local zone is UTC; elsewhere Go may name the local zone instead).

Bounds, checked while the events stream in and before any value is expanded (``YamlError``): a file
over ``MAX_BYTES`` (1 MiB), collections nested deeper than ``MAX_DEPTH`` (64), more than
``MAX_ALIASES`` aliases (100) or aliases standing for more than ``MAX_ALIAS_VALUES`` values in all
(100,000). yaml.v3 allows 10,000 levels and scales its alias limit with the document; shipped stack
files are a few KiB with no alias. Aliases are shared, never copied.

A byte that is not UTF-8 is not fatal: it reads as U+FFFD and is reported (``Issue``) at its line, so
every other problem of the file is reported in the same run.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import dataclasses
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional, Union

import yaml

MAX_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_ALIAS_VALUES = 100_000
#: Non-UTF-8 bytes reported one by one (the rest are counted).
MAX_BAD_BYTES = 10

_EventLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser: same events, ~6x faster

Path_ = tuple[Union[str, int], ...]


class YamlError(ValueError):
    """A file that cannot be read at all: ``problem``, ``line`` (1-based or None), ``hint``."""

    def __init__(self, problem: str, line: Optional[int] = None, hint: str = ""):
        super().__init__(problem)
        self.problem, self.line, self.hint = problem, line, hint


@dataclasses.dataclass(frozen=True)
class Issue:
    """A problem of one key or item (``path`` from the document root) that does not stop the reading."""

    path: Path_
    line: Optional[int]
    message: str


@dataclasses.dataclass(frozen=True)
class GoNumber:
    """A YAML number: ``value`` as Python reads it, ``text`` as the Pulumi CLI passes it on (Go's JSON)."""

    text: str
    value: Union[int, float]

    @property
    def finite(self) -> bool:
        return not isinstance(self.value, float) or math.isfinite(self.value)


@dataclasses.dataclass
class Document:
    """The first document of a file: ``value``, the line of every key and item by path, its ``issues``."""

    value: Any
    lines: dict[Path_, int]
    issues: list[Issue]


# --------------------------------------------------------------------------- scalars (yaml.v3 resolve.go)

_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_SPECIAL_FLOATS = {
    **{t: math.nan for t in (".nan", ".NaN", ".NAN")},
    **{t: math.inf for t in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")},
    **{t: -math.inf for t in ("-.inf", "-.Inf", "-.INF")},
}
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")  # what Go's ParseFloat takes that starts with '.'
_GO_INT = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_TAG = "tag:yaml.org,2002:"
MERGE = "<<"


def go_float_text(value: float) -> str:
    """``value`` as Go's ``encoding/json`` writes a float64 (shortest digits; exponent from 1e21 and below 1e-6)."""
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    number = Decimal(repr(value)).normalize()
    if 1e-6 <= abs(value) < 1e21:
        return format(number, "f")
    sign, digits, exponent = number.as_tuple()
    text = "".join(map(str, digits))
    mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
    power = int(exponent) + len(text) - 1
    return f"{'-' if sign else ''}{mantissa}e{'+' if power >= 0 else '-'}{abs(power):d}"


def _go_int(text: str) -> Optional[int]:
    """Go's ``ParseInt(text, 0, 64)``, else ``ParseUint(text, 0, 64)`` (no sign); None when neither reads it."""
    match = _GO_INT.fullmatch(text)
    if not match:
        return None
    sign, body = match.groups()
    digits = body[2:] if body[:2].lower() in ("0x", "0o", "0b") else body
    if len(digits.lstrip("0")) > 66:  # beyond 64 bits in any base: no int() of a huge text
        return None
    base = {"0x": 16, "0o": 8, "0b": 2}.get(body[:2].lower(), 8 if body.startswith("0") and len(body) > 1 else 10)
    number = int(digits, base) if digits else 0
    number = -number if sign == "-" else number
    if -(1 << 63) <= number < (1 << 63) or (not sign and 0 <= number < (1 << 64)):
        return number
    return None


class GoTime(str):
    """A plain scalar yaml.v3 reads as a timestamp, as the Pulumi CLI passes it on (``time.Time.String()``)."""

    source: str


_TIMESTAMP = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2}))"
                        r"|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?))?")


def go_time(text: str) -> Optional[GoTime]:
    """``text`` read as yaml.v3 reads a timestamp (Go's ``time.Parse`` of its four layouts), written as Go's
    ``Time.String()`` writes it; None when it is not one."""
    import calendar

    match = _TIMESTAMP.fullmatch(text)
    if not match:
        return None
    year, month, day = (int(g) for g in match.group(1, 2, 3))
    t_form, space_form = match.group(4, 5, 6, 7, 8), match.group(9, 10, 11, 12)
    hour, minute, second, fraction, zone = (t_form if t_form[0] is not None else (*space_form, None)
                                            if space_form[0] is not None else ("0", "0", "0", None, None))
    hour, minute, second = int(hour), int(minute), int(second)
    if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1] and hour < 24 and minute < 60
            and second < 60):
        return None
    offset = "+0000 UTC"
    if zone and zone != "Z":
        hours, minutes = int(zone[1:3]), int(zone[4:6])
        if hours > 24 or minutes > 60:
            return None
        if hours or minutes:
            offset = f"{zone[0]}{hours:02d}{minutes:02d}"
            offset = f"{offset} {offset}"
    digits = (fraction or ".")[1:10].rstrip("0")
    value = GoTime(f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"
                   f"{'.' + digits if digits else ''} {offset}")
    value.source = text
    return value


def _go_number(number: Union[int, float]) -> GoNumber:
    return GoNumber(str(number) if isinstance(number, int) else go_float_text(number), number)


def resolve_plain(text: str) -> Any:
    """A plain scalar as yaml.v3 resolves it: bool, None, ``GoNumber`` or the text."""
    if text in _BOOLS:
        return _BOOLS[text]
    if text in _NULLS:
        return None
    if text in _SPECIAL_FLOATS:
        return GoNumber(text, _SPECIAL_FLOATS[text])
    first = text[:1]
    if first == "." and _DOT_FLOAT.fullmatch(text):
        number = float(text)
        return _go_number(number) if math.isfinite(number) else text
    if first.isascii() and (first.isdigit() or first in "+-"):
        when = go_time(text) if first.isdigit() else None
        if when is not None:
            return when
        plain = text.replace("_", "")
        integer = _go_int(plain)
        if integer is not None:
            return _go_number(integer)
        if _YAML_FLOAT.fullmatch(plain):
            number = float(plain)
            if math.isfinite(number):  # Go's ParseFloat fails with ErrRange: yaml.v3 keeps the text
                return _go_number(number)
    return text


def _tagged(tag: str, text: str) -> tuple[Any, Optional[str]]:
    """A scalar with an explicit tag: (value, problem or None), as yaml.v3 decodes it into an interface."""
    short = tag[len(_TAG):] if tag.startswith(_TAG) else None
    if short == "timestamp":
        when = go_time(text)
        return (when, None) if when is not None else (text, f"cannot decode {text!r} as a !!timestamp")
    if short is None or short == "str":
        return text, None  # '!', local and unknown tags: yaml.v3 keeps the text
    if short == "binary":
        try:
            return base64.b64decode(text.replace("\n", ""), validate=True).decode("utf-8", "replace"), None
        except (binascii.Error, ValueError):
            return text, "!!binary value is not valid base64"
    if short not in ("bool", "null", "int", "float"):
        return text, None
    value = resolve_plain(text)
    if short == "bool" and isinstance(value, bool) or short == "null" and value is None:
        return value, None
    if short == "int" and isinstance(value, GoNumber) and isinstance(value.value, int):
        return value, None
    if short == "float" and isinstance(value, GoNumber):
        return (_go_number(float(value.value)) if isinstance(value.value, int) else value), None
    return text, f"cannot decode {text!r} as a !!{short}"


# --------------------------------------------------------------------------- reading


def _decode(data: bytes) -> tuple[str, list[int]]:
    """The text of ``data`` (UTF-8, or UTF-16 with a BOM) and the offsets of the bytes that are not UTF-8."""
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise YamlError(f"invalid UTF-16 at byte {exc.start}", None,
                            "save the file as UTF-8 (the Pulumi CLI reads UTF-8, or UTF-16 with a byte order mark)") from None
    if data.startswith(codecs.BOM_UTF8):  # the CLI strips it too (workspace/loaders.go readFileStripUTF8BOM)
        data = data[len(codecs.BOM_UTF8):]
    bad: list[int] = []

    def replace(exc: UnicodeError) -> tuple[str, int]:
        assert isinstance(exc, UnicodeDecodeError)
        bad.append(exc.start)
        return "\ufffd", exc.end

    codecs.register_error("omsecrets.stack_yaml", replace)
    return data.decode("utf-8", "omsecrets.stack_yaml"), bad


def read(path: Union[str, Path]) -> Document:
    """Read ``path`` (``OSError`` when it cannot be opened, ``YamlError`` when it cannot be read as YAML)."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise YamlError(f"the file is over {MAX_BYTES // (1 << 20)} MiB; refused before it is parsed", None,
                        "a stack file holds config, a few KiB: check that this is the file you meant")
    return parse(data)


def parse(data: Union[bytes, str]) -> Document:
    """The first document of ``data``, with the line of every key and every issue."""
    if isinstance(data, str):
        text, bad = data, []
    else:
        if len(data) > MAX_BYTES:
            raise YamlError(f"the file is over {MAX_BYTES // (1 << 20)} MiB; refused before it is parsed")
        text, bad = _decode(data)
    document = _Builder(text).build()
    if bad:
        raw = data if isinstance(data, bytes) else b""
        starts = [0] + [m.end() for m in re.finditer(b"\n", raw)]
        for offset in bad[:MAX_BAD_BYTES]:
            line = bisect.bisect_right(starts, offset)
            column = len(raw[starts[line - 1]:offset].decode("utf-8", "replace")) + 1
            path = _path_at_line(document.lines, line)
            last = offset == bad[:MAX_BAD_BYTES][-1] and len(bad) > MAX_BAD_BYTES
            more = f" ({len(bad) - MAX_BAD_BYTES} more such bytes after it)" if last else ""
            document.issues.append(Issue(path, line, f"byte 0x{raw[offset]:02X} at line {line}, column {column} is not "
                                         f"UTF-8{more}; the Pulumi CLI reads stack files as UTF-8: save the file as UTF-8"))
    return document


def _path_at_line(lines: dict[Path_, int], line: int) -> Path_:
    """The deepest key or item that starts at ``line`` or, failing that, the last one before it."""
    best: Path_ = ()
    best_line = 0
    for path, at in lines.items():
        if best_line < at <= line or (at == best_line and len(path) > len(best)):
            best, best_line = path, at
    return best


def _line(event: Any) -> int:
    return event.start_mark.line + 1


def describe(value: Any) -> str:
    """What a YAML value is, in words (never the value)."""
    if isinstance(value, GoTime):
        return "a timestamp"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, GoNumber):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a string" if isinstance(value, str) else f"a {type(value).__name__}"


class _Frame:
    __slots__ = ("kind", "value", "path", "anchor", "line", "size", "key", "key_line", "expect_key", "merge",
                 "merge_line")

    def __init__(self, kind: str, path: Path_, anchor: Optional[str], line: int):
        self.kind, self.path, self.anchor, self.line = kind, path, anchor, line
        self.value: Any = {} if kind == "map" else []
        self.size = 1
        self.key: Any = None
        self.key_line = line
        self.expect_key = True
        self.merge: Optional[tuple[Any, int]] = None
        self.merge_line = line


class _Builder:
    """Builds the values of the first document from parser events, iteratively (no recursion)."""

    def __init__(self, text: str):
        self.text = text
        self.lines: dict[Path_, int] = {}
        self.issues: list[Issue] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.aliases = 0
        self.alias_values = 0

    def build(self) -> Document:
        loader = _EventLoader(self.text)
        stack: list[_Frame] = []
        root: Any = None
        documents = 0
        try:
            while loader.check_event():
                event = loader.get_event()
                kind = type(event)
                if kind is yaml.DocumentStartEvent:
                    documents += 1
                    if documents > 1:
                        self.issues.append(Issue((), _line(event), f"a second YAML document starts at line {_line(event)}; "
                                                 "the Pulumi CLI reads only the first: remove the second one"))
                        break
                elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                    if len(stack) >= MAX_DEPTH:
                        raise YamlError(f"collections nested deeper than {MAX_DEPTH} levels at line {_line(event)}; "
                                        "refused before it is read further", _line(event),
                                        f"a stack file nests a few levels; at most {MAX_DEPTH} are read")
                    stack.append(_Frame("map" if kind is yaml.MappingStartEvent else "seq",
                                        self._child_path(stack), event.anchor, _line(event)))
                elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                    frame = stack.pop()
                    if frame.kind == "map":
                        self._merge(frame)
                    root = self._add(stack, frame.value, frame.size, frame.anchor, frame.line, root)
                elif kind is yaml.ScalarEvent:
                    root = self._add(stack, self._scalar(event, stack), 1, event.anchor, _line(event), root,
                                     plain_text=event.value if event.implicit[0] and event.tag is None else None)
                elif kind is yaml.AliasEvent:
                    if event.anchor not in self.anchors:
                        raise YamlError(f"alias *{event.anchor} at line {_line(event)} names no anchor defined before it "
                                        "(or one that contains it)", _line(event), "define the anchor (&name) first")
                    value, size = self.anchors[event.anchor]
                    self.aliases += 1
                    self.alias_values += size
                    if self.aliases > MAX_ALIASES or self.alias_values > MAX_ALIAS_VALUES:
                        raise YamlError(f"more than {MAX_ALIASES} aliases, or aliases standing for more than "
                                        f"{MAX_ALIAS_VALUES:,} values (at line {_line(event)}); refused before they are "
                                        "expanded", _line(event), "write the values out; a stack file needs few aliases")
                    root = self._add(stack, value, size, None, _line(event), root)
        except yaml.MarkedYAMLError as exc:
            raise _syntax_error(exc) from None
        except yaml.reader.ReaderError as exc:
            line = self.text.count("\n", 0, exc.position) + 1
            code = exc.character if isinstance(exc.character, int) else ord(exc.character or "\0")
            raise YamlError(f"invalid YAML: character U+{code:04X} at line {line}: {exc.reason}", line,
                            "remove the control character (YAML allows tab, newline and printable characters)") from None
        except yaml.YAMLError as exc:
            raise YamlError(f"invalid YAML: {exc}") from None
        finally:
            loader.dispose()
        return Document(root, self.lines, self.issues)

    def _child_path(self, stack: list[_Frame]) -> Path_:
        if not stack:
            return ()
        parent = stack[-1]
        if parent.kind == "seq":
            return parent.path + (len(parent.value),)
        if parent.expect_key:
            return parent.path + ("<key>",)
        return parent.path + ((MERGE if parent.key is _MergeKey else parent.key),)

    def _scalar(self, event: Any, stack: list[_Frame]) -> Any:
        if event.tag is not None and event.tag != "!":
            value, problem = _tagged(event.tag, event.value)
            if problem:
                self.issues.append(Issue(self._child_path(stack), _line(event), problem))
            return value
        if event.implicit[0] and event.tag is None:
            return resolve_plain(event.value)
        return event.value  # quoted, block or '!'-tagged: a string

    def _add(self, stack: list[_Frame], value: Any, size: int, anchor: Optional[str], line: int, root: Any,
             plain_text: Optional[str] = None) -> Any:
        if anchor is not None:
            self.anchors[anchor] = (value, size)
        if not stack:
            return value
        parent = stack[-1]
        parent.size += size
        if parent.kind == "seq":
            self.lines.setdefault(parent.path + (len(parent.value),), line)
            parent.value.append(value)
        elif parent.expect_key:
            parent.key = self._key(parent, value, line, plain_text)
            parent.key_line = line
            parent.expect_key = False
        else:
            self._set(parent, value)
            parent.expect_key = True
        return root

    def _key(self, parent: _Frame, value: Any, line: int, plain_text: Optional[str]) -> Any:
        if plain_text == MERGE:
            return _MergeKey
        if isinstance(value, str) and not isinstance(value, GoTime):
            return value
        shown = plain_text if plain_text is not None else f"<{describe(value)}>"  # a collection or an alias
        self.issues.append(Issue(parent.path + (shown,), line, f"is a key that is {describe(value)}, not a string; the "
                                 "Pulumi CLI reads only string keys (\"expected only string keys\"): quote it"))
        return shown

    def _set(self, frame: _Frame, value: Any) -> None:
        key, line = frame.key, frame.key_line
        if key is _MergeKey:
            if frame.merge is not None:
                self.issues.append(Issue(frame.path + (MERGE,), line, f"is repeated (lines {frame.merge_line} and {line}); "
                                         "the Pulumi CLI refuses a repeated key: keep one"))
                return
            frame.merge, frame.merge_line = (value, line), line
            return
        path = frame.path + (key,)
        if key in frame.value:
            first = self.lines.get(path)
            self.issues.append(Issue(path, line, f"is repeated (lines {first} and {line}); the Pulumi CLI refuses a stack "
                                     "file with a repeated key (\"mapping key already defined\"), other YAML readers "
                                     "keep the last: keep one"))
            return
        frame.value[key] = value
        self.lines.setdefault(path, line)

    def _merge(self, frame: _Frame) -> None:
        if frame.merge is None:
            return
        value, line = frame.merge
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(s, dict) for s in sources):
            self.issues.append(Issue(frame.path + (MERGE,), line, "merges a mapping or a list of mappings, "
                                     "not " + describe(value)))
            return
        for source in sources:
            for key, item in source.items():
                if key not in frame.value:
                    frame.value[key] = item
                    self.lines.setdefault(frame.path + (key,), line)


class _MergeKeyType:
    def __repr__(self) -> str:
        return "'<<'"


_MergeKey = _MergeKeyType()


def _syntax_error(exc: yaml.MarkedYAMLError) -> YamlError:
    mark = exc.problem_mark or exc.context_mark
    problem = f"invalid YAML: {exc.problem or exc.context}"
    if mark:
        problem += f" (line {mark.line + 1}, column {mark.column + 1})"
    if exc.context and exc.problem and exc.context_mark:
        problem += (f", {exc.context} that starts at line {exc.context_mark.line + 1}, "
                    f"column {exc.context_mark.column + 1}")
    return YamlError(problem, mark.line + 1 if mark else None, "")


def plain(value: Any) -> Any:
    """``value`` with every ``GoNumber`` replaced by its number (for files read as settings, not as config)."""
    if isinstance(value, GoNumber):
        return value.value
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
