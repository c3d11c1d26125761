"""Stack settings: the one place that reads ``pulumi.Config("om-secrets")``.

``load()`` reads the stack's config, ``from_dict()`` validates a plain dict (tests, tools). Both
return a frozen ``Settings`` or raise one ``ConfigError`` that lists every problem, each naming
the config key, the bad value and what is allowed. Every key is declared once in ``KEYS`` (type,
default, validator, meaning): the readers, the unknown-key check, the README table
(``readme_table()``) and the components' defaults (``default(key)``) all come from it.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import field
from typing import Any

from . import conventions, core, disclosure, fernet, jwt, key_material, om_operations
from .record import record

NAMESPACE = core.CONFIG_NAMESPACE
SUPPORTED_PROVIDERS = core.SUPPORTED_PROVIDERS
AWS_PROVIDERS = core.AWS_PROVIDERS
IDENTITY_MODES = core.IDENTITY_MODES
LOADERS = core.LOADERS
PRODUCTION_NAMES = core.PRODUCTION_NAMES
APPS = core.APPS
MANAGED_BY = core.MANAGED_BY
STANDARD_LABELS = core.STANDARD_LABELS


@dataclasses.dataclass(frozen=True)
class Backfill:
    """A key today's rules require that a stack file written before them left out, and the value that
    absence stood for then.

    Only a lifecycle baseline is read with it (``omsecrets check --baseline-ref``: the stack file as it
    was at a git revision), so that a change which adds the key is still compared with what it changes;
    a stack file of today must set the key. Each one is declared where its problem is found, and only
    where the value is known: a key whose absence could have meant more than one thing has none.
    """

    key: str  #: as the Pulumi CLI names it: ``kubernetes:enableSecretMutable``, ``om-secrets:airflow.version``
    value: Any
    why: str  #: why ``value`` is what the absent key meant (shown with the comparison)

    def text(self) -> str:
        return f"{self.key}: {json.dumps(self.value)} ({self.why})"


class ConfigError(ValueError):
    """Invalid stack configuration: every problem found, one per line.

    ``backfills`` maps a problem to the ``Backfill`` that answers it, for the problems a stack file
    written before a key was required has (no other problem has one).
    """

    def __init__(self, problems: list[str], backfills: Mapping[str, Backfill] | None = None):
        self.problems = list(problems)
        self.backfills = {p: b for p, b in (backfills or {}).items() if p in self.problems}
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the {NAMESPACE} configuration:"
        super().__init__("\n".join([head, *(f"  - {p}" for p in self.problems)]))


@record
class KmsSettings:
    """Customer-managed KMS key: create one (``create``) or use an existing ``key_arn``."""

    create: bool = False
    key_arn: str | None = None
    deletion_window_in_days: int = 30
    #: replica region -> the key its replicas are encrypted with (given, or derived from a multi-region key).
    replica_key_arns: Mapping[str, str] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.create or bool(self.key_arn)


@record
class IdentitySettings:
    """How the apps authenticate to AWS: IRSA, EKS Pod Identity or an IAM user's access key."""

    mode: str = "irsa"
    oidc_provider_arn: str | None = None
    oidc_issuer: str | None = None
    eks_cluster_name: str | None = None


@record
class AwsSettings:
    region: str = ""
    recovery_window_in_days: int = 7
    replica_regions: tuple[str, ...] = ()
    kms: KmsSettings = field(default_factory=KmsSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)


@record
class KubernetesSettings:
    """Where OM's ``kubernetes`` provider keeps secrets (``OM_SM_NAMESPACE`` ...): a namespace of its own."""

    namespace: str = "openmetadata-secrets"
    keys_namespace: str = "openmetadata-secrets-keys"
    in_cluster: bool = True
    kubeconfig_path: str = ""
    create_namespaces: bool = False


@record
class AzureVaultSettings:
    """The Key Vault OM uses (and the one holding the Fernet key copies): created or existing."""

    name: str = ""
    create: bool = True
    keys_name: str = ""
    soft_delete_retention_days: int = 90
    purge_protection: bool = True
    network_default_action: str = "Allow"
    ip_rules: tuple[str, ...] = ()
    subnet_ids: tuple[str, ...] = ()
    public_network_access: bool = True


@record
class AzureIdentitySettings:
    """AKS workload identity (``oidc_issuer``) or existing service principals with client secrets."""

    mode: str = core.AZURE_WORKLOAD_IDENTITY
    oidc_issuer: str | None = None
    server_client_id: str | None = None
    server_principal_id: str | None = None
    server_client_secret: str | None = None  # the config key (set with --secret)
    ingestion_client_id: str | None = None
    ingestion_principal_id: str | None = None
    ingestion_client_secret: str | None = None
    #: config key -> value (an Output under Pulumi) of the client secrets.
    secret_values: Mapping[str, Any] = field(default_factory=dict)


@record
class AzureSettings:
    subscription_id: str = ""
    tenant_id: str = ""
    resource_group_name: str = ""
    location: str = ""
    vault: AzureVaultSettings = field(default_factory=AzureVaultSettings)
    identity: AzureIdentitySettings = field(default_factory=AzureIdentitySettings)


@record
class GcpSettings:
    """Where OM's ``gcp`` provider keeps secrets and how the apps reach it."""

    project: str = ""
    project_number: str = ""
    replication_locations: tuple[str, ...] = ()
    kms_key_name: str | None = None
    kms_key_names: Mapping[str, str] = field(default_factory=dict)
    identity_mode: str = core.GCP_WORKLOAD_IDENTITY
    cluster_project: str | None = None
    cluster_project_number: str | None = None


@record
class AppSettings:
    """Where an application runs: its namespace and ServiceAccount."""

    namespace: str
    service_account: str


@record
class IngestionSettings(AppSettings):
    """Where OM's ingestion runs and how it reads the store. With ``runtime`` ``kubernetes`` the namespace is
    the pipelines namespace (OM's K8sPipelineClient ``namespace``) and the ServiceAccount the one of every pod
    OM creates there (``serviceAccountName``)."""

    loader: str = "airflow"
    host_port: str = "http://openmetadata:8585/api"
    auth_provider: str = "openmetadata"
    runtime: str = core.AIRFLOW_RUNTIME
    #: the image OM's server runs pipelines with (runtime kubernetes: ``ingestionImage``).
    image: str | None = None
    #: runtime kubernetes: OMJob / CronOMJob custom resources (OM's operator) instead of Jobs / CronJobs.
    om_job_operator: bool = False

    @property
    def kubernetes_native(self) -> bool:
        return self.runtime == core.KUBERNETES_RUNTIME


@record
class RingSettings:
    """Active key generations of one application's Fernet ring, newest (primary) first."""

    generations: tuple[int, ...] = (1,)
    reencrypted_to: int | None = None
    #: generation -> config key holding an existing key (set with ``--secret``), e.g. to adopt a
    #: running deployment's ``FERNET_KEY``; other generations are generated.
    imported: Mapping[int, str] = field(default_factory=dict)
    #: generation -> the imported key's value (an Output under Pulumi).
    imported_values: Mapping[int, Any] = field(default_factory=dict)

    @property
    def primary(self) -> int:
        return self.generations[0]


@record
class FernetSettings:
    openmetadata: RingSettings = field(default_factory=RingSettings)
    airflow: RingSettings = field(default_factory=RingSettings)
    rotation_job_image: str | None = None
    rotation_job_run: bool = False
    rotation_job_database_secret: str = "airflow-airflow-metadata"
    rotation_job_database_key: str = "connection"

    def ring(self, app: str) -> RingSettings:
        return getattr(self, app)


@record
class AirflowSettings:
    """The Airflow that runs OM's ingestion: its major version, the user OM's server calls it as, the Jobs' image."""

    version: int = 3
    #: the Airflow user OM's server calls the API with (``AIRFLOW_USERNAME``); its password is generated.
    server_user: str = "openmetadata"
    #: the role the user Job gives it.
    server_user_role: str = "Admin"
    #: the image of the Jobs om-secrets declares (the Airflow user Job, the Fernet rotation Job's default).
    image: str | None = None


@record
class OperationsSettings:
    """OM's own operations (``./bootstrap/openmetadata-ops.sh <command>``) as Jobs om-secrets declares
    (``components.om_operations``): the image, the OM version they target, what the server reads besides
    om-secrets' own env (the OM chart's Secrets, Secrets of yours)."""

    #: OM's server image; required when a step runs.
    image: str | None = None
    #: the OM server version the steps target (``(2, 0, 7)``): decides which commands exist.
    om_version: tuple[int, ...] | None = None
    #: Secrets the server's pods read with ``envFrom`` besides om-secrets' own (each optional in the Jobs).
    env_from: tuple[str, ...] = ()
    #: ``{ENV: (secret name, key)}``: env the server reads from Secrets of yours (the database password).
    secret_env: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: annotate the Jobs ``pulumi.com/skipAwait`` (a cluster without a Job controller only).
    skip_await: bool = False


@record
class MigrationSettings:
    """Moving OM's DB-held secrets into a managed store: ``run`` declares ``migrate-secrets``; ``migrated_to``
    records it done (the lifecycle guard accepts the record once the baseline shows the completed Job)."""

    run: bool = False
    migrated_to: str | None = None


@record
class JwtSettings:
    """OM's JWT signing key pair: generated (``key_size``) or adopted from a running deployment."""

    enabled: bool = True
    #: why a stack declares no pair (required with ``enabled: false``).
    disabled_reason: str | None = None
    key_size: int = jwt.DEFAULT_KEY_SIZE
    #: the pair's generation: raising it declares a new pair (a rotation, README: JWT key rotation runbook).
    generation: int = 1
    issuer: str = jwt.DEFAULT_ISSUER
    #: ``JWT_KEY_ID``; None: the RFC 7638 thumbprint of the public key.
    key_id: str | None = None
    #: config key (set with ``--secret``) holding the adopted private key; None: generated.
    imported: str | None = None
    #: the adopted key's value (an Output under Pulumi).
    imported_value: Any = None
    #: JWKS URLs listed after the server's own in ``authenticationConfiguration.publicKeyUrls``.
    extra_public_key_urls: tuple[str, ...] = ()
    #: after a key change: declare regenerate-bot-tokens (where OM has it) and deploy-pipelines.
    bot_tokens_run: bool = False


@record
class BootstrapSecret:
    """A secret om-secrets seeds: generated (``length``...) or taken from a secret config key."""

    name: str
    parts: tuple[str, ...]
    length: int = 32
    special: bool = False
    upper: bool = True
    lower: bool = True
    numeric: bool = True
    from_config: str | None = None
    value: Any = None  # the secret config value (an Output under Pulumi) when from_config

    @property
    def generated(self) -> bool:
        return self.from_config is None


