"""Stack settings (components/settings.py): defaults, one ConfigError naming every bad key, load()."""

from __future__ import annotations

import asyncio
import contextvars
import copy
import dataclasses
import json
import re
import threading
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import wait_for_rpcs

from omsecrets.components import settings as settings_module
from omsecrets.components.conventions import secret_id
from omsecrets.components.settings import ConfigError, from_dict, load, split_config

OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
OIDC_ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
KMS_ARN = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

K8S: dict[str, Any] = {"provider": "kubernetes"}
AWS: dict[str, Any] = {
    "provider": "aws",
    "aws": {"region": "eu-west-1", "identity": {"oidcProviderArn": OIDC_ARN, "oidcIssuer": OIDC_ISSUER}},
}
SSM: dict[str, Any] = {**AWS, "provider": "aws-ssm"}
AWS_KEYS: dict[str, Any] = {"provider": "aws", "aws": {"region": "eu-west-1", "identity": {"mode": "access-key"}}}
SECRET = {"name": "mysql", "path": "database/mysql-prod/password"}


def merged(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``base`` deep-copied with ``changes``: ``a__b=v`` sets data["a"]["b"], ``None`` deletes the key."""
    out = copy.deepcopy(base)
    for dotted, value in changes.items():
        *path, last = dotted.split("__")
        node = out
        for part in path:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return out


def problems_of(data: dict[str, Any], **kwargs: Any) -> list[str]:
    with pytest.raises(ConfigError) as err:
        from_dict(data, **kwargs)
    problems = err.value.problems
    text = str(err.value)
    assert all(p in text for p in problems)
    n = len(problems)
    assert text.startswith(f"{n} problem{'s' if n != 1 else ''} in the om-secrets configuration:")
    return problems


# ====================================================================== happy paths


def test_minimal_kubernetes_defaults():
    s = from_dict({"provider": "kubernetes"})
    assert (s.stack, s.environment, s.production, s.protect) == ("dev", "dev", False, True)
    assert s.provider == "kubernetes" and s.uses_store and s.managed and not s.is_aws
    assert (s.cluster_name, s.prefix, dict(s.tags)) == ("openmetadata", "", {})
    assert s.kubernetes.namespace == "openmetadata-secrets"
    assert s.kubernetes.in_cluster is True and s.kubernetes.kubeconfig_path == ""
    assert (s.server.namespace, s.server.service_account) == ("openmetadata", "openmetadata")
    assert (s.ingestion.namespace, s.ingestion.service_account) == ("openmetadata", "openmetadata-ingestion")
    assert s.ingestion.loader == "airflow"
    assert s.ingestion.host_port == "http://openmetadata.openmetadata.svc.cluster.local:8585/api"
    assert s.fernet.openmetadata.generations == (1,) and s.fernet.openmetadata.reencrypted_to is None
    assert s.fernet.airflow.primary == 1
    assert s.secrets == ()
    assert s.resource_tags == {"managed-by": "om-secrets"}


def test_defaults_follow_the_server_namespace():
    s = from_dict({"provider": "kubernetes", "server": {"namespace": "om"}})
    assert s.kubernetes.namespace == "om-secrets" and s.ingestion.namespace == "om"
    assert s.ingestion.host_port == "http://openmetadata.om.svc.cluster.local:8585/api"


def test_db_provider_is_the_default():
    s = from_dict({})
    assert s.provider == "db" and not s.uses_store and not s.managed
    assert s.seeded_secrets() == {}


@pytest.mark.parametrize("stack", ["prod", "production"])
def test_production_defaults(stack):
    s = from_dict(AWS, stack=stack)
    assert s.environment == stack
    assert s.production is True and s.protect is True
    assert s.aws.recovery_window_in_days == 30


def test_non_production_defaults_and_overrides():
    s = from_dict(AWS, stack="staging")
    assert (s.production, s.protect, s.aws.recovery_window_in_days) == (False, True, 7)  # protected everywhere
    s = from_dict(merged(AWS, production=True, protect=False, aws__recoveryWindowInDays=14), stack="dev")
    assert (s.production, s.protect, s.aws.recovery_window_in_days) == (True, False, 14)
    # string booleans and numbers, as `pulumi config set` stores scalars
    s = from_dict(merged(AWS, production="true", aws__recoveryWindowInDays="10"))
    assert s.production is True and s.protect is True and s.aws.recovery_window_in_days == 10
    s = from_dict({"provider": "kubernetes", "environment": "prod"}, stack="eu-1")
    assert s.production is True and s.stack == "eu-1"


def test_aws_region_falls_back_to_aws_region_config():
    data = merged(AWS, aws__region=None)
    assert from_dict(data, aws_region="us-east-2").aws.region == "us-east-2"
    assert from_dict(AWS, aws_region="eu-west-1").aws.region == "eu-west-1"
    assert from_dict(AWS).aws.region == "eu-west-1"  # built in code, no provider config to compare with


@pytest.mark.parametrize("provider", ["aws", "managed-aws-ssm"])
def test_aws_region_must_equal_the_providers_region(provider):
    """OM reads OM_SM_REGION (om-secrets:aws.region); the store is created in aws:region: they must agree."""
    with pytest.raises(ConfigError) as err:
        from_dict(merged(AWS, provider=provider), aws_region="us-east-2")
    message = str(err.value)
    assert "om-secrets:aws.region: 'eu-west-1' differs from aws:region 'us-east-2'" in message
    assert "same region" in message
    assert from_dict({"provider": "kubernetes"}, aws_region="us-east-2").provider == "kubernetes"  # no AWS store: no conflict


MUTABLE = "kubernetes:enableSecretMutable"


@pytest.mark.parametrize("value", [None, "false", "", "yes"])
def test_a_protected_kubernetes_store_needs_mutable_secrets(value):
    """A rotation changes the protected ring copy Secret: without the flag the provider replaces it."""
    config = {} if value is None else {MUTABLE: value}
    (problem,) = problems_of(K8S, provider_config=config)
    shown = "is not set" if value is None else f"is {value!r}"
    assert problem.startswith(f"{MUTABLE}: {shown}; with provider kubernetes and protect on"), problem
    assert f'set {MUTABLE}: "true" in the stack file' in problem


@pytest.mark.parametrize("data, config", [
    (K8S, {MUTABLE: "true"}),
    (K8S, {MUTABLE: "True"}),
    (merged(K8S, protect=False), {}),  # nothing protected: a replaced ring copy is only re-created
    (AWS, {}),  # no Kubernetes store
    (K8S, None),  # built in code: provider config not known, not checked
])
def test_mutable_secrets_needed_only_for_a_protected_kubernetes_store(data, config):
    assert from_dict(data, provider_config=config).provider == data["provider"]


def test_aws_settings_parsed():
    s = from_dict(
        merged(AWS, aws__replicaRegions=["eu-central-1"], aws__kms={"keyArn": KMS_ARN, "replicaKeyArns": {
            "eu-central-1": KMS_ARN.replace("eu-west-1", "eu-central-1")}}),
    )
    assert s.aws.kms.replica_key_arns == {"eu-central-1": KMS_ARN.replace("eu-west-1", "eu-central-1")}
    assert s.is_aws and not s.managed
    assert s.aws.replica_regions == ("eu-central-1",)
    assert s.aws.kms.key_arn == KMS_ARN and s.aws.kms.enabled and not s.aws.kms.create
    assert s.aws.identity.mode == "irsa"
    assert s.aws.identity.oidc_provider_arn == OIDC_ARN
    assert s.aws.identity.oidc_issuer == OIDC_ISSUER.removeprefix("https://")
    pod = from_dict(merged(AWS_KEYS, aws__identity={"mode": "pod-identity", "eksClusterName": "eks-1"}))
    assert pod.aws.identity.eks_cluster_name == "eks-1"


MRK = "arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"


@pytest.mark.parametrize("kms, replica_keys, error", [
    pytest.param({"keyArn": MRK}, {"eu-central-1": MRK.replace("eu-west-1", "eu-central-1")}, None, id="multi-region-key"),
    pytest.param({"create": True}, {}, None, id="created-per-region"),
    pytest.param({"keyArn": KMS_ARN}, None, "aws.kms.replicaKeyArns.eu-central-1: is not set: the replicas in this region "
                 "would be encrypted with the AWS-managed key", id="plain-key-without-replica-key"),
    pytest.param({"keyArn": KMS_ARN, "replicaKeyArns": {"eu-central-1": KMS_ARN}}, None,
                 "expected a KMS key ARN in eu-central-1", id="replica-key-in-the-wrong-region"),
    pytest.param({"keyArn": KMS_ARN, "replicaKeyArns": {"us-east-1": KMS_ARN.replace("eu-west-1", "us-east-1")}}, None,
                 "'us-east-1' is not one of aws.replicaRegions", id="not-a-replica-region"),
])
def test_replica_regions_get_a_customer_managed_key(kms, replica_keys, error):
    data = merged(AWS, aws__replicaRegions=["eu-central-1"], aws__kms=kms)
    if error:
        with pytest.raises(ConfigError, match=re.escape(error)):
            from_dict(data)
        return
    assert from_dict(data).aws.kms.replica_key_arns == replica_keys


def test_tags_in_every_form():
    for tags in ({"team": "data"}, ["team:data"], "[team:data]"):
        s = from_dict({"provider": "kubernetes", "tags": tags})
        assert dict(s.tags) == {"team": "data"}
        assert s.resource_tags == {"team": "data", "managed-by": "om-secrets"}


@pytest.mark.parametrize("provider, base", [("kubernetes", K8S), ("aws", AWS), ("aws-ssm", SSM), ("managed-aws", merged(AWS, provider="managed-aws"))])
def test_seeded_secrets_include_fernet_rings_for_store_providers(provider, base):
    s = from_dict(merged(base, secrets=[SECRET]))
    assert s.provider == provider
    assert s.seeded_secrets() == {
        "fernet-openmetadata": ("fernet", "openmetadata"),
        "fernet-airflow": ("fernet", "airflow"),
        "jwt-openmetadata": ("jwt", "openmetadata"),
        "mysql": ("database", "mysql-prod", "password"),
    }
    no_jwt = from_dict(merged(base, jwt={"enabled": False, "disabledReason": "OM's keys are managed elsewhere"}))
    assert "jwt-openmetadata" not in no_jwt.seeded_secrets() and "jwt-openmetadata" not in no_jwt.key_copies()


def test_seeded_secrets_exclude_fernet_rings_for_db():
    s = from_dict({"provider": "db"})
    assert "fernet-openmetadata" not in s.seeded_secrets()
    assert s.seeded_secrets() == {}


def test_generated_secret_options():
    s = from_dict(
        merged(K8S, secrets=[{"name": "api key", "path": ["bot", "ingestion-bot", "config", "jwtToken"], "length": 64, "special": True, "numeric": "false"}])
    )
    (secret,) = s.secrets
    assert secret.generated and secret.from_config is None and secret.value is None
    assert secret.parts == ("bot", "ingestion-bot", "config", "jwtToken")
    assert (secret.length, secret.special, secret.upper, secret.lower, secret.numeric) == (64, True, True, True, False)


def test_secret_name_defaults_to_its_path():
    s = from_dict(merged(K8S, secrets=[{"path": "/database/mysql/password/"}]))
    assert s.secrets[0].name == "database/mysql/password"
    assert s.secrets[0].parts == ("database", "mysql", "password")


def test_from_config_secret_takes_its_value_from_secret_values():
    s = from_dict(
        merged(K8S, secrets=[{**SECRET, "fromConfig": "mysqlPassword"}]),
        secret_values={"mysqlPassword": "s3cr3t", "unused": "x"},
    )
    (secret,) = s.secrets
    assert not secret.generated
    assert secret.from_config == "mysqlPassword" and secret.value == "s3cr3t"


def test_airflow_defaults_and_settings():
    s = from_dict(K8S)
    assert (s.airflow.version, s.airflow.server_user, s.airflow.server_user_role, s.airflow.image) == (
        3, "openmetadata", "Admin", None)
    s = from_dict(merged(K8S, airflow={"version": "2", "serverUser": "om-server", "image": "apache/airflow:2.10.5"}))
    assert (s.airflow.version, s.airflow.server_user, s.airflow.image) == (2, "om-server", "apache/airflow:2.10.5")
    assert s.fernet.rotation_job_image == "apache/airflow:2.10.5"  # the rotation Job's default image
    ingestion = "docker.getcollate.io/openmetadata/ingestion:2.0.7"  # not an apache/airflow tag: no version check
    assert from_dict(merged(K8S, airflow={"image": ingestion})).airflow.image == ingestion


def test_jwt_defaults_and_settings():
    s = from_dict(K8S)
    assert (s.jwt.enabled, s.jwt.key_size, s.jwt.issuer, s.jwt.key_id, s.jwt.imported) == (
        True, 2048, "open-metadata.org", None, None)
    s = from_dict(merged(K8S, jwt={"keySize": "4096", "issuer": "https://om.example.com", "keyId": "prod-2026",
                                   "extraPublicKeyUrls": ["https://idp.example.com/jwks"]}))
    assert (s.jwt.key_size, s.jwt.issuer, s.jwt.key_id, s.jwt.extra_public_key_urls) == (
        4096, "https://om.example.com", "prod-2026", ("https://idp.example.com/jwks",))
    off = from_dict(merged(K8S, jwt={"enabled": False, "disabledReason": " OM 1.x keeps its keys in a vault "}))
    assert not off.jwt.enabled and off.jwt.disabled_reason == "OM 1.x keeps its keys in a vault"


def test_jwt_imported_key_takes_its_value_from_secret_values():
    s = from_dict(merged(K8S, jwt={"imported": "existingJwtKey", "keyId": "running-kid"}),
                  secret_values={"existingJwtKey": "-----BEGIN PRIVATE KEY-----..."})
    assert (s.jwt.imported, s.jwt.key_id) == ("existingJwtKey", "running-kid")
    assert s.jwt.imported_value == "-----BEGIN PRIVATE KEY-----..."


def test_jwt_imported_config_key_is_read_as_a_secret_value():
    data, refs = settings_module.split_config({"om-secrets:jwt": json.dumps({"imported": "existingJwtKey", "keyId": "k"}),
                                               "om-secrets:existingJwtKey": "secret"})
    assert refs == ["existingJwtKey"] and "existingJwtKey" not in data


def test_fernet_rings_parsed():
    s = from_dict(
        merged(K8S, fernet={"openmetadata": {"generations": [3, 2], "reencryptedTo": 2}, "airflow": {"generations": [2, 1]}})
    )
    assert s.fernet.openmetadata.generations == (3, 2) and s.fernet.openmetadata.reencrypted_to == 2
    assert s.fernet.ring("airflow").primary == 2


def test_settings_are_frozen():
    s = from_dict(K8S)
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.provider = "aws"  # type: ignore[misc]


# ====================================================================== bad input

# (data, from_dict kwargs, config key, bad value as shown, what is allowed, number of problems)
KMS_KEY = "projects/acme-sec/locations/europe-west1/keyRings/om/cryptoKeys/secrets"
GCP = {"provider": "gcp", "gcp": {"project": "acme-data-prod", "projectNumber": "123456789012"}}
AZURE_WI = {
    "provider": "managed-azure-kv",
    "azure": {
        "subscriptionId": "00000000-0000-0000-0000-0000000000aa", "tenantId": "00000000-0000-0000-0000-0000000000bb",
        "resourceGroupName": "rg-om", "location": "westeurope", "vault": {"name": "om-kv"},
        "identity": {"oidcIssuer": "https://oidc.example/abc/"},
    },
}


FERNET_A = "dGhpcyBpcyBub3QgYSByZWFsIGtleSBidXQgMzIgYnl0ZXM="
FERNET_B = "YW5vdGhlciBrZXkgdGhhdCBpcyBub3QgcmVhbCBhdCBhbGw="

BAD = [
    pytest.param(merged(K8S, fernet={"openmetadata": {"generations": [2, 1], "imported": {"1": "runningKey"}},
                                     "airflow": {"generations": [2, 1], "imported": {"1": "runningKey"}}}),
                 {"secret_values": {"runningKey": FERNET_A}}, "fernet.airflow.imported.1", "'runningKey'",
                 "OpenMetadata and Airflow would share one Fernet key", 1, id="one-key-imported-into-both-rings"),
    pytest.param(merged(K8S, fernet={"openmetadata": {"generations": [2, 1], "imported": {"1": "omKey"}},
                                     "airflow": {"generations": [2, 1], "imported": {"1": "airflowKey"}}}),
                 {"secret_values": {"omKey": FERNET_A, "airflowKey": FERNET_A + "\n"}}, "fernet.airflow.imported.1",
                 "'airflowKey'", "which holds the same key", 1, id="one-value-under-two-names"),
    pytest.param(merged(K8S, fernet={"openmetadata": {"generations": [3, 2, 1], "imported": {"1": "omKey", "2": "omKey"}}}),
                 {"secret_values": {"omKey": FERNET_A}}, "fernet.openmetadata.imported.2", "'omKey'",
                 "two generations of one ring would be one key", 1, id="one-key-two-generations"),
    pytest.param(merged(K8S, airflow={"version": 4}), {}, "airflow.version", "4", "from 2 to 3", 1, id="airflow-version-4"),
    pytest.param(merged(K8S, airflow={"serverUser": "Admin"}), {}, "airflow.serverUser", "'Admin'",
                 "defaults create with password 'admin'", 1, id="airflow-admin-user"),
    pytest.param(merged(K8S, airflow={"image": "apache/airflow:2.10.5"}), {}, "airflow.image", "'apache/airflow:2.10.5'",
                 "runs Airflow 2, but airflow.version is 3", 1, id="airflow-2-image-on-3"),
    pytest.param(merged(K8S, airflow={"version": 2}, fernet={"rotationJob": {"image": "apache/airflow:3.3.2"}}), {},
                 "fernet.rotationJob.image", "'apache/airflow:3.3.2'", "runs Airflow 3, but airflow.version is 2", 1,
                 id="rotation-image-3-on-2"),
    pytest.param(merged(K8S, airflow={"serverUser": "om user"}), {}, "airflow.serverUser", "'om user'",
                 "letters, digits", 1, id="airflow-user-with-a-space"),
    pytest.param(merged(K8S, jwt={"enabled": False}), {}, "jwt.disabledReason", "", "OM keeps its own keys", 1, id="jwt-off-without-reason"),
    pytest.param(merged(K8S, jwt={"enabled": False, "disabledReason": "x", "keySize": 4096}), {}, "jwt", "keySize",
                 "remove them or enable the pair", 1, id="jwt-off-with-settings"),
    pytest.param(merged(K8S, jwt={"disabledReason": "x"}), {}, "jwt.disabledReason", "", "only used with jwt.enabled: false", 1,
                 id="jwt-reason-while-on"),
    pytest.param(merged(K8S, jwt={"keySize": 1024}), {}, "jwt.keySize", "1024", "2048 to 4096", 1, id="jwt-key-size-1024"),
    pytest.param(merged(K8S, jwt={"keySize": 2500}), {}, "jwt.keySize", "2500", "allowed: 2048, 3072, 4096", 1, id="jwt-key-size-2500"),
    pytest.param(merged(K8S, jwt={"keyId": "Gb389a-9f76-gdjs-a92j-0242bk94356"}), {}, "jwt.keyId",
                 "'Gb389a-9f76-gdjs-a92j-0242bk94356'", "OpenMetadata's default kid", 1, id="jwt-default-kid"),
    pytest.param(merged(K8S, jwt={"keyId": "my kid"}), {}, "jwt.keyId", "'my kid'", "1-200 of letters", 1, id="jwt-kid-with-space"),
    pytest.param(merged(K8S, jwt={"issuer": ""}), {}, "jwt.issuer", "''", "without spaces or quotes", 1, id="jwt-empty-issuer"),
    pytest.param(merged(K8S, jwt={"extraPublicKeyUrls": ["ftp://idp/keys"]}), {}, "jwt.extraPublicKeyUrls", "'ftp://idp/keys'",
                 "http(s) URL", 1, id="jwt-bad-jwks-url"),
    pytest.param(merged(K8S, jwt={"imported": "existingJwtKey"}), {"secret_values": {"existingJwtKey": "k"}}, "jwt.keyId", "",
                 "running deployment's JWT_KEY_ID", 1, id="jwt-imported-needs-kid"),
    pytest.param(merged(K8S, jwt={"imported": "existingJwtKey", "keyId": "k1"}), {}, "jwt.imported", "'existingJwtKey'",
                 "pulumi config set --secret", 1, id="jwt-imported-not-set"),
    pytest.param(merged(K8S, jwt={"imported": "existingJwtKey", "keyId": "k1"}),
                 {"secret_values": {"existingJwtKey": "k"}, "plaintext_refs": {"existingJwtKey"}}, "jwt.imported",
                 "'existingJwtKey'", "stored in plaintext", 1, id="jwt-imported-plaintext"),
    pytest.param(merged(K8S, jwt={"imported": "existingJwtKey", "keyId": "k1", "keySize": 4096}),
                 {"secret_values": {"existingJwtKey": "k"}}, "jwt.keySize", "", "is for a generated pair", 1, id="jwt-imported-with-size"),
    pytest.param(merged(K8S, jwt={"imported": "provider", "keyId": "k1"}), {}, "jwt.imported", "'provider'",
                 "is an om-secrets setting", 1, id="jwt-imported-shadows-setting"),
    pytest.param({"provider": "kubernets"}, {}, "provider", "'kubernets'", "(did you mean 'kubernetes'?)", 1, id="unknown-provider"),
    pytest.param({"provider": "vault"}, {}, "provider", "'vault'", "allowed: db, aws, managed-aws, aws-ssm, managed-aws-ssm, kubernetes", 1, id="unknown-provider-no-hint"),
    pytest.param({"provider": "gcp"}, {}, "gcp.projectNumber", "", "IAM conditions name secrets by project number", 2, id="gcp-needs-project"),
    pytest.param(merged(GCP, gcp={**GCP["gcp"], "project": "Acme"}), {}, "gcp.project", "'Acme'", "a GCP project id", 1, id="gcp-bad-project"),
    pytest.param(merged(GCP, gcp={**GCP["gcp"], "projectNumber": "acme"}), {}, "gcp.projectNumber", "'acme'", "project NUMBER", 1, id="gcp-project-id-as-number"),
    pytest.param(merged(GCP, gcp={**GCP["gcp"], "replication": {"locations": ["europe-west1"], "kmsKeyName": KMS_KEY}}), {},
                 "gcp.replication.kmsKeyName", "", "kmsKeyNames per location", 1, id="gcp-auto-key-with-locations"),
    pytest.param(merged(GCP, gcp={**GCP["gcp"], "replication": {"locations": ["europe-west1", "us-east1"], "kmsKeyNames": {"europe-west1": KMS_KEY}}}), {},
                 "gcp.replication.kmsKeyNames", "['us-east1']", "every replica location", 1, id="gcp-cmek-missing-location"),
    pytest.param(merged(AZURE_WI, azure={**AZURE_WI["azure"], "vault": {"name": "om--kv"}}), {}, "azure.vault.name", "'om--kv'", "Key Vault name", 1, id="azure-bad-vault-name"),
    pytest.param(merged(AZURE_WI, azure={**AZURE_WI["azure"], "vault": {"name": "om-kv", "softDeleteRetentionDays": 6}}), {},
                 "azure.vault.softDeleteRetentionDays", "6", "7 to 90", 1, id="azure-retention-6"),
    pytest.param(merged(AZURE_WI, azure={**AZURE_WI["azure"], "vault": {"name": "om-kv", "network": {"defaultAction": "Deny"}}}), {},
                 "azure.vault.network.defaultAction", "'Deny'", "lets no pod reach the vault", 1, id="azure-deny-without-rules"),
    pytest.param(merged(AZURE_WI, azure={**AZURE_WI["azure"], "identity": {}}), {}, "azure.identity.oidcIssuer", "", "OIDC issuer", 1, id="azure-wi-needs-issuer"),
    pytest.param(merged(AZURE_WI, ingestion={"loader": "noop"}), {}, "ingestion.loader", "'noop'", "cannot read secrets", 1, id="azure-noop-loader"),
    pytest.param(merged(AZURE_WI, azure={**AZURE_WI["azure"], "identity": {"mode": "client-secret"}}), {},
                 "azure.identity.server.clientSecret", "", "is required with mode 'client-secret'", 6, id="azure-client-secret-needs-principals"),
    pytest.param(merged(AZURE_WI, gcp=GCP["gcp"]), {}, "gcp", "'managed-azure-kv'", "does not use it", 1, id="gcp-section-on-azure"),
    pytest.param(merged(K8S, clustrName="om"), {}, "clustrName", "unknown key", "(did you mean 'clusterName'?)", 1, id="typo-top-level"),
    pytest.param(merged(AWS, aws__regoin="eu-west-1"), {}, "aws.regoin", "unknown key", "(did you mean 'region'?)", 1, id="typo-nested"),
    pytest.param(merged(AWS, aws__kms={"keyArm": KMS_ARN}), {}, "aws.kms.keyArm", "unknown key", "allowed here: create, keyArn, deletionWindowInDays", 1, id="typo-deeply-nested"),
    pytest.param(merged(K8S, kubernetes="openmetadata"), {}, "kubernetes", "'openmetadata' is a str", "expected an object with keys namespace", 1, id="section-not-an-object"),
    pytest.param(merged(AWS, tags={"team": "data", "owner": "a:b"}), {}, "tags.owner", "'a:b'", "remove the ':'", 1, id="tag-colon-aws"),
    pytest.param(merged(SSM, tags={"url": "http://x"}), {}, "tags.url", "'http://x'", "remove the ':'", 1, id="tag-colon-ssm"),
    # (the ':' in the key is a second problem: OM's split(":") would cut the key)
    pytest.param(merged(AWS, tags={"aws:team": "data"}), {}, "tags.aws:team", "'aws:team'", "reserved 'aws:' prefix", 2, id="tag-aws-prefix"),
    pytest.param(merged(K8S, tags={"bad key": "data"}), {}, "tags.bad key", "'bad key'", "must be 1-63 of letters, digits", 1, id="bad-k8s-label-key"),
    pytest.param(merged(K8S, tags={"team": "data platform"}), {}, "tags.team", "'data platform'", "at most 63 of letters", 1, id="bad-k8s-label-value"),
    pytest.param(merged(K8S, tags="[team]"), {}, "tags", "'[team]'", "expected an object such as {team: data}", 1, id="tag-without-colon"),
    pytest.param(merged(K8S, tags=5), {}, "tags", "5", "expected an object such as {team: data}", 1, id="tags-not-a-collection"),
    pytest.param({"tags": {"team": "x #y"}}, {}, "tags", "[team:x #y]", "avoid YAML-special characters", 1, id="tag-breaks-yaml"),
    pytest.param(merged(K8S, tags={"managed-by": "me"}), {}, "tags.managed-by", "'me'", "om-secrets sets 'managed-by' itself; remove it", 1, id="managed-by-tag"),
    pytest.param(merged(K8S, clusterName=""), {}, "clusterName", "empty", "set a name", 1, id="empty-cluster-name"),
    pytest.param({"clusterName": ""}, {}, "clusterName", "empty", "set a name such as 'openmetadata'", 1, id="empty-cluster-name-db"),
    pytest.param(merged(SSM, clusterName="aws-prod"), {}, "clusterName", "'aws-prod'", "may not begin with 'aws' or 'ssm'", 1, id="ssm-cluster-starts-with-aws"),
    pytest.param(merged(SSM, prefix="ssm"), {}, "prefix", "'ssm'", "may not begin with 'aws' or 'ssm'", 1, id="ssm-prefix-ssm"),
    pytest.param(merged(AWS, aws__region="eu-west"), {}, "aws.region", "'eu-west'", "expected an AWS region such as eu-west-1", 1, id="region-invalid"),
    pytest.param(merged(AWS, aws__region=None), {}, "aws.region", "is not set (nor aws:region)", "set e.g. eu-west-1", 1, id="aws-without-region"),
    pytest.param(merged(AWS, aws__recoveryWindowInDays=3), {}, "aws.recoveryWindowInDays", "3 is not allowed", "a whole number from 7 to 30", 1, id="recovery-window-3"),
    pytest.param(merged(AWS, aws__recoveryWindowInDays=31), {}, "aws.recoveryWindowInDays", "31 is not allowed", "a whole number from 7 to 30", 1, id="recovery-window-31"),
    pytest.param(merged(AWS, aws__recoveryWindowInDays="a week"), {}, "aws.recoveryWindowInDays", "'a week'", "a whole number from 7 to 30", 1, id="recovery-window-text"),
    pytest.param(merged(AWS, aws__replicaRegions=["eu-west-1"]), {}, "aws.replicaRegions", "'eu-west-1'", "other than the primary 'eu-west-1'", 1, id="replica-is-primary"),
    pytest.param(merged(AWS, aws__replicaRegions="us-east-1"), {}, "aws.replicaRegions", "'us-east-1'", "expected a list of strings", 1, id="replicas-not-a-list"),
    pytest.param(merged(SSM, aws__replicaRegions=["us-east-1"]), {}, "aws.replicaRegions", "['us-east-1']", "replicas exist only for Secrets Manager", 1, id="replicas-on-ssm"),
    pytest.param(merged(AWS, aws__kms={"create": True, "keyArn": KMS_ARN}), {}, "aws.kms", KMS_ARN, "set one of them", 1, id="kms-create-and-key-arn"),
    pytest.param(merged(AWS, aws__kms={"keyArn": "arn:aws:kms:eu-west-1:123:key/x"}), {}, "aws.kms.keyArn", "'arn:aws:kms:eu-west-1:123:key/x'", "a KMS key or alias ARN", 1, id="bad-kms-arn"),
    pytest.param(merged(AWS, aws__kms={"deletionWindowInDays": 5}), {}, "aws.kms.deletionWindowInDays", "5 is not allowed", "from 7 to 30", 1, id="kms-deletion-window"),
    pytest.param(merged(AWS, aws__identity__mode="iam-user"), {}, "aws.identity.mode", "'iam-user'", "allowed: irsa, pod-identity, access-key", 1, id="unknown-identity-mode"),
    pytest.param(merged(AWS, aws__identity={}), {}, "aws.identity.oidcProviderArn", "is required", "with identity mode 'irsa'", 2, id="irsa-without-oidc"),
    pytest.param(merged(AWS, aws__identity__oidcProviderArn="arn:aws:iam::1:role/x"), {}, "aws.identity.oidcProviderArn", "'arn:aws:iam::1:role/x'", "an IAM OIDC provider ARN", 1, id="bad-oidc-arn"),
    pytest.param(merged(AWS_KEYS, aws__identity__eksClusterName="eks-1"), {}, "aws.identity.eksClusterName", "'eks-1'", "only used with mode 'pod-identity'", 1, id="eks-cluster-without-pod-identity"),
    pytest.param(merged(AWS_KEYS, aws__identity__oidcIssuer=OIDC_ISSUER), {}, "aws.identity.mode", "'access-key'", "which only 'irsa' uses", 1, id="oidc-with-access-key"),
    pytest.param(merged(K8S, aws={"region": "eu-west-1"}), {}, "aws", "provider 'kubernetes'", "choose one of aws, managed-aws, aws-ssm, managed-aws-ssm", 1, id="aws-block-on-kubernetes"),
    pytest.param(merged(K8S, kubernetes={"inCluster": True, "kubeconfigPath": "/etc/kube"}), {}, "kubernetes", "'/etc/kube'", "set one of them", 1, id="in-cluster-and-kubeconfig"),
    pytest.param(merged(K8S, kubernetes={"inCluster": "yes"}), {}, "kubernetes.inCluster", "'yes'", "expected true or false", 1, id="in-cluster-not-boolean"),
    pytest.param(merged(K8S, kubernetes={"namespace": "Open_Metadata"}), {}, "kubernetes.namespace", "'Open_Metadata'", "a DNS label", 1, id="bad-namespace"),
    pytest.param(merged(K8S, kubernetes={"namespace": "n" * 64}), {}, "kubernetes.namespace", "'" + "n" * 64 + "'", "at most 63", 1, id="namespace-64"),
    pytest.param(merged(K8S, server={"serviceAccount": "OM"}), {}, "server.serviceAccount", "'OM'", "a DNS label", 1, id="bad-service-account"),
    pytest.param(merged(K8S, environment="Prod_1"), {}, "environment", "'Prod_1'", "a DNS label", 1, id="bad-environment"),
    pytest.param(merged(K8S, protect="maybe"), {}, "protect", "'maybe'", "expected true or false", 1, id="protect-not-boolean"),
    pytest.param(merged(K8S, clusterName=["om"]), {}, "clusterName", "['om'] is a list", "expected a string", 1, id="cluster-name-not-a-string"),
    pytest.param(merged(K8S, ingestion={"loader": "foo"}), {}, "ingestion.loader", "'foo'", "allowed: airflow, env, noop", 1, id="loader-foo"),
    pytest.param(merged(K8S, ingestion={"loader": "noop"}), {}, "ingestion.loader", "'noop'", "use 'airflow' or 'env'", 1, id="loader-noop-with-store"),
    pytest.param(merged(K8S, ingestion={"hostPort": "openmetadata:8585"}), {}, "ingestion.hostPort", "'openmetadata:8585'", "an http(s) URL of the OM API", 1, id="host-port-not-url"),
    pytest.param(merged(K8S, fernet={"openmetadata": {"generations": 2}}), {}, "fernet.openmetadata.generations", "2 is not allowed", "a non-empty list of generation numbers", 1, id="generations-not-a-list"),
    pytest.param(merged(K8S, fernet={"openmetadata": {"generations": []}}), {}, "fernet.openmetadata.generations", "[] is not allowed", "a non-empty list", 1, id="generations-empty"),
    pytest.param(merged(K8S, fernet={"airflow": {"generations": ["2", "1"]}}), {}, "fernet.airflow.generations", "['2', '1']", "a non-empty list of generation numbers", 1, id="generations-strings"),
    pytest.param(merged(K8S, fernet={"openmetadata": {"generations": [1, 2]}}), {}, "fernet.openmetadata", "generations [1, 2]", "strictly descending, newest (primary) first: [2, 1]", 1, id="generations-not-descending"),
    pytest.param(merged(K8S, fernet={"openmetadata": {"generations": [2, 2, 1]}}), {}, "fernet.openmetadata", "generations [2, 2, 1] repeat 2", "each generation may appear once", 1, id="generations-duplicated"),
    pytest.param(merged(K8S, fernet={"airflow": {"generations": [3, 2, 1], "reencryptedTo": 4}}), {}, "fernet.airflow.reencryptedTo", "4 is newer than the primary", "it must be <= 3", 1, id="reencrypted-to-newer"),
    pytest.param(merged(K8S, secrets=[{**SECRET, "fromConfig": "mysqlPassword", "length": 20}]), {"secret_values": {"mysqlPassword": "x"}}, "secrets[0]", "fromConfig 'mysqlPassword' conflicts with generator options ['length']", "set one or the other", 1, id="from-config-and-length"),
    pytest.param(merged(K8S, secrets=[{**SECRET, "fromConfig": "mysqlPassword"}]), {}, "secrets[0].fromConfig", "'mysqlPassword' is not set", "pulumi config set --secret om-secrets:mysqlPassword", 1, id="from-config-missing"),
    pytest.param(merged(K8S, secrets=[{**SECRET, "length": 8}]), {}, "secrets[0].length", "8 is not allowed", "a whole number from 16 to 1024", 1, id="length-8"),
    pytest.param(merged(K8S, secrets=[{**SECRET, "upper": False, "lower": False, "numeric": False, "special": False}]), {}, "secrets[0]", "every character class is off", "enable at least one of upper, lower, numeric, special", 1, id="all-classes-off"),
    pytest.param(merged(K8S, secrets=[{**SECRET, "lenght": 40}]), {}, "secrets[0].lenght", "unknown key", "allowed: fromConfig, length, lower", 1, id="secret-unknown-key"),
    pytest.param(
        merged(K8S, secrets=[{"name": "orders", "path": "database/my_db/password"}, {"name": "billing", "path": "database/my-db/password"}]),
        {}, "secrets", "'billing' and 'orders' both map to the id 'openmetadata-database-my-db-password'", "rename one", 1, id="collision-after-sanitizing",
    ),
    pytest.param(
        merged(K8S, secrets=[{"name": "ring", "path": "fernet/openmetadata"}]),
        {}, "secrets", "'fernet-openmetadata' and 'ring' both map to the id 'openmetadata-fernet-openmetadata'", "rename one", 1, id="collision-with-fernet-ring",
    ),
    pytest.param(merged(K8S, secrets=[SECRET, {**SECRET, "path": "database/other/password"}]), {}, "secrets[1].name", "'mysql' is used twice", "must be unique", 1, id="duplicate-names"),
    pytest.param(merged(K8S, secrets=[{"name": "x", "path": ""}]), {}, "secrets[0].path", "'' is not allowed", "expected an OM id path such as 'database/mysql-prod/password'", 1, id="empty-path"),
    pytest.param(merged(K8S, secrets=[{"name": "x", "path": ["database", " ", "password"]}]), {}, "secrets[0].path", "['database', ' ', 'password']", "expected an OM id path", 1, id="blank-path-part"),
    pytest.param(merged(K8S, secrets=[{"name": "x"}]), {}, "secrets[0].path", "None is not allowed", "expected an OM id path", 1, id="missing-path"),
    pytest.param(merged(K8S, secrets=[{"name": "-x", "path": "a/b"}]), {}, "secrets[0].name", "'-x' is not allowed", "letters, digits, spaces and _ . - /", 1, id="bad-secret-name"),
    pytest.param(merged(K8S, secrets={"name": "x"}), {}, "secrets", "{'name': 'x'} is not allowed", "expected a list of {name, path, length | fromConfig}", 1, id="secrets-not-a-list"),
    pytest.param(merged(K8S, secrets=[{"name": "long", "path": ["database", "s" * 250, "password"]}]), {}, "secrets", "'long'", "shorten the service or field names", 1, id="id-too-long-k8s"),
    pytest.param(
        merged(SSM, secrets=[{"name": "deep", "path": "/".join(["l"] * 15)}]),
        {}, "secrets", "'deep'", "SSM parameter names allow at most 15", 1, id="ssm-too-many-levels",
    ),
    pytest.param({"secrets": [SECRET]}, {}, "secrets", "provider 'db'", "choose a store provider", 1, id="secrets-with-db"),
]


@pytest.mark.parametrize("data, kwargs, key, value, allowed, count", BAD)
def test_bad_input(data, kwargs, key, value, allowed, count):
    problems = problems_of(data, **kwargs)
    assert len(problems) == count, problems
    hits = [p for p in problems if p.startswith(f"om-secrets:{key}:")]
    assert hits, f"no problem names om-secrets:{key}: {problems}"
    assert any(value in p and allowed in p for p in hits), hits


def test_bad_input_table_is_large():
    assert len(BAD) >= 25
    assert len({p.id for p in BAD}) == len(BAD)


def test_irsa_names_both_missing_keys():
    problems = problems_of(merged(AWS, aws__identity={}))
    assert sorted(p.split(":", 2)[1] for p in problems) == ["aws.identity.oidcIssuer", "aws.identity.oidcProviderArn"]


def test_dropping_a_generation_before_reencryption():
    problems = problems_of(merged(K8S, fernet={"airflow": {"generations": [3, 2]}}))
    (problem,) = problems
    assert problem.startswith("om-secrets:fernet.airflow:")
    assert "[3, 2]" in problem and "drops generation 1" in problem
    assert "`airflow rotate-fernet-key`" in problem
    assert "reencryptedTo" in problem and "`om-secrets:fernet.airflow.reencryptedTo: 3`" in problem
    # once re-encrypted with a newer key, generation 1 may go
    assert from_dict(merged(K8S, fernet={"airflow": {"generations": [3, 2], "reencryptedTo": 2}})).fernet.airflow.generations == (3, 2)


def test_collision_message_names_both_logical_names_and_provider():
    data = merged(K8S, secrets=[{"name": "orders db", "path": "database/Orders DB/password"}, {"name": "orders-db", "path": "database/orders-db/password"}])
    (problem,) = problems_of(data)
    assert "'orders db'" in problem and "'orders-db'" in problem and "on kubernetes" in problem
    # the same two names are distinct on AWS ('orders_db' vs 'orders-db')
    assert len(from_dict(merged(AWS, secrets=data["secrets"])).secrets) == 2


def test_unknown_provider_does_not_hide_the_other_problems():
    # checks that need the provider are skipped; every other key is still checked, in the same run
    problems = problems_of({"provider": "kubernets", "clusterName": "", "ingestion": {"loader": "foo"},
                            "aws": {"region": "nowhere"}})
    keys = [p.split(":", 2)[1] for p in problems]
    assert keys == ["provider", "clusterName", "aws.region", "ingestion.loader"], problems
    assert "did you mean 'kubernetes'?" in problems[0]


@pytest.mark.parametrize(
    "base, key, value, fernet_id",
    [
        ("K8S", "prefix", "my_team", "my-teamopenmetadata-fernet-openmetadata"),
        ("K8S", "clusterName", "OpenMetadata", "openmetadata-fernet-openmetadata"),
        ("AWS", "prefix", "my.team", "/my_team/openmetadata/fernet/openmetadata"),
    ],
)
def test_names_om_accepts_are_accepted_with_oms_ids(base, key, value, fernet_id):
    settings = from_dict(merged({"K8S": K8S, "AWS": AWS}[base], **{key: value}))
    assert getattr(settings, "prefix" if key == "prefix" else "cluster_name") == value
    assert secret_id(settings.provider, ("fernet", "openmetadata"), prefix=settings.prefix, cluster_name=settings.cluster_name) == fernet_id


def test_all_problems_reported_at_once():
    data = {
        "provider": "kubernetes",
        "prefix": "my%team",
        "kubernetes": {"namespace": "Bad_NS"},
        "ingestion": {"loader": "foo"},
        "fernet": {"openmetadata": {"generations": [1, 2]}},
        "secrets": [{**SECRET, "length": 8}],
    }
    with pytest.raises(ConfigError) as err:
        from_dict(data)
    problems = err.value.problems
    assert len(problems) == 5, problems
    keys = [p.split(":", 2)[1] for p in problems]
    assert sorted(keys) == sorted(["prefix", "kubernetes.namespace", "ingestion.loader", "fernet.openmetadata", "secrets[0].length"])
    assert str(err.value).startswith("5 problems in the om-secrets configuration:")
    assert str(err.value).count("\n  - ") == 5


def test_config_error_is_a_value_error():
    assert issubclass(ConfigError, ValueError)
    err = ConfigError(["om-secrets:x: bad"])
    assert str(err) == "1 problem in the om-secrets configuration:\n  - om-secrets:x: bad"


# ====================================================================== load() under Pulumi


class _NoResources(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        return [f"{args.name}_id", args.inputs]

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


async def _drained(body):
    """``body()``, then let every Output and RPC it started finish before the loop closes.

    Pulumi tracks pending Outputs in ``SETTINGS.outputs``, whose set is shared by every fresh
    context (ContextProperty keeps the first value as its default): a task left pending on a
    closed loop would break the next test's ``wait_for_rpcs``.
    """
    try:
        return await body()
    finally:
        await wait_for_rpcs()


def _pending_pulumi_outputs() -> set:
    return contextvars.Context().run(lambda: {t for t in (pulumi_settings.SETTINGS.outputs or ()) if not t.done()})


def _under_pulumi(config: dict[str, str], secret_keys: list[str], stack: str, body):
    """Run the coroutine function ``body`` with Pulumi configured as ``pulumi up`` would.

    Pulumi keeps config, stack name and root resource in context variables: a fresh
    ``contextvars.Context`` scopes them to this call. The event loop is per thread, so a
    thread of its own keeps this loop away from the other tests' (set_mocks needs one).
    """
    outcome: dict[str, Any] = {}

    def run():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            pulumi.runtime.set_mocks(_NoResources(), project="om-secrets", stack=stack, preview=False)
            pulumi.runtime.set_all_config(config, secret_keys)
            outcome["value"] = loop.run_until_complete(_drained(body))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    thread = threading.Thread(target=contextvars.Context().run, args=(run,))
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _cli_config(data: dict[str, Any], secret_mutable: str | None = "true") -> dict[str, str]:
    """``data`` as the Pulumi CLI hands it to the program: objects, lists and booleans as JSON, with
    ``kubernetes:enableSecretMutable`` as a shipped Kubernetes stack sets it (None: left out)."""
    config = {
        f"om-secrets:{k}": json.dumps(v) if isinstance(v, (dict, list, bool)) else str(v)
        for k, v in data.items()
    }
    if secret_mutable is not None:
        config["kubernetes:enableSecretMutable"] = secret_mutable
    return config


@pytest.fixture(autouse=True)
def _no_pulumi_leaks():
    before_config = dict(runtime_config.CONFIG.get())
    before_stack = pulumi.get_stack()
    yield
    assert not _pending_pulumi_outputs()
    assert dict(runtime_config.CONFIG.get()) == before_config
    assert not any(k.startswith("om-secrets:") for k in runtime_config.CONFIG.get())
    assert pulumi.get_stack() == before_stack


LOAD_CASES = [
    pytest.param(
        {
            "provider": "kubernetes",
            "clusterName": "openmetadata",
            "tags": {"team": "data-platform", "environment": "dev"},
            "kubernetes": {"namespace": "openmetadata-secrets", "inCluster": True},
            "server": {"namespace": "openmetadata", "serviceAccount": "openmetadata"},
            "ingestion": {"namespace": "openmetadata", "serviceAccount": "openmetadata-ingestion", "loader": "airflow"},
            "secrets": [{"name": "mysql-password", "path": "database/mysql-dev/password", "length": 32}],
        },
        "dev",
        None,
        id="stacks/Pulumi.dev.yaml",
    ),
    pytest.param(
        {
            "provider": "aws",
            "protect": False,
            "aws": {"recoveryWindowInDays": 14, "identity": {"oidcProviderArn": OIDC_ARN, "oidcIssuer": OIDC_ISSUER}},
            "fernet": {"openmetadata": {"generations": [2, 1]}},
        },
        "prod",
        "eu-west-1",
        id="aws-with-aws-region",
    ),
]


@pytest.mark.parametrize("data, stack, aws_region", LOAD_CASES)
def test_load_matches_from_dict(data, stack, aws_region):
    config = _cli_config(data)
    config["other-project:provider"] = "ignored"
    if aws_region:
        config["aws:region"] = aws_region

    async def body():
        return load()

    loaded = _under_pulumi(config, [], stack, body)
    assert loaded == from_dict(data, stack=stack, aws_region=aws_region)
    assert loaded.stack == stack
    if aws_region:
        assert loaded.aws.region == aws_region and loaded.production and loaded.protect is False


def test_load_from_config_secret_is_a_secret_output():
    data = {"provider": "kubernetes", "secrets": [{**SECRET, "fromConfig": "mysqlPassword"}, {"name": "gen", "path": "database/gen/password"}]}
    config = {**_cli_config(data), "om-secrets:mysqlPassword": "s3cr3t"}

    async def body():
        s = load()
        value = s.secrets[0].value
        return s, value, await value.future(), await value.is_secret()

    loaded, value, plain, is_secret = _under_pulumi(config, ["om-secrets:mysqlPassword"], "dev", body)
    assert isinstance(value, pulumi.Output)
    assert plain == "s3cr3t" and is_secret is True
    assert loaded.secrets[1].value is None and loaded.secrets[1].generated
    # everything but the Output equals from_dict's result
    without_value = dataclasses.replace(loaded, secrets=tuple(dataclasses.replace(s, value=None) for s in loaded.secrets))
    assert without_value == from_dict(data, stack="dev", secret_values={"mysqlPassword": None})


def test_load_reports_a_missing_from_config_secret():
    data = {"provider": "kubernetes", "secrets": [{**SECRET, "fromConfig": "mysqlPassword"}]}

    async def body():
        return load()

    with pytest.raises(ConfigError) as err:
        _under_pulumi(_cli_config(data), [], "dev", body)
    (problem,) = err.value.problems
    assert problem.startswith("om-secrets:secrets[0].fromConfig: 'mysqlPassword' is not set")


def test_load_reports_bad_config_with_full_keys():
    data = {"provider": "kubernetes", "ingestion": {"loader": "foo"}, "clustrName": "x"}

    async def body():
        return load()

    with pytest.raises(ConfigError) as err:
        _under_pulumi(_cli_config(data, secret_mutable="false"), [], "dev", body)
    assert sorted(p.split(":", 2)[1] for p in err.value.problems) == ["clustrName", "enableSecretMutable", "ingestion.loader"]


def test_load_leaves_no_config_behind():
    async def body():
        return load()

    _under_pulumi(_cli_config({"provider": "kubernetes"}), [], "leaky", body)
    assert "om-secrets:provider" not in runtime_config.CONFIG.get()
    assert pulumi.get_stack() != "leaky"
    assert settings_module.NAMESPACE == "om-secrets"


def test_from_config_refused_when_set_without_secret():
    with pytest.raises(ConfigError) as err:
        from_dict(
            {"provider": "kubernetes", "secrets": [{"path": "database/x/password", "fromConfig": "xPassword"}]},
            secret_values={"xPassword": "hunter2-hunter2"},
            plaintext_refs={"xPassword"},
        )
    assert "om-secrets:secrets[0].fromConfig" in str(err.value)
    assert "--secret" in str(err.value) and "hunter2" not in str(err.value)


def test_from_config_may_not_shadow_a_setting():
    with pytest.raises(ConfigError) as err:
        from_dict({"provider": "kubernetes", "secrets": [{"path": "database/x/password", "fromConfig": "tags"}]})
    assert "om-secrets:secrets[0].fromConfig: 'tags' is an om-secrets setting" in str(err.value)


def test_app_tag_refused_on_kubernetes_only():
    with pytest.raises(ConfigError) as err:
        from_dict({"provider": "kubernetes", "tags": {"app": "om"}})
    assert "om-secrets:tags.app: 'om'" in str(err.value)
    assert from_dict({"provider": "db", "tags": {"app": "om"}}).tags == {"app": "om"}


@pytest.mark.parametrize("app", ["server", "ingestion"])
def test_kubernetes_store_namespace_must_not_be_an_app_namespace(app):
    with pytest.raises(ConfigError) as err:
        from_dict({"provider": "kubernetes", "kubernetes": {"namespace": "apps"}, app: {"namespace": "apps"}})
    assert "om-secrets:kubernetes.namespace: 'apps' is also where" in str(err.value)
    assert "FERNET_KEY" in str(err.value)


@pytest.mark.parametrize("where", ["kubernetes.namespace", "server", "ingestion"])
def test_kubernetes_keys_namespace_must_be_one_no_role_reaches(where):
    data = {"provider": "kubernetes", "kubernetes": {"namespace": "om-store", "keysNamespace": "shared"},
            "server": {"namespace": "om"}, "ingestion": {"namespace": "af"}}
    if where == "kubernetes.namespace":
        data["kubernetes"]["namespace"] = "shared"
    else:
        data[where]["namespace"] = "shared"
    with pytest.raises(ConfigError) as err:
        from_dict(data)
    assert "om-secrets:kubernetes.keysNamespace: 'shared' is also" in str(err.value)


def test_kubernetes_keys_namespace_default_and_setting():
    assert from_dict({"provider": "kubernetes"}).kubernetes.keys_namespace == "openmetadata-secrets-keys"
    long = "n" * 63
    assert from_dict({"provider": "kubernetes", "kubernetes": {"namespace": long}}).kubernetes.keys_namespace == "n" * 58 + "-keys"
    assert from_dict({"provider": "kubernetes", "kubernetes": {"keysNamespace": "vault"}}).kubernetes.keys_namespace == "vault"
    with pytest.raises(ConfigError, match="kubernetes.keysNamespace: 'Keys_1'"):
        from_dict({"provider": "kubernetes", "kubernetes": {"keysNamespace": "Keys_1"}})


MISTAKES = Path(__file__).resolve().parent / "fixtures" / "config" / "Pulumi.mistakes.yaml"


def test_a_stack_file_with_14_mistakes_reports_all_14_at_once():
    from omsecrets.project import load_stack_file

    expected = ["provider", "clusterNmae", "environment", "production", "aws.recoveryWindowInDays", "aws.kms",
                "aws.identity.eksClusterName", "kubernetes.namespace", "kubernetes", "ingestion.hostPort",
                "ingestion.authProvider", "fernet.openmetadata.generations", "secrets[0].name", "secrets[2].name"]
    stack_file = load_stack_file(MISTAKES, "om-secrets")
    data, _ = split_config(stack_file.config)
    problems = problems_of(data)
    assert sorted(p.split(":", 2)[1] for p in problems) == sorted(expected), problems
    assert len(problems) == 14


def test_14_mistakes_through_the_cli_is_one_run_with_exit_2(tmp_path, capsys):
    from omsecrets import cli

    root = Path(__file__).resolve().parents[1]
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text((root / "Pulumi.yaml").read_text())
    (tmp_path / "__main__.py").write_text((root / "__main__.py").read_text())
    (tmp_path / "stacks" / "Pulumi.mistakes.yaml").write_text(MISTAKES.read_text())
    code = cli.main(["preview", "mistakes", "--project-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "14 problems" in err, err
    assert err.count("om-secrets:") >= 14 and "Traceback" not in err


# ---------------------------------------------------------------- fuzz: a Settings or a ConfigError, nothing else

from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hyp_settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 2000), st.floats(allow_nan=True),
                         st.text(max_size=12), st.sampled_from(["kubernetes", "aws", "irsa", "prod", "true", "7", "database/x/password"]))
JSON = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=8), st.integers(0, 3)), inner, max_size=4)),
    max_leaves=12)


def _nest(path: str, value):
    out = value
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


def _merge(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(out.get(k), dict) and isinstance(v, dict) else v
    return out


SECRET_ITEMS = st.lists(st.dictionaries(st.sampled_from([k.path for k in settings_module.SECRET_KEYS]), JSON, max_size=4),
                        max_size=3)
SCHEMA_SHAPED = st.tuples(
    st.sampled_from(settings_module.SUPPORTED_PROVIDERS),
    st.lists(st.one_of(st.tuples(st.sampled_from([k.path for k in settings_module.KEYS]), JSON),
                       st.tuples(st.just("secrets"), SECRET_ITEMS)), max_size=8),
).map(lambda t: __import__("functools").reduce(lambda acc, kv: _merge(acc, _nest(*kv)), t[1], {"provider": t[0]}))


def _settings_or_config_error(data):
    try:
        result = from_dict(data, stack="dev", aws_region="eu-west-1")
    except ConfigError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
        return
    assert isinstance(result, settings_module.Settings)


@hyp_settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(JSON, st.dictionaries(st.text(max_size=10), JSON, max_size=5)))
def test_fuzz_any_json_gives_settings_or_config_error(data):
    _settings_or_config_error(data)


@hyp_settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SCHEMA_SHAPED)
def test_fuzz_schema_shaped_input_gives_settings_or_config_error(data):
    _settings_or_config_error(data)


# ---------------------------------------------------------------- one schema: README and component defaults


def test_readme_configuration_table_is_generated_from_the_keys():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert settings_module.readme_table() in readme, (
        "README's configuration table is stale: replace it with the output of "
        '`python -c "from omsecrets.components import settings; print(settings.readme_table())"`')
    assert {k.path for k in settings_module.KEYS} == {
        ".".join(p) for p in _leaf_paths(settings_module._SCHEMA)}


def _leaf_paths(tree, prefix=()):
    for key, sub in tree.items():
        if isinstance(sub, dict):
            yield from _leaf_paths(sub, prefix + (key,))
        else:
            yield prefix + (key,)


def test_settings_defaults_are_the_declared_ones():
    s = from_dict({"provider": "kubernetes"}, stack="dev")
    d = settings_module.default
    assert (s.cluster_name, s.prefix) == (d("clusterName"), d("prefix"))
    assert (s.server.namespace, s.server.service_account) == (d("server.namespace"), d("server.serviceAccount"))
    assert s.ingestion.service_account == d("ingestion.serviceAccount")
    assert (s.ingestion.loader, s.ingestion.auth_provider) == (d("ingestion.loader"), d("ingestion.authProvider"))
    assert s.kubernetes.namespace == f"{d('server.namespace')}-secrets" == settings_module.KubernetesSettings().namespace
    assert s.aws.recovery_window_in_days == d("aws.recoveryWindowInDays") == settings_module.AwsSettings().recovery_window_in_days
    assert s.aws.kms.deletion_window_in_days == d("aws.kms.deletionWindowInDays")
    assert s.aws.identity.mode == d("aws.identity.mode") == settings_module.IdentitySettings().mode
    assert s.fernet.rotation_job_database_secret == d("fernet.rotationJob.databaseSecret")
    prod = from_dict({"provider": "managed-aws", "aws": {"region": "eu-west-1", "identity": {"mode": "access-key"}}}, stack="prod")
    assert prod.aws.recovery_window_in_days == settings_module.PRODUCTION_RECOVERY_WINDOW_IN_DAYS


def test_component_defaults_agree_with_settings():
    """A component used without settings gets what settings would have chosen, or the safer production value."""
    import dataclasses as dc

    from omsecrets.components.access.aws_iam import AwsAccessArgs
    from omsecrets.components.access.k8s_rbac import KubernetesAccessArgs
    from omsecrets.components.kms import SecretsKmsKeyArgs
    from omsecrets.components.stores import AwsSecretsManagerStoreArgs, KubernetesSecretStoreArgs

    s = from_dict({"provider": "kubernetes"}, stack="dev")
    for args in (AwsAccessArgs(provider="aws", identity_mode="access-key"), KubernetesAccessArgs(secrets_namespace="x")):
        assert (args.server_namespace, args.server_service_account) == (s.server.namespace, s.server.service_account)
        assert (args.ingestion_namespace, args.ingestion_service_account) == (s.ingestion.namespace, s.ingestion.service_account)
        with pytest.raises(dc.FrozenInstanceError):
            args.ingestion_service_account = "other"
    assert AwsAccessArgs(provider="aws", identity_mode="access-key").cluster_name == s.cluster_name
    assert SecretsKmsKeyArgs().deletion_window_in_days == s.aws.kms.deletion_window_in_days
    assert AwsSecretsManagerStoreArgs(provider="aws").recovery_window_in_days == settings_module.PRODUCTION_RECOVERY_WINDOW_IN_DAYS
    with pytest.raises(TypeError, match="namespace"):
        KubernetesSecretStoreArgs(provider="kubernetes")  # no default: never an app's namespace by accident
    assert KubernetesSecretStoreArgs(provider="kubernetes", namespace=s.kubernetes.namespace).namespace == "openmetadata-secrets"


@pytest.mark.parametrize("data, key", [
    ({"server": {"namespace": "n" * 70}}, "server.namespace"),
    ({"ingestion": {"namespace": "n" * 70}}, "ingestion.namespace"),
    ({"environment": "e" * 64}, "environment"),
    ({"ingestion": {"authProvider": "oauth"}}, "ingestion.authProvider"),
    ({"provider": "kubernetes", "secrets": [{"name": ["db"], "path": "database/x/password"}]}, "secrets[0].name"),
    ({"provider": "kubernetes", "secrets": [{"name": {"a": 1}, "path": "database/x/password"}]}, "secrets[0].name"),
    ({1: "x"}, "1"),
])
def test_measured_gaps_are_config_errors(data, key):
    problems = problems_of(data)
    assert [p.split(":", 2)[1] for p in problems] == [key], problems

# ====================================================================== Azure and GCP


def test_azure_settings_defaults_follow_production():
    s = from_dict(merged(AZURE_WI, production=True))
    assert s.azure.vault.purge_protection is True and s.azure.vault.soft_delete_retention_days == 90
    assert s.azure.vault.keys_name == "om-kv-keys" and s.azure.vault.network_default_action == "Allow"
    assert from_dict(AZURE_WI).azure.vault.purge_protection is False
    ruled = from_dict(merged(AZURE_WI, azure={**AZURE_WI["azure"], "vault": {"name": "om-kv", "network": {"ipRules": ["203.0.113.0/24"]}}}))
    assert ruled.azure.vault.network_default_action == "Deny"  # rules given: deny the rest


def test_azure_client_secret_mode_reads_secret_config_keys():
    data = merged(AZURE_WI, azure={**AZURE_WI["azure"], "identity": {
        "mode": "client-secret",
        "server": {"clientId": "00000000-0000-0000-0000-000000000001", "principalId": "00000000-0000-0000-0000-000000000002",
                   "clientSecret": "serverClientSecret"},
        "ingestion": {"clientId": "00000000-0000-0000-0000-000000000003", "principalId": "00000000-0000-0000-0000-000000000004",
                      "clientSecret": "ingestionClientSecret"},
    }})
    s = from_dict(data, secret_values={"serverClientSecret": "s1", "ingestionClientSecret": "s2"})
    assert s.azure.identity.secret_values == {"serverClientSecret": "s1", "ingestionClientSecret": "s2"}
    problems = problems_of(data, secret_values={"serverClientSecret": "s1", "ingestionClientSecret": "s2"},
                           plaintext_refs={"serverClientSecret"})
    assert len(problems) == 1 and "stored in plaintext" in problems[0]


def test_gcp_settings():
    s = from_dict(merged(GCP, gcp={**GCP["gcp"], "replication": {"locations": ["europe-west1"], "kmsKeyNames": {"europe-west1": KMS_KEY}}}))
    assert s.gcp.replication_locations == ("europe-west1",) and s.gcp.kms_key_names == {"europe-west1": KMS_KEY}
    assert s.gcp.identity_mode == "workload-identity" and s.is_gcp and not s.is_azure


def test_a_provider_whose_extra_is_not_installed_is_refused_before_any_resource(monkeypatch):
    from omsecrets.components import core

    monkeypatch.setitem(core.OPTIONAL_PACKAGES, "gcp", ("gcp", "pulumi_not_installed_here"))
    with pytest.raises(ConfigError) as raised:
        from_dict({"provider": "gcp", "gcp": {"project": "acme-data-prod", "projectNumber": "123456789012"}}, stack="x")
    assert raised.value.problems == [
        "om-secrets:provider: 'gcp' needs pulumi-not-installed-here, an optional extra that is not installed: "
        "pip install 'om-secrets[gcp]'"]
    assert core.missing_package("managed-azure-kv") is None  # installed here (the test extra)
    assert core.missing_package("kubernetes") is None and core.missing_package("nope") is None


# ====================================================================== hostile values (no echo, no crash)

#: A secret pasted where a config key *name* belongs: never in a message, not even 8 characters of it.
PASTED = "Zm9vYmFyLXNlY3JldC1rZXktMzItYnl0ZXMtbG9uZyE="  # Fernet-shaped: 44 URL-safe characters, 32 bytes


def _azure_client_secret(server_secret: Any) -> dict[str, Any]:
    return merged(AZURE_WI, azure={**AZURE_WI["azure"], "identity": {
        "mode": "client-secret",
        "server": {"clientId": "00000000-0000-0000-0000-000000000001", "principalId": "00000000-0000-0000-0000-000000000002",
                   "clientSecret": server_secret},
        "ingestion": {"clientId": "00000000-0000-0000-0000-000000000003", "principalId": "00000000-0000-0000-0000-000000000004",
                      "clientSecret": "ingestionClientSecret"},
    }})


def _fragments(secret: str, text: str, width: int = 8) -> list[str]:
    return [secret[i:i + width] for i in range(len(secret) - width + 1) if secret[i:i + width] in text]


@pytest.mark.parametrize("where, data", [
    ("secrets[0].fromConfig", merged(K8S, secrets=[{**SECRET, "fromConfig": PASTED}])),
    ("secrets[0].fromConfig", merged(K8S, secrets=[{**SECRET, "fromConfig": PASTED, "length": 40}])),
    ("fernet.openmetadata.imported.1", merged(K8S, fernet={"openmetadata": {"generations": [2, 1], "imported": {"1": PASTED}}})),
    ("fernet.openmetadata.imported", merged(K8S, fernet={"openmetadata": {"generations": [2, 1], "imported": {PASTED: "k"}}})),
    ("fernet.openmetadata.imported", merged(K8S, fernet={"openmetadata": {"generations": [2, 1], "imported": PASTED}})),
    ("azure.identity.server.clientSecret", _azure_client_secret(PASTED)),
])
def test_a_secret_given_where_a_key_name_belongs_is_described_never_echoed(where, data):
    """Was: "'<secret>' is not set; run `pulumi config set --secret om-secrets:<secret> <value>`": twice in full."""
    problems = problems_of(data, secret_values={"ingestionClientSecret": "x"})
    text = "\n".join(problems)
    assert not _fragments(PASTED, text), text
    assert any(p.startswith(f"om-secrets:{where}") for p in problems), problems
    assert "looks like key material" in text or "generations" in text, text


@pytest.mark.parametrize("value, said", [(["a"], "a list of 1 item(s)"), (True, "a boolean"), (7, "a number"),
                                         ({"secure": "x"}, "an object of 1 key(s)")])
@pytest.mark.parametrize("position", ["fromConfig", "clientSecret"])
def test_a_key_name_of_another_kind_is_described(position, value, said):
    data = (merged(K8S, secrets=[{**SECRET, "fromConfig": value}]) if position == "fromConfig"
            else _azure_client_secret(value))
    problems = problems_of(data, secret_values={"ingestionClientSecret": "x"})
    assert any(f"{said} is not a config key name" in p for p in problems), problems


def test_a_plausible_key_name_is_still_named_in_the_command_to_run():
    (problem,) = problems_of(merged(K8S, secrets=[{**SECRET, "fromConfig": "mysqlPassword"}]))
    assert "'mysqlPassword' is not set; run `pulumi config set --secret om-secrets:mysqlPassword <value>`" in problem


@pytest.mark.parametrize("text", ["1e999", "1.0e+999", "inf", "-inf", "Infinity"])
def test_a_whole_number_beyond_float_range_is_one_config_error_among_the_others(text):
    """Was: OverflowError (exit 3) at the first such key, hiding every other problem."""
    data = merged(K8S, secrets=[{**SECRET, "length": text}], fernet={"airflow": {"reencryptedTo": text}},
                  clusterName="Bad%Name")
    problems = problems_of(data)
    keys = sorted(p.split(": ", 1)[0] for p in problems)
    assert keys == ["om-secrets:clusterName", "om-secrets:fernet.airflow.reencryptedTo", "om-secrets:secrets[0].length"]
    assert all("whole number" in p for p in problems if "clusterName" not in p)


@pytest.mark.parametrize("key, value", [("clusterName", "clüster"), ("clusterName", "om\x00prod"), ("clusterName", "om\nprod"),
                                        ("prefix", "tëam"), ("prefix", "t\x1bam")])
@pytest.mark.parametrize("provider", ["kubernetes", "db"])
def test_cluster_name_and_prefix_are_printable_ascii(key, value, provider):
    """Was: a non-ASCII clusterName passed preview and failed check with a message about program code; a
    control character failed the program (exit 3) writing the env file."""
    problems = problems_of({"provider": provider, key: value})
    assert problems == [f"om-secrets:{key}: {value!r} is not valid; expected {settings_module._PRINTABLE_ASCII_WHAT}"]
