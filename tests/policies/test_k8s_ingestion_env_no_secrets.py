"""OMS-K8S-007 k8s-ingestion-env-no-secrets: K8S_EXTRA_ENV_VARS (plain text in every ingestion pod spec) holds nothing
secret, in a ConfigMap or a Secret."""

import base64
import json

import pytest

from omsecrets.components import settings as settings_module
from omsecrets.components.app_config import manifests, pipelines
from tests.support import rules as h

RULE, CONFIG_MAP, SECRET = "OMS-K8S-007", "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Secret"
FERNET = base64.urlsafe_b64encode(bytes(range(32))).decode()
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TAIL = "; OM writes it as plain text into the pod spec of every ingestion Job it creates"


def config_map(entries, as_json=True, **kw):
    value = json.dumps(entries) if as_json else entries
    return h.resource(CONFIG_MAP, {"metadata": {"name": "om-env"}, "data": {"K8S_EXTRA_ENV_VARS": value}}, **kw)


def flagged(args):
    return h.messages(RULE, args)


@pytest.mark.parametrize("provider, extra", [
    ("kubernetes", {}), ("gcp", {"gcp": {"project": "acme-data-1", "projectNumber": "123456789012"}}),
    ("managed-aws", {"aws": {"region": "eu-west-1", "identity": {
        "mode": "irsa", "oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB",
        "oidcIssuer": "oidc.eks.eu-west-1.amazonaws.com/id/AB"}}}),
    ("db", {}),
])
def test_what_om_secrets_renders_passes(provider, extra):
    """The server ConfigMap om-secrets declares with runtime kubernetes, for each store it supports there."""
    s = settings_module.from_dict({"provider": provider, **extra, "ingestion": {
        "runtime": "kubernetes", "image": "docker.getcollate.io/openmetadata/ingestion:1.12.3"}})
    manifest = manifests.config_map_manifest(s, "openmetadata")
    assert json.loads(manifest["data"]["K8S_EXTRA_ENV_VARS"]) == pipelines.extra_env_vars(s)
    assert flagged(h.resource(CONFIG_MAP, manifest)) == []


@pytest.mark.parametrize("entries", [
    [], ["AWS_DEFAULT_REGION:eu-west-1", "KUBERNETES_NAMESPACE:om-store"], ["DB_PASSWORD:secret:/om/db/password"],
    ["DB_PASSWORD:${DB_PASSWORD}"], ["DB_PASSWORD:"], ["DB_PASSWORD"], ["URL:http://x:8585/api"],
], ids=["empty", "plain", "om-reference", "placeholder", "empty-value", "no-separator", "colon-in-value"])
def test_no_secret_entries(entries):
    assert flagged(config_map(entries)) == []


@pytest.mark.parametrize("entries, what", [
    (["AWS_SECRET_ACCESS_KEY:abc"], "AWS_SECRET_ACCESS_KEY is named like a secret and has a value"),
    ([f"SOMETHING:{AWS_SECRET}"], "SOMETHING looks like an AWS secret access key"),
    ([f"RING:{FERNET}"], "RING holds a Fernet key"),
    (["A:b", "AZURE_CLIENT_SECRET:x:y"], "AZURE_CLIENT_SECRET is named like a secret and has a value"),
], ids=["named", "aws-key", "fernet", "second-entry"])
def test_secret_entries_in_a_config_map(entries, what):
    assert flagged(config_map(entries)) == [f"ConfigMap om-env: K8S_EXTRA_ENV_VARS entry {what}{TAIL}"]


def test_oms_comma_separated_form():
    assert flagged(config_map("A:b,DB_PASSWORD:x", as_json=False)) == [
        f"ConfigMap om-env: K8S_EXTRA_ENV_VARS entry DB_PASSWORD is named like a secret and has a value{TAIL}"]


def test_a_json_value_that_is_no_list_is_one_entry():
    assert flagged(config_map(json.dumps("DB_PASSWORD:x"), as_json=False)) == [
        f"ConfigMap om-env: K8S_EXTRA_ENV_VARS entry DB_PASSWORD is named like a secret and has a value{TAIL}"]


@pytest.mark.parametrize("field, encode", [("stringData", lambda v: v),
                                           ("data", lambda v: base64.b64encode(v.encode()).decode())])
def test_in_a_secret_too(field, encode):
    """The chart sets K8S_EXTRA_ENV_VARS in its pipeline Secret: being in a Secret does not keep it out of pod specs."""
    value = json.dumps(["TOKEN:abc"])
    args = h.resource(SECRET, {"metadata": {"name": "om-pipeline-secret"}, field: {"K8S_EXTRA_ENV_VARS": encode(value)}},
                      name="chart")
    assert flagged(args) == [f"Secret om-pipeline-secret: K8S_EXTRA_ENV_VARS entry TOKEN is named like a secret and "
                             f"has a value{TAIL}"]


@pytest.mark.parametrize("props", [
    {}, {"data": h.UNKNOWN}, {"data": {"K8S_EXTRA_ENV_VARS": h.UNKNOWN}}, {"data": {"DB_PASSWORD": "x"}},
    {"data": {"K8S_EXTRA_ENV_VARS": 3}},
], ids=["missing", "unknown", "unknown-value", "other-keys", "not-text"])
def test_nothing_to_check(props):
    assert flagged(h.resource(CONFIG_MAP, props)) == []


def test_the_resource_name_when_metadata_has_none():
    args = h.resource(CONFIG_MAP, {"data": {"K8S_EXTRA_ENV_VARS": json.dumps(["TOKEN:x"])}}, name="cm")
    assert flagged(args) == [f"ConfigMap cm: K8S_EXTRA_ENV_VARS entry TOKEN is named like a secret and has a value{TAIL}"]


def test_mandatory_outside_production_too():
    h.one(RULE, config_map(["TOKEN:x"], production=False))


def test_other_types_ignored():
    assert flagged(h.resource("kubernetes:batch/v1:Job", {"data": {"K8S_EXTRA_ENV_VARS": '["TOKEN:x"]'}})) == []
