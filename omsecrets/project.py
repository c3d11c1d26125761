"""Pulumi project and stack files, read without Pulumi: ``Pulumi.yaml``, ``Pulumi.<stack>.yaml``.

Stack config is encoded as the Pulumi CLI hands it to a program (numbers verbatim, objects as
JSON, ``secure:`` values as placeholders). Unreadable files raise ``StackFileError`` naming the
file, the line and what to do. Importing this module imports no Pulumi (the CLI lists stacks
with it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import yaml

from omsecrets.components import core
from omsecrets.components.record import record

if TYPE_CHECKING:
    from omsecrets.components.settings import Settings

SECRET_TEXT = core.SECRET_PLACEHOLDER

# The C loader (libyaml) parses large stack files ~6x faster; same documents, same marks.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StackFileError(ValueError):
    """A project or stack file that cannot be read: ``path``, ``line`` (1-based or None), ``problem``."""

    def __init__(self, path: Path, problem: str, line: Optional[int] = None, hint: str = ""):
        self.path, self.problem, self.line, self.hint = Path(path), problem, line, hint
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}" + (f"\n  {hint}" if hint else ""))


def _read_yaml(path: Path, loader: type, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StackFileError(path, f"cannot read the {what}: {exc.strerror or exc}") from None
    try:
        return yaml.load(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = f"invalid YAML: {exc.problem or exc.context}"
        if mark:
            problem += f" (line {mark.line + 1}, column {mark.column + 1})"
        if exc.context and exc.problem and exc.context_mark:
            problem += f", {exc.context} that starts at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1}"
        raise StackFileError(path, problem, mark.line + 1 if mark else None,
                             f"fix the YAML syntax of the {what}") from None
    except yaml.YAMLError as exc:
        raise StackFileError(path, f"invalid YAML: {exc}", None, f"fix the YAML syntax of the {what}") from None


class StackNotFoundError(FileNotFoundError):
    """The stack's ``Pulumi.<stack>.yaml`` does not exist."""

    def __init__(self, stack: str, path: Path, available: list[str]):
        self.stack, self.path, self.available = stack, path, available
        listed = ", ".join(available) if available else "none"
        super().__init__(f"no stack file {path} for stack {stack!r} (available stacks: {listed})")


# --------------------------------------------------------------------------- config


class _Number(str):
    """A YAML number kept as its source text."""

    def __new__(cls, text: str, value: float | int):
        obj = super().__new__(cls, text)
        obj.value = value
        return obj


class _ConfigLoader(_SafeLoader):
    """SafeLoader that keeps numbers as their text (the CLI passes them verbatim)."""


def _construct_number(tag: str):
    base = yaml.SafeLoader.yaml_constructors[tag]

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> _Number:
        return _Number(node.value, base(loader, node))

    return construct


for _tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
    _ConfigLoader.add_constructor(_tag, _construct_number(_tag))
_ConfigLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: node.value)


@record
class StackFile:
    """A parsed ``Pulumi.<stack>.yaml``: config as the CLI would pass it to the program."""

    path: Path
    config: dict[str, str]
    secret_keys: list[str]


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


def _json_ready(value: Any) -> Any:
    if isinstance(value, _Number):
        return value.value
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value


def _encode_value(value: Any) -> str:
    """Encode a config value the way the Pulumi CLI hands it to a program."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(_json_ready(value), separators=(",", ":"), sort_keys=True, ensure_ascii=False)


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


def _find_project_name(start: Path) -> Optional[str]:
    for folder in [start, *start.parents]:
        if (folder / "Pulumi.yaml").is_file():
            return load_project(folder).get("name")
    return None


def load_stack_file(path: str | os.PathLike, project: Optional[str] = None) -> StackFile:
    """Parse a ``Pulumi.<stack>.yaml`` (project name found upward from it unless given)."""
    path = Path(path)
    document = _read_yaml(path, _ConfigLoader, "stack file")
    if document is not None and not isinstance(document, dict):
        raise StackFileError(path, f"the stack file is a {type(document).__name__}, not a mapping",
                             1, "write `config:` with `namespace:key: value` entries")
    raw = (document or {}).get("config") or {}
    if not isinstance(raw, dict):
        raise StackFileError(path, f"`config` is a {type(raw).__name__}, not a mapping", _line_of(path, "config"),
                             "write `config:` with `namespace:key: value` entries")
    if project is None and any(":" not in str(k) for k in raw):
        project = _find_project_name(path.resolve().parent)
    config, secrets = encode_config(raw, project)
    return StackFile(path=path, config=config, secret_keys=secrets)


def load_project(project_dir: str | os.PathLike) -> dict:
    """Read ``Pulumi.yaml``; ``stackConfigDir`` defaults to the project directory."""
    path = Path(project_dir) / "Pulumi.yaml"
    project = _read_yaml(path, _SafeLoader, "project file") or {}
    if not isinstance(project, dict) or not project.get("name"):
        raise StackFileError(path, "no project `name`", None, "set `name:` (and `runtime: python`) in Pulumi.yaml")
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


def _line_of(path: Path, key: str) -> Optional[int]:
    """The 1-based line where top-level ``key:`` starts in ``path``, if found."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f"{key}:"):
            return number
    return None


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
    """Settings of a ``Pulumi.<stack>.yaml`` without running the program."""
    stack_file = load_stack_file(path, project)
    return settings_from_config(stack_file.config, stack, stack_file.secret_keys)
