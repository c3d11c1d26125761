"""OMS-K8S-006 k8s-configmap-no-secret-values: no Fernet keys, AWS secret keys or secret-named values in ConfigMaps."""

import base64

import pytest

from omsecrets.components import fernet
from tests.support import rules as h

RULE, CONFIG_MAP = "OMS-K8S-006", "kubernetes:core/v1:ConfigMap"
FERNET = base64.urlsafe_b64encode(bytes(range(32))).decode()
FERNET_2 = base64.urlsafe_b64encode(bytes(range(1, 33))).decode()
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def config_map(data, **kw):
    return h.resource(CONFIG_MAP, {"metadata": {"name": "om-env"}, "data": data}, **kw)


@pytest.mark.parametrize("data", [
    {"OM_HOST": "openmetadata", "DB_PORT": "3306", "PUBLIC_KEY": "ssh-rsa AAAA", "SSH_KEY": "x", "HOST_KEY": "x"},
    {"DB_PASSWORD": ""}, {"DB_PASSWORD": "   "}, {"DB_PASSWORD": "[secret]"}, {"DB_PASSWORD": "[unknown]"},
    {"DB_PASSWORD": "secret:/om/db/password"}, {"DB_PASSWORD": "${DB_PASSWORD}"}, {"DB_PASSWORD": 1234},
    {"KEYRING_SIZE": "x" * 40}, {"DATA": "a" * 40}, {"DATA": "A" * 40}, {"DATA": "x" + AWS_SECRET},
    {"PASSWORD_FILE": "/run/secrets/db"},
], ids=["plain", "empty", "blank", "secret-placeholder", "unknown-placeholder", "om-reference", "env-reference",
        "not-text", "not-secret-word", "lower-only", "upper-only", "41-chars", "secret-word-not-last"])
def test_no_secret_values(data):
    h.none(RULE, config_map(data))


@pytest.mark.parametrize("props", [{}, {"data": h.UNKNOWN}, {"data": "x"}], ids=["missing", "unknown", "not-a-map"])
def test_no_data(props):
    h.none(RULE, h.resource(CONFIG_MAP, props))


@pytest.mark.parametrize("data, what", [
    ({"FERNET": FERNET}, "FERNET holds a Fernet key"),
    ({"RING": f"{FERNET_2},{FERNET}"}, "RING holds a Fernet key"),
    ({"CFG": f"fernetKey: {fernet.OM_PUBLIC_DEFAULT_KEY}\n"}, "CFG holds a Fernet key"),
    ({"AWS": f"aws_secret_access_key={AWS_SECRET}"}, "AWS looks like an AWS secret access key"),
    ({"DB_PASSWORD": "hunter2"}, "DB_PASSWORD is named like a secret and has a value"),
    ({"apiKey": "abc"}, "apiKey is named like a secret and has a value"),
    ({"client-secret": "abc"}, "client-secret is named like a secret and has a value"),
    ({"api_token": "abc"}, "api_token is named like a secret and has a value"),
], ids=["fernet", "ring", "default-key-in-text", "aws", "password", "camel-key", "kebab-secret", "token"])
def test_secret_value(data, what):
    f = h.one(RULE, config_map({"OM_HOST": "om", **data}))
    assert f.message == f"ConfigMap om-env: {what}"
    assert "hunter2" not in f.message and AWS_SECRET not in f.message and FERNET not in f.message


@pytest.mark.parametrize("key", ["DB_PASSWD", "DB_PWD", "APIKEY", "SSL_PASSPHRASE", "GCP_CREDENTIALS", "credential",
                                 "client-secret", "AUTH_TOKEN", "signingKey"])
def test_every_secret_word(key):
    assert h.one(RULE, config_map({key: "x"})).message == f"ConfigMap om-env: {key} is named like a secret and has a value"


@pytest.mark.parametrize("key", ["PUBLIC_KEY", "SSH_KEY", "HOST_KEY", "KEY_ID", "DB_PASSWORD_FILE"])
def test_not_secret_words(key):
    h.none(RULE, config_map({key: "x"}))


def test_fernet_key_named_like_a_secret_reported_once_as_fernet():
    assert h.one(RULE, config_map({"FERNET_KEY": FERNET})).message.endswith("FERNET_KEY holds a Fernet key")


def test_each_key_reported_in_order():
    found = h.messages(RULE, config_map({"Z_TOKEN": "a", "A_PASSWORD": "b"}))
    assert [m.split(": ")[1].split()[0] for m in found] == ["A_PASSWORD", "Z_TOKEN"]


def test_unnamed_config_map_by_logical_name():
    assert h.one(RULE, h.resource(CONFIG_MAP, {"data": {"TOKEN": "x"}}, name="env")).message.startswith("ConfigMap env: ")


def test_mandatory_outside_production_too():
    h.one(RULE, config_map({"TOKEN": "x"}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("kubernetes:core/v1:Secret", {"data": {"TOKEN": "x"}}))
