"""Re-checks of the Settings combinations the renderers rely on; each raises a ValueError naming the key."""

from __future__ import annotations

from .. import core
from ..core import ACCESS_KEY, AWS_PROVIDERS, IDENTITY_MODES, LOADERS, SUPPORTED_PROVIDERS
from ..settings import NAMESPACE, Settings


def _fail(key: str, message: str) -> None:
    raise ValueError(f"{NAMESPACE}:{key}: {message}")


def check(settings: Settings) -> Settings:
    """Raise ValueError unless ``settings`` is a combination the renderers can express."""
    s = settings
    if s.provider not in SUPPORTED_PROVIDERS:
        _fail("provider", f"{s.provider!r} is not one of {', '.join(SUPPORTED_PROVIDERS)}")
    if s.ingestion.loader not in LOADERS:
        _fail("ingestion.loader", f"{s.ingestion.loader!r} is not one of {', '.join(LOADERS)}")
    if s.uses_store and s.ingestion.loader == "noop":
        _fail("ingestion.loader", f"'noop' cannot read secrets from provider {s.provider!r}; use 'airflow' or 'env'")
    if s.provider == "kubernetes" and s.kubernetes.in_cluster and s.kubernetes.kubeconfig_path:
        _fail(
            "kubernetes",
            f"inCluster: true and kubeconfigPath {s.kubernetes.kubeconfig_path!r} are exclusive; set one of them",
        )
    if s.aws.identity.mode not in IDENTITY_MODES:
        _fail("aws.identity.mode", f"{s.aws.identity.mode!r} is not one of {', '.join(IDENTITY_MODES)}")
    if s.aws.identity.mode == ACCESS_KEY and s.provider not in AWS_PROVIDERS:
        _fail("aws.identity.mode", f"'access-key' only applies to the AWS providers, not {s.provider!r}")
    if s.provider in AWS_PROVIDERS and not s.aws.region:
        _fail("aws.region", f"is empty; provider {s.provider!r} needs it (OM_SM_REGION)")
    if s.is_azure and not s.azure.vault.name:
        _fail("azure.vault.name", f"is empty; provider {s.provider!r} needs it (OM_SM_VAULT_NAME)")
    if s.is_azure and s.ingestion.loader == "noop":
        _fail("ingestion.loader", "'noop' gives OM's Azure reader no vault name and it fails; use 'airflow' or 'env'")
    if s.is_gcp and not s.gcp.project:
        _fail("gcp.project", "is empty; provider 'gcp' needs it (OM_SM_PROJECT_ID)")
    if s.ingestion.kubernetes_native:
        if not s.ingestion.image:
            _fail("ingestion.image", "is empty; runtime kubernetes needs the image OM runs pipelines with (ingestionImage)")
        if s.ingestion.loader == "airflow":
            _fail("ingestion.loader", "'airflow' reads airflow.cfg, and runtime kubernetes runs no Airflow; use 'env'")
        if s.ingestion.namespace == s.server.namespace:
            _fail("ingestion.namespace", f"{s.ingestion.namespace!r} is the server's: with runtime kubernetes it is the "
                  "pipelines namespace, OM's pipelines' alone")
    elif s.ingestion.om_job_operator:
        _fail("ingestion.omJobOperator", "is only used with ingestion.runtime: kubernetes")
    return s


def reads_store(settings: Settings, app: str | None) -> bool:
    """Whether ``app`` reads the store at all: ingestion always; the OM server only on managed providers
    (``SecretsManagerFactory`` hands ``aws``, ``aws-ssm`` and ``azure-kv`` to ``DBSecretsManager``, which
    has no store client). ``app`` None: some app does."""
    identity = core.SERVER if app == core.SERVER_APP else core.INGESTION
    return bool(core.required_access(identity, settings.provider)) if settings.uses_store else False


def uses_client_secret(settings: Settings, app: str | None = None) -> bool:
    """Whether ``app`` (None: ingestion) authenticates to Azure Key Vault with a service principal's client secret."""
    return (settings.is_azure and settings.azure.identity.mode == core.AZURE_CLIENT_SECRET
            and reads_store(settings, app))


def uses_access_keys(settings: Settings, app: str | None = None) -> bool:
    """Whether ``app`` (None: ingestion) authenticates to AWS with an IAM user's access key."""
    return settings.provider in AWS_PROVIDERS and settings.aws.identity.mode == ACCESS_KEY and reads_store(settings, app)


def check_access_keys(settings: Settings, apps_with_keys: set[str] | frozenset[str], apps: tuple[str, ...]) -> None:
    """Access keys are given for exactly those of ``apps`` that use one (access-key mode), and for no other."""
    needed = {a for a in apps if uses_access_keys(settings, a)}
    missing = [a for a in apps if a in needed and a not in apps_with_keys]
    if missing:
        _fail("aws.identity.mode", f"is 'access-key' but no access key was given for {', '.join(missing)}")
    extra = sorted(set(apps_with_keys) & set(apps) - needed)
    if extra:
        why = ("the OM server never reads a non-managed store" if settings.aws.identity.mode == ACCESS_KEY
               else "access keys are only used with 'access-key'")
        _fail(
            "aws.identity.mode",
            f"is {settings.aws.identity.mode!r} (provider {settings.provider!r}); access keys "
            f"for {', '.join(extra)} are not used ({why}): remove them",
        )
    unknown = sorted(set(apps_with_keys) - set(apps))
    if unknown:
        raise ValueError(f"access keys given for unknown apps {unknown}; expected {', '.join(apps)}")
