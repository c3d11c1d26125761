"""The om-secrets vocabulary: every provider, app, identity, type token, label, placeholder and the
production rule, defined once. Everything else imports these; ``tests/test_core.py`` fails when a
second definition appears in the source tree.

Pure standard library (no Pulumi import), so the CLI and the policy pack import it cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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
        Provider("azure-kv", "azure", False, "azure-key-vault", False, _AZURE_IDS,
                 _AZURE_PARAMS, _AZURE_AIRFLOW, ("AZURE_KEY_VAULT_NAME",)),
        Provider("managed-azure-kv", "azure", True, "azure-key-vault", False, _AZURE_IDS,
                 _AZURE_PARAMS, _AZURE_AIRFLOW, ("AZURE_KEY_VAULT_NAME",)),
        # OM reads ``project_id`` (its docs say gcp_project_id; the code wins).
        Provider("gcp", "gcp", True, "gcp-secret-manager", False, _GCP_IDS,
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

#: OM ingestion's secrets loaders (``pipelineServiceClientConfiguration.secretsManagerLoader``).
LOADERS: tuple[str, ...] = ("airflow", "env", "noop")

# ---------------------------------------------------------------- type tokens


def type_token(module: str, name: str) -> str:
    """``om-secrets:<module>:<Name>``: the one way a component's Pulumi type is spelled."""
    return f"{PACKAGE}:{module}:{name}"


ENVIRONMENT_TYPE = type_token("index", "OpenMetadataSecrets")
SECRET_STORE_TYPE = type_token("stores", "SecretStore")
AWS_SECRETS_MANAGER_STORE_TYPE = type_token("stores", "AwsSecretsManagerStore")
AWS_SSM_STORE_TYPE = type_token("stores", "AwsSsmParameterStore")
KUBERNETES_STORE_TYPE = type_token("stores", "KubernetesSecretStore")
BOOTSTRAP_TYPE = type_token("bootstrap", "BootstrapSecrets")
AWS_ACCESS_TYPE = type_token("access", "AwsAccess")
KUBERNETES_ACCESS_TYPE = type_token("access", "KubernetesAccess")
FERNET_RING_TYPE = type_token("fernet", "FernetKeyRing")
KMS_KEY_TYPE = type_token("kms", "SecretsKmsKey")
APP_CONFIG_DELIVERY_TYPE = type_token("app", "AppConfigDelivery")

# ---------------------------------------------------------------- labels and placeholders

#: Labels on every Kubernetes object om-secrets declares.
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
STANDARD_LABELS: Mapping[str, str] = {MANAGED_BY_LABEL: MANAGED_BY, "app.kubernetes.io/part-of": "openmetadata"}
#: Labels OM's KubernetesSecretsManager sets on the secrets it creates.
OM_K8S_LABELS: Mapping[str, str] = {"app": "openmetadata", "managed-by": "openmetadata-secrets-manager"}

#: Shown instead of a secret value (preview, rendered files, diffs) unless ``--show-secrets``.
SECRET_PLACEHOLDER = "[secret]"
#: Shown for a value Pulumi cannot know during a preview.
UNKNOWN_PLACEHOLDER = "[unknown]"
PLACEHOLDERS: tuple[str, ...] = (UNKNOWN_PLACEHOLDER, SECRET_PLACEHOLDER)

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
