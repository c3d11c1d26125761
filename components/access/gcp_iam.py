"""GCP Secret Manager access for OM: least-privilege custom roles, IAM conditions, GKE workload identity.

Pure helpers (role permissions, conditions, members) and ``GcpAccess``, which declares them with
pulumi-gcp (an optional extra, imported only when the component is built).

OM's server calls (``GCPSecretsManager.java``): ``createSecret`` (checked on the project: cannot be
name-gated), ``addSecretVersion``, ``accessSecretVersion(latest)``, ``deleteSecret``. Ingestion only
``accessSecretVersion``. The secrets do not exist at deploy time, so grants are project-level
bindings with an IAM condition on ``projects/<NUMBER>/secrets/<id prefix>`` (the number: resource
names in conditions use it, not the project id).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pulumi

from .. import core

#: Checked on the project; a condition on the secret name would never match.
SERVER_CREATE_PERMISSIONS = ("secretmanager.secrets.create",)
#: Granted under the id-prefix condition.
SERVER_SCOPED_PERMISSIONS = (
    "secretmanager.secrets.delete",
    "secretmanager.versions.access",
    "secretmanager.versions.add",
)
INGESTION_ROLE = "roles/secretmanager.secretAccessor"
WORKLOAD_IDENTITY_USER = "roles/iam.workloadIdentityUser"
#: Roles never granted to an app (policy ``gcp_no_broad_roles`` checks the same list).
BROAD_ROLES = tuple(r for r, perms in core.GCP_PREDEFINED_ROLES.items() if any("*" in p for p in perms))

_PROJECT_ID = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
_PROJECT_NUMBER = re.compile(r"[0-9]{6,20}")
_ROLE_ID = re.compile(r"[a-zA-Z0-9_.]{3,64}")
_ACCOUNT_ID = re.compile(r"[a-z]([-a-z0-9]{4,28}[a-z0-9])")


def is_project_id(value: str) -> bool:
    return isinstance(value, str) and _PROJECT_ID.fullmatch(value) is not None


def is_project_number(value: str) -> bool:
    return isinstance(value, str) and _PROJECT_NUMBER.fullmatch(value) is not None


def secret_resource_prefix(project_number: str, id_prefix: str) -> str:
    """``projects/<NUMBER>/secrets/<id prefix>``: how every OM secret's resource name starts."""
    if not is_project_number(project_number):
        raise ValueError(f"project number {project_number!r} is not allowed; expected digits, e.g. 123456789012")
    return f"projects/{project_number}/secrets/{id_prefix}"


def condition_expression(project_number: str, id_prefix: str, exclude_ids: Iterable[str] = ()) -> str:
    """CEL: the resource is an OM secret (or its versions) and none of ``exclude_ids``."""
    head = secret_resource_prefix(project_number, id_prefix)
    expr = f'resource.name.startsWith("{head}")'
    for sid in sorted(set(exclude_ids)):
        if not sid.startswith(id_prefix):
            raise ValueError(f"excluded id {sid!r} does not start with the id prefix {id_prefix!r}")
        name = f"projects/{project_number}/secrets/{sid}"
        expr += f' && resource.name != "{name}" && !resource.name.startsWith("{name}/")'
    return expr


def condition(title: str, project_number: str, id_prefix: str, exclude_ids: Iterable[str] = ()) -> dict[str, str]:
    """An IAM condition ``{title, description, expression}`` for the id prefix."""
    excluded = sorted(set(exclude_ids))
    description = f"OpenMetadata secrets {id_prefix}*" + (f" except {', '.join(excluded)}" if excluded else "")
    return {
        "title": title[:100],
        "description": description[:256],
        "expression": condition_expression(project_number, id_prefix, excluded),
    }


def role_id(environment: str, app: str) -> str:
    """A custom role id such as ``omsecrets_prod_server`` (letters, digits, ``_``, ``.``; 3-64)."""
    rid = re.sub(r"[^A-Za-z0-9_]", "_", f"omsecrets_{environment}_{app}")[:64]
    if not _ROLE_ID.fullmatch(rid):
        raise ValueError(f"custom role id {rid!r} is not valid")
    return rid


def account_id(environment: str, app: str) -> str:
    """A Google service account id ``om-<env>-<app>`` cut to GCP's 6-30 characters."""
    short = {core.SERVER_APP: "server", core.AIRFLOW_APP: "ingest"}.get(app, app)
    base = re.sub(r"[^a-z0-9-]", "-", f"om-{environment}".lower())[: 29 - len(short)].rstrip("-")
    aid = f"{base}-{short}"
    if not _ACCOUNT_ID.fullmatch(aid):
        raise ValueError(f"service account id {aid!r} is not valid (6-30 of a-z, 0-9, '-')")
    return aid


