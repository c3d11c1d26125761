"""Azure Key Vault access for OM: a custom server role, Key Vault Secrets User for ingestion, AKS workload identity.

Pure helpers (data actions, role ids, federated subjects) and ``AzureAccess``, which declares them
with pulumi-azure-native (an optional extra, imported only when the component is built).

OM's server calls (``AzureKVSecretsManager.java``): ``setSecret``, ``getSecret`` (latest) and
``beginDeleteSecret`` (soft delete; OM never lists, purges or recovers), so its custom role holds
exactly those three data actions, tighter than "Key Vault Secrets Officer". Ingestion only reads:
"Key Vault Secrets User". Both are scoped to the vault: names OM makes at run time cannot be
scoped one by one. The Fernet key copies live in a vault of their own that neither app can read.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pulumi

from .. import core

SERVER_DATA_ACTIONS = (
    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
    "Microsoft.KeyVault/vaults/secrets/setSecret/action",
    "Microsoft.KeyVault/vaults/secrets/delete",
)
#: Built-in role ids (the same in every tenant), from ``core.AZURE_BUILTIN_ROLES``.
_ROLE_IDS = {name: guid for guid, (name, _) in core.AZURE_BUILTIN_ROLES.items()}
KEY_VAULT_SECRETS_USER = _ROLE_IDS["Key Vault Secrets User"]
KEY_VAULT_SECRETS_OFFICER = _ROLE_IDS["Key Vault Secrets Officer"]
#: Roles never granted to an app (policy ``azure_no_broad_roles`` checks the same list).
BROAD_ROLES = tuple(g for g, (n, _) in core.AZURE_BUILTIN_ROLES.items() if n != "Key Vault Secrets User")
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"
CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id"
USE_LABEL = "azure.workload.identity/use"

_NAMESPACE = uuid.UUID("7d3f4a52-2d1e-4c55-9a53-6f6d2f0e0b15")
_VAULT_NAME = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_vault_name(name: str) -> bool:
    """Key Vault names: 3-24 of letters, digits and '-', starting with a letter, no '--', not ending in '-'."""
    return isinstance(name, str) and _VAULT_NAME.fullmatch(name) is not None


def is_guid(value: str) -> bool:
    return isinstance(value, str) and _GUID.fullmatch(value) is not None


def keys_vault_name(vault_name: str) -> str:
    """Default name of the vault holding the Fernet key copies: ``<vault>-keys`` within 24 characters."""
    return f"{vault_name[:19].rstrip('-')}-keys"


def vault_url(vault_name: str) -> str:
    """The URL OM's server and ingestion build (public cloud only)."""
    return f"https://{vault_name}.vault.azure.net/"


def role_definition_id(subscription_id: pulumi.Input[str], role_guid: str) -> pulumi.Output[str]:
    return pulumi.Output.concat(
        "/subscriptions/", subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", role_guid
    )


def stable_guid(*parts: str) -> str:
    """A GUID derived from names (role definition and assignment names must be GUIDs, stable across runs)."""
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def federated_subject(namespace: str, service_account: str) -> str:
    return f"system:serviceaccount:{namespace}:{service_account}"


def server_role_permissions() -> dict[str, list[str]]:
    """The custom role's permissions: three data actions, no control-plane action."""
    return {"actions": [], "not_actions": [], "data_actions": list(SERVER_DATA_ACTIONS), "not_data_actions": []}


def granted_access(identity: str, provider: str = "managed-azure-kv") -> frozenset[str]:
    """What om-secrets grants ``identity`` on the vault, by the access model: on ``azure-kv`` the server
    gets nothing (OM hands it to ``DBSecretsManager``, which never calls the vault)."""
    if identity == core.SERVER:
        return core.azure_access(SERVER_DATA_ACTIONS) if core.required_access(identity, provider) else core.NO_ACCESS
    return core.azure_role_access(KEY_VAULT_SECRETS_USER)


def prove(provider: str) -> None:
    """Raise unless each identity gets exactly what OM needs (``core.required_access``)."""
    for identity in core.IDENTITIES:
        need, got = core.required_access(identity, provider), granted_access(identity, provider)
        if got != need:
            raise AssertionError(f"{identity} would get {sorted(got)} on the vault; OM needs {sorted(need)}")


# ---------------------------------------------------------------- component


@dataclass(frozen=True)
class AzureAccessArgs:
    """Inputs of :class:`AzureAccess`.

    Attributes:
        vault_id: the Key Vault's resource id (the scope of every assignment).
        subscription_id: for role definition ids.
        resource_group_name / location: where the user-assigned identities are created.
        environment: names the custom role and identities.
        identity_mode: ``workload-identity`` (a user-assigned identity per app with a federated
            credential for its Kubernetes ServiceAccount) or ``client-secret`` (existing service
            principals given by ``server_principal_id`` / ``ingestion_principal_id``).
        oidc_issuer: the AKS cluster's OIDC issuer URL (workload identity).
        server / ingestion: ``(namespace, service account)``.
        provider: ``managed-azure-kv`` (the server gets its role) or ``azure-kv`` (the server never reads
            the vault: no identity, role or assignment for it).
    """

    vault_id: pulumi.Input[str]
    subscription_id: pulumi.Input[str]
    resource_group_name: str
    location: str
    environment: str
    server: tuple[str, str]
    ingestion: tuple[str, str]
    identity_mode: str = core.AZURE_WORKLOAD_IDENTITY
    oidc_issuer: str | None = None
    server_principal_id: str | None = None
    ingestion_principal_id: str | None = None
    tags: dict | None = None
    provider: str = "managed-azure-kv"

    @property
    def server_reads_vault(self) -> bool:
        return bool(core.required_access(core.SERVER, self.provider))

    def __post_init__(self):
        problems = []
        if self.provider not in core.providers_in("azure"):
            problems.append(f"provider {self.provider!r} is not an Azure provider: {', '.join(core.providers_in('azure'))}")
        if self.identity_mode not in core.AZURE_IDENTITY_MODES:
            problems.append(
                f"identity_mode {self.identity_mode!r} is not allowed; allowed: {', '.join(core.AZURE_IDENTITY_MODES)}"
            )
        if self.identity_mode == core.AZURE_WORKLOAD_IDENTITY and not self.oidc_issuer:
            problems.append("oidc_issuer (the AKS cluster's OIDC issuer URL) is required with workload identity")
        if self.identity_mode == core.AZURE_CLIENT_SECRET:
            for key in ("server_principal_id", "ingestion_principal_id")[0 if self.server_reads_vault else 1:]:
                if not is_guid(getattr(self, key) or ""):
                    problems.append(f"{key} {getattr(self, key)!r} must be the service principal's object id (a GUID)")
        if problems:
            raise ValueError("; ".join(problems))


