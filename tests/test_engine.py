"""The offline preview engine, exercised with the small programs in tests/fixtures/programs."""

from __future__ import annotations

import asyncio
import base64
import contextvars
import json
import os
import sys
import time

import pytest
from pulumi.runtime import settings
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from omsecrets import engine
from omsecrets.engine import _pulumi

PLANTED_CONFIG = "planted-config-secret-9f8e"
PLANTED_OUTPUT = "planted-output-secret-1a2b"
BASIC_CONFIG = {"tags": {"team": "data", "n": 3}, "replicas": 2, "dbPassword": PLANTED_CONFIG}

STACK = "pulumi:pulumi:Stack"
BUNDLE = "fixture:index:Bundle"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
BYTES = "random:index/randomBytes:RandomBytes"


@pytest.fixture
def basic(preview_config, fixture_program):
    def run(**kwargs):
        return preview_config(BASIC_CONFIG, secret_keys=["dbPassword"], program=fixture_program("basic"), **kwargs)

    return run


@pytest.fixture
def failing(preview_config, fixture_program):
    def run(mode: str, **kwargs):
        return preview_config({"mode": mode}, program=fixture_program("errors"), **kwargs)

    return run


def dumps(document: dict) -> str:
    return json.dumps(document, indent=2)


# --------------------------------------------------------------------------- document


def test_document_has_exactly_the_documented_fields(basic):
    document = basic().to_document()
    assert list(document) == ["stack", "project", "resources", "outputs"]
    assert (document["stack"], document["project"]) == ("test", "om-secrets")
    for entry in document["resources"]:
        placed = entry["custom"] and not entry["type"].startswith("pulumi:")  # a provider's resource: where it lives
        assert list(entry) == ["urn", "type", "name", "parent", "custom", "inputs", "options"] + (
            ["placement"] if placed else [])
        assert list(entry["options"]) == ["protect", "retainOnDelete", "deleteBeforeReplace", "dependsOn",
                                          "additionalSecretOutputs", "ignoreChanges", "aliases", "provider"]
    assert STACK not in {entry["type"] for entry in document["resources"]}
    assert [e["urn"] for e in document["resources"]] == sorted(e["urn"] for e in document["resources"])


def test_resources_are_nested_under_their_parents(basic):
    result = basic()
    stack_urn = "urn:pulumi:test::om-secrets::pulumi:pulumi:Stack::om-secrets-test"
    assert result.stack_urn == stack_urn
    bundle = result.get("app", BUNDLE)
    assert bundle.parent == stack_urn and not bundle.custom
    children = {r.name for r in result.children(bundle.urn)}
    assert children == {"app-key", "app-password", "app-secret", "app-version"}
    key = result.get("app-key")
    assert key.urn == f"urn:pulumi:test::om-secrets::{BUNDLE}${BYTES}::app-key"
    assert key.custom and key.parent == bundle.urn
    assert result.get("airflow").parent == stack_urn


def test_resource_options_are_captured(basic):
    result = basic()
    secret = result.get("app-secret").options
    assert (secret["protect"], secret["retainOnDelete"], secret["deleteBeforeReplace"]) == (True, True, False)
    version = result.get("app-version").options
    assert result.get("app-password").urn in version["dependsOn"]
    assert result.get("app-secret").urn in version["dependsOn"]
    assert version["ignoreChanges"] == ["secretString"]
    assert "secretString" in version["additionalSecretOutputs"]
    k8s = result.get("airflow").options
    assert k8s["deleteBeforeReplace"] is True and k8s["protect"] is False
    assert "metadata" in k8s["additionalSecretOutputs"]


def test_component_outputs_are_captured(basic):
    result = basic()
    outputs = engine.plain(result.get("app", BUNDLE).outputs)
    assert outputs == {"keyHex": engine.SECRET_TEXT,
                       "secretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:fixture/app-AbCdEf"}


def test_numbers_stay_numbers(basic):
    document = basic().to_document()
    key = next(e for e in document["resources"] if e["name"] == "app-key")
    assert key["inputs"]["length"] == 32 and isinstance(key["inputs"]["length"], int)
    outputs = document["outputs"]
    assert outputs["replicas"] == 2 and isinstance(outputs["replicas"], int)
    assert outputs["ratio"] == 0.5
    assert outputs["tags"] == {"n": 3, "team": "data"} and isinstance(outputs["tags"]["n"], int)