def workload_pool(project_id: str) -> str:
    return f"{project_id}.svc.id.goog"


def ksa_member(project_id: str, namespace: str, service_account: str) -> str:
    """The member a GSA's ``roles/iam.workloadIdentityUser`` binding names for a Kubernetes SA."""
    return f"serviceAccount:{workload_pool(project_id)}[{namespace}/{service_account}]"


def principal_member(project_id: str, project_number: str, namespace: str, service_account: str) -> str:
    """Direct workload identity federation: the Kubernetes SA itself as an IAM principal."""
    return (
        f"principal://iam.googleapis.com/projects/{project_number}/locations/global/workloadIdentityPools/"
        f"{workload_pool(project_id)}/subject/ns/{namespace}/sa/{service_account}"
    )


def gsa_email(account: str, project_id: str) -> str:
    return f"{account}@{project_id}.iam.gserviceaccount.com"


GSA_ANNOTATION = "iam.gke.io/gcp-service-account"


@dataclass(frozen=True)
class Grant:
    """One project-level IAM binding om-secrets declares."""

    app: str
    role: str  # a predefined role, or "custom:<key>" for a custom role declared alongside
    member: str
    condition: Mapping[str, str] | None = None


def granted_access(identity: str, key_copy: bool = False) -> frozenset[str]:
    """What the bindings from :func:`grants` give ``identity`` on an OM secret (on a key copy: ``key_copy``)."""
    custom = {"custom:create": SERVER_CREATE_PERMISSIONS, "custom:server": SERVER_SCOPED_PERMISSIONS}
    app = core.IDENTITY_APP[identity]
    out: set[str] = set()
    for g in grants(members={a: a for a in core.APPS}, project_number="1" * 12, id_prefix="x_", key_copy_ids=("x_key",)):
        if g.app != app:
            continue
        if g.condition and key_copy and "x_key" in g.condition["expression"]:
            continue
        out |= core.gcp_role_access(g.role, custom)
    return frozenset(out)


def prove() -> None:
    """Raise unless the server gets read/write/delete and ingestion only read, and on the key copies
    neither reads nor deletes (the server's project-wide ``create`` cannot be name-gated; on an
    existing secret it fails)."""
    for identity in core.IDENTITIES:
        need, got = core.required_access(identity, "gcp"), granted_access(identity)
        if got != need:
            raise AssertionError(f"{identity} would get {sorted(got)} on OM's secrets; OM needs {sorted(need)}")
        on_copies = granted_access(identity, key_copy=True) & {core.READ, core.DELETE}
        if on_copies:
            raise AssertionError(f"{identity} could {' and '.join(sorted(on_copies))} the Fernet key copies")


def grants(
    *,
    members: Mapping[str, str],
    project_number: str,
    id_prefix: str,
    key_copy_ids: Sequence[str] = (),
) -> list[Grant]:
    """The bindings for the server (``openmetadata``) and ingestion (``airflow``) members.

    The server: custom ``create`` role unconditionally, custom add/access/delete role under the
    id-prefix condition minus the Fernet key copies (``key_copy_ids``); ingestion:
    ``secretAccessor`` under the same condition. No app reads, changes or deletes a key copy.
    """
    return [
        Grant(core.SERVER_APP, "custom:create", members[core.SERVER_APP]),
        Grant(
            core.SERVER_APP,
            "custom:server",
            members[core.SERVER_APP],
            condition("om-secrets server", project_number, id_prefix, key_copy_ids),
        ),
        Grant(
            core.AIRFLOW_APP,
            INGESTION_ROLE,
            members[core.AIRFLOW_APP],
            condition("om-secrets ingestion read", project_number, id_prefix, key_copy_ids),
        ),
    ]


# ---------------------------------------------------------------- component


@dataclass(frozen=True)
class GcpAccessArgs:
    """Inputs of :class:`GcpAccess`.

    Attributes:
        project_id / project_number: where the secrets live (the number is used in conditions).
        environment: names the custom roles and service accounts.
        id_prefix: ``conventions.id_prefix("gcp", prefix, clusterName)``.
        key_copy_ids: ids of the Fernet key copies no app may read or delete.
        identity_mode: ``workload-identity`` (a Google service account per app, bound to the
            Kubernetes SA) or ``direct`` (roles granted to the Kubernetes SA's principal).
        cluster_project_id: the GKE cluster's project (its workload pool), default ``project_id``.
        server / ingestion: ``(namespace, service account)`` of each app.
    """

    project_id: str
    project_number: str
    environment: str
    id_prefix: str
    server: tuple[str, str]
    ingestion: tuple[str, str]
    key_copy_ids: tuple[str, ...] = ()
    identity_mode: str = core.GCP_WORKLOAD_IDENTITY
    cluster_project_id: str | None = None
    cluster_project_number: str | None = None
    protect: bool = False

    def __post_init__(self):
        problems = []
        if not is_project_id(self.project_id):
            problems.append(f"project_id {self.project_id!r} is not a GCP project id")
        if not is_project_number(self.project_number):
            problems.append(f"project_number {self.project_number!r} is not a GCP project number")
        if self.identity_mode not in core.GCP_IDENTITY_MODES:
            problems.append(f"identity_mode {self.identity_mode!r} is not allowed; allowed: {', '.join(core.GCP_IDENTITY_MODES)}")
        if problems:
            raise ValueError("; ".join(problems))


