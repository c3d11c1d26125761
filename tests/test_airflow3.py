"""Airflow 3.3.2's shared secrets against the real thing (see tests/support/airflow.py).

OM 2.0.7's ingestion runs apache-airflow 3.3.2 (apache-airflow-core 3.3.2 + task-sdk 1.3.2). Every component
(api-server, scheduler, worker, dag-processor, triggerer) must be given the same three values:
``[core] fernet_key``, ``[api] secret_key`` and ``[api_auth] jwt_secret``. These tests take them as the env
dict the product renders (``SHARED_SECRET_ENV`` names) and prove what Airflow does with them, and without them.
The Fernet rotation on 3.3.2 is in tests/test_airflow_rotation.py (parametrized over both versions).
"""

from __future__ import annotations

import json
import secrets

import pytest

from omsecrets.components.fernet import generate_key
from tests.support.airflow import (
    AIRFLOW3_VERSION,
    FAB_AUTH_MANAGER,
    SHARED_SECRET_ENV,
    config_values,
    execution_api_run,
    mint_task_token,
    run_airflow,
    run_airflow_python,
    task_token_round_trip,
    validate_task_token,
)

pytestmark = pytest.mark.airflow

V = AIRFLOW3_VERSION
JWT = "AIRFLOW__API_AUTH__JWT_SECRET"
MUST_BE_SET = "builtins.ValueError: The value api_auth/jwt_secret must be set!"  # 3.3.2's text, tokens.py
BAD_SIGNATURE = "jwt.exceptions.InvalidSignatureError: Signature verification failed"

# What differs between the components' envs besides the shared secrets (non-secret, harmless here).
COMPONENT_SETTINGS: dict[str, dict[str, str]] = {
    "api-server": {"AIRFLOW__API__PORT": "8080"},
    "scheduler": {"AIRFLOW__CORE__EXECUTOR": "LocalExecutor"},
    "worker": {"AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://airflow-api-server:8080/execution/"},
}


def component_env(shared: dict[str, str], component: str) -> dict[str, str]:
    """The env of one Airflow component: the shared-secret env dict plus that component's own settings."""
    assert set(shared) == set(SHARED_SECRET_ENV.values()), sorted(shared)
    return {**COMPONENT_SETTINGS[component], **shared}


@pytest.fixture(scope="module")
def shared() -> dict[str, str]:
    """ONE set of values, under exactly the env names the product renders (Secret references resolved)."""
    return {
        "AIRFLOW__CORE__FERNET_KEY": generate_key(),
        "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
    }


@pytest.fixture(scope="module")
def envs(shared) -> dict[str, dict[str, str]]:
    return {component: component_env(shared, component) for component in COMPONENT_SETTINGS}


# ---------------------------------------------------------------- one set of values, every component


def test_every_component_reads_the_same_shared_secrets(shared, envs):
    expected = {option: shared[name] for option, name in SHARED_SECRET_ENV.items()}
    for component, env in envs.items():
        assert config_values(env, SHARED_SECRET_ENV) == expected, component


def test_a_component_left_without_the_env_generates_its_own_values(shared):
    """The control: with no env each component's first `airflow` command writes its own random values."""
    first, second = config_values({}), config_values({})
    for option, name in SHARED_SECRET_ENV.items():
        assert first[option] and first[option] != shared[name], option
        assert first[option] != second[option], option  # two pods, two values: components disagree


def test_webserver_secret_key_is_the_deprecated_alias_of_api_secret_key(shared):
    env = {"AIRFLOW__WEBSERVER__SECRET_KEY": shared["AIRFLOW__API__SECRET_KEY"]}
    assert config_values(env, [("api", "secret_key")]) == {("api", "secret_key"): shared["AIRFLOW__API__SECRET_KEY"]}


# ---------------------------------------------------------------- the task token: scheduler -> api-server


def test_task_token_from_the_scheduler_validates_on_the_api_server(envs):
    got = task_token_round_trip(envs["scheduler"], envs["api-server"])
    assert got.ok, got.error
    claims = got.claims
    assert claims["aud"] == "urn:airflow.apache.org:task"  # [execution_api] jwt_audience
    assert claims["scope"] == "workload"
    assert claims["exp"] - claims["iat"] == 600  # [scheduler] task_queued_timeout
    assert set(claims) >= {"sub", "jti", "nbf", "exp", "iat"}


@pytest.mark.parametrize("different", ["scheduler", "api-server"])
def test_task_token_fails_when_one_component_has_another_jwt_secret(envs, different):
    other = secrets.token_urlsafe(64)
    scheduler = {**envs["scheduler"], JWT: other} if different == "scheduler" else envs["scheduler"]
    api_server = {**envs["api-server"], JWT: other} if different == "api-server" else envs["api-server"]
    got = task_token_round_trip(scheduler, api_server)
    assert (got.stage, got.error) == ("validate", BAD_SIGNATURE)
    assert got.claims is None


