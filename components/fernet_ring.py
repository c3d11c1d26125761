"""Fernet key rings as Pulumi resources: one state-held random key per generation."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_random as random

from . import fernet, key_pin
from .app_config.refs import SecretRef
from .core import APPS as APPLICATIONS
from .core import CONFIG_NAMESPACE, FERNET_RING_TYPE, is_offline_secret
from .jobs import job_manifest


def key_from_random_bytes(b64: str) -> str:
    """A Fernet key from RandomBytes' standard base64 output (converted to urlsafe)."""
    return fernet.validate_key(b64)


def offline_stand_in(placeholder: str) -> str:
    """A valid Fernet key standing in, in an offline preview, for an imported key kept encrypted in
    the stack file (derived from its placeholder: the same in every preview, never a real key)."""
    return base64.urlsafe_b64encode(hashlib.sha256(placeholder.encode()).digest()).decode("ascii")


def not_checkable_notice(ring: str, gen: int, source: str | None) -> str:
    where = f"config {CONFIG_NAMESPACE}:{source}" if source else "its config key"
    check = f"`pulumi config get {CONFIG_NAMESPACE}:{source} | omsecrets fernet check`" if source else "`omsecrets fernet check`"
    return (f"{ring}: the imported key of generation {gen} ({where}) is encrypted in the stack file: not checkable "
            f"offline (a stand-in key is used in this preview); it is checked when the real value is present "
            f"(`pulumi preview`), or check it now with {check}")


def _imported_key(ring: str, gen: int, source: str | None = None):
    def check(key: str) -> str:
        if is_offline_secret(key):
            pulumi.log.warn(not_checkable_notice(ring, gen, source))
            return offline_stand_in(key)
        try:
            return fernet.validate_key(key)
        except ValueError as exc:
            raise ValueError(f"{ring}: imported key of generation {gen}: {exc}") from None

    return check


@dataclass(frozen=True)
class FernetKeyRingArgs:
    """One application's ring.

    Attributes:
        application: ``openmetadata`` (``FERNET_KEY``) or ``airflow`` (``AIRFLOW__CORE__FERNET_KEY``).
        generations: active key generations, newest (primary) first: ``[1]`` -> ``[2, 1]`` -> ``[2]``.
        reencrypted_to: the generation every stored value was re-encrypted with (recorded after
            the re-encryption step); a generation may leave the ring only below it.
        protect: protect every generation's key resource (production).
        imported: generation -> an existing key (secret Input), e.g. the ``FERNET_KEY`` a running
            deployment already encrypts with; every other generation is generated.
        imported_from: generation -> the name of the imported key's source (a config key).
    """

    application: str
    generations: Sequence[int] = field(default=(1,))
    reencrypted_to: int | None = None
    protect: bool = False
    imported: Mapping[int, pulumi.Input[str]] = field(default_factory=dict)
    #: generation -> where its imported key comes from (a config key), recorded so a change is visible.
    imported_from: Mapping[int, str] = field(default_factory=dict)


class FernetKeyRing(pulumi.ComponentResource):
    """A Fernet ring whose keys the engine keeps in state: ``pulumi up`` never changes them.

    Outputs: ``value`` (secret, comma-separated ring), ``primary`` (secret), ``keys`` (secret per
    generation), ``primary_generation``.
    """

    TYPE = FERNET_RING_TYPE

    def __init__(self, name: str, args: FernetKeyRingArgs, opts: pulumi.ResourceOptions | None = None):
        if args.application not in APPLICATIONS:
            raise ValueError(f"application {args.application!r} is not allowed; expected one of {', '.join(APPLICATIONS)}")
        problems = fernet.rotation_problems(list(args.generations), args.reencrypted_to, key=name)
        if problems:
            raise ValueError("\n".join(problems))
        generations = list(args.generations)
        unknown = sorted(set(args.imported) - set(generations))
        if unknown:
            raise ValueError(f"{name}: imported generations {unknown} are not in the ring {generations}")
        for gen, key in args.imported.items():
            if isinstance(key, str) and not is_offline_secret(key):
                _imported_key(name, gen)(key)  # plain values fail here, secret Outputs when resolved
        super().__init__(
            self.TYPE,
            name,
            {
                "application": args.application,
                "generations": generations,
                "primaryGeneration": generations[0],
                "reencryptedTo": args.reencrypted_to,
                "importedGenerations": sorted(args.imported),
                "importedFrom": {str(g): k for g, k in sorted(args.imported_from.items())},
            },
            opts,
        )
        self.application = args.application
        self.generations = tuple(generations)
        self.primary_generation = generations[0]
        self.keys: dict[int, pulumi.Output[str]] = {}
        for gen in generations:
            if gen in args.imported:
                self.keys[gen] = pulumi.Output.secret(
                    pulumi.Output.from_input(args.imported[gen]).apply(_imported_key(name, gen, args.imported_from.get(gen)))
                )
                key_pin.pin(f"{name}-gen-{gen}{key_pin.SUFFIX}", self.keys[gen].apply(key_pin.fingerprint),
                            parent=self, protect=args.protect)
                continue
            raw = random.RandomBytes(
                f"{name}-gen-{gen}",
                length=32,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, additional_secret_outputs=["base64", "hex"]),
            )
            self.keys[gen] = pulumi.Output.secret(raw.base64.apply(key_from_random_bytes))
        self.value: pulumi.Output[str] = pulumi.Output.secret(
            pulumi.Output.all(*(self.keys[g] for g in generations)).apply(lambda ks: fernet.KeyRing(ks).value)
        )
        self.primary: pulumi.Output[str] = self.keys[generations[0]]
        self.register_outputs(
            {
                "application": args.application,
                "value": self.value,
                "generations": generations,
                "primaryGeneration": generations[0],
                "reencryptedTo": args.reencrypted_to,
            }
        )


def rotation_job_manifest(
    *,
    name: str,
    namespace: str,
    image: str,
    ring: SecretRef,
    database: SecretRef,
    service_account: str | None = None,
) -> dict:
    """A Kubernetes Job running ``airflow rotate-fernet-key`` with the ring and DB from Secrets."""
    return job_manifest(
        name=name, namespace=namespace, image=image, args=["airflow", "rotate-fernet-key"],
        env={"AIRFLOW__CORE__FERNET_KEY": ring, "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database},
        component="fernet-rotation", service_account=service_account, container="rotate-fernet-key",
    )
