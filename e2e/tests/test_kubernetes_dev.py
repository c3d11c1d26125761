"""`pulumi up` of the shipped `dev` stack (provider kubernetes) against a real API server."""

from __future__ import annotations

import base64
import copy
import json
from concurrent.futures import ThreadPoolExecutor

import checks
import om_code
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


#: Every Kubernetes object `dev` declares (kind, namespace, name), written out: a new or vanished object is a
#: change someone must look at, not a count that still passes.
DEV_OBJECTS = {
    ("Namespace", "", "openmetadata"),
    ("Namespace", "", "openmetadata-secrets"),
    ("Namespace", "", "openmetadata-secrets-keys"),
    ("ServiceAccount", "openmetadata", "openmetadata"),
    ("ServiceAccount", "openmetadata", "openmetadata-ingestion"),
    ("Role", "openmetadata-secrets", "om-secrets-k8s-access-server"),
    ("Role", "openmetadata-secrets", "om-secrets-k8s-access-ingestion"),
    ("RoleBinding", "openmetadata-secrets", "om-secrets-k8s-access-server"),
    ("RoleBinding", "openmetadata-secrets", "om-secrets-k8s-access-ingestion"),
    ("ConfigMap", "openmetadata", "airflow-secrets-config"),
    ("ConfigMap", "openmetadata", "openmetadata-secrets-config"),
    ("Secret", "openmetadata", "airflow-secrets"),
    ("Secret", "openmetadata", "openmetadata-jwt-keys"),
    ("Secret", "openmetadata", "openmetadata-secrets"),
    # OM's store: the one secret the apps may use, and the two Secrets that held ring copies before the
    # copies moved (their ids stay; each holds only a pointer)
    ("Secret", "openmetadata-secrets", "openmetadata-database-mysql-dev-password"),
    ("Secret", "openmetadata-secrets", "openmetadata-fernet-airflow"),
    ("Secret", "openmetadata-secrets", "openmetadata-fernet-openmetadata"),
    # the key copies, where no Role reaches
    ("Secret", "openmetadata-secrets-keys", "openmetadata-fernet-airflow"),
    ("Secret", "openmetadata-secrets-keys", "openmetadata-fernet-openmetadata"),
    ("Secret", "openmetadata-secrets-keys", "openmetadata-jwt-openmetadata"),
}
NAMESPACED_KINDS = {"ServiceAccount": "/api/v1/namespaces/{ns}/serviceaccounts",
                    "ConfigMap": "/api/v1/namespaces/{ns}/configmaps", "Secret": "/api/v1/namespaces/{ns}/secrets",
                    "Role": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
                    "RoleBinding": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
                    "Job": "/apis/batch/v1/namespaces/{ns}/jobs", "Pod": "/api/v1/namespaces/{ns}/pods"}


def test_the_objects_of_dev_are_exactly_these(cluster, dev, preview):
    declared = {(r["type"].rsplit(":", 1)[-1], r["inputs"]["metadata"].get("namespace", ""), r["inputs"]["metadata"]["name"])
                for r in checks.k8s_declared(preview)}
    assert declared == DEV_OBJECTS, f"declared but not expected: {sorted(declared - DEV_OBJECTS)}; " \
                                    f"expected but not declared: {sorted(DEV_OBJECTS - declared)}"
    # what the API server holds in the stack's namespaces (no controller-manager runs, so nothing else makes objects)
    namespaces = {ns for _, ns, _ in DEV_OBJECTS if ns} | {name for kind, _, name in DEV_OBJECTS if kind == "Namespace"}
    held = {("Namespace", "", n["metadata"]["name"]) for n in cluster.api("GET", "/api/v1/namespaces")["items"]
            if n["metadata"]["name"] in namespaces}
    for ns in sorted(namespaces):
        for kind, path in NAMESPACED_KINDS.items():
            held |= {(kind, ns, o["metadata"]["name"]) for o in cluster.api("GET", path.format(ns=ns))["items"]}
    assert held == DEV_OBJECTS, f"in the cluster but not expected: {sorted(held - DEV_OBJECTS)}; " \
                                f"expected but missing: {sorted(DEV_OBJECTS - held)}"
    checks.assert_cluster_matches_declaration(cluster, preview, dev.state())


def _store_ids(outputs: dict, key: str) -> dict[str, str]:
    refs = outputs[key]
    assert all(ref.startswith("secret:") for ref in refs.values()), refs
    return {name: ref.removeprefix("secret:") for name, ref in refs.items()}


