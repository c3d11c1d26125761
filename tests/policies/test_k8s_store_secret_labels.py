"""OMS-K8S-005 k8s-store-secret-labels: OM store secrets carry app=openmetadata, managed-by=openmetadata-secrets-manager."""

import pytest

from tests.support import rules as h

RULE, SECRET = "OMS-K8S-005", "kubernetes:core/v1:Secret"
STORE = ("om-secrets:index:OpenMetadataSecrets", "om-secrets:stores:KubernetesSecretStore")
LABELS = {"app": "openmetadata", "managed-by": "openmetadata-secrets-manager"}


def secret(labels, parents=STORE, **kw):
    metadata = {"name": "om-db"} if labels is None else {"name": "om-db", "labels": labels}
    return h.resource(SECRET, {"metadata": metadata}, parents=parents, **kw)


@pytest.mark.parametrize("labels", [LABELS, {**LABELS, "team": "data"}, {**LABELS, "app": h.UNKNOWN}],
                         ids=["exact", "extra", "unknown-value"])
def test_store_secret_labelled(labels):
    h.none(RULE, secret(labels))


def test_unknown_labels_not_judged():
    h.none(RULE, secret(h.UNKNOWN))


@pytest.mark.parametrize("labels", [None, {}, {"team": "data"}], ids=["missing", "empty", "other"])
def test_other_secrets_need_no_labels(labels):
    h.none(RULE, secret(labels, parents=()))


@pytest.mark.parametrize("labels, lacking", [
    (None, "app=openmetadata, managed-by=openmetadata-secrets-manager"),
    ({"app": "openmetadata"}, "managed-by=openmetadata-secrets-manager"),
    ({"app": "airflow", "managed-by": "openmetadata-secrets-manager"}, "app=openmetadata"),
], ids=["missing", "one-missing", "wrong-value"])
def test_store_secret_unlabelled(labels, lacking):
    assert h.one(RULE, secret(labels)).message == f"store Secret om-db lacks label(s) {lacking}"


@pytest.mark.parametrize("labels, lacking", [
    ({"app": "openmetadata"}, "managed-by=openmetadata-secrets-manager"),
    ({"managed-by": "openmetadata-secrets-manager"}, "app=openmetadata"),
])
def test_half_labelled_secret_outside_the_store(labels, lacking):
    assert h.one(RULE, secret(labels, parents=())).message.endswith(f"lacks label(s) {lacking}")


def test_mandatory_outside_production_too():
    h.one(RULE, secret({}, production=False))


def test_other_types_ignored():
    h.none(RULE, h.resource("kubernetes:core/v1:ConfigMap", {"metadata": {"labels": {"app": "openmetadata"}}}, parents=STORE))
