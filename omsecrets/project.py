"""Pulumi project and stack files, read without Pulumi: ``Pulumi.yaml``, ``Pulumi.<stack>.yaml``.

Both are read by ``omsecrets.stack_yaml`` (bounded, line-tracking, duplicate-refusing, scalars as the
Pulumi CLI reads them) and stack config is encoded as the CLI hands it to a program (numbers as Go's
JSON writes them, objects as JSON, a null as "", ``secure:`` values as placeholders). A file that
cannot be read at all raises ``StackFileError`` naming the file, the line and what to do; every other
problem of a stack file (a repeated or non-string key, a byte that is not UTF-8, an infinite number, a
``secure:`` value where a plain setting goes, plaintext that looks like key material) is collected and
raised with every problem of its ``om-secrets`` config as one ``ConfigError``, each with its line
(``stack_file_error``). Importing this module imports no Pulumi (the CLI lists stacks with it).
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

from omsecrets import stack_yaml
from omsecrets.components import core, disclosure
from omsecrets.components.record import record

if TYPE_CHECKING:
    from omsecrets.components.settings import Settings

SECRET_TEXT = core.SECRET_PLACEHOLDER
NAMESPACE = core.CONFIG_NAMESPACE


class StackFileError(ValueError):
    """A project or stack file that cannot be read: ``path``, ``line`` (1-based or None), ``problem``."""

    def __init__(self, path: Path, problem: str, line: Optional[int] = None, hint: str = ""):
        self.path, self.problem, self.line, self.hint = Path(path), problem, line, hint
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}" + (f"\n  {hint}" if hint else ""))


def _read_yaml(path: Path, what: str) -> stack_yaml.Document:
    try:
        return stack_yaml.read(path)
    except OSError as exc:
        raise StackFileError(path, f"cannot read the {what}: {exc.strerror or exc}") from None
    except stack_yaml.YamlError as exc:
        raise StackFileError(path, disclosure.redact(exc.problem), exc.line,
                             exc.hint or f"fix the YAML syntax of the {what}") from None


class StackNotFoundError(FileNotFoundError):
    """The stack's ``Pulumi.<stack>.yaml`` does not exist."""

    def __init__(self, stack: str, path: Path, available: list[str]):
        self.stack, self.path, self.available = stack, path, available
        listed = ", ".join(available) if available else "none"
        super().__init__(f"no stack file {path} for stack {stack!r} (available stacks: {listed})")


# --------------------------------------------------------------------------- config


@record
class StackFileProblem:
    """A problem of a stack file that does not stop its reading: the config ``key`` (or "") and its ``line``."""

    line: Optional[int]
    key: str
    message: str
    #: The value is unusable as given (key material, an encrypted value): the settings' own message
    #: about the same key would only repeat it.
    covers: bool = False

    def text(self) -> str:
        return f"{self.key}: {self.message}" if self.key else self.message


@record
class StackFile:
    """A parsed ``Pulumi.<stack>.yaml``: config as the CLI would pass it to the program."""

    path: Path
    config: dict[str, str]
    secret_keys: list[str]
    #: ``ns:key``, ``ns:key.sub``, ``ns:key[0].sub`` -> the line it is written on.
    lines: dict[str, int] = field(default_factory=dict, compare=False)
    problems: tuple[StackFileProblem, ...] = ()

    def line_of(self, key: str) -> Optional[int]:
        """The line of config ``key`` or, when it is not written, of the nearest key above it."""
        return _line_in(self.lines, key)


def _line_in(lines: Mapping[str, int], key: str) -> Optional[int]:
    while key:
        if key in lines:
            return lines[key]
        cut = max(key.rfind("."), key.rfind("["))
        if cut <= key.find(":"):
            return None
        key = key[:cut]
    return None


def _qualify(key: str, project: Optional[str]) -> str:
    if ":" in key:
        return key
    if not project:
        raise ValueError(f"config key {key!r} has no namespace and the project name is unknown")
    return f"{project}:{key}"