@record
class Settings:
    """One environment's validated configuration."""

    stack: str
    environment: str
    production: bool
    protect: bool
    provider: str
    cluster_name: str = "openmetadata"
    prefix: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    aws: AwsSettings = field(default_factory=AwsSettings)
    kubernetes: KubernetesSettings = field(default_factory=KubernetesSettings)
    azure: AzureSettings = field(default_factory=AzureSettings)
    gcp: GcpSettings = field(default_factory=GcpSettings)
    server: AppSettings = field(default_factory=lambda: AppSettings("openmetadata", "openmetadata"))
    ingestion: IngestionSettings = field(
        default_factory=lambda: IngestionSettings("openmetadata", "openmetadata-ingestion")
    )
    fernet: FernetSettings = field(default_factory=FernetSettings)
    jwt: JwtSettings = field(default_factory=JwtSettings)
    airflow: AirflowSettings = field(default_factory=AirflowSettings)
    operations: OperationsSettings = field(default_factory=OperationsSettings)
    migration: MigrationSettings = field(default_factory=MigrationSettings)
    secrets: tuple[BootstrapSecret, ...] = ()
    #: ``{subject: reason}``: losses of key material this change accepts (omsecrets.lifecycle).
    acknowledge: Mapping[str, str] = field(default_factory=dict)

    @property
    def uses_store(self) -> bool:
        return self.provider != "db"

    @property
    def is_azure(self) -> bool:
        return self.provider in core.providers_in("azure")

    @property
    def is_gcp(self) -> bool:
        return self.provider in core.providers_in("gcp")

    @property
    def is_aws(self) -> bool:
        return self.provider in AWS_PROVIDERS

    @property
    def managed(self) -> bool:
        return self.provider in core.MANAGED_PROVIDERS

    @property
    def apps(self) -> tuple[str, ...]:
        """The applications this stack configures (no Airflow with Kubernetes-native ingestion)."""
        return core.apps_for(self.ingestion.runtime)

    @property
    def resource_tags(self) -> dict[str, str]:
        """Tags for resources om-secrets declares: the stack's tags plus ``managed-by``."""
        return {**self.tags, core.MANAGED_BY_TAG: MANAGED_BY}

    def key_copies(self) -> dict[str, tuple[str, ...]]:
        """The recovery copies of key material om-secrets seeds into the store: ``{name: parts}``."""
        if not self.uses_store:
            return {}
        wanted = {key_copy_name(app) for app in self.apps} | ({JWT_KEY_COPY} if self.jwt.enabled else set())
        return {name: parts for name, parts in KEY_COPIES.items() if name in wanted}

    def seeded_secrets(self) -> dict[str, tuple[str, ...]]:
        """Every logical secret om-secrets seeds into the store: ``{name: parts}``."""
        return {**self.key_copies(), **{s.name: s.parts for s in self.secrets}}


def with_jwt_key_id(settings: Settings, key_id: str) -> Settings:
    """``settings`` as deployed: ``jwt.key_id`` set to the pair's key id (known once the key exists)."""
    return dataclasses.replace(settings, jwt=dataclasses.replace(settings.jwt, key_id=key_id))


def fernet_parts(app: str) -> tuple[str, ...]:
    """Id parts of an application's Fernet ring in the store (``/<prefix>/<cluster>/fernet/<app>``)."""
    return ("fernet", app)


def key_copy_name(app: str) -> str:
    """The logical name of an application's Fernet ring copy in the store (``fernet-<app>``)."""
    return f"fernet-{app}"


#: The logical name and id parts of the JWT key pair's recovery copy (``/<prefix>/<cluster>/jwt/openmetadata``).
JWT_KEY_COPY = "jwt-openmetadata"
JWT_KEY_COPY_PARTS = ("jwt", core.SERVER_APP)
#: Every recovery copy of key material om-secrets may seed: ``{logical name: id parts}``. No app
#: identity may read, change or delete any of them (the apps get their keys from delivery Secrets).
KEY_COPIES: Mapping[str, tuple[str, ...]] = {
    **{key_copy_name(app): fernet_parts(app) for app in APPS},
    JWT_KEY_COPY: JWT_KEY_COPY_PARTS,
}


def key_copy_ids(provider: str, prefix: str, cluster_name: str) -> tuple[str, ...]:
    """The store ids of every key copy om-secrets may seed: no app may read or delete them."""
    return tuple(conventions.secret_id(provider, parts, prefix=prefix, cluster_name=cluster_name)
                 for parts in KEY_COPIES.values())


# ---------------------------------------------------------------- schema

_SECRET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./ -]*")
_DNS_SUBDOMAIN = conventions.DNS_SUBDOMAIN
_DNS_LABEL = conventions.DNS_LABEL
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d")
_KMS_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key/(mrk-[0-9a-f]{32}|[0-9a-f-]{36})|alias/[A-Za-z0-9/_-]+)")
_OIDC_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:oidc-provider/[^\s]+")
_URL = re.compile(r"https?://[^\s/]+(:\d+)?(/\S*)?")
_DNS_LABEL_WHAT = "a DNS label (lower-case letters, digits, '-', at most 63)"
#: Secrets Manager recovery window in production (the components' default: the safe one).
PRODUCTION_RECOVERY_WINDOW_IN_DAYS = 30


@record
class Key:
    """One configuration key: its type, default, what is allowed and what it means.

    ``kind``: ``string``, ``bool``, ``int``, ``strings`` (a list of strings) or ``object``/``list``
    (read by a section reader). ``default`` is the static default (None: none, or computed as
    ``default_text`` says); ``check`` and ``allowed`` validate a string, ``lo``/``hi`` an int.
    """

    path: str
    kind: str
    default: Any
    meaning: str
    default_text: str = ""
    allowed: tuple[str, ...] | None = None
    check: Any = None  # Callable[[str], bool]
    what: str = ""
    lo: int = 0
    hi: int = 0

    def shown_default(self) -> str:
        if self.default_text:
            return self.default_text
        if isinstance(self.default, bool):
            return "true" if self.default else "false"
        if self.default is None:
            return "none"
        return f"`{json.dumps(self.default)}`" if not isinstance(self.default, str) or not self.default else f"`{self.default}`"


def _pattern(regex: re.Pattern[str]):
    return lambda v: regex.fullmatch(v) is not None


_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_AZURE_LOCATION = re.compile(r"[a-z][a-z0-9]{2,30}")
_AZURE_RG = re.compile(r"[-\w._()]{0,89}[-\w_()]")
_VAULT_NAME = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{1,22}[A-Za-z0-9]")
_IPV4 = re.compile(r"\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?")
_SUBNET_ID = re.compile(
    r"/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+/subnets/[^/]+", re.I
)
_GCP_PROJECT = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
_GCP_NUMBER = re.compile(r"[0-9]{6,20}")
_GCP_LOCATION = re.compile(r"[a-z]+-[a-z]+[0-9]+")
_AIRFLOW_USER = re.compile(r"[A-Za-z0-9._@-]{1,64}")
_AIRFLOW_ROLE = re.compile(r"[A-Za-z][A-Za-z0-9 _-]{0,63}")
_IMAGE = re.compile(r"[a-z0-9][a-z0-9._/:@-]{0,254}")
#: ``apache/airflow`` image tags and the Airflow major version they run.
_AIRFLOW_IMAGE_MAJOR = re.compile(r"(?:^|/)apache/airflow:(?:slim-)?(\d+)\.")
_OM_VERSION = re.compile(r"\d+\.\d+\.\d+(\.\d+)?")
_GCP_KMS_KEY = re.compile(r"projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+")


_label = conventions.is_dns_label
#: clusterName and prefix go into every secret id, env file and label: each store rewrites other characters its
#: own way (and a control character breaks the env file), so a name outside printable ASCII is refused.
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
_PRINTABLE_ASCII_WHAT = ("printable ASCII: OM puts it into every secret id, env file and label, and each store "
                         "rewrites other characters its own way")
_ONE_OF = "one of "
_RING = "fernet.{app}"

