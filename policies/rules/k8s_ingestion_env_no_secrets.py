"""OMS-K8S-007: nothing secret in ``K8S_EXTRA_ENV_VARS``, the env OM's K8sPipelineClient gives every ingestion pod.

OM writes each ``extraEnvVars`` entry (``KEY:VALUE``) as a literal ``value`` into the pod spec of every Job, CronJob,
OMJob and automation Job it creates in the pipelines namespace (``K8sPipelineClient.java``
@05a8f83fc2c97bcf43bd885da8eb070bc7335eae ``addExtraEnvVars``; it mounts no Secret into them, OM #32258): whoever
reads a Job or a pod there reads the value, and it stays in every finished Job's spec until the TTL removes it. So
wherever the server's env is declared, in a ConfigMap or a Secret alike (the chart puts it in a Secret, om-secrets in
the server's ConfigMap), its entries must not look secret (the checks of OMS-K8S-006, entry by entry). The value is
a JSON list (what the chart and om-secrets write) or OM's comma-separated form.
"""

import json

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

ENV = "K8S_EXTRA_ENV_VARS"


def entries(value: str) -> dict[str, str]:
    """``{KEY: VALUE}`` of an ``extraEnvVars`` text: a JSON list of ``KEY:VALUE``, else comma-separated (OM splits
    each entry once, at its first ``:``)."""
    try:
        items = json.loads(value)
    except ValueError:
        items = value.split(",")
    if not isinstance(items, list):  # a JSON string or number: one entry
        items = [items]
    out = {}
    for item in items:
        key, sep, rest = str(item).strip().partition(":")
        if sep:
            out[key] = rest
    return out


def validate(args, report):
    kind = u.kind(args.resource_type)
    data = dict(u.secret_values(args.props)) if kind == "Secret" else u.get(args.props, "data")
    value = data.get(ENV) if isinstance(data, dict) else None
    if not isinstance(value, str):
        return
    name = u.known_str(u.get(args.props, "metadata", "name")) or args.name
    for what in u.secret_value_findings(entries(value)):
        report(f"{kind} {name}: {ENV} entry {what}; OM writes it as plain text into the pod spec of every ingestion "
               "Job it creates")


RULE = Rule(
    id="OMS-K8S-007",
    name="k8s-ingestion-env-no-secrets",
    description="K8S_EXTRA_ENV_VARS (the env OM puts into every Kubernetes-native ingestion pod spec as plain text) "
    "holds no password, token or key.",
    level="mandatory",
    remediation="Give ingestion pods only non-secret settings (components.app_config.pipelines.extra_env_vars) and "
    "their credentials through the ServiceAccount's workload identity (IRSA, EKS Pod Identity, GKE).",
    kind="resource",
    resource_types=(u.K8S_CONFIG_MAP, u.K8S_SECRET),
    validate=validate,
)
