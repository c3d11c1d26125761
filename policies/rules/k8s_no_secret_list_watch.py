"""OMS-K8S-003: nobody may list or watch Secrets (Kyverno restrict-secret-role-verbs), with one exception for list.

``watch`` is forbidden everywhere. ``list`` returns every Secret's value at once: it is forbidden in a ClusterRole
(every namespace, OM's store included), in OM's store namespace (every secret OM stores) and in its keys
namespace (the Fernet and JWT key copies, which no app may read), and in every other namespace but one: the
pipelines namespace of Kubernetes-native ingestion (the ``OpenMetadataSecrets`` component's ``ingestion.namespace``
with ``ingestion.runtime`` ``kubernetes``), in a Role that also grants ``get`` on every Secret there.

Why there: OM's K8sPipelineClient lists one Secret in its health check (``getServiceStatusInternal``, OM
``K8sPipelineClient.java`` @05a8f83fc2c97bcf43bd885da8eb070bc7335eae) and reports the client unhealthy without it,
and OM's UI then disables test connection (``TestConnection.tsx`` @049d8b720f427db58d54c652c716cf6c951de4ed:
``!isAirflowAvailable``, which ``AirflowStatusProvider.tsx`` @4d497f449d6be9fd3bf59cd5215abf280da4b9a3 sets from
the status code). And list shows nothing the Role's ``get`` does not: OM names each pipeline's Secret at run time,
so ``resourceNames`` cannot pin them and get reaches every Secret of the namespace anyway; the namespace holds only
what the server writes there (settings refuse to make it the server's, the store's or the keys').
"""

from omsecrets.components import core
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

ENUMERATING = ("list", "watch")
ROLE_TYPES = u.rbac_types("Role", "ClusterRole")


def namespaces(resources) -> tuple[dict[str, str], set[str]]:
    """``({namespace: why list is forbidden there}, pipelines namespaces)`` from the om-secrets components."""
    forbidden: dict[str, str] = {}
    pipelines: set[str] = set()
    for r in resources:
        if r.resource_type == core.KUBERNETES_STORE_TYPE:
            for key, why in (("namespace", "OM's store namespace: every secret OM stores"),
                             ("keysNamespace", "the keys namespace: the Fernet and JWT key copies no app may read")):
                namespace = u.known_str(u.get(r.props, key))
                if namespace:
                    forbidden[namespace] = why
        elif r.resource_type == core.ENVIRONMENT_TYPE:
            namespace = u.known_str(u.get(r.props, "ingestion", "namespace"))
            if namespace and u.get(r.props, "ingestion", "runtime") == core.KUBERNETES_RUNTIME:
                pipelines.add(namespace)
    return forbidden, pipelines


def where(kind: str, namespace, forbidden: dict[str, str]) -> str:
    if kind == "ClusterRole":
        return "in every namespace (OM's store too)"
    if namespace in forbidden:
        return f"in {namespace!r}, {forbidden[namespace]}"
    return f"in {namespace!r}"


def validate(args, report):
    forbidden, pipelines = namespaces(args.resources)
    for r in u.of_type(args.resources, *ROLE_TYPES):
        kind = u.kind(r.resource_type)
        namespace = u.get(r.props, "metadata", "namespace") if kind == "Role" else None
        rules = u.rbac_rules(r.props)
        # get on every Secret of the namespace: a rule without resourceNames (a ClusterRole has no namespace here)
        reads_every_secret = any("get" in core.rule_verbs(x, "", "secrets") and not x.get("resourceNames") for x in rules)
        listing_allowed = namespace in pipelines and namespace not in forbidden and reads_every_secret
        for i, rule in enumerate(rules):
            verbs = u.as_list(rule.get("verbs"))
            bad = sorted(v for v in verbs if v in ENUMERATING or v == "*")
            if not bad or not u.grants_on_secrets(rule):
                continue
            if listing_allowed and bad == ["list"]:
                continue  # OM's health check, in the namespace the same Role reads Secret by Secret anyway
            report(f"{kind} {r.name} rule #{i} allows {', '.join(bad)} on secrets {where(kind, namespace, forbidden)}",
                   r.urn)


RULE = Rule(
    id="OMS-K8S-003",
    name="k8s-no-secret-list-watch",
    description="No Role or ClusterRole allows list or watch on secrets (that returns every value); only list in the "
    "pipelines namespace of Kubernetes-native ingestion, by a Role that gets every Secret there anyway.",
    level="mandatory",
    remediation="OM reads secrets by name: grant get (ingestion) or create/get/update/delete (server) only; list only "
    "in the pipelines namespace (components.access.k8s_rbac pipeline_server_rules), never in the store or keys "
    "namespace.",
    kind="stack",
    validate=validate,
)
