"""``preview --out``: every file for every shipped stack parses, matches the program, and holds no secret."""

from __future__ import annotations

import configparser
import dataclasses
import functools
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from omsecrets import cli, engine, render
from omsecrets.components import core
from omsecrets.components.app_config import files
from omsecrets.components.environment import STABLE_NAME
from omsecrets.components.settings import ConfigError, with_jwt_key_id
from tests.support.previews import strings_in_secrets

ROOT = Path(__file__).resolve().parents[1]
STACKS = engine.list_stacks(ROOT)
PLANTED = "PLANTED-from-config-7c1e9a"
APP_FILES = {"openmetadata.env", "openmetadata-secrets.yaml", "airflow.cfg", "airflow.env", "ingestion.env",
             "workflow-config.yaml", "helm/openmetadata-values.yaml", "helm/airflow-values.yaml"}


@functools.lru_cache(maxsize=None)
def planted_preview(stack: str, planted: str = PLANTED) -> engine.PreviewResult:
    """The stack with one more seeded secret whose value comes from a secret config key."""
    path = engine.stack_file_path(ROOT, stack)
    secrets = json.loads(engine.load_stack_file(path).config.get("om-secrets:secrets", "[]"))
    secrets.append({"name": "planted", "path": "database/planted/password", "fromConfig": "plantedPassword"})
    return engine.preview(ROOT, stack, config_file=path,
                          config={"om-secrets:secrets": secrets, "om-secrets:plantedPassword": planted},
                          secret_keys=["om-secrets:plantedPassword"])


def secret_values(result: engine.PreviewResult) -> set[str]:
    """Every value the preview holds as a secret (inputs, fabricated state, outputs), and ring members."""
    held = []
    for resource in result.resources:
        held += strings_in_secrets(resource.inputs)
        declared = {k for k, v in resource.inputs.items() if not engine.is_secret(v)}  # echoed as outputs
        held += strings_in_secrets({k: v for k, v in resource.state.items() if k not in declared})
    held += strings_in_secrets(result.outputs)
    found: set[str] = set()
    for value in held:
        if len(value) >= 8:
            ring = [part for part in value.split(",") if len(part) >= 8 and not re.search(r"\s", part)]
            found.update([value, *ring])
    return found


def fernet_rings(result: engine.PreviewResult) -> list[str]:
    """The rings the delivery Secrets carry, as the --show-secrets preview shows them."""
    rings = []
    for secret in result.by_type("kubernetes:core/v1:Secret"):
        data = secret.to_document(show_secrets=True)["inputs"].get("stringData") or {}
        rings += [v for k, v in data.items() if k in ("FERNET_KEY", "fernet-key")]
    return rings


def parse(path: Path):
    """Parse a written file with the real parser for its kind."""
    text = path.read_text()
    if path.suffix == ".json":
        return json.loads(text)
    if path.suffix == ".yaml":
        return list(yaml.safe_load_all(text))
    if path.suffix == ".cfg":
        parser = configparser.ConfigParser()
        parser.read_string(text)
        return parser
    assert path.suffix == ".env"
    for line in text.splitlines():
        assert not line or line.startswith("#") or re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", line), line
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def k8s_objects(result: engine.PreviewResult) -> list[engine.CapturedResource]:
    return [r for r in result.resources if r.custom and render.api_version_kind(r.type)]


