"""Airflow and ingestion renderers: airflow.cfg, env vars, apache-airflow chart values."""

from __future__ import annotations

import configparser

import pytest

from omsecrets.components import airflow
from omsecrets.components.app_config import restart
from omsecrets.components.app_config.airflow import airflow_cfg, airflow_env, airflow_helm_values
from omsecrets.components.app_config.ingestion import ingestion_env
from omsecrets.components.app_config.refs import SecretRef
from omsecrets.components.settings import AWS_PROVIDERS, from_dict
from tests.support import chart_keys
from tests.test_app_config import (
    BOTO3_KEY_ENV,
    CASES,
    REFERENCE_AIRFLOW_KEYS,
    REFERENCE_ENV_LOADER,
    REGION,
    case,
    make_settings,
)

SECTION = "openmetadata_secrets_manager"
PREFIX = "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__"
PLANTED_FERNET = "cGxhbnRlZC1haXJmbG93LWZlcm5ldC1rZXktMzJieXQ="
AIRFLOW_KEY = "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_ACCESS_KEY_ID"


def parse(cfg_text):
    parser = configparser.ConfigParser()  # default interpolation, like Airflow's parser
    parser.read_string(cfg_text)
    return parser


def expected_section(provider, loader, mode):
    if loader != "airflow" or provider == "db":
        return set()
    if provider == "kubernetes":
        return {"kubernetes_namespace", "kubernetes_in_cluster", "kubernetes_kubeconfig_path"}
    if provider in ("azure-kv", "managed-azure-kv"):
        return {"azure_key_vault_name"}  # workload identity: no tenant/client/secret
    if provider == "gcp":
        return {"project_id"}  # what OM's code reads (its docs say gcp_project_id)
    return {"aws_region", "aws_access_key_id", "aws_secret_access_key"} if mode == "access-key" else {"aws_region"}


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_airflow_cfg_parses_and_holds_no_secret(provider, loader, mode):
    cfg = parse(airflow_cfg(case(provider, loader, mode)))
    assert cfg.get("core", "fernet_key") == ""
    section = dict(cfg[SECTION]) if cfg.has_section(SECTION) else {}
    expected = expected_section(provider, loader, mode)
    assert set(section) <= REFERENCE_AIRFLOW_KEYS
    assert set(section) == expected - {"aws_access_key_id", "aws_secret_access_key"}
    if provider in AWS_PROVIDERS and expected:
        assert section["aws_region"] == REGION
    if provider == "kubernetes" and expected:
        assert section == {"kubernetes_namespace": "openmetadata-secrets", "kubernetes_in_cluster": "true",
                           "kubernetes_kubeconfig_path": ""}
    if provider.endswith("azure-kv") and expected:
        assert section == {"azure_key_vault_name": "om-kv"}
    if provider == "gcp" and expected:
        assert section == {"project_id": "acme-data-prod"}


def test_airflow_cfg_names_secret_keys_in_comments_only():
    text = airflow_cfg(make_settings("aws", mode="access-key"))
    assert "AIRFLOW__CORE__FERNET_KEY" in text and "from Secret airflow-secrets key fernet-key" in text
    comments = [line for line in text.splitlines() if line.startswith("# aws_")]
    assert [c.split(":")[0] for c in comments] == ["# aws_access_key_id", "# aws_secret_access_key"]
    assert f"from env {AIRFLOW_KEY} (from Secret airflow-secrets key {AIRFLOW_KEY})" in comments[0]


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_airflow_env_mirrors_the_cfg_section(provider, loader, mode):
    settings = case(provider, loader, mode)
    env = airflow_env(settings)
    assert env["AIRFLOW__CORE__FERNET_KEY"] == SecretRef("airflow-secrets", "fernet-key")
    section_env = {k[len(PREFIX):].lower() for k in env if k.startswith(PREFIX)}
    assert section_env == expected_section(provider, loader, mode)
    shared = {"AIRFLOW__API__SECRET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"}  # Airflow 3, the default
    assert {k: env[k] for k in shared} == {"AIRFLOW__API__SECRET_KEY": SecretRef("airflow-secrets", "api-secret-key"),
                                          "AIRFLOW__API_AUTH__JWT_SECRET": SecretRef("airflow-secrets", "jwt-secret")}
    loader_env = set(env) - {"AIRFLOW__CORE__FERNET_KEY"} - shared - {k for k in env if k.startswith(PREFIX)}
    assert loader_env == (set(ingestion_env(settings)) if loader == "env" else set())
    for name, value in env.items():
        if name.endswith(("_ACCESS_KEY_ID", "_SECRET_ACCESS_KEY")):
            assert isinstance(value, SecretRef) and value.secret_name == "airflow-secrets"


