"""The lifecycle guard (omsecrets.lifecycle): small documents for each rule, then a catalogue of
edits of the shipped and fixture stacks through the real program, then the command line."""

from __future__ import annotations

import base64
import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from omsecrets import cli, engine, lifecycle
from omsecrets.components import core, jwt, resource_types
from tests.support.previews import planted_keys, stack_file_config

ROOT = Path(__file__).resolve().parents[1]
RING = core.FERNET_RING_TYPE
#: A valid Fernet key planted as the secret config value an adopter imports.
IMPORTED_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.urlsafe_b64encode(bytes(range(1, 33))).decode()
#: A running deployment's JWT private key an adopter imports (PEM).
IMPORTED_JWT_KEY = jwt.stand_in_private_key("tests/lifecycle/running").private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


# ------------------------------------------------------------------ small documents


def res(type_, name, parent=None, inputs=None, protect=False, aliases=(), custom=True):
    return {"urn": f"urn:pulumi:s::p::{type_}::{name}", "type": type_, "name": name, "parent": parent,
            "custom": custom, "inputs": inputs or {}, "options": {"protect": protect, "aliases": list(aliases)}}


def doc(*resources, production=False, acknowledge=()):
    env = res(core.ENVIRONMENT_TYPE, "om", custom=False,
              inputs={"production": production, "acknowledge": [{"drop": s, "reason": "r"} for s in acknowledge]})
    return {"stack": "s", "resources": [env, *resources]}


def ring(app="airflow", gens=(1,), reenc=None, imported=(), name="om-airflow-fernet"):
    parent = res(RING, name, custom=False, inputs={"application": app, "generations": list(gens),
                                                   "reencryptedTo": reenc, "importedGenerations": list(imported)})
    keys = [res(lifecycle.RANDOM_BYTES, f"{name}-gen-{g}", parent["urn"], {"length": 32}, protect=True)
            for g in gens if g not in imported]
    return [parent, *keys]


def job(gen):
    return res(lifecycle.JOB, f"om-rotation-{gen}", inputs={"metadata": {"name": f"airflow-rotate-fernet-key-gen-{gen}"}})


def subjects(before, after):
    return sorted(f.subject for f in lifecycle.guard(before, after))


def test_identical_plans_lose_nothing():
    d = doc(*ring(gens=(2, 1)))
    assert lifecycle.guard(d, copy.deepcopy(d)) == []


def test_a_generation_is_matched_by_identity_not_by_urn():
    """The ring renamed and a generation dropped in one edit: the drop is still seen."""
    before = doc(*ring(gens=(2, 1)))
    after = doc(*ring(gens=(2,), name="renamed-airflow-fernet"))
    found = lifecycle.guard(before, after)
    assert {f.subject for f in found} == {"fernet.airflow.generation.1", "fernet.airflow.generation.2"}
    assert all(f.resource and "om-airflow-fernet-gen" in f.resource for f in found)


def test_an_alias_keeps_a_renamed_key():
    before = doc(*ring())
    parent, key = ring(name="new-airflow-fernet")
    key["options"]["aliases"] = [before["resources"][2]["urn"]]
    assert subjects(before, doc(parent, key)) == []


def test_a_stack_rename_is_not_a_replacement():
    before = doc(*ring())
    after = json.loads(json.dumps(before).replace("urn:pulumi:s::", "urn:pulumi:renamed::"))
    assert subjects(before, after) == []


@pytest.mark.parametrize("evidence, expected", [
    ("job", []),
    ("record", []),
    ("none", ["fernet.airflow.generation.1"]),
])
def test_airflow_generation_leaves_only_with_rotation_evidence(evidence, expected):
    before = doc(*ring(gens=(2, 1), reenc=2 if evidence == "record" else None), *([job(2)] if evidence == "job" else []))
    assert subjects(before, doc(*ring(gens=(2,), reenc=2))) == expected


def test_a_job_for_another_generation_is_no_evidence():
    before = doc(*ring(gens=(2, 1)), job(3))
    assert subjects(before, doc(*ring(gens=(2,), reenc=2))) == ["fernet.airflow.generation.1"]


def test_om_ring_needs_an_acknowledgement_even_with_a_record():
    before = doc(*ring("openmetadata", (2, 1), reenc=2, name="om-openmetadata-fernet"))
    after = doc(*ring("openmetadata", (2,), reenc=2, name="om-openmetadata-fernet"))
    assert subjects(before, after) == ["fernet.openmetadata.generation.1"]
    acked = doc(*ring("openmetadata", (2,), reenc=2, name="om-openmetadata-fernet"),
                acknowledge=["fernet.openmetadata.generation.1"])
    assert subjects(before, acked) == []


def test_recording_reencryption_without_a_job_is_a_finding():
    before = doc(*ring(gens=(2, 1)))
    assert subjects(before, doc(*ring(gens=(2, 1), reenc=2))) == ["fernet.airflow.generation.1"]
    assert subjects(doc(*ring(gens=(2, 1)), job(2)), doc(*ring(gens=(2, 1), reenc=2))) == []


