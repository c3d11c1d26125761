"""AppConfigDelivery: a ConfigMap (non-sensitive env) and a Secret (Fernet ring, access keys) per app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_kubernetes as k8s

from .. import airflow, core, jwt
from ..core import AIRFLOW_APP, SERVER_APP
from ..settings import Settings, with_jwt_key_id
from . import manifests, validate
from .airflow import airflow_helm_values
from .refs import JWT_KEYS_SECRET, SERVER_AIRFLOW_PASSWORD, delivery_names
from .server import openmetadata_helm_values

TOKEN = core.APP_CONFIG_DELIVERY_TYPE


@dataclass(frozen=True)
class JwtKeyFiles:
    """OM's JWT pair as the server reads it (``components.jwt_keypair.JwtKeyPair`` outputs)."""

    private_key_der: pulumi.Input[str]
    """Base64 of the PKCS#8 DER private key (secret)."""
    public_key_der: pulumi.Input[str]
    """Base64 of the X.509 SubjectPublicKeyInfo DER public key."""
    key_id: pulumi.Input[str]
    """``JWT_KEY_ID`` (the server's ConfigMap, the chart's ``jwtTokenConfiguration.keyId``)."""


@dataclass(frozen=True)
class AirflowValues:
    """The generated Airflow secrets (``components.airflow_secrets.AirflowSecrets`` outputs)."""

    shared: Mapping[str, pulumi.Input[str]]
    """Shared secret name (``api-secret-key``, ``jwt-secret`` / ``webserver-secret-key``) -> value."""
    server_password: pulumi.Input[str]
    """OM's server's password for Airflow's API."""


@dataclass(frozen=True)
class AppConfigDeliveryArgs:
    settings: Settings
    fernet_rings: Mapping[str, pulumi.Input[str]]
    """App (``openmetadata``, ``airflow``) -> its Fernet ring, comma-separated, primary first."""
    access_keys: Optional[Mapping[str, tuple[pulumi.Input[str], pulumi.Input[str]]]] = None
    """App -> (access key id, secret access key); only with identity mode ``access-key``."""
    labels: dict[str, str] = field(default_factory=dict)
    """Extra labels for every object (the app.kubernetes.io labels om-secrets sets win)."""
    jwt_keys: Optional[JwtKeyFiles] = None
    """OM's JWT pair: required when ``settings.jwt.enabled``, refused otherwise."""
    airflow: Optional[AirflowValues] = None
    """The generated Airflow secrets: required with ingestion runtime airflow, refused with kubernetes (no Airflow)."""

    def __post_init__(self) -> None:
        validate.check(self.settings)
        apps = self.settings.apps
        if AIRFLOW_APP not in apps:
            if self.airflow is not None:
                raise ValueError("airflow values given, but ingestion runtime kubernetes runs no Airflow")
        else:
            wanted = {shared.name for shared in airflow.shared_secrets(self.settings.airflow.version)}
            if self.airflow is None or set(self.airflow.shared) != wanted:
                given = sorted(self.airflow.shared) if self.airflow else None
                raise ValueError(f"airflow needs the shared secrets of Airflow {self.settings.airflow.version}: "
                                 f"{sorted(wanted)}; given {given}")
        if self.settings.jwt.enabled != (self.jwt_keys is not None):
            raise ValueError("jwt_keys must be given exactly when settings.jwt.enabled "
                             f"(enabled: {self.settings.jwt.enabled}, jwt_keys given: {self.jwt_keys is not None})")
        missing = [a for a in apps if a not in self.fernet_rings]
        unknown = sorted(set(self.fernet_rings) - set(apps))
        if missing or unknown:
            raise ValueError(f"fernet_rings needs exactly the apps {', '.join(apps)}; missing {missing}, unknown {unknown}")
        validate.check_access_keys(self.settings, set(self.access_keys or {}), apps)
        manifests.labels(apps[0], self.labels)


