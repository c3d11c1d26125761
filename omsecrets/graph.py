"""``preview STACK --graph FILE``: the declared resources and who can read or write which secrets.

Components become clusters. Access edges are what ``components.core``'s access model finds in what
the program declared: the IAM policies attached to roles and users (``core.iam_access``) and the RBAC
Roles bound to ServiceAccounts (``core.rbac_access``); delivery edges from the Secrets labelled ``app.kubernetes.io/component``
to that app. Writes Graphviz DOT, Mermaid, or SVG laid out here in pure Python (no graphviz).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Optional

from omsecrets import engine
from omsecrets.components import core
from omsecrets.render import object_metadata

FORMATS = {".svg": "svg", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid"}
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


# --------------------------------------------------------------------------- text formats

_COLOURS = {"read/write": "#c0392b", "write": "#d35400", "read": "#2471a3", "delivers": "#1e8449",
            "configures": "#1e8449", "value": "#8e44ad"}
_FILLS = ("#fdedec", "#eaf2fb", "#fef5e7", "#e9f7ef", "#f2f3f4", "#f4ecf7")


def _colour(edge: Edge) -> str:
    return _COLOURS.get(edge.label, "#7f8c8d")


def _tree(graph: Graph) -> tuple[dict, dict]:
    """(cluster id -> child cluster ids, cluster id -> node ids); the root is None."""
    clusters, nodes = defaultdict(list), defaultdict(list)
    for c in graph.clusters:
        clusters[c.parent].append(c.id)
    for n in graph.nodes:
        nodes[n.cluster].append(n.id)
    return clusters, nodes


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(graph: Graph) -> str:
    """Graphviz DOT with one ``cluster_*`` subgraph per component."""
    child_clusters, child_nodes = _tree(graph)
    by_id = {c.id: c for c in graph.clusters}
    anchors: dict[str, str] = {}
    lines = ['digraph "om-secrets" {',
             '  graph [rankdir=LR, compound=true, fontname="Helvetica", labelloc=t, '
             f'label="{_dot_text(graph.title)}"];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']

    def anchor(cluster_id: str) -> Optional[str]:
        if child_nodes.get(cluster_id):
            return child_nodes[cluster_id][0]
        return next((a for c in child_clusters.get(cluster_id, []) if (a := anchor(c))), None)

    def emit(cluster_id: Optional[str], depth: int) -> None:
        pad = "  " * depth
        for node_id in child_nodes.get(cluster_id, []):
            node = graph.node(node_id)
            label = "\\n".join(_dot_text(line) for line in node.lines)
            lines.append(f'{pad}{node_id} [label="{label}", fillcolor="{_FILLS[node.column]}"];')
        for child in child_clusters.get(cluster_id, []):
            lines.append(f"{pad}subgraph cluster_{child} {{")
            lines.append(f'{pad}  label="{_dot_text(by_id[child].label)}"; style=rounded; color="#95a5a6";')
            anchors[child] = anchor(child) or f"{child}_anchor"
            if anchors[child] == f"{child}_anchor":
                lines.append(f"{pad}  {child}_anchor [shape=point, style=invis];")
            emit(child, depth + 1)
            lines.append(f"{pad}}}")

    emit(None, 1)
    for e in graph.edges:
        attrs = [f'label="{_dot_text(e.label)}"', f'color="{_colour(e)}"', f'fontcolor="{_colour(e)}"']
        target = e.target
        if e.target in anchors:
            attrs.append(f"lhead=cluster_{e.target}")
            target = anchors[e.target]
        if e.kind == "link":
            attrs.append("style=dashed")
        lines.append(f"  {e.source} -> {target} [{', '.join(attrs)}];")
    return "\n".join(lines + ["}"]) + "\n"


def _mermaid_text(text: str) -> str:
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("|", "#124;"))


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart with one subgraph per component."""
    child_clusters, child_nodes = _tree(graph)
    by_id = {c.id: c for c in graph.clusters}
    lines = ["flowchart LR", f"  %% {_mermaid_text(' '.join(graph.title.split()))}"]

    def emit(cluster_id: Optional[str], depth: int) -> None:
        pad = "  " * depth
        for node_id in child_nodes.get(cluster_id, []):
            label = "<br/>".join(_mermaid_text(line) for line in graph.node(node_id).lines)
            lines.append(f'{pad}{node_id}["{label}"]')
        for child in child_clusters.get(cluster_id, []):
            lines.append(f'{pad}subgraph {child}["{_mermaid_text(by_id[child].label)}"]')
            emit(child, depth + 1)
            lines.append(f"{pad}end")

    emit(None, 1)
    for e in graph.edges:
        arrow = "-.->" if e.kind == "link" else "-->"
        lines.append(f'  {e.source} {arrow}|"{_mermaid_text(e.label)}"| {e.target}')
    for column, fill in enumerate(_FILLS):
        members = [n.id for n in graph.nodes if n.column == column]
        if members:
            lines.append(f"  classDef col{column} fill:{fill},stroke:#7f8c8d")
            lines.append(f"  class {','.join(members)} col{column}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- svg layout

BOX_W, BOX_H, GAP_X, GAP_Y, PAD, HEADER, MARGIN, TOP = 240, 50, 140, 12, 12, 22, 24, 76
_MAX_CHARS = 38


@dataclasses.dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float


def _clip(text: str, limit: int = 0) -> str:
    """``text`` shortened from the left (ids and paths differ at their ends): ``…/snowflake/password``."""
    limit = limit or _MAX_CHARS
    return text if len(text) <= limit else "…" + text[len(text) - limit + 1:]


class _Layout:
    """Columns by kind; components as nested bands stacked top to bottom; apps float by their sources."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.child_clusters, self.child_nodes = _tree(graph)
        used = sorted({n.column for n in graph.nodes} | {SECRET})
        self.slot = {column: i for i, column in enumerate(used)}
        self.depth_pad = PAD * (self._height(None) + 1)
        self.boxes: dict[str, Box] = {}
        y = self._band(None, TOP)
        self._float_apps()
        bottom = max([b.y1 for b in self.boxes.values()] + [y])
        self.width = self.x(used[-1]) + BOX_W + self.depth_pad + MARGIN
        self.height = bottom + MARGIN

    def x(self, column: int) -> float:
        return self.x_of_slot(self.slot[column])

    def x_of_slot(self, slot: int) -> float:
        return MARGIN + self.depth_pad + slot * (BOX_W + GAP_X)

    def _height(self, cluster_id: Optional[str]) -> int:
        children = self.child_clusters.get(cluster_id, [])
        return 1 + max(self._height(c) for c in children) if children else 0

    def _columns(self, cluster_id: str) -> list[int]:
        own = [self.graph.node(n).column for n in self.child_nodes.get(cluster_id, [])]
        return own + [c for child in self.child_clusters.get(cluster_id, []) for c in self._columns(child)]

    def _span(self, cluster_id: str) -> range:
        slots = [self.slot[c] for c in self._columns(cluster_id)] or [self.slot[SECRET]]
        return range(min(slots), max(slots) + 1)

    def _band(self, cluster_id: Optional[str], top: float) -> float:
        """Place a cluster's nodes, then its child clusters where their columns are free; return its bottom."""
        start = top + (HEADER if cluster_id else 0)
        skyline: dict[int, float] = defaultdict(lambda: start)
        own = sorted((self.graph.node(n) for n in self.child_nodes.get(cluster_id, [])), key=lambda n: n.lines)
        for node in own:
            if cluster_id is None and node.column == APP:
                continue
            x, y = self.x(node.column), skyline[self.slot[node.column]]
            self.boxes[node.id] = Box(x, y, x + BOX_W, y + BOX_H)
            skyline[self.slot[node.column]] = y + BOX_H + GAP_Y
        for child in self.child_clusters.get(cluster_id, []):
            span = self._span(child)
            bottom = self._band(child, max(skyline[s] for s in span))
            skyline.update({s: bottom + GAP_Y for s in span})
        end = max(skyline.values(), default=start + GAP_Y) - GAP_Y
        if cluster_id is None:
            return end
        pad = PAD * (self._height(cluster_id) + 1)
        span = self._span(cluster_id)
        self.boxes[cluster_id] = Box(self.x_of_slot(span[0]) - pad, top, self.x_of_slot(span[-1]) + BOX_W + pad,
                                     end + PAD)
        return end + PAD

    def _float_apps(self) -> None:
        apps = [n for n in self.graph.nodes if n.column == APP and n.id not in self.boxes]
        wanted = {}
        for app in apps:
            ys = [self.boxes[e.source].y0 for e in self.graph.edges if e.target == app.id and e.source in self.boxes]
            wanted[app.id] = sum(ys) / len(ys) if ys else TOP
        # below the generated values: delivery edges then cross empty space on their way right
        floor = max([TOP] + [b.y1 + 3 * GAP_Y for n, b in self.boxes.items()
                             if self.graph.node(n) is not None and self.graph.node(n).column == OTHER])
        for app in sorted(apps, key=lambda a: (wanted[a.id], a.id)):
            y = max(wanted[app.id], floor)
            x = self.x(APP)
            self.boxes[app.id] = Box(x, y, x + BOX_W, y + BOX_H)
            floor = y + BOX_H + GAP_Y


def _route(source: Box, target: Box, sy: float, ty: float, lane: int) -> list[tuple[float, float]]:
    """Orthogonal polyline from ``source`` to ``target`` through a vertical channel beside the target."""
    if target.x0 >= source.x1:
        cx = target.x0 - 10 - 7 * lane
        return [(source.x1, sy), (cx, sy), (cx, ty), (target.x0, ty)]
    if target.x1 <= source.x0:
        cx = target.x1 + 10 + 7 * lane
        return [(source.x0, sy), (cx, sy), (cx, ty), (target.x1, ty)]
    cx = max(source.x1, target.x1) + 10 + 7 * lane
    return [(source.x1, sy), (cx, sy), (cx, ty), (target.x1, ty)]


def _sides(source: Box, target: Box) -> tuple[str, str]:
    """Which side (l or r) of the source an edge leaves and of the target it enters."""
    if target.x0 >= source.x1:
        return "r", "l"
    return ("l", "r") if target.x1 <= source.x0 else ("r", "r")


def _ports(layout: _Layout) -> dict[tuple[int, str], float]:
    """Spread the edges touching each side of a box over its height (ordered by the other end)."""
    graph, boxes = layout.graph, layout.boxes
    ends: dict[tuple[str, str], list[tuple[float, int, str]]] = defaultdict(list)
    for i, e in enumerate(graph.edges):
        out_side, in_side = _sides(boxes[e.source], boxes[e.target])
        ends[(e.source, out_side)].append((boxes[e.target].y0, i, "out"))
        ends[(e.target, in_side)].append((boxes[e.source].y0, i, "in"))
    ports = {}
    for (element, _), items in ends.items():
        box = boxes[element]
        low, high = (box.y0 + 8, box.y1 - 8) if graph.node(element) else _group_span(layout, element)
        for k, (_, i, end) in enumerate(sorted(items)):
            ports[(i, end)] = low + (high - low) * (k + 1) / (len(items) + 1)
    return ports


def _group_span(layout: _Layout, cluster_id: str) -> tuple[float, float]:
    """Where edges to a whole component land: beside the secrets it holds, not on its title."""
    boxes = [layout.boxes[n] for n in layout.child_nodes.get(cluster_id, []) if n in layout.boxes]
    if not boxes:
        box = layout.boxes[cluster_id]
        return box.y0 + HEADER, box.y1 - PAD
    return min(b.y0 for b in boxes) + 6, max(b.y1 for b in boxes) - 6


def _svg_brackets(svg: ET.Element, layout: _Layout) -> None:
    """A bracket along the secrets of a component that edges reach as a group."""
    targets = {e.target for e in layout.graph.edges if layout.graph.node(e.target) is None}
    for cluster_id in sorted(targets):
        low, high = _group_span(layout, cluster_id)
        x = layout.boxes[cluster_id].x0 + 4
        _el(svg, "polyline", points=f"{x + 4:g},{low - 4:g} {x:g},{low - 4:g} {x:g},{high + 4:g} {x + 4:g},{high + 4:g}",
            fill="none", stroke="#566573", stroke_width=2, class_="group")


def _el(parent: ET.Element, tag: str, text: Optional[str] = None, **attrs: Any) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _svg_node(parent: ET.Element, node: Node, box: Box) -> None:
    group = _el(parent, "g", id=node.id, class_="node")
    _el(group, "title", " ".join(node.lines))
    _el(group, "rect", x=box.x0, y=box.y0, width=BOX_W, height=BOX_H, rx=6, fill=_FILLS[node.column],
        stroke="#7f8c8d")
    styles = [("10", "#566573", "bold"), ("11", "#17202a", "normal"), ("10", "#7f8c8d", "normal")]
    for i, line in enumerate(node.lines[:3]):
        size, fill, weight = styles[i]
        _el(group, "text", line if i == 0 else _clip(line), x=box.x0 + 8, y=box.y0 + 15 + 14 * i, font_size=size, fill=fill,
            font_weight=weight)


def to_svg(graph: Graph) -> str:
    """A self-contained SVG drawn with the layered layout (no graphviz)."""
    layout = _Layout(graph)
    width, height = int(layout.width), int(layout.height)
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": str(width), "height": str(height),
                             "viewBox": f"0 0 {width} {height}", "font-family": "Helvetica, Arial, sans-serif"})
    _el(svg, "title", graph.title)
    defs = _el(svg, "defs")
    for name, colour in {**_COLOURS, "link": "#7f8c8d"}.items():
        marker = _el(defs, "marker", id=f"arrow-{name.replace('/', '-')}", viewBox="0 0 10 10", refX=10, refY=5,
                     markerWidth=7, markerHeight=7, orient="auto-start-reverse")
        _el(marker, "path", d="M0,0 L10,5 L0,10 z", fill=colour)
    _el(svg, "rect", x=0, y=0, width=width, height=height, fill="#ffffff")
    _el(svg, "text", graph.title, x=MARGIN, y=MARGIN + 6, font_size=15, font_weight="bold", fill="#17202a")
    for column in layout.slot:
        _el(svg, "text", COLUMNS[column], x=layout.x(column), y=TOP - 12, font_size=12, fill="#566573",
            font_weight="bold")
    order = {c.id: i for i, c in enumerate(graph.clusters)}
    for cluster in sorted(graph.clusters, key=lambda c: (layout.boxes[c.id].x0, order[c.id])):
        box = layout.boxes[cluster.id]
        group = _el(svg, "g", id=cluster.id, class_="cluster")
        _el(group, "title", cluster.label)
        _el(group, "rect", x=box.x0, y=box.y0, width=box.x1 - box.x0, height=box.y1 - box.y0, rx=8,
            fill="none", stroke="#95a5a6", stroke_dasharray="4 3")
        kind, _, name = cluster.label.partition(" ")
        label = f"{kind} {_clip(name, max(8, int((box.x1 - box.x0 - 16) / 6.2) - len(kind) - 1))}"
        _el(group, "text", label, x=box.x0 + 8, y=box.y0 + 15, font_size=11, fill="#566573")
    _svg_brackets(svg, layout)
    _svg_edges(svg, layout)
    for node in graph.nodes:
        _svg_node(svg, node, layout.boxes[node.id])
    body = ET.tostring(svg, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _svg_edges(svg: ET.Element, layout: _Layout) -> None:
    graph, boxes = layout.graph, layout.boxes
    ports = _ports(layout)
    lanes: dict[tuple[float, str], int] = defaultdict(int)
    for i, e in enumerate(graph.edges):
        source, target = boxes[e.source], boxes[e.target]
        channel = (target.x0 if target.x0 >= source.x1 else target.x1, "r" if target.x0 >= source.x1 else "l")
        if e.kind == "delivery":  # turn beside the source, run right at the app's height
            channel = (source.x1, "d")
            cx = source.x1 + 14 + 7 * lanes[channel]
            points = [(source.x1, ports[(i, "out")]), (cx, ports[(i, "out")]), (cx, ports[(i, "in")]),
                      (target.x0, ports[(i, "in")])]
        else:
            points = _route(source, target, ports[(i, "out")], ports[(i, "in")], lanes[channel])
        lanes[channel] += 1
        colour, name = _colour(e), e.label.replace("/", "-") if e.label in _COLOURS else "link"
        group = _el(svg, "g", id=f"e{i + 1}", class_=f"edge {e.kind}")
        _el(group, "title", f"{graph.label_of(e.source)} -> {graph.label_of(e.target)}: {e.label}")
        attrs = {"fill": "none", "stroke": colour, "stroke_width": 1.6 if e.kind == "access" else 1.1,
                 "marker_end": f"url(#arrow-{name})"}
        if e.kind in ("link", "value"):
            attrs["stroke_dasharray"] = "5 3" if e.kind == "link" else "2 3"
        _el(group, "polyline", points=" ".join(f"{x:g},{y:g}" for x, y in points), **attrs)
        (cx, y), (x, _) = points[-2], points[-1]
        rightward = x > cx
        _el(group, "text", e.label, x=cx - 4 if rightward else cx + 4, y=y - 4, font_size=10, fill=colour,
            text_anchor="end" if rightward else "start", stroke="#ffffff", stroke_width=3, paint_order="stroke")


# --------------------------------------------------------------------------- files and CLI


def graph_format(path: str | Path) -> str:
    """``svg``, ``dot`` or ``mermaid`` from the file extension; ValueError otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot tell the graph format of {path}: use one of {', '.join(sorted(FORMATS))}")
    return FORMATS[suffix]


def render_graph(result: engine.PreviewResult, fmt: str) -> str:
    graph = build_graph(result)
    return {"svg": to_svg, "dot": to_dot, "mermaid": to_mermaid}[fmt](graph)


def write_graph(result: engine.PreviewResult, path: str | Path) -> Path:
    """Write the graph of ``result`` to ``path`` in the format its extension names."""
    path = Path(path)
    text = render_graph(result, graph_format(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _graph_path(value: str) -> str:
    try:
        graph_format(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def register_graph_option(preview_parser: argparse.ArgumentParser) -> None:
    """Add ``--graph FILE`` to the ``preview`` parser (the extension is checked while parsing)."""
    preview_parser.add_argument(
        "--graph", metavar="FILE", type=_graph_path, default=None,
        help="draw resources and secret access to FILE (.svg, .dot or .mmd), e.g. --graph prod.svg")


def write_graph_from_args(args: argparse.Namespace, result: engine.PreviewResult) -> Optional[Path]:
    """In ``cmd_preview``: write ``--graph`` if it was given and say so on stderr."""
    if not getattr(args, "graph", None):
        return None
    path = write_graph(result, args.graph)
    print(f"wrote {path}", file=sys.stderr)
    return path