def test_replace_triggering_input_is_a_finding_naming_the_input():
    bootstrap = res(core.BOOTSTRAP_TYPE, "om-bootstrap", custom=False)
    pw = lambda n: res(lifecycle.RANDOM_PASSWORD, "om-bootstrap-db", bootstrap["urn"], {"length": n})  # noqa: E731
    (found,) = lifecycle.guard(doc(bootstrap, pw(32)), doc(bootstrap, pw(33)))
    assert found.subject == "password.db" and "length 32 -> 33" in found.message
    assert "om-bootstrap-db" in found.resource


def test_unused_and_misspelt_acknowledgements_are_findings():
    d = doc(*ring())
    found = lifecycle.guard(d, doc(*ring(), acknowledge=["fernet.airflow.generation.2"]))
    assert [(f.subject, f.kind) for f in found] == [("fernet.airflow.generation.2", "acknowledgement")]
    # a new stack has nothing to lose: an acknowledgement there matches nothing either
    assert [f.kind for f in lifecycle.guard(None, doc(acknowledge=["protection"]))] == ["acknowledgement"]


def test_one_acknowledgement_covers_exactly_its_subject():
    before = doc(*ring(gens=(3, 2, 1), reenc=None))
    after = doc(*ring(gens=(3,)), acknowledge=["fernet.airflow.generation.1"])
    assert subjects(before, after) == ["fernet.airflow.generation.2"]


def test_protection_and_production_lowered():
    before = doc(*ring(), production=True)
    after = doc(*ring(), production=False)
    after["resources"][2]["options"]["protect"] = False
    assert subjects(before, after) == ["production", "protection"]
    raised = doc(*ring(), production=True)
    assert subjects(after, raised) == []


def test_imported_generation_removed_or_converted():
    imported = doc(*ring("openmetadata", (2, 1), imported=(1,), name="om-openmetadata-fernet"))
    converted = doc(*ring("openmetadata", (2, 1), name="om-openmetadata-fernet"))
    assert subjects(imported, converted) == ["fernet.openmetadata.generation.1"]
    assert subjects(converted, imported) == ["fernet.openmetadata.generation.1"]


def test_store_secret_moves_are_findings_for_every_store_type():
    for type_, before_in, after_in in [
        ("aws:secretsmanager/secret:Secret", {"name": "/a/x"}, {"name": "/b/x"}),
        ("aws:ssm/parameter:Parameter", {"name": "/a/x"}, {"name": "/b/x"}),
        ("kubernetes:core/v1:Secret", {"metadata": {"namespace": "n", "name": "x"}}, {"metadata": {"namespace": "m", "name": "x"}}),
        ("azure-native:keyvault:Secret", {"vaultName": "v", "secretName": "a-x"}, {"vaultName": "v", "secretName": "b-x"}),
        ("gcp:secretmanager/secret:Secret", {"project": "p", "secretId": "a_x"}, {"project": "p", "secretId": "b_x"}),
    ]:
        store = res("om-secrets:stores:AnyStore", "om-store", custom=False)
        one = doc(store, res(type_, "om-store-db", store["urn"], before_in))
        two = doc(store, res(type_, "om-store-db", store["urn"], after_in))
        (found,) = lifecycle.guard(one, two)
        assert found.subject == "secret.db" and "moves from" in found.message, type_
        assert lifecycle.guard(one, copy.deepcopy(one)) == []


def _with(r, **options):
    r = copy.deepcopy(r)
    placement = options.pop("placement", None)
    r["options"].update(options)
    if placement is not None:
        r["placement"] = placement
    return r


def test_an_ssm_tier_replaces_only_from_advanced_to_standard():
    store = res("om-secrets:stores:AwsSsmParameterStore", "om-store", custom=False)
    param = lambda tier: res("aws:ssm/parameter:Parameter", "om-store-jwt", store["urn"],  # noqa: E731
                             {"name": "/om/jwt", "tier": tier})
    assert subjects(doc(store, param("Standard")), doc(store, param("Advanced"))) == []
    found = lifecycle.guard(doc(store, param("Advanced")), doc(store, param("Standard")))
    assert [f.subject for f in found] == ["secret.jwt"] and "tier 'Advanced' -> 'Standard'" in found[0].message


def test_a_namespace_is_lost_unless_retained_on_delete():
    ns = res("kubernetes:core/v1:Namespace", "om-ns-store", inputs={"metadata": {"name": "store"}})
    (found,) = lifecycle.guard(doc(ns), doc())
    assert found.subject == "namespace.om-ns-store" and "every Secret in it" in found.message
    retained = _with(ns, retainOnDelete=True)
    assert subjects(doc(retained), doc()) == []
    moved = copy.deepcopy(retained)
    moved["inputs"]["metadata"]["name"] = "store-2"
    assert subjects(doc(retained), doc(moved)) == []  # the old one stays in the cluster