#: Every ``om-secrets:`` key, declared once: readers, unknown-key checks, the README table and the
#: component defaults (``tests/test_settings.py``) all derive from this.
KEYS: tuple[Key, ...] = (
    Key("environment", "string", None, "environment name: labels, tags, `production` default",
        default_text="the stack name", check=_label, what=_DNS_LABEL_WHAT),
    Key("production", "bool", None, "production turns on protection and longer recovery windows",
        default_text="`prod` or `production` (any case) as the environment"),
    Key("protect", "bool", True, "Pulumi `protect` on every key and stored secret (lowering it is a lifecycle finding)",
        default_text="true, in every environment"),
    Key("provider", "string", core.DB, "OM's `secretsManagerProvider`: " + ", ".join(f"`{p}`" for p in core.SUPPORTED_PROVIDERS),
        allowed=core.SUPPORTED_PROVIDERS),
    Key("clusterName", "string", "openmetadata", "OM's `clusterName` (in every secret id)",
        check=_pattern(_PRINTABLE_ASCII), what=_PRINTABLE_ASCII_WHAT),
    Key("prefix", "string", "", "OM's `secretsManagerConfiguration.prefix`",
        check=_pattern(_PRINTABLE_ASCII), what=_PRINTABLE_ASCII_WHAT),
    Key("tags", "object", None, "set on every secret (AWS tags, Kubernetes labels), rendered as `SECRET_MANAGER_TAGS`",
        default_text="`{}`"),
    Key("aws.region", "string", None, "AWS region of the store (`OM_SM_REGION`)", default_text="`aws:region`",
        check=_pattern(_REGION), what="an AWS region such as eu-west-1"),
    Key("aws.recoveryWindowInDays", "int", 7, "Secrets Manager recovery window", default_text="30 in production, else 7",
        lo=7, hi=30),
    Key("aws.replicaRegions", "strings", (), "Secrets Manager replica regions", default_text="none"),
    Key("aws.kms.create", "bool", False, "create a customer-managed KMS key for seeded secrets"),
    Key("aws.kms.keyArn", "string", None, "use an existing KMS key (key ARN, not an alias)",
        check=_pattern(_KMS_ARN), what="a KMS key or alias ARN"),
    Key("aws.kms.deletionWindowInDays", "int", 30, "KMS key deletion window", lo=7, hi=30),
    Key("aws.kms.replicaKeyArns", "object", None, "`{<replica region>: <key ARN in that region>}`: the key each replica "
        "region's copies are encrypted with (with `create`, om-secrets creates one per region; a multi-region `mrk-` "
        "keyArn needs none)", default_text="`{}`"),
    Key("aws.identity.mode", "string", core.IRSA, "how the apps authenticate to AWS: `irsa` (needs `oidcProviderArn`, "
        "`oidcIssuer`), `pod-identity` (`eksClusterName` declares the associations), `access-key`",
        allowed=core.IDENTITY_MODES),
    Key("aws.identity.oidcProviderArn", "string", None, "EKS OIDC provider ARN (irsa)",
        check=_pattern(_OIDC_ARN), what="an IAM OIDC provider ARN"),
    Key("aws.identity.oidcIssuer", "string", None, "EKS OIDC issuer, with or without `https://` (irsa)"),
    Key("aws.identity.eksClusterName", "string", None, "EKS cluster for Pod Identity associations (pod-identity)"),
    Key("kubernetes.namespace", "string", None, "namespace of OM's `kubernetes` store (`OM_SM_NAMESPACE`); "
        "OM's alone (refused if an app runs there: the Roles would reach FERNET_KEY)",
        default_text="`<server namespace>-secrets`", check=_label, what=_DNS_LABEL_WHAT),
    Key("kubernetes.keysNamespace", "string", None, "namespace of the Fernet key copies, which no Role of OM's "
        "covers (kubernetes provider)", default_text="`<kubernetes.namespace>-keys`", check=_label, what=_DNS_LABEL_WHAT),
    Key("kubernetes.inCluster", "bool", True, "OM reads the store with its in-cluster ServiceAccount",
        default_text="true unless `kubeconfigPath`"),
    Key("kubernetes.kubeconfigPath", "string", "", "kubeconfig OM reads instead (exclusive with `inCluster: true`)"),
    Key("kubernetes.createNamespaces", "bool", False, "declare the namespaces too"),
    Key("azure.subscriptionId", "string", None, "Azure subscription of the vault (Azure providers)",
        check=_pattern(_GUID), what="the subscription id (a GUID)"),
    Key("azure.tenantId", "string", None, "Entra tenant of the vault",
        check=_pattern(_GUID), what="the Entra tenant id (a GUID)"),
    Key("azure.resourceGroupName", "string", None, "resource group of the vaults and identities",
        check=_pattern(_AZURE_RG), what="a resource group name"),
    Key("azure.location", "string", None, "Azure region (required to create the vault)",
        check=_pattern(_AZURE_LOCATION), what="an Azure region such as westeurope"),
    Key("azure.vault.name", "string", None, "Key Vault OM uses (`OM_SM_VAULT_NAME`)", check=_pattern(_VAULT_NAME),
        what="a Key Vault name: 3-24 of letters, digits, '-', starting with a letter, no '--'"),
    Key("azure.vault.create", "bool", True, "create the vault (false: use an existing one as it is)"),
    Key("azure.vault.keysName", "string", None, "vault for the Fernet key copies, which no app can read",
        default_text="`<vault name>-keys`", check=_pattern(_VAULT_NAME), what="a Key Vault name"),
    Key("azure.vault.softDeleteRetentionDays", "int", 90, "days a deleted secret stays recoverable", lo=7, hi=90),
    Key("azure.vault.purgeProtection", "bool", None, "no purge before retention ends (OM never purges)",
        default_text="= production"),
    Key("azure.vault.publicNetworkAccess", "bool", True, "public endpoint on (false: private endpoint only)"),
    Key("azure.vault.network.defaultAction", "string", None, "network rule default",
        default_text="`Deny` when rules are given, else `Allow`",
        allowed=("Allow", "Deny")),
    Key("azure.vault.network.ipRules", "strings", (), "IPv4 addresses/ranges allowed", default_text="none"),
    Key("azure.vault.network.subnetIds", "strings", (), "subnets allowed (the AKS node subnet)", default_text="none"),
    Key("azure.identity.mode", "string", core.AZURE_WORKLOAD_IDENTITY, "`workload-identity` (AKS, needs `oidcIssuer`) or "
        "`client-secret` (existing service principals)", allowed=core.AZURE_IDENTITY_MODES),
    Key("azure.identity.oidcIssuer", "string", None, "the AKS cluster's OIDC issuer URL (workload identity)",
        check=_pattern(_URL), what="the AKS cluster's OIDC issuer URL (https://...)"),
    *(k for who in core.IDENTITIES for k in (
        Key(f"azure.identity.{who}.clientId", "string", None, f"{who} application (client) id (client-secret)",
            check=_pattern(_GUID), what="an application (client) id GUID"),
        Key(f"azure.identity.{who}.principalId", "string", None, f"{who} service principal object id (client-secret)",
            check=_pattern(_GUID), what="the service principal's object id GUID"),
        Key(f"azure.identity.{who}.clientSecret", "string", None,
            f"config key (set with --secret) holding {who}'s client secret"),
    )),
    Key("gcp.project", "string", None, "GCP project of the secrets (`OM_SM_PROJECT_ID`)", check=_pattern(_GCP_PROJECT),
        what="a GCP project id (6-30 of a-z, 0-9, '-')"),
    Key("gcp.projectNumber", "string", None, "its project number (IAM conditions use it)", check=_pattern(_GCP_NUMBER),
        what="the project NUMBER (digits)"),
    Key("gcp.replication.locations", "strings", (), "user-managed replica regions", default_text="automatic replication"),
    Key("gcp.replication.kmsKeyName", "string", None, "CMEK for automatic replication", check=_pattern(_GCP_KMS_KEY),
        what="a Cloud KMS key, projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>"),
    Key("gcp.replication.kmsKeyNames", "object", None, "`{<location>: <Cloud KMS key>}` for user-managed replication",
        default_text="`{}`"),
    Key("gcp.identity.mode", "string", core.GCP_WORKLOAD_IDENTITY, "`workload-identity` (a Google service account per app) "
        "or `direct` (roles granted to the Kubernetes ServiceAccount)", allowed=core.GCP_IDENTITY_MODES),
    Key("gcp.identity.clusterProject", "string", None, "the GKE cluster's project (its workload pool)",
        default_text="`gcp.project`", check=_pattern(_GCP_PROJECT), what="the GKE cluster's project id"),
    Key("gcp.identity.clusterProjectNumber", "string", None, "its project number (direct federation)",
        check=_pattern(_GCP_NUMBER), what="a project number"),
    Key("server.namespace", "string", "openmetadata", "where the OM server runs", check=_label, what=_DNS_LABEL_WHAT),
    Key("server.serviceAccount", "string", "openmetadata", "the OM server's ServiceAccount", check=_label, what=_DNS_LABEL_WHAT),
    Key("ingestion.runtime", "string", core.AIRFLOW_RUNTIME, "where OM's ingestion runs: `airflow` (OM's Airflow "
        "plugin) or `kubernetes` (OM 1.12+: the server's K8sPipelineClient runs Jobs in `ingestion.namespace`, no "
        "Airflow; see Kubernetes-native ingestion)", allowed=core.INGESTION_RUNTIMES),
    Key("ingestion.namespace", "string", None, "where Airflow / ingestion runs (runtime kubernetes: the pipelines "
        "namespace, OM's alone)", default_text="the server namespace; runtime kubernetes: `<server namespace>-pipelines`",
        check=_label, what=_DNS_LABEL_WHAT),
    Key("ingestion.serviceAccount", "string", "openmetadata-ingestion", "ingestion's ServiceAccount (runtime kubernetes: "
        "of every pod OM creates)", check=_label, what=_DNS_LABEL_WHAT),
    Key("ingestion.image", "string", None, "runtime kubernetes (required): the ingestion image OM's server runs "
        "pipelines with (`ingestionImage`), pinned by a version tag or digest", check=_pattern(_IMAGE),
        what="a container image reference such as docker.getcollate.io/openmetadata/ingestion:1.12.3"),
    Key("ingestion.omJobOperator", "bool", False, "runtime kubernetes: OM's OMJob operator runs the pipelines "
        "(OMJob / CronOMJob; the chart's `omjobOperator`, watching `ingestion.namespace` only)"),
    Key("ingestion.loader", "string", "airflow", "OM's secrets loader in ingestion", default_text="`airflow`; runtime "
        "kubernetes: `env`", allowed=core.LOADERS),
    Key("ingestion.hostPort", "string", None, "the OM API ingestion calls",
        default_text="`http://openmetadata.<server namespace>.svc.cluster.local:8585/api`", check=_pattern(_URL),
        what="an http(s) URL of the OM API such as http://openmetadata:8585/api"),
    Key("ingestion.authProvider", "string", "openmetadata", "OM's `authProvider` in workflow configs",
        allowed=core.AUTH_PROVIDERS),
    *(k for app in core.APPS for k in (
        Key(f"fernet.{app}.generations", "list", (1,), f"{app}'s Fernet key ring, newest first (see rotation)"),
        Key(f"fernet.{app}.reencryptedTo", "int", None, f"generation every {app} value is re-encrypted to", lo=1, hi=10_000),
        Key(f"fernet.{app}.imported", "object", None, "`{<generation>: <config key set with --secret>}`: adopt a running "
            "deployment's key as that generation", default_text="`{}`"),
    )),
    Key("fernet.rotationJob.image", "string", None, "the re-encryption Job's image: declares the Job",
        default_text="`airflow.image`"),
    Key("fernet.rotationJob.run", "bool", False, "run the Job (step 2 of a rotation)"),
    Key("fernet.rotationJob.databaseSecret", "string", "airflow-airflow-metadata", "Secret holding Airflow's database URL "
        "(the rotation Job's and the Airflow user Job's)",
        check=lambda v: conventions.is_dns_subdomain(v), what="a Kubernetes Secret name"),
    Key("fernet.rotationJob.databaseSecretKey", "string", "connection", "its key"),
    Key("airflow.version", "int", 3, "major version of the Airflow that runs OM's ingestion: `3` (OM 1.11.2+ and 2.x; "
        "generates `[api] secret_key` and `[api_auth] jwt_secret`) or `2` (`[webserver] secret_key`)", lo=2, hi=3),
    Key("airflow.serverUser", "string", "openmetadata", "the Airflow user OM's server calls Airflow's API as "
        "(`AIRFLOW_USERNAME`; its password is generated); not `admin`", check=_pattern(_AIRFLOW_USER),
        what="1-64 of letters, digits and . _ @ -"),
    Key("airflow.serverUserRole", "string", "Admin", "the Airflow role the user Job gives it",
        check=_pattern(_AIRFLOW_ROLE), what="an Airflow role name such as Admin or Op"),
    Key("airflow.image", "string", None, "your Airflow image (OM's ingestion image): declares the Job that creates "
        "the server's Airflow user with the generated password, and is the rotation Job's image",
        check=_pattern(_IMAGE), what="a container image reference such as docker.getcollate.io/openmetadata/ingestion:2.0.7"),
    Key("jwt.enabled", "bool", True, "declare OM's JWT signing key pair (it signs every bot and personal access "
        "token; OM's shipped default pair is public); `false` needs `jwt.disabledReason`"),
    Key("jwt.disabledReason", "string", None, "why this stack declares no JWT pair (required with `enabled: false`)"),
    Key("jwt.keySize", "int", jwt.DEFAULT_KEY_SIZE, "RSA key size of a generated pair: "
        + ", ".join(f"`{n}`" for n in jwt.KEY_SIZES), lo=min(jwt.KEY_SIZES), hi=max(jwt.KEY_SIZES)),
    Key("jwt.generation", "int", 1, "the pair's generation: raise it to rotate to a new pair (a hard cut: see the JWT "
        "key rotation runbook)", lo=1, hi=10_000),
    Key("jwt.issuer", "string", jwt.DEFAULT_ISSUER, "`JWT_ISSUER`: the `iss` of the tokens OM signs",
        check=_pattern(jwt.ISSUER), what="a text of 1-200 characters without spaces or quotes"),
    Key("jwt.keyId", "string", None, "`JWT_KEY_ID`, the `kid` of every token (keep it: a change invalidates them all)",
        default_text="the RFC 7638 thumbprint of the public key", check=_pattern(jwt.KEY_ID),
        what="1-200 of letters, digits and . _ ~ : + / = -"),
    Key("jwt.imported", "string", None, "config key (set with --secret) holding a running deployment's private key "
        "(PEM, or base64 of its DER file) to adopt instead of generating one; needs `keyId`"),
    Key("jwt.extraPublicKeyUrls", "strings", (), "JWKS URLs listed after the server's own "
        "(`<ingestion.hostPort>/v1/system/config/jwks`) in `authenticationConfiguration.publicKeyUrls`", default_text="none"),
    Key("jwt.botTokens.run", "bool", False, "after a JWT key change: declare the Jobs that regenerate every bot's "
        "token (`regenerate-bot-tokens`, OM 2.1.0 and later) and redeploy every pipeline (`deploy-pipelines`), "
        "step 3 of the JWT key rotation runbook"),
    Key("operations.image", "string", None, "OM's server image: the OM operation Jobs (`./bootstrap/openmetadata-ops.sh "
        "<command>`) run in it; required when a step runs", check=_pattern(_IMAGE),
        what="a container image reference such as docker.getcollate.io/openmetadata/server:2.0.7"),
    Key("operations.omVersion", "string", None, "the OM server version the steps target: decides which ops commands "
        "exist (`regenerate-bot-tokens`: 2.1.0 and later)", default_text="the image's tag",
        check=_pattern(_OM_VERSION), what="a version such as 2.0.7"),
    Key("operations.envFrom", "strings", om_operations.CHART_ENV_FROM, "Secrets the server's pods read with `envFrom` "
        "besides om-secrets' own (database, search, auth): the Jobs read them too, each optional",
        default_text="the OM chart's Secrets of release `openmetadata` (`openmetadata-db-secret`, ...)"),
    Key("operations.secretEnv", "object", None, "`{<ENV>: {secretRef, secretKey}}`: env the server reads from Secrets "
        "of yours (the chart's `database.auth.password`)",
        default_text="`{DB_USER_PASSWORD: {secretRef: mysql-secrets, secretKey: openmetadata-mysql-password}}`"),
    Key("operations.skipAwait", "bool", False, "annotate the Jobs `pulumi.com/skipAwait`: `pulumi up` does not wait "
        "for them (only for a cluster without a Job controller; the lifecycle guard then takes no Job as evidence)"),
    Key("migration.run", "bool", False, "declare the `migrate-secrets` Job (step 2 of moving from DB-held values to a "
        "managed store; README: Adopting an existing deployment)"),
    Key("migration.migratedTo", "string", None, "the managed provider every DB-held secret was migrated to: record it "
        "once the baseline shows the completed Job (step 3)", allowed=core.MANAGED_PROVIDERS),
    Key("secrets", "list", None, "bootstrap secrets: `{name, path: database/<svc>/password, length, special, upper, "
        "lower, numeric}` or `{path, fromConfig: <key set with --secret>}`", default_text="`[]`"),
    Key("acknowledge", "list", None, "`[{drop: <subject>, reason: <why>}]`: the exact losses of key material this "
        "change accepts (`omsecrets check --baseline-ref`; remove once applied)", default_text="`[]`"),
)
KEY_BY_PATH: Mapping[str, Key] = {k.path: k for k in KEYS}
SECRET_KEYS: tuple[Key, ...] = (
    Key("name", "string", None, "logical name", default_text="the path"),
    Key("path", "list", None, "OM id path"),
    Key("length", "int", 32, "generated length", lo=16, hi=1024),
    Key("special", "bool", False, "special characters"),
    Key("upper", "bool", True, "upper-case letters"),
    Key("lower", "bool", True, "lower-case letters"),
    Key("numeric", "bool", True, "digits"),
    Key("fromConfig", "string", None, "config key (set with --secret) holding the value"),
)
_SECRET_KEY_BY_PATH = {k.path: k for k in SECRET_KEYS}
_SECRET_KEYS_SCHEMA = set(_SECRET_KEY_BY_PATH)


