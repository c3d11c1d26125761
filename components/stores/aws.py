"""AWS Secrets Manager and SSM Parameter Store stores, named and tagged as OM expects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from .. import core
from ..settings import PRODUCTION_RECOVERY_WINDOW_IN_DAYS
from .base import SecretStore, StoreArgs

#: SSM Standard parameters hold up to 4 KB; larger values need the Advanced tier.
SSM_STANDARD_LIMIT = 4096


def ssm_tier(value: str) -> str:
    """The cheapest SSM tier that holds ``value``."""
    return "Advanced" if len(value.encode()) > SSM_STANDARD_LIMIT else "Standard"


def description(cluster_name: str, name: str) -> str:
    return f"Seeded by om-secrets for OpenMetadata cluster {cluster_name}: {name}"


@dataclass(frozen=True)
class AwsSecretsManagerStoreArgs(StoreArgs):
    """Secrets Manager options.

    Attributes:
        kms_key_id: customer-managed KMS key (ARN or id) for seeded secrets; None uses aws/secretsmanager.
        recovery_window_in_days: 7-30 days before a deleted secret is gone.
        replica_regions: regions to replicate every seeded secret to.
        replica_kms_key_ids: each replica region's customer-managed key.
    """

    kms_key_id: pulumi.Input[str] | None = None
    recovery_window_in_days: int = PRODUCTION_RECOVERY_WINDOW_IN_DAYS
    replica_regions: tuple[str, ...] = field(default_factory=tuple)
    #: replica region -> its customer-managed key (None: that region's AWS-managed key)
    replica_kms_key_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)

    def __post_init__(self):
        if not 7 <= self.recovery_window_in_days <= 30:
            raise ValueError(f"recovery_window_in_days {self.recovery_window_in_days!r} is not allowed; expected 7 to 30")


class AwsSecretsManagerStore(SecretStore):
    """OM secrets as ``aws.secretsmanager.Secret`` + ``SecretVersion`` named by OM's id."""

    TYPE = core.AWS_SECRETS_MANAGER_STORE_TYPE

    def __init__(self, name: str, args: AwsSecretsManagerStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(name, args, {"recoveryWindowInDays": args.recovery_window_in_days}, opts)

    def _declare(self, name, sid, value, *, key_material, server_owned, immutable):
        args: AwsSecretsManagerStoreArgs = self.args
        secret = aws.secretsmanager.Secret(
            self._child_name(name),
            name=sid,
            description=description(self.cluster_name, name),
            kms_key_id=args.kms_key_id,
            recovery_window_in_days=args.recovery_window_in_days,
            replicas=[
                aws.secretsmanager.SecretReplicaArgs(region=r, kms_key_id=args.replica_kms_key_ids.get(r))
                for r in args.replica_regions
            ]
            or None,
            tags=self.tags,
            opts=self._options(key_material=key_material),
        )
        aws.secretsmanager.SecretVersion(
            self._child_name(name),
            secret_id=secret.id,
            secret_string=value,
            opts=self._version_options(
                additional_secret_outputs=["secretString"],
                ignore_changes=["secretString"] if server_owned else None,
            ),
        )
        return secret


@dataclass(frozen=True)
class AwsSsmParameterStoreArgs(StoreArgs):
    """SSM options. ``kms_key_id``: customer-managed key; None uses aws/ssm."""

    kms_key_id: pulumi.Input[str] | None = None


class AwsSsmParameterStore(SecretStore):
    """OM secrets as SecureString ``aws.ssm.Parameter`` named by OM's id."""

    TYPE = core.AWS_SSM_STORE_TYPE

    def __init__(self, name: str, args: AwsSsmParameterStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(name, args, None, opts)

    def _declare(self, name, sid, value, *, key_material, server_owned, immutable):
        args: AwsSsmParameterStoreArgs = self.args
        return aws.ssm.Parameter(
            self._child_name(name),
            name=sid,
            type="SecureString",
            value=value,
            tier=pulumi.Output.unsecret(value.apply(ssm_tier)),
            key_id=args.kms_key_id,
            description=description(self.cluster_name, name),
            tags=self.tags,
            opts=self._options(
                key_material=key_material,
                additional_secret_outputs=["value"],
                ignore_changes=["value"] if server_owned else None,
            ),
        )