def test_the_execution_api_accepts_the_token_only_with_the_same_jwt_secret(envs):
    """Through the api-server's real Execution API app: what a worker starting a task gets back."""
    minted = mint_task_token(envs["scheduler"])
    assert minted.ok, minted.error
    accepted = execution_api_run(minted.token, envs["api-server"])
    assert accepted["status"] == 404, accepted  # authenticated; the task instance does not exist
    assert accepted["body"]["detail"]["message"] == "Task Instance not found"

    rejected = execution_api_run(minted.token, {**envs["api-server"], JWT: secrets.token_urlsafe(64)})
    assert (rejected["status"], rejected["body"]) == (403, {"detail": "Invalid auth token"})
    assert "Signature verification failed" in rejected["log"]  # the api-server's warning says why
    assert envs["api-server"][JWT] not in rejected["log"]


# ---------------------------------------------------------------- an empty or missing jwt_secret


def test_empty_jwt_secret_on_the_scheduler_fails_to_make_task_tokens(envs):
    got = mint_task_token({**envs["scheduler"], JWT: ""})
    assert (got.stage, got.error) == ("mint", MUST_BE_SET)


def test_missing_jwt_secret_on_the_scheduler_signs_with_a_generated_key_the_api_server_rejects(envs):
    """No env var at all: `airflow scheduler` writes a fresh airflow.cfg with a random jwt_secret (as in a
    pod without the Secret), mints happily, and every task's first call to the api-server fails."""
    scheduler = {k: v for k, v in envs["scheduler"].items() if k != JWT}
    got = task_token_round_trip(scheduler, envs["api-server"])
    assert (got.stage, got.error) == ("validate", BAD_SIGNATURE)


def test_empty_jwt_secret_on_the_api_server(envs):
    """The Execution API's validator refuses to generate one (make_secret_key_if_needed=False): the token is
    rejected by the validator, and the api-server's Execution API app does not even start."""
    minted = mint_task_token(envs["scheduler"])
    assert minted.ok, minted.error
    api_server = {**envs["api-server"], JWT: ""}
    got = validate_task_token(minted.token, api_server)
    assert (got.stage, got.error) == ("validate", MUST_BE_SET)
    started = execution_api_run(minted.token, api_server)
    assert started.get("error") == MUST_BE_SET, started


# ---------------------------------------------------------------- the Airflow user OM's server calls with


USER = ["--username", "om-service", "--role", "Admin", "--email", "om@example.invalid",
        "--firstname", "Open", "--lastname", "Metadata"]

_TOKEN_FOR = """
import json, sys
from fastapi.testclient import TestClient
from airflow.api_fastapi.app import create_app

password = sys.stdin.read().strip()
with TestClient(create_app(apps="core")) as client:
    out = {}
    for label, pw in (("right", password), ("wrong", password + "x")):
        r = client.post("/auth/token", json={"username": "om-service", "password": pw})
        out[label] = r.status_code
        if r.status_code == 201:
            token = r.json()["access_token"]
            out["version"] = client.get("/api/v2/version", headers={"Authorization": f"Bearer {token}"}).status_code
    out["basic"] = client.get("/api/v2/dags", auth=("om-service", password)).status_code
print("OMSECRETS-RESULT " + json.dumps(out))
"""


def test_users_create_works_with_the_fab_auth_manager(tmp_path, envs):
    """`airflow users create` comes from apache-airflow-providers-fab (3.10.2 here) and works on 3.3.2 with
    [core] auth_manager = the FAB auth manager; the user then gets an API token with its password."""
    home = tmp_path / "airflow"
    env = {**envs["api-server"], "AIRFLOW__CORE__AUTH_MANAGER": FAB_AUTH_MANAGER}
    password = "p" + secrets.token_urlsafe(18)
    assert run_airflow(["db", "migrate"], env, home, V).returncode == 0
    created = run_airflow(["users", "create", *USER, f"--password={password}"], env, home, V)
    assert created.returncode == 0, created.stderr[-3000:]
    assert 'User "om-service" created with role "Admin"' in created.stdout
    assert password not in created.stdout + created.stderr

    listed = run_airflow(["users", "list", "-o", "json"], env, home, V)
    users = json.loads(listed.stdout.strip().splitlines()[-1])  # a warning logged at import comes first
    assert [(u["username"], u["roles"]) for u in users] == [("om-service", ["Admin"])]

    proc = run_airflow_python(_TOKEN_FOR, env, home, V, stdin=password)
    got = json.loads([line for line in proc.stdout.splitlines() if line.startswith("OMSECRETS-RESULT ")][-1].split(" ", 1)[1])
    # POST /auth/token (FAB auth manager) issues a JWT signed with [api_auth] jwt_secret; Airflow's own
    # REST API takes that bearer token, not HTTP Basic.
    assert got == {"right": 201, "wrong": 401, "version": 200, "basic": 401}


def test_users_create_fails_with_the_default_auth_manager(tmp_path, envs):
    """3.3.2's default [core] auth_manager is SimpleAuthManager: the FAB provider still registers the
    `users` command, which then crashes (without the provider there is no `users` command at all)."""
    home = tmp_path / "airflow"
    env = envs["api-server"]
    assert run_airflow(["db", "migrate"], env, home, V).returncode == 0
    got = run_airflow(["config", "get-value", "core", "auth_manager"], env, home, V)
    assert got.stdout.strip().splitlines()[-1] == (
        "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
    )
    created = run_airflow(["users", "create", *USER, "--password=p-unused-1234"], env, home, V)
    assert created.returncode != 0
    assert "AttributeError: 'AirflowSecurityManagerV2' object has no attribute 'find_role'" in created.stderr
