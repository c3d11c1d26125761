"""`pulumi up` of the `kubernetes` fixture stack (tests/fixtures/stacks/Pulumi.kubernetes.yaml: production, a
prefix, OM's store in its own namespace, ingestion in another, one generated and one `fromConfig` secret) against
a real API server: OM's reader, as the ingestion ServiceAccount, gets the values the program meant."""

from __future__ import annotations

import checks
import pytest
import yaml
from conftest import REPO

pytestmark = pytest.mark.e2e

FIXTURE = REPO / "tests" / "fixtures" / "stacks" / "Pulumi.kubernetes.yaml"
#: The value the stack file keeps encrypted (its ciphertext is a placeholder): set here as `pulumi config set
#: --secret` would, so the engine decrypts it for the program.
AIRFLOW_DB_PASSWORD = "e2e-airflow-db-password-7f3a9c"


@pytest.fixture(scope="module")
def config():
    return {k.removeprefix("om-secrets:"): v for k, v in yaml.safe_load(FIXTURE.read_text())["config"].items()
            if k != "om-secrets:airflowDbPassword"}


@pytest.fixture(scope="module")
def stack(make_project, config):
    project = make_project("kubernetes", config)
    project.run("config", "set", "--secret", "om-secrets:airflowDbPassword", AIRFLOW_DB_PASSWORD).check()
    project.up()
    return project


def test_om_reads_every_reference_as_the_program_meant_it(cluster, stack, config, om_python, tmp_path):
    outputs, state = stack.outputs(), stack.state()
    refs = {n: r.removeprefix("secret:") for n, r in outputs["secretReferences"].items()}
    intended = {"mysql-password": checks.generated(state)["om-secrets-bootstrap-mysql-password"],
                "airflow-db-password": AIRFLOW_DB_PASSWORD}
    assert set(refs) == set(intended), sorted(refs)
    assert all(i.startswith("team") for i in refs.values()), refs  # OM's ids under the stack's prefix
    sa_ns, sa = config["ingestion"]["namespace"], config["ingestion"]["serviceAccount"]
    kubeconfig = cluster.service_account_kubeconfig(sa_ns, sa, tmp_path / "ingestion.kubeconfig")
    [read], _ = checks.read_with_om(om_python, (kubeconfig, config["kubernetes"]["namespace"], list(refs.values())))
    problems = []
    for name, secret_id in refs.items():
        for how in ("direct", "connection"):
            got = read[secret_id][how]
            if got != intended[name]:
                problems.append(f"secret:{secret_id} ({name}) resolves ({how}) to "
                                f"{checks.pointer_or_placeholder(got) or 'another value than the program meant'}")
    assert not problems, "\n".join(problems)


def test_every_value_an_app_reads_is_what_the_program_meant(cluster, stack, config):
    problems = checks.app_values_problems(cluster, stack.state(), config["server"]["namespace"],
                                          config["ingestion"]["namespace"])
    assert not problems, "\n".join(problems)


def test_offline_preview_matches_what_the_engine_registered(stack):
    problems = checks.compare_mock_with_engine(stack.offline_preview(), stack.state(),
                                               stack.offline_preview(show_secrets=False))
    assert not problems, "\n".join(problems)
