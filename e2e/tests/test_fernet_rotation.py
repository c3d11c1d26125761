"""Fernet ring rotation [1] -> [2, 1] -> [2] with the real engine, as the apps see it: at every step the Secret
Airflow reads (the chart's fernetKeySecretName, key fernet-key) and OM's FERNET_KEY (openmetadata.config.fernetkey)
hold, byte for byte, the ring the step's config means (generations in that order, each generation's bytes the ones
the engine generated once), and so does om-secrets' recovery copy."""

from __future__ import annotations

import checks
import pytest
from conftest import stack_config

pytestmark = pytest.mark.e2e

APPS = ("openmetadata", "airflow")


@pytest.fixture(scope="module")
def config():
    cfg = stack_config("dev")
    cfg["protect"] = True  # key material protected, as in production
    return cfg


def rotation_step(cluster, project, config: dict, generations: list[int], **ring) -> dict[int, str]:
    """Apply one step to both rings, `up`, and check what each app reads; return the generation keys in state."""
    config["fernet"] = {app: {"generations": generations, **ring} for app in APPS}
    project.set_config(config)
    project.up()
    state, outputs = project.state(), project.outputs()
    intended = checks.intended_rings(state, {app: generations for app in APPS})
    consumed = checks.consumed_fernet_rings(cluster, outputs)
    problems = [f"{app} reads {checks.pointer_or_placeholder(consumed[app]) or 'another ring'} at step {generations}"
                for app in APPS if consumed[app] != intended[app]]
    problems += [f"{app}'s recovery copy is not the ring at step {generations}"
                 for app in APPS if ",".join(checks.ring(cluster, app)) != intended[app]]
    problems += checks.app_values_problems(cluster, state, config["server"]["namespace"],
                                           config["ingestion"]["namespace"], {app: generations for app in APPS})
    assert not problems, "\n".join(problems)
    assert [outputs["fernet"][app]["generations"] for app in APPS] == [generations, generations]
    return checks.generation_keys(state)


def test_each_step_is_the_ring_the_apps_read_and_destroy_stops_at_protected_keys(cluster, make_project, config):
    p = make_project("rot", config)
    first = rotation_step(cluster, p, config, [1])

    # step 1: generation 2 first (it encrypts), generation 1 kept (it decrypts what it encrypted)
    second = rotation_step(cluster, p, config, [2, 1])
    for app in APPS:
        assert second[app][1] == first[app][1] and second[app][2] != second[app][1], app

    # step 2 recorded: re-encrypted to 2; nothing about the keys changes
    assert rotation_step(cluster, p, config, [2, 1], reencryptedTo=2) == second

    # step 3: drop generation 1 (protected: unprotect it first, as the runbook says)
    for app in APPS:
        gen1 = [r["urn"] for r in p.state() if r["urn"].endswith(f"::om-secrets-{app}-fernet-gen-1")]
        assert len(gen1) == 1, gen1
        p.run("state", "unprotect", gen1[0], "--yes").check()
    third = rotation_step(cluster, p, config, [2], reencryptedTo=2)
    assert {app: third[app] for app in APPS} == {app: {2: second[app][2]} for app in APPS}, \
        "generation 2's key changed when generation 1 was dropped"
    again = p.run("up", "--yes", "--skip-preview", "--expect-no-changes")
    assert again.returncode == 0, again.stdout[-3000:]

    # destroy refuses to delete protected key material
    destroy = p.run("destroy", "--yes", "--skip-preview", timeout=300)
    assert destroy.returncode > 0, f"destroy deleted a protected stack or hung:\n{destroy.stdout[-3000:]}{destroy.stderr}"
    assert "protected" in destroy.stdout + destroy.stderr, destroy.stdout[-3000:]
    left = {r["urn"].rsplit("::", 1)[-1]: r for r in p.state()}
    for app in APPS:
        name = f"om-secrets-{app}-fernet-gen-2"
        assert name in left and left[name].get("protect"), f"{name} was deleted or unprotected by destroy"
        assert checks.ring(cluster, app) == [second[app][2]]
