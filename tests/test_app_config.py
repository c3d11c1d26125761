"""Shared cases for the app_config tests, plus refs, validation and purity tests."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from omsecrets.components.app_config import refs, validate
from omsecrets.components.app_config.airflow import airflow_cfg, airflow_env, airflow_helm_values
from omsecrets.components.app_config.ingestion import ingestion_env
from omsecrets.components.app_config.refs import SecretRef, delivery_names
from omsecrets.components.app_config.server import openmetadata_helm_values, openmetadata_yaml_blocks, server_env
from omsecrets.components.app_config.workflow import workflow_config
from omsecrets.components.settings import AWS_PROVIDERS, SUPPORTED_PROVIDERS, from_dict

REPO = Path(__file__).resolve().parents[1]
REGION = "eu-west-1"
ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABC123"
IDENTITIES = {
    "irsa": {"mode": "irsa", "oidcProviderArn": f"arn:aws:iam::123456789012:oidc-provider/{ISSUER}", "oidcIssuer": ISSUER},
    "pod-identity": {"mode": "pod-identity"},
    "access-key": {"mode": "access-key"},
}

# Copied from /work/shared/reference/openmetadata.md (server env, airflow.cfg keys, env loader).
REFERENCE_SERVER_ENV = {
    "OPENMETADATA_CLUSTER_NAME", "FERNET_KEY", "SECRET_MANAGER", "SECRET_MANAGER_PREFIX", "SECRET_MANAGER_TAGS",
    "OM_SM_REGION", "OM_SM_ACCESS_KEY_ID", "OM_SM_ACCESS_KEY", "OM_SM_CLIENT_ID", "OM_SM_CLIENT_SECRET",
    "OM_SM_TENANT_ID", "OM_SM_VAULT_NAME", "OM_SM_PROJECT_ID", "OM_SM_NAMESPACE", "OM_SM_KUBECONFIG_PATH",
    "OM_SM_IN_CLUSTER", "PIPELINE_SERVICE_CLIENT_SECRETS_MANAGER_LOADER",
    # om-jwt-airflow3.md Part 1 (conf/openmetadata.yaml jwtTokenConfiguration, authenticationConfiguration)
    "RSA_PUBLIC_KEY_FILE_PATH", "RSA_PRIVATE_KEY_FILE_PATH", "JWT_ISSUER", "JWT_KEY_ID", "AUTHENTICATION_PUBLIC_KEYS",
    # om-jwt-airflow3.md Part 2 (pipelineServiceClientConfiguration.parameters.username/password)
    "AIRFLOW_USERNAME", "AIRFLOW_PASSWORD",
}
REFERENCE_AIRFLOW_KEYS = {
    "aws_region", "aws_access_key_id", "aws_secret_access_key",
    "kubernetes_namespace", "kubernetes_in_cluster", "kubernetes_kubeconfig_path",
    "azure_key_vault_name", "azure_tenant_id", "azure_client_id", "azure_client_secret", "project_id",
}
REFERENCE_ENV_LOADER = {"AWS_DEFAULT_REGION", "KUBERNETES_NAMESPACE", "KUBERNETES_IN_CLUSTER", "KUBERNETES_KUBECONFIG_PATH",
                        "AZURE_KEY_VAULT_NAME", "GOOGLE_CLOUD_PROJECT"}
AZURE = {
    "subscriptionId": "00000000-0000-0000-0000-0000000000aa", "tenantId": "00000000-0000-0000-0000-0000000000bb",
    "resourceGroupName": "rg-om", "location": "westeurope", "vault": {"name": "om-kv"},
    "identity": {"oidcIssuer": "https://oidc.example/abc/"},
}
GCP = {"project": "acme-data-prod", "projectNumber": "123456789012"}
BOTO3_KEY_ENV = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}  # boto3's chain, used by the env loader


def make_settings(provider: str, loader: str = "airflow", mode: str = "irsa", **extra):
    data = {"provider": provider, "ingestion": {"loader": loader}, "tags": {"team": "data", "env": "dev"}, **extra}
    if provider in AWS_PROVIDERS:
        data["aws"] = {"region": REGION, "identity": IDENTITIES[mode]}
    if provider in ("azure-kv", "managed-azure-kv"):
        data["azure"] = AZURE
    if provider == "gcp":
        data["gcp"] = GCP
    return from_dict(data)


def _cases():
    for provider in SUPPORTED_PROVIDERS:
        loaders = ("noop", "airflow", "env") if provider == "db" else ("airflow", "env")
        modes = tuple(IDENTITIES) if provider in AWS_PROVIDERS else ("irsa",)
        for loader in loaders:
            for mode in modes:
                label = f"{provider}-{loader}" + (f"-{mode}" if provider in AWS_PROVIDERS else "")
                yield pytest.param(provider, loader, mode, id=label)


CASES = list(_cases())


def case(provider, loader, mode):
    return make_settings(provider, loader, mode)


def walk(node, path=()):
    """Yield (path, value) for every leaf of nested dicts/lists."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, (*path, i))
    else:
        yield path, node


