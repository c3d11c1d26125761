"""The om-secrets vocabulary: every provider, app, identity, type token, label, placeholder and the
production rule, defined once. Everything else imports these; ``tests/test_core.py`` fails when a
second definition appears in the source tree.

Pure standard library (no Pulumi import), so the CLI and the policy pack import it cheaply.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Mapping
from typing import Any, Optional

from .record import record

# ---------------------------------------------------------------- names

#: The Pulumi package name of every om-secrets component and the stack config namespace.
PACKAGE = "om-secrets"
CONFIG_NAMESPACE = PACKAGE
#: Value of the ``managed-by`` tag/label on everything om-secrets declares.
MANAGED_BY = PACKAGE
MANAGED_BY_TAG = "managed-by"

# ---------------------------------------------------------------- providers

#: OM's default provider: secrets stay Fernet-encrypted in OM's database (no store).
DB = "db"


@record
class IdConvention:
    """How OM builds and limits the secret ids of one store family (``SecretsManager.buildSecretId``)."""

    family: str  # aws-sm | aws-ssm | kubernetes | azure | gcp
    separator: str
    starts_with_separator: bool
    clean_pattern: re.Pattern[str]
    clean_replacement: str
    max_length: int
    max_levels: Optional[int] = None
    truncates_tag_values: bool = True  # getTags keeps split(":")[1] only


@record
class Provider:
    """One value of OM's ``secretsManagerProvider`` and what om-secrets knows about it.

    ``family`` groups providers with the same store and id rules (``aws-sm``, ``aws-ssm``,
    ``kubernetes``, ``azure``, ``gcp``; ``db`` for the one without a store). ``managed``: the OM server writes every
    password field to the store itself (``SecretsManagerFactory.java``); otherwise om-secrets seeds
    and the server only reads. ``store_declared``: om-secrets declares this provider's store (a
    provider whose store is not declared yet is refused by settings). ``server_parameters``: the
    keys of ``secretsManagerConfiguration.parameters`` OM's server reads; ``airflow_keys`` /
    ``env_keys``: what OM's ingestion ``airflow`` / ``env`` loaders read.
    """

    name: str
    cloud: Optional[str]
    managed: bool
    store: Optional[str]
    store_declared: bool
    ids: Optional[IdConvention]
    server_parameters: tuple[str, ...] = ()
    airflow_keys: tuple[str, ...] = ()
    env_keys: tuple[str, ...] = ()
    chart: bool = True  # the openmetadata Helm chart's schema accepts it in secretsManager.provider

    @property
    def uses_store(self) -> bool:
        return self.store is not None

    @property
    def family(self) -> str:
        return self.ids.family if self.ids else DB


_AWS_CLEAN = re.compile(r"[^A-Za-z0-9/_\-]")
#: SSM's API reports 2048 for a parameter name, but 1037 of those are reserved: the name plus the
#: ARN before it, ``arn:<partition>:ssm:<region>:<account>:parameter``, may use 1011 characters
#: (PutParameter docs). That ARN part is 44 characters in us-east-2 and up to 56 (us-isof-south-1);
#: 64 leaves room for any partition and region.
_SSM_MAX_NAME = 1011 - 64
_AWS_SM_IDS = IdConvention("aws-sm", "/", True, _AWS_CLEAN, "_", 512)
_AWS_SSM_IDS = IdConvention("aws-ssm", "/", True, _AWS_CLEAN, "_", _SSM_MAX_NAME, max_levels=15)
_K8S_IDS = IdConvention("kubernetes", "-", False, re.compile(r"[^A-Za-z0-9\-]"), "-", 253, truncates_tag_values=False)
_AZURE_IDS = IdConvention("azure", "-", False, re.compile(r"[^A-Za-z0-9\-]"), "", 127)
_GCP_IDS = IdConvention("gcp", "_", False, re.compile(r"[^A-Za-z0-9_]"), "", 255)

_AWS_PARAMS = ("region", "accessKeyId", "secretAccessKey")
_AWS_AIRFLOW = ("aws_region", "aws_access_key_id", "aws_secret_access_key")
_AWS_ENV = ("AWS_DEFAULT_REGION",)
_AZURE_PARAMS = ("clientId", "clientSecret", "tenantId", "vaultName")
_AZURE_AIRFLOW = ("azure_key_vault_name", "azure_tenant_id", "azure_client_id", "azure_client_secret")


def _aws(name: str, store: str, ids: IdConvention) -> Provider:
    return Provider(name, "aws", name.startswith("managed-"), store, True, ids,
                    _AWS_PARAMS, _AWS_AIRFLOW, _AWS_ENV)


#: Every value of OM's ``secretsManagerProvider`` enum om-secrets knows (``in-memory`` is for OM's
#: tests only), in the order error messages list them.
PROVIDER_REGISTRY: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider(DB, None, False, None, True, None),
        _aws("aws", "aws-secrets-manager", _AWS_SM_IDS),
        _aws("managed-aws", "aws-secrets-manager", _AWS_SM_IDS),
        _aws("aws-ssm", "aws-ssm-parameter-store", _AWS_SSM_IDS),
        _aws("managed-aws-ssm", "aws-ssm-parameter-store", _AWS_SSM_IDS),
        Provider(
            "kubernetes", "kubernetes", True, "kubernetes-secret", True, _K8S_IDS,
            ("namespace", "inCluster", "kubeconfigPath"),
            ("kubernetes_namespace", "kubernetes_in_cluster", "kubernetes_kubeconfig_path"),
            ("KUBERNETES_NAMESPACE", "KUBERNETES_IN_CLUSTER", "KUBERNETES_KUBECONFIG_PATH"),
            chart=False,
        ),
        Provider("azure-kv", "azure", False, "azure-key-vault", True, _AZURE_IDS,
                 _AZURE_PARAMS, _AZURE_AIRFLOW, ("AZURE_KEY_VAULT_NAME",)),
        Provider("managed-azure-kv", "azure", True, "azure-key-vault", True, _AZURE_IDS,
                 _AZURE_PARAMS, _AZURE_AIRFLOW, ("AZURE_KEY_VAULT_NAME",)),
        # OM reads ``project_id`` (its docs say gcp_project_id; the code wins).
        Provider("gcp", "gcp", True, "gcp-secret-manager", True, _GCP_IDS,
                 ("projectId",), ("project_id",), ("GOOGLE_CLOUD_PROJECT",)),
    )
}
#: Every provider name (OM's enum without ``in-memory``).
PROVIDERS: tuple[str, ...] = tuple(PROVIDER_REGISTRY)
#: Providers whose ids om-secrets computes (every provider but ``db``).
STORE_PROVIDERS: tuple[str, ...] = tuple(n for n, p in PROVIDER_REGISTRY.items() if p.uses_store)
#: Providers in which the OM server writes every password field to the store itself.
MANAGED_PROVIDERS: tuple[str, ...] = tuple(n for n, p in PROVIDER_REGISTRY.items() if p.managed)
#: Providers a stack may choose: ``db`` and those whose store om-secrets declares.
SUPPORTED_PROVIDERS: tuple[str, ...] = tuple(n for n, p in PROVIDER_REGISTRY.items() if p.store_declared)
#: Providers whose store lives in AWS (Secrets Manager or SSM Parameter Store).
AWS_PROVIDERS: tuple[str, ...] = tuple(n for n, p in PROVIDER_REGISTRY.items() if p.cloud == "aws")
#: Providers the openmetadata Helm chart's schema accepts.
CHART_PROVIDERS: tuple[str, ...] = tuple(n for n, p in PROVIDER_REGISTRY.items() if p.chart)


def provider(name: str) -> Provider:
    """The registry entry of ``name``; ``KeyError`` naming the allowed values otherwise."""
    try:
        return PROVIDER_REGISTRY[name]
    except (KeyError, TypeError):
        raise KeyError(f"unknown secrets manager provider {name!r}; allowed: {', '.join(PROVIDERS)}") from None


def providers_in(family: str) -> tuple[str, ...]:
    """Provider names of one store family (``aws-sm``, ``aws-ssm``, ``kubernetes``, ``azure``, ``gcp``)."""
    return tuple(n for n, p in PROVIDER_REGISTRY.items() if p.family == family)


#: Store families whose Pulumi package is an optional extra: family -> (extra, import name).
OPTIONAL_PACKAGES: Mapping[str, tuple[str, str]] = {
    "azure": ("azure", "pulumi_azure_native"),
    "gcp": ("gcp", "pulumi_gcp"),
}


def missing_package(provider: str) -> Optional[str]:
    """Why ``provider``'s store cannot be declared with the packages installed (None: it can)."""
    entry = PROVIDER_REGISTRY.get(provider)
    if entry is None or entry.family not in OPTIONAL_PACKAGES:
        return None
    extra, module = OPTIONAL_PACKAGES[entry.family]
    if importlib.util.find_spec(module) is not None:
        return None
    return (f"{provider!r} needs {module.replace('_', '-')}, an optional extra that is not installed: "
            f"pip install 'om-secrets[{extra}]'")


