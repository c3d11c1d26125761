"""Bootstrap secrets: generated once (state-held) or taken from ``pulumi config set --secret``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_random as random

from .core import BOOTSTRAP_TYPE
from .settings import BootstrapSecret


@dataclass(frozen=True)
class BootstrapSecretsArgs:
    """``secrets``: what to generate or take from config; ``protect``: protect generated values."""

    secrets: Sequence[BootstrapSecret] = field(default_factory=tuple)
    protect: bool = False


class BootstrapSecrets(pulumi.ComponentResource):
    """One ``RandomPassword`` per generated secret; ``values`` maps each name to a secret Output."""

    TYPE = BOOTSTRAP_TYPE

    def __init__(self, name: str, args: BootstrapSecretsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, {"names": [s.name for s in args.secrets]}, opts)
        self.values: dict[str, pulumi.Output[str]] = {}
        for secret in args.secrets:
            if secret.generated:
                password = random.RandomPassword(
                    f"{name}-{secret.name}",
                    length=secret.length,
                    special=secret.special,
                    upper=secret.upper,
                    lower=secret.lower,
                    numeric=secret.numeric,
                    opts=pulumi.ResourceOptions(parent=self, protect=args.protect, additional_secret_outputs=["result"]),
                )
                value = password.result
            elif secret.value is None:
                raise ValueError(f"bootstrap secret {secret.name!r}: config key {secret.from_config!r} has no value")
            else:
                value = secret.value
            self.values[secret.name] = pulumi.Output.secret(value)
        self.register_outputs({"names": sorted(self.values)})
