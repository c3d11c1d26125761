"""GCP Secret Manager store (``gcp``): secrets named by OM's ids, each with a first version.

pulumi-gcp (optional extra ``om-secrets[gcp]``) is imported when a store is built. OM's server
creates secrets with automatic replication and no labels; a secret that exists without a version
makes its create fail, so every secret om-secrets declares gets its first version here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi

from .. import core
from ..access.gcp_iam import is_project_id
from .base import SecretStore, StoreArgs

_LOCATION = re.compile(r"[a-z]+-[a-z]+\d+")
_KMS_KEY = re.compile(r"projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+")


@dataclass(frozen=True)
class GcpSecretManagerStoreArgs(StoreArgs):
    """Secret Manager options.

    Attributes:
        project: the project id the secrets live in (OM's ``projectId``).
        replication_locations: empty for automatic replication, else user-managed replicas there.
        kms_key_name: CMEK for automatic replication (``projects/.../cryptoKeys/...``).
        kms_key_names: CMEK per location for user-managed replication (one for each location).
    """

    project: str = ""
    replication_locations: tuple[str, ...] = ()
    kms_key_name: str | None = None
    kms_key_names: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        problems = []
        if not is_project_id(self.project):
            problems.append(f"project {self.project!r} is not a GCP project id (6-30 of a-z, 0-9, '-')")
        for loc in self.replication_locations:
            if not _LOCATION.fullmatch(loc):
                problems.append(f"replication location {loc!r} is not a GCP region such as europe-west1")
        if self.replication_locations and self.kms_key_name:
            problems.append("kms_key_name is for automatic replication; give kms_key_names per location instead")
        for loc, key in self.kms_key_names.items():
            if loc not in self.replication_locations:
                problems.append(f"kms_key_names[{loc!r}] names a location that is not replicated to")
            if not _KMS_KEY.fullmatch(key) or f"/locations/{loc}/" not in key:
                problems.append(f"kms_key_names[{loc!r}] {key!r} is not a Cloud KMS key in {loc}")
        if self.kms_key_names and set(self.kms_key_names) != set(self.replication_locations):
            problems.append("with CMEK, every replication location needs its key (kms_key_names)")
        if self.kms_key_name and not _KMS_KEY.fullmatch(self.kms_key_name):
            problems.append(f"kms_key_name {self.kms_key_name!r} is not a Cloud KMS key name")
        if problems:
            raise ValueError("; ".join(problems))


def replication(args: GcpSecretManagerStoreArgs) -> dict:
    """The ``replication`` block as plain data (tests and policies read it)."""
    if not args.replication_locations:
        auto = {"customer_managed_encryption": {"kms_key_name": args.kms_key_name}} if args.kms_key_name else {}
        return {"auto": auto}
    replicas = []
    for loc in args.replication_locations:
        replica: dict = {"location": loc}
        if loc in args.kms_key_names:
            replica["customer_managed_encryption"] = {"kms_key_name": args.kms_key_names[loc]}
        replicas.append(replica)
    return {"user_managed": {"replicas": replicas}}


def _replication_args(gcp, data: dict):
    sm = gcp.secretmanager
    if "auto" in data:
        cme = data["auto"].get("customer_managed_encryption")
        return sm.SecretReplicationArgs(
            auto=sm.SecretReplicationAutoArgs(
                customer_managed_encryption=sm.SecretReplicationAutoCustomerManagedEncryptionArgs(**cme) if cme else None
            )
        )
    replicas = []
    for r in data["user_managed"]["replicas"]:
        cme = r.get("customer_managed_encryption")
        replicas.append(
            sm.SecretReplicationUserManagedReplicaArgs(
                location=r["location"],
                customer_managed_encryption=(
                    sm.SecretReplicationUserManagedReplicaCustomerManagedEncryptionArgs(**cme) if cme else None
                ),
            )
        )
    return sm.SecretReplicationArgs(user_managed=sm.SecretReplicationUserManagedArgs(replicas=replicas))


class GcpSecretManagerStore(SecretStore):
    """OM secrets as ``gcp:secretmanager/secret:Secret`` + a first ``SecretVersion``, named by OM's id."""

    TYPE = core.GCP_SECRET_MANAGER_STORE_TYPE

    def __init__(self, name: str, args: GcpSecretManagerStoreArgs, opts: pulumi.ResourceOptions | None = None):
        import pulumi_gcp as gcp

        super().__init__(name, args, {"project": args.project, "replication": replication(args)}, opts)
        self._gcp = gcp
        self.project = args.project

    def _declare(self, name, sid, value, *, key_material, server_owned, immutable):
        args: GcpSecretManagerStoreArgs = self.args
        sm = self._gcp.secretmanager
        protected = bool(args.protect and key_material)
        secret = sm.Secret(
            self._child_name(name),
            secret_id=sid,
            project=args.project,
            replication=_replication_args(self._gcp, replication(args)),
            labels=dict(self.tags),
            deletion_protection=protected,
            opts=self._options(key_material=key_material),
        )
        sm.SecretVersion(
            self._child_name(name),
            secret=secret.id,
            secret_data=value,
            opts=self._version_options(
                additional_secret_outputs=["secretData"],
                ignore_changes=["secretData"] if server_owned else None,
            ),
        )
        return secret