# ---------------------------------------------------------------- apps and identities

#: The applications om-secrets configures: the OM server and Airflow (which runs OM's ingestion).
SERVER_APP = "openmetadata"
AIRFLOW_APP = "airflow"
APPS: tuple[str, ...] = (SERVER_APP, AIRFLOW_APP)

#: Who reads the store: the OM server (read-write on managed providers) and ingestion (read-only).
SERVER = "server"
INGESTION = "ingestion"
IDENTITIES: tuple[str, ...] = (SERVER, INGESTION)
#: The app whose pods run as each identity.
IDENTITY_APP: Mapping[str, str] = {SERVER: SERVER_APP, INGESTION: AIRFLOW_APP}
#: Tag naming which identity an IAM policy, role or user serves.
IDENTITY_TAG = f"{PACKAGE}/identity"

#: How the apps authenticate to AWS: IRSA, EKS Pod Identity or an IAM user's access key (last resort).
IRSA = "irsa"
POD_IDENTITY = "pod-identity"
ACCESS_KEY = "access-key"
IDENTITY_MODES: tuple[str, ...] = (IRSA, POD_IDENTITY, ACCESS_KEY)
#: How the apps authenticate to Azure Key Vault: AKS workload identity or a service principal's secret.
AZURE_WORKLOAD_IDENTITY = "workload-identity"
AZURE_CLIENT_SECRET = "client-secret"
AZURE_IDENTITY_MODES: tuple[str, ...] = (AZURE_WORKLOAD_IDENTITY, AZURE_CLIENT_SECRET)
#: How the apps authenticate to GCP: GKE workload identity through a Google service account, or
#: roles granted directly to the Kubernetes ServiceAccount's principal (direct federation).
GCP_WORKLOAD_IDENTITY = "workload-identity"
GCP_DIRECT = "direct"
GCP_IDENTITY_MODES: tuple[str, ...] = (GCP_WORKLOAD_IDENTITY, GCP_DIRECT)