def test_a_vault_deleted_or_moved_takes_its_secrets():
    store = res("om-secrets:stores:AzureKeyVaultStore", "om-store", custom=False)
    vault = res("azure-native:keyvault:Vault", "om-store-vault", store["urn"],
                {"resourceGroupName": "rg", "vaultName": "kv", "location": "westeurope"}, protect=True)
    (gone,) = lifecycle.guard(doc(store, vault), doc(store))
    assert gone.subject == "vault.store" and "every secret in it" in gone.message and "pulumi state delete" in gone.message
    moved = copy.deepcopy(vault)
    moved["inputs"]["location"] = "northeurope"
    (found,) = lifecycle.guard(doc(store, vault), doc(store, moved))
    assert "location 'westeurope' -> 'northeurope'" in found.message and "a new, empty vault" in found.message
    assert subjects(doc(store, vault), doc(store, moved, acknowledge=["vault.store"])) == []


def test_a_move_to_another_region_is_a_replacement():
    key = res(lifecycle.KMS_KEY, "om-kms", res(core.KMS_KEY_TYPE, "om-kms", custom=False)["urn"])
    parent = res(core.KMS_KEY_TYPE, "om-kms", custom=False)
    west, north = _with(key, placement={"region": "eu-west-1"}), _with(key, placement={"region": "eu-north-1"})
    (found,) = lifecycle.guard(doc(parent, west), doc(parent, north))
    assert found.subject == "kms.key" and "from region eu-west-1 to region eu-north-1" in found.message
    assert subjects(doc(parent, west), doc(parent, copy.deepcopy(west))) == []
    assert subjects(doc(parent, key), doc(parent, north)) == []  # a baseline made before placement was recorded


def test_key_material_under_a_component_of_your_own_is_guarded():
    mine = res("acme:index:Keys", "acme", custom=False)
    key = res(lifecycle.RANDOM_BYTES, "acme-signing", mine["urn"], {"length": 32})
    (found,) = lifecycle.guard(doc(mine, key), doc(mine))
    assert found.subject == "key.acme-signing"
    longer = copy.deepcopy(key)
    longer["inputs"]["length"] = 64
    assert subjects(doc(mine, key), doc(mine, longer)) == ["key.acme-signing"]


def test_an_access_keys_user_change_is_a_new_key():
    keys = lambda user: res(lifecycle.ACCESS_KEY, "om-access-server", inputs={"user": user})  # noqa: E731
    assert subjects(doc(keys("om-server")), doc(keys("om-server-2"))) == ["access-key.om-access-server"]


def om_doc(provider, *resources, migrated_to=None, digest="d1", acknowledge=()):
    env = res(core.ENVIRONMENT_TYPE, "om", custom=False, inputs={
        "provider": provider, "prefix": "p", "clusterName": "openmetadata", "environment": "prod",
        "restartDigests": {"openmetadata": digest}, "migration": {"migratedTo": migrated_to},
        "operations": {"omVersion": "2.0.7"}, "acknowledge": [{"drop": s, "reason": "r"} for s in acknowledge]})
    return {"stack": "s", "resources": [env, *resources]}


def om_job(name, skip=False):
    meta = {"name": name, **({"annotations": {"pulumi.com/skipAwait": "true"}} if skip else {})}
    return res(lifecycle.JOB, f"om-{name}", inputs={"metadata": meta})


def kinds(before, after):
    return sorted((f.subject, f.kind) for f in lifecycle.guard(before, after))


@pytest.mark.parametrize("old, new, expected", [
    ("db", "managed-aws", []), ("aws", "managed-aws", []), ("azure-kv", "managed-azure-kv", []),
    ("managed-aws", "managed-aws-ssm", [("store.managed-aws", "loss")]),
    ("kubernetes", "gcp", [("store.kubernetes", "loss")]),
    ("managed-aws", "db", [("store.managed-aws", "loss")]), ("managed-azure-kv", "azure-kv", [("store.managed-azure-kv", "loss")]),
])
def test_a_store_switch_is_a_loss_only_when_it_leaves_a_managed_store(old, new, expected):
    assert kinds(om_doc(old), om_doc(new)) == expected
    if expected:
        (f,) = lifecycle.guard(om_doc(old), om_doc(new))
        assert f"{old} ids starting" in f.message and f"{{drop: store.{old}" in f.message
        assert kinds(om_doc(old), om_doc(new, acknowledge=[expected[0][0]])) == []


def test_migrate_secrets_is_evidence_only_when_awaited_in_the_baseline():
    job = "om-migrate-secrets-to-managed-aws"
    done = om_doc("managed-aws", om_job(job))
    assert kinds(done, om_doc("managed-aws", migrated_to="managed-aws")) == []
    unawaited = om_doc("managed-aws", om_job(job, skip=True))
    assert kinds(unawaited, om_doc("managed-aws", migrated_to="managed-aws")) == [("migration.managed-aws", "loss")]
    other = om_doc("managed-aws", om_job("om-migrate-secrets-to-gcp"))
    assert kinds(other, om_doc("managed-aws", migrated_to="managed-aws")) == [("migration.managed-aws", "loss")]
    assert kinds(om_doc("managed-aws", migrated_to="managed-aws"), om_doc("managed-aws", migrated_to="managed-aws")) == []


