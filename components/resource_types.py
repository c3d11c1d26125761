"""Every provider resource type om-secrets declares: what it is, what names it, what replaces it (pure data).

One table (:data:`TYPES`) read by the lifecycle guard, the graph and the tests. For each type token:

- ``role``: what it holds for the guard (``key``: key material; ``store-secret``: a secret of OM's store;
  ``secret-version``: a value version of one; ``vault``/``namespace``: a container whose deletion deletes
  every secret in it; ``pin``: an adopted key's fingerprint; ``delivery``, ``job``, ``access``, ``alias``:
  derived objects the program recreates with no value lost);
- ``identity``: the inputs that name the resource where it lives (a change is a move: a new resource);
- ``create_only``: other inputs whose change makes the provider replace it;
- ``downgrades``: inputs that replace only on one transition (``{input: (from, to)}``);
- ``source``: where that comes from (the provider's schema or source, as read).

A test previews every shipped, fixture and example stack and fails on a custom resource whose type is not
here, so a new type cannot be forgotten. Inputs are dotted paths; ``[*]`` stands for every list item.
"""

from __future__ import annotations

from collections.abc import Mapping

from .record import record

ROLES = ("key", "pin", "store-secret", "secret-version", "vault", "namespace", "delivery", "job", "access", "alias",
         "provider")
#: Roles the lifecycle guard follows: losing or replacing one loses key material or stored secrets.
GUARDED_ROLES = frozenset({"key", "store-secret", "vault", "namespace"})


@record
class ResourceType:
    """What one provider resource type is to om-secrets."""

    token: str
    role: str
    identity: tuple[str, ...] = ()
    create_only: tuple[str, ...] = ()
    downgrades: Mapping[str, tuple[str, str]] | None = None
    source: str = ""


def _t(token: str, role: str, identity=(), create_only=(), source: str = "", downgrades=None) -> ResourceType:
    return ResourceType(token, role, tuple(identity), tuple(create_only), downgrades, source)


_K8S_NAME = ("metadata.namespace", "metadata.name")
_K8S_SRC = "pulumi-kubernetes provider/pkg/provider/diff.go@94977969 (metadata.name/namespace replace every kind)"
_AWS_REGION = "region"  # TF AWS v6 (pulumi-aws 7): every regional resource has one; a change replaces