#: OM's ``authProvider`` enum (openMetadataConnection.json#/definitions/authProvider, openmetadata-spec).
AUTH_PROVIDERS: tuple[str, ...] = (
    "basic", "azure", "google", "okta", "auth0", "aws-cognito", "custom-oidc", "ldap", "saml", "openmetadata"
)

#: OM ingestion's secrets loaders (``pipelineServiceClientConfiguration.secretsManagerLoader``).
LOADERS: tuple[str, ...] = ("airflow", "env", "noop")

#: Where OM's ingestion runs: ``airflow`` (OM's Airflow plugin; the server calls Airflow's API) or
#: ``kubernetes`` (OM 1.12+: the server's own K8sPipelineClient creates ConfigMaps, Secrets, Jobs and
#: CronJobs in a pipelines namespace; no Airflow at all).
AIRFLOW_RUNTIME = "airflow"
KUBERNETES_RUNTIME = "kubernetes"
INGESTION_RUNTIMES: tuple[str, ...] = (AIRFLOW_RUNTIME, KUBERNETES_RUNTIME)


def apps_for(runtime: str) -> tuple[str, ...]:
    """The applications a stack configures with ``runtime``: Kubernetes-native ingestion has no Airflow
    (no Fernet ring, shared secrets, values or Jobs of Airflow's)."""
    if runtime not in INGESTION_RUNTIMES:
        raise ValueError(f"unknown ingestion runtime {runtime!r}; expected one of {', '.join(INGESTION_RUNTIMES)}")
    return APPS if runtime == AIRFLOW_RUNTIME else (SERVER_APP,)

# ---------------------------------------------------------------- type tokens


def type_token(module: str, name: str) -> str:
    """``om-secrets:<module>:<Name>``: the one way a component's Pulumi type is spelled."""
    return f"{PACKAGE}:{module}:{name}"


