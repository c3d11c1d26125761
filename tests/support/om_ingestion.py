"""OpenMetadata's own ingestion package (``openmetadata-ingestion``) in a cached venv, for tests.

Its full install fails here (a dependency downloads from GitHub), so the venv gets the package with
``--no-deps`` plus the dependencies its secrets readers and generated models import (see
shared reference ``openmetadata-ingestion.md``), each pinned as that version's own metadata pins it.
Built once at ``$OM_SECRETS_CACHE/om-ingestion-venv-<version>`` (default cache ``~/.cache/om-secrets``);
the newest one is shared with ``e2e/om-ingestion-venv.sh`` (same lock and ``.complete`` marker). Tests
skip with the reason when it cannot be installed.

The version matrix: :data:`MATRIX` holds the versions the README claims (newest first);
``OMSECRETS_OM_INGESTION_VERSION`` picks which one a run uses (default: the newest). ``.ci/run`` runs the
reader contract tests (``tests/test_om_readers.py``) once per version, so each README claim is a test result.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

#: The ``openmetadata-ingestion`` versions the README's version matrix claims, newest first; CI runs the
#: reader contract tests against each (README "Versions om-secrets targets").
NEWEST = "2.0.7.0"
OLDEST = "1.11.2.0"
MATRIX = (NEWEST, OLDEST)
#: Which version this run uses.
VERSION_ENV = "OMSECRETS_OM_INGESTION_VERSION"
OM_VERSION = os.environ.get(VERSION_ENV) or NEWEST
if OM_VERSION not in MATRIX:
    raise ValueError(f"{VERSION_ENV}={OM_VERSION!r} is not in the version matrix {MATRIX}")
#: Shared with e2e/om-ingestion-venv.sh: the same venv, lock file and completion marker.
MARKER = ".complete"
LOCK = ".om-ingestion-venv.lock"
_PIP_TIMEOUT_S = 1800
#: What OM's secrets readers and generated models import; each gets the version specifier the installed
#: ``openmetadata-ingestion`` itself requires (:func:`pinned`), when it names one.
_DEPS = [
    "pydantic",
    "pydantic-settings",
    "boto3",
    "kubernetes",
    "cryptography",
    "pyyaml",
    "cachetools",
    "requests",
    "typing-inspect",
    "sqlalchemy<2.1",
    "email_validator",
    "chardet",
    "sqlparse",
    "antlr4-python3-runtime",
    "cached_property",
    "collate-sqllineage",
    "google-cloud-secret-manager",
    "azure-identity",
    "azure-keyvault-secrets",
    "google_crc32c",
    "tenacity",
    "pytz",
    "tabulate",
    "rich",
    "dsnparse",
    "toml",
    "httpx",  # OM 1.11's ometa imports its SSE client at import time
    "moto[server]",  # also brings jsonpatch and attrs, which OM's modules import
]
_SMOKE = "from metadata.utils.secrets.secrets_manager_factory import SecretsManagerFactory; print('ok')"
#: Prints the installed package's base requirements (no extras), one a line.
_REQUIRES = ("import importlib.metadata as m\n"
             "print('\\n'.join(r for r in m.requires('openmetadata-ingestion') or [] if 'extra ==' not in r))")


_PIP_QUIET = ["--disable-pip-version-check"]
_failure: str | None = None


def _name(requirement: str) -> str:
    """The canonical project name of a requirement string (``Foo_Bar[x]>=1`` -> ``foo-bar``)."""
    import re

    return re.sub(r"[-_.]+", "-", re.match(r"\s*([A-Za-z0-9._-]+)", requirement).group(1)).lower()


def _split(requirement: str) -> tuple[str, str]:
    """``Foo[x]>=1; marker`` -> (``Foo[x]``, ``>=1``)."""
    import re

    req = requirement.split(";")[0].strip()
    match = re.match(r"\s*([A-Za-z0-9._-]+(?:\[[^\]]*\])?)\s*\(?([^)]*)\)?", req)
    return match.group(1), match.group(2).strip()


def pinned(wanted: list[str], requires: list[str]) -> list[str]:
    """``wanted`` with each name's specifier from ``requires`` (OM's own pins), else its own; extras kept."""
    specs = {_name(base): spec for base, spec in map(_split, requires)}
    out = []
    for w in wanted:
        base, own = _split(w)
        out.append(base + (specs.get(_name(base)) or own))
    return out


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
        "deps",
        [*pip, "--no-deps", "collate-data-diff"],
        [python, "-c", _SMOKE],
    ]
    log: list[str] = []
    requires: list[str] = []
    for step in steps:
        if step == "deps":  # OM's own pins, read from the package just installed
            listed = subprocess.run([python, "-c", _REQUIRES], capture_output=True, text=True, env=_clean_environ())
            requires = listed.stdout.splitlines()
            step = [*pip, *pinned(_DEPS, requires)]
        elif step[-1] == "collate-data-diff":
            step = [*step[:-1], *pinned(["collate-data-diff"], requires)]
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
        _unavailable(f"openmetadata-ingestion=={OM_VERSION} is not installable here: {_failure[-1500:]}")
    venv = venv_dir()
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (venv / MARKER).is_file() and _python(venv).exists():
            return _python(venv)
        _failure = _install(venv)
    if _failure is not None:
        _unavailable(f"openmetadata-ingestion=={OM_VERSION} is not installable here: {_failure[-1500:]}")
    return _python(venv)


#: Set by ``.ci/run`` for the version-matrix runs: a reader venv that cannot be built fails instead of skipping,
#: so a README claim is never a skipped test.
REQUIRE_ENV = "OMSECRETS_REQUIRE_OM_INGESTION"


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def run(
    script: str, *, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: int = 300
) -> subprocess.CompletedProcess:
    """Run ``script`` with the OM venv's python; env is added to a clean environment."""
    python = om_python()
    full = _clean_environ()
    full.update(env or {})
    return subprocess.run([str(python), "-c", script], capture_output=True, text=True, env=full, cwd=cwd, timeout=timeout)