def _schema_tree(keys) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key in keys:
        *parents, leaf = key.path.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = None
    return tree


_SCHEMA: dict[str, Any] = _schema_tree(KEYS)


def default(path: str) -> Any:
    """The declared default of a config key (components take their defaults from here)."""
    return KEY_BY_PATH[path].default


def readme_table() -> str:
    """The README's configuration table, generated from ``KEYS``."""
    rows = ["| key | default | meaning |", "|---|---|---|"]
    for key in KEYS:
        listed = key.allowed and not all(f"`{a}`" in key.meaning for a in key.allowed)
        allowed = f" ({', '.join(f'`{a}`' for a in key.allowed or ())})" if listed else ""
        limits = f" ({key.lo}-{key.hi})" if key.kind == "int" and key.hi and key.hi < 10_000 else ""
        rows.append(f"| `{key.path}` | {key.shown_default()} | {key.meaning}{allowed}{limits} |")
    return "\n".join(rows) + "\n"


class _Collector:
    """Reads values by dotted key and records problems against ``om-secrets:<key>``."""

    def __init__(self, data: Mapping[str, Any], prefix: str = ""):
        self.data = data
        self.prefix = prefix
        self.problems: list[str] = []
        self.backfills: dict[str, Backfill] = {}

    def fail(self, key: str, message: str, backfill: Backfill | None = None) -> None:
        self.add(f"{NAMESPACE}:{self.prefix}{key}: {message}", backfill)

    def add(self, problem: str, backfill: Backfill | None = None) -> None:
        """Record ``problem``; ``backfill``: it is only that a key required since was left out (``Backfill``)."""
        self.problems.append(problem)
        if backfill is not None:
            self.backfills[problem] = backfill

    def raw(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def get(self, key: str, default: Any = ..., keys: Mapping[str, Key] | None = None) -> Any:
        """The value of a declared key, validated as ``KEYS`` says (``default`` overrides a computed one)."""
        spec = (keys or KEY_BY_PATH)[key]
        default = spec.default if default is ... else default
        if spec.kind == "bool":
            return self.boolean(key, default)
        if spec.kind == "int":
            return self.integer(key, default, spec.lo, spec.hi)
        if spec.kind == "strings":
            return self.string_list(key)
        return self.string(key, default, check=spec.check, allowed=spec.allowed, what=spec.what)

    def string(self, key: str, default: str | None = None, *, check=None, allowed=None, what="") -> str | None:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, (bool, Mapping, list, tuple)):
            self.fail(key, f"{value!r} is a {type(value).__name__}; expected a string{' ' + what if what else ''}")
            return default
        value = str(value)
        if allowed is not None and value not in allowed:
            hint = _close_matches(value, allowed, n=1)
            self.fail(
                key,
                f"{value!r} is not allowed; allowed: {', '.join(allowed)}"
                + (f" (did you mean {hint[0]!r}?)" if hint else ""),
            )
            return default
        if check is not None and not check(value):
            self.fail(key, f"{value!r} is not valid; expected {what}")
            return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.fail(key, f"{value!r} is not a boolean; expected true or false")
        return default

    def integer(self, key: str, default: int | None, lo: int, hi: int) -> int | None:
        value = self.raw(key)
        if value is None:
            return default
        try:
            number = int(value) if not isinstance(value, bool) and float(value) == int(float(value)) else None
        except (TypeError, ValueError, OverflowError):  # OverflowError: "1e999" and "inf" are no whole number
            number = None
        if number is None or not lo <= number <= hi:
            self.fail(key, f"{value!r} is not allowed; expected a whole number from {lo} to {hi}")
            return default
        return number

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.raw(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"{value!r} is not allowed; expected a list of strings")
            return ()
        return tuple(value)

    def unknown_keys(self, node: Any, schema: Mapping[str, Any], path: str = "") -> None:
        if not isinstance(node, Mapping):
            if path:
                self.fail(path, f"{node!r} is a {type(node).__name__}; expected an object with keys {', '.join(schema)}")
            return
        for key, value in node.items():
            full = f"{path}.{key}" if path else str(key)
            if key not in schema:
                hint = _close_matches(str(key), list(schema), n=1)
                self.fail(
                    full,
                    f"unknown key; allowed here: {', '.join(schema)}" + (f" (did you mean {hint[0]!r}?)" if hint else ""),
                )
            elif isinstance(schema[key], Mapping) and value is not None:
                self.unknown_keys(value, schema[key], full)


# ---------------------------------------------------------------- entry points


def from_dict(
    data: Mapping[str, Any],
    *,
    stack: str = "dev",
    aws_region: str | None = None,
    secret_values: Mapping[str, Any] | None = None,
    plaintext_refs: frozenset[str] | set[str] = frozenset(),
    provider_config: Mapping[str, Any] | None = None,
) -> Settings:
    """Validate ``data`` (the ``om-secrets:`` keys without namespace, values already decoded).

    ``aws_region`` is the provider's ``aws:region`` fallback; ``provider_config`` holds the stack's
    Pulumi provider keys (``kubernetes:...``; None: not known, not checked); ``secret_values`` maps the config
    keys named by ``secrets[].fromConfig`` to their (secret) values; ``plaintext_refs`` names those
    that were not set with ``--secret`` (refused: the value sits in plaintext in the stack file).
    """
    if not isinstance(data, Mapping):
        raise ConfigError([f"{NAMESPACE}: the configuration is a {type(data).__name__}; expected keys such as provider"])
    c = _Collector(data)
    c.unknown_keys(data, _SCHEMA)
    secret_values = dict(secret_values or {})

    environment = c.get("environment", stack) or stack
    production = c.get("production", core.is_production_name(environment))
    protect = c.get("protect", True)  # key material is protected in every environment unless turned off
    before = len(c.problems)
    provider: Any = c.get("provider") or core.DB
    provider_ok = len(c.problems) == before
    if not provider_ok:
        if c.raw("provider") in core.PROVIDERS:  # known to OM, but its store is not declared yet
            c.problems[-1] += (
                f"; {c.raw('provider')} ids are computed by components.conventions, but om-secrets "
                "does not declare that store yet"
            )
        provider = None  # checks that depend on the provider are skipped; every other key is still checked
    elif (missing := core.missing_package(provider)) is not None:
        c.fail("provider", missing)
    cluster_name = c.get("clusterName")
    prefix = c.get("prefix") or ""
    names_ok = True
    if cluster_name is not None and provider not in (None, core.DB):
        for problem in conventions.name_problems(provider, prefix=prefix, cluster_name=cluster_name):
            key = "prefix" if problem.startswith("prefix") else "clusterName"
            c.fail(key, problem)
            names_ok = False
    elif not cluster_name:
        c.fail("clusterName", "is empty; OM uses it in every secret id: set a name such as 'openmetadata'")
    cluster_name = cluster_name or "openmetadata"

    tags: dict[str, str] = {}
    try:
        tags = conventions.parse_tags(c.raw("tags"))
    except conventions.ConventionError as exc:
        c.fail("tags", f"{c.raw('tags')!r}: {exc}; expected an object such as {{team: data}}")
    if "managed-by" in tags:
        c.fail("tags.managed-by", f"{tags['managed-by']!r}: om-secrets sets 'managed-by' itself; remove it")
    if "app" in tags and provider == "kubernetes":
        c.fail("tags.app", f"{tags['app']!r}: OM labels its secrets app=openmetadata, which would replace this tag; rename it")
    for problem in conventions.tag_problems(provider or core.DB, tags, key=f"{NAMESPACE}:tags"):
        c.problems.append(problem)

    aws = _aws(c, provider, production, aws_region)
    server = AppSettings(
        namespace=c.get("server.namespace") or "openmetadata",
        service_account=c.get("server.serviceAccount") or "openmetadata",
    )
    ingestion = _ingestion(c, server, provider)
    kube = _kubernetes(c, provider, server, ingestion)
    if provider == "kubernetes" and protect and provider_config is not None:
        _secret_mutable(c, provider_config)
    azure = _azure(c, provider, production, secret_values, plaintext_refs)
    gcp = _gcp(c, provider)
    fernet_settings = _fernet(c, secret_values, plaintext_refs)
    jwt_settings = _jwt(c, secret_values, plaintext_refs)
    airflow_settings = _airflow(c, fernet_settings)
    operations = _operations(c)
    migration = _migration(c, provider, operations)
    jwt_settings = _bot_tokens(c, jwt_settings, operations)
    secrets = _secrets(c, secret_values, plaintext_refs)
    acknowledge = _acknowledge(c)

    settings = Settings(
        stack=stack,
        environment=environment,
        production=production,
        protect=protect,
        provider=provider,
        cluster_name=cluster_name,
        prefix=prefix,
        tags=tags,
        aws=aws,
        kubernetes=kube,
        azure=azure,
        gcp=gcp,
        server=server,
        ingestion=ingestion,
        fernet=fernet_settings,
        jwt=jwt_settings,
        airflow=airflow_settings,
        operations=operations,
        migration=migration,
        secrets=secrets,
        acknowledge=acknowledge,
    )
    if provider not in (None, core.DB) and names_ok:
        _check_ids(c, settings)
    if settings.ingestion.kubernetes_native:
        _kubernetes_native(c, settings)
    if c.problems:
        raise ConfigError(c.problems, c.backfills)
    return settings


