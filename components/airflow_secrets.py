"""Airflow's shared secrets and OM's server's Airflow password as Pulumi resources: generated once, kept in state."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_random as random

from . import airflow
from .core import AIRFLOW_SECRETS_TYPE


@dataclass(frozen=True)
class AirflowSecretsArgs:
    """Attributes:
        version: the Airflow major version (3: ``api-secret-key`` and ``jwt-secret``; 2: ``webserver-secret-key``).
        protect: protect every generated value (replacing one is a cut: the lifecycle guard names its cost).
    """

    version: int = airflow.DEFAULT_VERSION
    protect: bool = False

    def __post_init__(self) -> None:
        airflow.shared_secrets(self.version)


class AirflowSecrets(pulumi.ComponentResource):
    """One ``RandomBytes`` per shared secret of the version, one ``RandomPassword`` for OM's server's Airflow user.

    Outputs: ``values`` (secret, ``{secret name: base64 value}``: the airflow delivery Secret's keys),
    ``server_password`` (secret).
    """

    TYPE = AIRFLOW_SECRETS_TYPE

    def __init__(self, name: str, args: AirflowSecretsArgs, opts: pulumi.ResourceOptions | None = None):
        shared = airflow.shared_secrets(args.version)
        super().__init__(self.TYPE, name, {"version": args.version, "secrets": [s.name for s in shared]}, opts)
        self.version = args.version
        self.values: dict[str, pulumi.Output[str]] = {}
        for secret in shared:
            raw = random.RandomBytes(
                f"{name}-{secret.name}",
                length=secret.size,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, additional_secret_outputs=["base64", "hex"]),
            )
            self.values[secret.name] = pulumi.Output.secret(raw.base64)
        password = random.RandomPassword(
            f"{name}-{airflow.SERVER_PASSWORD}",
            length=airflow.SERVER_PASSWORD_LENGTH,
            special=False,  # it travels in HTTP Basic auth and a shell command line: letters and digits only
            upper=True,
            lower=True,
            numeric=True,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, additional_secret_outputs=["result", "bcryptHash"]),
        )
        self.server_password: pulumi.Output[str] = pulumi.Output.secret(password.result)
        self.register_outputs({"version": args.version, "secrets": [s.name for s in shared]})
