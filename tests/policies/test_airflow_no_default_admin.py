"""OMS-AIRFLOW-001 airflow-no-default-admin: no admin/admin Airflow user or credential anywhere."""

import base64

import pytest

from tests.support import rules as h

RULE = "OMS-AIRFLOW-001"
SECRET, CONFIG_MAP = "kubernetes:core/v1:Secret", "kubernetes:core/v1:ConfigMap"
ENV = "om-secrets:index:OpenMetadataSecrets"


@pytest.mark.parametrize("type_, props", [
    (ENV, {"helmValues": {"airflow": {"webserver": {"defaultUser": {"enabled": False}}},
                          "openmetadata": {"openmetadata": {"config": {"pipelineServiceClientConfig": {"airflow": {
                              "auth": {"username": "openmetadata", "password": {
                                  "secretRef": "openmetadata-secrets", "secretKey": "AIRFLOW_PASSWORD"}}}}}}}}}),
    (CONFIG_MAP, {"data": {"AIRFLOW_USERNAME": "openmetadata", "NOTE": "admin"}}),
    (SECRET, {"stringData": {"AIRFLOW_PASSWORD": "x7Gq0", "openmetadata-airflow-password": "x7Gq0"}}),
    (ENV, {"values": {"defaultUser": {"enabled": True, "username": "ops", "password": "s3cret"}}}),
    (CONFIG_MAP, {"env": [{"name": "OTHER", "value": "admin"}, {"name": "AIRFLOW_PASSWORD", "value": "x"}]}),
    (SECRET, {"data": {"OTHER": base64.b64encode(b"admin").decode(),
                       "AIRFLOW_PASSWORD": base64.b64encode(b"x").decode()}}),
    (CONFIG_MAP, {"data": {"AIRFLOW_PASSWORD": base64.b64encode(b"admin").decode()}}),
], ids=["om-secrets-values", "config", "secret", "own-default-user", "other-env", "secret-data", "config-map-data-is-text"])
def test_compliant(type_, props):
    h.none(RULE, h.resource(type_, props))


def test_unknown_values_skipped():
    h.none(RULE, h.resource(SECRET, {"stringData": h.UNKNOWN, "data": {"AIRFLOW_PASSWORD": h.UNKNOWN}}))


@pytest.mark.parametrize("type_, props, what", [
    (ENV, {"v": {"webserver": {"defaultUser": {"enabled": True, "username": "admin", "password": "admin"}}}},
     ["v.webserver.defaultUser.password is 'admin'", "v.webserver.defaultUser.username is 'admin'"]),
    (ENV, {"v": {"defaultUser": {"username": "ops"}}},
     ["v.defaultUser is enabled without a password of its own (the deps chart's default is admin/admin)"]),
    (ENV, {"auth": {"username": "Admin", "password": {"secretRef": "s", "secretKey": "k"}}}, ["auth.username is 'admin'"]),
    (ENV, {"username": "admin"}, ["username is 'admin'"]),
    (ENV, {"password": "admin"}, ["password is 'admin'"]),
    (CONFIG_MAP, {"data": {"AIRFLOW_USERNAME": "admin"}}, ["data.AIRFLOW_USERNAME is 'admin'"]),
    (SECRET, {"stringData": {"openmetadata-airflow-password": " admin "}},
     ["stringData.openmetadata-airflow-password is 'admin'"]),
    (SECRET, {"data": {"AIRFLOW_PASSWORD": base64.b64encode(b"admin").decode()}}, ["data.AIRFLOW_PASSWORD is 'admin'"]),
    (CONFIG_MAP, {"env": [{"name": "AIRFLOW_PASSWORD", "value": "admin"}]}, ["env[0] sets AIRFLOW_PASSWORD to 'admin'"]),
    (CONFIG_MAP, {"AIRFLOW_PASSWORD": "admin"}, ["AIRFLOW_PASSWORD is 'admin'"]),
], ids=["default-user", "default-user-no-password", "admin-user", "top-user", "top-password", "config-user",
        "secret-string-data", "secret-data",
        "env", "top-level"])
def test_non_compliant(type_, props, what):
    assert h.messages(RULE, h.resource(type_, props, name="r")) == [f"r: {w}" for w in what]


def test_string_data_is_reported_once():
    assert len(h.messages(RULE, h.resource(SECRET, {"stringData": {"AIRFLOW_PASSWORD": "admin"}}))) == 1


@pytest.mark.parametrize("enabled, flagged_", [(None, True), (True, True), ("yes", True), (False, False)])
def test_a_default_user_counts_unless_disabled(enabled, flagged_):
    user = {"username": "ops"} if enabled is None else {"username": "ops", "enabled": enabled}
    assert bool(h.messages(RULE, h.resource(ENV, {"webserver": {"defaultUser": user}}))) is flagged_


def test_mandatory_outside_production_too():
    h.one(RULE, h.resource(CONFIG_MAP, {"data": {"AIRFLOW_PASSWORD": "admin"}}, production=False))
