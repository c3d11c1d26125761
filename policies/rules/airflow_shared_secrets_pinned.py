"""OMS-AIRFLOW-002: every Airflow component gets the same shared secrets, from one Secret om-secrets declares.

Stack rule over the Airflow Helm values the ``OpenMetadataSecrets`` component renders (its ``helmValues.airflow``
output) for its Airflow version (``airflow.version``): ``fernetKeySecretName`` and, on Airflow 3,
``apiSecretKeySecretName`` and ``jwtSecretName`` (Airflow 2: ``webserverSecretKeySecretName``) are set, so the
chart generates none (it regenerates ``jwt-secret`` on every ``helm upgrade``), each names a Secret of the stack
that holds the chart's key (``fernet-key``, ``api-secret-key``, ``jwt-secret``, ``webserver-secret-key``), and
no literal value (``fernetKey``, ``apiSecretKey``, ``jwtSecret``, ``webserverSecretKey``) or ``env`` entry
(``AIRFLOW__CORE__FERNET_KEY``...) could give one component another value.
"""

from omsecrets.components import airflow, core
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

FERNET = ("fernetKeySecretName", "fernet-key", "AIRFLOW__CORE__FERNET_KEY")
_LITERAL = {"fernetKeySecretName": "fernetKey", "apiSecretKeySecretName": "apiSecretKey", "jwtSecretName": "jwtSecret",
            "webserverSecretKeySecretName": "webserverSecretKey"}


def pinned(version: int) -> list[tuple[str, str, str]]:
    """``(chart value naming the Secret, key in it, env var)`` the chart must not generate, for ``version``."""
    shared = [(s.chart_value, s.name, s.env) for s in airflow.SHARED.get(version, ())]
    return [FERNET, *shared]


def _secret_keys(resources) -> dict[str, set[str] | None]:
    """Secret name -> its data keys (None: not known yet)."""
    out: dict[str, set[str] | None] = {}
    for r in u.of_type(resources, u.K8S_SECRET):
        name = u.known_str(u.get(r.props, "metadata", "name"))
        if not name:
            continue
        keys: set[str] | None = set()
        for field in ("data", "stringData"):
            value = u.get(r.props, field)
            if isinstance(value, dict):
                keys |= set(value)  # type: ignore[operator]
            elif value is u.UNKNOWN:
                keys = None
                break
        out[name] = keys if out.get(name, set()) is not None else None
    return out


def problems(values: dict, version: int, secrets: dict[str, set[str] | None]) -> list[str]:
    out = []
    for chart_value, key, env in pinned(version):
        name = values.get(chart_value)
        if not isinstance(name, str) or not name:
            out.append(f"{chart_value} is not set: the chart generates {key} itself (jwt-secret anew on every "
                       "helm upgrade), so components or upgrades may disagree")
        elif name not in secrets:
            out.append(f"{chart_value} names Secret {name!r}, which the stack does not declare")
        elif secrets[name] is not None and key not in secrets[name]:  # type: ignore[operator]
            out.append(f"{chart_value} names Secret {name!r}, which has no key {key!r}")
        if values.get(_LITERAL[chart_value]) not in (None, ""):
            out.append(f"{_LITERAL[chart_value]} holds a literal value: remove it (the Secret gives every component "
                       "the same one)")
        for entry in u.as_list(values.get("env")):
            if isinstance(entry, dict) and entry.get("name") == env:
                out.append(f"env sets {env}: it would give the components that read env another value")
    return out


def validate(args, report):
    secrets = _secret_keys(args.resources)
    for r in u.of_type(args.resources, core.ENVIRONMENT_TYPE):
        values = u.get(r.props, "helmValues", "airflow")
        version = u.known_int(u.get(r.props, "airflow", "version"))
        if not isinstance(values, dict) or version is None:
            continue
        for problem in problems(values, version, secrets):
            report(f"{r.name}: helmValues.airflow (Airflow {version}): {problem}", r.urn)


RULE = Rule(
    id="OMS-AIRFLOW-002",
    name="airflow-shared-secrets-pinned",
    description="Airflow's shared secrets (Fernet ring; Airflow 3: api secret_key, jwt_secret) come from one declared "
    "Secret for every component, never chart-generated or set per component.",
    level="mandatory",
    remediation="Deploy the Airflow chart with om-secrets' helmValues.airflow unchanged (fernetKeySecretName, "
    "apiSecretKeySecretName, jwtSecretName point at the airflow delivery Secret); set no literal key or env override.",
    kind="stack",
    validate=validate,
)