def _placeholder(key: str) -> str:
    import hashlib

    from omsecrets.components.core import OFFLINE_SECRET_PREFIX

    return OFFLINE_SECRET_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:16]


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("secure"), str)


def _desecure(value: Any, path: str) -> tuple[Any, bool]:
    """Replace ``{secure: ...}`` values (at any depth) with placeholders; report if any."""
    if _is_secure(value):
        return _placeholder(path), True
    if isinstance(value, dict):
        pairs = {k: _desecure(v, f"{path}.{k}") for k, v in value.items()}
        return {k: v for k, (v, _) in pairs.items()}, any(s for _, s in pairs.values())
    if isinstance(value, list):
        pairs = [_desecure(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return [v for v, _ in pairs], any(s for _, s in pairs)
    return value, False


def _json(value: Any) -> str:
    """``value`` as Go's ``encoding/json`` writes a config object: keys sorted, numbers as the CLI read them."""
    if isinstance(value, stack_yaml.GoNumber):  # .inf and .nan: no JSON (the CLI refuses them, as does the reader)
        return value.text if value.finite else json.dumps(value.text)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_json(v)}"
                              for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json(v) for v in value) + "]"
    if isinstance(value, float) and not isinstance(value, bool):
        return stack_yaml.go_float_text(value)
    return json.dumps(value, ensure_ascii=False)


def _encode_value(value: Any) -> str:
    """Encode a config value the way the Pulumi CLI hands it to a program (``config.Value``: a null is "")."""
    if isinstance(value, str):
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, stack_yaml.GoNumber):
        return value.text
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return stack_yaml.go_float_text(value)
    return _json(value)


def encode_config(values: Mapping[str, Any], project: Optional[str]) -> tuple[dict[str, str], list[str]]:
    """Encode ``{key: python value}`` into CLI-style strings; return (config, secret keys)."""
    config: dict[str, str] = {}
    secrets: list[str] = []
    for key, value in values.items():
        full = _qualify(str(key), project)
        value, secure = _desecure(value, full)
        config[full] = _encode_value(value)
        if secure:
            secrets.append(full)
    return config, secrets


# --------------------------------------------------------------------------- reading a stack file

#: The keys whose value is the name of a config key holding a secret (set with --secret).
_SECRET_NAME_KEY = re.compile(rf"{re.escape(NAMESPACE)}:(secrets\[\d+\]\.fromConfig|fernet\.[^.]+\.imported\.[^.]+"
                              r"|azure\.identity\.[^.]+\.clientSecret)")
_NAME_INSTEAD = ("it takes the name of a config key set with --secret, not the secret: run "
                 f"`pulumi config set --secret {NAMESPACE}:<name> <value>` and write that <name> here")


def _label(key: str, rest: Iterable[Union[str, int]]) -> str:
    """``ns:key`` and a path below it as settings name it: ``ns:key.sub[0].name``."""
    return key + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)


def _full_key(key: str, project: Optional[str]) -> tuple[Optional[str], str]:
    """(``ns:name`` as the CLI reads ``key``, or None, and why not)."""
    parts = key.split(":")
    if len(parts) == 1:
        return _qualify(key, project), ""
    if len(parts) == 2 and all(parts):
        return key, ""
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return f"{parts[0]}:{parts[2]}", ""  # the CLI's old <namespace>:config:<name> form
    return None, "is not a config key: the Pulumi CLI reads `<namespace>:<name>` (one ':')"


@functools.lru_cache(maxsize=1)
def _setting_names() -> frozenset[str]:
    from omsecrets.components import settings as settings_module

    return frozenset(k.path.split(".", 1)[0] for k in settings_module.KEYS)