def test_two_runs_give_identical_json(basic):
    first, second = basic(), basic()
    assert dumps(first.to_document()) == dumps(second.to_document())
    assert dumps(first.to_document(show_secrets=True)) == dumps(second.to_document(show_secrets=True))
    assert [r.state for r in first.resources] == [r.state for r in second.resources]


# --------------------------------------------------------------------------- secrets


def test_planted_secrets_never_appear_unless_shown(basic):
    result = basic()
    hidden = dumps(result.to_document())
    shown = dumps(result.to_document(show_secrets=True))
    for planted in (PLANTED_CONFIG, PLANTED_OUTPUT):
        assert planted not in hidden
        assert planted in shown
    assert result.to_document()["outputs"]["planted"] == engine.SECRET_TEXT
    assert result.to_document(show_secrets=True)["outputs"]["planted"] == PLANTED_OUTPUT


def test_secret_inputs_keep_their_markers(basic):
    result = basic()
    k8s = result.get("airflow")
    assert engine.is_secret(k8s.inputs["stringData"])
    assert k8s.secret_input("stringData") and not k8s.secret_input("metadata")
    assert k8s.plain_inputs["stringData"] == {"password": PLANTED_CONFIG, "static": PLANTED_OUTPUT}
    version = result.get("app-version")
    assert json.loads(version.plain_inputs["secretString"])["password"] == PLANTED_CONFIG


def test_additional_secret_outputs_make_outputs_secret(basic):
    result = basic()
    password = result.get("app-password")
    assert engine.is_secret(password.state["result"])
    assert result.to_document()["outputs"]["password"] == engine.SECRET_TEXT
    assert len(result.to_document(show_secrets=True)["outputs"]["password"]) == 24


def test_secure_values_and_secret_keys_reach_the_program(preview_config, fixture_program):
    result = preview_config({"tags": {"token": {"secure": "v1:cipher"}}, "replicas": 1},
                            program=fixture_program("basic"))
    tags = result.outputs["tags"]
    assert engine.is_secret(tags) is False
    token = engine.plain(result.outputs, show_secrets=True)["tags"]["token"]
    assert token.startswith("mock-secure-") and "om-secrets:tags" in result.secret_keys


# --------------------------------------------------------------------------- isolation


def test_previews_do_not_share_state(basic, preview_config, fixture_program):
    first = basic()
    other = preview_config({"marker": "from-b", "length": 5}, program=fixture_program("other"), stack="b")
    again = basic()
    assert dumps(first.to_document(show_secrets=True)) == dumps(again.to_document(show_secrets=True))
    assert [r.name for r in other.resources] == ["other"]
    assert not {r.name for r in again.resources} & {"other"}
    assert engine.plain(other.outputs)["marker"] == "from-b"
    assert engine.plain(other.outputs)["stack"] == "b"
    unset = preview_config({}, program=fixture_program("other"))
    assert "marker" not in unset.outputs


def test_pulumi_config_environment_does_not_leak(preview_config, fixture_program, monkeypatch):
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({"om-secrets:marker": "from-env"}))
    monkeypatch.setenv("PULUMI_CONFIG_OM_SECRETS_MARKER", "from-env-key")
    result = preview_config({}, program=fixture_program("other"))
    assert "marker" not in result.outputs and "envConfig" not in result.outputs
    assert os.environ["PULUMI_CONFIG_OM_SECRETS_MARKER"] == "from-env-key"


def test_cwd_and_sys_path_are_set_during_the_run_and_restored(preview_config, fixture_program, project_dir):
    cwd, path = os.getcwd(), list(sys.path)
    result = preview_config({}, program=fixture_program("other"))
    assert result.outputs["cwd"] == str(project_dir)
    assert os.getcwd() == cwd and sys.path == path


def test_runtime_settings_are_left_clean(basic):
    basic()

    def seen():
        return settings.get_monitor(), settings.get_root_resource(), settings.SETTINGS.outputs

    monitor, root, outputs = contextvars.Context().run(seen)
    assert not isinstance(monitor, engine.CapturingMonitor)
    assert root is None
    assert not outputs


def test_a_failed_preview_does_not_poison_the_next(failing, basic):
    for mode in ("apply-dangling", "apply-input", "runtime"):
        with pytest.raises(Exception):  # noqa: B017 each mode fails with its own exception type
            failing(mode)
    assert len(basic().resources) == 7


