"""A real apache-airflow in its own cached virtual environment, for tests: 2.11.2 and 3.3.2.

Each version has its venv outside the repo (default ``~/.cache/om-secrets/airflow-venv-<version>``;
``$OMSECRETS_AIRFLOW_VENV`` moves the 2.11.2 one, ``$OMSECRETS_AIRFLOW3_VENV`` the 3.3.2 one), its own
lock and marker, and is built on first use; a marker file records a completed install (with what was
asked of pip), so a half-built venv or one built with other pins is rebuilt. If the install fails,
tests fail with pip's output, or skip when ``OMSECRETS_SKIP_AIRFLOW=1``.

Every helper takes ``version=``; the default is 2.11.2 (version-2 stacks and every existing caller).
The Airflow 3 helpers (``config_values``, ``mint_task_token``, ``validate_task_token``,
``task_token_round_trip``, ``execution_api_run``) take plain env dicts, default to 3.3.2 and run each
call in a throwaway ``AIRFLOW_HOME`` with sqlite.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

AIRFLOW_VERSION = "2.11.2"  # the default everywhere: version-2 stacks
AIRFLOW3_VERSION = "3.3.2"  # what openmetadata-ingestion 2.0.7.0 pins (apache-airflow-core 3.3.2 + task-sdk 1.3.2)
VERSIONS = (AIRFLOW_VERSION, AIRFLOW3_VERSION)

# Airflow's own constraints files are on GitHub (not reachable here), so each install resolves from PyPI
# alone; pins for what broke since:
# - 2.11.2: cryptography 51 made MultiFernet a Rust class, and Airflow 2.11's get_fernet() sets
#   is_encrypted on it. (3.3.2 wraps it in its own _RealFernet instead: no pin needed there.)
_PINS: dict[str, tuple[str, ...]] = {
    AIRFLOW_VERSION: ("cryptography<51",),
    # 3.3.2 resolves and passes every test here with the newest releases (checked with sqlalchemy 2.1.9,
    # cryptography 51.0.1, starlette 1.10.0, fastapi 0.136.3, pyjwt 2.15.1): nothing had to be pinned.
    AIRFLOW3_VERSION: (),
}
# Providers installed with Airflow. OM's ingestion image keeps the FAB provider (its `airflow users`
# command and auth manager); OM's deps chart pins apache-airflow-providers-fab==2.4.4, which cannot be
# installed with Airflow 3.3.2: it needs flask-appbuilder==4.6.3, which needs SQLAlchemy<1.5, while
# apache-airflow-core 3.3.2 needs sqlalchemy>=2.0.50 (pip: ResolutionImpossible). 3.10.2 is the newest
# FAB provider (flask-appbuilder 5.2.2, SQLAlchemy 2) and the one pip picks for 3.3.2; pinned so the
# venv does not change under the tests.
_PROVIDERS: dict[str, tuple[str, ...]] = {
    AIRFLOW_VERSION: (),
    AIRFLOW3_VERSION: ("apache-airflow-providers-fab==3.10.2",),
}
_VENV_ENV = {AIRFLOW_VERSION: "OMSECRETS_AIRFLOW_VENV", AIRFLOW3_VERSION: "OMSECRETS_AIRFLOW3_VENV"}
PINS = _PINS[AIRFLOW_VERSION]  # the 2.11.2 names, kept for callers of the one-version module
MARKER = ".omsecrets-install-complete"
SECTION = "openmetadata_secrets_manager"
FAB_AUTH_MANAGER = "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
_PIP_TIMEOUT_S = 1800
_CLI_TIMEOUT_S = 300
_install_failure: dict[str, str] = {}


def installed(version: str = AIRFLOW_VERSION) -> dict:
    """What the marker of ``version``'s venv records (the 2.11.2 one is unchanged from before 3.3.2)."""
    _check_version(version)
    spec: dict = {"apache-airflow": version, "pins": list(_PINS[version])}
    if _PROVIDERS[version]:
        spec["providers"] = list(_PROVIDERS[version])
    return spec



def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise ValueError(f"no Airflow venv for version {version!r}; known: {', '.join(VERSIONS)}")


INSTALLED = installed(AIRFLOW_VERSION)  # the 2.11.2 marker, as before


def venv_dir(version: str = AIRFLOW_VERSION) -> Path:
    """Where the venv of Airflow ``version`` is (or will be) cached."""
    _check_version(version)
    configured = os.environ.get(_VENV_ENV[version])
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "om-secrets" / f"airflow-venv-{version}"


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _unavailable(reason: str, version: str) -> None:
    if os.environ.get("OMSECRETS_SKIP_AIRFLOW") == "1":
        pytest.skip(f"OMSECRETS_SKIP_AIRFLOW=1 and Airflow {version} is unavailable: {reason[-1500:]}")
    pytest.fail(f"could not provide apache-airflow=={version}: {reason}", pytrace=False)