class _ConfigReader:
    """The ``config:`` block of a read stack file: its keys as the CLI names them, their lines, their problems."""

    def __init__(self, document: stack_yaml.Document, raw: dict, project: Optional[str]):
        self.document, self.project = document, project
        self.values: dict[str, Any] = {}
        self.full: dict[str, str] = {}  # key as written -> ns:name
        self.lines: dict[str, int] = {}
        self.problems: list[StackFileProblem] = []
        for key, value in raw.items():
            self._add(key, value)
        for path, line in document.lines.items():
            if len(path) > 1 and path[0] == "config" and path[1] in self.full:
                self.lines.setdefault(_label(self.full[path[1]], path[2:]), line)
        for issue in document.issues:
            self.problems.append(StackFileProblem(issue.line, self._label_of(issue.path), issue.message))
        for full, value in self.values.items():
            self._check(full, full, value)

    def _label_of(self, path: tuple) -> str:
        if len(path) > 1 and path[0] == "config":
            return _label(self.full.get(path[1], str(path[1])), path[2:])
        return ".".join(map(str, path))

    def _add(self, key: str, value: Any) -> None:
        line = self.document.lines.get(("config", key))
        full, why = _full_key(key, self.project)
        if disclosure.looks_like_key_material(key):  # named as settings name it: their message about it is covered
            self.problems.append(StackFileProblem(line, full or key, "a config key that looks like key material: keys "
                                                  "are names; a secret goes in a config key of its own, set with --secret",
                                                  True))
            return
        if full is None:
            self.problems.append(StackFileProblem(line, key, why))
            if line is not None:
                self.lines.setdefault(key, line)
            return
        if full in self.values:
            first = next(k for k, f in self.full.items() if f == full)
            self.problems.append(StackFileProblem(line, full, (
                f"is set twice: as {first} (line {self.document.lines.get(('config', first))}) and as {key} "
                f"(line {line}); the Pulumi CLI keeps either one: keep one")))
            return
        self.values[full], self.full[key] = value, full

    def _problem(self, label: str, message: str, covers: bool = True) -> None:
        self.problems.append(StackFileProblem(self.line_of(label), label, message, covers))

    def line_of(self, label: str) -> Optional[int]:
        return _line_in(self.lines, label)

    def _check(self, full: str, label: str, value: Any) -> None:
        """Encrypted values in plain settings, numbers the CLI refuses, key material in plaintext (keys too)."""
        namespace, _, name = full.partition(":")
        setting = namespace == NAMESPACE and name in _setting_names()
        if _is_secure(value):
            if setting:
                self._problem(label, "is an encrypted (secure:) value; " + (
                    _NAME_INSTEAD if _SECRET_NAME_KEY.fullmatch(label) else
                    "this is a plain setting the program reads as text: set it without --secret"))
            return
        if isinstance(value, dict):
            for key, item in value.items():
                if disclosure.looks_like_key_material(key):
                    self._problem(label, f"has a key that is {disclosure.describe(key)}; keys are names: "
                                  "a secret goes in a config key of its own, set with --secret")
                    continue
                self._check(full, f"{label}.{key}", item)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self._check(full, f"{label}[{index}]", item)
        elif isinstance(value, stack_yaml.GoNumber) and not value.finite:
            self._problem(label, f"is {value.text}: the Pulumi CLI cannot pass an infinite or NaN number to a program "
                          "(Go's encoding/json refuses it) and refuses the stack file: write a finite number", covers=False)
        elif isinstance(value, str) and disclosure.looks_like_key_material(value):
            if _SECRET_NAME_KEY.fullmatch(label):
                self._problem(label, f"is {disclosure.describe(value)}; {_NAME_INSTEAD}")
            elif setting:
                self._problem(label, f"is {disclosure.describe(value)}; this is a plain setting, shown in previews and "
                              "stored as text: give the value it expects (README: configuration keys), never a secret")
            elif namespace != NAMESPACE:  # om-secrets' other keys are secret values: settings says if in plaintext
                self._problem(label, f"is {disclosure.describe(value)}, in plaintext in the stack file: set it with "
                              f"`pulumi config set --secret {full} <value>`")


