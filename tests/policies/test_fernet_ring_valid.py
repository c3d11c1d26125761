"""OMS-FERNET-002 fernet-ring-valid: delivered rings parse as valid, distinct 32-byte keys."""

import base64

import pytest

from tests.support import rules as h

RULE = "OMS-FERNET-002"
SECRET, PARAMETER, VERSION = ("kubernetes:core/v1:Secret", "aws:ssm/parameter:Parameter",
                              "aws:secretsmanager/secretVersion:SecretVersion")
K1 = base64.urlsafe_b64encode(bytes(range(32))).decode()
K2 = base64.urlsafe_b64encode(bytes(range(1, 33))).decode()
SHORT = "Zm9vYmFyYmF6cXV4" + "A" * 20  # 36 characters: its first 4 would show in the error
BAD_RINGS = [f"{K1},{K1}", f"{K1},", SHORT, f"{K1},{SHORT}"]
RING_KEYS = ["FERNET_KEY", "fernet-key", "AIRFLOW__CORE__FERNET_KEY"]


def b64(text):
    return base64.b64encode(text.encode()).decode()


def secret(name="om-env", **values):
    return h.resource(SECRET, {"metadata": {"name": name}, "stringData": values}, name="s")


@pytest.mark.parametrize("key", RING_KEYS)
@pytest.mark.parametrize("ring", [K1, f"{K2},{K1}"], ids=["one", "two"])
def test_valid_rings(key, ring):
    h.none(RULE, secret(**{key: ring}))


@pytest.mark.parametrize("key", RING_KEYS)
def test_whitespace_inside_a_ring_is_refused_as_om_does_not_trim(key):
    assert "whitespace at position 1" in h.one(RULE, secret(**{key: f"{K2}, {K1}"})).message


@pytest.mark.parametrize("value", [h.UNKNOWN, "[secret]", "[unknown]"], ids=["unknown", "secret", "placeholder"])
def test_unknown_and_placeholders_skipped(value):
    h.none(RULE, secret(FERNET_KEY=value))


def test_other_keys_not_rings():
    h.none(RULE, secret(DB_PASSWORD="x,y", value="x,y"))
    h.none(RULE, secret("om-fernet-airflow", DB_PASSWORD="x,y"))


@pytest.mark.parametrize("key", RING_KEYS)
@pytest.mark.parametrize("ring", BAD_RINGS, ids=["duplicate", "trailing-comma", "short", "short-second"])
def test_invalid_rings(key, ring):
    f = h.one(RULE, secret(**{key: ring}))
    assert f.message.startswith(f"s: {key} is not a valid Fernet key ring: ")
    assert "Zm9v" not in f.message


def test_no_fragment_of_a_key_in_the_message():
    message = h.one(RULE, secret(FERNET_KEY=f"{SHORT},{K1},{K1}")).message
    assert "key 1 of 3" in message and "keys 2 and 3" in message
    assert not [w for k in (SHORT, K1) for w in (k[i:i + 4] for i in range(len(k) - 3)) if w in message]


def test_secret_data_decoded():
    h.one(RULE, h.resource(SECRET, {"metadata": {"name": "x"}, "data": {"fernet-key": b64(SHORT)}}))


@pytest.mark.parametrize("name", ["om-fernet-airflow", "teamopenmetadata-fernet-openmetadata"])
def test_om_store_secret_value(name):
    h.none(RULE, secret(name, value=K1))
    h.one(RULE, secret(name, value=SHORT))


def test_vacated_kubernetes_copy_is_not_a_ring():
    from omsecrets.components import core

    pointer = core.VACATED_KEY_COPY.format(namespace="om-secrets-keys", name="om-fernet-airflow")
    h.none(RULE, secret("om-fernet-airflow", value=pointer))
    h.one(RULE, secret("om-fernet-airflow", value="om-secrets moved nothing" + SHORT))  # only the exact pointer
    h.one(RULE, secret("om-fernet-airflow", FERNET_KEY=pointer))  # and only as a store copy's value


@pytest.mark.parametrize("name", ["om-fernet-airflowx", "om-fernet-superset", "fernet-airflow-x", h.UNKNOWN])
def test_other_store_secrets(name):
    h.none(RULE, secret(name, value=SHORT))


@pytest.mark.parametrize("name", ["/openmetadata/fernet/airflow", "/team/openmetadata/fernet/openmetadata"])
def test_ssm_parameter(name):
    h.none(RULE, h.resource(PARAMETER, {"name": name, "value": K1}))
    f = h.one(RULE, h.resource(PARAMETER, {"name": name, "value": SHORT}, name="p"))
    assert f.message.startswith("p: value is not a valid Fernet key ring")


@pytest.mark.parametrize("name", ["/openmetadata/fernet/airflowx", "/openmetadata/fernet/airflow-AbC12", "/om/db", h.UNKNOWN])
def test_other_parameters(name):
    h.none(RULE, h.resource(PARAMETER, {"name": name, "value": SHORT}))


@pytest.mark.parametrize("secret_id", ["/openmetadata/fernet/openmetadata", "/openmetadata/fernet/airflow-AbC123",
                                       "arn:aws:secretsmanager:eu-west-1:1:secret:/om/fernet/airflow-AbC123"])
def test_secret_version(secret_id):
    h.none(RULE, h.resource(VERSION, {"secretId": secret_id, "secretString": f"{K2},{K1}"}))
    f = h.one(RULE, h.resource(VERSION, {"secretId": secret_id, "secretString": f"{K1},{K1}"}, name="v"))
    assert f.message.startswith("v: secretString is not a valid Fernet key ring")


@pytest.mark.parametrize("secret_id", ["/openmetadata/fernet/airflow-AbC12", "/openmetadata/db", h.UNKNOWN])
def test_other_secret_versions(secret_id):
    h.none(RULE, h.resource(VERSION, {"secretId": secret_id, "secretString": SHORT}))


def test_mandatory_outside_production_too():
    h.one(RULE, secret(FERNET_KEY=SHORT, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("kubernetes:core/v1:ConfigMap", {"metadata": {"name": "x"}, "data": {"FERNET_KEY": SHORT}}))