class GcpAccess(pulumi.ComponentResource):
    """Custom roles, conditional project bindings and GKE workload identity for OM and ingestion.

    Attributes: ``service_account_emails`` ({app: email} in workload-identity mode),
    ``sa_annotations`` ({app: {annotation: email}}), ``members`` ({app: member}).
    """

    TYPE = core.GCP_ACCESS_TYPE

    def __init__(self, name: str, args: GcpAccessArgs, opts: pulumi.ResourceOptions | None = None):
        import pulumi_gcp as gcp

        prove()
        super().__init__(self.TYPE, name, {"projectId": args.project_id, "identityMode": args.identity_mode}, opts)
        child = pulumi.ResourceOptions(parent=self)
        pool_project = args.cluster_project_id or args.project_id
        pool_number = args.cluster_project_number or args.project_number
        apps = {core.SERVER_APP: args.server, core.AIRFLOW_APP: args.ingestion}
        accounts: dict[str, pulumi.Resource] = {}
        self.members: dict[str, pulumi.Input[str]] = {}
        self.service_account_emails: dict[str, pulumi.Output[str]] = {}
        self.sa_annotations: dict[str, dict[str, pulumi.Input[str]]] = {}
        for app, (namespace, ksa) in apps.items():
            if args.identity_mode == core.GCP_DIRECT:
                self.members[app] = principal_member(pool_project, pool_number, namespace, ksa)
                continue
            gsa = gcp.serviceaccount.Account(
                f"{name}-{app}",
                project=args.project_id,
                account_id=account_id(args.environment, app),
                display_name=f"OpenMetadata {app} ({args.environment}) secrets access",
                opts=child,
            )
            gcp.serviceaccount.IAMMember(
                f"{name}-{app}-workload-identity",
                service_account_id=gsa.name,
                role=WORKLOAD_IDENTITY_USER,
                member=ksa_member(pool_project, namespace, ksa),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[gsa]),
            )
            accounts[app] = gsa
            self.service_account_emails[app] = gsa.email
            self.members[app] = gsa.email.apply(lambda e: f"serviceAccount:{e}" if e else None)
            self.sa_annotations[app] = {GSA_ANNOTATION: gsa.email}

        self.custom_roles = {
            "create": gcp.projects.IAMCustomRole(
                f"{name}-server-create",
                project=args.project_id,
                role_id=role_id(args.environment, "server_create"),
                title=f"OpenMetadata server: create secrets ({args.environment})",
                permissions=list(SERVER_CREATE_PERMISSIONS),
                opts=child,
            ),
            "server": gcp.projects.IAMCustomRole(
                f"{name}-server",
                project=args.project_id,
                role_id=role_id(args.environment, "server"),
                title=f"OpenMetadata server: read, write, delete its secrets ({args.environment})",
                permissions=list(SERVER_SCOPED_PERMISSIONS),
                opts=child,
            ),
        }
        placeholder = {app: f"member:{app}" for app in apps}
        self.bindings = []
        for g in grants(
            members=placeholder, project_number=args.project_number, id_prefix=args.id_prefix, key_copy_ids=args.key_copy_ids
        ):
            custom = self.custom_roles[g.role.split(":", 1)[1]] if g.role.startswith("custom:") else None
            role = custom.name if custom is not None else g.role
            deps = [r for r in (accounts.get(g.app), custom) if r is not None]
            self.bindings.append(
                gcp.projects.IAMMember(
                    f"{name}-{g.app}-{g.role.replace('custom:', '').replace('roles/', '').replace('.', '-')}",
                    project=args.project_id,
                    role=role,
                    member=self.members[g.app],
                    condition=gcp.projects.IAMMemberConditionArgs(**g.condition) if g.condition else None,
                    opts=pulumi.ResourceOptions(parent=self, depends_on=deps),
                )
            )
        self.register_outputs(
            {
                "members": self.members,
                "serviceAccountEmails": self.service_account_emails,
            }
        )