def wire_name(attribute: str) -> str:
    """The camelCase name a snake_case component attribute is registered under (as awsx does)."""
    head, *rest = attribute.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def wire_outputs(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """``register_outputs`` input: snake_case attribute names as camelCase, unset (None) ones left out."""
    return {wire_name(k): v for k, v in attributes.items() if v is not None}


ENVIRONMENT_TYPE = type_token("index", "OpenMetadataSecrets")
SECRET_STORE_TYPE = type_token("stores", "SecretStore")
AWS_SECRETS_MANAGER_STORE_TYPE = type_token("stores", "AwsSecretsManagerStore")
AWS_SSM_STORE_TYPE = type_token("stores", "AwsSsmParameterStore")
KUBERNETES_STORE_TYPE = type_token("stores", "KubernetesSecretStore")
AZURE_KEY_VAULT_STORE_TYPE = type_token("stores", "AzureKeyVaultStore")
GCP_SECRET_MANAGER_STORE_TYPE = type_token("stores", "GcpSecretManagerStore")
BOOTSTRAP_TYPE = type_token("bootstrap", "BootstrapSecrets")
AWS_ACCESS_TYPE = type_token("access", "AwsAccess")
KUBERNETES_ACCESS_TYPE = type_token("access", "KubernetesAccess")
AZURE_ACCESS_TYPE = type_token("access", "AzureAccess")
GCP_ACCESS_TYPE = type_token("access", "GcpAccess")
FERNET_RING_TYPE = type_token("fernet", "FernetKeyRing")
JWT_KEY_PAIR_TYPE = type_token("jwt", "JwtKeyPair")
AIRFLOW_SECRETS_TYPE = type_token("airflow", "AirflowSecrets")
KMS_KEY_TYPE = type_token("kms", "SecretsKmsKey")
APP_CONFIG_DELIVERY_TYPE = type_token("app", "AppConfigDelivery")
#: The OpenMetadataSecrets output holding the rendered app config files (``preview --out`` writes them).
APP_CONFIG_FILES_OUTPUT = "appConfigFiles"

# ---------------------------------------------------------------- labels and placeholders

#: Labels on every Kubernetes object om-secrets declares.
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
STANDARD_LABELS: Mapping[str, str] = {MANAGED_BY_LABEL: MANAGED_BY, "app.kubernetes.io/part-of": "openmetadata"}
#: Labels OM's KubernetesSecretsManager sets on the secrets it creates.
OM_K8S_LABELS: Mapping[str, str] = {"app": "openmetadata", "managed-by": "openmetadata-secrets-manager"}

#: Shown instead of a secret value (preview, rendered files, diffs) unless ``--show-secrets``.
SECRET_PLACEHOLDER = "[secret]"
#: How ``omsecrets`` stands in for a ``secure:`` stack config value it cannot decrypt offline
#: (``mock-secure-<hash of the key>``); a real secret never looks like this.
OFFLINE_SECRET_PREFIX = "mock-secure-"


def is_offline_secret(value: Any) -> bool:
    """A ``secure:`` config value ``omsecrets`` could not decrypt (offline): present, but not checkable."""
    return isinstance(value, str) and value.startswith(OFFLINE_SECRET_PREFIX)


#: Shown for a value Pulumi cannot know during a preview.
UNKNOWN_PLACEHOLDER = "[unknown]"
PLACEHOLDERS: tuple[str, ...] = (UNKNOWN_PLACEHOLDER, SECRET_PLACEHOLDER)

#: What the store-namespace Secret that held a Kubernetes Fernet ring copy holds since the copies
#: moved to a namespace no Role of OM's covers (the Secret itself stays: upgrading deletes nothing).
VACATED_KEY_COPY = "om-secrets moved this Fernet ring copy to namespace {namespace} (Secret {name}); nothing is stored here"


def is_vacated_key_copy(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(VACATED_KEY_COPY.split("{", 1)[0])


# ---------------------------------------------------------------- production

#: Environment (or stack) names that mean production, compared case-insensitively.
PRODUCTION_NAMES: tuple[str, ...] = ("prod", "production")


def is_production_name(environment: Any) -> bool:
    """Whether an environment or stack name means production (``Prod`` and ``PRODUCTION`` do)."""
    return isinstance(environment, str) and environment.strip().lower() in PRODUCTION_NAMES


def parse_bool(value: Any) -> Optional[bool]:
    """A config boolean: ``True``/``False`` or ``"true"``/``"false"`` in any case; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def production_from_config(config: Mapping[str, Any], stack: str) -> bool:
    """Production as settings decide it, from CLI-style config (``om-secrets:production``...).

    An explicit ``production`` wins; else the ``environment`` (default: the stack name) is
    production when its name is one of ``PRODUCTION_NAMES``, in any case.
    """
    explicit = parse_bool(config.get(f"{CONFIG_NAMESPACE}:production"))
    if explicit is not None:
        return explicit
    return is_production_name(config.get(f"{CONFIG_NAMESPACE}:environment") or stack or "")


# ---------------------------------------------------------------- errors


def find_config_error(exc: BaseException) -> Optional[BaseException]:
    """The settings ``ConfigError`` in ``exc``'s cause/context chain, if any (matched by class name,
    so an error raised by another copy of the package is found too)."""
    seen: set[int] = set()
    current: Optional[BaseException] = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if any(cls.__name__ == "ConfigError" for cls in type(current).__mro__):
            return current
        current = current.__cause__ or current.__context__
    return None


# ---------------------------------------------------------------- access model
#
# What an IAM policy or an RBAC rule lets its holder do to a secret: read its value, write it
# (create, change its value, tags or policy) or delete it. Components build their grants from
# these kinds, policy rules judge with them and ``omsecrets preview --graph`` draws them.

READ = "read"
WRITE = "write"
DELETE = "delete"
ACCESS_KINDS: tuple[str, ...] = (READ, WRITE, DELETE)
NO_ACCESS: frozenset[str] = frozenset()


def required_access(identity: str, provider_name: str) -> frozenset[str]:
    """What an identity needs on the store. The server: on managed providers read, write and delete (OM
    writes every password field itself); on the others nothing (``SecretsManagerFactory`` hands ``aws``,
    ``aws-ssm`` and ``azure-kv`` to ``DBSecretsManager``, which has no store client: only ingestion
    reads those stores). Ingestion: read."""
    if identity not in IDENTITIES:
        raise ValueError(f"unknown identity {identity!r}; expected one of {', '.join(IDENTITIES)}")
    if identity == SERVER:
        return frozenset(ACCESS_KINDS) if provider(provider_name).managed else NO_ACCESS
    return frozenset({READ})


#: The operations of the secret services on secrets, parameters and keys. Not listed here:
#: operations that neither return a value nor change anything (Describe*, List*, Get* of metadata,
#: BatchGetSecretValue, which also needs GetSecretValue on each secret). Unlisted operations of
#: any service are classified by ``action_access``'s verb rule.
IAM_OPERATIONS: Mapping[str, Optional[str]] = {
    **dict.fromkeys(("secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters",
                     "ssm:GetParametersByPath", "ssm:GetParameterHistory", "kms:Decrypt", "kms:ReEncryptFrom"), READ),
    **dict.fromkeys((
        "secretsmanager:CreateSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecret",
        "secretsmanager:UpdateSecretVersionStage", "secretsmanager:RestoreSecret", "secretsmanager:RotateSecret",
        "secretsmanager:CancelRotateSecret", "secretsmanager:PutResourcePolicy", "secretsmanager:TagResource",
        "secretsmanager:UntagResource", "secretsmanager:ReplicateSecretToRegions",
        "secretsmanager:StopReplicationToReplica", "ssm:PutParameter", "ssm:AddTagsToResource",
        "ssm:LabelParameterVersion", "ssm:UnlabelParameterVersion", "kms:Encrypt", "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext",
        "kms:ReEncryptTo", "kms:CreateGrant", "kms:PutKeyPolicy", "kms:EnableKey", "kms:DisableKey",
        "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:CancelKeyDeletion", "kms:TagResource",
        "kms:UntagResource", "kms:UpdateKeyDescription", "kms:CreateAlias", "kms:UpdateAlias"), WRITE),
    **dict.fromkeys(("secretsmanager:DeleteSecret", "secretsmanager:DeleteResourcePolicy",
                     "secretsmanager:RemoveRegionsFromReplication", "ssm:DeleteParameter", "ssm:DeleteParameters",
                     "ssm:RemoveTagsFromResource", "kms:ScheduleKeyDeletion", "kms:DeleteAlias",
                     "kms:RetireGrant", "kms:RevokeGrant"), DELETE),
    # Listed so wildcards find them: they grant nothing on a value.
    **dict.fromkeys(("secretsmanager:DescribeSecret", "secretsmanager:ListSecrets",
                     "secretsmanager:ListSecretVersionIds", "secretsmanager:GetResourcePolicy",
                     "secretsmanager:GetRandomPassword", "secretsmanager:BatchGetSecretValue",
                     "secretsmanager:ValidateResourcePolicy", "ssm:DescribeParameters",
                     "ssm:ListTagsForResource", "kms:DescribeKey", "kms:GetKeyPolicy",
                     "kms:GetKeyRotationStatus", "kms:ListGrants", "kms:ListResourceTags", "kms:ListKeys",
                     "kms:ListAliases"), None),
}
_OPERATIONS_LOWER = {op.lower(): kind for op, kind in IAM_OPERATIONS.items()}
#: Verbs of operations that only describe (no value, no change), for operations not in IAM_OPERATIONS.
_METADATA_VERBS = ("get", "describe", "list", "batchget")


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    """IAM's wildcards: ``*`` any run of characters (``/`` and ``:`` too), ``?`` one character."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _matches(patterns: Any, value: str, *, ignore_case: bool) -> bool:
    return any(isinstance(p, str) and _glob(p, ignore_case=ignore_case).fullmatch(value) for p in _as_list(patterns))


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _verb_access(action: str) -> frozenset[str]:
    operation = action.split(":", 1)[1].lower() if ":" in action else action.lower()
    if operation.startswith(_METADATA_VERBS):
        return NO_ACCESS
    return frozenset({DELETE}) if operation.startswith(("delete", "remove")) else frozenset({WRITE})


def action_access(action: str) -> frozenset[str]:
    """What an IAM action, or a pattern such as ``secretsmanager:Get*``, may grant on its resources.

    A pattern grants what the operations in ``IAM_OPERATIONS`` it matches grant; an operation or a
    pattern matching none of them (another service, ``s3:*``) is classified by its verb:
    Get/Describe/List/BatchGet nothing, Delete/Remove delete, anything else write.
    """
    if not isinstance(action, str):
        return frozenset({WRITE})
    if action.lower() in _OPERATIONS_LOWER:
        kind = _OPERATIONS_LOWER[action.lower()]
        return frozenset({kind}) if kind else NO_ACCESS
    if "*" in action or "?" in action:
        regex = _glob(action, ignore_case=True)
        matched = [kind for op, kind in _OPERATIONS_LOWER.items() if regex.fullmatch(op)]
        if matched:
            return frozenset(k for k in matched if k)
    return _verb_access(action)


def is_read_only_action(action: str) -> bool:
    """An action (or pattern) that grants no write and no delete."""
    return not action_access(action) & {WRITE, DELETE}


def _statements(documents: Any) -> list[Mapping]:
    if isinstance(documents, Mapping):
        documents = [documents]
    out: list[Mapping] = []
    for document in documents or []:
        if isinstance(document, Mapping):
            out.extend(s for s in _as_list(document.get("Statement")) if isinstance(s, Mapping))
    return out


def _arn_service(arn: str) -> str:
    parts = arn.split(":")
    return parts[2].lower() if len(parts) > 2 else ""


def _statement_operations(statement: Mapping, service: str) -> set[str]:
    """Operations of ``service`` (lower case) a statement covers: those its Action names, or every
    one its NotAction leaves. Operations IAM_OPERATIONS does not list count when named exactly."""
    ops = [op for op in _OPERATIONS_LOWER if op.split(":")[0] == service]
    if "Action" in statement:
        named = [a for a in _as_list(statement.get("Action")) if isinstance(a, str)]
        covered = {op for op in ops if _matches(named, op, ignore_case=True)}
        covered |= {a.lower() for a in named if a.lower().startswith(service + ":") and "*" not in a and "?" not in a}
        return covered
    if "NotAction" in statement:
        return {op for op in ops if not _matches(statement.get("NotAction"), op, ignore_case=True)}
    return set()


def _statement_resource(statement: Mapping, arn: str) -> bool:
    if "Resource" in statement:
        return _matches(statement.get("Resource"), arn, ignore_case=False)
    if "NotResource" in statement:
        return not _matches(statement.get("NotResource"), arn, ignore_case=False)
    return False


def _operations_on(statement: Mapping, arn: str) -> set[str]:
    if not isinstance(arn, str) or not _statement_resource(statement, arn):
        return set()
    return _statement_operations(statement, _arn_service(arn))


def _kinds(operations: Any) -> frozenset[str]:
    return frozenset(kind for op in operations for kind in action_access(op))


def statement_access(statement: Mapping, arn: str) -> frozenset[str]:
    """What one statement names on ``arn``, its Effect aside (Action/NotAction, Resource/NotResource)."""
    return _kinds(_operations_on(statement, arn))


def iam_access(documents: Any, resource_arns: Any, *, conditional: bool = True) -> dict[str, frozenset[str]]:
    """``{arn: {"read", "write", "delete"}}``: what an identity holding ``documents`` (one IAM policy
    document or several) may do to each resource. Operation by operation: allowed by some Allow and
    denied by no Deny; wildcards ``*``/``?`` in actions (any case) and resources (exact case).

    An Allow with a Condition counts (it may apply; ``conditional=False`` counts only unconditional
    grants); a Deny with a Condition does not subtract (it may not apply).
    """
    statements = _statements(documents)
    out = {}
    for arn in resource_arns:
        allowed: set[str] = set()
        denied: set[str] = set()
        for s in statements:
            has_condition = bool(s.get("Condition"))
            if s.get("Effect") == "Allow" and (conditional or not has_condition):
                allowed |= _operations_on(s, arn)
            elif s.get("Effect") == "Deny" and not has_condition:
                denied |= _operations_on(s, arn)
        out[arn] = _kinds(allowed - denied)
    return out


#: Kubernetes verbs on Secrets and the access each grants.
K8S_VERBS: Mapping[str, str] = {
    "get": READ, "list": READ, "watch": READ,
    "create": WRITE, "update": WRITE, "patch": WRITE,
    "delete": DELETE, "deletecollection": DELETE,
}
#: Every verb the API server authorizes on a resource: what ``verbs: ["*"]`` stands for.
K8S_ALL_VERBS: tuple[str, ...] = tuple(K8S_VERBS)
#: Verbs a rule's resourceNames cannot restrict: a rule with resourceNames never authorizes them.
_UNNAMED_VERBS = ("create", "deletecollection")


def _covers_resource(resources: set[str], resource: str) -> bool:
    """RBAC's resource match: exact, ``*`` (every resource and subresource), ``<resource>/*`` or ``*/<sub>``."""
    base, _, sub = resource.partition("/")
    if resource in resources or "*" in resources:
        return True
    return bool(sub) and bool({f"{base}/*", f"*/{sub}"} & resources)


def rule_verbs(rule: Mapping, api_group: str, resource: str, name: Optional[str] = None) -> frozenset[str]:
    """The verbs one RBAC rule grants on ``resource`` (``pods/log`` for a subresource) of ``api_group``
    (``""``: core) named ``name`` (None: some object, or the collection). ``*`` in apiGroups, resources or
    verbs counts; a rule with resourceNames grants nothing on another name and never create or
    deletecollection."""
    if not isinstance(rule, Mapping):
        return frozenset()
    groups = set(map(str, _as_list(rule.get("apiGroups"))))
    resources = set(map(str, _as_list(rule.get("resources"))))
    if not ({api_group, "*"} & groups) or not _covers_resource(resources, resource):
        return frozenset()
    names = [n for n in _as_list(rule.get("resourceNames")) if isinstance(n, str)]
    if names and name is not None and name not in names:
        return frozenset()
    verbs = {str(v) for v in _as_list(rule.get("verbs"))}
    if "*" in verbs:
        verbs = set(K8S_ALL_VERBS)
    if names:
        verbs -= set(_UNNAMED_VERBS)
    return frozenset(verbs)


def rbac_verbs(rules: Any, api_group: str, resource: str, name: Optional[str] = None) -> frozenset[str]:
    """The verbs a Role's (or ClusterRole's) rules grant on ``resource`` of ``api_group`` (see ``rule_verbs``)."""
    rules = [r for r in _as_list(rules) if isinstance(r, Mapping)]
    return frozenset().union(*(rule_verbs(r, api_group, resource, name) for r in rules))


def subject_label(subject: Mapping) -> str:
    """``ServiceAccount <namespace>/<name>`` (or ``<Kind> <name>`` for a User or Group) of an RBAC subject."""
    namespace, name = subject.get("namespace"), subject.get("name")
    return f"{subject.get('kind')} {f'{namespace}/{name}' if namespace else name}"


def rule_covers_secrets(rule: Mapping) -> bool:
    """An RBAC rule whose apiGroups include core (``""``) and resources include ``secrets`` (or ``*``)."""
    groups, resources = _as_list(rule.get("apiGroups")), _as_list(rule.get("resources"))
    return bool({"", "*"} & set(map(str, groups))) and bool({"secrets", "*"} & set(map(str, resources)))


def rule_access(rule: Mapping, secret_name: Optional[str] = None) -> frozenset[str]:
    """What one RBAC rule grants on the Secret called ``secret_name`` (None: on some Secret)."""
    return frozenset(K8S_VERBS[v] for v in rule_verbs(rule, "", "secrets", secret_name) if v in K8S_VERBS)


def rbac_access(rules: Any, secret_names: Any) -> dict[str, frozenset[str]]:
    """``{name: {"read", "write", "delete"}}``: what a Role's (or ClusterRole's) rules grant on each
    Secret of its namespace."""
    rules = [r for r in _as_list(rules) if isinstance(r, Mapping)]
    return {name: frozenset().union(*(rule_access(r, name) for r in rules)) for name in secret_names}


# ---------------------------------------------------------------- access model: Azure and GCP

#: Key Vault data actions on secrets and what each grants (None: metadata only).
AZURE_SECRET_DATA_ACTIONS: Mapping[str, Optional[str]] = {
    "Microsoft.KeyVault/vaults/secrets/getSecret/action": READ,
    "Microsoft.KeyVault/vaults/secrets/backup/action": READ,  # an encrypted blob, restorable elsewhere
    "Microsoft.KeyVault/vaults/secrets/setSecret/action": WRITE,
    "Microsoft.KeyVault/vaults/secrets/update/action": WRITE,
    "Microsoft.KeyVault/vaults/secrets/restore/action": WRITE,
    "Microsoft.KeyVault/vaults/secrets/recover/action": WRITE,
    "Microsoft.KeyVault/vaults/secrets/delete": DELETE,
    "Microsoft.KeyVault/vaults/secrets/purge/action": DELETE,
    "Microsoft.KeyVault/vaults/secrets/readMetadata/action": None,
}
#: Built-in Azure roles by id: their data actions on Key Vault secrets. Owner, Contributor, Key Vault
#: Contributor and the access administrators hold no data action but can grant themselves one (a role
#: assignment, or the vault switched to access policies): everything, in effect.
AZURE_BUILTIN_ROLES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "4633458b-17de-408a-b874-0445c86b69e6": ("Key Vault Secrets User", (
        "Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action")),
    "b86a8fe4-44ce-4948-aee5-eccb2c155cd7": ("Key Vault Secrets Officer", ("Microsoft.KeyVault/vaults/secrets/*",)),
    "00482a5a-887f-4fb3-b363-3b7fe8e74483": ("Key Vault Administrator", ("Microsoft.KeyVault/vaults/*",)),
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": ("Owner", ("*",)),
    "b24988ac-6180-42a0-ab88-20f7382dd24c": ("Contributor", ("*",)),
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": ("User Access Administrator", ("*",)),
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": ("Role Based Access Control Administrator", ("*",)),
    "f25e0fa2-a7c8-4377-a976-54943a77a395": ("Key Vault Contributor", ("*",)),
    "8b54135c-b56d-4d72-a534-26097cfdc8d8": ("Key Vault Data Access Administrator", ("*",)),
}
#: Secret Manager permissions and what each grants (None: metadata only).
GCP_SECRET_PERMISSIONS: Mapping[str, Optional[str]] = {
    "secretmanager.versions.access": READ,
    "secretmanager.secrets.create": WRITE,
    "secretmanager.versions.add": WRITE,
    "secretmanager.versions.enable": WRITE,
    "secretmanager.versions.disable": WRITE,
    "secretmanager.secrets.update": WRITE,
    "secretmanager.secrets.setIamPolicy": WRITE,
    "secretmanager.secrets.delete": DELETE,
    "secretmanager.versions.destroy": DELETE,
    "secretmanager.secrets.get": None,
    "secretmanager.secrets.list": None,
    "secretmanager.versions.get": None,
    "secretmanager.versions.list": None,
    "secretmanager.secrets.getIamPolicy": None,
}
#: Predefined GCP roles: their Secret Manager permissions (basic roles hold them all).
GCP_PREDEFINED_ROLES: Mapping[str, tuple[str, ...]] = {
    "roles/secretmanager.secretAccessor": ("secretmanager.versions.access",),
    "roles/secretmanager.secretVersionAdder": ("secretmanager.versions.add",),
    "roles/secretmanager.secretVersionManager": (
        "secretmanager.versions.add", "secretmanager.versions.enable", "secretmanager.versions.disable",
        "secretmanager.versions.destroy", "secretmanager.versions.get", "secretmanager.versions.list"),
    "roles/secretmanager.viewer": ("secretmanager.secrets.get", "secretmanager.secrets.list",
                                   "secretmanager.versions.get", "secretmanager.versions.list"),
    "roles/secretmanager.admin": ("secretmanager.*",),
    "roles/owner": ("*",),
    "roles/editor": ("*",),
}


