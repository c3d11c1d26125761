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

from omsecrets import engine
from omsecrets.components.airflow import AIRFLOW_SIDE_PASSWORD_KEY
from omsecrets.components.app_config.airflow import airflow_env
from omsecrets.components.app_config.refs import SecretRef
from omsecrets.components.jobs import airflow_user_job_manifest
from omsecrets.components.settings import from_dict
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
from tests.support.previews import ROOT, planted_keys, stack_config, stack_file, stack_file_config

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


def rendered_shared(stack: str) -> dict[str, str]:
    """What the product gives every Airflow component of ``stack``: the env ``airflow_env`` renders (the shared
    secrets as Secret references), each reference resolved against the Secret the preview declares with the
    values the engine generated (the offline engine's RandomBytes, as the real one keeps them in state)."""
    settings = from_dict(stack_config(stack), stack=stack, aws_region=stack_file_config(stack).get("aws:region"))
    assert settings.airflow.version == 3, stack
    planted = planted_keys(stack)
    result = engine.preview(ROOT, stack, config_file=stack_file(stack), config=planted, secret_keys=tuple(planted))
    secrets_by_name = {r.inputs["metadata"]["name"]: r.plain_inputs.get("stringData") or {}
                       for r in result.by_type("kubernetes:core/v1:Secret")
                       if r.inputs["metadata"].get("namespace") == settings.ingestion.namespace}
    env = {}
    for name, value in airflow_env(settings).items():
        if name in SHARED_SECRET_ENV.values():
            assert isinstance(value, SecretRef), (name, value)  # never a literal
            env[name] = secrets_by_name[value.secret_name][value.key]
    return env


@pytest.fixture(scope="module")
def shared() -> dict[str, str]:
    """ONE set of values, under exactly the env names the product renders, from the shipped prod stack."""
    return rendered_shared("prod")


def test_the_rendered_env_names_every_shared_secret_once():
    """Every option Airflow 3 needs shared is rendered, from one Secret, with distinct generated values."""
    env = rendered_shared("staging")
    assert set(env) == set(SHARED_SECRET_ENV.values())
    assert len(set(env.values())) == len(env) and all(len(v) >= 32 for v in env.values())


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


# ---------------------------------------------------------------- the product's Airflow user Job, on 3.3.2

_RUN_JOB_SCRIPT = """
import os, subprocess, sys
script = sys.stdin.read()
env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
sys.stdout.write(done.stdout)
sys.stderr.write(done.stderr)
sys.exit(done.returncode)
"""

_LOGIN = """
import json, sys
from fastapi.testclient import TestClient
from airflow.api_fastapi.app import create_app

asked = json.loads(sys.stdin.read())
with TestClient(create_app(apps="core")) as client:
    out = {label: client.post("/auth/token", json={"username": asked["user"], "password": pw}).status_code
           for label, pw in asked["passwords"].items()}
print("OMSECRETS-RESULT " + json.dumps(out))
"""


def _job_env(manifest: dict, secrets_: dict[tuple[str, str], str]) -> tuple[str, dict[str, str]]:
    """The Job's script and env as its pod gets them: literal values, Secret references resolved."""
    (container,) = manifest["spec"]["template"]["spec"]["containers"]
    env = {}
    for entry in container["env"]:
        ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
        env[entry["name"]] = secrets_[(ref["name"], ref["key"])] if ref else entry["value"]
    assert container["args"][:2] == ["bash", "-c"]
    return container["args"][2], env


def test_the_products_user_job_creates_then_resets_the_servers_user(tmp_path, envs):
    """The Job om-secrets declares (components.jobs), run as its pod would on 3.3.2: the first run creates
    OM's server's user with the generated password (FAB auth manager, as the Job sets it), a second run with
    a new password resets it; each time the password logs in and the previous one no longer does."""
    home = tmp_path / "airflow"
    database = f"sqlite:///{home}/airflow.db"
    manifest = airflow_user_job_manifest(
        name="airflow-user-openmetadata", namespace="airflow", image="docker.getcollate.io/openmetadata/ingestion:2.0.7",
        username="openmetadata", role="Admin", password=SecretRef("airflow-secrets", AIRFLOW_SIDE_PASSWORD_KEY),
        database=SecretRef("airflow-airflow-metadata", "connection"), version=3)
    base = {**envs["api-server"], "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database}
    assert run_airflow(["db", "migrate"], base, home, V).returncode == 0
    passwords = ["a" + secrets.token_urlsafe(24), "b" + secrets.token_urlsafe(24)]
    for i, password in enumerate(passwords):
        script, env = _job_env(manifest, {("airflow-secrets", AIRFLOW_SIDE_PASSWORD_KEY): password,
                                          ("airflow-airflow-metadata", "connection"): database})
        ran = run_airflow_python(_RUN_JOB_SCRIPT, {**envs["api-server"], **env}, home, V, stdin=script)
        assert ran.returncode == 0, ran.stderr[-3000:]
        assert password not in ran.stdout + ran.stderr
        asked = {"user": "openmetadata", "passwords": {"now": password, "before": passwords[i - 1] if i else "x" * 20}}
        login = run_airflow_python(_LOGIN, {**envs["api-server"], **env}, home, V, stdin=json.dumps(asked))
        got = json.loads([line for line in login.stdout.splitlines() if line.startswith("OMSECRETS-RESULT ")][-1]
                         .split(" ", 1)[1])
        assert got == {"now": 201, "before": 401}, (i, got, login.stderr[-2000:])

