"""Contract: OpenMetadata's OWN readers (package ``openmetadata-ingestion``) read what om-secrets
seeds, configured only from the files ``omsecrets preview --out`` renders.

For each AWS stack the seeded secrets are replayed into a moto server (as in
``test_stores_contract``); then ``SecretsManagerFactory`` from OM's ingestion package, with the
provider from the rendered ``workflow-config.yaml`` and the ``env`` loader fed the rendered
``ingestion.env`` (or the ``airflow`` loader reading the rendered ``airflow.cfg`` and
``airflow.env`` through Airflow's real ``conf``), reads every ``secret:<id>`` reference. Values are
compared by SHA-256 so they never reach a log. The rendered workflow YAML is validated by OM's
generated pydantic ``WorkflowConfig``.

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