def _run_install_step(cmd: list[str], log: list[str]) -> str | None:
    """Run one install step; return its stdout, or None (with the output logged) on failure."""
    log.append("$ " + " ".join(cmd))
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S, env=_clean_environ()
        )
    except subprocess.TimeoutExpired as exc:
        log.append(f"timed out after {exc.timeout}s")
        return None
    log.extend([proc.stdout, proc.stderr])
    return proc.stdout if proc.returncode == 0 else None


def _install(venv: Path, version: str) -> str | None:
    """Build the venv; return None on success, else the reason (with pip's output)."""
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    python = str(_python(venv))
    pip = [python, "-m", "pip", "install", "--retries", "2", "--timeout", "60"]
    log: list[str] = []
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [*pip, "--upgrade", "pip"],
        [*pip, f"apache-airflow=={version}", *_PROVIDERS[version], *_PINS[version]],
        [python, "-c", "import airflow; print(airflow.__version__)"],
    ]
    out = ""
    for step in steps:
        out = _run_install_step(step, log)
        if out is None:
            return "install failed:\n" + "\n".join(log)[-6000:]
    if out.strip() != version:
        return f"venv imports airflow {out.strip()!r}, expected {version}"
    (venv / MARKER).write_text(json.dumps(installed(version)) + "\n")
    return None


def airflow_python(version: str = AIRFLOW_VERSION) -> Path:
    """Ensure the cached venv of Airflow ``version`` exists (build it on first use); return its python."""
    _check_version(version)
    if version in _install_failure:
        _unavailable(_install_failure[version], version)
    venv = venv_dir(version)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = venv / MARKER
        if marker.is_file() and _python(venv).exists():
            if json.loads(marker.read_text()) == installed(version):
                return _python(venv)
        failure = _install(venv, version)
    if failure is not None:
        _install_failure[version] = failure
        _unavailable(failure, version)
    return _python(venv)


def _clean_environ() -> dict[str, str]:
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    return {
        k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k not in drop
    }