# ---------------------------------------------------------------- OM's readers in a subprocess

#: Run inside the OM venv (``env`` loader) or inside the Airflow venv with OM's packages put first
#: after ``airflow.configuration`` is loaded (``airflow`` loader: OM reads Airflow's real ``conf``).
_READER = r"""
import hashlib, json, os, sys
loader_name = os.environ["OM_LOADER"]
if loader_name == "airflow":
    from airflow.configuration import conf  # Airflow's own parser reads the rendered airflow.cfg
    shared = ("sqlalchemy", "pydantic", "pydantic_core", "typing_extensions", "yaml", "requests", "urllib3",
              "cryptography", "google", "azure", "flask", "attr", "attrs", "certifi", "idna", "charset_normalizer")
    for name in [m for m in sys.modules if m.split(".")[0] in shared]:
        del sys.modules[name]
    sys.path.insert(0, os.environ["OM_SITE_PACKAGES"])
import yaml
from metadata.generated.schema.metadataIngestion.workflow import OpenMetadataWorkflowConfig, WorkflowConfig
from metadata.generated.schema.security.secrets.secretsManagerClientLoader import SecretsManagerClientLoader
from metadata.generated.schema.security.secrets.secretsManagerProvider import SecretsManagerProvider
from metadata.utils.secrets.secrets_manager_factory import SecretsManagerFactory

request = json.loads(sys.stdin.read())
out = {}
with open(os.path.join(request["dir"], "workflow-config.yaml")) as fh:
    rendered = yaml.safe_load(fh)
out["workflow"] = WorkflowConfig.model_validate(rendered["workflowConfig"]).model_dump(mode="json", exclude_none=True)
server = rendered["workflowConfig"]["openMetadataServerConfig"]
provider = SecretsManagerProvider(server["secretsManagerProvider"])
loader = SecretsManagerClientLoader(loader_name)
if request.get("credentials"):
    from metadata.utils.secrets import azure_kv_secrets_manager, gcp_secrets_manager
    module = {"azure-kv": azure_kv_secrets_manager, "managed-azure-kv": azure_kv_secrets_manager,
              "gcp": gcp_secrets_manager}[provider.value]
    creds = module.secrets_manager_client_loader.registry[loader.value]()
    out["credentials"] = None if creds is None else json.loads(creds.model_dump_json(exclude_none=True))
    secret = getattr(creds, "clientSecret", None)
    out["clientSecretSha256"] = hashlib.sha256(secret.get_secret_value().encode()).hexdigest() if secret else None
if request.get("manager"):  # the manager OM builds from that config; no call reaches a backend
    manager = SecretsManagerFactory(provider, loader).get_secrets_manager()
    creds = manager.credentials
    facts = {"class": type(manager).__name__,
             "credentials": None if creds is None else json.loads(creds.model_dump_json(exclude_none=True))}
    client = getattr(manager, "client", None)
    if client is not None:  # Azure: the SecretClient and the credential OM chose
        facts["vaultUrl"] = client.vault_url
        facts["credential"] = type(client._client._config.credential).__name__
    out["manager"] = facts
if request.get("ids"):
    manager = SecretsManagerFactory(provider, loader).get_secrets_manager()
    out["values"] = {i: hashlib.sha256(manager.get_string_value(i).encode()).hexdigest() for i in request["ids"]}
    # the path OM itself takes for a "secret:" password field
    from metadata.generated.schema.entity.services.connections.database.common.basicAuth import BasicAuth
    first = request["ids"][0]
    password = BasicAuth(password="secret:" + first).password.get_secret_value()
    out["customSecretStr"] = hashlib.sha256(password.encode()).hexdigest()
sys.stdout.write("\nOM-READER-RESULT " + json.dumps(out) + "\n")
sys.stdout.flush()
os._exit(0)
"""


