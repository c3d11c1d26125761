"""Fernet key rings through the real program: one state-held key per generation, no churn, safe rotation.

A ring's keys are ``RandomBytes`` resources: Pulumi keeps their value in state, so a key changes
only if its resource is replaced. These tests preview the real program and check the resources,
the ring value seeded in the store and delivered to each app, and the rotation stages
``[1] -> [2, 1] -> [2]`` (with the ``airflow rotate-fernet-key`` Job of stage 2).
"""

from __future__ import annotations

import json
from pathlib import Path

import kubernetes_validate
import pytest
from cryptography.fernet import Fernet, MultiFernet

from omsecrets import engine
from omsecrets.components import key_pin
from omsecrets.components.environment import STABLE_NAME
from omsecrets.components.fernet import KeyRing
from omsecrets.components.fernet_ring import key_from_random_bytes
from omsecrets.components.settings import ConfigError
from tests.support.previews import stack_file

ROOT = Path(__file__).resolve().parents[1]

APPS = ("openmetadata", "airflow")
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
RING = "om-secrets:fernet:FernetKeyRing"
JOB = "kubernetes:batch/v1:Job"
K8S_SECRET = "kubernetes:core/v1:Secret"
#: The key each app's delivered Secret holds its ring under.
DELIVERED = {"openmetadata": ("openmetadata-secrets", "FERNET_KEY"), "airflow": ("airflow-secrets", "fernet-key")}
IMAGE = "docker.getcollate.io/openmetadata/ingestion:2.0.7"  # OM 2.0.x ingestion: Airflow 3
PLANTED = {  # fromConfig values of the fixture stacks (any value: they are not under test here)
    "redshiftPassword": "planted-redshift", "botToken": "planted-bot", "bigqueryKey": "planted-bq",
    "nightlyPassword": "planted-nightly", "airflowDbPassword": "planted-airflow-db",
}


def planted_for(stack: str) -> dict[str, str]:
    return {k: v for k, v in PLANTED.items() if k in stack_file(stack).read_text()}


@pytest.fixture
def run(preview_stack):
    """``run(stack, **config)``: the real program for ``stack`` with ``om-secrets`` keys overridden."""

    def get(stack: str, **config) -> engine.PreviewResult:
        planted = planted_for(stack)
        return preview_stack(stack, config_file=stack_file(stack), config={**planted, **config}, secret_keys=tuple(planted))

    return get


_PREVIEWS: dict[str, engine.PreviewResult] = {}


@pytest.fixture
def previewed(run):
    """``previewed(stack)``: ``run(stack)`` without overrides, cached."""

    def get(stack: str) -> engine.PreviewResult:
        if stack not in _PREVIEWS:
            _PREVIEWS[stack] = run(stack)
        return _PREVIEWS[stack]

    return get


def generation_keys(result: engine.PreviewResult, app: str) -> dict[int, str]:
    """``{generation: Fernet key}`` from the ring's RandomBytes (what Pulumi keeps in state)."""
    (ring,) = [r for r in result.by_type(RING) if r.inputs["application"] == app]
    out = {}
    for resource in result.children(ring.urn):
        if resource.type == key_pin.PIN_TYPE:
            continue
        assert resource.type == RANDOM_BYTES
        gen = int(resource.name.rsplit("-gen-", 1)[1])
        out[gen] = key_from_random_bytes(engine.plain(resource.state, show_secrets=True)["base64"])
    return out


def key_resources(result: engine.PreviewResult, app: str) -> dict[int, engine.CapturedResource]:
    (ring,) = [r for r in result.by_type(RING) if r.inputs["application"] == app]
    return {int(r.name.rsplit("-gen-", 1)[1]): r for r in result.children(ring.urn) if r.type == RANDOM_BYTES}


def expected_ring(result: engine.PreviewResult, app: str, generations) -> str:
    keys = generation_keys(result, app)
    return KeyRing([keys[g] for g in generations]).value