def test_concurrent_previews_are_serialized_safely(basic):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=3) as pool:
        documents = list(pool.map(lambda _: dumps(basic().to_document()), range(3)))
    assert len(set(documents)) == 1


def test_preview_works_from_inside_a_running_event_loop(basic):
    async def caller():
        return basic()

    assert len(asyncio.run(caller()).resources) == 7


@pytest.mark.skipif(not _pulumi.SUPPORTS_ASYNC_PROGRAM, reason="this pulumi has no async entry points")
def test_async_entry_point_exports_merge(preview_config, fixture_program):
    result = preview_config({}, program=fixture_program("asyncmain"))
    assert engine.plain(result.outputs, show_secrets=True) == {"answer": 42, "early": "exported",
                                                              "token": result.get("token").state["result"]}


# --------------------------------------------------------------------------- errors


def test_config_error_propagates_unchanged(failing):
    with pytest.raises(ValueError) as caught:
        failing("config")
    assert type(caught.value).__name__ == "ConfigError"
    assert "om-secrets:provider" in str(caught.value)


def test_runtime_error_propagates(failing):
    with pytest.raises(RuntimeError, match="^boom$"):
        failing("runtime")


@pytest.mark.parametrize("mode", ["apply-export", "apply-input", "apply-dangling", "component-outputs"])
def test_errors_inside_apply_surface(failing, mode):
    started = time.monotonic()
    with pytest.raises(Exception) as caught:
        failing(mode)
    chain = [caught.value, caught.value.__cause__, caught.value.__context__]
    assert any(type(e).__name__ == "ApplyBoom" and f"apply failed in {mode}" in str(e) for e in chain if e)
    assert time.monotonic() - started < 30


def test_errors_during_registration_surface(failing):
    with pytest.raises(ValueError, match="not-a-number"):
        failing("registration")


def test_a_program_that_never_finishes_times_out(failing):
    started = time.monotonic()
    with pytest.raises(engine.PreviewTimeoutError):
        failing("hang", timeout=1.5)
    assert time.monotonic() - started < 20


def test_logged_messages_are_diagnostics(failing):
    result = failing("log")
    assert engine.Diagnostic("warning", "careful: planted-log-warning") in result.diagnostics
    assert engine.Diagnostic("error", "logged an error") in result.diagnostics


def test_missing_stack_file_lists_the_available_stacks(make_project):
    project = make_project("other", stacks={"dev": "config: {}\n", "prod": "config: {}\n"})
    with pytest.raises(engine.StackNotFoundError) as caught:
        engine.preview(project, "staging")
    assert caught.value.available == ["dev", "prod"]
    assert "dev, prod" in str(caught.value)


# --------------------------------------------------------------------------- fabricated outputs


@pytest.fixture(scope="module")
def fabricated(project_dir):
    result = engine.preview(project_dir, "test", config={"aws:region": "eu-west-1"},
                            program=project_dir / "tests/fixtures/programs/fabricated.py")
    return result, engine.plain(result.outputs, show_secrets=True)


def test_aws_outputs_follow_arn_formats(fabricated):
    _, out = fabricated
    assert out["identity"] == {"accountId": "123456789012", "arn": "arn:aws:iam::123456789012:user/preview",
                               "userId": out["identity"]["userId"]}
    assert (out["partition"], out["dnsSuffix"], out["region"]) == ("aws", "amazonaws.com", "eu-west-1")
    assert out["keyArn"] == f"arn:aws:kms:eu-west-1:123456789012:key/{out['keyId']}"
    assert out["roleArn"] == "arn:aws:iam::123456789012:role/om-reader"
    assert out["policyArn"] == "arn:aws:iam::123456789012:policy/om-read"
    assert out["userArn"] == "arn:aws:iam::123456789012:user/om-bot"
    assert out["parameterArn"] == "arn:aws:ssm:eu-west-1:123456789012:parameter/om/db/password"
    assert out["secretArn"] == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:om/db-AbCdEf"
    assert out["unnamedName"].startswith("unnamed-")
    assert out["euSecretArn"].startswith("arn:aws:secretsmanager:eu-central-1:123456789012:secret:om/eu-")
    assert out["accessKeyId"].startswith("AKIA") and len(out["accessKeyId"]) == 20
    assert len(out["accessKeySecret"]) == 40