def test_a_step_out_of_order_is_refused_even_when_acknowledged():
    job = om_job("om-migrate-secrets-to-managed-aws")
    assert kinds(om_doc("aws"), om_doc("managed-aws", job)) == [("migration.run", "order")]
    assert kinds(om_doc("managed-aws", digest="d0"), om_doc("managed-aws", job)) == [("migration.run", "order")]
    assert kinds(om_doc("managed-aws"), om_doc("managed-aws", job)) == []
    acked = om_doc("managed-aws", job, acknowledge=["migration.managed-aws"])
    found = lifecycle.guard(om_doc("aws"), acked)
    assert {(f.subject, f.kind) for f in found} == {("migration.run", "order"), ("migration.managed-aws", "acknowledgement")}
    assert "cannot be acknowledged" in found[0].remediation


# ------------------------------------------------------------------ catalogue over the real program


def _om(cfg: dict) -> dict:
    return {k.split(":", 1)[1]: v for k, v in cfg.items() if k.startswith("om-secrets:")}


def preview_document(stack: str, edit=None, *, as_stack: str | None = None) -> dict:
    """The stack (shipped or fixture) with ``edit(om_config)`` applied, planted secrets, as `preview --json`."""
    raw = copy.deepcopy(stack_file_config(stack))
    om = _om(raw)
    if edit:
        edit(om)
    raw.update(om.pop(RAW, {}))  # provider config (aws:region ...) an edit changes
    keys = {"existingOmFernetKey": IMPORTED_KEY, "otherOmFernetKey": OTHER_KEY, "existingJwtKey": IMPORTED_JWT_KEY}
    used = {ref for app in core.APPS for ref in ((om.get("fernet") or {}).get(app) or {}).get("imported", {}).values()}
    used.add((om.get("jwt") or {}).get("imported"))
    used |= {item.get("fromConfig") for item in om.get("secrets") or []}
    planted = {k: v for k, v in {**planted_keys(stack), **keys}.items() if k in used}
    config = {**{k: v for k, v in raw.items() if not k.startswith("om-secrets:")},
              **{f"om-secrets:{k}": v for k, v in om.items()}, **{f"om-secrets:{k}": v for k, v in planted.items()}}
    result = engine.preview(ROOT, as_stack or stack, config=config, secret_keys=[f"om-secrets:{k}" for k in planted])
    return json.loads(json.dumps(result.to_document()))


#: Key of an edit's om-secrets config under which it sets other namespaces' config (``{"aws:region": ...}``).
RAW = "__provider_config__"


def provider_config(key: str, value):
    def edit(om):
        om.setdefault(RAW, {})[key] = value
    return edit


def setting(path: str, value):
    def edit(om):
        node = om
        *parents, last = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return edit


def edits(*fns):
    def edit(om):
        for fn in fns:
            fn(om)
    return edit


def airflow(gens, reenc=None, run=None):
    fns = [setting("fernet.airflow.generations", list(gens)), setting("fernet.airflow.reencryptedTo", reenc)]
    if run is not None:
        fns.append(setting("fernet.rotationJob.run", run))
    return edits(*fns)


def om_ring(gens, imported=None, reenc=None):
    return edits(setting("fernet.openmetadata.generations", list(gens)), setting("fernet.openmetadata.imported", imported),
                 setting("fernet.openmetadata.reencryptedTo", reenc))


def secret_field(index, key, value):
    def edit(om):
        om["secrets"][index][key] = value
    return edit


def acknowledge(*subjects_):
    return setting("acknowledge", [{"drop": s, "reason": "catalogue"} for s in subjects_])


def fernet_copies(*extra):
    """The key copies in the store (the two rings and the JWT pair)."""
    return {"secret.fernet-airflow", "secret.fernet-openmetadata", "secret.jwt-openmetadata", *extra}


def k8s_fernet_copies(*extra):
    """Kubernetes: the copies in the keys namespace and the store-namespace Secrets that held them."""
    return fernet_copies("secret.keys-fernet-airflow", "secret.keys-fernet-openmetadata", *extra)


def to_kubernetes_runtime(namespace="openmetadata-pipelines"):
    """Switch a stack to Kubernetes-native ingestion: no Airflow to configure, the ingestion pods in a namespace of
    their own (the stack's ingestion loader and Airflow sections go)."""
    def edit(om):
        om["ingestion"] = {**{k: v for k, v in (om.get("ingestion") or {}).items() if k in ("serviceAccount", "hostPort")},
                           "runtime": "kubernetes", "namespace": namespace,
                           "image": "docker.getcollate.io/openmetadata/ingestion:1.12.3"}
        for key in ("airflow",):
            om.pop(key, None)
        om.get("fernet", {}).pop("airflow", None)
    return edit