def airflow_env(
    home: Path, env: Mapping[str, str] | None = None, version: str = AIRFLOW_VERSION
) -> dict[str, str]:
    """Process environment for an isolated Airflow ``version``: AIRFLOW_HOME, sqlite db, no examples."""
    home = Path(home)
    bin_dir = _python(venv_dir(version)).parent
    base = _clean_environ()
    base.update(
        {
            "PATH": f"{bin_dir}{os.pathsep}{base.get('PATH', '')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        }
    )
    base.update(env or {})
    return base


def _run(
    cmd: list[str], env: Mapping[str, str] | None, home: Path | None, version: str, stdin: str | None = None
) -> subprocess.CompletedProcess:
    python = airflow_python(version)
    throwaway = None
    if home is None:
        throwaway = tempfile.TemporaryDirectory(prefix=f"airflow-{version}-home-")
        home = Path(throwaway.name)
    try:
        Path(home).mkdir(parents=True, exist_ok=True)
        return subprocess.run(
            [str(python.parent / cmd[0]), *cmd[1:]],
            env=airflow_env(home, env, version),
            cwd=home,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=_CLI_TIMEOUT_S,
        )
    finally:
        if throwaway is not None:
            throwaway.cleanup()


def run_airflow(
    args: list[str], env: Mapping[str, str] | None, home: Path | None = None, version: str = AIRFLOW_VERSION
) -> subprocess.CompletedProcess:
    """Run the venv's ``airflow`` CLI with ``args`` in ``home`` (never raises on exit status).

    ``home=None``: a throwaway AIRFLOW_HOME (deleted afterwards), for commands that need no state.
    """
    return _run(["airflow", *args], env, home, version)


def run_airflow_python(
    code: str, env: Mapping[str, str] | None, home: Path | None = None, version: str = AIRFLOW_VERSION,
    stdin: str | None = None,
) -> subprocess.CompletedProcess:
    """Run a Python snippet with the venv's interpreter, in the same environment as run_airflow."""
    return _run(["python", "-c", textwrap.dedent(code)], env, home, version, stdin)


_CONFIG_READER = f"""
import json
from airflow.configuration import conf

section = {SECTION!r}
values = {{}}
if conf.has_section(section):
    values = {{k: conf.get(section, k) for k in conf.getsection(section)}}
print(json.dumps({{section: values, "core": {{"fernet_key": conf.get("core", "fernet_key")}}}}))
"""


def airflow_config_check(
    cfg_text: str, home: Path, env: Mapping[str, str] | None = None, version: str = AIRFLOW_VERSION
) -> dict[str, dict[str, str]]:
    """Write ``cfg_text`` as ``$AIRFLOW_HOME/airflow.cfg`` and read it back with Airflow's parser.

    Returns ``{"openmetadata_secrets_manager": {key: value, ...}, "core": {"fernet_key": ...}}``
    (values as ``conf.get`` returns them; ``AIRFLOW__...`` entries in ``env`` override the file).
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / "airflow.cfg").write_text(cfg_text)
    proc = run_airflow_python(_CONFIG_READER, env, home, version)
    if proc.returncode != 0:
        raise AssertionError(f"Airflow could not read airflow.cfg:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- Airflow 3: the shared secrets

# The options every Airflow 3 component must agree on, and the env variables that set them.
SHARED_SECRET_ENV: dict[tuple[str, str], str] = {
    ("core", "fernet_key"): "AIRFLOW__CORE__FERNET_KEY",
    ("api", "secret_key"): "AIRFLOW__API__SECRET_KEY",
    ("api_auth", "jwt_secret"): "AIRFLOW__API_AUTH__JWT_SECRET",
}
SHARED_SECRET_OPTIONS = tuple(SHARED_SECRET_ENV)
# Airflow 3 logs to stdout (structlog: "<ISO time> [level    ] ..."), also under `config get-value`.
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z \[")


def config_values(
    env: Mapping[str, str], options: Iterable[tuple[str, str]] = SHARED_SECRET_OPTIONS,
    version: str = AIRFLOW3_VERSION,
) -> dict[tuple[str, str], str]:
    """What ``airflow config get-value <section> <key>`` prints for each option under ``env``.

    All options are read in one throwaway AIRFLOW_HOME: the first command writes a fresh airflow.cfg
    (as every ``airflow`` command does when there is none: a generated ``fernet_key`` unless set,
    ``[api] secret_key`` and ``[api_auth] jwt_secret``), so an option ``env`` leaves out reads as that
    home's generated value. Raises AssertionError when the command fails or prints no value (3.3.2
    exits 0 with only a warning for an unknown option).
    """
    values: dict[tuple[str, str], str] = {}
    with tempfile.TemporaryDirectory(prefix=f"airflow-{version}-config-") as home:
        for section, key in options:
            proc = run_airflow(["config", "get-value", section, key], env, Path(home), version)
            lines = [line for line in proc.stdout.splitlines() if not _LOG_LINE.match(line)]
            if proc.returncode != 0 or len(lines) != 1:
                raise AssertionError(
                    f"airflow config get-value {section} {key}: exit {proc.returncode}, "
                    f"{len(lines)} value lines\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
                )
            values[(section, key)] = lines[0]
    return values


@dataclass(frozen=True)
class TokenResult:
    """A task token minted and/or validated by Airflow; ``error`` is ``"<module>.<Exception>: text"``."""

    token: str | None = None
    claims: dict | None = None
    error: str | None = None
    stage: str | None = None  # where it failed: "mint" (scheduler side) or "validate" (api-server side)

    @property
    def ok(self) -> bool:
        return self.error is None


_RESULT = "OMSECRETS-RESULT "
# Both snippets start as `airflow scheduler` / `airflow api-server` do (airflow/__main__.py): write the
# default airflow.cfg if the home has none (a generated jwt_secret unless the env sets one).
_MINT_TASK_TOKEN = f"""
import json, uuid
from airflow.configuration import write_default_airflow_configuration_if_needed
write_default_airflow_configuration_if_needed()
try:
    # What the scheduler does for every task it queues (jobs/scheduler_job_runner.py:
    # workloads.ExecuteTask.make(ti, generator=executor.jwt_generator) -> generate_token(str(ti.id), ...)):
    # the executor's generator is built from [execution_api] jwt_expiration_time / jwt_audience,
    # [api_auth] jwt_issuer and get_signing_args(make_secret_key_if_needed=False) (jwt_secret or key file).
    from airflow.executors.executor_loader import ExecutorLoader
    from airflow.executors.workloads import ExecuteTask

    executor = ExecutorLoader.get_default_executor()
    result = {{"token": ExecuteTask.generate_token(str(uuid.uuid4()), executor.jwt_generator)}}
except Exception as exc:
    result = {{"error": f"{{type(exc).__module__}}.{{type(exc).__qualname__}}: {{exc}}"}}