def test_random_outputs_honour_their_inputs(fabricated):
    result, out = fabricated
    assert len(base64.b64decode(out["fernetKey"])) == 32
    assert bytes.fromhex(out["fernetHex"]) == base64.b64decode(out["fernetKey"])
    password = out["password"]
    assert len(password) == 20 and password == password.lower() and password.isalnum()
    assert sum(c.isdigit() for c in password) >= 4
    assert len(bytes.fromhex(out["randomId"]["hex"])) == 8
    assert int(out["randomId"]["dec"]) == int(out["randomId"]["hex"], 16)
    assert len(out["token"]) == 12 and out["token"].isalnum()
    hidden = engine.plain(result.outputs)
    assert hidden["fernetKey"] == hidden["password"] == hidden["accessKeySecret"] == engine.SECRET_TEXT


def test_tls_private_keys_are_real_rsa_keys_in_the_providers_formats(fabricated):
    """terraform-provider-tls: PKCS#1 and PKCS#8 PEM, PKIX public PEM, OpenSSH, fingerprints, id = SHA-1 of the PKIX DER."""
    import hashlib

    from cryptography.hazmat.primitives import serialization

    result, out = fabricated
    key = out["tlsKey"]
    assert key["private_key_pem"].startswith("-----BEGIN RSA PRIVATE KEY-----\n") and key["private_key_pem"].endswith("\n")
    assert key["private_key_pem_pkcs8"].startswith("-----BEGIN PRIVATE KEY-----\n")
    private = serialization.load_pem_private_key(key["private_key_pem_pkcs8"].encode(), None)
    assert serialization.load_pem_private_key(key["private_key_pem"].encode(), None).private_numbers() == \
        private.private_numbers() and private.key_size == key["rsa_bits"] == 2048
    public = serialization.load_pem_public_key(key["public_key_pem"].encode())
    assert public.public_numbers() == private.public_key().public_numbers()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert key["id"] == hashlib.sha1(der).hexdigest()
    blob = base64.b64decode(key["public_key_openssh"].split()[1])
    assert key["public_key_openssh"].startswith("ssh-rsa ") and key["public_key_openssh"].endswith("\n")
    sha256 = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert key["public_key_fingerprint_sha256"] == f"SHA256:{sha256}"
    assert key["public_key_fingerprint_md5"] == ":".join(f"{b:02x}" for b in hashlib.md5(blob).digest())
    hidden = engine.plain(result.outputs)["tlsKey"]
    assert hidden["private_key_pem"] == hidden["private_key_pem_pkcs8"] == engine.SECRET_TEXT
    assert out.get("ecKeyPem") is None  # om-secrets declares RSA keys only: other algorithms are not fabricated


def test_kubernetes_objects_get_a_name_and_uid(fabricated):
    _, out = fabricated
    assert out["namespace"]["name"].startswith("ns-")
    assert len(out["namespace"]["uid"]) == 36


def test_fabricated_values_depend_on_the_urn_only(fabricated, project_dir):
    first, _ = fabricated
    second = engine.preview(project_dir, "test", config={"aws:region": "eu-west-1"},
                            program=project_dir / "tests/fixtures/programs/fabricated.py")
    assert [(r.urn, r.id, r.state) for r in first.resources] == [(r.urn, r.id, r.state) for r in second.resources]
    other_stack = engine.preview(project_dir, "other", config={"aws:region": "eu-west-1"},
                                 program=project_dir / "tests/fixtures/programs/fabricated.py")
    shown = engine.plain(other_stack.outputs, show_secrets=True)["fernetKey"]
    assert shown != engine.plain(first.outputs, show_secrets=True)["fernetKey"]


def test_mocks_echo_inputs_with_integral_numbers():
    mocks = engine.FabricatingMocks(region="ap-south-1")
    args = MockResourceArgs("random:index/randomBytes:RandomBytes", "k", {"length": 4.0, "nested": [1.0, 2.5]},
                                   custom=True)
    resource_id, state = mocks.new_resource(args)
    assert state["length"] == 4 and isinstance(state["length"], int)
    assert state["nested"] == [1, 2.5] and isinstance(state["nested"][0], int)
    assert len(base64.b64decode(state["base64"])) == 4
    assert mocks.call(MockCallArgs("aws:index/getRegion:getRegion", {}, ""))["name"] == "ap-south-1"
    assert mocks.call(MockCallArgs("aws:index/unknown:unknown", {}, "")) == {}


# --------------------------------------------------------------------------- stack files


