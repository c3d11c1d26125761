"""GCP Secret Manager store (components/stores/gcp.py) under Pulumi mocks."""

from __future__ import annotations

import pytest

pytest.importorskip("pulumi_gcp", reason="the [gcp] extra is not installed")

from omsecrets.components import conventions
from omsecrets.components.stores.gcp import GcpSecretManagerStore, GcpSecretManagerStoreArgs, replication
from tests.support.mocks import declare

SECRET = "gcp:secretmanager/secret:Secret"
VERSION = "gcp:secretmanager/secretVersion:SecretVersion"
KEY = "projects/p/locations/europe-west1/keyRings/r/cryptoKeys/k"


def _args(**kw):
    base = dict(provider="gcp", cluster_name="om-prod", project="acme-data-prod", protect=True, tags={"team": "data"})
    base.update(kw)
    return GcpSecretManagerStoreArgs(**base)


def _build(args):
    def build():
        store = GcpSecretManagerStore("s", args)
        store.seed(("fernet", "airflow"), "k", name="fernet-airflow", key_material=True)
        store.seed(("database", "My_Sql-1", "authType", "password"), "pw", name="mysql", server_owned=True)
        store.finish()
        return store

    return declare(build)


def test_every_secret_gets_a_first_version_and_oms_id():
    store, resources, requests = _build(_args())
    secrets = {n: r for (t, n), r in resources.items() if t == SECRET}
    versions = {n: r for (t, n), r in resources.items() if t == VERSION}
    assert set(secrets) == set(versions) == {"s-fernet-airflow", "s-mysql"}
    # om-prod: OM's field ids clean the '-' away on GCP
    assert secrets["s-mysql"]["secretId"] == "omprod_database_my_sql1_authtype_password"
    assert secrets["s-mysql"]["secretId"] == conventions.secret_id(
        "gcp", ("database", "My_Sql-1", "authType", "password"), cluster_name="om-prod"
    )
    assert secrets["s-fernet-airflow"]["secretId"] == "omprod_fernet_airflow"
    assert secrets["s-mysql"]["labels"] == {"team": "data"}
    assert secrets["s-fernet-airflow"]["deletionProtection"] is True
    assert secrets["s-mysql"]["deletionProtection"] is False
    assert requests[(VERSION, "s-mysql")].ignoreChanges == ["secretData"]
    assert "secretData" in requests[(VERSION, "s-fernet-airflow")].additionalSecretOutputs
    assert requests[(SECRET, "s-fernet-airflow")].protect
    assert store.references()["mysql"] == "secret:omprod_database_my_sql1_authtype_password"


def test_a_new_value_adds_a_version_and_keeps_the_old_one():
    """secretData is create-only (terraform-provider-google: ForceNew), so a rotation replaces the version: it
    must not be protected (the replace would stop half done) and must be retained (the replaced version is
    never destroyed); the secret holding every version stays protected with deletion protection."""
    _, _, requests = _build(_args())
    for name in ("s-fernet-airflow", "s-mysql"):
        version = requests[(VERSION, name)]
        assert (version.protect, version.retainOnDelete) == (False, True), name
    assert requests[(SECRET, "s-fernet-airflow")].protect and not requests[(SECRET, "s-fernet-airflow")].retainOnDelete


def test_automatic_replication_with_optional_cmek():
    _, resources, _ = _build(_args(kms_key_name=KEY))
    secret = resources[(SECRET, "s-mysql")]
    assert secret["replication"] == {"auto": {"customerManagedEncryption": {"kmsKeyName": KEY}}}
    assert replication(_args()) == {"auto": {}}


def test_user_managed_replication_per_location_keys():
    args = _args(replication_locations=("europe-west1",), kms_key_names={"europe-west1": KEY})
    _, resources, _ = _build(args)
    replicas = resources[(SECRET, "s-mysql")]["replication"]["userManaged"]["replicas"]
    assert replicas == [{"location": "europe-west1", "customerManagedEncryption": {"kmsKeyName": KEY}}]


@pytest.mark.parametrize(
    "kw, fragment",
    [
        ({"project": "Acme"}, "not a GCP project id"),
        ({"project": "abc"}, "not a GCP project id"),
        ({"replication_locations": ("europe",)}, "not a GCP region"),
        ({"replication_locations": ("europe-west1",), "kms_key_name": KEY}, "per location"),
        (
            {"replication_locations": ("europe-west1", "us-east1"), "kms_key_names": {"europe-west1": KEY}},
            "every replication location",
        ),
        ({"replication_locations": ("us-east1",), "kms_key_names": {"us-east1": KEY}}, "not a Cloud KMS key in us-east1"),
        ({"kms_key_name": "my-key"}, "not a Cloud KMS key name"),
    ],
)
def test_bad_settings_are_refused(kw, fragment):
    with pytest.raises(ValueError, match=fragment):
        _args(**kw)


def test_ids_over_255_are_refused():
    def build():
        store = GcpSecretManagerStore("s", _args(cluster_name="c" * 240))
        with pytest.raises(conventions.ConventionError, match="at most 255"):
            store.seed(("database", "svc", "authType", "password"), "x")
        store.finish()

    declare(build)
