"""The shared interface of every secret store: OM-convention ids, collision checks, seeding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from .. import conventions, core
from ..settings import default


@dataclass(frozen=True)
class StoreArgs:
    """Arguments every store takes.

    Attributes:
        provider: OM's ``secretsManager`` value (``aws``, ``managed-aws-ssm``, ``kubernetes``...).
        cluster_name: OM's ``clusterName``; the second part of every id.
        prefix: OM's ``secretsManagerConfiguration.prefix``; empty for none.
        tags: stack tags set on every seeded secret (AWS tags or Kubernetes labels).
        protect: protect (and on Kubernetes retain) secrets that hold key material.
    """

    provider: str
    cluster_name: str = default("clusterName")
    prefix: str = default("prefix")
    tags: Mapping[str, str] = field(default_factory=dict)
    protect: bool = False


@dataclass(frozen=True)
class Seeded:
    """One seeded secret: its logical name, OM id, ``secret:<id>`` reference and resource."""

    name: str
    secret_id: str
    reference: str
    resource: pulumi.Resource


class SecretStore(pulumi.ComponentResource):
    """Base of the stores: computes OM ids and refuses two secrets on one id."""

    TYPE = core.SECRET_STORE_TYPE

    def __init__(self, name: str, args: StoreArgs, props: Mapping | None = None, opts: pulumi.ResourceOptions | None = None):
        problems = conventions.name_problems(args.provider, prefix=args.prefix, cluster_name=args.cluster_name)
        problems += conventions.tag_problems(args.provider, dict(args.tags))
        if problems:
            raise conventions.ConventionError(f"store {name!r}: " + "; ".join(problems))
        super().__init__(
            self.TYPE,
            name,
            {"provider": args.provider, "prefix": args.prefix, "clusterName": args.cluster_name, **(props or {})},
            opts,
        )
        self.name = name
        self.args = args
        self.provider = args.provider
        self.prefix = args.prefix
        self.cluster_name = args.cluster_name
        self.tags = dict(args.tags)
        self.seeded: dict[str, Seeded] = {}
        self._names_by_id: dict[str, str] = {}

    def secret_id(self, parts: Sequence[str]) -> str:
        """The id OM computes for ``parts`` in this store."""
        return conventions.secret_id(self.provider, parts, prefix=self.prefix, cluster_name=self.cluster_name)

    def seed(
        self,
        parts: Sequence[str],
        value: pulumi.Input[str],
        *,
        name: str | None = None,
        key_material: bool = False,
        server_owned: bool = False,
        immutable: bool = False,
    ) -> Seeded:
        """Declare one secret under OM's id for ``parts`` and return its reference and resource.

        ``key_material`` protects it in protected stacks; ``server_owned`` leaves later value
        changes to the OM server (managed providers), so ``pulumi up`` never reverts them;
        ``immutable`` marks a value that never changes (honoured where the backend supports it).
        """
        if immutable and server_owned:
            raise ValueError(f"secret {name or '/'.join(parts)!r}: a server-owned secret cannot be immutable")
        name = name or "/".join(parts)
        if name in self.seeded:
            raise conventions.ConventionError(
                f"secret {name!r} is seeded twice in store {self.name!r}; logical names must be unique"
            )
        sid = self.secret_id(parts)
        other = self._names_by_id.get(sid)
        if other is not None:
            raise conventions.ConventionError(
                f"secrets {other!r} and {name!r} both map to the id {sid!r} in store {self.name!r}; rename one"
            )
        self._names_by_id[sid] = name
        resource = self._declare(
            name, sid, pulumi.Output.secret(value), key_material=key_material, server_owned=server_owned, immutable=immutable
        )
        seeded = Seeded(name=name, secret_id=sid, reference=conventions.SECRET_PREFIX + sid, resource=resource)
        self.seeded[name] = seeded
        return seeded

    def references(self) -> dict[str, str]:
        """``{logical name: "secret:<id>"}`` of everything seeded so far."""
        return {n: s.reference for n, s in sorted(self.seeded.items())}

    def finish(self) -> None:
        """Register the component's outputs once every secret is seeded."""
        self.register_outputs({"references": self.references(), "provider": self.provider})

    def _child_name(self, name: str) -> str:
        return f"{self.name}-{name}"

    def _options(self, *, key_material: bool, **extra) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, protect=bool(self.args.protect and key_material), **extra)

    def _version_options(self, **extra) -> pulumi.ResourceOptions:
        """A value version (AWS ``SecretVersion``, GCP ``SecretVersion``): a new value replaces it (both providers
        mark the value create-only), so it is never protected, which would stop every rotation half done; it is
        retained on delete instead, so Pulumi never destroys a version: the replaced one stays in the store
        (AWS: ``AWSPREVIOUS``; GCP: an older enabled version) under its protected secret."""
        return pulumi.ResourceOptions(parent=self, retain_on_delete=True, **extra)

    def _declare(
        self, name: str, sid: str, value: pulumi.Output, *, key_material: bool, server_owned: bool, immutable: bool
    ) -> pulumi.Resource:
        raise TypeError(f"{type(self).__name__} must implement _declare")
