"""Secret stores: where OpenMetadata and Airflow ingestion look for secrets."""

from __future__ import annotations

import pulumi

from .. import core
from .aws import AwsSecretsManagerStore, AwsSecretsManagerStoreArgs, AwsSsmParameterStore, AwsSsmParameterStoreArgs
from .azure import AzureKeyVaultStore, AzureKeyVaultStoreArgs, AzureVaultArgs
from .base import SecretStore, Seeded, StoreArgs
from .gcp import GcpSecretManagerStore, GcpSecretManagerStoreArgs
from .kubernetes import KubernetesSecretStore, KubernetesSecretStoreArgs

__all__ = [
    "AzureKeyVaultStore",
    "AzureKeyVaultStoreArgs",
    "AzureVaultArgs",
    "GcpSecretManagerStore",
    "GcpSecretManagerStoreArgs",
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
    replica_kms_key_ids=None,
    opts: pulumi.ResourceOptions | None = None,
) -> SecretStore | None:
    """The store of ``settings.provider`` (None for ``db``: OM keeps secrets in its database)."""
    common = dict(
        provider=settings.provider,
        cluster_name=settings.cluster_name,
        prefix=settings.prefix,
        tags=settings.resource_tags if settings.is_aws or settings.is_azure or settings.is_gcp else dict(settings.tags),
        protect=settings.protect,
    )
    family = core.provider(settings.provider).family
    if family == "aws-sm":
        args = AwsSecretsManagerStoreArgs(
            **common,
            kms_key_id=kms_key_id,
            recovery_window_in_days=settings.aws.recovery_window_in_days,
            replica_regions=settings.aws.replica_regions,
            replica_kms_key_ids=dict(replica_kms_key_ids or {}),
        )
        return AwsSecretsManagerStore(name, args, opts)
    if family == "aws-ssm":
        return AwsSsmParameterStore(name, AwsSsmParameterStoreArgs(**common, kms_key_id=kms_key_id), opts)
    if family == "kubernetes":
        return KubernetesSecretStore(name, KubernetesSecretStoreArgs(
            **common, namespace=settings.kubernetes.namespace, keys_namespace=settings.kubernetes.keys_namespace), opts)
    if family == "azure":
        az = settings.azure
        vault = AzureVaultArgs(
            name=az.vault.name,
            create=az.vault.create,
            soft_delete_retention_days=az.vault.soft_delete_retention_days,
            purge_protection=az.vault.purge_protection,
            network_default_action=az.vault.network_default_action,
            ip_rules=az.vault.ip_rules,
            subnet_ids=az.vault.subnet_ids,
            public_network_access=az.vault.public_network_access,
        )
        args = AzureKeyVaultStoreArgs(
            **common, vault=vault, keys_vault_name=az.vault.keys_name, resource_group_name=az.resource_group_name,
            location=az.location, tenant_id=az.tenant_id,
        )
        return AzureKeyVaultStore(name, args, opts)
    if family == "gcp":
        g = settings.gcp
        args = GcpSecretManagerStoreArgs(
            **common, project=g.project, replication_locations=g.replication_locations, kms_key_name=g.kms_key_name,
            kms_key_names=dict(g.kms_key_names),
        )
        return GcpSecretManagerStore(name, args, opts)
    if family == core.DB:
        return None
    raise ValueError(f"no om-secrets store for provider {settings.provider!r}")
