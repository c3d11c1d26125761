"""Secret stores: where OpenMetadata and Airflow ingestion look for secrets."""

from __future__ import annotations

import pulumi

from .. import core
from .aws import AwsSecretsManagerStore, AwsSecretsManagerStoreArgs, AwsSsmParameterStore, AwsSsmParameterStoreArgs
from .base import SecretStore, Seeded, StoreArgs
from .kubernetes import KubernetesSecretStore, KubernetesSecretStoreArgs

__all__ = [
    "AwsSecretsManagerStore",
    "AwsSecretsManagerStoreArgs",
    "AwsSsmParameterStore",
    "AwsSsmParameterStoreArgs",
    "KubernetesSecretStore",
    "KubernetesSecretStoreArgs",
    "Seeded",
    "SecretStore",
    "StoreArgs",
    "store_for",
]


def store_for(
    name: str,
    settings,
    *,
    kms_key_id: pulumi.Input[str] | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> SecretStore | None:
    """The store of ``settings.provider`` (None for ``db``: OM keeps secrets in its database)."""
    common = dict(
        provider=settings.provider,
        cluster_name=settings.cluster_name,
        prefix=settings.prefix,
        tags=settings.resource_tags if settings.is_aws else dict(settings.tags),
        protect=settings.protect,
    )
    family = core.provider(settings.provider).family
    if family == "aws-sm":
        args = AwsSecretsManagerStoreArgs(
            **common,
            kms_key_id=kms_key_id,
            recovery_window_in_days=settings.aws.recovery_window_in_days,
            replica_regions=settings.aws.replica_regions,
        )
        return AwsSecretsManagerStore(name, args, opts)
    if family == "aws-ssm":
        return AwsSsmParameterStore(name, AwsSsmParameterStoreArgs(**common, kms_key_id=kms_key_id), opts)
    if family == "kubernetes":
        return KubernetesSecretStore(name, KubernetesSecretStoreArgs(**common, namespace=settings.kubernetes.namespace), opts)
    if family == core.DB:
        return None
    raise ValueError(f"no om-secrets store for provider {settings.provider!r}")