def load() -> Settings:
    """Read and validate the current stack's ``om-secrets`` config (under Pulumi)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    data, refs = split_config({**runtime_config.get_config_env(), **runtime_config.CONFIG.get()})
    cfg = pulumi.Config(NAMESPACE)
    secret_values, plaintext = {}, set()
    for ref in refs:
        value = cfg.get_secret(ref)
        if value is not None:
            secret_values[ref] = value
            if not runtime_config.is_config_secret(f"{NAMESPACE}:{ref}"):
                plaintext.add(ref)
    aws_region = pulumi.Config("aws").get("region")
    provider_config = {SECRET_MUTABLE: pulumi.Config("kubernetes").get("enableSecretMutable")}
    return from_dict(
        data, stack=pulumi.get_stack(), aws_region=aws_region, secret_values=secret_values, plaintext_refs=plaintext,
        provider_config=provider_config,
    )


def _close_matches(word: str, candidates: Any, n: int = 1) -> list[str]:
    import difflib  # only when a value is wrong: keeps the settings import light for `omsecrets stacks`

    return difflib.get_close_matches(word, list(candidates), n=n)


def _mapping(value: Any) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def split_config(config: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """CLI-style config (``"om-secrets:key": text``) decoded as ``load`` reads it.

    Returns the ``om-secrets`` keys (JSON objects, lists and booleans parsed) without the secret
    value keys that ``secrets[].fromConfig`` and ``fernet.<app>.imported`` name, and those names.
    """
    data = {key: _decode(raw) for full, raw in config.items() for ns, _, key in [full.partition(":")] if ns == NAMESPACE and key}
    refs: list[Any] = [s.get("fromConfig") for s in data.get("secrets") or [] if isinstance(s, Mapping)]
    fernet_data = data.get("fernet")
    fernet_data = fernet_data if isinstance(fernet_data, Mapping) else {}
    for app in APPS:
        ring = fernet_data.get(app)
        ring = ring if isinstance(ring, Mapping) else {}
        if isinstance(ring.get("imported"), Mapping):
            refs.extend(ring["imported"].values())
    refs.append(_mapping(data.get("jwt")).get("imported"))
    azure = _mapping(data.get("azure"))
    identity = _mapping(azure.get("identity"))
    for app in core.IDENTITIES:
        refs.append(_mapping(identity.get(app)).get("clientSecret"))
    refs = list(dict.fromkeys(r for r in refs if isinstance(r, str) and r and r not in _SCHEMA))
    for ref in refs:
        data.pop(ref, None)
    return data, refs


def _decode(raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if isinstance(value, (dict, list, bool)) else raw


# ---------------------------------------------------------------- sections


SECRET_MUTABLE = "kubernetes:enableSecretMutable"


def _secret_mutable(c: _Collector, provider_config: Mapping[str, Any]) -> None:
    """A protected Kubernetes store needs Secrets updated in place: a rotation changes the ring copy."""
    value = provider_config.get(SECRET_MUTABLE)
    if str(value).lower() != "true":
        shown = "is not set" if value is None else f"is {value!r}"
        # Left out, it is only that the file predates this rule: the flag decides how the kubernetes provider
        # updates a Secret, and nothing om-secrets declares, so "true" declares what the file declared then.
        backfill = Backfill(SECRET_MUTABLE, "true", "not set: the file predates om-secrets requiring it; it changes "
                            "how the kubernetes provider updates a Secret, not what om-secrets declares") \
            if value is None else None
        c.add(
            f"{SECRET_MUTABLE}: {shown}; with provider kubernetes and protect on, a Fernet rotation updates "
            "the protected ring copy Secret, which the kubernetes provider does in place only with this flag "
            "(without it, it replaces the Secret and Pulumi refuses to replace a protected resource, stopping "
            f"the rotation half done): set {SECRET_MUTABLE}: \"true\" in the stack file", backfill)


def _aws(c: _Collector, provider: str, production: bool, aws_region: str | None) -> AwsSettings:
    is_aws = provider in AWS_PROVIDERS
    if c.raw("aws") is not None and not is_aws and provider is not None:
        c.fail("aws", f"is set but provider {provider!r} does not use AWS; remove it or choose one of {', '.join(AWS_PROVIDERS)}")
        return AwsSettings()
    region = c.get("aws.region", aws_region or "") or ""
    if is_aws and not region and c.raw("aws.region") is None:  # an invalid region is reported above
        c.fail("aws.region", "is not set (nor aws:region); OM needs it in OM_SM_REGION: set e.g. eu-west-1")
    if is_aws and region and aws_region and region != aws_region:
        c.fail("aws.region", f"{region!r} differs from aws:region {aws_region!r}: om-secrets would create the store "
               f"in {aws_region} (the AWS provider's region) while OM and ingestion read {region} (OM_SM_REGION), "
               f"where nothing is seeded; set om-secrets:aws.region and aws:region to the same region (or drop "
               "om-secrets:aws.region: it defaults to aws:region)")
    window = c.get("aws.recoveryWindowInDays",
                   PRODUCTION_RECOVERY_WINDOW_IN_DAYS if production else default("aws.recoveryWindowInDays"))
    replicas = c.get("aws.replicaRegions")
    for r in replicas:
        if not _REGION.fullmatch(r) or r == region:
            c.fail("aws.replicaRegions", f"{r!r} is not allowed; expected AWS regions other than the primary {region!r}")
    if replicas and provider is not None and core.provider(provider).family != "aws-sm":
        c.fail("aws.replicaRegions", f"{list(replicas)!r}: replicas exist only for Secrets Manager, not {provider!r}")
    create = c.get("aws.kms.create")
    key_arn = c.get("aws.kms.keyArn")
    if key_arn and ":alias/" in key_arn:
        # IAM matches key use only against key ARNs: the policies om-secrets writes would not let OM decrypt.
        c.fail(
            "aws.kms.keyArn",
            f"{key_arn!r} is an alias ARN; IAM policies cannot grant use of a KMS key by its alias, "
            "so OM could not decrypt: give the key ARN, arn:aws:kms:<region>:<account>:key/<key-id>",
        )
        key_arn = None
    if create and key_arn:
        c.fail("aws.kms", f"create: true and keyArn {key_arn!r} conflict; set one of them")
    replica_keys = _replica_keys(c, replicas, key_arn, create)
    deletion = c.get("aws.kms.deletionWindowInDays")
    mode = c.get("aws.identity.mode") or core.IRSA
    oidc_arn = c.get("aws.identity.oidcProviderArn")
    issuer = c.get("aws.identity.oidcIssuer")
    if issuer:
        issuer = issuer.removeprefix("https://")
    eks = c.get("aws.identity.eksClusterName")
    if is_aws and mode == "irsa":
        for key, value in (("oidcProviderArn", oidc_arn), ("oidcIssuer", issuer)):
            if not value and c.raw(f"aws.identity.{key}") is None:
                c.fail(f"aws.identity.{key}", "is required with identity mode 'irsa' (the EKS cluster's OIDC provider)")
    if mode != "irsa" and (c.raw("aws.identity.oidcProviderArn") or c.raw("aws.identity.oidcIssuer")):
        c.fail("aws.identity.mode", f"{mode!r} conflicts with oidcProviderArn/oidcIssuer, which only 'irsa' uses")
    if mode != "pod-identity" and eks:
        c.fail("aws.identity.eksClusterName", f"{eks!r} is only used with mode 'pod-identity' (mode is {mode!r})")
    return AwsSettings(
        region=region,
        recovery_window_in_days=window or 7,
        replica_regions=replicas,
        kms=KmsSettings(create=create, key_arn=key_arn, deletion_window_in_days=deletion or 30,
                        replica_key_arns=replica_keys),
        identity=IdentitySettings(mode=mode, oidc_provider_arn=oidc_arn, oidc_issuer=issuer, eks_cluster_name=eks),
    )


def _replica_keys(c: _Collector, replicas, key_arn: str | None, create: bool) -> dict[str, str]:
    """The customer-managed key of each replica region (a replica is never left on the AWS-managed key
    when a CMK is configured): ``replicaKeyArns``, else the multi-region ``keyArn``'s replica ARN.
    With ``create`` om-secrets creates the regions' keys itself (those not listed)."""
    raw = c.raw("aws.kms.replicaKeyArns")
    out: dict[str, str] = {}
    if raw is not None and not isinstance(raw, Mapping):
        c.fail("aws.kms.replicaKeyArns", f"{raw!r} is not allowed; expected {{<replica region>: <KMS key ARN>}}")
        raw = {}
    for region, arn in (raw or {}).items():
        key = f"aws.kms.replicaKeyArns.{region}"
        if region not in replicas:
            c.fail(key, f"{region!r} is not one of aws.replicaRegions {list(replicas)}")
        elif not isinstance(arn, str) or not _KMS_ARN.fullmatch(arn) or ":alias/" in arn or f":kms:{region}:" not in arn:
            c.fail(key, f"{arn!r} is not allowed; expected a KMS key ARN in {region}, arn:aws:kms:{region}:<account>:key/<id>")
        else:
            out[region] = arn
    if not (key_arn or create) or not replicas:
        if raw:
            c.fail("aws.kms.replicaKeyArns", "is set without a customer-managed key (aws.kms.create or keyArn) and replicas")
        return out
    for region in replicas:
        if region in out or create:
            continue
        if key_arn and "key/mrk-" in key_arn:
            out[region] = re.sub(r":kms:[a-z0-9-]+:", f":kms:{region}:", key_arn)
        else:
            c.fail(f"aws.kms.replicaKeyArns.{region}", "is not set: the replicas in this region would be encrypted "
                   "with the AWS-managed key, not your customer-managed key; give a key ARN in that region, or use a "
                   "multi-region key (key/mrk-...) as aws.kms.keyArn")
    return out


def _section_unused(c: _Collector, name: str, provider: str, family: str) -> bool:
    """Report a cloud section set for another provider; True when the section applies."""
    applies = provider in core.providers_in(family)
    if c.raw(name) is not None and not applies:
        c.fail(name, f"is set but provider {provider!r} does not use it; remove it or choose one of "
               + ", ".join(core.providers_in(family)))
    return applies


