"""Contract: OpenMetadata's OWN readers (package ``openmetadata-ingestion``) read what om-secrets
seeds, configured only from the files ``omsecrets preview --out`` renders.

For each AWS stack the seeded secrets are replayed into a moto server (as in
``test_stores_contract``); then ``SecretsManagerFactory`` from OM's ingestion package, with the
provider from the rendered ``workflow-config.yaml`` and the ``env`` loader fed the rendered
``ingestion.env`` (or the ``airflow`` loader reading the rendered ``airflow.cfg`` and
``airflow.env`` through Airflow's real ``conf``), reads every ``secret:<id>`` reference. Values are
compared by SHA-256 so they never reach a log. The rendered workflow YAML is validated by OM's
generated pydantic ``WorkflowConfig``.

For the ``azure`` and ``gcp`` stacks no backend runs here: OM's loaders parse the rendered files into
the credentials OM uses, and ``SecretsManagerFactory`` builds the manager (no value is read).

OM's ingestion venv is cached (tests/support/om_ingestion.py); the tests skip with the reason when
it cannot be installed, and ``OMSECRETS_SKIP_OM_INGESTION=1`` skips them on purpose.
"""

from __future__ import annotations

import hashlib

import pytest

from omsecrets import render
from tests.support import om_ingestion
from tests.support.previews import stack_file_config
from tests.test_stores_contract import aws, moto_endpoint, references, replay_secrets_manager, replay_ssm  # noqa: F401

pytestmark = pytest.mark.moto

AWS_STACKS = ("managed-aws", "aws", "managed-aws-ssm", "aws-ssm", "prod")
CREDENTIAL_KEYS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_ACCESS_KEY_ID",
    "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_SECRET_ACCESS_KEY",
)


def sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def rendered(result, tmp_path):
    out = tmp_path / "out"
    render.write_outputs(result, out)
    return out


def _with_moto(env: dict[str, str], endpoint: str) -> dict[str, str]:
    """The rendered env plus what Kubernetes and IRSA would supply: credentials from the delivered Secret
    (moto's dummy values here) and the moto endpoint."""
    env = dict(env)
    for key in CREDENTIAL_KEYS:
        if env.get(key, None) == "":
            env[key] = "testing"  # delivered from the app's Secret at run time
    env.setdefault("AWS_ACCESS_KEY_ID", "testing")  # IRSA / Pod Identity supply these in a cluster
    env.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    env["AWS_ENDPOINT_URL"] = endpoint
    return env


@pytest.mark.parametrize(
    "stack, loader",
    [*((s, "env") for s in AWS_STACKS), ("managed-aws", "airflow"), ("aws-ssm", "airflow")],
)
def test_oms_factory_reads_every_seeded_reference(stack, loader, aws, moto_endpoint, previewed, tmp_path):  # noqa: F811
    result = previewed(stack)
    region = stack_file_config(stack)["aws:region"]
    ssm = stack_file_config(stack)["om-secrets:provider"].endswith("aws-ssm")
    declared = replay_ssm(result, aws, region) if ssm else replay_secrets_manager(result, aws)
    out = rendered(result, tmp_path)
    env_name = "ingestion.env" if loader == "env" else "airflow.env"
    env = _with_moto(om_ingestion.env_file(out / env_name), moto_endpoint)
    if loader == "airflow":
        env["AIRFLOW_HOME"] = str(out)  # the rendered airflow.cfg
    ids = sorted(ref.removeprefix("secret:") for ref in references(result).values())
    got = om_ingestion.read(out, loader=loader, env=env, ids=ids)
    assert got["values"] == {i: sha(declared[i]) for i in ids}
    assert got["customSecretStr"] == sha(declared[ids[0]])
    assert (
        got["workflow"]["openMetadataServerConfig"]["secretsManagerProvider"] == stack_file_config(stack)["om-secrets:provider"]
    )


def test_a_reader_without_the_rendered_region_fails(aws, moto_endpoint, previewed, tmp_path):  # noqa: F811
    """The env loader really uses the rendered file: a wrong region reads nothing."""
    result = previewed("aws")
    replay_secrets_manager(result, aws)
    out = rendered(result, tmp_path)
    env = _with_moto(om_ingestion.env_file(out / "ingestion.env"), moto_endpoint)
    env["AWS_DEFAULT_REGION"] = "ap-south-1" if env["AWS_DEFAULT_REGION"] != "ap-south-1" else "eu-west-3"
    some_id = next(iter(references(result).values())).removeprefix("secret:")
    with pytest.raises(AssertionError, match="OM's reader failed"):
        om_ingestion.read(out, loader="env", env=env, ids=[some_id])


