"""OMS-FERNET-001 fernet-no-public-default-key: OM's public default key appears in no input (any resource type)."""

import base64

import pytest

from omsecrets.components import fernet
from tests.support import rules as h

RULE = "OMS-FERNET-001"
DEFAULT = fernet.OM_PUBLIC_DEFAULT_KEY
URLSAFE = DEFAULT.replace("+", "-").replace("/", "_")
OWN = base64.urlsafe_b64encode(bytes(range(32))).decode()
SECRET = "kubernetes:core/v1:Secret"


def b64(text):
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize("type_, props", [
    ("aws:ssm/parameter:Parameter", {"value": OWN}),
    (SECRET, {"stringData": {"FERNET_KEY": OWN}, "data": {"OTHER": b64(OWN)}}),
    ("kubernetes:core/v1:ConfigMap", {"data": {"NOTE": "jJ/9sz0g"}}),
], ids=["parameter", "secret", "fragment"])
def test_own_keys(type_, props):
    h.none(RULE, h.resource(type_, props))


def test_unknown_values_skipped():
    h.none(RULE, h.resource(SECRET, {"stringData": {"FERNET_KEY": h.UNKNOWN}, "data": h.UNKNOWN}))


@pytest.mark.parametrize("props, path", [
    ({"value": DEFAULT}, "value"),
    ({"value": DEFAULT.rstrip("=")}, "value"),
    ({"env": [{"name": "K", "value": f"{OWN},{URLSAFE}"}]}, "env[0].value"),
    ({"config": {"yaml": f"fernetConfiguration:\n  fernetKey: {DEFAULT}\n"}}, "config.yaml"),
], ids=["standard", "unpadded", "urlsafe-in-ring", "in-text"])
def test_default_key_in_an_input(props, path):
    f = h.one(RULE, h.resource("aws:ssm/parameter:Parameter", props, name="p"))
    assert f.message == f"p: {path} contains OpenMetadata's public default Fernet key"


def test_secret_data_decoded():
    f = h.one(RULE, h.resource(SECRET, {"data": {"FERNET_KEY": b64(DEFAULT)}}, name="s"))
    assert f.message.startswith("s: data.FERNET_KEY contains")


def test_secret_string_data_reported_once():
    f = h.one(RULE, h.resource(SECRET, {"stringData": {"FERNET_KEY": URLSAFE}}, name="s"))
    assert f.message.startswith("s: stringData.FERNET_KEY contains")


def test_base64_data_elsewhere_is_not_decoded():
    h.none(RULE, h.resource("kubernetes:core/v1:ConfigMap", {"binaryData": {"K": b64(DEFAULT)}}))


def test_an_empty_key_is_named_the_value():
    f = h.one(RULE, h.resource("x:y:Z", {"": DEFAULT}, name="p"))
    assert f.message == "p: the value contains OpenMetadata's public default Fernet key"


def test_every_path_once_in_order():
    props = {"b": DEFAULT, "a": [DEFAULT, "x", DEFAULT]}
    assert [m.split(": ")[1].split()[0] for m in h.messages(RULE, h.resource("x:y:Z", props))] == ["a[0]", "a[2]", "b"]


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource("x:y:Z", {"value": DEFAULT}, production=False))