@pytest.fixture(scope="module")
def om_read(cluster, dev, settings, om_python, tmp_path_factory):
    """OM's own reader (one process): every secretReferences id in OM's namespace with a token the API server
    issued to the ingestion ServiceAccount, every keyCopyReferences id in the keys namespace as an admin (no
    app may read there)."""
    outputs = dev.outputs()
    refs, copies = _store_ids(outputs, "secretReferences"), _store_ids(outputs, "keyCopyReferences")
    # where each kind resolves, as the stack says (the kubernetes output), not as the test assumes
    ns, keys_ns = outputs["kubernetes"]["namespace"], outputs["kubernetes"]["keysNamespace"]
    assert ns == settings["kubernetes"]["namespace"] and keys_ns != ns
    sa_ns, sa = settings["ingestion"]["namespace"], settings["ingestion"]["serviceAccount"]
    kubeconfig = cluster.service_account_kubeconfig(sa_ns, sa, tmp_path_factory.mktemp("om") / "ingestion.kubeconfig")
    (refs_read, copies_read), data_key = checks.read_with_om(
        om_python, (kubeconfig, ns, list(refs.values())), (cluster.kubeconfig, keys_ns, list(copies.values())))
    return {"refs": refs, "copies": copies, "refs_read": refs_read, "copies_read": copies_read, "data_key": data_key,
            "kubeconfig": kubeconfig, "namespace": ns, "keys_namespace": keys_ns}


def test_store_secrets_are_what_oms_own_code_writes_and_reads(cluster, dev, settings, om_read):
    """Labels, data key and names as OpenMetadata's KubernetesSecretsManager (server, Java) writes them and its
    ingestion reader reads them (om_code cites both at a commit), for every Secret under an OM store id: the
    references the apps use, the pointers where copies used to be, and the key copies."""
    assert om_read["data_key"] == [om_code.DATA_KEY]  # the installed OM reader still reads "value" (its source)
    server_env = cluster.get(f"/api/v1/namespaces/{settings['server']['namespace']}/configmaps/"
                             "openmetadata-secrets-config")["data"]
    labels = om_code.expected_labels(server_env["SECRET_MANAGER_TAGS"])
    # the stack's tags, as OM's server parses SECRET_MANAGER_TAGS into labels
    assert om_code.tag_labels(om_code.server_tags(server_env["SECRET_MANAGER_TAGS"])) == {
        k: str(v) for k, v in settings["tags"].items()}, server_env["SECRET_MANAGER_TAGS"]
    refs, copies = om_read["refs"], om_read["copies"]
    store_ns, keys_ns = server_env["OM_SM_NAMESPACE"], om_read["keys_namespace"]
    problems = []
    for ns, ids in ((store_ns, refs.values()), (keys_ns, copies.values())):
        held = {o["metadata"]["name"]: o for o in cluster.api("GET", f"/api/v1/namespaces/{ns}/secrets")["items"]}
        problems += [f"no Secret {ns}/{i}" for i in sorted(set(ids) - set(held))]
        for secret_id, obj in sorted(held.items()):  # every Secret OM's manager may meet there
            if om_code.sanitize_secret_name(secret_id) != secret_id:
                problems.append(f"{secret_id}: OM's server would name it {om_code.sanitize_secret_name(secret_id)!r}")
            got = obj["metadata"].get("labels") or {}
            if {k: got.get(k) for k in labels} != labels:
                problems.append(f"{ns}/{secret_id}: labels {got}, OM's server writes {labels}")
            if sorted(obj.get("data") or {}) != [om_code.DATA_KEY] or obj.get("type") != "Opaque":
                problems.append(f"{ns}/{secret_id}: {obj.get('type')} with data keys {sorted(obj.get('data') or {})}, "
                                f"OM writes and reads an Opaque Secret with {om_code.DATA_KEY!r}")
    assert not problems, "\n".join(problems) + f"\n(OM's code: {om_code.OM_SERVER_SOURCE}; {om_code.OM_READER_SOURCE})"


