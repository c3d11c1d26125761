"""``preview --out DIR``: preview.json, the app config files, IAM policy documents and Kubernetes manifests.

The app config files are those the program's ``OpenMetadataSecrets`` rendered with the Settings it
loaded (``components.app_config.files.render_files``), read from its ``appConfigFiles`` output.
Nothing written holds a secret value unless ``show_secrets``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Optional

from omsecrets import engine
from omsecrets.components import core
from omsecrets.components.app_config import files
from omsecrets.project import settings_from_config, stack_file_settings  # noqa: F401 re-exported

PREVIEW_FILE = "preview.json"
POLICY_TYPE = "aws:iam/policy:Policy"
ENVIRONMENT_TYPE = core.ENVIRONMENT_TYPE
_NOT_OBJECTS = ("helm.sh", "yaml", "kustomize")
_UNSAFE = str.maketrans({c: "_" for c in " /\\:*?\"<>|"})


# --------------------------------------------------------------------------- app config files


def program_app_files(result: engine.PreviewResult) -> dict[str, str]:
    """The app config files the program's OpenMetadataSecrets rendered from the Settings it loaded
    (its registered output ``appConfigFiles``): nothing is re-derived from the stack config here.

    ValueError when the program declares no OpenMetadataSecrets, registered no files, or declares
    several whose files differ.
    """
    components = result.by_type(ENVIRONMENT_TYPE)
    if not components:
        raise ValueError("the program declares no OpenMetadataSecrets")
    found = [engine.plain(c.outputs, show_secrets=True).get(core.APP_CONFIG_FILES_OUTPUT) for c in components]
    if any(not isinstance(f, dict) or not all(isinstance(v, str) for v in f.values()) for f in found):
        raise ValueError(f"an OpenMetadataSecrets registered no {core.APP_CONFIG_FILES_OUTPUT!r} output")
    if any(f != found[0] for f in found[1:]):
        raise ValueError(f"{len(found)} OpenMetadataSecrets components render different app config files")
    return dict(found[0])


# --------------------------------------------------------------------------- captured objects


def policy_documents(result: engine.PreviewResult) -> dict[str, dict]:
    """``{resource name: policy document}`` of every ``aws:iam/policy:Policy`` with a JSON policy."""
    out = {}
    for policy in result.by_type(POLICY_TYPE):
        text = engine.plain(policy.inputs.get("policy"))
        try:
            document = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            continue
        if isinstance(document, dict):
            out[policy.name.translate(_UNSAFE)] = document
    return out


def api_version_kind(type_token: str) -> Optional[tuple[str, str]]:
    """``(apiVersion, kind)`` of a Kubernetes object type token; None for non-objects (Helm, yaml...)."""
    package, _, rest = type_token.partition(":")
    module, _, kind = rest.partition(":")
    group, _, version = module.partition("/")
    if package != "kubernetes" or not version or not kind or group in _NOT_OBJECTS:
        return None
    if kind.endswith(("Patch", "List")):
        return None
    return (version if group == "core" else f"{group}/{version}"), kind


def object_metadata(resource: engine.CapturedResource, show_secrets: bool = False) -> dict:
    """A Kubernetes resource's metadata (name falls back to the fabricated one, then the resource name)."""
    metadata = engine.plain(resource.inputs.get("metadata"), show_secrets)
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    if "name" not in metadata:
        fabricated = engine.plain(resource.state.get("metadata"), show_secrets)
        name = fabricated.get("name") if isinstance(fabricated, dict) else None
        metadata["name"] = name if isinstance(name, str) else resource.name
    return metadata


def manifest(resource: engine.CapturedResource, show_secrets: bool = False) -> Optional[dict]:
    """The object a Kubernetes resource declares; Secret values are ``[secret]`` unless ``show_secrets``."""
    found = api_version_kind(resource.type) if resource.custom else None
    if found is None:
        return None
    body = engine.plain(resource.inputs, show_secrets)
    out = {"apiVersion": found[0], "kind": found[1], "metadata": object_metadata(resource, show_secrets)}
    out.update({k: v for k, v in body.items() if k not in ("apiVersion", "kind", "metadata")})
    if found[1] == "Secret" and not show_secrets:
        for field in ("data", "stringData"):
            keys = engine.plain(resource.inputs.get(field), show_secrets=True)
            if isinstance(keys, dict):
                out[field] = {k: engine.SECRET_TEXT for k in keys}
    return out


def k8s_manifests(result: engine.PreviewResult, show_secrets: bool = False) -> list[dict]:
    """Every Kubernetes object the program declares, as a manifest."""
    return [m for m in (manifest(r, show_secrets) for r in result.resources) if m is not None]


# --------------------------------------------------------------------------- files


def resource_files(policies: Mapping[str, dict], manifests: Iterable[Mapping[str, Any]],
                   show_secrets: bool = False) -> dict[str, str]:
    """``iam/<name>.json`` and ``k8s/<kind>-<ns>-<name>.yaml``, formatted like ``render_files``."""
    out = {f"iam/{name}.json": json.dumps(doc, indent=2, sort_keys=True) + "\n" for name, doc in policies.items()}
    for obj in manifests:
        path = files.manifest_path(obj)
        if path in out:
            raise ValueError(f"two files would be written to {path}")
        out[path] = files.to_yaml(obj if show_secrets else files.redact(obj))
    return out


def output_files(result: engine.PreviewResult, show_secrets: bool = False,
                 warn=None) -> dict[str, str]:
    """Every file but preview.json; app config files are left out (with a warning) without Settings."""
    out = resource_files(policy_documents(result), k8s_manifests(result, show_secrets), show_secrets)
    try:
        app_files = program_app_files(result)
    except ValueError as exc:
        (warn or _warn)(f"not writing the app config files: {exc}")
        return out
    clashes = sorted(set(app_files) & set(out))
    if clashes:
        raise ValueError(f"two files would be written to {clashes[0]}")
    return {**app_files, **out}


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _write(path: Path, text: str, private: bool) -> Path:
    """Write ``text``; ``private`` (it may hold secret values): owner-only, also when ``path`` exists
    (its mode is set before anything is written) and for the directories it creates."""
    if private:
        missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        for directory in missing:
            os.chmod(directory, 0o700)  # mkdir's mode is masked by the umask
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path


def write_outputs(result: engine.PreviewResult, out_dir: str | os.PathLike, show_secrets: bool = False) -> list[Path]:
    """Write preview.json and every rendered file under ``out_dir``; return their paths.

    With ``show_secrets`` the files hold secret values and are created readable by the owner only.
    """
    out_dir = Path(out_dir)
    document = json.dumps(result.to_document(show_secrets), indent=2) + "\n"
    written = [_write(out_dir / PREVIEW_FILE, document, show_secrets)]
    for relative, text in sorted(output_files(result, show_secrets).items()):
        written.append(_write(out_dir / relative, text, show_secrets))
    return written
