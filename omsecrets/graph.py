"""The access graph of a preview: the declared resources and who can read or write which secrets.

Components become clusters. Access edges are what ``components.core``'s access model finds in what
the program declared: the IAM policies attached to roles and users (``core.iam_access``) and the RBAC
Roles bound to ServiceAccounts (``core.rbac_access``); delivery edges from the Secrets labelled ``app.kubernetes.io/component``
to that app. Drawing it (DOT, Mermaid, SVG) and ``preview --graph`` are ``omsecrets.graph_draw``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Optional

from omsecrets import engine
from omsecrets.components import core
from omsecrets.render import object_metadata

COLUMNS = ("workloads", "identities", "policies / roles", "stores / secrets", "generated values", "apps")
WORKLOAD, IDENTITY, POLICY, SECRET, OTHER, APP = range(len(COLUMNS))

SM_SECRET = "aws:secretsmanager/secret:Secret"
SSM_PARAMETER = "aws:ssm/parameter:Parameter"
K8S_SECRET = "kubernetes:core/v1:Secret"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
IAM_ROLE, IAM_USER = "aws:iam/role:Role", "aws:iam/user:User"
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
AZ_SECRET = "azure-native:keyvault:Secret"
AZ_VAULT = "azure-native:keyvault:Vault"
AZ_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
AZ_ROLE = "azure-native:authorization:RoleDefinition"
AZ_IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
GCP_SECRET = "gcp:secretmanager/secret:Secret"
GCP_MEMBER = "gcp:projects/iAMMember:IAMMember"
GCP_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"
GCP_ACCOUNT = "gcp:serviceaccount/account:Account"
SECRET_TYPES = (SM_SECRET, SSM_PARAMETER, K8S_SECRET, AZ_SECRET, GCP_SECRET)
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
APP_LABEL = "app.kubernetes.io/component"

#: Packages whose resources generate key material (drawn as generated values).
GENERATORS = ("random:", "tls:")
KMS_KEY, KMS_ALIAS = "aws:kms/key:Key", "aws:kms/alias:Alias"
ACCESS_KEY = "aws:iam/accessKey:AccessKey"
# Drawn as edges or folded into another box, not as boxes of their own.
HIDDEN = ("aws:secretsmanager/secretVersion:SecretVersion", "gcp:secretmanager/secretVersion:SecretVersion",
          "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
          RBAC + "RoleBinding", RBAC + "ClusterRoleBinding",
          "aws:iam/userPolicyAttachment:UserPolicyAttachment", KMS_ALIAS, "kubernetes:core/v1:Namespace",
          "aws:eks/podIdentityAssociation:PodIdentityAssociation", "pulumi:providers:aws")
K8S_JOB = "kubernetes:batch/v1:Job"
_TYPE_COLUMNS = {
    K8S_JOB: APP,
    IAM_ROLE: IDENTITY, IAM_USER: IDENTITY, SERVICE_ACCOUNT: WORKLOAD, ACCESS_KEY: IDENTITY,
    "aws:iam/policy:Policy": POLICY, "aws:iam/rolePolicyAttachment:RolePolicyAttachment": POLICY,
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": POLICY, "aws:iam/rolePolicy:RolePolicy": POLICY,
    "aws:iam/userPolicy:UserPolicy": POLICY, "aws:eks/podIdentityAssociation:PodIdentityAssociation": POLICY,
    RBAC + "Role": POLICY, RBAC + "RoleBinding": POLICY, RBAC + "ClusterRole": POLICY,
    RBAC + "ClusterRoleBinding": POLICY, SM_SECRET: SECRET, "aws:secretsmanager/secretVersion:SecretVersion": SECRET,
    SSM_PARAMETER: SECRET, K8S_SECRET: SECRET, "kubernetes:core/v1:ConfigMap": SECRET,
    "aws:kms/key:Key": SECRET, "aws:kms/alias:Alias": SECRET,
    AZ_IDENTITY: IDENTITY, GCP_ACCOUNT: IDENTITY, AZ_ASSIGNMENT: POLICY, AZ_ROLE: POLICY, GCP_MEMBER: POLICY,
    GCP_ROLE: POLICY, "gcp:serviceaccount/iAMMember:IAMMember": POLICY,
    "azure-native:managedidentity:FederatedIdentityCredential": POLICY,
    AZ_SECRET: SECRET, AZ_VAULT: SECRET, GCP_SECRET: SECRET, "gcp:secretmanager/secretVersion:SecretVersion": SECRET,
}
# Resources that give a role or user a policy -> the input naming that role or user.
_HOLDER_INPUT = {"aws:iam/rolePolicyAttachment:RolePolicyAttachment": "role", "aws:iam/rolePolicy:RolePolicy": "role",
                 "aws:iam/userPolicyAttachment:UserPolicyAttachment": "user", "aws:iam/userPolicy:UserPolicy": "user"}


# --------------------------------------------------------------------------- model


@dataclasses.dataclass(frozen=True)
class Node:
    id: str
    lines: tuple[str, ...]
    column: int
    cluster: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Cluster:
    id: str
    label: str
    parent: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str
    kind: str  # access, delivery or link


@dataclasses.dataclass
class Graph:
    title: str
    nodes: list[Node]
    clusters: list[Cluster]
    edges: list[Edge]

    def node(self, node_id: str) -> Optional[Node]:
        return next((n for n in self.nodes if n.id == node_id), None)

    def label_of(self, element_id: str) -> str:
        """One-line label of a node or cluster."""
        node = self.node(element_id)
        if node is not None:
            return " ".join(node.lines)
        return next(c.label for c in self.clusters if c.id == element_id)


def access_label(read: bool, write: bool) -> str:
    return "read/write" if read and write else "write" if write else "read"


def short_type(type_token: str) -> str:
    """``aws iam Role``, ``k8s Secret``, ``random RandomBytes``, ``OpenMetadataSecrets``."""
    package, _, rest = type_token.partition(":")
    module, _, kind = rest.partition(":")
    if package == "kubernetes":
        return f"k8s {kind}"
    if package == "aws":
        return f"aws {module.split('/')[0]} {kind}"
    if package in ("random", "pulumi"):
        return f"{package} {kind}"
    if package in ("azure-native", "gcp"):
        return f"{'azure' if package == 'azure-native' else 'gcp'} {kind}"
    return kind or type_token


def _column(type_token: str) -> int:
    if type_token in _TYPE_COLUMNS:
        return _TYPE_COLUMNS[type_token]
    return OTHER


def _detail(resource: engine.CapturedResource) -> Optional[str]:
    if resource.type.startswith("kubernetes:"):
        meta = object_metadata(resource)
        return f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else str(meta["name"])
    if resource.type in (SM_SECRET, SSM_PARAMETER):
        name = engine.plain(resource.state.get("name"))
        return name if isinstance(name, str) else None
    if resource.type in (AZ_SECRET, GCP_SECRET):
        name = engine.plain(resource.inputs.get("secretName" if resource.type == AZ_SECRET else "secretId"))
        return name if isinstance(name, str) else None
    return None


def _kms_aliases(result: engine.PreviewResult) -> dict[str, str]:
    """KMS key urn -> its alias name (the alias box is folded into the key's)."""
    keys = {str(_text(k.state.get(f))): k.urn for k in result.by_type(KMS_KEY) for f in ("id", "keyId", "arn")
            if k.state.get(f) is not None}
    out = {}
    for alias in result.by_type(KMS_ALIAS):
        urn = keys.get(str(_text(alias.inputs.get("targetKeyId"))))
        if urn:
            out[urn] = str(_text(alias.inputs.get("name")))
    return out


# --------------------------------------------------------------------------- access derivation


def _text(value: Any) -> Any:
    return engine.plain(value, show_secrets=True)


def _listed(value: Any) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _document(value: Any) -> dict:
    text = _text(value)
    try:
        document = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def read_write(kinds: Iterable[str]) -> tuple[bool, bool]:
    """(read, write) of a set of ``core.ACCESS_KINDS``: deleting counts as writing in the picture."""
    kinds = set(kinds)
    return core.READ in kinds, bool(kinds & {core.WRITE, core.DELETE})


class _Builder:
    """Collects nodes, clusters and edges from one preview."""

    def __init__(self, result: engine.PreviewResult):
        self.result = result
        self.parent_of = {r.urn: r.parent for r in result.resources}
        resources = sorted(result.resources, key=lambda r: (r.type, r.name, r.urn))
        shown = [r for r in resources if r.type not in HIDDEN]
        visible = {r.urn for r in shown if r.custom}
        for r in shown:  # a component is drawn when something below it is
            if r.urn in visible:
                parent = r.parent
                while parent in self.parent_of and parent not in visible:
                    visible.add(parent)
                    parent = self.parent_of[parent]
        self.clusters = {r.urn: Cluster(f"c{i}", f"{short_type(r.type)} {r.name}")
                         for i, r in enumerate((r for r in resources if not r.custom), 1) if r.urn in visible}
        self.clusters = {urn: dataclasses.replace(c, parent=self._cluster_of(urn)) for urn, c in self.clusters.items()}
        aliases = _kms_aliases(result)
        self.nodes = {r.urn: Node(f"n{i}", self._lines(r, aliases.get(r.urn)), _column(r.type), self._cluster_of(r.urn))
                      for i, r in enumerate((r for r in resources if r.custom), 1) if r.type not in HIDDEN}
        self.extra: dict[str, Node] = {}
        self.edges: set[Edge] = set()

    def _cluster_of(self, urn: str) -> Optional[str]:
        cluster = self.clusters.get(self.parent_of.get(urn) or "")
        return cluster.id if cluster else None

    @staticmethod
    def _lines(resource: engine.CapturedResource, detail: Optional[str] = None) -> tuple[str, ...]:
        detail = detail or _detail(resource)
        lines = (short_type(resource.type), resource.name)
        return lines + (detail,) if detail and detail != resource.name else lines

    def synthetic(self, key: str, lines: tuple[str, ...], column: int) -> str:
        node_id = re.sub(r"[^A-Za-z0-9_]", "_", key)
        self.extra.setdefault(node_id, Node(node_id, lines, column))
        return node_id

    def link(self, source: str, target: str, label: str, kind: str = "link") -> None:
        self.edges.add(Edge(source, target, label, kind))

    def graph(self) -> Graph:
        title = f"{self.result.project} / {self.result.stack}: who can read or write which secrets"
        nodes = list(self.nodes.values()) + [self.extra[k] for k in sorted(self.extra)]
        linked = {e.source for e in self.edges} | {e.target for e in self.edges}
        idle = [n for n in nodes if n.lines[0] == short_type(SERVICE_ACCOUNT) and n.id not in linked]
        if idle:  # no access and no role to assume: said in the title rather than drawn unconnected
            title += f" ({len(idle)} ServiceAccount(s) without secret access not drawn)"
            nodes = [n for n in nodes if n not in idle]
            used = {n.cluster for n in nodes}
            self.clusters = {u: c for u, c in self.clusters.items()
                             if c.id in used or any(o.parent == c.id for o in self.clusters.values())}
        edges = sorted(self.edges, key=lambda e: (e.kind, e.source, e.target, e.label))
        return Graph(title, nodes, sorted(self.clusters.values(), key=lambda c: int(c.id[1:])), edges)


def _by_state(result: engine.PreviewResult, types: Iterable[str], key: str) -> dict[str, engine.CapturedResource]:
    return {_text(r.state.get(key)): r for r in result.resources if r.type in types and r.state.get(key) is not None}


def aws_grants(result: engine.PreviewResult) -> list[tuple[engine.CapturedResource, engine.CapturedResource, dict]]:
    """(identity, policy resource, document) for every policy attached to, or inline in, a role or user."""
    policies = _by_state(result, ["aws:iam/policy:Policy"], "arn")
    holders = {"role": _by_state(result, [IAM_ROLE], "name"), "user": _by_state(result, [IAM_USER], "name")}
    out = []
    for r in result.resources:
        kind = _HOLDER_INPUT.get(r.type)
        identity = holders[kind].get(_text(r.inputs.get(kind))) if kind else None
        if identity is None:
            continue
        policy = policies.get(_text(r.inputs.get("policyArn"))) if "Attachment" in r.type else r
        if policy is not None:
            out.append((identity, policy, _document(policy.inputs.get("policy"))))
    return out


def _grant(access: dict, key: tuple[str, str], kinds: Iterable[str]) -> None:
    kinds = frozenset(kinds)
    if kinds:
        access[key] = access.get(key, core.NO_ACCESS) | kinds


def _aws_edges(b: _Builder) -> dict[tuple[str, str], frozenset[str]]:
    """{(identity node id, secret or KMS key urn): (read, write)} from all the policies of each role and user."""
    secrets = [r for r in b.result.resources if r.type in (SM_SECRET, SSM_PARAMETER, KMS_KEY)]
    documents: dict[str, list[dict]] = defaultdict(list)
    for identity, policy, document in aws_grants(b.result):
        source = b.nodes[identity.urn].id
        b.link(source, b.nodes[policy.urn].id, "attached")
        documents[source].append(document)
    access: dict[tuple[str, str], frozenset[str]] = {}
    arns = {secret.urn: str(_text(secret.state.get("arn"))) for secret in secrets}
    for source, docs in documents.items():
        found = core.iam_access(docs, arns.values())
        for urn, arn in arns.items():
            _grant(access, (source, urn), found[arn])
    return access


def _namespaced(resource: engine.CapturedResource) -> tuple[str, str]:
    meta = object_metadata(resource)
    return meta.get("namespace") or "default", meta["name"]


def _subject_id(b: _Builder, subject: dict, accounts: dict) -> Optional[str]:
    kind, name, namespace = subject.get("kind"), subject.get("name"), subject.get("namespace")
    found = accounts.get((namespace, name)) if kind == "ServiceAccount" else None
    if found is not None:
        return b.nodes[found.urn].id
    if not kind or not name:
        return None
    where = f"{namespace}/{name}" if namespace else str(name)
    return b.synthetic(f"ext_{kind}_{where}", (f"k8s {kind} (not declared)", where), IDENTITY)


def _role_bindings(result: engine.PreviewResult) -> list[tuple[Optional[str], engine.CapturedResource, list[dict], list]]:
    """``(scope, role, rules, subjects)`` of every RoleBinding (scope: its namespace) and ClusterRoleBinding (scope
    None: every namespace) whose Role or ClusterRole the preview declares."""
    meta = _namespaced
    roles = {("Role",) + meta(r): r for r in result.by_type(RBAC + "Role")}
    roles.update({("ClusterRole", None, meta(r)[1]): r for r in result.by_type(RBAC + "ClusterRole")})
    out = []
    for binding in result.by_type(RBAC + "RoleBinding") + result.by_type(RBAC + "ClusterRoleBinding"):
        scope = meta(binding)[0] if binding.type.endswith(":RoleBinding") else None
        ref = _text(binding.inputs.get("roleRef")) or {}
        role = roles.get((ref.get("kind"), scope if ref.get("kind") == "Role" else None, ref.get("name")))
        if role is None:
            continue
        rules = [r for r in _listed(_text(role.inputs.get("rules"))) if isinstance(r, dict)]
        out.append((scope, role, rules, [s for s in _listed(_text(binding.inputs.get("subjects"))) if isinstance(s, dict)]))
    return out


def rbac_grants(result: engine.PreviewResult, namespace: str, api_group: str, resource: str,
                name: Optional[str] = None) -> dict[str, frozenset[str]]:
    """``{subject: verbs}``: what every subject the preview's RoleBindings and ClusterRoleBindings name may do to
    ``resource`` (``pods/log`` for a subresource) of ``api_group`` in ``namespace`` (``name``: one object), by the
    core access model (``core.rbac_verbs``). Subjects are ``core.subject_label``s; only those granted some verb appear."""
    out: dict[str, frozenset[str]] = {}
    for scope, _, rules, subjects in _role_bindings(result):
        if scope is not None and scope != namespace:
            continue
        verbs = core.rbac_verbs(rules, api_group, resource, name)
        if verbs:
            for subject in subjects:
                label = core.subject_label(subject)
                out[label] = out.get(label, frozenset()) | verbs
    return out


def _rbac_edges(b: _Builder) -> dict[tuple[str, str], frozenset[str]]:
    """{(subject node id, secret urn): (read, write)} from RoleBindings and ClusterRoleBindings."""
    result, meta = b.result, _namespaced
    accounts = {meta(r): r for r in result.by_type(SERVICE_ACCOUNT)}
    secrets = [(meta(r), r) for r in result.by_type(K8S_SECRET)]
    access: dict[tuple[str, str], frozenset[str]] = {}
    for scope, role, rules, subjects in _role_bindings(result):
        for subject in subjects:
            source = _subject_id(b, subject, accounts)
            if source is None:
                continue
            b.link(source, b.nodes[role.urn].id, "bound")
            for (namespace, name), secret in secrets:
                if scope is not None and namespace != scope:
                    continue
                _grant(access, (source, secret.urn), core.rbac_access(rules, [name])[name])
    return access


def _assume_links(b: _Builder) -> None:
    roles = _by_state(b.result, [IAM_ROLE], "arn")
    accounts = {_namespaced(sa): sa for sa in b.result.by_type(SERVICE_ACCOUNT)}
    for sa in accounts.values():
        role = roles.get((object_metadata(sa).get("annotations") or {}).get(IRSA_ANNOTATION))
        if role is not None:
            b.link(b.nodes[sa.urn].id, b.nodes[role.urn].id, "assumes")
    for assoc in b.result.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation"):
        sa = accounts.get((_text(assoc.inputs.get("namespace")), _text(assoc.inputs.get("serviceAccount"))))
        role = roles.get(_text(assoc.inputs.get("roleArn")))
        if sa is not None and role is not None:
            b.link(b.nodes[sa.urn].id, b.nodes[role.urn].id, "assumes")


def _delivery_links(b: _Builder) -> None:
    for secret in b.result.by_type(K8S_SECRET) + b.result.by_type("kubernetes:core/v1:ConfigMap"):
        app = (object_metadata(secret).get("labels") or {}).get(APP_LABEL)
        if isinstance(app, str) and app and secret.urn in b.nodes:
            target = b.synthetic(f"app_{app}", ("app", app), APP)
            b.link(b.nodes[secret.urn].id, target, "delivers" if secret.type == K8S_SECRET else "configures",
                   "delivery")
    # a Job (rotation, Airflow user) reads its values from Secrets of its namespace by secretKeyRef
    secrets = {_namespaced(s): s for s in b.result.by_type(K8S_SECRET)}
    for job in b.result.by_type(K8S_JOB):
        if job.urn not in b.nodes:
            continue
        namespace = object_metadata(job).get("namespace")
        spec = _text(job.inputs.get("spec")) or {}
        containers = (((spec.get("template") or {}).get("spec") or {}).get("containers")) or []
        refs = {((e.get("valueFrom") or {}).get("secretKeyRef") or {}).get("name")
                for c in containers if isinstance(c, dict) for e in c.get("env") or [] if isinstance(e, dict)}
        for name in sorted(r for r in refs if isinstance(r, str)):
            secret = secrets.get((namespace, name))
            if secret is not None and secret.urn in b.nodes:
                b.link(b.nodes[secret.urn].id, b.nodes[job.urn].id, "delivers", "delivery")


def _value_links(b: _Builder) -> None:
    """Generated values (random:*, tls:* keys) to the secret that stores them (through its version, if any)."""
    by_urn = {r.urn: r for r in b.result.resources}
    for r in b.result.resources:
        deps = [by_urn[d] for d in r.options.get("dependsOn") or [] if d in by_urn]
        sources = [d for d in deps if d.type.startswith(GENERATORS) and d.urn in b.nodes]
        if not sources:
            continue
        if r.urn in b.nodes:  # a ConfigMap never holds one (the JWT kid in the server's is a public fact of its key)
            targets = [r] if r.type in SECRET_TYPES else []
        else:
            targets = [d for d in deps if d.urn in b.nodes and d.type in SECRET_TYPES]
        for source in sources:
            for target in targets:
                b.link(b.nodes[source.urn].id, b.nodes[target.urn].id, "value", "value")


def _key_links(b: _Builder) -> None:
    users = _by_state(b.result, [IAM_USER], "name")
    for key in b.result.by_type(ACCESS_KEY):
        user = users.get(_text(key.inputs.get("user")))
        if user is not None and key.urn in b.nodes:
            b.link(b.nodes[user.urn].id, b.nodes[key.urn].id, "has key")
    kms_keys = _by_state(b.result, [KMS_KEY], "arn")
    for secret in b.result.by_type(SM_SECRET):  # a replica region's key: the secrets replicated with it
        for replica in _listed(_text(secret.inputs.get("replicas"))):
            key = kms_keys.get(replica.get("kmsKeyId")) if isinstance(replica, dict) else None
            if key is not None and key.urn in b.nodes and secret.urn in b.nodes:
                b.link(b.nodes[secret.urn].id, b.nodes[key.urn].id, f"replica in {replica.get('region')}")


def _add_access(b: _Builder, access: dict[tuple[str, str], frozenset[str]]) -> None:
    """One edge per identity and component when it has the same access to all the component's secrets."""
    children: dict[str, list[str]] = defaultdict(list)
    for r in b.result.resources:
        if r.type in SECRET_TYPES and r.parent in b.clusters:
            children[r.parent].append(r.urn)
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for (source, secret_urn), kinds in access.items():
        labels[source][secret_urn] = access_label(*read_write(kinds))
    for source, targets in labels.items():
        for secret_urn, label in targets.items():
            parent = b.parent_of.get(secret_urn)
            siblings = children.get(parent, [])
            whole = bool(siblings) and all(targets.get(s) == label for s in siblings)
            target = b.clusters[parent].id if whole else b.nodes[secret_urn].id
            b.link(source, target, label, "access")


def _depends_on(resource: engine.CapturedResource, prop: str, by_urn: dict) -> list[engine.CapturedResource]:
    """The declared resources input ``prop`` comes from (its property dependencies, else every dependency:
    a preview drops the property dependencies of values it cannot know yet)."""
    deps = resource._request.propertyDependencies.get(prop)
    urns = list(deps.urns) if deps is not None and deps.urns else list(resource._request.dependencies)
    return [by_urn[u] for u in urns if u in by_urn]


def _principal(b: _Builder, resource, prop: str, types: tuple[str, ...], label: str, by_urn: dict) -> Optional[str]:
    found = [r for r in _depends_on(resource, prop, by_urn) if r.type in types]
    if found:
        return b.nodes[found[0].urn].id
    value = _text(resource.inputs.get(prop))
    return b.synthetic(f"ext_{label}_{value}", (f"{label} (not declared)", str(value)), IDENTITY) if value else None


def _azure_edges(b: _Builder) -> dict[tuple[str, str], frozenset[str]]:
    """{(identity, secret urn): (read, write)} from Key Vault role assignments (scope: a vault)."""
    result = b.result
    by_urn = {r.urn: r for r in result.resources}
    access: dict[tuple[str, str], frozenset[str]] = {}
    for assignment in result.by_type(AZ_ASSIGNMENT):
        source = _principal(b, assignment, "principalId", (AZ_IDENTITY,), "azure principal", by_urn)
        if source is None:
            continue
        b.link(source, b.nodes[assignment.urn].id, "assigned")
        roles = [r for r in _depends_on(assignment, "roleDefinitionId", by_urn) if r.type == AZ_ROLE]
        if roles:
            b.link(source, b.nodes[roles[0].urn].id, "assigned")
            actions = [a for p in _listed(_text(roles[0].inputs.get("permissions"))) if isinstance(p, dict)
                       for a in _listed(p.get("dataActions"))]
            kinds = core.azure_access(actions)
        else:
            kinds = core.azure_role_access(str(_text(assignment.inputs.get("roleDefinitionId"))))
        vaults = [r for r in _depends_on(assignment, "scope", by_urn) if r.type == AZ_VAULT]
        scope = str(_text(assignment.inputs.get("scope")) or "")
        names = {_text(v.inputs.get("vaultName")) for v in vaults} or {scope.rstrip("/").rsplit("/", 1)[-1]}
        for secret in result.by_type(AZ_SECRET):
            if _text(secret.inputs.get("vaultName")) in names:
                _grant(access, (source, secret.urn), kinds)
    return access


def _federation_links(b: _Builder) -> None:
    """An identity -> the federated credential / workload identity binding that lets a pod use it."""
    by_urn = {r.urn: r for r in b.result.resources}
    kinds = {"azure-native:managedidentity:FederatedIdentityCredential": AZ_IDENTITY,
             "gcp:serviceaccount/iAMMember:IAMMember": GCP_ACCOUNT}
    for r in b.result.resources:
        if r.type in kinds:
            for dep in _depends_on(r, "", by_urn):
                if dep.type == kinds[r.type]:
                    b.link(b.nodes[dep.urn].id, b.nodes[r.urn].id, "federated")
                    break


def _gcp_edges(b: _Builder) -> dict[tuple[str, str], frozenset[str]]:
    """{(identity, secret urn): (read, write)} from project IAM members and their conditions."""
    result = b.result
    by_urn = {r.urn: r for r in result.resources}
    access: dict[tuple[str, str], frozenset[str]] = {}
    for member in result.by_type(GCP_MEMBER):
        source = _principal(b, member, "member", (GCP_ACCOUNT,), "gcp member", by_urn)
        if source is None:
            continue
        b.link(source, b.nodes[member.urn].id, "bound")
        roles = [r for r in _depends_on(member, "role", by_urn) if r.type == GCP_ROLE]
        if roles:
            b.link(source, b.nodes[roles[0].urn].id, "granted")
            kinds = core.gcp_access(_listed(_text(roles[0].inputs.get("permissions"))))
        else:
            kinds = core.gcp_role_access(str(_text(member.inputs.get("role"))))
        condition = _text(member.inputs.get("condition")) or {}
        expression = condition.get("expression") if isinstance(condition, dict) else None
        number = re.search(r"projects/([0-9]+)/secrets/", expression or "")
        for secret in result.by_type(GCP_SECRET):
            name = f"projects/{number.group(1) if number else '-'}/secrets/{_text(secret.inputs.get('secretId'))}"
            if core.gcp_condition_matches(expression, name) is not False:
                _grant(access, (source, secret.urn), kinds)
    return access


def _access(b: _Builder) -> dict[tuple[str, str], frozenset[str]]:
    access = _aws_edges(b)
    access.update(_rbac_edges(b))
    access.update(_azure_edges(b))
    access.update(_gcp_edges(b))
    return access


def secret_access(result: engine.PreviewResult) -> dict[tuple[str, str], frozenset[str]]:
    """``{(identity, secret urn): {"read", "write", "delete"}}``: what each identity the program declares
    (or names: ``"<kind> (not declared) <name>"``) may do to each secret, by the core access model
    (the edges ``preview --graph`` draws, delete kept apart from write). An identity is an IAM role or
    user, a bound ServiceAccount, an Azure or GCP identity, given by its URN."""
    b = _Builder(result)
    access = _access(b)
    urn_of = {node.id: urn for urn, node in b.nodes.items()}
    label = {node.id: " ".join(node.lines) for node in b.extra.values()}
    return {(urn_of.get(source) or label.get(source, source), secret): kinds for (source, secret), kinds in access.items()}


def build_graph(result: engine.PreviewResult) -> Graph:
    """Nodes, component clusters and the access, delivery and link edges of a preview."""
    b = _Builder(result)
    access = _access(b)
    _federation_links(b)
    for vault in result.by_type(AZ_VAULT):
        for secret in result.by_type(AZ_SECRET):
            if _text(secret.inputs.get("vaultName")) == _text(vault.inputs.get("vaultName")):
                b.link(b.nodes[vault.urn].id, b.nodes[secret.urn].id, "holds")
    _add_access(b, access)
    _assume_links(b)
    _delivery_links(b)
    _value_links(b)
    _key_links(b)
    return b.graph()