def azure_access(data_actions: Any) -> frozenset[str]:
    """What a role's ``dataActions`` (wildcards allowed) grant on a vault's secrets."""
    out: set[str] = set()
    for action in _as_list(data_actions):
        if not isinstance(action, str):
            continue
        pattern = _glob(action, ignore_case=True)
        out.update(k for a, k in AZURE_SECRET_DATA_ACTIONS.items() if k and pattern.fullmatch(a))
    return frozenset(out)


def azure_role_access(role_definition_id: str, custom: Mapping[str, Any] | None = None) -> frozenset[str]:
    """What a role assignment's role grants: a built-in role by the GUID ending its id, or a custom
    role's data actions from ``custom`` ({id: dataActions})."""
    if custom and role_definition_id in custom:
        return azure_access(custom[role_definition_id])
    guid = str(role_definition_id).rstrip("/").rsplit("/", 1)[-1].lower()
    role = AZURE_BUILTIN_ROLES.get(guid)
    return azure_access(role[1]) if role else NO_ACCESS


#: Secret Manager permissions checked on the project, not on a secret: an IAM condition on the
#: secret's name never matches them.
GCP_PROJECT_PERMISSIONS: tuple[str, ...] = ("secretmanager.secrets.create", "secretmanager.secrets.list")


def gcp_permissions(permissions: Any) -> frozenset[str]:
    """The Secret Manager permissions (of ``GCP_SECRET_PERMISSIONS``) a list of permissions, wildcards
    allowed, holds."""
    out: set[str] = set()
    for permission in _as_list(permissions):
        if isinstance(permission, str):
            pattern = _glob(permission, ignore_case=False)
            out.update(p for p in GCP_SECRET_PERMISSIONS if pattern.fullmatch(p))
    return frozenset(out)


