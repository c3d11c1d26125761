"""Pure ConfigMap / Secret manifests of what om-secrets delivers to each app's namespace."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from .. import airflow, conventions, jwt
from ..core import AIRFLOW_APP, SERVER_APP, STANDARD_LABELS
from ..settings import Settings
from . import validate
from .airflow import airflow_env
from .refs import (
    AIRFLOW_ACCESS_KEY_ID,
    AIRFLOW_CLIENT_SECRET,
    AIRFLOW_FERNET_KEY,
    AIRFLOW_SECRET_ACCESS_KEY,
    INGESTION_CLIENT_SECRET,
    JWT_KEYS_SECRET,
    PLACEHOLDER,
    SERVER_ACCESS_KEY_ID,
    SERVER_AIRFLOW_PASSWORD,
    SERVER_CLIENT_SECRET,
    SERVER_FERNET_KEY,
    SERVER_SECRET_ACCESS_KEY,
    Value,
    delivery_names,
    plain,
    refs,
)
from .server import server_env

T = TypeVar("T")

# Secret key -> (input that fills it, index in the (id, secret) access key pair).
_SOURCES = {
    SERVER_FERNET_KEY: ("fernet", 0),
    AIRFLOW_FERNET_KEY: ("fernet", 0),
    SERVER_ACCESS_KEY_ID: ("access", 0),
    SERVER_SECRET_ACCESS_KEY: ("access", 1),
    AIRFLOW_ACCESS_KEY_ID: ("access", 0),
    AIRFLOW_SECRET_ACCESS_KEY: ("access", 1),
    SERVER_CLIENT_SECRET: ("client-secret", 0),
    AIRFLOW_CLIENT_SECRET: ("client-secret", 0),
    INGESTION_CLIENT_SECRET: ("client-secret", 0),
    # generated: the shared Airflow secrets, and OM's server's Airflow password on both sides
    **{shared.name: ("generated", 0) for shared in airflow.ALL_SHARED},
    SERVER_AIRFLOW_PASSWORD: ("generated", 0),
    airflow.AIRFLOW_SIDE_PASSWORD_KEY: ("generated", 0),
}
#: Keys a Secret holds for a Job rather than for the app's env: the Airflow user Job reads OM's password.
_JOB_KEYS: dict[str, tuple[str, ...]] = {AIRFLOW_APP: (airflow.AIRFLOW_SIDE_PASSWORD_KEY,)}


def app_env(settings: Settings, app: str) -> dict[str, Value]:
    """All env of ``app`` (``openmetadata``: server_env, ``airflow``: airflow_env)."""
    delivery_names(app)
    return server_env(settings) if app == SERVER_APP else airflow_env(settings)


def app_namespace(settings: Settings, app: str) -> str:
    delivery_names(app)
    return settings.server.namespace if app == SERVER_APP else settings.ingestion.namespace


def config_data(settings: Settings, app: str) -> dict[str, str]:
    """The ConfigMap data: the non-sensitive env of ``app``."""
    return plain(app_env(settings, app))


def secret_keys(settings: Settings, app: str) -> tuple[str, ...]:
    """Keys the Secret of ``app`` must hold, sorted."""
    own = delivery_names(app).secret
    keys = set()
    for name, ref in refs(app_env(settings, app)).items():
        if ref.secret_name != own:
            raise ValueError(f"{name} of {app} refers to Secret {ref.secret_name!r}, not {own!r}")
        keys.add(ref.key)
    return tuple(sorted(keys | set(_JOB_KEYS.get(app, ()))))


def secret_string_data(
    settings: Settings, app: str, fernet_ring: T, access_key: tuple[T, T] | None = None, client_secret: T | None = None,
    generated: Mapping[str, T] | None = None,
) -> dict[str, T]:
    """``stringData`` of ``app``'s Secret from its Fernet ring, (access-key mode) key pair, (Azure
    client-secret mode) the service principal's client secret and the ``generated`` values by key (the
    Airflow shared secrets of its version; OM's server's Airflow password, on both sides).

    Values are opaque (strings in tests, Outputs under Pulumi) and never inspected.
    """
    validate.check_access_keys(settings, {app} if access_key is not None else set(), (app,))
    generated = generated or {}
    out: dict[str, T] = {}
    for key in secret_keys(settings, app):
        source, index = _SOURCES[key]
        if source == "client-secret":
            if client_secret is None:
                raise ValueError(f"{key} of {app}: Azure client-secret mode needs the client secret")
            out[key] = client_secret
        elif source == "generated":
            if key not in generated:
                raise ValueError(f"{key} of {app}: its generated value was not given")
            out[key] = generated[key]
        else:
            out[key] = fernet_ring if source == "fernet" else access_key[index]  # type: ignore[index]
    return out


def labels(app: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Standard labels (which win over ``extra``) plus ``extra``; invalid labels raise ValueError."""
    out = {
        **(extra or {}),
        **STANDARD_LABELS,
        "app.kubernetes.io/component": app,
    }
    problems = [p for k, v in out.items() for p in conventions.label_problems(k, v, where=f"labels.{k}")]
    if problems:
        raise ValueError("; ".join(problems))
    return out


def metadata(settings: Settings, app: str, name: str, extra_labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {"name": name, "namespace": app_namespace(settings, app), "labels": labels(app, extra_labels)}


def config_map_manifest(settings: Settings, app: str, extra_labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(settings, app, delivery_names(app).config_map, extra_labels),
        "data": config_data(settings, app),
    }


def secret_manifest(
    settings: Settings, app: str, string_data: Mapping[str, Any] | None = None, extra_labels: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The Secret of ``app``; without ``string_data`` every value is the ``[secret]`` placeholder."""
    data = dict(string_data) if string_data is not None else {k: PLACEHOLDER for k in secret_keys(settings, app)}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": metadata(settings, app, delivery_names(app).secret, extra_labels),
        "stringData": data,
    }


def jwt_secret_manifest(
    settings: Settings, data: Mapping[str, Any] | None = None, extra_labels: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The Secret only the OM server mounts (``jwt.MOUNT_DIR``): ``data`` holds base64 of the two DER files
    OM reads (``private_key.der``, ``public_key.der``); without ``data`` both are the ``[secret]`` placeholder."""
    files = (jwt.PRIVATE_KEY_FILE, jwt.PUBLIC_KEY_FILE)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": metadata(settings, SERVER_APP, JWT_KEYS_SECRET, extra_labels),
        "data": dict(data) if data is not None else dict.fromkeys(files, PLACEHOLDER),
    }


def manifests(settings: Settings, extra_labels: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """ConfigMap and placeholder Secret for every app, and the JWT keys Secret when the pair is declared."""
    out = []
    for app in settings.apps:
        out += [config_map_manifest(settings, app, extra_labels), secret_manifest(settings, app, None, extra_labels)]
    if settings.jwt.enabled:
        out.append(jwt_secret_manifest(settings, None, extra_labels))
    return out