#: What Airflow-mode stacks lose by switching to Kubernetes-native ingestion: Airflow's Fernet ring (generated
#: key and its store copy), Airflow's shared secrets and OM's server's Airflow password.
AIRFLOW_ONLY = {"fernet.airflow.generation.1", "airflow.api-secret-key", "airflow.jwt-secret", "airflow.server-password",
                "secret.fernet-airflow"}

#: The guard passes a deliberate loss: rotation evidence in the baseline, or an acknowledgement.
ALLOWED = "allowed"
#: (id, stack, baseline edit, new edit, subjects the guard must name; empty: destroys nothing; ALLOWED)
CATALOGUE = [
    # renames and moves
    ("environment-renamed", "dev", None, setting("environment", "dev-eu"), set()),
    ("environment-renamed-prod", "prod", None, setting("environment", "production"), set()),
    ("cluster-renamed", "dev", None, setting("clusterName", "om2"), k8s_fernet_copies("secret.mysql-password")),
    ("prefix-changed", "staging", None, setting("prefix", "stg"), fernet_copies("secret.warehouse-password")),
    ("prefix-added", "aws", None, setting("prefix", "team"), fernet_copies("secret.postgres-password", "secret.ingestion-bot-token")),
    ("store-namespace-moved", "dev", None, setting("kubernetes.namespace", "om-vault"), k8s_fernet_copies("secret.mysql-password")),
    ("provider-sm-to-ssm", "managed-aws", None, edits(setting("provider", "managed-aws-ssm"), setting("aws.replicaRegions", None),
                                                   setting("aws.kms.replicaKeyArns", None)),
     fernet_copies("secret.mysql-password", "secret.redshift-password") | {"store.managed-aws"}),
    ("provider-aws-to-managed", "aws", None, setting("provider", "managed-aws"), set()),
    ("provider-to-db", "kubernetes", None, edits(setting("provider", "db"), setting("secrets", None), setting("kubernetes", None),
                                              setting("airflowDbPassword", None)),
     k8s_fernet_copies("secret.mysql-password", "secret.airflow-db-password", "password.mysql-password")
     | {"store.kubernetes"}),
    ("secret-renamed", "dev", None, secret_field(0, "name", "mysql"), {"password.mysql-password", "secret.mysql-password"}),
    ("secret-removed", "prod", None, lambda om: om["secrets"].pop(1), {"password.snowflake-password", "secret.snowflake-password"}),
    # password parameters
    ("password-length", "prod", None, secret_field(0, "length", 56), {"password.warehouse-password"}),
    ("password-length-by-8", "staging", None, secret_field(0, "length", 48), {"password.warehouse-password"}),
    ("password-special", "dev", None, secret_field(0, "special", True), {"password.mysql-password"}),
    ("password-upper", "managed-aws-ssm", None, secret_field(0, "upper", True), {"password.snowflake-password"}),
    ("password-acknowledged", "prod", None, edits(secret_field(0, "length", 56), acknowledge("password.warehouse-password")), ALLOWED),
    # safe additions, order and tags
    ("secret-added", "dev", None, lambda om: om["secrets"].append({"name": "extra", "path": "database/extra/password"}), set()),
    ("secrets-reordered", "prod", None, lambda om: om["secrets"].reverse(), set()),
    ("tags-changed", "prod", None, setting("tags", {"team": "data-platform", "environment": "prod", "owner": "x"}), set()),
    ("tags-removed", "dev", None, setting("tags", None), set()),
    ("stack-renamed", "dev", None, "rename", set()),
    ("replica-added", "prod", None, setting("aws.replicaRegions", ["eu-central-1", "eu-north-1"]), set()),
    # Airflow rotation, safe sequences
    ("rotation-step-1-add", "staging", None, airflow([2, 1]), set()),
    ("rotation-step-2-job", "staging", airflow([2, 1]), airflow([2, 1], run=True), set()),
    ("rotation-step-2-record", "staging", airflow([2, 1], run=True), airflow([2, 1], reenc=2, run=False), set()),
    ("rotation-step-3-drop", "staging", airflow([2, 1], reenc=2), airflow([2], reenc=2), ALLOWED),
    ("rotation-drop-after-job", "staging", airflow([2, 1], run=True), airflow([2], reenc=2, run=False), ALLOWED),
    # Airflow rotation, unsafe sequences
    ("rotation-drop-without-job", "staging", airflow([2, 1]), airflow([2], reenc=2), {"fernet.airflow.generation.1"}),
    ("rotation-record-without-job", "staging", airflow([2, 1]), airflow([2, 1], reenc=2), {"fernet.airflow.generation.1"}),
    ("rotation-all-in-one", "staging", None, airflow([2], reenc=2), {"fernet.airflow.generation.1"}),
    ("rotation-job-with-the-new-ring-at-once", "staging", None, airflow([2, 1], run=True), {"fernet.airflow.generation.1"}),
    ("rotation-new-primary-dropped", "staging", airflow([2, 1]), airflow([1]), {"fernet.airflow.generation.2"}),
    ("rotation-by-hand-acknowledged", "staging", airflow([2, 1]), edits(airflow([2], reenc=2), acknowledge("fernet.airflow.generation.1")), ALLOWED),
    ("rotation-ack-typo", "staging", airflow([2, 1]), edits(airflow([2], reenc=2), acknowledge("fernet.airflow.generation.2")),
     {"fernet.airflow.generation.1", "fernet.airflow.generation.2"}),
    ("rotation-with-environment-rename", "staging", airflow([2, 1]), edits(airflow([2], reenc=2), setting("environment", "stg")),
     {"fernet.airflow.generation.1"}),
    # OM's ring
    ("om-add-generation", "prod", None, om_ring([2, 1]), set()),
    ("om-drop-generation", "prod", om_ring([2, 1]), om_ring([2], reenc=2), {"fernet.openmetadata.generation.1"}),
    ("om-drop-acknowledged", "prod", om_ring([2, 1]), edits(om_ring([2], reenc=2), acknowledge("fernet.openmetadata.generation.1")), ALLOWED),
    # imported keys
    ("import-adopt-new-primary", "prod", None, om_ring([2, 1], {"1": "existingOmFernetKey"}), {"fernet.openmetadata.generation.1"}),
    ("import-add-generation", "prod", om_ring([2, 1], {"1": "existingOmFernetKey"}), om_ring([3, 2, 1], {"1": "existingOmFernetKey"}), set()),
    ("import-removed", "prod", om_ring([2, 1], {"1": "existingOmFernetKey"}), om_ring([2, 1]), {"fernet.openmetadata.generation.1"}),
    ("import-source-changed", "prod", om_ring([2, 1], {"1": "existingOmFernetKey"}), om_ring([2, 1], {"1": "otherOmFernetKey"}),
     {"fernet.openmetadata.generation.1"}),
    ("import-dropped-from-ring", "prod", om_ring([2, 1], {"1": "existingOmFernetKey"}), om_ring([2], reenc=2),
     {"fernet.openmetadata.generation.1"}),
    # protection, production, KMS, access keys
    ("production-off", "prod", None, setting("production", False), {"production"}),
    ("protection-off", "dev", None, setting("protect", False), {"protection"}),
    ("protection-off-acknowledged", "dev", None, edits(setting("protect", False), acknowledge("protection")), ALLOWED),
    ("production-on", "staging", None, setting("production", True), set()),
    ("kms-removed", "prod", None, setting("aws.kms", None), {"kms.key", "kms.key.eu-central-1"}),
    ("access-keys-to-irsa", "local", None, setting("aws.identity", {
        "mode": "irsa", "oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AB",
        "oidcIssuer": "oidc.eks.us-east-1.amazonaws.com/id/AB"}), {"access-key.ingestion"}),  # aws: the server has none
    ("managed-access-keys-to-irsa", "managed-aws", None, setting("aws.identity", {
        "mode": "irsa", "oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/AB",
        "oidcIssuer": "oidc.eks.us-east-1.amazonaws.com/id/AB"}), {"access-key.server", "access-key.ingestion"}),
    # Airflow's shared secrets and OM's server's Airflow password
    ("airflow-3-to-2", "dev", None, setting("airflow.version", 2), {"airflow.api-secret-key", "airflow.jwt-secret"}),
    ("airflow-2-to-3", "local", None, setting("airflow.version", 3), {"airflow.webserver-secret-key"}),
    ("airflow-2-to-3-acknowledged", "local", None, edits(setting("airflow.version", 3),
                                                         acknowledge("airflow.webserver-secret-key")), ALLOWED),
    ("airflow-server-user-renamed", "prod", None, setting("airflow.serverUser", "om-server"), set()),
    # Kubernetes-native ingestion: switching from Airflow drops Airflow's key material, nothing else; OM's ring, JWT
    # pair and store secrets stay (the kubernetes store's keys-namespace copy of Airflow's ring goes too)
    ("airflow-to-kubernetes-runtime", "dev", None, to_kubernetes_runtime(), {*AIRFLOW_ONLY, "secret.keys-fernet-airflow"}),
    ("airflow-to-kubernetes-runtime-prod", "prod", None, to_kubernetes_runtime(), AIRFLOW_ONLY),
    ("airflow-to-kubernetes-runtime-acknowledged", "prod", None,
     edits(to_kubernetes_runtime(), acknowledge(*sorted(AIRFLOW_ONLY))), ALLOWED),
    ("kubernetes-runtime-operator-on", "k8s-ingestion", None, setting("ingestion.omJobOperator", True), set()),
    ("kubernetes-runtime-pipelines-namespace-moved", "k8s-ingestion", None, setting("ingestion.namespace", "om-jobs"), set()),
    # OM's JWT signing pair: every destructive edit is a hard cut (bot tokens, pipelines, personal access tokens)
    ("jwt-key-size-changed", "dev", None, setting("jwt.keySize", 4096), {"jwt.keypair"}),
    ("jwt-rotated", "prod", None, setting("jwt.generation", 2), {"jwt.keypair"}),
    ("jwt-rotated-acknowledged", "prod", None, edits(setting("jwt.generation", 2), acknowledge("jwt.keypair")), ALLOWED),
    ("jwt-key-size-acknowledged", "dev", None, edits(setting("jwt.keySize", 4096), acknowledge("jwt.keypair")), ALLOWED),
    ("jwt-dropped", "prod", None, setting("jwt", {"enabled": False, "disabledReason": "kept elsewhere"}),
     {"jwt.keypair", "secret.jwt-openmetadata"}),
    ("jwt-switched-to-imported", "prod", None, setting("jwt", {"imported": "existingJwtKey", "keyId": "running-kid"}),
     {"jwt.keypair"}),
    ("jwt-imported-to-generated", "prod", setting("jwt", {"imported": "existingJwtKey", "keyId": "running-kid"}),
     setting("jwt", None), {"jwt.keypair"}),
    ("jwt-imported-kid-changed", "prod", setting("jwt", {"imported": "existingJwtKey", "keyId": "running-kid"}),
     setting("jwt", {"imported": "existingJwtKey", "keyId": "other-kid"}), {"jwt.keypair"}),
    ("jwt-kid-pinned", "staging", None, setting("jwt.keyId", "pinned-kid"), {"jwt.keypair"}),
    ("jwt-renamed-with-environment", "prod", None, edits(setting("environment", "production"), setting("jwt.issuer", "x")),
     set()),
    ("jwt-imported-kept", "prod", setting("jwt", {"imported": "existingJwtKey", "keyId": "running-kid"}),
     setting("jwt", {"imported": "existingJwtKey", "keyId": "running-kid", "extraPublicKeyUrls": ["https://idp/keys"]}),
     set()),
    ("unused-acknowledgement", "dev", None, acknowledge("password.mysql-password"), {"password.mysql-password"}),
    # Azure Key Vault: the vaults and their secrets
    ("azure-location-changed", "azure", None, setting("azure.location", "northeurope"), {"vault.store", "vault.keys"}),
    ("azure-vault-made-existing", "azure", None, setting("azure.vault", {"name": "kv-om-prod-weu", "create": False}),
     {"vault.store", "vault.keys"}),
    ("azure-vault-renamed", "azure", None, setting("azure.vault.name", "kv-om-prod-weu2"),
     {"vault.store", "vault.keys", "secret.warehouse-password", *fernet_copies()}),
    ("azure-resource-group-changed", "azure", None, setting("azure.resourceGroupName", "rg-other"),
     {"vault.store", "vault.keys", "secret.warehouse-password", *fernet_copies()}),
    ("azure-vault-acknowledged", "azure", None, edits(setting("azure.location", "northeurope"),
                                                     acknowledge("vault.store", "vault.keys")), ALLOWED),
    ("azure-tags-and-network", "azure", None, edits(setting("tags", {"team": "x"}),
                                                   setting("azure.vault.network.ipRules", ["203.0.113.0/24"])), set()),
    # GCP Secret Manager: replication and project
    ("gcp-replica-added", "gcp", None, edits(setting("gcp.replication.locations", ["europe-west1", "europe-west4", "europe-north1"]),
                                             setting("gcp.replication.kmsKeyNames", None)),
     {"secret.bigquery-password", *fernet_copies()}),
    ("gcp-automatic-replication", "gcp", None, setting("gcp.replication", None), {"secret.bigquery-password", *fernet_copies()}),
    ("gcp-project-changed", "gcp", None, setting("gcp.project", "acme-data-prod2"), {"secret.bigquery-password", *fernet_copies()}),
    ("gcp-replica-key-changed", "gcp", None, setting("gcp.replication.kmsKeyNames.europe-west1",
                                                     "projects/acme-security/locations/europe-west1/keyRings/om/cryptoKeys/v2"),
     set()),  # customer-managed encryption of user-managed replicas is updated in place
    ("gcp-tags-changed", "gcp", None, setting("tags", {"team": "x"}), set()),
    # provider configuration: a region change moves every resource of the default provider
    ("aws-region-changed", "prod", None, edits(setting("aws.region", "eu-north-1"), provider_config("aws:region", "eu-north-1")),
     {"kms.key", "secret.warehouse-password", "secret.snowflake-password", *fernet_copies()}),
]
_BASELINES: dict = {}


