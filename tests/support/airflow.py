"""A real apache-airflow in its own cached virtual environment, for tests.

The venv lives outside the repo at ``$OMSECRETS_AIRFLOW_VENV`` (default
``~/.cache/om-secrets/airflow-venv-<version>``) and is built once; a marker file records a
completed install, so a half-built venv is rebuilt. If the install fails, tests fail with pip's
output, or skip when ``OMSECRETS_SKIP_AIRFLOW=1``.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

AIRFLOW_VERSION = "2.11.2"
# Airflow's own constraints files are on GitHub (not reachable here); pins for what broke since:
# cryptography 51 made MultiFernet a Rust class, and Airflow 2.11's get_fernet() sets is_encrypted on it.
PINS = ("cryptography<51",)
INSTALLED = {"apache-airflow": AIRFLOW_VERSION, "pins": list(PINS)}
MARKER = ".omsecrets-install-complete"
SECTION = "openmetadata_secrets_manager"
_PIP_TIMEOUT_S = 1800
_CLI_TIMEOUT_S = 300
_install_failure: str | None = None


def venv_dir() -> Path:
    """Where the Airflow venv is (or will be) cached."""
    configured = os.environ.get("OMSECRETS_AIRFLOW_VENV")
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "om-secrets" / f"airflow-venv-{AIRFLOW_VERSION}"


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _unavailable(reason: str) -> None:
    if os.environ.get("OMSECRETS_SKIP_AIRFLOW") == "1":
        pytest.skip(f"OMSECRETS_SKIP_AIRFLOW=1 and Airflow is unavailable: {reason[-1500:]}")
    pytest.fail(f"could not provide apache-airflow=={AIRFLOW_VERSION}: {reason}", pytrace=False)


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


def _install(venv: Path) -> str | None:
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
        [*pip, f"apache-airflow=={AIRFLOW_VERSION}", *PINS],
        [python, "-c", "import airflow; print(airflow.__version__)"],
    ]
    out = ""
    for step in steps:
        out = _run_install_step(step, log)
        if out is None:
            return "install failed:\n" + "\n".join(log)[-6000:]
    if out.strip() != AIRFLOW_VERSION:
        return f"venv imports airflow {out.strip()!r}, expected {AIRFLOW_VERSION}"
    (venv / MARKER).write_text(json.dumps(INSTALLED) + "\n")
    return None


def airflow_python() -> Path:
    """Ensure the cached Airflow venv exists (build it on first use) and return its python."""
    global _install_failure
    if _install_failure is not None:
        _unavailable(_install_failure)
    venv = venv_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = venv / MARKER
        if marker.is_file() and _python(venv).exists():
            if json.loads(marker.read_text()) == INSTALLED:
                return _python(venv)
        _install_failure = _install(venv)
    if _install_failure is not None:
        _unavailable(_install_failure)
    return _python(venv)


def _clean_environ() -> dict[str, str]:
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    return {
        k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k not in drop
    }


def airflow_env(home: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """Process environment for an isolated Airflow: AIRFLOW_HOME, sqlite db, no examples."""
    home = Path(home)
    bin_dir = _python(venv_dir()).parent
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


def run_airflow(
    args: list[str], env: dict[str, str] | None, home: Path
) -> subprocess.CompletedProcess:
    """Run the venv's ``airflow`` CLI with ``args`` in ``home`` (never raises on exit status)."""
    python = airflow_python()
    Path(home).mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(python.parent / "airflow"), *args],
        env=airflow_env(home, env),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=_CLI_TIMEOUT_S,
    )


def run_airflow_python(
    code: str, env: dict[str, str] | None, home: Path
) -> subprocess.CompletedProcess:
    """Run a Python snippet with the venv's interpreter, in the same environment as run_airflow."""
    python = airflow_python()
    Path(home).mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(python), "-c", textwrap.dedent(code)],
        env=airflow_env(home, env),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=_CLI_TIMEOUT_S,
    )


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
    cfg_text: str, home: Path, env: dict[str, str] | None = None
) -> dict[str, dict[str, str]]:
    """Write ``cfg_text`` as ``$AIRFLOW_HOME/airflow.cfg`` and read it back with Airflow's parser.

    Returns ``{"openmetadata_secrets_manager": {key: value, ...}, "core": {"fernet_key": ...}}``
    (values as ``conf.get`` returns them; ``AIRFLOW__...`` entries in ``env`` override the file).
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    (home / "airflow.cfg").write_text(cfg_text)
    proc = run_airflow_python(_CONFIG_READER, env, home)
    if proc.returncode != 0:
        raise AssertionError(f"Airflow could not read airflow.cfg:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