TYPES: Mapping[str, ResourceType] = {t.token: t for t in (
    # ------------------------------------------------------------------ key material
    _t("random:index/randomBytes:RandomBytes", "key", (), ("length", "keepers"),
       "terraform-provider-random v3.9.0 internal/provider/resource_bytes.go (RequiresReplace on both)"),
    _t("random:index/randomPassword:RandomPassword", "key", (),
       ("length", "special", "upper", "lower", "number", "numeric", "minNumeric", "minUpper", "minLower", "minSpecial",
        "overrideSpecial", "keepers"),
       "terraform-provider-random v3.9.0 internal/provider/resource_password.go (every input RequiresReplace)"),
    _t("tls:index/privateKey:PrivateKey", "key", (), ("algorithm", "rsaBits", "ecdsaCurve"),
       "terraform-provider-tls internal/provider/resource_private_key.go@d72d90e1 (every input; Update is a no-op)"),
    _t("aws:kms/key:Key", "key", (),
       ("customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId", "xksKeyId", _AWS_REGION),
       "terraform-provider-aws internal/service/kms/key.go@00a35305 (ForceNew)"),
    _t("aws:iam/accessKey:AccessKey", "key", (), ("user", "pgpKey"),
       "terraform-provider-aws internal/service/iam/access_key.go@c7cbd9b0 (user, pgp_key ForceNew: a new key pair)"),
    _t("random:index/randomId:RandomId", "pin", (), ("byteLength", "prefix", "keepers"),
       "terraform-provider-random v3.9.0 internal/provider/resource_id.go (RequiresReplace)"),
    # ------------------------------------------------------------------ OM's stores
    _t("aws:secretsmanager/secret:Secret", "store-secret", ("name",), ("namePrefix", _AWS_REGION),
       "terraform-provider-aws internal/service/secretsmanager/secret.go@00c21ced (name, name_prefix ForceNew)"),
    _t("aws:ssm/parameter:Parameter", "store-secret", ("name",), ("dataType", _AWS_REGION),
       "terraform-provider-aws internal/service/ssm/parameter.go@0073593e (name, data_type ForceNew; tier "
       "Advanced->Standard ForceNewIfChange; value, type, key_id in place)", downgrades={"tier": ("Advanced", "Standard")}),
    _t("kubernetes:core/v1:Secret", "store-secret", _K8S_NAME, ("type",),
       _K8S_SRC + "; type always, data/stringData unless enableSecretMutable (om-secrets requires it)"),
    _t("azure-native:keyvault:Secret", "store-secret", ("resourceGroupName", "vaultName", "secretName"), (),
       "pulumi-azure-native provider/pkg/provider/diff.go@1b99ef0b (URL path parameters replace); properties.value is "
       "an in-place PUT (a new Key Vault version)"),
    _t("gcp:secretmanager/secret:Secret", "store-secret", ("project", "secretId"),
       ("replication.auto", "replication.userManaged.replicas[*].location", "tags"),
       "terraform-provider-google google/services/secretmanager/resource_secret_manager_secret.go@e03b7622 "
       "(secret_id, project, tags, replication and replica locations ForceNew; auto CMEK via CustomizeDiff)"),
    _t("aws:secretsmanager/secretVersion:SecretVersion", "secret-version", ("secretId",),
       ("secretString", "secretBinary", "secretStringWoVersion"),
       "terraform-provider-aws internal/service/secretsmanager/secret_version.go@0042e8ea (secret_string ForceNew: "
       "Create is PutSecretValue, Delete only removes staging labels)"),
    _t("gcp:secretmanager/secretVersion:SecretVersion", "secret-version", ("secret",),
       ("secretData", "secretDataWoVersion", "isSecretDataBase64", "project"),
       "terraform-provider-google resource_secret_manager_secret_version.go@e03b7622 (secret_data ForceNew; Delete "
       "destroys the version's data under deletion_policy DELETE, the default)"),
    # ------------------------------------------------------------------ containers
    _t("azure-native:keyvault:Vault", "vault", ("resourceGroupName", "vaultName"), ("location",),
       "pulumi-azure-native diff.go@1b99ef0b (path parameters replace); location is not create-only in the "
       "Key Vault spec but Azure cannot move a vault to another region: the change cannot apply in place"),
    _t("kubernetes:core/v1:Namespace", "namespace", ("metadata.name",), (), _K8S_SRC),
    # ------------------------------------------------------------------ derived: recreated with no value lost
    _t("kubernetes:core/v1:ConfigMap", "delivery", _K8S_NAME, (), _K8S_SRC),
    _t("kubernetes:batch/v1:Job", "job", _K8S_NAME,
       ("spec.template", "spec.completions", "spec.parallelism", "spec.selector"), _K8S_SRC),
    _t("kubernetes:core/v1:ServiceAccount", "access", _K8S_NAME, (), _K8S_SRC),
    _t("kubernetes:rbac.authorization.k8s.io/v1:Role", "access", _K8S_NAME, (), _K8S_SRC),
    _t("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "access", _K8S_NAME, (), _K8S_SRC),
    _t("aws:iam/policy:Policy", "access", ("name",), ("namePrefix", "path")),
    _t("aws:iam/role:Role", "access", ("name",), ("namePrefix", "path"),
       "terraform-provider-aws internal/service/iam/role.go (name, name_prefix, path ForceNew)"),
    _t("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "access", ("role", "policyArn")),
    _t("aws:iam/user:User", "access", ("name",), (),
       "terraform-provider-aws internal/service/iam/user.go (a rename is UpdateUser, in place)"),
    _t("aws:iam/userPolicyAttachment:UserPolicyAttachment", "access", ("user", "policyArn")),
    _t("aws:eks/podIdentityAssociation:PodIdentityAssociation", "access", ("clusterName", "namespace", "serviceAccount")),
    _t("aws:kms/alias:Alias", "alias", ("name",), ("namePrefix", _AWS_REGION),
       "terraform-provider-aws internal/service/kms/alias.go@4c72bcc7 (name ForceNew, target_key_id in place)"),
    _t("azure-native:authorization:RoleAssignment", "access", ("scope", "roleAssignmentName")),
    _t("azure-native:authorization:RoleDefinition", "access", ("scope", "roleDefinitionId")),
    _t("azure-native:managedidentity:FederatedIdentityCredential", "access",
       ("resourceGroupName", "resourceName", "federatedIdentityCredentialResourceName")),
    _t("azure-native:managedidentity:UserAssignedIdentity", "access", ("resourceGroupName", "resourceName")),
    _t("gcp:projects/iAMCustomRole:IAMCustomRole", "access", ("project", "roleId")),
    _t("gcp:projects/iAMMember:IAMMember", "access", ("project", "role", "member")),
    _t("gcp:serviceaccount/account:Account", "access", ("project", "accountId")),
    _t("gcp:serviceaccount/iAMMember:IAMMember", "access", ("serviceAccountId", "role", "member")),
)}

#: Provider configuration that decides where a package's resources live, and the stack config that
#: gives the default provider's (``<package>:<key>``). A resource's own input of that name wins.
PLACEMENT: Mapping[str, tuple[str, ...]] = {
    "aws": ("region",),
    "azure-native": ("subscriptionId",),
    "gcp": ("project",),
    "kubernetes": ("context", "cluster"),
}


def of(token: str) -> ResourceType | None:
    """The table's entry for ``token``; a provider resource (``pulumi:providers:<package>``) has role provider."""
    if token.startswith("pulumi:providers:"):
        return ResourceType(token, "provider")
    return TYPES.get(token)


def tokens(*roles: str) -> frozenset[str]:
    """The type tokens of ``roles``."""
    return frozenset(t.token for t in TYPES.values() if t.role in roles)


def dig(value, path: str):
    """The value at a dotted ``path`` (``a.b[*].c`` lists every item's ``c``); None where absent."""
    head, _, rest = path.partition(".")
    star = head.endswith("[*]")
    key = head[:-3] if star else head
    node = value.get(key) if isinstance(value, Mapping) else None
    if star:
        items = node if isinstance(node, list) else []
        return [dig(item, rest) if rest else item for item in items] if items else None
    return dig(node, rest) if rest and node is not None else node


def placement(token: str, inputs: Mapping, provider_inputs: Mapping | None, config: Mapping[str, str]) -> dict[str, str]:
    """Where a resource of ``token`` lives: each key of :data:`PLACEMENT` for its package, from its own inputs,
    else its explicit provider's inputs, else the stack config of the default provider; keys with no value
    are left out."""
    package = token.split(":", 1)[0]
    out = {}
    for key in PLACEMENT.get(package, ()):
        value = inputs.get(key) if isinstance(inputs, Mapping) else None
        if value in (None, "") and provider_inputs is not None:
            value = provider_inputs.get(key)
        elif value in (None, ""):
            value = config.get(f"{package}:{key}")
        if isinstance(value, str) and value:
            out[key] = value
    return out


_ROLE_TEXT = {
    "key": "key material: a change of these inputs is a new key", "pin": "an adopted key's pin",
    "store-secret": "a secret of OM's store (under a store component)", "secret-version": "a value version",
    "vault": "a vault (its secrets go with it)", "namespace": "a namespace (its Secrets go with it)",
}


def readme_table() -> str:
    """The README's table of what the lifecycle guard follows per resource type, generated from :data:`TYPES`."""
    rows = ["| type | what it is | named by | replaced when these change |", "|---|---|---|---|"]
    for t in sorted(TYPES.values(), key=lambda t: (ROLES.index(t.role), t.token)):
        if t.role not in _ROLE_TEXT:
            continue
        shown = lambda keys: ", ".join(f"`{k}`" for k in keys) or "-"  # noqa: E731
        changes = shown(t.create_only) + "".join(f"; `{k}` {a} -> {b}" for k, (a, b) in sorted((t.downgrades or {}).items()))
        rows.append(f"| `{t.token}` | {_ROLE_TEXT[t.role]} | {shown(t.identity)} | {changes} |")
    return "\n".join(rows) + "\n"