def _azure(c: _Collector, provider: str, production: bool, secret_values, plaintext_refs) -> AzureSettings:
    if not _section_unused(c, "azure", provider, "azure"):
        return AzureSettings()
    required = "is required for the Azure providers"
    sub = c.string("azure.subscriptionId", None, check=_pattern(_GUID), what="the subscription id (a GUID)")
    tenant = c.string("azure.tenantId", None, check=_pattern(_GUID), what="the Entra tenant id (a GUID)")
    rg = c.string("azure.resourceGroupName", None, check=_pattern(_AZURE_RG), what="a resource group name")
    for key, value in (("subscriptionId", sub), ("tenantId", tenant), ("resourceGroupName", rg)):
        if value is None and c.raw(f"azure.{key}") is None:
            c.fail(f"azure.{key}", required)
    create = c.boolean("azure.vault.create", True)
    location = c.string("azure.location", None, check=_pattern(_AZURE_LOCATION), what="an Azure region such as westeurope")
    if create and location is None and c.raw("azure.location") is None:
        c.fail("azure.location", "is required to create the vault (azure.vault.create: true)")
    name = c.string("azure.vault.name", None, check=_pattern(_VAULT_NAME),
                    what="a Key Vault name: 3-24 of letters, digits, '-', starting with a letter, no '--'")
    if name is None and c.raw("azure.vault.name") is None:
        c.fail("azure.vault.name", "is required: the vault OM reads (OM_SM_VAULT_NAME)")
    default_keys = f"{(name or 'x')[:19].rstrip('-')}-keys"
    keys_name = c.string("azure.vault.keysName", default_keys, check=_pattern(_VAULT_NAME),
                         what="a Key Vault name") or default_keys
    if name and keys_name == name:
        c.fail("azure.vault.keysName", f"{keys_name!r} is the vault OM uses; the Fernet key copies need a vault no app can read")
    retention = c.integer("azure.vault.softDeleteRetentionDays", 90, 7, 90)
    purge = c.boolean("azure.vault.purgeProtection", production)
    ip_rules = c.string_list("azure.vault.network.ipRules")
    for ip in ip_rules:
        if not _IPV4.fullmatch(ip):
            c.fail("azure.vault.network.ipRules", f"{ip!r} is not an IPv4 address or CIDR range such as 203.0.113.0/24")
    subnets = c.string_list("azure.vault.network.subnetIds")
    for sid in subnets:
        if not _SUBNET_ID.fullmatch(sid):
            c.fail("azure.vault.network.subnetIds", f"{sid!r} is not a subnet resource id")
    action = c.string("azure.vault.network.defaultAction", "Deny" if (ip_rules or subnets) else "Allow",
                      allowed=("Allow", "Deny")) or "Allow"
    public = c.boolean("azure.vault.publicNetworkAccess", True)
    if action == "Deny" and public and not (ip_rules or subnets):
        c.fail("azure.vault.network.defaultAction", "'Deny' with no ipRules or subnetIds lets no pod reach the vault; "
               "add the AKS subnet to subnetIds, or set publicNetworkAccess: false with a private endpoint")
    if not create and c.raw("azure.vault") is not None and any(
        c.raw(f"azure.vault.{k}") is not None
        for k in ("softDeleteRetentionDays", "purgeProtection", "network", "publicNetworkAccess")
    ):
        c.fail("azure.vault", "create: false uses an existing vault as it is; its retention, purge protection and network "
               "settings are not managed here: remove them")
    mode = (c.string("azure.identity.mode", core.AZURE_WORKLOAD_IDENTITY, allowed=core.AZURE_IDENTITY_MODES)
            or core.AZURE_WORKLOAD_IDENTITY)
    issuer = c.string("azure.identity.oidcIssuer", None, check=_pattern(_URL), what="the AKS cluster's OIDC issuer URL (https://...)")
    apps: dict[str, dict[str, Any]] = {}
    for app in core.IDENTITIES:
        base = f"azure.identity.{app}"
        apps[app] = {
            "client_id": c.string(f"{base}.clientId", None, check=_pattern(_GUID), what="an application (client) id GUID"),
            "principal_id": c.string(f"{base}.principalId", None, check=_pattern(_GUID),
                                     what="the service principal's object id GUID"),
            "client_secret": _secret_ref(c, f"{base}.clientSecret"),
        }
    values = {}
    if mode == core.AZURE_WORKLOAD_IDENTITY:
        if issuer is None and c.raw("azure.identity.oidcIssuer") is None:
            c.fail("azure.identity.oidcIssuer", "is required with workload identity: the AKS cluster's OIDC issuer URL "
                   "(az aks show --query oidcIssuerProfile.issuerUrl)")
        for app in apps:
            if c.raw(f"azure.identity.{app}") is not None:
                c.fail(f"azure.identity.{app}", "is for mode 'client-secret'; workload identity creates the identities")
    else:
        if c.raw("azure.identity.oidcIssuer") is not None:
            c.fail("azure.identity.oidcIssuer", "is only used with mode 'workload-identity'")
        for app, given in apps.items():
            if app == core.SERVER and provider is not None and not core.required_access(core.SERVER, provider):
                # azure-kv: OM's server keeps values in its database (DBSecretsManager) and never reads the vault
                if c.raw(f"azure.identity.{app}") is not None:
                    c.fail(f"azure.identity.{app}", f"is not used with provider {provider!r}: the OM server never "
                           "reads the vault (only ingestion does), so it gets no identity and no role; remove it, "
                           "or use managed-azure-kv")
                continue
            for key, attr in (("clientId", "client_id"), ("principalId", "principal_id"), ("clientSecret", "client_secret")):
                if not given[attr] and c.raw(f"azure.identity.{app}.{key}") is None:
                    c.fail(f"azure.identity.{app}.{key}", "is required with mode 'client-secret'")
            ref = given["client_secret"]
            if ref:
                problem = _secret_ref_problem(ref, secret_values, plaintext_refs)
                if problem:
                    c.fail(f"azure.identity.{app}.clientSecret", problem)
                else:
                    values[ref] = secret_values[ref]
    return AzureSettings(
        subscription_id=sub or "",
        tenant_id=tenant or "",
        resource_group_name=rg or "",
        location=location or "",
        vault=AzureVaultSettings(
            name=name or "", create=create, keys_name=keys_name, soft_delete_retention_days=retention or 90,
            purge_protection=purge, network_default_action=action, ip_rules=ip_rules, subnet_ids=subnets,
            public_network_access=public,
        ),
        identity=AzureIdentitySettings(
            mode=mode, oidc_issuer=issuer,
            server_client_id=apps[core.SERVER]["client_id"], server_principal_id=apps[core.SERVER]["principal_id"],
            server_client_secret=apps[core.SERVER]["client_secret"],
            ingestion_client_id=apps[core.INGESTION]["client_id"], ingestion_principal_id=apps[core.INGESTION]["principal_id"],
            ingestion_client_secret=apps[core.INGESTION]["client_secret"], secret_values=values,
        ),
    )


def _gcp(c: _Collector, provider: str) -> GcpSettings:
    if not _section_unused(c, "gcp", provider, "gcp"):
        return GcpSettings()
    project = c.string("gcp.project", None, check=_pattern(_GCP_PROJECT), what="a GCP project id (6-30 of a-z, 0-9, '-')")
    if project is None and c.raw("gcp.project") is None:
        c.fail("gcp.project", "is required for provider 'gcp' (OM_SM_PROJECT_ID)")
    number = c.string("gcp.projectNumber", None, check=_pattern(_GCP_NUMBER), what="the project NUMBER (digits)")
    if number is None and c.raw("gcp.projectNumber") is None:
        c.fail("gcp.projectNumber", "is required: IAM conditions name secrets by project number "
               "(gcloud projects describe <project> --format='value(projectNumber)')")
    locations = c.string_list("gcp.replication.locations")
    for loc in locations:
        if not _GCP_LOCATION.fullmatch(loc):
            c.fail("gcp.replication.locations", f"{loc!r} is not a GCP region such as europe-west1")
    key = c.string("gcp.replication.kmsKeyName", None, check=_pattern(_GCP_KMS_KEY),
                   what="a Cloud KMS key, projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>")
    keys_raw = c.raw("gcp.replication.kmsKeyNames")
    keys: dict[str, str] = {}
    if keys_raw is not None:
        if not isinstance(keys_raw, Mapping):
            c.fail("gcp.replication.kmsKeyNames", f"{keys_raw!r} is not allowed; expected {{<location>: <Cloud KMS key>}}")
        else:
            for loc, k in keys_raw.items():
                if loc not in locations:
                    c.fail(f"gcp.replication.kmsKeyNames.{loc}", f"{loc!r} is not one of replication.locations {list(locations)}")
                elif not isinstance(k, str) or not _GCP_KMS_KEY.fullmatch(k) or f"/locations/{loc}/" not in k:
                    c.fail(f"gcp.replication.kmsKeyNames.{loc}", f"{k!r} is not a Cloud KMS key in {loc}")
                else:
                    keys[loc] = k
            missing = [loc for loc in locations if loc not in keys_raw]
            if missing:
                c.fail("gcp.replication.kmsKeyNames", f"has no key for {missing}: with CMEK every replica location needs one")
    if key and locations:
        c.fail("gcp.replication.kmsKeyName", "is for automatic replication; with locations give kmsKeyNames per location")
    if keys and not locations:
        c.fail("gcp.replication.kmsKeyNames", "needs replication.locations (user-managed replication)")
    mode = c.string("gcp.identity.mode", core.GCP_WORKLOAD_IDENTITY, allowed=core.GCP_IDENTITY_MODES)
    mode = mode or core.GCP_WORKLOAD_IDENTITY
    cluster_project = c.string("gcp.identity.clusterProject", None, check=_pattern(_GCP_PROJECT),
                               what="the GKE cluster's project id")
    cluster_number = c.string("gcp.identity.clusterProjectNumber", None, check=_pattern(_GCP_NUMBER), what="a project number")
    if mode == core.GCP_DIRECT and cluster_project and not cluster_number:
        c.fail("gcp.identity.clusterProjectNumber", "is required with mode 'direct' when the cluster is in another project")
    return GcpSettings(
        project=project or "", project_number=number or "", replication_locations=locations, kms_key_name=key,
        kms_key_names=keys, identity_mode=mode, cluster_project=cluster_project, cluster_project_number=cluster_number,
    )


def _kubernetes(c: _Collector, provider: str, server: AppSettings, ingestion: AppSettings) -> KubernetesSettings:
    default = f"{server.namespace}-secrets"[:63].rstrip("-")
    namespace = c.get("kubernetes.namespace", default)
    apps = {server.namespace: "the OM server", ingestion.namespace: "ingestion"}
    if provider == "kubernetes" and namespace in apps:
        c.fail(
            "kubernetes.namespace",
            f"{namespace!r} is also where {apps[namespace]} runs: the secrets Roles would let ingestion read every "
            f"Secret there (OM's FERNET_KEY too); use a namespace of its own, e.g. {default!r}",
        )
    store = namespace or default
    keys_default = f"{store[:58].rstrip('-')}-keys"
    keys = c.get("kubernetes.keysNamespace", keys_default) or keys_default
    taken = {store: "OM's store namespace (its Roles cover every Secret there)", **apps}
    if provider == "kubernetes" and keys in taken:
        c.fail("kubernetes.keysNamespace", f"{keys!r} is also {taken[keys]}: the Fernet key copies need a namespace "
               f"no app's Role reaches; use one of their own, e.g. {keys_default!r}")
    kubeconfig = c.get("kubernetes.kubeconfigPath") or ""
    in_cluster = c.get("kubernetes.inCluster", not kubeconfig)
    if in_cluster and kubeconfig:
        c.fail("kubernetes", f"inCluster: true and kubeconfigPath {kubeconfig!r} are exclusive; set one of them")
    create = c.get("kubernetes.createNamespaces")
    return KubernetesSettings(
        namespace=namespace or "openmetadata", keys_namespace=keys, in_cluster=in_cluster, kubeconfig_path=kubeconfig,
        create_namespaces=create,
    )


#: An image tag that names no version: OM's defaults (``ingestion:latest``, ``ingestion-base:latest``) run whatever
#: was pushed last, not the ingestion of the server's version.
_FLOATING_TAG = re.compile(r"(?:^|/)[^/:@]+(?::latest)?$")


def pipelines_namespace_default(server_namespace: str) -> str:
    """``<server namespace>-pipelines`` (OM's own default is ``openmetadata-pipelines``) within 63 characters."""
    return f"{server_namespace[:53].rstrip('-')}-pipelines"


