"""Fernet key rotation against a real Airflow, 2.11.2 and 3.3.2 (see tests/support/airflow.py).

Documented flow: ring [k1] -> [k2, k1] + `airflow rotate-fernet-key` -> [k2].
"""

from __future__ import annotations

import json
import secrets
import shutil
import sqlite3
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken

from omsecrets.components.fernet import KeyRing, generate_key, rotation_problems
from tests.support.airflow import VERSIONS, airflow_config_check, run_airflow, run_airflow_python

pytestmark = pytest.mark.airflow

CONN_ID = "omsecrets_rotation"
VAR_KEY = "omsecrets_rotation_var"
CFG_KEY = "om-secrets:fernet.airflow"

_READ_BACK = f"""
import json
from airflow.hooks.base import BaseHook
from airflow.models import Variable

conn = BaseHook.get_connection({CONN_ID!r})
print(json.dumps({{"password": conn.password, "extra": conn.extra}}))
"""
# Airflow 3: airflow.hooks.base.BaseHook is the Task SDK's, which reads connections through the Execution
# API inside a task and never from the metadata DB; the server-side components (api-server, scheduler,
# triggerer, CLI) resolve them with airflow.models.Connection (secrets backends, then the metastore).
# 3.3.2 logs a backend's exception at DEBUG only, so on failure the metastore backend's own error is shown.
_READ_BACK_3 = f"""
import json, sys
from airflow.models import Connection
from airflow.secrets.metastore import MetastoreBackend

try:
    conn = Connection.get_connection_from_secrets({CONN_ID!r})
except Exception:
    try:
        MetastoreBackend().get_connection({CONN_ID!r}).password
    except Exception as exc:
        print(f"metastore backend: {{type(exc).__module__}}.{{type(exc).__qualname__}}", file=sys.stderr)
    raise
print(json.dumps({{"password": conn.password, "extra": conn.extra}}))
"""
READ_BACK = {"2.11.2": _READ_BACK, "3.3.2": _READ_BACK_3}

_READ_VARIABLE = f"""
import json
from airflow.models import Variable

print(json.dumps(Variable.get({VAR_KEY!r}, default_var="<missing>")))
"""


def _env(ring: KeyRing) -> dict[str, str]:
    return {"AIRFLOW__CORE__FERNET_KEY": ring.value}


def _ok(proc) -> str:
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


def _raw_row(home: Path) -> tuple[str, str, str]:
    with sqlite3.connect(home / "airflow.db") as db:
        password, extra = db.execute(
            "SELECT password, extra FROM connection WHERE conn_id = ?", (CONN_ID,)
        ).fetchone()
        (val,) = db.execute("SELECT val FROM variable WHERE key = ?", (VAR_KEY,)).fetchone()
    return password, extra, val


@pytest.fixture(scope="module", params=VERSIONS)
def version(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory, version) -> Path:
    """One migrated sqlite db (no encrypted rows) per Airflow version, copied into every test's AIRFLOW_HOME."""
    home = tmp_path_factory.mktemp(f"airflow-template-{version}")
    _ok(run_airflow(["db", "migrate"], _env(KeyRing([generate_key()])), home, version))
    return home / "airflow.db"


@pytest.fixture
def stage1(tmp_path, migrated_db, version):
    """AIRFLOW_HOME with a connection and a variable stored under ring [k1]."""
    home = tmp_path / "airflow"
    home.mkdir()
    shutil.copy(migrated_db, home / "airflow.db")
    k1, k2 = generate_key(), generate_key()
    secret = {
        "password": "p" + secrets.token_urlsafe(24),  # never starts with '-' (argparse)
        "extra": json.dumps({"token": secrets.token_urlsafe(16)}),
        "variable": "v" + secrets.token_urlsafe(16),
    }
    ring1 = KeyRing([k1])
    assert rotation_problems([1], None, key=CFG_KEY) == []
    _ok(run_airflow(
        ["connections", "add", CONN_ID, "--conn-type", "postgres", "--conn-host", "db.internal",
         "--conn-login", "om", f"--conn-password={secret['password']}",
         f"--conn-extra={secret['extra']}"],
        _env(ring1), home, version,
    ))
    _ok(run_airflow(["variables", "set", VAR_KEY, secret["variable"]], _env(ring1), home, version))

    password, extra, val = _raw_row(home)
    assert secret["password"] not in password
    assert Fernet(k1).decrypt(password.encode()).decode() == secret["password"]
    assert Fernet(k1).decrypt(extra.encode()).decode() == secret["extra"]
    assert Fernet(k1).decrypt(val.encode()).decode() == secret["variable"]
    return home, k1, k2, secret


