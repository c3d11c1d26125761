"""render_files: every file parses, matches its renderer and never holds a secret value."""

from __future__ import annotations

import configparser
import json

import pytest
import yaml

from omsecrets.components.app_config import files, manifests, validate
from omsecrets.components.app_config.airflow import airflow_cfg, airflow_env, airflow_helm_values
from omsecrets.components.app_config.ingestion import ingestion_env
from omsecrets.components.app_config.refs import SecretRef
from omsecrets.components.app_config.server import openmetadata_helm_values, openmetadata_yaml_blocks, server_env
from omsecrets.components.app_config.workflow import workflow_config
from omsecrets.components.settings import APPS
from tests.test_app_config import CASES, case, make_settings
from tests.test_app_config_manifests import GENERATED

PLANTED = ("PLANTED-om-ring-Zm9vYmFy", "PLANTED-af-ring-YmF6cXV4", "AKIAPLANTEDKEYID0001", "PLANTED/secret+access/key",
           "PLANTED-API-SECRET-KEY", "PLANTED-JWT-SECRET", "PLANTED-OM-AIRFLOW-PASSWORD")
POLICIES = {"openmetadata-server": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["ssm:GetParameter"],
                                                                         "Resource": "*"}]}}
BASE_FILES = {
    "openmetadata.env", "openmetadata-secrets.yaml", "airflow.cfg", "airflow.env", "ingestion.env",
    "workflow-config.yaml", "helm/openmetadata-values.yaml", "helm/airflow-values.yaml",
}


def planted_objects(settings):
    """The delivered objects with planted secret values, as a caller would pass them."""
    om_ring, af_ring, key_id, key_secret = PLANTED[:4]
    objects = [manifests.config_map_manifest(settings, app) for app in APPS]
    for app, ring in zip(APPS, (om_ring, af_ring), strict=True):
        pair = (key_id, key_secret) if validate.uses_access_keys(settings, app) else None
        objects.append(manifests.secret_manifest(settings, app, manifests.secret_string_data(
            settings, app, ring, pair, generated=GENERATED)))
    objects.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "legacy", "namespace": "openmetadata"},
                    "data": {"FERNET_KEY": "UExBTlRFRC1vbS1yaW5nLVptOXZZbUZ5"}})
    return objects


def parse_env_file(text):
    """{name: value or ('secret', comment)} from an env file written by files.env_file."""
    out, lines = {}, text.splitlines()
    for i, line in enumerate(lines):
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, line
        following = lines[i + 1] if i + 1 < len(lines) else ""
        out[name] = ("secret", following) if value == "" and following.startswith("# from Secret ") else value
    return out


def expected_env_file(env):
    return {k: ("secret", f"# {v.describe()}") if isinstance(v, SecretRef) else v for k, v in env.items()}


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_render_files(provider, loader, mode):
    settings = case(provider, loader, mode)
    objects = planted_objects(settings)
    out = files.render_files(settings, POLICIES, objects)
    k8s = {
        "k8s/configmap-openmetadata-openmetadata-secrets-config.yaml", "k8s/configmap-openmetadata-airflow-secrets-config.yaml",
        "k8s/secret-openmetadata-openmetadata-secrets.yaml", "k8s/secret-openmetadata-airflow-secrets.yaml",
        "k8s/secret-openmetadata-legacy.yaml",
    }
    assert set(out) == BASE_FILES | k8s | {"iam/openmetadata-server.json"}

    for path, text in out.items():
        for secret in PLANTED + ("UExBTlRFRC1vbS1yaW5nLVptOXZZbUZ5",):
            assert secret not in text, f"{path} contains a planted secret"
        if path.endswith(".yaml"):
            assert yaml.safe_load(text) is not None

    assert yaml.safe_load(out["openmetadata-secrets.yaml"]) == openmetadata_yaml_blocks(settings)
    assert yaml.safe_load(out["workflow-config.yaml"]) == workflow_config(settings)
    assert yaml.safe_load(out["helm/openmetadata-values.yaml"]) == openmetadata_helm_values(settings)
    assert yaml.safe_load(out["helm/airflow-values.yaml"]) == airflow_helm_values(settings)
    assert out["airflow.cfg"] == airflow_cfg(settings)
    configparser.ConfigParser().read_string(out["airflow.cfg"])
    assert json.loads(out["iam/openmetadata-server.json"]) == POLICIES["openmetadata-server"]
    for path, env in (("openmetadata.env", server_env), ("airflow.env", airflow_env), ("ingestion.env", ingestion_env)):
        assert parse_env_file(out[path]) == expected_env_file(env(settings)), path

    for obj in objects:
        rendered = yaml.safe_load(out[files.manifest_path(obj)])
        if obj["kind"] == "Secret":
            field = "stringData" if "stringData" in obj else "data"
            assert rendered[field] == {k: "[secret]" for k in obj[field]}
            assert {k: v for k, v in rendered.items() if k != field} == {k: v for k, v in obj.items() if k != field}
        else:
            assert rendered == obj


def test_env_file_secret_ref_is_an_empty_assignment_then_a_comment():
    text = files.env_file({"FERNET_KEY": SecretRef("openmetadata-secrets", "FERNET_KEY"), "A": "b"}, "t")
    lines = text.splitlines()
    i = lines.index("FERNET_KEY=")
    assert lines[i + 1] == "# from Secret openmetadata-secrets key FERNET_KEY"
    assert "A=b" in lines
    with pytest.raises(ValueError, match="newline"):
        files.env_file({"A": "x\ny"}, "t")


def test_redact_leaves_the_input_alone():
    secret = {"kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}, "data": {"d": "dg=="}}
    assert files.redact(secret)["stringData"] == {"k": "[secret]"} and files.redact(secret)["data"] == {"d": "[secret]"}
    assert secret["stringData"] == {"k": "v"}


def test_clashing_or_unsafe_paths_are_refused():
    settings = make_settings("db", "noop")
    cm = manifests.config_map_manifest(settings, "openmetadata")
    with pytest.raises(ValueError, match="two files would be written to k8s/configmap-openmetadata"):
        files.render_files(settings, None, [cm, cm])
    with pytest.raises(ValueError, match="policy name '../x'"):
        files.render_files(settings, {"../x": {}})
    cluster_scoped = {"kind": "Namespace", "metadata": {"name": "openmetadata"}}
    assert "k8s/namespace-cluster-openmetadata.yaml" in files.render_files(settings, None, [cluster_scoped])


def test_db_files_keep_fernet_without_a_store():
    out = files.render_files(make_settings("db", "noop"))
    assert set(out) == BASE_FILES
    assert "secretsManagerConfiguration" not in yaml.safe_load(out["openmetadata-secrets.yaml"])
    assert "FERNET_KEY=\n# from Secret openmetadata-secrets key FERNET_KEY" in out["openmetadata.env"]
    cfg = configparser.ConfigParser()
    cfg.read_string(out["airflow.cfg"])
    assert cfg.sections() == ["core", "api", "api_auth"]  # Airflow 3's shared secrets: named there, from env