def _ingestion(c: _Collector, server: AppSettings, provider: str) -> IngestionSettings:
    runtime = c.get("ingestion.runtime") or core.AIRFLOW_RUNTIME
    native = runtime == core.KUBERNETES_RUNTIME
    loader = c.get("ingestion.loader", "env" if native else "airflow") or ("env" if native else "airflow")
    if provider not in (None, core.DB) and loader == "noop":
        c.fail("ingestion.loader", f"'noop' cannot read secrets from provider {provider!r}; use 'airflow' or 'env'")
    if native and loader == "airflow":
        c.fail("ingestion.loader", "'airflow' reads airflow.cfg, and runtime kubernetes runs no Airflow: use 'env' "
               "(the pods get the store's non-secret settings as env, their credentials from workload identity)")
    host_port = c.get("ingestion.hostPort", f"http://openmetadata.{server.namespace}.svc.cluster.local:8585/api")
    namespace = c.get("ingestion.namespace", pipelines_namespace_default(server.namespace) if native else server.namespace)
    namespace = namespace or server.namespace
    image = c.get("ingestion.image")
    operator = c.get("ingestion.omJobOperator")
    if native:
        if namespace == server.namespace:
            c.fail("ingestion.namespace", f"{namespace!r} is where the OM server runs: with runtime kubernetes it is the "
                   "pipelines namespace, where OM writes the bot token into ConfigMaps, Secrets and pod specs and its "
                   "Role may list Secrets; use a namespace of OM's pipelines alone, e.g. "
                   f"{pipelines_namespace_default(server.namespace)!r}")
        if image is None and c.raw("ingestion.image") is None:
            c.fail("ingestion.image", "is required with runtime kubernetes: the image OM's server runs every pipeline "
                   "with, the ingestion of the server's version (e.g. docker.getcollate.io/openmetadata/ingestion:1.12.3)")
        elif image is not None and _FLOATING_TAG.search(image) and "@" not in image:
            c.fail("ingestion.image", f"{image!r} names no version (OM's default is ...:latest): pin the ingestion of "
                   "the server's version, e.g. docker.getcollate.io/openmetadata/ingestion:1.12.3")
            image = None
    else:
        for key in ("image", "omJobOperator"):
            if c.raw(f"ingestion.{key}") is not None:
                c.fail(f"ingestion.{key}", "is only used with ingestion.runtime: kubernetes (Airflow runs the pipelines "
                       "here); remove it or set the runtime")
    return IngestionSettings(
        namespace=namespace,
        service_account=c.get("ingestion.serviceAccount") or "openmetadata-ingestion",
        loader=loader,
        host_port=host_port or "http://openmetadata:8585/api",
        auth_provider=c.get("ingestion.authProvider") or "openmetadata",
        runtime=runtime,
        image=image,
        om_job_operator=bool(operator) and native,
    )


def _kubernetes_native(c: _Collector, s: Settings) -> None:
    """What Kubernetes-native ingestion cannot do: no Airflow to configure, and nothing secret can reach the
    pods OM creates (OM mounts no Secret into them, OM #32258: every extraEnvVars value is plain pod-spec text)."""
    for key in ("airflow", "fernet.airflow", "fernet.rotationJob"):
        if c.raw(key) is not None:
            c.fail(key, "is for Airflow, and ingestion.runtime kubernetes runs none: remove it (switching a stack from "
                   "Airflow drops Airflow's Fernet ring and shared secrets: acknowledge those losses, see the README)")
    if s.is_aws and s.aws.identity.mode == core.ACCESS_KEY:
        c.fail("aws.identity.mode", "'access-key' would put ingestion's secret access key into extraEnvVars, plain text "
               "in every pod spec OM creates (it mounts no Secret into them): use 'irsa' or 'pod-identity'")
    if s.is_azure:
        c.fail("ingestion.runtime", "'kubernetes' with an Azure Key Vault: AKS workload identity needs the pod label "
               "azure.workload.identity/use, which OM cannot set on the pods it creates (only annotations; OM #27395, "
               "#27430), and a client secret would be plain pod-spec text; use runtime airflow")
    if s.provider == "kubernetes" and not s.kubernetes.in_cluster:
        c.fail("kubernetes.inCluster", "false: the pods OM creates cannot mount a kubeconfig (OM #32258); with runtime "
               "kubernetes ingestion reads the store in-cluster, as its ServiceAccount")


def _fernet(c: _Collector, secret_values: Mapping[str, Any], plaintext_refs=frozenset()) -> FernetSettings:
    rings = {}
    for app in APPS:
        key = f"fernet.{app}"
        gens = c.raw(f"{key}.generations")
        if gens is None:
            gens = [1]
        if not isinstance(gens, list) or not gens or not all(isinstance(g, int) and not isinstance(g, bool) for g in gens):
            c.fail(
                f"{key}.generations",
                f"{gens!r} is not allowed; expected a non-empty list of generation numbers, newest first, e.g. [2, 1]",
            )
            rings[app] = RingSettings()
            continue
        reenc = c.get(f"{key}.reencryptedTo")
        for problem in fernet.rotation_problems(gens, reenc, key=f"{NAMESPACE}:{key}"):
            c.problems.append(problem)
        imported = _imported(c, key, gens, secret_values, plaintext_refs)
        rings[app] = RingSettings(
            generations=tuple(gens),
            reencrypted_to=reenc,
            imported=imported,
            imported_values={g: secret_values[ref] for g, ref in imported.items() if ref in secret_values},
        )
    _one_key_one_generation(c, rings)
    image = c.get("fernet.rotationJob.image") or c.get("airflow.image")
    db_secret = c.get("fernet.rotationJob.databaseSecret")
    db_key = c.get("fernet.rotationJob.databaseSecretKey")
    if not image and any(c.raw(f"fernet.rotationJob.{k}") is not None for k in ("run", "databaseSecret", "databaseSecretKey")):
        c.fail(
            "fernet.rotationJob.image",
            "is not set (nor airflow.image), but the rotation Job is configured; set your Airflow image (OM's "
            "ingestion image), e.g. docker.getcollate.io/openmetadata/ingestion:2.0.7",
        )
    run = c.get("fernet.rotationJob.run")
    airflow = rings["airflow"]
    if run and (len(airflow.generations) < 2 or airflow.reencrypted_to == airflow.primary):
        c.fail(
            "fernet.rotationJob.run",
            f"true, but the airflow ring {list(airflow.generations)} (reencryptedTo: {airflow.reencrypted_to}) has "
            "nothing to re-encrypt; run it only in step 2, with [new, old] and every Airflow pod restarted",
        )
    return FernetSettings(
        openmetadata=rings["openmetadata"],
        airflow=rings["airflow"],
        rotation_job_image=image,
        rotation_job_run=run,
        rotation_job_database_secret=db_secret or "airflow-airflow-metadata",
        rotation_job_database_key=db_key or "connection",
    )


def _airflow(c: _Collector, fernet_settings: FernetSettings) -> AirflowSettings:
    version = c.get("airflow.version") or 3
    image = c.get("airflow.image")
    explicit = c.get("fernet.rotationJob.image")  # (its default, airflow.image, is checked once, here)
    for key, value in (("airflow.image", image), ("fernet.rotationJob.image", explicit)):
        found = _AIRFLOW_IMAGE_MAJOR.search(value or "")
        if found and int(found.group(1)) != version:
            # airflow.version came with Airflow 3 (its default); a file without it whose image runs Airflow 2
            # predates it: om-secrets then configured the Airflow 2 that image runs.
            backfill = Backfill(f"{NAMESPACE}:airflow.version", 2, f"not set: the file predates airflow.version, and "
                                f"its {key} runs Airflow 2") \
                if c.raw("airflow.version") is None and found.group(1) == "2" else None
            c.fail(key, f"{value!r} runs Airflow {found.group(1)}, but airflow.version is {version}: the Job would read "
                   f"an Airflow {version} database with Airflow {found.group(1)}; use your Airflow {version} image "
                   "(OM's ingestion image) or set airflow.version", backfill)
    user = c.get("airflow.serverUser")
    if user is not None and user.lower() == "admin":
        c.fail("airflow.serverUser", f"{user!r} is the user OM's and the deps chart's defaults create with password "
               "'admin'; name a user of OM's own, e.g. 'openmetadata'")
        user = None
    return AirflowSettings(
        version=version,
        server_user=user or "openmetadata",
        server_user_role=c.get("airflow.serverUserRole") or "Admin",
        image=image,
    )


def _operations(c: _Collector) -> OperationsSettings:
    image = c.get("operations.image")
    version_text = c.get("operations.omVersion")
    version = om_operations.parse_version(version_text) if version_text else om_operations.image_version(image)
    env_from = c.get("operations.envFrom") if c.raw("operations.envFrom") is not None else om_operations.CHART_ENV_FROM
    for name in env_from:
        if not conventions.is_dns_subdomain(name):
            c.fail("operations.envFrom", f"{name!r} is not a Kubernetes Secret name")
    return OperationsSettings(image=image, om_version=version, env_from=tuple(env_from),
                              secret_env=_secret_env(c), skip_await=c.get("operations.skipAwait"))


def _secret_env(c: _Collector) -> dict[str, tuple[str, str]]:
    """``operations.secretEnv``: ``{ENV: {secretRef, secretKey}}`` (the OM chart's form)."""
    raw = c.raw("operations.secretEnv")
    if raw is None:
        return dict(om_operations.DEFAULT_SECRET_ENV)
    if not isinstance(raw, Mapping):
        c.fail("operations.secretEnv", f"{raw!r} is not allowed; expected {{<ENV>: {{secretRef: <Secret>, secretKey: <key>}}}}")
        return {}
    out = {}
    for env, ref in raw.items():
        where = f"operations.secretEnv.{env}"
        if not isinstance(env, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env):
            c.fail(where, "is not an environment variable name")
            continue
        if not isinstance(ref, Mapping) or set(ref) != {"secretRef", "secretKey"} or not all(
                isinstance(v, str) and v for v in ref.values()):
            c.fail(where, "is not allowed; expected {secretRef: <Secret name>, secretKey: <key>}")
            continue
        if not conventions.is_dns_subdomain(ref["secretRef"]):
            c.fail(f"{where}.secretRef", f"{ref['secretRef']!r} is not a Kubernetes Secret name")
            continue
        out[env] = (ref["secretRef"], ref["secretKey"])
    return out


def _needs_image(c: _Collector, operations: OperationsSettings, flag: str) -> None:
    """A step runs: OM's server image and the version it targets must be known."""
    if not operations.image:
        c.fail("operations.image", f"is not set, but {flag} is true; set OM's server image (the one your OM "
               "Deployment runs), e.g. docker.getcollate.io/openmetadata/server:2.0.7")
    elif operations.om_version is None and c.raw("operations.omVersion") is None:
        c.fail("operations.omVersion", f"is not set and the image {operations.image!r} names no version; set the OM "
               "version it runs (e.g. 2.0.7): it decides which ops commands exist")


def _migration(c: _Collector, provider: str | None, operations: OperationsSettings) -> MigrationSettings:
    run = c.get("migration.run")
    migrated_to = c.get("migration.migratedTo")
    if run:
        _needs_image(c, operations, "migration.run")
        if provider is not None and provider not in core.MANAGED_PROVIDERS:
            c.fail("migration.run", f"true, but provider {provider!r} keeps OM's secrets in its database (OM's "
                   "DBSecretsManager): migrate-secrets has nothing to move; migrate to a managed provider ("
                   f"{', '.join(core.MANAGED_PROVIDERS)})")
        if migrated_to is not None:
            c.fail("migration.migratedTo", f"{migrated_to!r} is recorded while migration.run is true: record it in "
                   "the next change, once the baseline shows the completed Job (step 3), and remove run then")
    if migrated_to is not None and provider is not None and migrated_to != provider:
        c.fail("migration.migratedTo", f"{migrated_to!r} is not this stack's provider {provider!r}: the record is of a "
               "migration into the stack's own store; remove it")
    return MigrationSettings(run=run, migrated_to=migrated_to)


def _bot_tokens(c: _Collector, jwt_settings: JwtSettings, operations: OperationsSettings) -> JwtSettings:
    run = c.get("jwt.botTokens.run")
    if not run:
        return jwt_settings
    if not jwt_settings.enabled:
        c.fail("jwt.botTokens.run", "true, but jwt.enabled is false: om-secrets declares no JWT pair here, so it "
               "declares no step after a key change; remove it")
        return jwt_settings
    _needs_image(c, operations, "jwt.botTokens.run")
    return dataclasses.replace(jwt_settings, bot_tokens_run=True)