class AppConfigDelivery(pulumi.ComponentResource):
    """Declares each app's ConfigMap and Secret, and the server's JWT keys Secret; exposes chart values
    that reference them by name.

    With a JWT pair, what depends on its key id (the server's ConfigMap, the OM chart values) is
    rendered once the id is known (``deployed``: an Output of the settings with ``jwt.key_id`` set).
    """

    TYPE = TOKEN

    def __init__(self, name: str, args: AppConfigDeliveryArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(self.TYPE, name, None, opts)
        s = args.settings
        jwt_keys = args.jwt_keys
        #: The settings as deployed: ``jwt.key_id`` is the pair's key id (an Output until the key exists).
        self.deployed: pulumi.Output[Settings] = (
            pulumi.Output.from_input(jwt_keys.key_id).apply(lambda kid: with_jwt_key_id(s, kid)) if jwt_keys
            else pulumi.Output.from_input(s)
        )
        self.config_maps: dict[str, k8s.core.v1.ConfigMap] = {}
        self.secrets: dict[str, k8s.core.v1.Secret] = {}
        for app in s.apps:
            config_map = manifests.config_map_manifest(s, app, args.labels)
            data: pulumi.Input = config_map["data"]
            if jwt_keys and app == SERVER_APP:
                data = self.deployed.apply(lambda d, app=app: manifests.config_data(d, app))
            self.config_maps[app] = k8s.core.v1.ConfigMap(
                f"{name}-{app}-config",
                metadata=config_map["metadata"],
                data=data,
                opts=pulumi.ResourceOptions(parent=self),
            )
            keys = (args.access_keys or {}).get(app)
            string_data = manifests.secret_string_data(
                s,
                app,
                pulumi.Output.secret(args.fernet_rings[app]),
                (pulumi.Output.secret(keys[0]), pulumi.Output.secret(keys[1])) if keys else None,
                _client_secret(s, app),
                _generated(args.airflow, app),  # type: ignore[arg-type]
            )
            secret = manifests.secret_manifest(s, app, string_data, args.labels)
            self.secrets[app] = k8s.core.v1.Secret(
                f"{name}-{app}-secret",
                metadata=secret["metadata"],
                type=secret["type"],
                string_data=secret["stringData"],
                opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["data", "stringData"]),
            )
        self.jwt_secret: Optional[k8s.core.v1.Secret] = None
        if jwt_keys:
            secret = manifests.jwt_secret_manifest(s, {
                jwt.PRIVATE_KEY_FILE: pulumi.Output.secret(jwt_keys.private_key_der),
                jwt.PUBLIC_KEY_FILE: jwt_keys.public_key_der,
            }, args.labels)
            self.jwt_secret = k8s.core.v1.Secret(
                f"{name}-{SERVER_APP}-jwt-keys",
                metadata=secret["metadata"],
                type=secret["type"],
                data=secret["data"],
                opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=["data", "stringData"]),
            )
        self.resources: list[pulumi.Resource] = [*self.config_maps.values(), *self.secrets.values(),
                                                 *([self.jwt_secret] if self.jwt_secret else [])]
        self.openmetadata_helm_values: pulumi.Input[dict[str, Any]] = (
            self.deployed.apply(openmetadata_helm_values) if jwt_keys else openmetadata_helm_values(s))
        self.airflow_helm_values: Optional[dict[str, Any]] = airflow_helm_values(s) if AIRFLOW_APP in s.apps else None
        self.config_map_names = {app: delivery_names(app).config_map for app in s.apps}
        self.secret_names = {app: delivery_names(app).secret for app in s.apps}
        self.register_outputs(
            core.wire_outputs(
                {
                    "openmetadata_helm_values": self.openmetadata_helm_values,
                    "airflow_helm_values": self.airflow_helm_values,
                    "config_map_names": self.config_map_names,
                    "secret_names": self.secret_names,
                    "jwt_secret_name": JWT_KEYS_SECRET if jwt_keys else None,
                }
            )
        )


def _generated(values: Optional[AirflowValues], app: str) -> dict[str, pulumi.Output[str]]:
    """The generated values ``app``'s Secret holds: OM's server's Airflow password on both sides (the Airflow
    user Job reads it there), the shared secrets on Airflow's; nothing without Airflow."""
    if values is None:
        return {}
    password = pulumi.Output.secret(values.server_password)
    if app == SERVER_APP:
        return {SERVER_AIRFLOW_PASSWORD: password}
    assert app == AIRFLOW_APP
    return {**{k: pulumi.Output.secret(v) for k, v in values.shared.items()}, airflow.AIRFLOW_SIDE_PASSWORD_KEY: password}


def _client_secret(settings: Settings, app: str) -> Optional[pulumi.Output[str]]:
    """The app's Azure client secret (client-secret mode), from the config key named in settings."""
    identity = settings.azure.identity
    if not validate.uses_client_secret(settings, app):
        return None
    ref = identity.server_client_secret if app == core.SERVER_APP else identity.ingestion_client_secret
    value = identity.secret_values.get(ref) if ref else None
    return pulumi.Output.secret(value) if value is not None else None