class AzureAccess(pulumi.ComponentResource):
    """The server's custom role + assignment, ingestion's Secrets User assignment, and identities.

    Attributes: ``client_ids`` ({app: client id} in workload-identity mode),
    ``principal_ids`` ({app: principal id}), ``sa_annotations`` / ``pod_labels`` ({app: {...}}).
    """

    TYPE = core.AZURE_ACCESS_TYPE

    def __init__(self, name: str, args: AzureAccessArgs, opts: pulumi.ResourceOptions | None = None):
        from pulumi_azure_native import authorization, managedidentity

        prove(args.provider)
        super().__init__(self.TYPE, name, {"identityMode": args.identity_mode}, opts)
        child = pulumi.ResourceOptions(parent=self)
        apps = {core.SERVER_APP: args.server, core.AIRFLOW_APP: args.ingestion}
        if not args.server_reads_vault:
            del apps[core.SERVER_APP]
        self.client_ids: dict[str, pulumi.Output[str]] = {}
        self.principal_ids: dict[str, pulumi.Input[str]] = {}
        self.sa_annotations: dict[str, dict] = {}
        self.pod_labels: dict[str, dict] = {}
        identities: dict[str, pulumi.Resource] = {}
        if args.identity_mode == core.AZURE_WORKLOAD_IDENTITY:
            for app, (namespace, sa) in apps.items():
                identity = managedidentity.UserAssignedIdentity(
                    f"{name}-{app}",
                    resource_name_=f"om-{args.environment}-{app}"[:128],
                    resource_group_name=args.resource_group_name,
                    location=args.location,
                    tags=args.tags,
                    opts=child,
                )
                managedidentity.FederatedIdentityCredential(
                    f"{name}-{app}-federated",
                    federated_identity_credential_resource_name=f"{namespace}-{sa}"[:120],
                    resource_name_=identity.name,
                    resource_group_name=args.resource_group_name,
                    issuer=args.oidc_issuer,
                    subject=federated_subject(namespace, sa),
                    audiences=[FEDERATED_AUDIENCE],
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[identity]),
                )
                identities[app] = identity
                self.client_ids[app] = identity.client_id
                self.principal_ids[app] = identity.principal_id
                self.sa_annotations[app] = {CLIENT_ID_ANNOTATION: identity.client_id}
                self.pod_labels[app] = {USE_LABEL: "true"}
        else:
            given = {core.SERVER_APP: args.server_principal_id, core.AIRFLOW_APP: args.ingestion_principal_id}
            self.principal_ids = {app: given[app] for app in apps}
        self.identities = identities
        self.assignments = {}
        self.server_role = None
        if args.server_reads_vault:
            self._server_role(name, args, identities)
        self.assignments[core.AIRFLOW_APP] = authorization.RoleAssignment(
            f"{name}-ingestion",
            role_assignment_name=stable_guid(args.environment, "ingestion-assignment"),
            principal_id=self.principal_ids[core.AIRFLOW_APP],
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(args.subscription_id, KEY_VAULT_SECRETS_USER),
            scope=args.vault_id,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[r for r in (identities.get(core.AIRFLOW_APP),) if r]),
        )
        self.register_outputs({"clientIds": self.client_ids, "principalIds": self.principal_ids})

    def _server_role(self, name: str, args: AzureAccessArgs, identities: dict) -> None:
        """The server's custom role (exactly OM's three data actions) and its assignment (managed-azure-kv)."""
        from pulumi_azure_native import authorization

        child = pulumi.ResourceOptions(parent=self)
        role_guid = stable_guid(args.environment, "server-role")
        self.server_role = authorization.RoleDefinition(
            f"{name}-server-role",
            role_definition_id=role_guid,
            role_name=f"OpenMetadata secrets server ({args.environment}, {role_guid[:8]})",
            description="get/set/delete secrets: exactly the calls OpenMetadata's AzureKVSecretsManager makes",
            role_type="CustomRole",
            scope=args.vault_id,
            assignable_scopes=[args.vault_id],
            permissions=[authorization.PermissionArgs(**server_role_permissions())],
            opts=child,
        )
        self.assignments[core.SERVER_APP] = authorization.RoleAssignment(
            f"{name}-server",
            role_assignment_name=stable_guid(args.environment, "server-assignment"),
            principal_id=self.principal_ids[core.SERVER_APP],
            principal_type="ServicePrincipal",
            role_definition_id=self.server_role.id,
            scope=args.vault_id,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[r for r in (identities.get(core.SERVER_APP),) if r]),
        )