def test_every_reference_resolves_to_what_the_program_meant(cluster, dev, om_read):
    """OM's own reader, as the ingestion ServiceAccount, resolves every `secret:<id>` of secretReferences to the
    value the program generated (the RandomPassword in state), never to a pointer or placeholder text; each
    keyCopyReferences id resolves, in the keys namespace (read with an admin token: no app may), to the ring /
    JWT pair the engine holds."""
    state = dev.state()
    refs, copies = om_read["refs"], om_read["copies"]
    generated = checks.generated(state)
    rings = checks.intended_rings(state)
    copy_intended = {"fernet-airflow": rings["airflow"], "fernet-openmetadata": rings["openmetadata"],
                     "jwt-openmetadata": checks.intended_jwt_copy(generated["om-secrets-jwt-key"])}
    intended = {"mysql-password": generated["om-secrets-bootstrap-mysql-password"]}
    problems = []
    for name, secret_id in refs.items():
        for how in ("direct", "connection"):
            got = om_read["refs_read"][secret_id][how]
            bad = checks.pointer_or_placeholder(got)
            if bad or got != intended.get(name, copy_intended.get(name)):
                problems.append(f"secretReferences.{name} (secret:{secret_id}) resolves ({how}) to "
                                f"{bad or 'another value than the generated one'}")
    if set(refs) != set(intended):
        problems.append(f"secretReferences {sorted(refs)}: only what an app may use, {sorted(intended)}")
    if set(copies) != set(copy_intended):
        problems.append(f"keyCopyReferences {sorted(copies)}, the key copies are {sorted(copy_intended)}")
    for name, secret_id in copies.items():
        got = om_read["copies_read"][secret_id]["direct"]
        bad = checks.pointer_or_placeholder(got)
        if bad or (json.loads(got) if name.startswith("jwt") else got) != copy_intended.get(name):
            problems.append(f"keyCopyReferences.{name} (secret:{secret_id}) in {om_read['keys_namespace']} resolves "
                            f"to {bad or 'another value than the ring / pair in state'}")
    assert not problems, "\n".join(problems)
    # the same token cannot list the namespace's secrets (the API server's RBAC, not ours)
    with pytest.raises(ApiError) as denied:
        cluster.raw_as(om_read["kubeconfig"], "GET", f"/api/v1/namespaces/{om_read['namespace']}/secrets")
    assert denied.value.status == 403


def test_every_value_an_app_reads_is_what_the_program_meant(cluster, dev, settings):
    problems = checks.app_values_problems(cluster, dev.state(), settings["server"]["namespace"],
                                          settings["ingestion"]["namespace"])
    assert not problems, "\n".join(problems)


#: Everything a Role could grant by mistake: (API group, resource, subresource).
PROBED = [("", "secrets", ""), ("", "configmaps", ""), ("", "pods", ""), ("", "pods", "exec"),
          ("", "serviceaccounts", ""), ("", "serviceaccounts", "token"), ("batch", "jobs", ""),
          ("rbac.authorization.k8s.io", "roles", ""), ("rbac.authorization.k8s.io", "rolebindings", "")]


def test_rbac_grants_exactly_what_om_needs_and_nothing_else_anywhere(cluster, dev, settings):
    """SubjectAccessReview of every verb on everything a Role could grant by mistake, in every namespace of the
    stack, in default and kube-system, and at cluster scope: the server may create/get/update/delete Secrets in
    OM's store namespace, ingestion may get them; nothing else."""
    ns = settings["kubernetes"]["namespace"]
    stack_namespaces = {name for kind, _, name in DEV_OBJECTS if kind == "Namespace"} | {n for _, n, _ in DEV_OBJECTS if n}
    assert len(stack_namespaces) == 3
    namespaces = sorted(stack_namespaces | {"default", "kube-system", ""})  # "": cluster scope
    sas = {"server": (settings["server"]["namespace"], settings["server"]["serviceAccount"]),
           "ingestion": (settings["ingestion"]["namespace"], settings["ingestion"]["serviceAccount"])}
    expected = {("server", ns, "secrets", ""): {"create", "get", "update", "delete"},
                ("ingestion", ns, "secrets", ""): {"get"}}
    probes = [(who, target, group, res, sub, verb, name) for who in sas for target in namespaces
              for group, res, sub in PROBED for verb in ALL_VERBS for name in ("", "anything")
              if not (name and target == "")]

    def ask(p):
        who, target, group, res, sub, verb, name = p
        return p, cluster.service_account_can(*sas[who], verb, target, resource=res, group=group, subresource=sub,
                                              name=name)

    granted: dict = {}
    with ThreadPoolExecutor(8) as pool:
        for (who, target, _, res, sub, verb, _), allowed in pool.map(ask, probes):
            if allowed:
                granted.setdefault((who, target, res, sub), set()).add(verb)
    assert granted == expected, f"granted {granted}"
    assert len(probes) > 1000


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
    problems = checks.compare_mock_with_engine(preview, dev.state(), dev.offline_preview(show_secrets=False))
    assert not problems, "\n".join(problems)


def _mutated(doc: dict | list, change) -> dict | list:
    doc = copy.deepcopy(doc)
    resources = doc if isinstance(doc, list) else doc["resources"]
    change({(r["type"].rsplit(":", 1)[-1], r.get("name") or r["urn"].rsplit("::", 1)[-1]): r for r in resources})
    return doc