@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_ingestion_env_names_match_reference(provider, loader, mode):
    env = ingestion_env(case(provider, loader, mode))
    assert set(env) <= REFERENCE_ENV_LOADER | BOTO3_KEY_ENV
    if provider == "db":
        assert env == {}
    elif provider == "kubernetes":
        assert env == {"KUBERNETES_NAMESPACE": "openmetadata-secrets", "KUBERNETES_IN_CLUSTER": "true",
                       "KUBERNETES_KUBECONFIG_PATH": ""}
    elif provider.endswith("azure-kv"):
        assert env == {"AZURE_KEY_VAULT_NAME": "om-kv"}
    elif provider == "gcp":
        assert env == {"GOOGLE_CLOUD_PROJECT": "acme-data-prod"}
    else:
        assert env["AWS_DEFAULT_REGION"] == REGION
        assert (set(env) >= BOTO3_KEY_ENV) == (mode == "access-key")
        if mode == "access-key":
            assert env["AWS_ACCESS_KEY_ID"] == SecretRef("airflow-secrets", AIRFLOW_KEY)


def test_ingestion_env_kubeconfig():
    env = ingestion_env(from_dict({"provider": "kubernetes", "ingestion": {"loader": "env"},
                                   "kubernetes": {"kubeconfigPath": "/home/om/.kube/config", "namespace": "store"}}))
    assert env == {"KUBERNETES_NAMESPACE": "store", "KUBERNETES_IN_CLUSTER": "false",
                   "KUBERNETES_KUBECONFIG_PATH": "/home/om/.kube/config"}


# ---------------------------------------------------------------- apache-airflow chart values

#: The chart components that get the ingestion ServiceAccount, per Airflow version (Airflow 3 has no webserver:
#: its api-server, dag-processor and triggerer read the shared secrets).
CHART_COMPONENTS = {3: {"scheduler", "workers", "apiServer", "dagProcessor", "triggerer"},
                    2: {"scheduler", "workers", "webserver", "triggerer"}}
#: What the apache-airflow chart sets itself from <value>SecretName (chart/templates/_helpers.yaml: the env
#: var from that Secret's key), per version.
CHART_SECRET_ENV = {
    3: {"fernetKeySecretName": ("AIRFLOW__CORE__FERNET_KEY", "fernet-key"),
        "apiSecretKeySecretName": ("AIRFLOW__API__SECRET_KEY", "api-secret-key"),
        "jwtSecretName": ("AIRFLOW__API_AUTH__JWT_SECRET", "jwt-secret")},
    2: {"fernetKeySecretName": ("AIRFLOW__CORE__FERNET_KEY", "fernet-key"),
        "webserverSecretKeySecretName": ("AIRFLOW__WEBSERVER__SECRET_KEY", "webserver-secret-key")},
}


@pytest.mark.parametrize("version", [3, 2])
@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_airflow_helm_values(provider, loader, mode, version):
    settings = make_settings(provider, loader, mode, airflow={"version": version})
    values = airflow_helm_values(settings)
    wi = {"labels"} if provider.endswith("azure-kv") else set()  # AKS workload identity's pod label
    components = CHART_COMPONENTS[version]
    secret_values = CHART_SECRET_ENV[version]
    assert set(values) == ({"env", "secret", "airflowPodAnnotations"} | set(secret_values) | components | {"webserver"}
                           | wi)
    if wi:
        assert values["labels"] == {"azure.workload.identity/use": "true"}
    assert {values[v] for v in secret_values} == {"airflow-secrets"}  # one Secret: every component, the same values
    for component in components:
        assert values[component]["serviceAccount"] == {"create": False, "name": "openmetadata-ingestion"}
    assert values["webserver"]["defaultUser"] == {"enabled": False}  # no admin/admin
    assert values["airflowPodAnnotations"] == {"om-secrets/secrets-digest": restart.digest(settings, "airflow")}
    delivered = {e["name"]: e["value"] for e in values["env"]}
    delivered.update({s["envName"]: SecretRef(s["secretName"], s["secretKey"]) for s in values["secret"]})
    for value, (env, key) in secret_values.items():
        assert env not in delivered  # never twice: only the chart's own mechanism sets it
        delivered[env] = SecretRef(values[value], key)
    assert delivered == airflow_env(settings)
    assert all(isinstance(e["value"], str) and set(e) == {"name", "value"} for e in values["env"])
    assert {s["secretName"] for s in values["secret"]} <= {"airflow-secrets"}