def test_cases_cover_every_provider_loader_and_mode():
    ids = {p.id for p in CASES}
    assert {i.split("-")[0] for i in ids} >= {"db", "aws", "managed", "kubernetes"}
    assert "db-noop" in ids and "kubernetes-env" in ids and "managed-aws-ssm-env-access-key" in ids
    assert {"azure-kv-env", "managed-azure-kv-airflow", "gcp-env"} <= ids
    assert len(CASES) == 3 + 4 * 2 * 3 + 2 + 3 * 2


# ---------------------------------------------------------------- refs


def test_delivery_names():
    assert delivery_names("openmetadata") == refs.DeliveryNames("openmetadata-secrets-config", "openmetadata-secrets")
    assert delivery_names("airflow") == refs.DeliveryNames("airflow-secrets-config", "airflow-secrets")
    with pytest.raises(ValueError, match="app 'superset'"):
        delivery_names("superset")


def test_secret_ref_renderings():
    ref = SecretRef("openmetadata-secrets", "FERNET_KEY")
    assert ref.helm() == {"secretRef": "openmetadata-secrets", "secretKey": "FERNET_KEY"}
    assert refs.env_var("FERNET_KEY", ref) == {
        "name": "FERNET_KEY", "valueFrom": {"secretKeyRef": {"name": "openmetadata-secrets", "key": "FERNET_KEY"}}
    }
    assert refs.env_var("A", "b") == {"name": "A", "value": "b"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.key = "other"


def test_secret_keys_are_the_documented_ones():
    assert (refs.SERVER_FERNET_KEY, refs.AIRFLOW_FERNET_KEY) == ("FERNET_KEY", "fernet-key")
    assert (refs.SERVER_ACCESS_KEY_ID, refs.SERVER_SECRET_ACCESS_KEY) == ("OM_SM_ACCESS_KEY_ID", "OM_SM_ACCESS_KEY")
    assert refs.AIRFLOW_ACCESS_KEY_ID == "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_ACCESS_KEY_ID"
    assert refs.AIRFLOW_SECRET_ACCESS_KEY == "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_SECRET_ACCESS_KEY"


# ---------------------------------------------------------------- validation

RENDERERS = [
    server_env, openmetadata_yaml_blocks, openmetadata_helm_values,
    airflow_cfg, airflow_env, airflow_helm_values, ingestion_env, workflow_config,
]


def _replace(settings, **changes):
    out = settings
    for path, value in changes.items():
        head, _, attr = path.rpartition(".")
        if not head:
            out = dataclasses.replace(out, **{attr: value})
            continue
        parts = head.split(".")
        objs = [out]
        for p in parts:
            objs.append(getattr(objs[-1], p))
        new = dataclasses.replace(objs[-1], **{attr: value})
        for obj, p in zip(reversed(objs[:-1]), reversed(parts), strict=False):
            new = dataclasses.replace(obj, **{p: new})
        out = new
    return out


INVALID = [
    pytest.param(("aws", "airflow"), {"ingestion.loader": "vault"}, "om-secrets:ingestion.loader", id="unknown-loader"),
    pytest.param(("aws", "airflow"), {"ingestion.loader": "noop"}, "om-secrets:ingestion.loader", id="noop-with-store"),
    pytest.param(("aws", "airflow"), {"provider": "vault"}, "om-secrets:provider", id="unsupported-provider"),
    pytest.param(("aws", "airflow"), {"aws.region": ""}, "om-secrets:aws.region", id="aws-without-region"),
    pytest.param(("kubernetes", "airflow"), {"kubernetes.kubeconfig_path": "/k/config"}, "om-secrets:kubernetes",
                 id="in-cluster-and-kubeconfig"),
    pytest.param(("kubernetes", "airflow"), {"aws.identity.mode": "access-key"}, "om-secrets:aws.identity.mode",
                 id="access-key-without-aws"),
    pytest.param(("aws", "airflow"), {"aws.identity.mode": "password"}, "om-secrets:aws.identity.mode", id="unknown-mode"),
]


@pytest.mark.parametrize("base, changes, key", INVALID)
@pytest.mark.parametrize("render", RENDERERS, ids=lambda f: f.__name__)
def test_renderers_refuse_invalid_combinations(base, changes, key, render):
    settings = _replace(make_settings(*base), **changes)
    with pytest.raises(ValueError, match=key):
        render(settings)


def test_check_access_keys():
    irsa, keyed = make_settings("managed-aws"), make_settings("managed-aws", mode="access-key")
    apps = ("openmetadata", "airflow")
    validate.check_access_keys(irsa, set(), apps)
    validate.check_access_keys(keyed, set(apps), apps)
    with pytest.raises(ValueError, match="aws.identity.mode.*only used with 'access-key'"):
        validate.check_access_keys(irsa, {"airflow"}, apps)
    with pytest.raises(ValueError, match="no access key was given for airflow"):
        validate.check_access_keys(keyed, {"openmetadata"}, apps)
    # non-managed: the server never reads the store, so only ingestion has a key
    non_managed = make_settings("aws", mode="access-key")
    validate.check_access_keys(non_managed, {"airflow"}, apps)
    with pytest.raises(ValueError, match="for openmetadata are not used .the OM server never reads a non-managed store"):
        validate.check_access_keys(non_managed, set(apps), apps)
    with pytest.raises(ValueError, match="unknown apps"):
        validate.check_access_keys(keyed, {*apps, "superset"}, apps)
    with pytest.raises(ValueError, match="only used with 'access-key'"):
        validate.check_access_keys(make_settings("db"), {"openmetadata"}, apps)


# ---------------------------------------------------------------- purity


def test_renderer_modules_do_not_import_pulumi():
    code = (
        "import sys\n"
        "import omsecrets.components.app_config.files, omsecrets.components.app_config.manifests\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_kubernetes'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


AZURE_CLIENT_SECRET = {**AZURE, "identity": {
    "mode": "client-secret",
    **{who: {"clientId": f"00000000-0000-0000-0000-00000000000{i}", "principalId": f"00000000-0000-0000-0000-00000000001{i}",
             "clientSecret": f"{who}ClientSecret"} for i, who in enumerate(("server", "ingestion"))},
}}


def _every_mode(provider: str, loader: str):
    """Settings of ``provider`` in each identity mode that changes what the readers are given."""
    if provider in AWS_PROVIDERS:
        return [make_settings(provider, loader, mode) for mode in IDENTITIES]
    if provider in ("azure-kv", "managed-azure-kv"):
        secrets = {f"{who}ClientSecret": "x" for who in ("server", "ingestion")}
        azure = AZURE_CLIENT_SECRET
        if provider == "azure-kv":  # the server never reads a non-managed vault: it has no identity there
            azure = {**azure, "identity": {k: v for k, v in azure["identity"].items() if k != "server"}}
        return [make_settings(provider, loader),
                from_dict({"provider": provider, "ingestion": {"loader": loader}, "azure": azure}, secret_values=secrets)]
    return [make_settings(provider, loader)]


@pytest.mark.parametrize("provider", [p for p in SUPPORTED_PROVIDERS if p != "db"])
def test_renderers_write_exactly_the_registry_reader_keys(provider):
    """core.PROVIDER_REGISTRY names what OM's readers take; the renderers write those keys, and all of them."""
    from omsecrets.components import core
    from omsecrets.components.app_config.airflow import airflow_section
    from omsecrets.components.app_config.server import _parameters

    entry = core.PROVIDER_REGISTRY[provider]
    params, section, env = set(), set(), set()
    for s in _every_mode(provider, "airflow"):
        params |= set(_parameters(s))
        section |= set(airflow_section(s))
    for s in _every_mode(provider, "env"):
        env |= set(ingestion_env(s)) - BOTO3_KEY_ENV - {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"}
    credentials = {"accessKeyId", "secretAccessKey", "clientId", "clientSecret", "tenantId"}
    # DBSecretsManager (non-managed) reads no parameter; the non-credential ones stay for a switch to managed
    assert params == set(entry.server_parameters) - (set() if entry.managed else credentials)
    assert section == set(entry.airflow_keys)
    assert env == set(entry.env_keys)
