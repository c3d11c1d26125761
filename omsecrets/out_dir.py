"""``preview --out DIR``: one stack's files per directory, listed in ``DIR/om-secrets-out.json``.

``DIR`` must be new, empty, or written by ``--out`` for the same project and stack: then the files
its manifest lists are removed before the new ones are written (files om-secrets did not write are
left alone). A directory holding another stack's files, or files om-secrets did not write, is
refused (``cli.CommandError``, exit 2).

Without ``--show-secrets`` no file that looks ready to apply holds a placeholder: a manifest whose
values are ``[secret]`` is written as ``<name>.redacted`` (``kubectl apply -f DIR/k8s`` skips it)
with a first line saying so. With ``--show-secrets`` the real manifests are written, owner-only: files 0600, and ``DIR`` and
the directories below it that hold them 0700, also when they exist already.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from omsecrets import cli
from omsecrets.project import SECRET_TEXT

if TYPE_CHECKING:
    from omsecrets import engine

MANIFEST = "om-secrets-out.json"
REDACTED = ".redacted"
_APPLIABLE = (".yaml", ".yml", ".json")
_NOT_APPLIED = ("preview.json",)


def redacted_name(relative: str, text: str, show_secrets: bool) -> str:
    """``relative``, or ``relative + .redacted`` for an appliable file holding a placeholder."""
    if show_secrets or relative in _NOT_APPLIED or not relative.endswith(_APPLIABLE) or SECRET_TEXT not in text:
        return relative
    return relative + REDACTED


def _redacted_text(text: str, stack: str) -> str:
    return (f"# om-secrets: REDACTED, do not apply: secret values are {SECRET_TEXT} placeholders. For the real\n"
            f"# manifest: omsecrets preview {stack} --out DIR --show-secrets (written readable by you only).\n"
            + text)


def read_manifest(out_dir: Path) -> dict | None:
    path = out_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise cli.CommandError(f"{path} cannot be read ({exc}); remove it or pick another --out directory") from None
    if not isinstance(document, dict) or not isinstance(document.get("files"), list):
        raise cli.CommandError(f"{path} is not an om-secrets --out manifest; pick another --out directory")
    return document


def prepare(out_dir: Path, project: str, stack: str) -> list[str]:
    """Check that ``out_dir`` may take this stack's files; return the files of its previous run to remove."""
    if out_dir.exists() and not out_dir.is_dir():
        raise cli.CommandError(f"--out {out_dir} is a file; pass a directory")
    if not out_dir.exists() or not any(out_dir.iterdir()):
        return []
    manifest = read_manifest(out_dir)
    shown = cli.display_path(out_dir)
    if manifest is None:
        raise cli.CommandError(f"--out {shown} is not empty and was not written by omsecrets preview --out "
                               f"(no {MANIFEST}); pass a new or empty directory")
    if (manifest.get("project"), manifest.get("stack")) != (project, stack):
        raise cli.CommandError(f"--out {shown} holds the files of stack {manifest.get('stack')!r} of project "
                               f"{manifest.get('project')!r} ({MANIFEST}); pass a directory of its own for "
                               f"stack {stack!r}, or empty it")
    return [f for f in manifest["files"] if isinstance(f, str)]


def _inside(out_dir: Path, relative: str) -> Path | None:
    path = (out_dir / relative).resolve()
    return path if path.is_relative_to(out_dir.resolve()) and path != out_dir.resolve() else None


def _owner_only(out_dir: Path, names: Iterable[str]) -> None:
    """Make ``out_dir`` (and the parents it creates) and every directory below it that will hold one of
    ``names`` 0700, existing ones too: a directory made by an earlier run without ``--show-secrets``, or
    by the user, may be readable by others (``render._write`` sets the mode of the ones it creates only)."""
    folders = {out_dir, *(p for p in out_dir.parents if not p.exists())}
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name in names:
        folder = (out_dir / name).parent
        while folder != out_dir and folder.is_relative_to(out_dir):
            folders.add(folder)
            folder = folder.parent
    for folder in folders:
        if folder.is_dir() and not folder.is_symlink():
            os.chmod(folder, 0o700)


def write(result: engine.PreviewResult, out_dir: str | Path, show_secrets: bool = False) -> list[Path]:
    """Write preview.json and the rendered files of ``result`` into ``out_dir``; return their paths."""
    from omsecrets import render

    out_dir = Path(out_dir)
    previous = prepare(out_dir, result.project, result.stack)
    files = {render.PREVIEW_FILE: json.dumps(result.to_document(show_secrets), indent=2) + "\n"}
    files.update(render.output_files(result, show_secrets))
    named = {}
    for relative, text in files.items():
        name = redacted_name(relative, text, show_secrets)
        named[name] = text if name == relative else _redacted_text(text, result.stack)
    for relative in previous:
        path = _inside(out_dir, relative)
        if path is not None and path.is_file():
            path.unlink()
    if show_secrets:
        _owner_only(out_dir, named)
    written = [render._write(out_dir / name, text, show_secrets) for name, text in sorted(
        named.items(), key=lambda item: (item[0] != render.PREVIEW_FILE, item[0]))]
    manifest = {"tool": "om-secrets", "project": result.project, "stack": result.stack,
                "showSecrets": show_secrets, "files": [p.relative_to(out_dir).as_posix() for p in written]}
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return written