def test_the_comparison_sees_every_kind_of_difference_and_needs_each_allowance(dev, preview, monkeypatch):
    """compare_mock_with_engine on this stack's real documents, each changed in one way it must notice; and with
    each named allowance removed, the difference it exists for shows (so none is stale)."""
    state, redacted = dev.state(), dev.offline_preview(show_secrets=False)
    sa, store_secret = ("Role", "om-secrets-k8s-access-server"), ("Secret", "om-secrets-store-mysql-password")
    cases = {
        "inputs.rules[0].resourceNames: registered by the engine": (None, lambda r: r[sa]["inputs"]["rules"][0].update(
            resourceNames=["x"])),
        "inputs.metadata.labels.extra: declared offline, not registered": (lambda r: r[sa]["inputs"]["metadata"][
            "labels"].update(extra="x"), None),
        "inputs.stringData: the offline preview keeps it secret, the engine registered it in plain": (
            None, lambda r: r[store_secret]["inputs"].update(data={"value": "eA=="})),
        "retainOnDelete True offline": (lambda r: r[store_secret]["options"].update(retainOnDelete=True), None),
        "ignoreChanges ['data', 'stringData'] offline, ignoreChanges ['data']": (
            None, lambda r: r[store_secret].update(ignoreChanges=["data"])),
        "additionalSecretOutputs": (None, lambda r: r[("RandomBytes", "om-secrets-airflow-jwt-secret")].update(
            additionalSecretOutputs=["hex"])),
        "dependsOn [('random:index/randomPassword:RandomPassword'": (None, lambda r: r[store_secret].update(dependencies=[])),
        "protect True offline": (None, lambda r: r[("RandomBytes", "om-secrets-airflow-fernet-gen-1")].update(protect=False)),
        "parents [": (None, lambda r: r[store_secret].update(parent=r[store_secret]["parent"] + "-moved")),
        "the engine records 'deletedWith'": (None, lambda r: r[store_secret].update(deletedWith="x")),
        "registered by the engine but not declared offline: kubernetes:core/v1:ConfigMap::extra": (None, None),
        "inputs.protect: offline True, engine False": (None, lambda r: r[("OpenMetadataSecrets", "om-secrets")][
            "inputs"].update(protect=False)),
        "provider ('pulumi:providers:kubernetes', 'mine') registered, the default provider of kubernetes offline": (
            None, lambda r: r[store_secret].update(provider="urn:pulumi:dev::om-secrets::pulumi:providers:kubernetes::mine::1")),
        "registered, ('pulumi:providers:kubernetes', 'mine') offline": (lambda r: r[store_secret]["options"].update(
            provider="urn:pulumi:dev::om-secrets::pulumi:providers:kubernetes::mine"), None),
        "records option 'deletedWith'": (lambda r: r[store_secret]["options"].update(deletedWith="x"), None),
    }
    for expected, (offline_change, engine_change) in cases.items():
        if "ConfigMap::extra" in expected:
            extra = copy.deepcopy([r for r in state if r["urn"].endswith("::om-secrets-app-config-airflow-config")][0])
            extra["urn"] = extra["urn"].rsplit("::", 1)[0] + "::extra"
            found = checks.compare_mock_with_engine(preview, [*state, extra], redacted)
        else:
            found = checks.compare_mock_with_engine(
                _mutated(preview, offline_change) if offline_change else preview,
                _mutated(state, engine_change) if engine_change else state, redacted)
        assert any(expected in f for f in found), f"not seen: {expected!r}; found {found}"
    allowances = {"DERIVED_FROM_KEYS": (set(), "inputs.data.JWT_KEY_ID: offline"),
                  "PROVIDER_DEFAULTS": ({}, "om-secrets-airflow-server-password: inputs.minLower: registered by the engine"),
                  "K8S_STRINGDATA_TO_DATA": ("", "inputs.data: registered by the engine"),
                  "MOCK_DROPS_NULLS": (False, "inputs.migration.migratedTo: registered by the engine (None)"),
                  "ENGINE_ONLY_TYPES": ("-", "registered by the engine but not declared offline: pulumi:pulumi:Stack"),
                  "ENGINE_FIELDS_NOT_COMPARED": ({}, "the engine records 'stackTrace'"),
                  "NOT_RECORDED_BY_ENGINE": ({}, "records option 'deleteBeforeReplace'"),
                  "OFFLINE_ONLY_FIELDS": ({}, "records 'placement'")}
    for name, (emptied, shows) in allowances.items():
        with monkeypatch.context() as m:
            m.setattr(checks, name, emptied)
            found = checks.compare_mock_with_engine(preview, state, redacted)
        assert any(shows in f for f in found), f"{name} emptied: {shows!r} not among {found}"


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
