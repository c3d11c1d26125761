"""OpenMetadata's own ingestion package (``openmetadata-ingestion``) in a cached venv, for tests.

Its full install fails here (a dependency downloads from GitHub), so the venv gets the package with
``--no-deps`` plus the dependencies its secrets readers and generated models import (see
shared reference ``openmetadata-ingestion.md``). Built once at ``$OM_SECRETS_CACHE/om-ingestion-venv-<version>`` (default cache
``~/.cache/om-secrets``), shared with ``e2e/om-ingestion-venv.sh`` (same lock and ``.complete``
marker). Tests skip with the reason when it cannot be installed.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

OM_VERSION = "2.0.7.0"
#: Shared with e2e/om-ingestion-venv.sh: the same venv, lock file and completion marker.
MARKER = ".complete"
LOCK = ".om-ingestion-venv.lock"
_PIP_TIMEOUT_S = 1800
_DEPS = [
    "pydantic>=2.12.5,<3",
    "pydantic-settings>=2.0",
    "boto3~=1.41.5",
    "kubernetes<36",
    "cryptography",
    "pyyaml",
    "cachetools",
    "requests",
    "typing-inspect",
    "sqlalchemy<2.1",
    "email_validator",
    "chardet",
    "sqlparse",
    "antlr4-python3-runtime==4.9.2",
    "cached_property",
    "collate-sqllineage==2.1.7",
    "google-cloud-secret-manager==2.24.0",
    "azure-identity",
    "azure-keyvault-secrets",
    "google_crc32c",
    "tenacity",
    "pytz",
    "tabulate",
    "rich",
    "dsnparse",
    "toml",
    "moto[server]",  # also brings jsonpatch and attrs, which OM's modules import
]
_SMOKE = "from metadata.utils.secrets.secrets_manager_factory import SecretsManagerFactory; print('ok')"
_PIP_QUIET = ["--disable-pip-version-check"]
_failure: str | None = None


def venv_dir() -> Path:
    root = Path(os.environ.get("OM_SECRETS_CACHE", Path.home() / ".cache" / "om-secrets")).expanduser()
    return root / f"om-ingestion-venv-{OM_VERSION}"


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _clean_environ() -> dict[str, str]:
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith(("AWS_", "AZURE_", "GOOGLE_"))}


def _install(venv: Path) -> str | None:
    """Build the venv; None on success, else the reason with pip's output."""
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    python = str(_python(venv))
    pip = [python, "-m", "pip", "install", "-q", "--retries", "2", "--timeout", "60"]
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [*pip, "--no-deps", f"openmetadata-ingestion=={OM_VERSION}"],
        [*pip, *_DEPS],
        [*pip, "--no-deps", "collate-data-diff>=0.11.17"],
        [python, "-c", _SMOKE],
    ]
    log: list[str] = []
    for step in steps:
        log.append("$ " + " ".join(step))
        try:
            proc = subprocess.run(step, capture_output=True, text=True, timeout=_PIP_TIMEOUT_S, env=_clean_environ())
        except subprocess.TimeoutExpired as exc:
            return f"timed out after {exc.timeout}s: {' '.join(step)}"
        log.extend([proc.stdout, proc.stderr])
        if proc.returncode != 0:
            return "install failed:\n" + "\n".join(log)[-4000:]
    (venv / MARKER).touch()
    return None


def om_python() -> Path:
    """The cached venv's python (built on first use); skips the test with the reason if impossible."""
    global _failure
    if os.environ.get("OMSECRETS_SKIP_OM_INGESTION") == "1":
        pytest.skip("OMSECRETS_SKIP_OM_INGESTION=1: OpenMetadata's own readers are not exercised")
    if _failure is not None:
        pytest.skip(f"openmetadata-ingestion=={OM_VERSION} is not installable here: {_failure[-1500:]}")
    venv = venv_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (venv / MARKER).is_file() and _python(venv).exists():
            return _python(venv)
        _failure = _install(venv)
    if _failure is not None:
        pytest.skip(f"openmetadata-ingestion=={OM_VERSION} is not installable here: {_failure[-1500:]}")
    return _python(venv)


def run(script: str, *, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``script`` with the OM venv's python; env is added to a clean environment."""
    python = om_python()
    full = _clean_environ()
    full.update(env or {})
    return subprocess.run([str(python), "-c", script], capture_output=True, text=True, env=full, cwd=cwd, timeout=timeout)
