"""OMS-K8S-008: in the pipelines namespace of Kubernetes-native ingestion only OM's server reads what holds the bot token.

OM's K8sPipelineClient writes each pipeline's workflow config, with the bot's JWT in plain text, into a ConfigMap
(``om-config-<pipeline>``), a Secret (``om-secret-<pipeline>``) and the pod spec of every on-demand Job or OMJob
(``K8sPipelineClient.java`` @05a8f83fc2c97bcf43bd885da8eb070bc7335eae); a managed store does not change that (README:
Kubernetes-native ingestion). So get, list or watch on ConfigMaps, Secrets, Jobs, CronJobs, pods, pod logs, OMJobs
or CronOMJobs there reads the token. The pipelines namespace is the ``OpenMetadataSecrets`` component's
``ingestion.namespace`` with ``ingestion.runtime`` ``kubernetes``; the server is its ``serviceAccounts.openmetadata``.
Every RoleBinding in that namespace and every ClusterRoleBinding is judged by what its role grants (the rules of a
Role or ClusterRole the stack declares, by the access model; the built-in ``cluster-admin``, ``admin``, ``edit`` and
``view`` all read ConfigMaps and pods); a subject other than the server's ServiceAccount reading any of them is a
finding. A role the stack does not declare cannot be judged here.
"""

from omsecrets.components import core
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

#: What holds or shows the bot token in the pipelines namespace: (apiGroup, resource).
EXPOSING = (("", "configmaps"), ("", "secrets"), ("batch", "jobs"), ("batch", "cronjobs"), ("", "pods"), ("", "pods/log"),
            ("pipelines.openmetadata.org", "omjobs"), ("pipelines.openmetadata.org", "cronomjobs"))
READING = frozenset({"get", "list", "watch"})
#: Built-in ClusterRoles that read ConfigMaps and pods in the namespaces they are bound in (or everywhere).
BUILT_IN_READERS = ("cluster-admin", "admin", "edit", "view")
BINDINGS = u.rbac_types("RoleBinding", "ClusterRoleBinding")


def pipelines(resources) -> tuple[set[str], set[tuple[str, str]]]:
    """(pipelines namespaces, the servers' ServiceAccounts as (namespace, name)) of the om-secrets environments."""
    namespaces, servers = set(), set()
    for r in u.of_type(resources, core.ENVIRONMENT_TYPE):
        if u.get(r.props, "ingestion", "runtime") != core.KUBERNETES_RUNTIME:
            continue
        namespace = u.known_str(u.get(r.props, "ingestion", "namespace"))
        if namespace:
            namespaces.add(namespace)
        server = u.known_str(u.get(r.props, "serviceAccounts", "openmetadata"))
        if server:  # "<namespace>/<name>" (without a "/": a name no subject has)
            namespace, _, name = server.partition("/")
            servers.add((namespace, name))
    return namespaces, servers


def role_rules(resources) -> dict[tuple, list]:
    """``{(kind, namespace or None, name): rules}`` of the Roles and ClusterRoles the stack declares."""
    out = {}
    for r in u.of_type(resources, *u.rbac_types("Role", "ClusterRole")):
        kind = u.kind(r.resource_type)
        namespace = u.get(r.props, "metadata", "namespace") if kind == "Role" else None
        out[(kind, namespace, u.get(r.props, "metadata", "name"))] = u.rbac_rules(r.props)
    return out


def readable(rules) -> list[str]:
    """The exposing resources ``rules`` read (get, list or watch)."""
    return [resource for group, resource in EXPOSING if core.rbac_verbs(rules, group, resource) & READING]


def validate(args, report):
    namespaces, servers = pipelines(args.resources)
    if not namespaces:
        return
    roles = role_rules(args.resources)
    for b in u.of_type(args.resources, *BINDINGS):
        kind = u.kind(b.resource_type)
        scope = u.get(b.props, "metadata", "namespace") if kind == "RoleBinding" else None
        where = sorted(namespaces) if scope is None else [scope] if scope in namespaces else []
        ref = u.get(b.props, "roleRef")
        if not where or not isinstance(ref, dict):
            continue
        ref_kind, ref_name = ref.get("kind"), ref.get("name")
        if ref_kind == "ClusterRole" and ref_name in BUILT_IN_READERS:
            reads = [resource for _, resource in EXPOSING]
        else:
            rules = roles.get((ref_kind, scope if ref_kind == "Role" else None, ref_name))
            reads = readable(rules) if rules is not None else []
        if not reads:
            continue
        for subject in u.as_list(u.get(b.props, "subjects")):
            if not isinstance(subject, dict):
                continue
            if subject.get("kind") == "ServiceAccount" and (subject.get("namespace"), subject.get("name")) in servers:
                continue
            report(f"{kind} {b.name} lets {core.subject_label(subject)} read {', '.join(reads)} in the pipelines namespace "
                   f"{', '.join(repr(n) for n in where)}, where OM writes the bot token into ConfigMaps, Secrets and "
                   "Job and pod specs", b.urn)


RULE = Rule(
    id="OMS-K8S-008",
    name="k8s-pipelines-namespace-own",
    description="In the pipelines namespace of Kubernetes-native ingestion only OM's server reads ConfigMaps, Secrets, "
    "Jobs, CronJobs, pods and their logs (they hold the bot token).",
    level="mandatory",
    remediation="Bind nothing but the OM server's ServiceAccount to a role reading those there (components.access."
    "k8s_rbac pipeline_server_rules); give people and tools another namespace, or no read on these resources.",
    kind="stack",
    validate=validate,
)
