"""OMS-AIRFLOW-001: no Airflow user or credential is OM's and the deps chart's default admin/admin.

Any resource: a ``username``/``password`` pair (Helm values such as ``webserver.defaultUser`` or OM's
``pipelineServiceClientConfig.airflow.auth``) whose user or password is ``admin``, an enabled
``defaultUser`` without a password of its own (the deps chart then creates admin/admin), and
``AIRFLOW_USERNAME`` / ``AIRFLOW_PASSWORD`` / ``openmetadata-airflow-password`` set to ``admin`` in a
ConfigMap's or Secret's data or in an env list.
"""

from collections.abc import Mapping, Sequence

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

DEFAULT = "admin"
CREDENTIAL_KEYS = ("AIRFLOW_USERNAME", "AIRFLOW_PASSWORD", "openmetadata-airflow-password")


def _is_default(value) -> bool:
    return isinstance(value, str) and value.strip().lower() == DEFAULT


def _walk(node, path: str):
    """``(path, mapping)`` of every mapping inside ``node``."""
    if isinstance(node, Mapping):
        yield path, node
        for key, child in node.items():
            yield from _walk(child, f"{path}.{key}" if path else str(key))
    elif isinstance(node, Sequence) and not isinstance(node, str):
        for i, child in enumerate(node):
            yield from _walk(child, f"{path}[{i}]")


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def findings(props, resource_type: str) -> list[str]:
    out = []
    for path, node in _walk(u.plain(props), ""):
        for key in ("username", "password", *CREDENTIAL_KEYS):
            if _is_default(node.get(key)):
                out.append(f"{_at(path, key)} is 'admin'")
        if path.endswith("defaultUser") and node.get("enabled") is not False and "password" not in node:
            out.append(f"{path} is enabled without a password of its own (the deps chart's default is admin/admin)")
        if node.get("name") in CREDENTIAL_KEYS and _is_default(node.get("value")):
            out.append(f"{path} sets {node['name']} to 'admin'")
    data = u.get(props, "data") if resource_type == u.K8S_SECRET else None
    for key, value in (data if isinstance(data, dict) else {}).items():
        if key in CREDENTIAL_KEYS and _is_default(u.b64_text(value)):
            out.append(f"data.{key} is 'admin'")
    return sorted(out)


def validate(args, report):
    for what in findings(args.props, args.resource_type):
        report(f"{args.name}: {what}")


RULE = Rule(
    id="OMS-AIRFLOW-001",
    name="airflow-no-default-admin",
    description="No Airflow user or credential is the default admin/admin of OM's and the deps chart's values.",
    level="mandatory",
    remediation="Let om-secrets generate OM's Airflow password (om-secrets:airflow.serverUser, the Airflow user Job) and "
    "disable the chart's default user (webserver.defaultUser.enabled: false, as om-secrets' helmValues.airflow does).",
    kind="resource",
    validate=validate,
)
