"""Stack files, planted ``fromConfig`` values and secret values of a preview, shared by the tests.

The ``previewed`` fixture (tests/conftest.py) previews a stack with :func:`planted_keys` planted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import yaml

from omsecrets import engine

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_STACKS = ROOT / "tests" / "fixtures" / "stacks"

#: Known values for every ``fromConfig`` secret of the stacks, planted as secret config.
PLANTED = {
    "redshiftPassword": "PLANTED-redshift-5b8e2f17c4",
    "botToken": "PLANTED-bot-token-91c3d0aa7e",
    "bigqueryKey": "PLANTED-bigquery-key-2f6d8b4c19",
    "nightlyPassword": "PLANTED-nightly-pw-7a0e3c5d62",
    "airflowDbPassword": "PLANTED-airflow-db-e4c19b7f03",
}


def stack_file(stack: str) -> Path:
    """tests/fixtures/stacks/Pulumi.<stack>.yaml if there is one, else the shipped stacks/Pulumi.<stack>.yaml."""
    fixture = FIXTURE_STACKS / f"Pulumi.{stack}.yaml"
    return fixture if fixture.is_file() else ROOT / "stacks" / f"Pulumi.{stack}.yaml"


def stack_file_config(stack: str) -> dict:
    """The ``config:`` of a stack file as written (namespaced keys: ``om-secrets:provider``, ``aws:region``)."""
    return yaml.safe_load(stack_file(stack).read_text())["config"]


def stack_config(stack: str) -> dict:
    """The ``om-secrets:`` keys of a stack file, namespace stripped."""
    raw = stack_file_config(stack)
    return {k.split(":", 1)[1]: v for k, v in raw.items() if k.startswith("om-secrets:")}


def planted_keys(stack: str) -> dict[str, str]:
    """``{config key: PLANTED value}`` for each ``fromConfig`` secret the stack declares."""
    return {s["fromConfig"]: PLANTED[s["fromConfig"]] for s in stack_config(stack).get("secrets", []) if "fromConfig" in s}


def strings_in_secrets(value: Any, inside: bool = False) -> Iterator[str]:
    """Every string held in a secret (``engine.is_secret``) anywhere in ``value``, nested dicts and lists included."""
    if engine.is_secret(value):
        yield from strings_in_secrets(value.get("value"), True)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in_secrets(item, inside)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in_secrets(item, inside)
    elif inside and isinstance(value, str):
        yield value