def stack_file_error(stack_file: StackFile, stack: str) -> Exception:
    """One ``ConfigError`` with every problem of ``stack_file`` and of its ``om-secrets`` settings, by line.

    Each message has passed ``disclosure.redact``; ``error.lines`` holds the line of each, and
    ``error.backfills`` the settings' ``Backfill`` of each problem that has one.
    """
    from omsecrets.components import settings as settings_module

    entries = [(p.line, p.text()) for p in stack_file.problems]
    covered = tuple(p.key for p in stack_file.problems if p.covers and p.key)
    backfills = {}
    if any(k.startswith(f"{NAMESPACE}:") for k in stack_file.config):
        try:
            settings_from_config(stack_file.config, stack, stack_file.secret_keys)
        except settings_module.ConfigError as exc:
            for problem in exc.problems:
                key = problem.split(": ", 1)[0] if ": " in problem else ""
                if key and any(key == c or key.startswith((f"{c}.", f"{c}[")) for c in covered):
                    continue
                entries.append((stack_file.line_of(key), problem))
                if problem in exc.backfills:
                    backfills[disclosure.redact(problem)] = exc.backfills[problem]
    entries.sort(key=lambda entry: entry[0] if entry[0] is not None else 1 << 30)
    error = settings_module.ConfigError([disclosure.redact(text) for _, text in entries], backfills)
    error.lines = [line for line, _ in entries]  # type: ignore[attr-defined]
    return error


def with_backfills(config: Mapping[str, str], backfills: Iterable[Any], project: Optional[str]) -> dict[str, str]:
    """CLI-style ``config`` with each ``settings.Backfill`` set (``ns:key``, or ``ns:key.sub`` inside an object key)."""
    out = dict(config)
    for backfill in backfills:
        full, _, sub = backfill.key.partition(".")
        value = backfill.value
        if sub:
            try:
                found = json.loads(out[full]) if out.get(full) else {}
            except ValueError:
                found = None
            if not isinstance(found, dict):
                raise ValueError(f"{full} is not an object: cannot set {backfill.key}")
            node = found
            *parents, last = sub.split(".")
            for part in parents:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ValueError(f"{full} has no object at {part}: cannot set {backfill.key}")
            node[last] = value
            value = found
        out.update(encode_config({full: value}, project)[0])
    return out