def delivered_ring(result: engine.PreviewResult, app: str) -> str:
    name, key = DELIVERED[app]
    (secret,) = [r for r in result.by_type(K8S_SECRET) if r.inputs["metadata"]["name"] == name]
    return secret.plain_inputs["stringData"][key]


def stored_ring(result: engine.PreviewResult, app: str) -> str | None:
    """The ring value seeded in the store under ``fernet-<app>`` (None for ``db``)."""
    stores = [r for r in result.resources if r.type.startswith("om-secrets:stores:")]
    if not stores:
        return None
    names = (f"{stores[0].name}-fernet-{app}", f"{stores[0].name}-keys-fernet-{app}")  # Kubernetes: keys namespace
    for resource in result.children(stores[0].urn):
        if resource.name not in names or (resource.type == K8S_SECRET and resource.name == names[0]):
            continue
        inputs = resource.plain_inputs
        if resource.type == "aws:secretsmanager/secretVersion:SecretVersion":
            return inputs["secretString"]
        if resource.type == "aws:ssm/parameter:Parameter":
            return inputs["value"]
        if resource.type == K8S_SECRET:
            return inputs["stringData"]["value"]
    raise AssertionError(f"no fernet-{app} in the store")


def environment(result: engine.PreviewResult) -> str:
    return engine.plain(result.outputs)["environment"]


# ------------------------------------------------------------------------------- key resources

STACKS = ("dev", "staging", "prod", "local", "aws", "kubernetes", "db")
PRODUCTION = {"prod", "aws", "kubernetes"}


@pytest.mark.parametrize("stack", STACKS)
def test_one_random_bytes_per_generation(stack, previewed):
    result = previewed(stack)
    for app in APPS:
        resources = key_resources(result, app)
        assert sorted(resources) == [1]
        for gen, resource in resources.items():
            assert resource.name == f"{STABLE_NAME}-{app}-fernet-gen-{gen}"
            assert resource.inputs == {"length": 32}
            assert {"base64", "hex"} <= set(resource.options["additionalSecretOutputs"])
            assert resource.options["protect"] is True  # in every environment by default
    assert len([r for r in result.by_type(RANDOM_BYTES) if RING in r.parent]) == 2


@pytest.mark.parametrize("stack", STACKS)
def test_ring_in_store_and_delivered_secret_is_the_generation_keys(stack, previewed):
    result = previewed(stack)
    document = json.dumps(result.to_document())
    for app in APPS:
        ring = expected_ring(result, app, [1])
        assert delivered_ring(result, app) == ring
        stored = stored_ring(result, app)
        assert stored == (None if stack == "db" else ring)
        parsed = KeyRing.parse(ring)  # a valid ring: 44-character urlsafe keys, not OM's public default
        assert parsed.value == ring and len(parsed) == 1
        token = Fernet(parsed.primary.encode()).encrypt(b"om-secret")
        assert MultiFernet([Fernet(k.encode()) for k in parsed.keys]).decrypt(token) == b"om-secret"
        assert ring not in document
        for key in generation_keys(result, app).values():
            assert key not in document


def test_apps_never_share_a_key(previewed):
    result = previewed("prod")
    assert generation_keys(result, "openmetadata")[1] != generation_keys(result, "airflow")[1]


def test_ring_component_records_generations_and_keeps_its_value_secret(previewed):
    result = previewed("prod")
    for ring in result.by_type(RING):
        assert ring.inputs["generations"] == [1] and ring.inputs["primaryGeneration"] == 1
        assert engine.is_secret(ring.outputs["value"])
        assert engine.plain(ring.outputs)["value"] == engine.SECRET_TEXT


# ---------------------------------------------------------------------------------- stability