print({_RESULT!r} + json.dumps(result))
"""

_VALIDATE_TASK_TOKEN = f"""
import json, sys
from airflow.configuration import write_default_airflow_configuration_if_needed
write_default_airflow_configuration_if_needed()
token = sys.stdin.read().strip()
try:
    # The validator the api-server's Execution API registers in its lifespan and JWTBearer uses for
    # every task request (api_fastapi/execution_api/app.py, execution_api/security.py): required
    # claims aud/exp/iat, [execution_api] jwt_audience, get_sig_validation_args(make_secret_key_if_needed=False).
    from airflow.api_fastapi.execution_api.app import _jwt_validator

    result = {{"claims": _jwt_validator().validated_claims(token)}}
except Exception as exc:
    result = {{"error": f"{{type(exc).__module__}}.{{type(exc).__qualname__}}: {{exc}}"}}
print({_RESULT!r} + json.dumps(result))
"""


def _snippet_result(proc: subprocess.CompletedProcess, what: str) -> dict:
    lines = [line for line in proc.stdout.splitlines() if line.startswith(_RESULT)]
    if proc.returncode != 0 or not lines:
        raise AssertionError(f"{what}: exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1][len(_RESULT):])


def mint_task_token(env: Mapping[str, str], version: str = AIRFLOW3_VERSION) -> TokenResult:
    """A task token as the scheduler's executor makes it under ``env`` (throwaway AIRFLOW_HOME)."""
    got = _snippet_result(run_airflow_python(_MINT_TASK_TOKEN, env, None, version), "minting a task token")
    if "error" in got:
        return TokenResult(error=got["error"], stage="mint")
    return TokenResult(token=got["token"])


def validate_task_token(token: str, env: Mapping[str, str], version: str = AIRFLOW3_VERSION) -> TokenResult:
    """Validate ``token`` as the api-server's Execution API does under ``env`` (throwaway AIRFLOW_HOME)."""
    proc = run_airflow_python(_VALIDATE_TASK_TOKEN, env, None, version, stdin=token)
    got = _snippet_result(proc, "validating a task token")
    if "error" in got:
        return TokenResult(token=token, error=got["error"], stage="validate")
    return TokenResult(token=token, claims=got["claims"])


def task_token_round_trip(
    scheduler_env: Mapping[str, str], api_server_env: Mapping[str, str], version: str = AIRFLOW3_VERSION
) -> TokenResult:
    """Mint a task token under the scheduler's env, validate it under the api-server's env.

    Returns the validated claims, or the error and the stage (mint / validate) where Airflow raised it.
    """
    minted = mint_task_token(scheduler_env, version)
    if not minted.ok:
        return minted
    assert minted.token is not None
    return validate_task_token(minted.token, api_server_env, version)


_EXECUTION_API_RUN = f"""
import datetime, json, sys
import jwt

token = sys.stdin.read().strip()
ti_id = jwt.decode(token, options={{"verify_signature": False}})["sub"]
try:
    from fastapi.testclient import TestClient
    from airflow.api_fastapi.app import create_app

    # The api-server's Execution API app, its lifespan (which builds the JWTValidator) included; the
    # request a worker sends first with the workload token the scheduler gave it.
    with TestClient(create_app(apps="execution")) as client:
        response = client.patch(
            f"/execution/task-instances/{{ti_id}}/run",
            headers={{"Authorization": f"Bearer {{token}}"}},
            json={{"state": "running", "hostname": "worker", "unixname": "airflow", "pid": 1,
                   "start_date": datetime.datetime.now(datetime.timezone.utc).isoformat()}},
        )
    result = {{"status": response.status_code, "body": response.json()}}
except Exception as exc:
    result = {{"error": f"{{type(exc).__module__}}.{{type(exc).__qualname__}}: {{exc}}"}}
print({_RESULT!r} + json.dumps(result))
"""


def execution_api_run(token: str, api_server_env: Mapping[str, str], version: str = AIRFLOW3_VERSION) -> dict:
    """Send ``token`` to the api-server's Execution API (in process, no socket) as a worker starting the task.

    In a throwaway AIRFLOW_HOME with a freshly migrated sqlite db under ``api_server_env``; the task
    instance does not exist, so an accepted token gets 404 "Task Instance not found" and a rejected one
    403 "Invalid auth token". Returns ``{"status", "body", "log"}`` (log: the api-server's output, where
    it logs why it rejected the token), or ``{"error", "log"}`` when the app cannot start.
    """
    with tempfile.TemporaryDirectory(prefix=f"airflow-{version}-api-server-") as tmp:
        home = Path(tmp)
        migrate = run_airflow(["db", "migrate"], api_server_env, home, version)
        if migrate.returncode != 0:
            raise AssertionError(f"airflow db migrate: exit {migrate.returncode}\n{migrate.stderr[-3000:]}")
        proc = run_airflow_python(_EXECUTION_API_RUN, api_server_env, home, version, stdin=token)
    got = _snippet_result(proc, "the Execution API request")
    got["log"] = proc.stdout + proc.stderr
    return got
