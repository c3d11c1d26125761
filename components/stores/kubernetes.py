"""Kubernetes Secrets named, labelled and keyed as OM's ``kubernetes`` secrets manager expects."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from .. import core
from .base import SecretStore, StoreArgs

OM_LABELS = core.OM_K8S_LABELS
#: OM reads and writes the value under this data key.
VALUE_KEY = "value"


@dataclass(frozen=True)
class KubernetesSecretStoreArgs(StoreArgs):
    """``namespace``: where OM's server reads and writes secrets (``OM_SM_NAMESPACE``), required:
    a namespace of OM's secrets alone (settings' default is ``<server namespace>-secrets``); no
    default, so a store is never created in an app's namespace by accident."""

    namespace: str = field(kw_only=True)


class KubernetesSecretStore(SecretStore):
    """OM secrets as ``kubernetes.core.v1.Secret`` with data key ``value``."""

    TYPE = core.KUBERNETES_STORE_TYPE

    def __init__(self, name: str, args: KubernetesSecretStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(name, args, {"namespace": args.namespace}, opts)

    def labels(self) -> dict[str, str]:
        return {**self.tags, **OM_LABELS}

    def _declare(self, name, sid, value, *, key_material, server_owned, immutable):
        args: KubernetesSecretStoreArgs = self.args
        keep = bool(args.protect and key_material)
        return k8s.core.v1.Secret(
            self._child_name(name),
            metadata=k8s.meta.v1.ObjectMetaArgs(name=sid, namespace=args.namespace, labels=self.labels()),
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