# ---------------------------------------------------------------- Airflow's own parser

AIRFLOW_PARSER_CASES = [
    pytest.param("aws", "access-key", id="aws-access-key"),
    pytest.param("kubernetes", "irsa", id="kubernetes"),
]


@pytest.mark.airflow
@pytest.mark.parametrize("provider, mode", AIRFLOW_PARSER_CASES)
def test_airflow_reads_the_fragment(provider, mode, tmp_path):
    support = pytest.importorskip("tests.support.airflow", reason="tests/support/airflow.py is not available")
    airflow_config_check = getattr(support, "airflow_config_check", None)
    if airflow_config_check is None:
        pytest.skip("tests.support.airflow has no airflow_config_check")
    settings = make_settings(provider, "airflow", mode)
    env = {"AIRFLOW__CORE__FERNET_KEY": PLANTED_FERNET}
    if mode == "access-key":
        env[AIRFLOW_KEY] = "AKIAPLANTEDKEYID0000"
    got = airflow_config_check(airflow_cfg(settings), tmp_path / "airflow", env=env)
    assert got["core"]["fernet_key"] == PLANTED_FERNET  # the env var wins over the empty value
    section = got["openmetadata_secrets_manager"]
    if provider == "kubernetes":
        assert section == {"kubernetes_namespace": "openmetadata-secrets", "kubernetes_in_cluster": "true",
                           "kubernetes_kubeconfig_path": ""}
    else:
        assert section["aws_region"] == REGION
        assert section["aws_access_key_id"] == "AKIAPLANTEDKEYID0000"


# ---------------------------------------------------------------- every rendered key, against the charts' facts



@pytest.mark.parametrize("chart", ["1.18.0", "1.19.0", "1.20.0", "1.21.0"])
@pytest.mark.parametrize("version", [3, 2])
@pytest.mark.parametrize("provider, loader, mode", CASES)
def test_every_airflow_value_is_a_key_the_chart_declares(provider, loader, mode, version, chart):
    """tests/support/chart_keys.py: the apache-airflow chart's values.schema.json (1.18.0 is what OM's deps chart uses)."""
    values = airflow_helm_values(make_settings(provider, loader, mode, airflow={"version": version}))
    assert chart_keys.first_undeclared("airflow", chart, values) == []


@pytest.mark.parametrize("version, shared", [(3, {"AIRFLOW__API__SECRET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"}),
                                             (2, {"AIRFLOW__WEBSERVER__SECRET_KEY"})])
def test_every_component_gets_the_shared_secrets_of_its_version(version, shared):
    settings = make_settings("kubernetes", airflow={"version": version})
    env = airflow_env(settings)
    refs = {k: v for k, v in env.items() if isinstance(v, SecretRef)}
    assert set(refs) == {"AIRFLOW__CORE__FERNET_KEY", *shared}
    assert {r.secret_name for r in refs.values()} == {"airflow-secrets"}
    assert {refs[s.env].key for s in airflow.shared_secrets(version)} == {s.name for s in airflow.shared_secrets(version)}
    cfg = parse(airflow_cfg(settings))
    for secret in airflow.shared_secrets(version):  # airflow.cfg names where each comes from, holds no value
        assert cfg.has_section(secret.section) and not cfg.has_option(secret.section, secret.option)
        assert f"{secret.option} comes from env {secret.env}" in airflow_cfg(settings)