def stack_name(path: Union[str, os.PathLike]) -> str:
    """The stack a ``Pulumi.<stack>.yaml`` is for (the file name without ``Pulumi.`` and ``.yaml``)."""
    name = Path(path).name
    return name[len("Pulumi."):-len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else name


def _find_project_name(start: Path) -> Optional[str]:
    for folder in [start, *start.parents]:
        if (folder / "Pulumi.yaml").is_file():
            return load_project(folder).get("name")
    return None


def load_stack_file(path: str | os.PathLike, project: Optional[str] = None, *, stack: Optional[str] = None,
                    strict: bool = True) -> StackFile:
    """Parse a ``Pulumi.<stack>.yaml`` (project name found upward from it unless given).

    A file that cannot be read raises ``StackFileError``. Other problems are in ``problems``; with
    ``strict`` any of them raises ``stack_file_error`` (for ``stack``, else the one the file name says).
    """
    path = Path(path)
    document = _read_yaml(path, "stack file")
    if document.value is not None and not isinstance(document.value, dict):
        raise StackFileError(path, f"the stack file is {stack_yaml.describe(document.value)}, not a mapping",
                             1, "write `config:` with `namespace:key: value` entries")
    raw = (document.value or {}).get("config") or {}
    if not isinstance(raw, dict):
        raise StackFileError(path, f"`config` is {stack_yaml.describe(raw)}, not a mapping",
                             document.lines.get(("config",)), "write `config:` with `namespace:key: value` entries")
    if project is None and any(":" not in k for k in raw):
        project = _find_project_name(path.resolve().parent)
    reader = _ConfigReader(document, raw, project)
    config, secrets = encode_config(reader.values, project)
    stack_file = StackFile(path=path, config=config, secret_keys=secrets, lines=reader.lines,
                           problems=tuple(reader.problems))
    if strict and stack_file.problems:
        raise stack_file_error(stack_file, stack or stack_name(path))
    return stack_file


def key_line(path: Optional[Union[str, os.PathLike]], key: str) -> Optional[int]:
    """The line of config ``key`` (``ns:key``, ``ns:key.sub[0].name``) in the stack file ``path``, if written."""
    if path is None or not key:
        return None
    try:
        return _lines(str(Path(path).resolve()), os.stat(path).st_mtime_ns).line_of(key)
    except (OSError, ValueError):
        return None


@functools.lru_cache(maxsize=16)
def _lines(path: str, mtime_ns: int) -> StackFile:
    return load_stack_file(path, strict=False)


def load_project(project_dir: str | os.PathLike) -> dict:
    """Read ``Pulumi.yaml``; ``stackConfigDir`` defaults to the project directory."""
    path = Path(project_dir) / "Pulumi.yaml"
    document = _read_yaml(path, "project file")
    if document.issues:
        issue = document.issues[0]
        more = f" (and {len(document.issues) - 1} more problem(s))" if len(document.issues) > 1 else ""
        raise StackFileError(path, disclosure.redact(issue.message) + more, issue.line, "fix the project file")
    project = document.value or {}
    if not isinstance(project, dict) or not project.get("name"):
        raise StackFileError(path, "no project `name`", None, "set `name:` (and `runtime: python`) in Pulumi.yaml")
    project = {k: v if k == "config" else stack_yaml.plain(v) for k, v in project.items()}
    project.setdefault("stackConfigDir", ".")
    return project


def _stack_dir(project_dir: Path, project: dict) -> Path:
    return project_dir / (project.get("stackConfigDir") or ".")


def stack_file_path(project_dir: str | os.PathLike, stack: str) -> Path:
    """Where the CLI would look for the stack's config file."""
    project_dir = Path(project_dir)
    return _stack_dir(project_dir, load_project(project_dir)) / f"Pulumi.{stack}.yaml"


def list_stacks(project_dir: str | os.PathLike) -> list[str]:
    """Stack names with a ``Pulumi.<stack>.yaml`` in the stack config directory."""
    folder = stack_file_path(project_dir, "x").parent
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in folder.glob("Pulumi.*.yaml"))


def require_config(stack_file: StackFile) -> StackFile:
    """``stack_file`` if it sets any config; ``StackFileError`` for an empty one (it would preview defaults)."""
    if not stack_file.config:
        raise StackFileError(stack_file.path, "the stack file sets no config (empty, or no `config:` entries)", None,
                             "an empty stack file would silently preview the defaults; set at least "
                             "`om-secrets:provider` under `config:` (see the README's configuration keys)")
    return stack_file


# --------------------------------------------------------------------------- settings


def settings_from_config(config: Mapping[str, str], stack: str, secret_keys: Iterable[str] = ()) -> Settings:
    """The Settings ``settings.load()`` builds from CLI-style ``config`` (raises ``ConfigError``).

    ``fromConfig`` values are replaced by the ``[secret]`` placeholder: rendering never needs them.
    """
    from omsecrets.components import settings as settings_module

    data, refs = settings_module.split_config(config)
    secret_values = {ref: SECRET_TEXT for ref in refs if f"{settings_module.NAMESPACE}:{ref}" in config}
    plaintext = {ref for ref in secret_values if f"{settings_module.NAMESPACE}:{ref}" not in set(secret_keys)}
    provider_config = {settings_module.SECRET_MUTABLE: config.get(settings_module.SECRET_MUTABLE)}
    return settings_module.from_dict(data, stack=stack, aws_region=config.get("aws:region"),
                                     secret_values=secret_values, plaintext_refs=plaintext,
                                     provider_config=provider_config)


def stack_file_settings(path: str | os.PathLike, stack: str, project: Optional[str] = None) -> Settings:
    """Settings of a ``Pulumi.<stack>.yaml`` without running the program (``ConfigError`` lists every problem)."""
    stack_file = load_stack_file(path, project, stack=stack)
    return settings_from_config(stack_file.config, stack, stack_file.secret_keys)