def test_load_stack_file_encodes_values_like_the_cli(tmp_path):
    """As pulumi/pulumi hands config to a program: the stack file is read by gopkg.in/yaml.v3 into Go values
    (``workspace/loaders.go``), each kept as ``config.Value`` whose text for a number is Go's JSON of it
    (``resource/config/object.go`` ``MarshalString``): ``1.50`` is ``1.5``; a date is ``time.Time.String()``."""
    (tmp_path / "Pulumi.yaml").write_text("name: proj\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "stacks").mkdir()
    path = tmp_path / "stacks" / "Pulumi.dev.yaml"
    path.write_text(
        "encryptionsalt: v1:salt\n"
        "config:\n"
        "  aws:region: eu-west-1\n"
        "  plain: hello\n"
        "  proj:enabled: true\n"
        "  proj:off: false\n"
        "  proj:count: 3\n"
        "  proj:ratio: 1.50\n"
        "  proj:date: 2024-01-31\n"
        "  proj:tags:\n"
        "    team: data\n"
        "    size: 2\n"
        "  proj:list: [a, 1, true]\n"
        "  proj:password:\n"
        "    secure: v1:AAAAcipher\n"
        "  proj:db:\n"
        "    host: db\n"
        "    password:\n"
        "      secure: v1:BBBBcipher\n"
    )
    stack = engine.load_stack_file(path)
    config = stack.config
    assert config["aws:region"] == "eu-west-1"
    assert config["proj:plain"] == "hello"
    assert (config["proj:enabled"], config["proj:off"]) == ("true", "false")
    assert (config["proj:count"], config["proj:ratio"]) == ("3", "1.5")
    assert config["proj:date"] == "2024-01-31 00:00:00 +0000 UTC"
    assert json.loads(config["proj:tags"]) == {"team": "data", "size": 2}
    assert json.loads(config["proj:list"]) == ["a", 1, True]
    assert config["proj:password"] == engine._placeholder("proj:password")
    assert config["proj:password"].startswith("mock-secure-") and len(config["proj:password"]) == 28
    db = json.loads(config["proj:db"])
    assert db["host"] == "db" and db["password"].startswith("mock-secure-")
    assert stack.secret_keys == ["proj:password", "proj:db"]
    assert "v1:" not in json.dumps(config)


def test_config_dict_is_encoded_the_same_way():
    config, secrets = engine.encode_config(
        {"flag": True, "n": 7, "obj": {"b": 1, "a": [1, 2]}, "aws:region": "us-west-2", "s": {"secure": "x"}},
        "proj",
    )
    assert config == {"proj:flag": "true", "proj:n": "7", "proj:obj": '{"a":[1,2],"b":1}',
                      "aws:region": "us-west-2", "proj:s": engine._placeholder("proj:s")}
    assert secrets == ["proj:s"]


def test_project_and_stack_listing(make_project):
    project = make_project("other", stacks={"b": "config: {}\n", "a": "config:\n  fixture:marker: m\n"})
    assert engine.load_project(project)["stackConfigDir"] == "stacks"
    assert engine.list_stacks(project) == ["a", "b"]
    assert engine.stack_file_path(project, "a") == project / "stacks" / "Pulumi.a.yaml"
    assert engine.plain(engine.preview(project, "a", program=project / "__main__.py").outputs)["marker"] == "m"


def test_project_config_defaults_apply_below_stack_values(make_project):
    project = make_project("other", stacks={"dev": "config:\n  fixture:length: 4\n"})
    with (project / "Pulumi.yaml").open("a") as handle:
        handle.write("config:\n  marker:\n    type: string\n    default: from-project\n  length: 9\n")
    result = engine.preview(project, "dev")
    assert engine.plain(result.outputs)["marker"] == "from-project"
    assert result.get("other").inputs["length"] == 4


def test_rpcs_run_inline_on_the_loop_and_deliver_their_errors():
    from omsecrets.engine import runner

    loop = runner._new_loop()
    try:
        done = loop.run_in_executor(None, lambda a, b: a + b, 2, 3)
        assert done.done() and loop.run_until_complete(done) == 5
        failed = loop.run_in_executor(None, lambda: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            loop.run_until_complete(failed)
        with pytest.raises(KeyboardInterrupt):  # not swallowed into a future

            def interrupted():
                raise KeyboardInterrupt

            loop.run_in_executor(None, interrupted)
    finally:
        runner._close_loop(loop)
