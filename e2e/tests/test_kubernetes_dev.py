"""`pulumi up` of the shipped `dev` stack (provider kubernetes) against a real API server."""

from __future__ import annotations

import base64
import json

import checks
import pytest
from cluster import ApiError
from conftest import stack_config

pytestmark = pytest.mark.e2e

ALL_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]


@pytest.fixture(scope="module")
def dev(make_project):
    project = make_project("dev", stack_config("dev"))
    project.up()
    return project


@pytest.fixture(scope="module")
def preview(dev):
    return dev.offline_preview()


@pytest.fixture(scope="module")
def settings():
    return stack_config("dev")


def test_every_declared_object_exists_as_declared(cluster, dev, preview):
    n = checks.assert_cluster_matches_declaration(cluster, preview, dev.state())
    assert n >= 15


def test_store_secrets_have_the_labels_and_data_key_om_uses(cluster, dev, settings):
    refs = dev.outputs()["secretReferences"]
    ids = [ref.removeprefix("secret:") for ref in refs.values()]
    assert ids and all(ref.startswith("secret:") for ref in refs.values())
    checks.assert_om_store_shape(cluster, settings["kubernetes"]["namespace"], ids,
                                 {k: str(v) for k, v in settings["tags"].items()})


def test_om_reads_every_reference_as_the_ingestion_service_account(cluster, dev, settings, om_python, tmp_path):
    refs = dev.outputs()["secretReferences"]
    ids = [ref.removeprefix("secret:") for ref in refs.values()]
    ns = settings["kubernetes"]["namespace"]
    sa_ns, sa = settings["ingestion"]["namespace"], settings["ingestion"]["serviceAccount"]
    kubeconfig = cluster.service_account_kubeconfig(sa_ns, sa, tmp_path / "ingestion.kubeconfig")
    read = checks.read_with_om(om_python, kubeconfig, ns, ids)
    for secret_id in ids:
        stored = checks.decoded_data(cluster.secret(ns, secret_id))["value"]
        assert read[secret_id]["direct"] == stored, secret_id
        assert read[secret_id]["connection"] == stored, secret_id
    # the same token cannot list the namespace's secrets (the API server's RBAC, not ours)
    with pytest.raises(ApiError) as denied:
        cluster.raw_as(kubeconfig, "GET", f"/api/v1/namespaces/{ns}/secrets")
    assert denied.value.status == 403


def test_rbac_is_exactly_what_om_needs(cluster, dev, settings):
    ns = settings["kubernetes"]["namespace"]
    keys_ns = settings["kubernetes"].get("keysNamespace", f"{ns}-keys")  # the Fernet key copies: no Role there
    server = (settings["server"]["namespace"], settings["server"]["serviceAccount"])
    ingestion = (settings["ingestion"]["namespace"], settings["ingestion"]["serviceAccount"])
    allowed = {}
    for who, (sa_ns, sa) in {"server": server, "ingestion": ingestion}.items():
        for target in (ns, keys_ns, settings["server"]["namespace"], "default", "kube-system"):
            allowed[who, target] = sorted(v for v in ALL_VERBS if cluster.service_account_can(sa_ns, sa, v, target))
        # named secrets too (a resourceNames rule or a wildcard would show here)
        allowed[who, "named"] = sorted(v for v in ALL_VERBS
                                       if cluster.service_account_can(sa_ns, sa, v, ns, name="anything"))
        allowed[who, "configmaps"] = sorted(v for v in ALL_VERBS if cluster.service_account_can(
            sa_ns, sa, v, ns, resource="configmaps"))
    assert allowed["server", ns] == sorted(["create", "get", "update", "delete"])
    assert allowed["server", "named"] == sorted(["create", "get", "update", "delete"])
    assert allowed["ingestion", ns] == ["get"]
    assert allowed["ingestion", "named"] == ["get"]
    for who in ("server", "ingestion"):
        for target in (keys_ns, settings["server"]["namespace"], "default", "kube-system", "configmaps"):
            assert allowed[who, target] == [], (who, target, allowed[who, target])


def test_second_up_changes_nothing(dev):
    second = dev.run("up", "--yes", "--skip-preview", "--expect-no-changes", "--json")
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-3000:]
    preview = json.loads(dev.run("preview", "--json", "--expect-no-changes").check().stdout)
    ops = {s["op"] for s in preview.get("steps", [])}
    assert ops <= {"same"}, ops


def test_tag_change_is_an_update_not_a_replacement(dev, settings):
    changed = json.loads(json.dumps(settings))
    changed["tags"]["team"] = "data-platform-e2e"
    dev.set_config(changed)
    try:
        text = dev.run("preview", "--diff").check().stdout
        doc = json.loads(dev.run("preview", "--json").check().stdout)
    finally:
        dev.set_config(settings)
    ops = {}
    for step in doc["steps"]:
        ops.setdefault(step["op"], []).append(step["urn"].rsplit("::", 1)[-1])
    assert ops.get("update"), f"a tag change updated nothing: {ops}"
    replacing = {op: names for op, names in ops.items() if op not in ("same", "update")}
    assert not replacing, f"a tag change must not replace/create/delete: {replacing}\n{text[-4000:]}"
    assert "data-platform-e2e" in text


def test_offline_preview_matches_what_the_engine_registered(dev, preview):
    problems = checks.compare_mock_with_engine(preview, dev.state())
    assert not problems, "\n".join(problems)


