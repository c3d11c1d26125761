"""OMS-STORE-001: secret names are the ids OpenMetadata computes (``components.conventions``).

The convention (provider, prefix, clusterName) comes from the nearest ancestor component with
those props (a store, or ``OpenMetadataSecrets``), else the first ``OpenMetadataSecrets`` in the
stack, else the policy config. Every Secrets Manager secret and SSM parameter must then be named
``/<prefix>/<cluster>/...`` and every OM store Kubernetes Secret ``<prefix><cluster>-...``, and
rebuilding the id from its parts with ``conventions.secret_id`` must give the same name.
"""

from pulumi_policy.proxy import UnknownValueError

from omsecrets.components import conventions, core
from omsecrets.policies.rule import ENVIRONMENT_TYPE, Rule
from omsecrets.policies.rules import _util as u

SM, SSM = "aws:secretsmanager/secret:Secret", "aws:ssm/parameter:Parameter"
#: A provider of each resource type's store family (every provider of a family builds the same ids).
PROVIDER_FOR = {t: core.providers_in(f)[0] for t, f in ((SM, "aws-sm"), (SSM, "aws-ssm"), (u.K8S_SECRET, "kubernetes"))}


def _convention(props):
    cluster = u.get(props, "clusterName")
    if not isinstance(cluster, str) or not cluster:
        return None
    prefix = u.get(props, "prefix")
    return (prefix if isinstance(prefix, str) else ""), cluster


def stack_convention(args):
    config = args.get_config()
    for r in u.of_type(args.resources, ENVIRONMENT_TYPE):
        found = _convention(r.props)
        if found:
            return found
    return _convention(config)


def is_store_secret(resource) -> bool:
    labels = u.get(resource.props, "metadata", "labels") or {}
    return u.under(resource.urn, u.K8S_STORE) or (
        isinstance(labels, dict) and labels.get("managed-by") == u.OM_STORE_LABELS["managed-by"]
    )


def problem(resource_type: str, name: str, prefix: str, cluster: str) -> str | None:
    """Why ``name`` is not an id OM builds under ``prefix``/``cluster`` (None if it is)."""
    provider = PROVIDER_FOR[resource_type]
    rules = conventions.rules_for(provider)
    if rules.starts_with_separator:
        head = (f"/{prefix}/{cluster}/" if prefix else f"/{cluster}/").lower()
    else:
        head = f"{prefix}{cluster}-".lower()
    if not name.startswith(head) or len(name) == len(head):
        return f"{name!r} does not start with {head!r}"
    parts = name[len(head):].split(rules.separator)
    try:
        rebuilt = conventions.secret_id(provider, parts, prefix=prefix, cluster_name=cluster)
    except conventions.ConventionError as exc:
        return f"{name!r}: {exc}"
    if rebuilt != name:
        return f"{name!r} is not an id OM computes; OM would look for {rebuilt!r}"
    return None


def validate(args, report):
    default = stack_convention(args)
    for r in u.of_type(args.resources, SM, SSM, u.K8S_SECRET):
        try:
            if r.resource_type == u.K8S_SECRET and not is_store_secret(r):
                continue
            found = next((c for c in map(lambda a: _convention(a.props), u.ancestors(r)) if c), default)
            if found is None:
                continue
            prefix, cluster = found
            name = u.get(r.props, "metadata", "name") if r.resource_type == u.K8S_SECRET else u.get(r.props, "name")
        except UnknownValueError:
            continue
        if name is u.UNKNOWN:
            continue
        if not isinstance(name, str) or not name:
            report(f"{r.name} has no explicit name, so OM (prefix {prefix!r}, clusterName {cluster!r}) cannot find it", r.urn)
            continue
        why = problem(r.resource_type, name, prefix, cluster)
        if why:
            report(f"{r.name}: {why} (prefix {prefix!r}, clusterName {cluster!r})", r.urn)


RULE = Rule(
    id="OMS-STORE-001",
    name="store-names-follow-convention",
    description="Secrets Manager, SSM and OM store Kubernetes secrets are named by OpenMetadata's id convention.",
    level="mandatory",
    remediation="Seed secrets through components.stores (SecretStore.seed) or name them with "
    "omsecrets.components.conventions.secret_id(provider, parts, prefix=..., cluster_name=...).",
    kind="stack",
    config_schema={"properties": {"prefix": {"type": "string"}, "clusterName": {"type": "string"}}},
    validate=validate,
)