def key_snapshot(result: engine.PreviewResult) -> dict:
    return {
        r.urn: (r.inputs, r.options, engine.plain(r.state, show_secrets=True))
        for r in result.by_type(RANDOM_BYTES) if RING in r.parent
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_two_previews_of_one_stack_do_not_churn_keys(stack, run):
    first, second = run(stack), run(stack)
    assert key_snapshot(first) == key_snapshot(second)
    for app in APPS:
        assert delivered_ring(first, app) == delivered_ring(second, app)
        assert stored_ring(first, app) == stored_ring(second, app)


def test_different_stacks_never_share_a_key_resource_or_value(previewed):
    results = {stack: previewed(stack) for stack in ("dev", "staging", "prod", "local")}
    urns = [urn for r in results.values() for urn in key_snapshot(r)]
    assert len(urns) == len(set(urns)) == 8
    values = [key for r in results.values() for app in APPS for key in generation_keys(r, app).values()]
    assert len(values) == len(set(values)) == 8


# ----------------------------------------------------------------------------------- rotation


@pytest.fixture
def stage(run):
    """``stage(stack, airflow_ring, **fernet)``: ``run`` with the Airflow ring (and other fernet keys) set."""

    def get(stack: str, airflow: dict, **fernet) -> engine.PreviewResult:
        return run(stack, fernet={"airflow": airflow, **fernet})

    return get


JOB_SETTINGS = {"image": IMAGE, "databaseSecret": "airflow-metadata-conn", "databaseSecretKey": "uri"}


_STAGES: dict[int, engine.PreviewResult] = {}


@pytest.fixture
def stages(stage):
    """The three rotation stages of the Airflow ring on ``dev`` (rotation Job configured), cached."""
    if not _STAGES:
        _STAGES[1] = stage("dev", {"generations": [1]}, rotationJob=JOB_SETTINGS)
        _STAGES[2] = stage("dev", {"generations": [2, 1]}, rotationJob={**JOB_SETTINGS, "run": True})
        _STAGES[3] = stage("dev", {"generations": [2], "reencryptedTo": 2}, rotationJob=JOB_SETTINGS)
    return _STAGES


def test_stage_2_keeps_generation_1_unchanged_and_adds_generation_2(stages):
    one, two = key_resources(stages[1], "airflow"), key_resources(stages[2], "airflow")
    assert sorted(one) == [1] and sorted(two) == [1, 2]
    old, kept = one[1], two[1]
    assert (kept.urn, kept.inputs, kept.options, kept.parent) == (old.urn, old.inputs, old.options, old.parent)
    assert generation_keys(stages[2], "airflow")[1] == generation_keys(stages[1], "airflow")[1]
    assert two[2].name == f"{STABLE_NAME}-airflow-fernet-gen-2" and two[2].inputs == {"length": 32}
    # primary is generation 2, generation 1 still decrypts
    ring = expected_ring(stages[2], "airflow", [2, 1])
    assert delivered_ring(stages[2], "airflow") == stored_ring(stages[2], "airflow") == ring
    parsed = KeyRing.parse(ring)
    assert parsed.primary == generation_keys(stages[2], "airflow")[2]
    old_token = Fernet(generation_keys(stages[1], "airflow")[1].encode()).encrypt(b"connection password")
    assert MultiFernet([Fernet(k.encode()) for k in parsed.keys]).decrypt(old_token) == b"connection password"
    assert engine.plain(stages[2].outputs)["fernet"]["airflow"] == {"generations": [2, 1], "primaryGeneration": 2}
    # every stage-1 key resource (both apps) is still there, identical; the OpenMetadata ring is untouched
    before, after = key_snapshot(stages[1]), key_snapshot(stages[2])
    assert {urn: after[urn] for urn in before} == before
    assert delivered_ring(stages[2], "openmetadata") == delivered_ring(stages[1], "openmetadata")


def test_stage_3_drops_generation_1_and_keeps_generation_2(stages):
    two, three = key_resources(stages[2], "airflow"), key_resources(stages[3], "airflow")
    assert sorted(three) == [2]
    assert (three[2].urn, three[2].inputs, three[2].options) == (two[2].urn, two[2].inputs, two[2].options)
    key2 = generation_keys(stages[2], "airflow")[2]
    assert generation_keys(stages[3], "airflow") == {2: key2}
    assert delivered_ring(stages[3], "airflow") == stored_ring(stages[3], "airflow") == KeyRing([key2]).value
    (ring,) = [r for r in stages[3].by_type(RING) if r.inputs["application"] == "airflow"]
    assert ring.inputs["reencryptedTo"] == 2 and ring.inputs["primaryGeneration"] == 2


@pytest.mark.parametrize("app", APPS)
def test_dropping_a_generation_before_reencryption_is_refused(app, run):
    with pytest.raises(ConfigError) as info:
        run("dev", fernet={app: {"generations": [2]}})
    message = str(info.value)
    assert "airflow rotate-fernet-key" in message
    assert f"om-secrets:fernet.{app}" in message and "reencryptedTo" in message


def rotation_jobs(result: engine.PreviewResult) -> list[engine.CapturedResource]:
    """The rotation Jobs (not the Airflow user Job a stack with airflow.image declares too)."""
    return [j for j in result.by_type(JOB) if j.inputs["metadata"]["name"].startswith("airflow-rotate-fernet-key-")]


def job_manifest(job: engine.CapturedResource) -> dict:
    inputs = job.plain_inputs
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": inputs["metadata"], "spec": inputs["spec"]}


def test_rotation_job_only_in_stage_2(stages):
    assert rotation_jobs(stages[1]) == [] and rotation_jobs(stages[3]) == []
    (job,) = rotation_jobs(stages[2])
    manifest = job_manifest(job)
    assert manifest["metadata"]["name"] == "airflow-rotate-fernet-key-gen-2"
    assert manifest["metadata"]["namespace"] == "openmetadata"  # dev's ingestion namespace
    pod = manifest["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == IMAGE
    assert container["args"] == ["airflow", "rotate-fernet-key"]
    assert pod["serviceAccountName"] == "openmetadata-ingestion"
    env = {e["name"]: e for e in container["env"]}
    assert env["AIRFLOW__CORE__FERNET_KEY"] == {
        "name": "AIRFLOW__CORE__FERNET_KEY", "valueFrom": {"secretKeyRef": {"name": "airflow-secrets", "key": "fernet-key"}}}
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]["valueFrom"] == {
        "secretKeyRef": {"name": "airflow-metadata-conn", "key": "uri"}}
    # no plaintext: every env var comes from a Secret, no input is secret, no key appears anywhere
    assert all("value" not in e for e in container["env"])
    assert not any(job.secret_input(k) for k in job.inputs)
    shown = json.dumps(job.to_document(show_secrets=True))
    for key in generation_keys(stages[2], "airflow").values():
        assert key not in shown
    kubernetes_validate.validate(manifest, "1.33", strict=True)
    # the Job runs after the ring it re-encrypts with is delivered
    assert any("AppConfigDelivery" in dep for dep in job.options["dependsOn"])


def test_rotation_job_uses_the_configured_ingestion_namespace_and_default_db_secret(stage):
    result = stage("prod", {"generations": [2, 1]}, rotationJob={"image": IMAGE, "run": True})
    (job,) = rotation_jobs(result)
    manifest = job_manifest(job)
    assert manifest["metadata"]["namespace"] == "airflow"
    pod = manifest["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "airflow-worker"
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in pod["containers"][0]["env"]}
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == {"name": "airflow-airflow-metadata", "key": "connection"}
    kubernetes_validate.validate(manifest, "1.33", strict=True)


def test_rotation_job_is_gone_once_reencryption_is_recorded_and_back_for_the_next_rotation(stage):
    # [2, 1] with reencryptedTo 2: the Job did its work; generation 1 may now leave the ring.
    done = stage("dev", {"generations": [2, 1], "reencryptedTo": 2}, rotationJob={"image": IMAGE})
    assert rotation_jobs(done) == []
    # the next rotation, [3, 2] (generation 2's values were re-encrypted): a Job for generation 3
    nxt = stage("dev", {"generations": [3, 2], "reencryptedTo": 2}, rotationJob={"image": IMAGE, "run": True})
    (job,) = rotation_jobs(nxt)
    assert job.inputs["metadata"]["name"] == "airflow-rotate-fernet-key-gen-3"
    assert delivered_ring(nxt, "airflow") == expected_ring(nxt, "airflow", [3, 2])


def test_step_1_declares_no_job_so_pods_restart_before_reencryption(stage):
    assert rotation_jobs(stage("dev", {"generations": [2, 1]}, rotationJob={"image": IMAGE})) == []


@pytest.mark.parametrize("airflow", [{"generations": [1]}, {"generations": [2, 1], "reencryptedTo": 2}])
def test_running_the_job_with_nothing_to_reencrypt_is_refused(airflow, stage):
    with pytest.raises(ConfigError) as info:
        stage("dev", airflow, rotationJob={"image": IMAGE, "run": True})
    assert "om-secrets:fernet.rotationJob.run" in str(info.value)


def test_no_rotation_job_without_an_image_or_for_the_openmetadata_ring(run, stage):
    assert rotation_jobs(stage("dev", {"generations": [2, 1]})) == []
    om_only = run("dev", fernet={"openmetadata": {"generations": [2, 1]}, "rotationJob": {"image": IMAGE}})
    assert rotation_jobs(om_only) == []
    assert delivered_ring(om_only, "openmetadata") == expected_ring(om_only, "openmetadata", [2, 1])


def test_rotation_in_a_store_stack_seeds_the_new_ring(stage):
    result = stage("prod", {"generations": [2, 1]})
    ring = expected_ring(result, "airflow", [2, 1])
    assert stored_ring(result, "airflow") == delivered_ring(result, "airflow") == ring
    # both generations are protected key material in production
    assert all(r.options["protect"] for r in key_resources(result, "airflow").values())


# ------------------------------------------------------------------------------ imported keys

from omsecrets.components.fernet import OM_PUBLIC_DEFAULT_KEY, generate_key  # noqa: E402


def _adopt(preview_config, key: str, **extra):
    config = {
        "provider": "kubernetes",
        "fernet": {"openmetadata": {"generations": [2, 1], "imported": {"1": "existingOmKey"}}},
        "existingOmKey": key,
        **extra,
    }
    return preview_config(config, secret_keys=["existingOmKey"])


def test_an_imported_key_joins_the_ring_without_a_random_resource(preview_config):
    existing = generate_key()
    result = _adopt(preview_config, existing)
    gens = key_resources(result, "openmetadata")
    assert sorted(gens) == [2]  # generation 1 is the imported key, not a RandomBytes
    ring = KeyRing.parse(delivered_ring(result, "openmetadata"))
    assert ring.keys == (generation_keys(result, "openmetadata")[2], existing)
    assert stored_ring(result, "openmetadata") == ring.value
    assert existing not in json.dumps(result.to_document())  # only with show_secrets
    (component,) = [r for r in result.by_type(RING) if r.inputs["application"] == "openmetadata"]
    assert component.inputs["importedGenerations"] == [1]


def test_an_imported_key_is_pinned_by_a_secret_fingerprint(preview_config):
    """Another value under the same config key changes the protected pin's keepers (a replace pulumi preview
    shows and pulumi up refuses); the fingerprint is a secret and the key itself is nowhere in the pin."""
    existing, other = generate_key(), generate_key()
    first, second, again = (_adopt(preview_config, k) for k in (existing, other, existing))

    def pin_of(result):
        (ring,) = [r for r in result.by_type(RING) if r.inputs["application"] == "openmetadata"]
        (pin,) = [r for r in result.children(ring.urn) if r.type == key_pin.PIN_TYPE]
        return pin

    pin = pin_of(first)
    assert pin.name.endswith("-gen-1-imported") and pin.options["protect"] is True
    assert "keepers" in pin.options["additionalSecretOutputs"] and pin.secret_input("keepers")
    keepers = pin.plain_inputs["keepers"]
    assert keepers == {"fingerprint": key_pin.fingerprint(existing)} and existing not in json.dumps(keepers)
    assert pin_of(second).plain_inputs["keepers"] != keepers  # a new value: the pin is replaced
    assert pin_of(again).plain_inputs["keepers"] == keepers  # the same value: nothing changes
    assert key_pin.fingerprint(f"  {existing}\n") == key_pin.fingerprint(existing)


def test_importing_the_public_default_key_is_refused(preview_config):
    with pytest.raises(ValueError) as info:
        _adopt(preview_config, OM_PUBLIC_DEFAULT_KEY)
    assert "imported key of generation 1" in str(info.value) and "PUBLIC default key" in str(info.value)
    assert OM_PUBLIC_DEFAULT_KEY not in str(info.value)


def _adoption_project(tmp_path, key_text: str):
    """A project whose stack file holds the imported key as `pulumi config set --secret` writes it."""
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "__main__.py").write_text((ROOT / "__main__.py").read_text())
    (tmp_path / "stacks" / "Pulumi.adopt.yaml").write_text(
        "config:\n  om-secrets:provider: kubernetes\n  kubernetes:enableSecretMutable: \"true\"\n"
        f"  om-secrets:existingOmFernetKey:\n{key_text}"
        "  om-secrets:fernet:\n    openmetadata:\n      generations: [2, 1]\n"
        "      imported: {\"1\": existingOmFernetKey}\n")
    return tmp_path