def _jwt(c: _Collector, secret_values: Mapping[str, Any], plaintext_refs=frozenset()) -> JwtSettings:
    enabled = c.get("jwt.enabled")
    reason = c.get("jwt.disabledReason")
    if not enabled:
        others = sorted(k for k in ("keySize", "generation", "issuer", "keyId", "imported", "extraPublicKeyUrls")
                        if c.raw(f"jwt.{k}") is not None)
        if not (reason or "").strip():
            c.fail("jwt.disabledReason", "is required with jwt.enabled: false: say in the stack file why OM keeps its own "
                   "keys (its shipped default pair is public: anyone reaching the server can mint an admin token)")
        if others:
            c.fail("jwt", f"enabled: false, but {', '.join(others)} set; remove them or enable the pair")
        return JwtSettings(enabled=False, disabled_reason=(reason or "").strip() or None)
    if reason is not None:
        c.fail("jwt.disabledReason", "is only used with jwt.enabled: false; remove it")
    size = c.get("jwt.keySize")
    if size is not None and size not in jwt.KEY_SIZES:
        c.fail("jwt.keySize", f"{size!r} is not allowed; allowed: {', '.join(map(str, jwt.KEY_SIZES))}")
        size = None
    key_id = c.get("jwt.keyId")
    if key_id is not None and jwt.is_default_kid(key_id):
        c.fail("jwt.keyId", f"{key_id!r} is OpenMetadata's default kid, which marks its public default key pair; "
               "leave keyId unset (the thumbprint of the new key is used) or give the running deployment's own kid")
        key_id = None
    urls = c.get("jwt.extraPublicKeyUrls")
    for url in urls:
        if not _URL.fullmatch(url):
            c.fail("jwt.extraPublicKeyUrls", f"{url!r} is not an http(s) URL of a JWKS")
    imported = _secret_ref(c, "jwt.imported")  # a config key name: a secret pasted here is never echoed
    if imported is not None:
        problem = _secret_ref_problem(imported, secret_values, plaintext_refs)
        if problem:
            c.fail("jwt.imported", problem)
        for key in ("keySize", "generation"):
            if c.raw(f"jwt.{key}") is not None:
                c.fail(f"jwt.{key}", f"is for a generated pair; an imported key is the running deployment's: remove {key}")
        if c.raw("jwt.keyId") is None:
            c.fail("jwt.keyId", "is required with jwt.imported: the running deployment's JWT_KEY_ID, which every "
                   "token it issued carries (a new kid would invalidate them all)")
        if problem:
            imported = None
    return JwtSettings(
        enabled=True,
        key_size=size or jwt.DEFAULT_KEY_SIZE,
        generation=c.get("jwt.generation") or 1,
        issuer=c.get("jwt.issuer") or jwt.DEFAULT_ISSUER,
        key_id=key_id,
        imported=imported,
        imported_value=secret_values.get(imported) if imported else None,
        extra_public_key_urls=urls,
    )


def _secret_ref_problem(ref: Any, secret_values: Mapping[str, Any], plaintext_refs) -> str | None:
    """Why config key ``ref`` cannot supply a secret value (None when it can). ``ref`` is shown only when it
    is a plausible key name: a secret pasted here is described, never echoed (``disclosure``)."""
    if not disclosure.is_key_name(ref):
        return (f"{disclosure.describe(ref)} is not a config key name; write the name of a config key set with "
                f"--secret (`pulumi config set --secret {NAMESPACE}:<name> <value>`), never the secret itself")
    if ref in _SCHEMA:
        return f"{ref!r} is an om-secrets setting; name another key, e.g. {ref}Value"
    if ref in plaintext_refs:
        return f"{ref!r} is stored in plaintext in the stack file; run `pulumi config set --secret {NAMESPACE}:{ref} <value>`"
    if ref not in secret_values:
        return f"{ref!r} is not set; run `pulumi config set --secret {NAMESPACE}:{ref} <value>`"
    return None


def _secret_ref(c: _Collector, key: str) -> Any:
    """The config key name at ``key`` (``fromConfig``, ``clientSecret``): any value, never echoed (checked by
    ``_secret_ref_problem``); None when not set."""
    value = c.raw(key)
    return None if value is None or value == "" else value


def _one_key_one_generation(c: _Collector, rings: Mapping[str, RingSettings]) -> None:
    """An imported key is one generation of one ring: the same config key (or, when the values can be read,
    the same value under two names) imported twice is refused, naming both places."""
    by_ref: dict[str, str] = {}
    by_value: dict[str, tuple[str, str]] = {}
    for app in APPS:
        for gen, ref in sorted(rings[app].imported.items()):
            where = f"fernet.{app}.imported.{gen}"
            value = rings[app].imported_values.get(gen)
            first = by_ref.get(ref)
            if first is None and isinstance(value, str) and value.strip() in by_value:
                first_where, first_ref = by_value[value.strip()]
                first = f"{first_where} (config key {first_ref!r}, which holds the same key)"
            if first is not None:
                same_app = first.startswith(f"fernet.{app}.")
                c.fail(where, f"imports config key {ref!r}, the key {first} imports too: " + (
                    "two generations of one ring would be one key, so a rotation to it changes nothing"
                    if same_app else "OpenMetadata and Airflow would share one Fernet key, so a leak of either exposes "
                    "both apps' encrypted values; import each app's own key"))
                continue
            by_ref[ref] = where
            if isinstance(value, str) and value.strip():
                by_value[value.strip()] = (where, ref)


def _imported(c: _Collector, key: str, gens: list[int], secret_values, plaintext_refs) -> dict[int, str]:
    raw = c.raw(f"{key}.imported")
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        c.fail(f"{key}.imported", f"{disclosure.shown(raw)} is not allowed; expected {{<generation>: <config key set "
               "with --secret>}")
        return {}
    out = {}
    for gen_text, ref in raw.items():
        gen = int(gen_text) if str(gen_text).isdigit() and len(str(gen_text)) < 10 else None
        if gen not in gens:
            where = f"{key}.imported.{gen_text}" if disclosure.may_show(gen_text) else f"{key}.imported"
            c.fail(where, f"{disclosure.shown(gen_text)} is not one of the ring's generations {gens}")
            continue
        problem = _secret_ref_problem(ref, secret_values, plaintext_refs)
        if problem:
            c.fail(f"{key}.imported.{gen_text}", problem)
            continue
        out[gen] = ref
    return out


def _secrets(c: _Collector, secret_values: Mapping[str, Any], plaintext_refs=frozenset()) -> tuple[BootstrapSecret, ...]:
    items = c.raw("secrets")
    if items is None:
        return ()
    if c.raw("provider") in (None, "db"):
        c.fail("secrets", "provider 'db' has no secret store to seed; choose a store provider or remove the secrets")
        return ()
    if not isinstance(items, list):
        c.fail("secrets", f"{items!r} is not allowed; expected a list of {{name, path, length | fromConfig}}")
        return ()
    out, names = [], set()
    for i, item in enumerate(items):
        key = f"secrets[{i}]"
        if not isinstance(item, Mapping):
            c.fail(key, f"{item!r} is not an object with name and path")
            continue
        for unknown in sorted(map(str, set(item) - _SECRET_KEYS_SCHEMA)):
            c.fail(f"{key}.{unknown}", f"unknown key; allowed: {', '.join(sorted(_SECRET_KEYS_SCHEMA))}")
        sub = _Collector(item, prefix=f"{key}.")
        path = item.get("path")
        parts = (
            tuple(p for p in path.split("/") if p)
            if isinstance(path, str)
            else tuple(map(str, path))
            if isinstance(path, list)
            else ()
        )
        if not parts or any(not p.strip() for p in parts):
            sub.fail("path", f"{path!r} is not allowed; expected an OM id path such as 'database/mysql-prod/password'")
            parts = ()
        name = item.get("name", "/".join(parts))
        if not isinstance(name, str) or not _SECRET_NAME.fullmatch(name):
            sub.fail("name", f"{name!r} is not allowed; expected letters, digits, spaces and _ . - /")
        elif name in names:
            sub.fail("name", f"{name!r} is used twice; secret names must be unique")
        elif name in KEY_COPIES:
            sub.fail("name", f"{name!r} is reserved for a key copy om-secrets seeds; choose another name")
        if isinstance(name, str):
            names.add(name)
        from_config = _secret_ref(sub, "fromConfig")
        generator_keys = sorted(k for k in ("length", "special", "upper", "lower", "numeric") if k in item)
        if from_config and generator_keys:
            c.fail(key, f"fromConfig {disclosure.shown(from_config)} conflicts with generator options {generator_keys}; "
                   "set one or the other")
        problem = _secret_ref_problem(from_config, secret_values, plaintext_refs) if from_config else None
        if problem:
            sub.fail("fromConfig", problem)
            from_config = None
        length = sub.get("length", keys=_SECRET_KEY_BY_PATH)
        flags = {k: sub.get(k, keys=_SECRET_KEY_BY_PATH) for k in ("special", "upper", "lower", "numeric")}
        if not any(flags.values()):
            c.fail(key, "every character class is off; enable at least one of upper, lower, numeric, special")
        c.problems.extend(sub.problems)
        out.append(
            BootstrapSecret(
                name=str(name),
                parts=parts,
                length=length or 32,
                from_config=from_config,
                value=secret_values.get(from_config) if from_config else None,
                **flags,
            )
        )
    return tuple(out)


def _acknowledge(c: _Collector) -> dict[str, str]:
    """``acknowledge: [{drop: <subject>, reason: <why>}]``: each subject once, in a known form, with a reason."""
    items = c.raw("acknowledge")
    if items is None:
        return {}
    if not isinstance(items, list):
        c.fail("acknowledge", f"{items!r} is not allowed; expected a list of {{drop: <subject>, reason: <why>}}")
        return {}
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        key = f"acknowledge[{i}]"
        if not isinstance(item, Mapping):
            c.fail(key, f"{item!r} is not allowed; expected {{drop: <subject>, reason: <why>}}")
            continue
        for unknown in sorted(map(str, set(item) - {"drop", "reason"})):
            c.fail(f"{key}.{unknown}", "unknown key; allowed: drop, reason")
        subject, reason = item.get("drop"), item.get("reason")
        if not isinstance(subject, str) or not key_material.is_subject(subject):
            hint = "" if not isinstance(subject, str) else next(
                (f" (did you mean {m!r}?)" for m in _close_matches(subject, key_material.SUBJECT_FORMS, n=1)), "")
            c.fail(f"{key}.drop", f"{subject!r} is not a key material subject; expected one of "
                   f"{', '.join(key_material.SUBJECT_FORMS)}{hint}")
            continue
        if not isinstance(reason, str) or not reason.strip():
            c.fail(f"{key}.reason", f"is missing for {subject!r}; say why this loss is intended (it is kept in the history)")
            continue
        if subject in out:
            c.fail(f"{key}.drop", f"{subject!r} is acknowledged twice; keep one entry")
            continue
        out[subject] = reason.strip()
    return out


def _check_ids(c: _Collector, s: Settings) -> None:
    """Every seeded id is valid for the provider and no two logical secrets share one."""
    seeded = {name: parts for name, parts in s.seeded_secrets().items() if parts}  # empty paths are reported already
    for name, parts in seeded.items():
        try:
            conventions.secret_id(s.provider, parts, prefix=s.prefix, cluster_name=s.cluster_name)
        except conventions.ConventionError as exc:
            c.fail("secrets", f"{name!r} ({'/'.join(parts)}): {exc}")
    for sid, names in conventions.find_collisions(s.provider, seeded, prefix=s.prefix, cluster_name=s.cluster_name).items():
        c.fail("secrets", f"{' and '.join(repr(n) for n in names)} both map to the id {sid!r} on {s.provider}; rename one")