def test_rotate_fernet_key_keeps_values_when_old_key_is_dropped(stage1, version):
    home, k1, k2, secret = stage1

    ring2 = KeyRing([k2, k1])
    assert rotation_problems([2, 1], None, key=CFG_KEY) == []
    _ok(run_airflow(["rotate-fernet-key"], _env(ring2), home, version))
    password, extra, val = _raw_row(home)
    assert Fernet(k2).decrypt(password.encode()).decode() == secret["password"]
    assert Fernet(k2).decrypt(val.encode()).decode() == secret["variable"]
    with pytest.raises(InvalidToken):
        Fernet(k1).decrypt(extra.encode())

    ring3 = KeyRing([k2])
    assert rotation_problems([2], 2, key=CFG_KEY) == []
    conn = json.loads(_ok(run_airflow_python(READ_BACK[version], _env(ring3), home, version)).splitlines()[-1])
    assert conn == {"password": secret["password"], "extra": secret["extra"]}
    variable = json.loads(_ok(run_airflow_python(_READ_VARIABLE, _env(ring3), home, version)).splitlines()[-1])
    assert variable == secret["variable"]
    cli = json.loads(_ok(run_airflow(["connections", "get", CONN_ID, "-o", "json"], _env(ring3), home, version)))
    assert cli[0]["password"] == secret["password"]


def test_dropping_old_key_without_rotation_loses_values(stage1, version):
    home, k1, k2, secret = stage1

    ring2 = KeyRing([k2, k1])
    conn = json.loads(_ok(run_airflow_python(READ_BACK[version], _env(ring2), home, version)).splitlines()[-1])
    assert conn["password"] == secret["password"]

    ring3 = KeyRing([k2])
    assert rotation_problems([2], None, key=CFG_KEY) != []
    failed = run_airflow_python(READ_BACK[version], _env(ring3), home, version)
    output = failed.stdout + failed.stderr  # Airflow logs to stdout
    assert failed.returncode != 0
    assert "cryptography.fernet.InvalidToken" in output
    assert f"conn_id `{CONN_ID}` isn't defined" in output  # how Airflow reports the lost row
    assert secret["password"] not in output
    variable = json.loads(_ok(run_airflow_python(_READ_VARIABLE, _env(ring3), home, version)).splitlines()[-1])
    assert variable == "<missing>"


@pytest.mark.parametrize("version", VERSIONS)
def test_airflow_config_check_reads_a_fragment_back(tmp_path, version):
    key = generate_key()
    ring = KeyRing([key, generate_key()])
    fragment = f"""\
[core]
fernet_key = {ring.value}
load_examples = False

[openmetadata_secrets_manager]
aws_region = eu-west-1
kubernetes_namespace = openmetadata
kubernetes_in_cluster = true
"""
    got = airflow_config_check(fragment, tmp_path / "airflow", version=version)
    assert got["core"]["fernet_key"] == ring.value
    assert KeyRing.parse(got["core"]["fernet_key"]) == ring
    section = got["openmetadata_secrets_manager"]
    assert section["aws_region"] == "eu-west-1"
    assert section["kubernetes_namespace"] == "openmetadata"
    assert section["kubernetes_in_cluster"] == "true"

    override = airflow_config_check(
        fragment, tmp_path / "airflow",
        env={"AIRFLOW__OPENMETADATA_SECRETS_MANAGER__AWS_REGION": "us-east-2"}, version=version,
    )
    assert override["openmetadata_secrets_manager"]["aws_region"] == "us-east-2"


@pytest.mark.parametrize("version", VERSIONS)
def test_airflow_config_check_without_section(tmp_path, version):
    got = airflow_config_check("[core]\nload_examples = False\n", tmp_path / "airflow", version=version)
    assert got == {"openmetadata_secrets_manager": {}, "core": {"fernet_key": ""}}