def test_an_encrypted_imported_key_previews_and_checks_offline_saying_it_is_not_checkable(tmp_path, capsys):
    from omsecrets import cli

    project = _adoption_project(tmp_path, "    secure: v1:AAABAGhlbGxvd29ybGQxMjM0NTY3OA==\n")
    assert cli.main(["preview", "adopt", "--project-dir", str(project)]) == 0
    err = capsys.readouterr()
    assert "not checkable offline" in err.out and "om-secrets:existingOmFernetKey" in err.out
    assert cli.main(["check", "adopt", "--project-dir", str(project)]) == 0
    out = capsys.readouterr().out
    assert "note: om-secrets-openmetadata-fernet: the imported key of generation 1" in out
    assert "not checkable offline" in out and "omsecrets fernet check" in out
    result = engine.preview(project, "adopt")
    ring = KeyRing.parse(delivered_ring(result, "openmetadata"))  # a usable stand-in, the same on every run
    assert len(ring) == 2 and ring.keys[1] == KeyRing.parse(delivered_ring(engine.preview(project, "adopt"),
                                                                           "openmetadata")).keys[1]


def test_a_real_imported_key_is_checked_and_a_bad_one_named_without_a_fragment(preview_config):
    bad = generate_key()[:40]
    with pytest.raises(ValueError) as info:
        _adopt(preview_config, bad)
    message = str(info.value)
    assert "imported key of generation 1" in message and "40 characters" in message
    assert not [bad[i:i + 4] for i in range(len(bad) - 3) if bad[i:i + 4] in message]
    assert not [r for r in _adopt(preview_config, generate_key()).diagnostics if "not checkable" in r.message]


@pytest.mark.parametrize(
    "imported, secret_values, plaintext, expected",
    [
        (
            {"3": "k"},
            {"k": "x"},
            set(),
            "om-secrets:fernet.openmetadata.imported.3: '3' is not one of the ring's generations [2, 1]",
        ),
        ({"1": "k"}, {}, set(), "om-secrets:fernet.openmetadata.imported.1: 'k' is not set; run `pulumi config set --secret"),
        ({"1": "k"}, {"k": "x"}, {"k"}, "om-secrets:fernet.openmetadata.imported.1: 'k' is stored in plaintext"),
        ({"1": "tags"}, {}, set(), "om-secrets:fernet.openmetadata.imported.1: 'tags' is an om-secrets setting"),
    ],
)
def test_imported_settings_are_validated(imported, secret_values, plaintext, expected):
    from omsecrets.components.settings import from_dict

    with pytest.raises(ConfigError) as info:
        from_dict(
            {"provider": "kubernetes", "fernet": {"openmetadata": {"generations": [2, 1], "imported": imported}}},
            secret_values=secret_values,
            plaintext_refs=plaintext,
        )
    assert expected in str(info.value)