def site_packages(python: Path) -> str:
    return str(next((python.parent.parent / "lib").glob("python3*/site-packages")))


def read(out_dir: Path, *, loader: str, env: dict[str, str], ids=(), credentials: bool = False,
         manager: bool = False) -> dict:
    """Run OM's own reader on the files in ``out_dir``; returns what it parsed and (hashed) read.

    ``credentials``: what OM's loader function for the provider returns (client secret as SHA-256);
    ``manager``: the manager ``SecretsManagerFactory`` builds (class, credentials, Azure vault URL and
    credential class), without calling a backend.

    ``env`` is the process environment on top of a clean one (the rendered env file's variables,
    endpoints); with ``loader="airflow"`` it runs under the cached Airflow venv with
    ``AIRFLOW_HOME`` holding the rendered ``airflow.cfg``.
    """
    import json

    om = om_python()
    full = _clean_environ()
    full = {k: v for k, v in full.items() if not k.startswith("AIRFLOW")}
    full.update(env)
    full["OM_LOADER"] = loader
    python = om
    if loader == "airflow":
        from . import airflow as airflow_support

        python = airflow_support.airflow_python()
        full["OM_SITE_PACKAGES"] = site_packages(om)
        full.setdefault("AIRFLOW_HOME", str(out_dir))
        full.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{out_dir}/airflow.db")
        full.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    request = json.dumps({"dir": str(out_dir), "ids": list(ids), "credentials": credentials, "manager": manager})
    proc = subprocess.run(
        [str(python), "-c", _READER], input=request, capture_output=True, text=True, env=full, cwd=out_dir, timeout=600
    )
    marker = [line for line in proc.stdout.splitlines() if line.startswith("OM-READER-RESULT ")]
    if proc.returncode != 0 or not marker:
        raise AssertionError(f"OM's reader failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(marker[-1].split(" ", 1)[1])


def env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a rendered env file (comments skipped)."""
    out = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value
    return out