def test_the_jwt_pair_is_in_the_servers_secret_as_om_reads_it_and_stays(cluster, dev, settings):
    """The pair the engine made (state) is what the API server holds in the Secret only the server mounts,
    as the two DER files OM reads; a second `up` keeps every byte; ingestion cannot read it."""
    from cryptography.hazmat.primitives import serialization

    from omsecrets.components import jwt

    server_ns = settings["server"]["namespace"]

    def files():
        secret = cluster.secret(server_ns, "openmetadata-jwt-keys")
        return {k: base64.b64decode(v) for k, v in secret["data"].items()}

    first = files()
    assert set(first) == {"private_key.der", "public_key.der"}
    (key,) = [r for r in dev.state() if r["type"] == "tls:index/privateKey:PrivateKey"]
    pem = key["outputs"]["privateKeyPemPkcs8"]  # a secret in state: {<signature>: ..., "plaintext": <JSON>}
    pem = json.loads(pem["plaintext"]) if isinstance(pem, dict) else pem
    intended = serialization.load_pem_private_key(pem.encode(), None)
    private = serialization.load_der_private_key(first["private_key.der"], None)  # PKCS8EncodedKeySpec
    public = serialization.load_der_public_key(first["public_key.der"])  # X509EncodedKeySpec
    assert private.private_numbers() == intended.private_numbers()
    assert public.public_numbers() == intended.public_key().public_numbers() and private.key_size == 2048
    kid = dev.outputs()["jwt"]["keyId"]
    assert kid == jwt.thumbprint(public.public_numbers().n, public.public_numbers().e) != jwt.OM_DEFAULT_KID
    config = cluster.get(f"/api/v1/namespaces/{server_ns}/configmaps/openmetadata-secrets-config")
    assert config["data"]["JWT_KEY_ID"] == kid and config["data"]["RSA_PRIVATE_KEY_FILE_PATH"].endswith("/private_key.der")
    dev.run("up", "--yes", "--skip-preview").check()
    assert files() == first
    sa_ns, sa = settings["ingestion"]["namespace"], settings["ingestion"]["serviceAccount"]
    for verb in ("get", "list", "watch"):
        assert not cluster.service_account_can(sa_ns, sa, verb, server_ns, name="openmetadata-jwt-keys"), verb
        assert not cluster.service_account_can(sa_ns, sa, verb, server_ns), verb


def _plain(value):
    """A state output: secrets are ``{<signature>: ..., "plaintext": <JSON>}``."""
    return json.loads(value["plaintext"]) if isinstance(value, dict) and "plaintext" in value else value


def test_airflow_3_secrets_are_in_the_secret_airflow_reads_and_stay(cluster, dev, settings):
    """Airflow 3's shared secrets and the server's Airflow password: the values the engine generated (state)
    are what the API server holds in the Secret every Airflow component reads (and, for the password, in
    the server's Secret too); a second `up` keeps every byte."""
    from omsecrets.components import airflow

    generated = {r["urn"].rsplit("::", 1)[-1]: r["outputs"] for r in dev.state()
                 if r["type"].startswith("random:") and "::om-secrets-airflow-" in r["urn"]}
    ingestion_ns, server_ns = settings["ingestion"]["namespace"], settings["server"]["namespace"]

    def read():
        return (checks.decoded_data(cluster.secret(ingestion_ns, "airflow-secrets")),
                checks.decoded_data(cluster.secret(server_ns, "openmetadata-secrets")))

    airflow_side, server_side = read()
    for shared in airflow.shared_secrets(3):
        value = _plain(generated[f"om-secrets-airflow-{shared.name}"]["base64"])
        assert airflow_side[shared.name] == value and len(base64.b64decode(value)) == shared.size, shared.name
    password = _plain(generated["om-secrets-airflow-server-password"]["result"])
    assert airflow_side[airflow.AIRFLOW_SIDE_PASSWORD_KEY] == server_side[airflow.SERVER_PASSWORD_KEY] == password
    assert len(password) == airflow.SERVER_PASSWORD_LENGTH
    assert "webserver-secret-key" not in airflow_side  # Airflow 2's
    dev.run("up", "--yes", "--skip-preview").check()
    assert read() == (airflow_side, server_side)


def test_key_material_keeps_the_names_existing_states_hold(dev):
    """A key's name is its identity in every existing stack's state: renaming one makes `pulumi up`
    replace it, i.e. generate a new Fernet key / password. Pin what the engine registered."""
    keys = {r["urn"].rsplit("::", 1)[-1]: r["type"] for r in dev.state() if r["type"].startswith(("random:", "tls:"))}
    assert keys == {
        "om-secrets-airflow-fernet-gen-1": "random:index/randomBytes:RandomBytes",
        "om-secrets-openmetadata-fernet-gen-1": "random:index/randomBytes:RandomBytes",
        "om-secrets-bootstrap-mysql-password": "random:index/randomPassword:RandomPassword",
        "om-secrets-jwt-key": "tls:index/privateKey:PrivateKey",
        "om-secrets-airflow-api-secret-key": "random:index/randomBytes:RandomBytes",
        "om-secrets-airflow-jwt-secret": "random:index/randomBytes:RandomBytes",
        "om-secrets-airflow-server-password": "random:index/randomPassword:RandomPassword",
    }
