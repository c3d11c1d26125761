"""Customer-managed KMS key for the secrets om-secrets seeds."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws

from . import conventions, core
from .settings import default

KEY_ADMIN_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
KEY_USER_ACTIONS = ("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey")
KEY_READER_ACTIONS = ("kms:Decrypt", "kms:DescribeKey")
MIN_DELETION_WINDOW, MAX_DELETION_WINDOW = 7, 30
_NAME_RE = re.compile(r"^[a-z0-9_-]+$")


def _statement(sid: str, principals: Sequence[str], actions: Sequence[str]) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"AWS": sorted(set(principals))},
        "Action": sorted(set(actions)),
        "Resource": "*",  # in a key policy "*" means this key
    }


def key_policy_document(
    *,
    partition: str,
    account: str,
    admin_arns: Optional[Sequence[str]] = None,
    user_role_arns: Sequence[str],
    reader_role_arns: Sequence[str],
) -> dict[str, Any]:
    """Key policy: the account root administers (incl. PutKeyPolicy: no lock-out) and delegates
    use to IAM policies; listed roles get direct grants. Never a ``*`` principal."""
    root = f"arn:{partition}:iam::{account}:root"
    for arn in (*(admin_arns or ()), *user_role_arns, *reader_role_arns):
        if "*" in arn or not arn.startswith(f"arn:{partition}:iam::"):
            raise ValueError(f"key policy principal must be an IAM ARN without wildcards: {arn!r}")
    statements = [
        _statement("KeyAdministration", [root, *(admin_arns or ())], KEY_ADMIN_ACTIONS),
        _statement("EnableIamPoliciesForKeyUse", [root], KEY_USER_ACTIONS),
    ]
    if user_role_arns:
        statements.append(_statement("SecretsWriters", user_role_arns, KEY_USER_ACTIONS))
    if reader_role_arns:
        statements.append(_statement("SecretsReaders", reader_role_arns, KEY_READER_ACTIONS))
    return {"Version": "2012-10-17", "Statement": statements}


def alias_name(prefix: str, cluster_name: str) -> str:
    """``alias/<prefix>-<cluster>-secrets`` (``alias/<cluster>-secrets`` without prefix), names cleaned as in OM's ids."""
    if not cluster_name:
        raise ValueError("cluster_name is empty; OM uses it in every secret id")
    head = conventions.id_prefix("aws", prefix, cluster_name).strip("/").replace("/", "-")
    if not head or not _NAME_RE.match(head):
        raise ValueError(f"prefix {prefix!r} / cluster_name {cluster_name!r} give no usable alias ({head!r})")
    return f"alias/{head}-secrets"


@dataclass(frozen=True)
class SecretsKmsKeyArgs:
    """Inputs of :class:`SecretsKmsKey`."""

    cluster_name: str = default("clusterName")
    """OM ``clusterName``."""
    prefix: str = default("prefix")
    """OM secrets prefix (empty: none)."""
    deletion_window_in_days: int = default("aws.kms.deletionWindowInDays")
    """Waiting period before deletion, 7-30 days."""
    description: Optional[str] = None
    """Key description (default names the alias)."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags of the key."""
    protect: bool = True
    """Protect the key from ``pulumi destroy`` (set False only for throw-away stacks)."""
    admin_arns: Sequence[pulumi.Input[str]] = ()
    """Extra key administrators besides the account root."""
    user_role_arns: Sequence[pulumi.Input[str]] = ()
    """Roles granted encrypt/decrypt directly in the key policy (optional; see SecretsKmsKey)."""
    reader_role_arns: Sequence[pulumi.Input[str]] = ()
    """Roles granted decrypt directly in the key policy (optional)."""
    replica_regions: Sequence[str] = ()
    """Regions that get a key of their own (same policy, rotation and alias) for Secrets Manager replicas."""

    def __post_init__(self) -> None:
        d = self.deletion_window_in_days
        if isinstance(d, bool) or not isinstance(d, int) or not MIN_DELETION_WINDOW <= d <= MAX_DELETION_WINDOW:
            raise ValueError(
                f"deletion_window_in_days must be an integer in {MIN_DELETION_WINDOW}-{MAX_DELETION_WINDOW}, got {d!r}"
            )
        alias_name(self.prefix, self.cluster_name)


class SecretsKmsKey(pulumi.ComponentResource):
    """Rotating CMK plus alias for the seeded OM secrets.

    Use is delegated to IAM through the account root, so AwsAccess roles (created after the key, their
    policies naming its ARN) need no key-policy edit and no dependency cycle arises.
    """

    TYPE = core.KMS_KEY_TYPE

    def __init__(self, name: str, args: SecretsKmsKeyArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(self.TYPE, name, None, opts)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        alias = alias_name(args.prefix, args.cluster_name)
        policy = pulumi.Output.all(
            aws.get_partition_output(opts=invoke).partition,
            aws.get_caller_identity_output(opts=invoke).account_id,
            pulumi.Output.all(*args.admin_arns),
            pulumi.Output.all(*args.user_role_arns),
            pulumi.Output.all(*args.reader_role_arns),
        ).apply(
            lambda v: json.dumps(
                key_policy_document(partition=v[0], account=v[1], admin_arns=v[2], user_role_arns=v[3], reader_role_arns=v[4]),
                sort_keys=True,
            )
        )
        key = aws.kms.Key(
            name,
            description=args.description or f"OpenMetadata secrets ({alias})",
            enable_key_rotation=True,
            deletion_window_in_days=args.deletion_window_in_days,
            bypass_policy_lockout_safety_check=False,
            policy=policy,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.kms.Alias(name, name=alias, target_key_id=key.key_id, opts=pulumi.ResourceOptions(parent=self))
        self.key_arn = key.arn
        self.key_id = key.key_id
        self.alias_name = pulumi.Output.from_input(alias)
        #: replica region -> the ARN of the key om-secrets created there
        self.replica_key_arns: dict[str, pulumi.Output[str]] = {}
        for region in args.replica_regions:
            regional = aws.Provider(f"{name}-{region}", region=region, opts=pulumi.ResourceOptions(parent=self))
            replica = aws.kms.Key(
                f"{name}-{region}",
                description=f"OpenMetadata secrets ({alias}), replicas in {region}",
                enable_key_rotation=True,
                deletion_window_in_days=args.deletion_window_in_days,
                bypass_policy_lockout_safety_check=False,
                policy=policy,
                tags=args.tags,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, provider=regional),
            )
            aws.kms.Alias(f"{name}-{region}", name=alias, target_key_id=replica.key_id,
                          opts=pulumi.ResourceOptions(parent=self, provider=regional))
            self.replica_key_arns[region] = replica.arn
        self.register_outputs(core.wire_outputs({"key_arn": self.key_arn, "key_id": self.key_id, "alias_name": self.alias_name,
                                                 "replica_key_arns": self.replica_key_arns or None}))