def gcp_access(permissions: Any) -> frozenset[str]:
    """What a list of GCP permissions (wildcards allowed) grants on Secret Manager secrets."""
    return frozenset(k for p in gcp_permissions(permissions) if (k := GCP_SECRET_PERMISSIONS[p]))


def gcp_role_access(role: str, custom: Mapping[str, Any] | None = None) -> frozenset[str]:
    """What a binding's role grants: a predefined role, or a custom role's permissions from ``custom``."""
    if custom and role in custom:
        return gcp_access(custom[role])
    return gcp_access(GCP_PREDEFINED_ROLES.get(role, ()))


_CEL_CLAUSE = re.compile(r'(!?)resource\.name(?:\.startsWith\("([^"]*)"\)| (==|!=) "([^"]*)")')


def gcp_condition_matches(expression: Optional[str], resource_name: str) -> Optional[bool]:
    """Whether an IAM condition grants on ``resource_name``: no condition -> True; the ``&&`` of
    ``resource.name.startsWith("...")`` / ``== "..."`` / ``!= "..."`` clauses (optionally negated)
    om-secrets writes -> evaluated; anything else -> None (unknown)."""
    if not expression:
        return True
    result = True
    for clause in expression.split("&&"):
        m = _CEL_CLAUSE.fullmatch(clause.strip())
        if m is None:
            return None
        negate, prefix, op, literal = m.groups()
        value = resource_name.startswith(prefix) if prefix is not None else (resource_name == literal) == (op == "==")
        result = result and (not value if negate else value)
    return result
