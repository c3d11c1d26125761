"""The secrets every component of OM's Airflow must share, per Airflow major version (pure: no Pulumi import).

Airflow 3 (what OM 1.11.2+ and 2.x ship) needs ``[api] secret_key`` (api-server replicas, log serving) and
``[api_auth] jwt_secret`` (the scheduler signs task tokens, the api-server validates them) equal on every
component, besides ``[core] fernet_key``; Airflow 2 needs ``[webserver] secret_key``. The official chart
generates them unless ``<value>SecretName`` points at a Secret the user owns, and regenerates ``jwt-secret``
on every ``helm upgrade``: om-secrets generates each once per environment and delivers it through those
values. OM's server also calls Airflow's API with a user and password (``AIRFLOW_USERNAME`` /
``AIRFLOW_PASSWORD``): the password is generated too.
"""

from __future__ import annotations

from .record import record

VERSIONS: tuple[int, ...] = (2, 3)
DEFAULT_VERSION = 3


@record
class SharedSecret:
    """One generated secret the Airflow components share."""

    name: str  # the generated resource's suffix and the key of the airflow delivery Secret (chart's key name)
    env: str  # the variable Airflow reads it from
    section: str  # airflow.cfg section and option
    option: str
    chart_value: str  # the apache-airflow chart value naming the Secret that holds it
    size: int  # random bytes (base64 in the Secret)
    cost: str  # what replacing it costs (the lifecycle guard says so)

    @property
    def subject(self) -> str:
        """Its key-material subject (``om-secrets:acknowledge``)."""
        return f"airflow.{self.name}"


API_SECRET_KEY = SharedSecret(
    "api-secret-key", "AIRFLOW__API__SECRET_KEY", "api", "secret_key", "apiSecretKeySecretName", 32,
    "log fetching from workers fails (403) and sessions break across api-server replicas until every Airflow "
    "component restarts with the new value")
JWT_SECRET = SharedSecret(
    "jwt-secret", "AIRFLOW__API_AUTH__JWT_SECRET", "api_auth", "jwt_secret", "jwtSecretName", 64,
    "running tasks fail with 'Signature verification failed' until the api-server, scheduler and dag-processor "
    "restart together, and every UI/API token is invalidated")
WEBSERVER_SECRET_KEY = SharedSecret(
    "webserver-secret-key", "AIRFLOW__WEBSERVER__SECRET_KEY", "webserver", "secret_key", "webserverSecretKeySecretName",
    32, "web sessions end and log fetching fails until every Airflow component restarts with the new value")
SHARED: dict[int, tuple[SharedSecret, ...]] = {3: (API_SECRET_KEY, JWT_SECRET), 2: (WEBSERVER_SECRET_KEY,)}
ALL_SHARED: tuple[SharedSecret, ...] = (API_SECRET_KEY, JWT_SECRET, WEBSERVER_SECRET_KEY)

#: OM's server's password for Airflow's API: the suffix of its generated resource and its subject.
SERVER_PASSWORD = "server-password"
SERVER_PASSWORD_SUBJECT = f"airflow.{SERVER_PASSWORD}"
SERVER_PASSWORD_LENGTH = 32
SERVER_PASSWORD_COST = ("OM's server gets 401 from Airflow (no pipeline deploys, runs or status) until the Airflow "
                        "user's password is set to the new one (the Airflow user Job, or `airflow users reset-password`)")
#: The key the Airflow user Job reads the password from in the airflow delivery Secret (the OM chart's name).
AIRFLOW_SIDE_PASSWORD_KEY = "openmetadata-airflow-password"
#: ... and the key the OM server's Secret delivers it under.
SERVER_PASSWORD_KEY = "AIRFLOW_PASSWORD"

#: Chart components that run OM's ingestion code or read the shared secrets, by version.
CHART_COMPONENTS: dict[int, tuple[str, ...]] = {
    3: ("scheduler", "workers", "apiServer", "dagProcessor", "triggerer"),
    2: ("scheduler", "workers", "webserver", "triggerer"),
}


def shared_secrets(version: int) -> tuple[SharedSecret, ...]:
    """The secrets an Airflow ``version`` shares across its components (besides the Fernet ring)."""
    if version not in SHARED:
        raise ValueError(f"Airflow version {version!r} is not supported; supported: {', '.join(map(str, VERSIONS))}")
    return SHARED[version]


def subjects() -> dict[str, str]:
    """``{subject: cost}`` of every Airflow secret om-secrets may generate."""
    return {**{s.subject: s.cost for s in ALL_SHARED}, SERVER_PASSWORD_SUBJECT: SERVER_PASSWORD_COST}
