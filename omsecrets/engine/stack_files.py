"""The config a preview runs with: ``Pulumi.yaml`` defaults, the stack file, then explicit values.

Stack files themselves are read by ``omsecrets.project`` (no Pulumi import); re-exported here. A stack
file with any problem (``project.stack_file_error``: every problem of the file and of its om-secrets
config at once) stops the preview before the program runs, so before any resource is declared.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omsecrets.project import (  # noqa: F401 re-exported: engine.load_stack_file etc.
    StackFile,
    StackFileError,
    StackNotFoundError,
    _placeholder,
    _qualify,
    encode_config,
    list_stacks,
    load_project,
    load_stack_file,
    require_config,
    stack_file_path,
)


def _project_defaults(project: dict) -> dict[str, Any]:
    """Values and defaults declared in the ``config:`` block of Pulumi.yaml."""
    schema_keys = {"type", "default", "description", "secret", "items", "value"}
    values = {}
    for key, spec in (project.get("config") or {}).items():
        if isinstance(spec, dict) and spec and set(spec) <= schema_keys:
            if "value" in spec or "default" in spec:
                values[key] = spec.get("value", spec.get("default"))
        else:
            values[key] = spec
    return values


def _resolve_config(project_dir: Path, project: dict, stack: str, config_file, config, secret_keys):
    name = project["name"]
    values, secrets = encode_config(_project_defaults(project), name)
    if config_file is None and config is None:
        config_file = stack_file_path(project_dir, stack)
        if not config_file.is_file():
            raise StackNotFoundError(stack, config_file, list_stacks(project_dir))
    if config_file is not None:
        stack_file = require_config(load_stack_file(config_file, name, stack=stack))
        values.update(stack_file.config)
        secrets += stack_file.secret_keys
    if config:
        extra, extra_secrets = encode_config(config, name)
        values.update(extra)
        secrets += extra_secrets
    secrets += [_qualify(k, name) for k in secret_keys]
    return values, sorted(set(secrets))