def _baseline(stack, edit):
    key = (stack, id(edit))
    if key not in _BASELINES:
        _BASELINES[key] = preview_document(stack, edit)
    return _BASELINES[key]


def test_the_catalogue_is_large_and_varied():
    assert len(CATALOGUE) >= 30
    assert {c[1] for c in CATALOGUE} >= {"dev", "staging", "prod", "local", "aws", "kubernetes", "managed-aws", "azure", "gcp"}
    assert sum(c[4] == set() for c in CATALOGUE) >= 10 and sum(c[4] not in (set(), ALLOWED) for c in CATALOGUE) >= 20


@pytest.mark.parametrize("case", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_catalogue(case):
    _, stack, before_edit, after_edit, expected = case
    before = _baseline(stack, before_edit)
    if after_edit == "rename":
        after = preview_document(stack, before_edit, as_stack=f"{stack}-renamed")
    else:
        after = preview_document(stack, edits(*(e for e in (before_edit, after_edit) if e)))
    found = lifecycle.guard(before, after)
    assert {f.subject for f in found} == (set() if expected == ALLOWED else expected), [f.message for f in found]
    for f in found:
        if f.kind == "loss" and f.subject not in ("protection", "production"):
            assert f.resource and f.subject in f.message  # names the resource and what is lost
    if not expected:
        _assert_destroys_nothing(before, after)


def _assert_destroys_nothing(before, after):
    """Independently of the guard: every key-material resource of the baseline is answered by a
    resource of the new plan (URN or alias) with the same replace-triggering inputs and id."""
    key_types = resource_types.tokens(*resource_types.GUARDED_ROLES)
    unstack = lambda urn: urn.split("::", 1)[1]  # noqa: E731
    answers = {unstack(u): r for r in after["resources"] for u in (r["urn"], *r["options"].get("aliases", []))}
    for old in before["resources"]:
        if old["type"] not in key_types or not old["custom"]:
            continue
        new = answers.get(unstack(old["urn"]))
        assert new is not None or old["options"]["retainOnDelete"], f"{old['name']} would be deleted"
        if new is None:
            continue
        kind = resource_types.TYPES[old["type"]]
        for key in (*kind.create_only, *kind.identity):
            assert resource_types.dig(new["inputs"], key) == resource_types.dig(old["inputs"], key), (old["name"], key)
        assert new.get("placement") == old.get("placement"), old["name"]


# ------------------------------------------------------------------ command line


def _write_stack(path: Path, stack: str, edit=None) -> Path:
    raw = copy.deepcopy(stack_file_config(stack))
    om = _om(raw)
    if edit:
        edit(om)
    config = {**{k: v for k, v in raw.items() if not k.startswith("om-secrets:")}, **{f"om-secrets:{k}": v for k, v in om.items()}}
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return path


def test_check_baseline_exit_codes(tmp_path, capsys):
    baseline = tmp_path / "previous.json"
    baseline.write_text(json.dumps(preview_document("prod")))
    capsys.readouterr()
    safe = _write_stack(tmp_path / "Pulumi.prod.yaml", "prod", lambda om: om["secrets"].reverse())
    assert cli.main(["check", "prod", "--project-dir", str(ROOT), "--config-file", str(safe), "--baseline", str(baseline)]) == 0
    unsafe = _write_stack(tmp_path / "Pulumi.prod.yaml", "prod", secret_field(0, "length", 56))
    code = cli.main(["check", "prod", "--project-dir", str(ROOT), "--config-file", str(unsafe), "--baseline", str(baseline)])
    out = capsys.readouterr().out
    assert code == 1 and "OMS-LIFE-001" in out and "password.warehouse-password" in out and "length 48 -> 56" in out
    assert "om-secrets-bootstrap-warehouse-password" in out and "om-secrets:acknowledge" in out


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_baseline_ref_against_the_previous_commit(tmp_path, capsys):
    repo = tmp_path / "repo"
    (repo / "stacks").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", repo)
    shutil.copy(ROOT / "__main__.py", repo)
    _write_stack(repo / "stacks" / "Pulumi.staging.yaml", "staging", airflow([2, 1]))
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "first")
    argv = ["check", "--project-dir", str(repo), "--baseline-ref", "HEAD~1"]
    assert cli.main(argv) == 0  # a first commit: nothing to compare with
    assert "no revision HEAD~1" in capsys.readouterr().out
    _write_stack(repo / "stacks" / "Pulumi.staging.yaml", "staging", airflow([2], reenc=2))
    _write_stack(repo / "stacks" / "Pulumi.dev.yaml", "dev")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "drop generation 1 without rotating")
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert "fernet.airflow.generation.1" in out and "new stack since HEAD~1" in out
    _write_stack(repo / "stacks" / "Pulumi.staging.yaml", "staging",
                 edits(airflow([2], reenc=2), acknowledge("fernet.airflow.generation.1")))
    _git(repo, "commit", "-qam", "acknowledged: rotated by hand")
    # HEAD~1 already dropped it: the acknowledgement now matches nothing and must go
    assert cli.main(argv) == 1
    assert "OMS-LIFE-002" in capsys.readouterr().out
    assert cli.main([*argv[:-1], "HEAD~2"]) == 0