# ---------------------------------------------------------------- Azure Key Vault and GCP Secret Manager
#
# No Key Vault or Secret Manager backend runs here (no emulator for Azure; GCP's fake needs Python 3.12),
# so these tests stop where OM's code would first call the cloud: OM's own loaders parse the rendered
# airflow.cfg / env files into its credentials, and SecretsManagerFactory builds the manager OM would use
# (Azure: the SecretClient's vault URL and the credential class). Reading a value is not exercised.

AZURE_VAULT = "kv-om-prod-weu"
AZURE_TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
GCP_PROJECT = "acme-data-prod"
CLIENT_SECRET_IDENTITY = {
    "mode": "client-secret",
    **{who: {"clientId": f"00000000-0000-0000-0000-00000000000{i}", "principalId": f"00000000-0000-0000-0000-00000000001{i}",
             "clientSecret": f"{who}ClientSecret"} for i, who in ((1, "server"), (2, "ingestion"))},
}
PLANTED_CLIENT_SECRETS = {"serverClientSecret": "srv-client-secret-7Hq", "ingestionClientSecret": "ing-client-secret-9Zx"}


def _cloud_env(out, loader: str) -> dict[str, str]:
    env = om_ingestion.env_file(out / ("ingestion.env" if loader == "env" else "airflow.env"))
    if loader == "airflow":
        env["AIRFLOW_HOME"] = str(out)  # the rendered airflow.cfg
    return env


def _delivered(result, secret_name: str, key: str) -> str:
    """The value a Kubernetes Secret of the preview delivers under ``key`` (what the pod's env gets)."""
    for r in result.by_type("kubernetes:core/v1:Secret"):
        inputs = r.plain_inputs
        if (inputs.get("metadata") or {}).get("name") == secret_name and key in (inputs.get("stringData") or {}):
            return inputs["stringData"][key]
    raise AssertionError(f"no Secret {secret_name} delivers {key}")


def _assert_no_secret_in_files(out, secrets):
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert not any(s in text for s in secrets), path


@pytest.mark.parametrize("loader", ["airflow", "env"])
def test_om_parses_the_azure_stack_into_a_vault_client_with_workload_identity(loader, previewed, preview_config, tmp_path):
    """Workload identity: OM's loader gets the vault name only, so OM uses DefaultAzureCredential (which
    reads the token file the AKS webhook mounts) against https://<vault>.vault.azure.net."""
    if loader == "airflow":
        result = previewed("azure")
    else:
        from tests.support.previews import stack_config

        config = stack_config("azure")
        result = preview_config({**config, "ingestion": {**config["ingestion"], "loader": "env"}}, stack="azure")
    out = rendered(result, tmp_path)
    got = om_ingestion.read(out, loader=loader, env=_cloud_env(out, loader), credentials=True, manager=True)
    assert got["workflow"]["openMetadataServerConfig"]["secretsManagerProvider"] == "managed-azure-kv"
    assert got["workflow"]["openMetadataServerConfig"]["secretsManagerLoader"] == loader
    assert got["credentials"] == {"vaultName": AZURE_VAULT}
    assert got["manager"] == {"class": "AzureKVSecretsManager", "credentials": {"vaultName": AZURE_VAULT},
                              "vaultUrl": f"https://{AZURE_VAULT}.vault.azure.net", "credential": "DefaultAzureCredential"}


def test_om_parses_the_azure_client_secret_mode_from_airflow_cfg_and_the_delivered_secret(preview_config, tmp_path):
    """Client-secret mode: airflow.cfg names tenant and client, the secret comes from the app's Kubernetes
    Secret as AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AZURE_CLIENT_SECRET; OM builds a ClientSecretCredential."""
    from tests.support.previews import stack_config

    config = stack_config("azure")
    config = {**config, "azure": {**config["azure"], "identity": CLIENT_SECRET_IDENTITY}, **PLANTED_CLIENT_SECRETS}
    result = preview_config(config, stack="azure", secret_keys=tuple(PLANTED_CLIENT_SECRETS))
    out = rendered(result, tmp_path)
    _assert_no_secret_in_files(out, PLANTED_CLIENT_SECRETS.values())
    key = "AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AZURE_CLIENT_SECRET"
    env = _cloud_env(out, "airflow")
    assert env[key] == ""  # rendered empty: Kubernetes fills it from the Secret
    env[key] = _delivered(result, "airflow-secrets", key)
    got = om_ingestion.read(out, loader="airflow", env=env, credentials=True, manager=True)
    ingestion = CLIENT_SECRET_IDENTITY["ingestion"]
    assert {k: v for k, v in got["credentials"].items() if k != "clientSecret"} == {
        "vaultName": AZURE_VAULT, "tenantId": AZURE_TENANT, "clientId": ingestion["clientId"]}
    assert got["clientSecretSha256"] == sha(PLANTED_CLIENT_SECRETS["ingestionClientSecret"])
    assert got["manager"]["credential"] == "ClientSecretCredential"
    assert got["manager"]["vaultUrl"] == f"https://{AZURE_VAULT}.vault.azure.net"


