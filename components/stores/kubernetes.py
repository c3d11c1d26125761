"""Kubernetes Secrets named, labelled and keyed as OM's ``kubernetes`` secrets manager expects."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from .. import core
from ..settings import key_copy_name
from .base import SecretStore, StoreArgs

OM_LABELS = core.OM_K8S_LABELS
#: OM reads and writes the value under this data key.
VALUE_KEY = "value"


def keys_namespace_for(namespace: str) -> str:
    """Default namespace of the Fernet key copies: ``<namespace>-keys`` within a DNS label's 63 characters."""
    return f"{namespace[:58].rstrip('-')}-keys"


VACATED = core.VACATED_KEY_COPY
#: Key copies that lived in the store namespace before copies moved to the keys namespace: their
#: Secrets there stay (upgrading deletes and replaces nothing), holding a pointer. Newer copies never had one.
VACATED_COPIES = frozenset(key_copy_name(app) for app in core.APPS)


@dataclass(frozen=True)
class KubernetesSecretStoreArgs(StoreArgs):
    """``namespace``: where OM's server reads and writes secrets (``OM_SM_NAMESPACE``), required:
    a namespace of OM's secrets alone (settings' default is ``<server namespace>-secrets``); no
    default, so a store is never created in an app's namespace by accident.

    ``keys_namespace``: where the Fernet ring copies live (default ``<namespace>-keys``), a namespace
    no Role of OM's covers: RBAC cannot exclude one Secret from a Role that must reach the names OM
    makes at run time, so the copies cannot share OM's namespace."""

    namespace: str = field(kw_only=True)
    keys_namespace: str | None = field(default=None, kw_only=True)

    @property
    def key_copies_namespace(self) -> str:
        return self.keys_namespace or keys_namespace_for(self.namespace)

    def __post_init__(self) -> None:
        if self.key_copies_namespace == self.namespace:
            raise ValueError(f"keys_namespace {self.key_copies_namespace!r} must differ from the store namespace: "
                             "OM's Roles cover every Secret there")


class KubernetesSecretStore(SecretStore):
    """OM secrets as ``kubernetes.core.v1.Secret`` with data key ``value``."""

    TYPE = core.KUBERNETES_STORE_TYPE

    def __init__(self, name: str, args: KubernetesSecretStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(name, args, {"namespace": args.namespace, "keysNamespace": args.key_copies_namespace}, opts)

    def labels(self) -> dict[str, str]:
        return {**self.tags, **OM_LABELS}

    def _declare(self, name, sid, value, *, key_material, server_owned, immutable):
        args: KubernetesSecretStoreArgs = self.args
        if key_material:
            if name in VACATED_COPIES:
                # The Secret at the store namespace keeps its identity (upgrading deletes and replaces
                # nothing) but no longer holds the ring: the copy lives where no Role of OM's reaches.
                self._secret(name, sid, args.namespace, VACATED.format(namespace=args.key_copies_namespace, name=sid),
                             key_material=True, server_owned=False, immutable=False)
            return self._secret(f"keys-{name}" if name in VACATED_COPIES else name, sid, args.key_copies_namespace, value,
                                key_material=True, server_owned=server_owned, immutable=immutable)
        return self._secret(name, sid, args.namespace, value, key_material=False, server_owned=server_owned,
                            immutable=immutable)

    def _secret(self, name, sid, namespace, value, *, key_material, server_owned, immutable):
        keep = bool(self.args.protect and key_material)
        return k8s.core.v1.Secret(
            self._child_name(name),
            metadata=k8s.meta.v1.ObjectMetaArgs(name=sid, namespace=namespace, labels=self.labels()),
            type="Opaque",
            string_data={VALUE_KEY: value},
            immutable=True if immutable else None,
            opts=self._options(
                key_material=key_material,
                retain_on_delete=keep,
                additional_secret_outputs=["data", "stringData"],
                ignore_changes=["data", "stringData"] if server_owned else None,
            ),
        )