@pytest.mark.parametrize("stack", STACKS)
def test_every_file_is_written_parses_and_holds_no_secret(stack, tmp_path):
    result = planted_preview(stack)
    written = render.write_outputs(result, tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    iam = {n for n in names if n.startswith("iam/")}
    k8s = {n for n in names if n.startswith("k8s/")}
    assert names == {"preview.json"} | APP_FILES | iam | k8s
    assert len(k8s) == len(k8s_objects(result)) > 0
    provider = result.config["om-secrets:provider"]
    expected = 0 if provider not in core.AWS_PROVIDERS else 2 if provider in core.MANAGED_PROVIDERS else 1  # + server
    assert len(iam) == expected == len(result.by_type("aws:iam/policy:Policy"))
    forbidden = secret_values(result)
    rings = fernet_rings(result)
    assert PLANTED in forbidden and rings and set(rings) <= forbidden
    for path in written:
        parse(path)
        text = path.read_text()
        leaked = [v for v in forbidden if v in text]
        assert not leaked, f"{path.name} holds secret values"


@pytest.mark.parametrize("stack", STACKS)
def test_show_secrets_writes_the_values_readable_by_the_owner_only(stack, tmp_path):
    result = planted_preview(stack)
    written = render.write_outputs(result, tmp_path, show_secrets=True)
    everything = "".join(p.read_text() for p in written)
    assert PLANTED in everything and all(ring in everything for ring in fernet_rings(result))
    secrets = [p for p in written if p.name.startswith("secret-")]
    assert all(engine.SECRET_TEXT not in p.read_text() for p in secrets)
    assert {os.stat(p).st_mode & 0o777 for p in written} == {0o600}


@pytest.mark.parametrize("stack", STACKS)
def test_files_are_those_of_render_files_for_the_programs_settings(stack):
    result = planted_preview(stack)
    settings = render.stack_file_settings(engine.stack_file_path(ROOT, stack), stack, "om-secrets")
    # as deployed: the JWT pair's key id (the thumbprint of the key the engine made) in the server's config
    settings = with_jwt_key_id(settings, engine.plain(result.outputs)["jwt"]["keyId"])
    expected = files.render_files(settings, render.policy_documents(result), render.k8s_manifests(result))
    assert render.output_files(result) == expected
    (component,) = result.by_type(render.ENVIRONMENT_TYPE)
    assert engine.plain(component.outputs)["appConfigFiles"] == files.render_files(settings)


@pytest.mark.parametrize("stack", STACKS)
def test_app_files_agree_with_the_config_maps_the_program_declared(stack, tmp_path):
    result = planted_preview(stack)
    render.write_outputs(result, tmp_path)
    env = parse(tmp_path / "openmetadata.env")
    declared = {r.name.rsplit("-", 1)[-1]: r.plain_inputs for r in k8s_objects(result)
                if r.name.startswith(f"{STABLE_NAME}-app-config-openmetadata-")}
    from_secret = set(declared["secret"]["stringData"])
    assert from_secret and from_secret <= set(env)
    assert {k: v for k, v in env.items() if k not in from_secret} == declared["config"]["data"]


@pytest.mark.parametrize("stack", STACKS)
def test_manifests_rebuild_each_captured_object(stack, tmp_path):
    result = planted_preview(stack)
    render.write_outputs(result, tmp_path)
    for resource in k8s_objects(result):
        manifest = render.manifest(resource)
        (document,) = parse(tmp_path / files.manifest_path(manifest))
        inputs = engine.plain(resource.inputs, show_secrets=True)
        assert (document["apiVersion"], document["kind"]) == (inputs["apiVersion"], inputs["kind"])
        assert document["metadata"] == inputs["metadata"]
        redacted = {"stringData", "data"} & set(inputs) if inputs["kind"] == "Secret" else set()
        for field in set(inputs) - {"apiVersion", "kind", "metadata"} - redacted:
            assert document[field] == inputs[field]
        for field in redacted:
            assert document[field] == {k: engine.SECRET_TEXT for k in inputs[field]}


@pytest.mark.parametrize("stack", [s for s in STACKS if s != "dev"])
def test_iam_files_are_the_captured_policy_documents(stack, tmp_path):
    result = planted_preview(stack)
    render.write_outputs(result, tmp_path)
    for policy in result.by_type("aws:iam/policy:Policy"):
        assert parse(tmp_path / "iam" / f"{policy.name}.json") == json.loads(policy.plain_inputs["policy"])


@pytest.mark.parametrize("token, expected", [
    ("kubernetes:core/v1:Secret", ("v1", "Secret")),
    ("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", ("rbac.authorization.k8s.io/v1", "RoleBinding")),
    ("kubernetes:batch/v1:Job", ("batch/v1", "Job")),
    ("kubernetes:helm.sh/v3:Release", None),
    ("kubernetes:yaml/v2:ConfigGroup", None),
    ("kubernetes:core/v1:SecretPatch", None),
    ("aws:iam/role:Role", None),
])
def test_api_version_and_kind_come_from_the_type_token(token, expected):
    assert render.api_version_kind(token) == expected


# ----------------------------------------------------------------- settings as settings.load() builds them

LOAD_PROGRAM = """
import dataclasses, pulumi
from omsecrets.components.settings import load
s = load()
pulumi.export("settings", repr(dataclasses.replace(
    s, secrets=tuple(dataclasses.replace(b, value=None) for b in s.secrets))))
"""


def _without_values(settings):
    return dataclasses.replace(settings, secrets=tuple(dataclasses.replace(b, value=None) for b in settings.secrets))


def _load_under_pulumi(tmp_path, stack, **kwargs):
    (tmp_path / "Pulumi.yaml").write_text("name: om-secrets\nruntime: python\n")
    (tmp_path / "load.py").write_text(LOAD_PROGRAM)
    return engine.preview(tmp_path, stack, program=tmp_path / "load.py", **kwargs)


STACK_FILES = [engine.stack_file_path(ROOT, s) for s in STACKS]
STACK_FILES += sorted((ROOT / "tests/fixtures/stacks").glob("*.yaml"))


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_settings_are_rebuilt_exactly_as_load_builds_them(path, tmp_path):
    stack = path.name[len("Pulumi."):-len(".yaml")]
    try:
        result = _load_under_pulumi(tmp_path, stack, config_file=path)
    except ConfigError as loaded:
        with pytest.raises(ConfigError) as rebuilt:
            render.stack_file_settings(path, stack, "om-secrets")
        assert rebuilt.value.problems == loaded.problems
        return
    rebuilt = render.settings_from_config(result.config, stack, result.secret_keys)
    assert repr(_without_values(rebuilt)) == engine.plain(result.outputs)["settings"]
    from_file = render.stack_file_settings(path, stack, "om-secrets")
    assert repr(_without_values(from_file)) == repr(_without_values(rebuilt))


def test_a_plaintext_from_config_value_is_refused_like_load_does(tmp_path):
    config = {"om-secrets:provider": "kubernetes", "kubernetes:enableSecretMutable": "true", "om-secrets:pw": "in-plain-text",
              "om-secrets:secrets": [{"path": "database/x/password", "fromConfig": "pw"}]}
    with pytest.raises(ConfigError) as loaded:
        _load_under_pulumi(tmp_path, "x", config=config)
    encoded, _ = engine.encode_config(config, "om-secrets")
    with pytest.raises(ConfigError) as rebuilt:
        render.settings_from_config(encoded, "x")
    assert rebuilt.value.problems == loaded.value.problems
    assert render.settings_from_config(encoded, "x", ["om-secrets:pw"]).secrets[0].value == engine.SECRET_TEXT


def test_app_files_are_what_the_program_rendered_not_the_config_again(tmp_path):
    """render reads the program's appConfigFiles output; it does not rebuild Settings from the config."""
    result = planted_preview("prod")
    tampered = dataclasses.replace(result, config={**result.config, "om-secrets:prefix": "other"})
    assert render.output_files(tampered) == render.output_files(result)


def test_no_app_files_when_the_program_declares_no_environment(tmp_path, capsys):
    result = planted_preview("prod")
    bare = dataclasses.replace(result, resources=[r for r in result.resources if r.type != render.ENVIRONMENT_TYPE])
    written = {p.relative_to(tmp_path).as_posix() for p in render.write_outputs(bare, tmp_path)}
    assert not written & APP_FILES and f"iam/{STABLE_NAME}-aws-access-server.json" in written
    assert "declares no OpenMetadataSecrets" in capsys.readouterr().err


def test_preview_out_through_the_cli(tmp_path, capsys):
    assert cli.main(["preview", "staging", "--project-dir", str(ROOT), "--out", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} >= {"preview.json", "openmetadata.env", "iam", "k8s", "helm"}
    assert f"wrote {tmp_path / 'airflow.cfg'}" in capsys.readouterr().err


OBJECTS = """
import pulumi, pulumi_kubernetes as k8s
hidden = pulumi.Output.secret("PLANTED-in-a-config-map")
k8s.core.v1.ConfigMap("cm", metadata={"name": "cm", "namespace": "apps"}, data={"plain": "x", "hidden": hidden})
k8s.core.v1.Secret("s", metadata={"namespace": "apps"}, string_data={"token": "PLANTED-string-data"},
                   data={"raw": "UExBTlRFRC1kYXRh"})
"""


def test_secret_values_of_any_object_stay_hidden_without_settings(tmp_path, capsys):
    (tmp_path / "Pulumi.yaml").write_text("name: objects\nruntime: python\n")
    (tmp_path / "__main__.py").write_text(OBJECTS)
    result = engine.preview(tmp_path, "x", config={})
    config_map, secret = (render.manifest(r) for r in k8s_objects(result))
    assert config_map["data"] == {"plain": "x", "hidden": engine.SECRET_TEXT}
    assert secret["stringData"] == {"token": engine.SECRET_TEXT} and secret["data"] == {"raw": engine.SECRET_TEXT}
    assert secret["metadata"]["name"].startswith("s-")  # auto-named: the name the engine made up
    assert render.manifest(result.get("s"), show_secrets=True)["stringData"] == {"token": "PLANTED-string-data"}
    out = tmp_path / "out"
    written = render.write_outputs(result, out)
    assert "the program declares no OpenMetadataSecrets" in capsys.readouterr().err
    assert {p.parent.name for p in written} == {"out", "k8s"}
    assert not [p for p in written if "PLANTED" in p.read_text() or "UExBTlRFRC1kYXRh" in p.read_text()]
