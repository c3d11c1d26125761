"""``preview --out``: one stack a directory (manifest of its files), no appliable file with placeholders."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml

from omsecrets import cli, out_dir
from omsecrets.project import SECRET_TEXT

ROOT = Path(__file__).resolve().parents[1]


def preview_out(capsys, stack: str, folder: Path, *extra: str) -> tuple[int, str]:
    code = cli.main(["preview", stack, "--project-dir", str(ROOT), "--out", str(folder), *extra])
    return code, capsys.readouterr().err


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_manifest_lists_every_file_written(tmp_path, capsys):
    code, _ = preview_out(capsys, "dev", tmp_path)
    manifest = json.loads((tmp_path / out_dir.MANIFEST).read_text())
    assert code == 0 and (manifest["project"], manifest["stack"], manifest["showSecrets"]) == ("om-secrets", "dev", False)
    assert set(manifest["files"]) == files(tmp_path) - {out_dir.MANIFEST}


def test_manifests_with_placeholders_are_not_appliable(tmp_path, capsys):
    assert preview_out(capsys, "dev", tmp_path)[0] == 0
    appliable = [f for f in files(tmp_path) if f.endswith((".yaml", ".yml", ".json")) and f != "preview.json"]
    assert appliable and not [f for f in appliable if SECRET_TEXT in (tmp_path / f).read_text()]
    redacted = sorted(f for f in files(tmp_path) if f.endswith(out_dir.REDACTED))
    assert redacted and all(f.startswith("k8s/secret-") for f in redacted)
    text = (tmp_path / redacted[0]).read_text()
    assert text.startswith("# om-secrets: REDACTED, do not apply") and "--show-secrets" in text
    assert yaml.safe_load(text)["kind"] == "Secret"  # still readable for review


def test_show_secrets_writes_the_real_manifests_owner_only_and_drops_the_redacted(tmp_path, capsys):
    assert preview_out(capsys, "dev", tmp_path)[0] == 0
    assert preview_out(capsys, "dev", tmp_path, "--show-secrets")[0] == 0
    names = files(tmp_path)
    assert not [f for f in names if f.endswith(out_dir.REDACTED)]
    secrets = [f for f in names if f.startswith("k8s/secret-")]
    assert secrets and all(SECRET_TEXT not in (tmp_path / f).read_text() for f in secrets)
    assert all(stat.S_IMODE((tmp_path / f).stat().st_mode) == 0o600 for f in secrets)


def test_show_secrets_files_are_owner_only_on_every_run_and_say_values_are_made_up(tmp_path, capsys):
    folder = tmp_path / "new" / "out"
    code, err = preview_out(capsys, "prod", folder, "--show-secrets")
    assert code == 0 and cli.SHOW_SECRETS_NOTICE in err
    for _ in range(2):  # the second run replaces files the first one wrote
        written = [folder / f for f in files(folder) if f != out_dir.MANIFEST]
        assert "preview.json" in files(folder) and len(written) > 5
        assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o600}
        assert {stat.S_IMODE(d.stat().st_mode) for d in (folder, folder.parent, folder / "k8s")} == {0o700}
        assert preview_out(capsys, "prod", folder, "--show-secrets")[0] == 0
    _, err = preview_out(capsys, "prod", tmp_path / "plain")
    assert cli.SHOW_SECRETS_NOTICE not in err


def test_private_write_tightens_a_file_that_already_exists(tmp_path):
    from omsecrets import render

    path = tmp_path / "preview.json"
    path.write_text("old")
    path.chmod(0o644)
    render._write(path, "secret", True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "secret"


def test_rerun_for_the_same_stack_replaces_its_files_and_keeps_others(tmp_path, capsys):
    assert preview_out(capsys, "dev", tmp_path)[0] == 0
    stale = tmp_path / "k8s" / "stale-from-an-older-version.yaml"
    stale.write_text("kind: ConfigMap\n")
    manifest = json.loads((tmp_path / out_dir.MANIFEST).read_text())
    (tmp_path / out_dir.MANIFEST).write_text(json.dumps({**manifest, "files": [*manifest["files"], "k8s/" + stale.name,
                                                                                "../escape.txt"]}))
    (tmp_path / "notes.md").write_text("mine")
    (tmp_path.parent / "escape.txt").write_text("outside")
    assert preview_out(capsys, "dev", tmp_path)[0] == 0
    assert not stale.exists() and (tmp_path / "notes.md").read_text() == "mine"
    assert (tmp_path.parent / "escape.txt").exists()  # never outside DIR


@pytest.mark.parametrize("setup, message", [
    (lambda d: (d / "x.txt").write_text("x"), "not empty and was not written by omsecrets"),
    (lambda d: (d / out_dir.MANIFEST).write_text("{"), "cannot be read"),
])
def test_foreign_directories_are_refused_before_the_preview(tmp_path, capsys, setup, message):
    setup(tmp_path)
    code, err = preview_out(capsys, "dev", tmp_path)
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "preview.json").exists()


def test_another_stacks_directory_is_refused(tmp_path, capsys):
    assert preview_out(capsys, "dev", tmp_path)[0] == 0
    before = {f: (tmp_path / f).read_bytes() for f in files(tmp_path)}
    code, err = preview_out(capsys, "prod", tmp_path)
    assert code == 2 and "holds the files of stack 'dev'" in err
    assert {f: (tmp_path / f).read_bytes() for f in files(tmp_path)} == before


@pytest.mark.parametrize("relative, text, expected", [
    ("k8s/secret-a.yaml", f"data: {SECRET_TEXT}", "k8s/secret-a.yaml.redacted"),
    ("k8s/configmap-a.yaml", "data: x", "k8s/configmap-a.yaml"),
    ("preview.json", SECRET_TEXT, "preview.json"),
    ("openmetadata.env", f"X={SECRET_TEXT}", "openmetadata.env"),
    ("iam/x.json", SECRET_TEXT, "iam/x.json.redacted"),
])
def test_redacted_name(relative, text, expected):
    assert out_dir.redacted_name(relative, text, show_secrets=False) == expected
    assert out_dir.redacted_name(relative, text, show_secrets=True) == relative


@pytest.mark.parametrize("before", ["empty", "earlier-run"])
def test_an_existing_out_directory_is_made_owner_only_when_secrets_are_written_into_it(before, tmp_path, capsys):
    """Was: a directory that existed (the user's, or an earlier run's without --show-secrets) kept its mode, 0755:
    the secret manifests were 0600, but their names and the directory listing were readable by others."""
    folder = tmp_path / "out"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    parent_mode = stat.S_IMODE(tmp_path.stat().st_mode)
    if before == "earlier-run":
        assert preview_out(capsys, "dev", folder)[0] == 0
        (folder / "k8s").chmod(0o755)
    assert preview_out(capsys, "dev", folder, "--show-secrets")[0] == 0
    folders = [folder, *(p for p in folder.rglob("*") if p.is_dir())]
    assert folder / "k8s" in folders
    assert {stat.S_IMODE(d.stat().st_mode) for d in folders} == {0o700}
    assert stat.S_IMODE(tmp_path.stat().st_mode) == parent_mode  # a directory above it that --out did not make: left