def test_without_the_delivered_client_secret_om_falls_back_to_the_default_credential(preview_config, tmp_path):
    """The delivered secret matters: without it OM silently uses DefaultAzureCredential."""
    from tests.support.previews import stack_config

    config = stack_config("azure")
    config = {**config, "azure": {**config["azure"], "identity": CLIENT_SECRET_IDENTITY}, **PLANTED_CLIENT_SECRETS}
    out = rendered(preview_config(config, stack="azure", secret_keys=tuple(PLANTED_CLIENT_SECRETS)), tmp_path)
    got = om_ingestion.read(out, loader="airflow", env=_cloud_env(out, "airflow"), manager=True)
    assert got["manager"]["credential"] == "DefaultAzureCredential"


@pytest.mark.parametrize("loader", ["env", "airflow"])
def test_om_parses_the_gcp_stack_into_its_project(loader, previewed, preview_config, tmp_path):
    """OM's GCP loaders: GOOGLE_CLOUD_PROJECT (env) or [openmetadata_secrets_manager] project_id (airflow;
    OM's docs say gcp_project_id, its code reads project_id). Credentials come from ADC (workload identity)."""
    if loader == "env":
        result = previewed("gcp")
    else:
        from tests.support.previews import stack_config

        config = stack_config("gcp")
        result = preview_config({**config, "ingestion": {**config["ingestion"], "loader": "airflow"}}, stack="gcp")
    out = rendered(result, tmp_path)
    got = om_ingestion.read(out, loader=loader, env=_cloud_env(out, loader), credentials=True, manager=True)
    assert got["workflow"]["openMetadataServerConfig"]["secretsManagerProvider"] == "gcp"
    assert got["workflow"]["openMetadataServerConfig"]["secretsManagerLoader"] == loader
    assert got["credentials"] == {"gcpConfig": {"projectId": GCP_PROJECT}}
    assert got["manager"] == {"class": "GCPSecretsManager", "credentials": {"gcpConfig": {"projectId": GCP_PROJECT}}}


def test_the_documented_gcp_airflow_key_is_not_what_om_reads(previewed, preview_config, tmp_path):
    """With OM's documented key gcp_project_id instead of project_id, OM's airflow loader finds no project."""
    from tests.support.previews import stack_config

    config = stack_config("gcp")
    out = rendered(preview_config({**config, "ingestion": {**config["ingestion"], "loader": "airflow"}}, stack="gcp"), tmp_path)
    cfg = out / "airflow.cfg"
    cfg.write_text(cfg.read_text().replace("project_id =", "gcp_project_id ="))
    env = {k: v for k, v in _cloud_env(out, "airflow").items() if "PROJECT_ID" not in k}
    got = om_ingestion.read(out, loader="airflow", env=env, credentials=True)
    assert got["credentials"] is None


def test_every_rendered_workflow_config_validates_with_oms_own_models():
    """The workflow YAML of every provider, loader and identity mode (tests.test_app_config.CASES),
    as rendered, parsed by OM's generated pydantic ``WorkflowConfig``; provider and loader survive
    OM's enums."""
    import json
    import subprocess

    import yaml

    from omsecrets.components.app_config.workflow import workflow_config
    from tests.test_app_config import CASES, case

    combos = [param.values for param in CASES]
    rendered_yaml = {f"{p}/{loader}/{mode}": yaml.safe_dump(workflow_config(case(p, loader, mode))) for p, loader, mode in combos}
    script = (
        "import json, sys, yaml\n"
        "from metadata.generated.schema.metadataIngestion.workflow import WorkflowConfig\n"
        "out = {}\n"
        "for name, text in json.loads(sys.stdin.read()).items():\n"
        "    server = WorkflowConfig.model_validate(yaml.safe_load(text)['workflowConfig']).openMetadataServerConfig\n"
        "    out[name] = [server.secretsManagerProvider.value, server.secretsManagerLoader.value]\n"
        "print('RESULT ' + json.dumps(out))\n"
    )
    python = om_ingestion.om_python()
    proc = subprocess.run([str(python), "-c", script], input=json.dumps(rendered_yaml), capture_output=True, text=True,
                          timeout=300, env=om_ingestion._clean_environ())
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))[7:])
    assert got == {name: name.split("/")[:2] for name in rendered_yaml}
    assert {name.split("/")[0] for name in got} >= {"managed-azure-kv", "azure-kv", "gcp", "kubernetes", "managed-aws"}
