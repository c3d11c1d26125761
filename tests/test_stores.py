"""Secret stores through the real program: what each provider's store declares, and what it refuses.

Every stack here is previewed by the offline engine running ``__main__.py`` (``omsecrets preview``);
expected ids come from ``components.conventions.secret_id`` and from literal ids written from
OM's ``buildSecretId`` (reference/openmetadata.md), and are compared with the resources and with
the exported ``secretReferences``.
"""

from __future__ import annotations

import json

import pytest

from omsecrets import engine
from omsecrets.components import conventions, core
from omsecrets.components.conventions import ConventionError
from omsecrets.components.settings import KEY_COPIES, ConfigError
from tests.support.previews import planted_keys, stack_config, stack_file

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
PARAMETER = "aws:ssm/parameter:Parameter"
K8S_SECRET = "kubernetes:core/v1:Secret"
STORE_TYPES = {
    "aws": "om-secrets:stores:AwsSecretsManagerStore",
    "aws-ssm": "om-secrets:stores:AwsSsmParameterStore",
    "kubernetes": "om-secrets:stores:KubernetesSecretStore",
}

#: One fixture stack per provider (tests/fixtures/stacks/Pulumi.<provider>.yaml).
PROVIDER_STACKS = ("managed-aws", "aws", "managed-aws-ssm", "aws-ssm", "kubernetes", "db")
STORE_STACKS = tuple(s for s in PROVIDER_STACKS if s != "db")
#: The shipped stacks (stacks/Pulumi.<stack>.yaml) also go through every store check.
SHIPPED_STACKS = ("dev", "staging", "prod", "local")
ALL_STORE_STACKS = STORE_STACKS + SHIPPED_STACKS


# ----------------------------------------------------------------------------------- helpers


def logical_parts(stack: str) -> dict[str, tuple[str, ...]]:
    """Every logical secret the stack seeds: the two Fernet rings, the JWT pair (unless disabled) plus ``secrets``."""
    parts = {"fernet-openmetadata": ("fernet", "openmetadata"), "fernet-airflow": ("fernet", "airflow")}
    if stack_config(stack).get("jwt", {}).get("enabled", True):
        parts["jwt-openmetadata"] = ("jwt", "openmetadata")
    for s in stack_config(stack).get("secrets", []):
        parts[s.get("name", s["path"])] = tuple(s["path"].split("/"))
    return parts


def expected_ids(stack: str) -> dict[str, str]:
    cfg = stack_config(stack)
    return {
        name: conventions.secret_id(
            cfg["provider"], parts, prefix=cfg.get("prefix", ""), cluster_name=cfg.get("clusterName", "openmetadata")
        )
        for name, parts in logical_parts(stack).items()
    }


def family(stack: str) -> str:
    return stack_config(stack)["provider"].removeprefix("managed-")


def environment(stack: str) -> str:
    return stack_config(stack).get("environment", stack)


def is_production(stack: str) -> bool:
    cfg = stack_config(stack)
    return cfg.get("production", environment(stack) in ("prod", "production"))


def store_of(result: engine.PreviewResult) -> engine.CapturedResource:
    stores = [r for r in result.resources if r.type.startswith("om-secrets:stores:")]
    assert len(stores) == 1, [r.urn for r in stores]
    return stores[0]


def store_children(result: engine.PreviewResult, type_: str) -> dict[str, engine.CapturedResource]:
    """``{logical name: resource}`` of the store's children of ``type_``. Kubernetes: a key copy is
    the Secret in the keys namespace (``keys-<name>``); the vacated Fernet ones are in :func:`vacated`."""
    store = store_of(result)
    prefix = f"{store.name}-"
    out = {}
    for r in result.children(store.urn):
        name = r.name[len(prefix):]
        if r.type != type_ or (type_ == K8S_SECRET and name.startswith("fernet-")):
            continue
        out[name.removeprefix("keys-") if type_ == K8S_SECRET else name] = r
    return out


def vacated(result: engine.PreviewResult) -> dict[str, engine.CapturedResource]:
    """Kubernetes: the store-namespace Secrets that held the Fernet copies before they moved."""
    store = store_of(result)
    prefix = f"{store.name}-"
    return {r.name[len(prefix):]: r for r in result.children(store.urn)
            if r.type == K8S_SECRET and r.name[len(prefix):].startswith("fernet-")}


def value_resources(result: engine.PreviewResult, stack: str) -> dict[str, tuple[engine.CapturedResource, str]]:
    """``{logical name: (resource holding the value, name of its value input)}``."""
    fam = family(stack)
    if fam == "aws":
        return {n: (r, "secretString") for n, r in store_children(result, VERSION).items()}
    if fam == "aws-ssm":
        return {n: (r, "value") for n, r in store_children(result, PARAMETER).items()}
    return {n: (r, "stringData") for n, r in store_children(result, K8S_SECRET).items()}


def declared_values(result: engine.PreviewResult, stack: str) -> dict[str, str]:
    """The plaintext value each store resource was given (``--show-secrets``)."""
    out = {}
    for name, (resource, key) in value_resources(result, stack).items():
        value = resource.plain_inputs[key]
        out[name] = value["value"] if key == "stringData" else value
    return out


def physical_names(result: engine.PreviewResult, stack: str) -> dict[str, str]:
    fam = family(stack)
    if fam == "aws":
        return {n: r.inputs["name"] for n, r in store_children(result, SECRET).items()}
    if fam == "aws-ssm":
        return {n: r.inputs["name"] for n, r in store_children(result, PARAMETER).items()}
    return {n: r.inputs["metadata"]["name"] for n, r in store_children(result, K8S_SECRET).items()}


def references(result: engine.PreviewResult) -> dict[str, str]:
    """Every seeded secret's reference: those the apps may use and the key copies (exported apart)."""
    outputs = engine.plain(result.outputs)
    return {**outputs["secretReferences"], **outputs["keyCopyReferences"]}


def tag_resources(result: engine.PreviewResult, stack: str) -> dict[str, engine.CapturedResource]:
    fam = family(stack)
    return store_children(result, {"aws": SECRET, "aws-ssm": PARAMETER, "kubernetes": K8S_SECRET}[fam])


@pytest.fixture
def registrations(monkeypatch):
    """Types of every resource registration during the test (to prove nothing was declared)."""
    seen: list[str] = []
    original = engine.CapturingMonitor.RegisterResource

    def record(self, request):
        seen.append(request.type)
        return original(self, request)

    monkeypatch.setattr(engine.CapturingMonitor, "RegisterResource", record)
    return seen


# ----------------------------------------------------------------------------- resource types


@pytest.mark.parametrize("stack", ALL_STORE_STACKS)
def test_each_logical_secret_is_one_store_resource_of_the_providers_type(stack, previewed):
    result = previewed(stack)
    names = set(logical_parts(stack))
    fam = family(stack)
    store = store_of(result)
    assert store.type == STORE_TYPES[fam]
    child_types = sorted({r.type for r in result.children(store.urn)})
    if fam == "aws":
        assert child_types == [SECRET, VERSION]
        assert set(store_children(result, SECRET)) == set(store_children(result, VERSION)) == names
        for name, version in store_children(result, VERSION).items():
            secret = store_children(result, SECRET)[name]
            assert version.inputs["secretId"] == secret.id  # the version belongs to its own secret
    elif fam == "aws-ssm":
        assert child_types == [PARAMETER]
        params = store_children(result, PARAMETER)
        assert set(params) == names
        for param in params.values():
            assert param.inputs["type"] == "SecureString"
    else:
        assert child_types == [K8S_SECRET]
        secrets = store_children(result, K8S_SECRET)
        assert set(secrets) == names
        namespace = stack_config(stack).get("kubernetes", {}).get("namespace", "openmetadata")
        keys = stack_config(stack).get("kubernetes", {}).get("keysNamespace", f"{namespace}-keys")
        for name, secret in secrets.items():
            assert secret.inputs["type"] == "Opaque"
            assert secret.inputs["metadata"]["namespace"] == (keys if name in KEY_COPIES else namespace)
            assert set(secret.plain_inputs["stringData"]) == {"value"}  # OM reads data["value"]
        # the Secrets that held the copies before stay where they were (nothing deleted or replaced), emptied
        old = vacated(result)
        assert set(old) == {"fernet-openmetadata", "fernet-airflow"}
        for name, secret in old.items():
            assert secret.inputs["metadata"] == {**secrets[name].inputs["metadata"], "namespace": namespace}
            assert secret.plain_inputs["stringData"]["value"] == core.VACATED_KEY_COPY.format(
                namespace=keys, name=secrets[name].inputs["metadata"]["name"])
            assert secret.options["protect"] and secret.options["retainOnDelete"]
    # No other store-like resource anywhere in the stack.
    others = [r for r in result.resources if r.type in (SECRET, VERSION, PARAMETER) and r.parent != store.urn]
    assert others == []


def test_db_provider_declares_no_store_and_exports_no_references(previewed):
    result = previewed("db")
    assert [r for r in result.resources if r.type.startswith("om-secrets:stores:")] == []
    assert result.by_type(SECRET) == result.by_type(VERSION) == result.by_type(PARAMETER) == []
    # Only the delivered Secrets (Fernet rings for the apps, the server's JWT keys), none in a store.
    k8s_secrets = result.by_type(K8S_SECRET)
    assert sorted(r.inputs["metadata"]["name"] for r in k8s_secrets) == [
        "airflow-secrets", "openmetadata-jwt-keys", "openmetadata-secrets"]
    assert all("AppConfigDelivery" in r.parent for r in k8s_secrets)
    assert references(result) == {}


@pytest.mark.parametrize("stack", ["managed-aws-ssm", "aws-ssm", "staging"])
def test_ssm_tier_fits_the_value(stack, previewed):
    result = previewed(stack)
    values = declared_values(result, stack)
    for name, param in store_children(result, PARAMETER).items():
        assert param.inputs["tier"] == ("Advanced" if len(values[name].encode()) > 4096 else "Standard")
        assert not param.secret_input("tier")  # the tier is not a secret, only the value


def test_ssm_value_over_4kb_gets_the_advanced_tier(preview_stack):
    big = "x" * 5000
    result = preview_stack("managed-aws-ssm", config_file=stack_file("managed-aws-ssm"),
                           config={"bigqueryKey": big}, secret_keys=("bigqueryKey",))
    params = store_children(result, PARAMETER)
    assert params["service-account-json"].inputs["tier"] == "Advanced"
    assert params["snowflake-password"].inputs["tier"] == "Standard"
    assert big not in json.dumps(result.to_document())


# ------------------------------------------------------------------------------------- names

#: Ids written by hand from OM's buildSecretId (reference/openmetadata.md), independent of conventions.py.
LITERAL_IDS = {
    "managed-aws": {
        "fernet-openmetadata": "/team/openmetadata/fernet/openmetadata",
        "mysql-password": "/team/openmetadata/database/mysql-main/password",
    },
    "aws": {
        "fernet-airflow": "/om-main/fernet/airflow",
        "ingestion-bot-token": "/om-main/bot/ingestion-bot/config/jwttoken",
    },
    "managed-aws-ssm": {
        "service-account-json": "/platform/openmetadata/database/bigquery-main/credentials/gcpconfig/privatekey",
    },
    "aws-ssm": {"pipeline/nightly/password": "/openmetadata/pipeline/nightly/password"},
    "kubernetes": {
        "fernet-airflow": "teamopenmetadata-fernet-airflow",  # prefix and cluster glued, as OM's code does
        "airflow-db-password": "teamopenmetadata-pipeline-airflow-metadata-password",
    },
    "dev": {"mysql-password": "openmetadata-database-mysql-dev-password"},
    "prod": {"warehouse-password": "/prod/openmetadata/database/warehouse/password"},
}


@pytest.mark.parametrize("stack", ALL_STORE_STACKS)
def test_names_equal_om_ids_and_exported_references(stack, previewed):
    result = previewed(stack)
    ids = expected_ids(stack)
    assert physical_names(result, stack) == ids
    refs = references(result)
    assert set(refs) == set(ids)
    exported = engine.plain(result.outputs)
    assert set(exported["keyCopyReferences"]) == set(ids) & set(KEY_COPIES)  # never in what apps are told to use
    assert not set(exported["secretReferences"]) & set(KEY_COPIES)
    for name, ref in refs.items():
        assert ref.startswith("secret:")
        assert ref.removeprefix("secret:") == ids[name] == conventions.parse_reference(ref)
    for name, literal in LITERAL_IDS.get(stack, {}).items():
        assert ids[name] == literal


@pytest.mark.parametrize("stack", ALL_STORE_STACKS)
def test_store_component_records_provider_prefix_and_cluster(stack, previewed):
    store = store_of(previewed(stack))
    cfg = stack_config(stack)
    assert store.inputs["provider"] == cfg["provider"]
    assert store.inputs["prefix"] == cfg.get("prefix", "")
    assert store.inputs["clusterName"] == cfg.get("clusterName", "openmetadata")
    assert engine.plain(store.outputs)["references"] == references(previewed(stack))


# ------------------------------------------------------------------------ tags, labels, description


@pytest.mark.parametrize("stack", ALL_STORE_STACKS)
def test_tags_and_labels(stack, previewed):
    result = previewed(stack)
    stack_tags = {k: str(v) for k, v in (stack_config(stack).get("tags") or {}).items()}
    assert stack_tags, "every fixture stack sets tags"
    for _name, resource in tag_resources(result, stack).items():
        if family(stack) == "kubernetes":
            labels = resource.inputs["metadata"]["labels"]
            assert labels == {**stack_tags, "app": "openmetadata", "managed-by": "openmetadata-secrets-manager"}
        else:
            assert resource.inputs["tags"] == {**stack_tags, "managed-by": "om-secrets"}


@pytest.mark.parametrize("stack", [s for s in ALL_STORE_STACKS if family(s) != "kubernetes"])
def test_aws_description_names_cluster_and_logical_secret(stack, previewed):
    cluster = stack_config(stack).get("clusterName", "openmetadata")
    for name, resource in tag_resources(previewed(stack), stack).items():
        assert resource.inputs["description"] == f"Seeded by om-secrets for OpenMetadata cluster {cluster}: {name}"


# ------------------------------------------------------------------------- KMS, recovery, replicas


@pytest.mark.parametrize("stack", [s for s in ALL_STORE_STACKS if family(s) != "kubernetes"])
def test_kms_key_is_wired_when_created_or_given(stack, previewed):
    result = previewed(stack)
    kms = stack_config(stack).get("aws", {}).get("kms", {})
    replicas = stack_config(stack).get("aws", {}).get("replicaRegions", [])
    keys = [k for k in result.by_type("aws:kms/key:Key") if not k.name.endswith(tuple(replicas) or ("-",))]
    if kms.get("create"):
        assert len(keys) == 1
        expected = keys[0].state["arn"]
        assert engine.plain(result.outputs)["kmsKeyArn"] == expected
    else:
        assert keys == []
        expected = kms.get("keyArn")
    field = "kmsKeyId" if family(stack) == "aws" else "keyId"
    for name, resource in tag_resources(result, stack).items():
        assert resource.inputs.get(field) == expected, name


@pytest.mark.parametrize("stack", [s for s in ALL_STORE_STACKS if family(s) == "aws"])
def test_replicas_are_encrypted_with_a_customer_managed_key_when_one_is_configured(stack, previewed):
    result = previewed(stack)
    cfg = stack_config(stack).get("aws", {})
    kms, regions = cfg.get("kms", {}), cfg.get("replicaRegions", [])
    created = {k.name.rsplit("-kms-", 1)[-1]: k.state["arn"] for k in result.by_type("aws:kms/key:Key") if "-kms-" in k.name}
    for name, secret in store_children(result, SECRET).items():
        replicas = {r["region"]: r.get("kmsKeyId") for r in secret.inputs.get("replicas") or []}
        assert set(replicas) == set(regions), name
        for region, key in replicas.items():
            if not (kms.get("create") or kms.get("keyArn")):
                assert key is None
            else:  # the given key of that region, or the one om-secrets created there: never the AWS-managed key
                assert key == kms.get("replicaKeyArns", {}).get(region, created.get(region)) and f":kms:{region}:" in key, name
    if kms.get("create") and regions:
        assert set(created) == set(regions)


@pytest.mark.parametrize("stack", [s for s in ALL_STORE_STACKS if family(s) == "aws"])
def test_recovery_window_defaults_to_30_in_production_else_7(stack, previewed):
    result = previewed(stack)
    configured = stack_config(stack).get("aws", {}).get("recoveryWindowInDays")
    expected = configured or (30 if is_production(stack) else 7)
    assert store_of(result).inputs["recoveryWindowInDays"] == expected
    for resource in store_children(result, SECRET).values():
        assert resource.inputs["recoveryWindowInDays"] == expected


def test_recovery_window_default_follows_production_flag(previewed, preview_stack):
    # The aws fixture is production without an explicit window; the same stack made non-production gets 7.
    assert "recoveryWindowInDays" not in stack_config("aws")["aws"]
    assert store_of(previewed("aws")).inputs["recoveryWindowInDays"] == 30
    staging_like = preview_stack("aws", config_file=stack_file("aws"), config={"production": False, **planted_keys("aws")},
                                 secret_keys=tuple(planted_keys("aws")))
    assert {r.inputs["recoveryWindowInDays"] for r in store_children(staging_like, SECRET).values()} == {7}


@pytest.mark.parametrize("stack", [s for s in ALL_STORE_STACKS if family(s) == "aws"])
def test_replicas(stack, previewed):
    regions = stack_config(stack).get("aws", {}).get("replicaRegions") or []
    for resource in store_children(previewed(stack), SECRET).values():
        assert [r["region"] for r in resource.inputs.get("replicas", [])] == regions


# ------------------------------------------------------------------------------------ secretness


SECRET_OUTPUTS = {"aws": ["secretString"], "aws-ssm": ["value"], "kubernetes": ["data", "stringData"]}


@pytest.mark.parametrize("stack", ALL_STORE_STACKS)
def test_store_values_are_secrets_in_inputs_and_outputs(stack, previewed):
    result = previewed(stack)
    values = value_resources(result, stack)
    assert set(values) == set(logical_parts(stack))
    for name, (resource, key) in values.items():
        assert engine.is_secret(resource.inputs[key]), (name, key)
        for output in SECRET_OUTPUTS[family(stack)]:
            assert output in resource.options["additionalSecretOutputs"], (name, output)
    # Nothing else on the store's resources is secret: names, tags and ids stay readable.
    for resource in tag_resources(result, stack).values():
        readable = {k for k in resource.inputs if k not in ("secretString", "value", "stringData")}
        assert not any(resource.secret_input(k) for k in readable)


@pytest.mark.parametrize("stack", ALL_STORE_STACKS)
def test_no_store_value_appears_in_the_preview_document(stack, previewed):
    result = previewed(stack)
    values = declared_values(result, stack)
    for key, planted in planted_keys(stack).items():
        assert planted in values.values(), f"{key} was not seeded"
    document = json.dumps(result.to_document())
    outputs = json.dumps(engine.plain(result.outputs, show_secrets=True))
    as_json = {name: json.dumps(value)[1:-1] for name, value in values.items()}  # how a dump spells it
    for name, value in as_json.items():
        assert value and value != engine.SECRET_TEXT
        assert value not in document, name
        assert value not in outputs, name
    # and --show-secrets does show them (the check above is not vacuous)
    shown = json.dumps(result.to_document(show_secrets=True))
    assert all(value in shown for value in as_json.values())


# ---------------------------------------------------------------------- protect, retain, ignore


@pytest.mark.parametrize("stack", ALL_STORE_STACKS)
def test_key_material_is_protected_in_every_environment(stack, previewed):
    result = previewed(stack)
    fam = family(stack)
    types = {"aws": (SECRET, VERSION), "aws-ssm": (PARAMETER,), "kubernetes": (K8S_SECRET,)}[fam]
    for type_ in types:
        for name, resource in store_children(result, type_).items():
            key_material = name in KEY_COPIES
            if type_ == VERSION:  # a new value replaces a version: never protected (a rotation would stop), always kept
                assert (resource.options["protect"], resource.options["retainOnDelete"]) == (False, True), name
                continue
            assert resource.options["protect"] is key_material, (name, type_)
            retain = fam == "kubernetes" and key_material
            assert resource.options["retainOnDelete"] is retain, (name, type_)


def test_production_fixtures_really_protect_something(previewed):
    for stack in ("aws", "kubernetes", "prod"):
        assert is_production(stack)
        resources = [resource for resource, _ in value_resources(previewed(stack), stack).values()]
        holders = [r for r in store_children(previewed(stack), SECRET).values()] if family(stack) == "aws" else resources
        assert any(r.options["protect"] for r in holders)
    k8s = store_children(previewed("kubernetes"), K8S_SECRET)
    assert k8s["fernet-airflow"].options["retainOnDelete"] is True
    assert k8s["mysql-password"].options["retainOnDelete"] is False


IGNORED = {"aws": ["secretString"], "aws-ssm": ["value"], "kubernetes": ["data", "stringData"]}


@pytest.mark.parametrize("stack", ALL_STORE_STACKS)
def test_server_owned_values_are_left_to_the_server_in_managed_providers(stack, previewed):
    result = previewed(stack)
    managed = stack_config(stack)["provider"] in conventions.MANAGED_PROVIDERS
    fam = family(stack)
    for name, (resource, _) in value_resources(result, stack).items():
        server_owned = managed and name not in KEY_COPIES  # OM never writes a key copy
        assert resource.options["ignoreChanges"] == (IGNORED[fam] if server_owned else []), name
    if fam == "aws":  # the secret itself (name, tags, KMS) stays under om-secrets' control
        assert all(r.options["ignoreChanges"] == [] for r in store_children(result, SECRET).values())


# ------------------------------------------------------------------------------------ bad inputs


def aws_config(**extra):
    return {
        "provider": "aws",
        "aws": {"region": "eu-west-1", "identity": {"mode": "access-key"}},
        **extra,
    }


def k8s_config(**extra):
    return {"provider": "kubernetes", **extra}


def ssm_config(**extra):
    return {**aws_config(**extra), "provider": "aws-ssm"}


BAD_INPUTS = {
    "aws-collision": (
        aws_config(secrets=[{"name": "orders-db", "path": "database/orders.db/password"},
                            {"name": "orders_db", "path": "database/orders_db/password"}]),
        ["'orders-db'", "'orders_db'", "/openmetadata/database/orders_db/password"],
    ),
    "k8s-collision": (
        k8s_config(secrets=[{"name": "orders-db", "path": "database/orders.db/password"},
                            {"name": "orders_db", "path": "database/orders_db/password"}]),
        ["'orders-db'", "'orders_db'", "openmetadata-database-orders-db-password"],
    ),
    "collision-with-fernet-ring": (
        aws_config(secrets=[{"name": "my-ring", "path": "Fernet/Airflow"}]),
        ["'fernet-airflow'", "'my-ring'", "/openmetadata/fernet/airflow"],
    ),
    "aws-id-too-long": (
        aws_config(secrets=[{"name": "long", "path": "database/" + "a" * 520 + "/password"}]),
        ["'long'", "512"],
    ),
    "ssm-too-many-levels": (
        ssm_config(secrets=[{"name": "deep", "path": "/".join(["database"] + [f"l{i}" for i in range(14)])}]),
        ["'deep'", "15"],
    ),
    "ssm-id-too-long": (
        ssm_config(secrets=[{"name": "long", "path": "database/" + "a" * 950 + "/password"}]),
        ["'long'", str(conventions.rules_for("aws-ssm").max_length)],
    ),
    "k8s-id-too-long": (
        k8s_config(secrets=[{"name": "long", "path": "database/" + "a" * 250 + "/password"}]),
        ["'long'", "253"],
    ),
    "user-secret-named-like-a-fernet-ring": (
        k8s_config(secrets=[{"name": "fernet-airflow", "path": "database/x/password"}]),
        ["'fernet-airflow'", "reserved"],
    ),
    "kms-key-given-by-alias": (
        {**ssm_config(), "aws": {"region": "eu-west-1", "identity": {"mode": "access-key"},
                                 "kms": {"keyArn": "arn:aws:kms:eu-west-1:123456789012:alias/om"}}},
        ["om-secrets:aws.kms.keyArn", "alias ARN", "key/<key-id>"],
    ),
    "aws-tag-value-with-colon": (aws_config(tags={"owner": "team:data"}), ["owner", "':'"]),
    "aws-reserved-tag-key": (aws_config(tags={"aws:owner": "data"}), ["aws:owner", "reserved"]),
    "aws-invalid-tag-value": (aws_config(tags={"owner": "data#1"}), ["owner", "not a valid AWS tag value"]),
    "k8s-invalid-label-value": (k8s_config(tags={"owner": "data platform"}), ["owner", "label value"]),
    "k8s-invalid-label-key": (k8s_config(tags={"-owner": "data"}), ["-owner", "label key"]),
    "managed-by-tag": (aws_config(tags={"managed-by": "me"}), ["managed-by"]),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_stops_the_preview_before_any_resource(case, registrations, preview_config):
    config, fragments = BAD_INPUTS[case]
    with pytest.raises(ConfigError) as info:
        preview_config(config)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert "om-secrets:" in message  # names the config key
    assert set(registrations) <= {engine.STACK_TYPE}, registrations


def test_the_same_tags_are_valid_for_one_provider_and_not_the_other(preview_config):
    # A prefixed label key of 140 characters: a valid Kubernetes label, over AWS's 128 for a tag key.
    long_key = {f"{'a' * 60}.{'b' * 60}.example.com/owner": "data"}
    secret = store_children(preview_config(k8s_config(tags=long_key)), K8S_SECRET)["fernet-airflow"]
    assert secret.inputs["metadata"]["labels"][next(iter(long_key))] == "data"
    with pytest.raises(ConfigError, match="not a valid AWS tag key"):
        preview_config(aws_config(tags=long_key))
    # A space: fine as an AWS tag value, not as a label value.
    space = {"owner": "data platform"}
    secret = store_children(preview_config(aws_config(tags=space)), SECRET)["fernet-airflow"]
    assert secret.inputs["tags"]["owner"] == "data platform"
    with pytest.raises(ConfigError):
        preview_config(k8s_config(tags=space))


# -------------------------------------------------------------------------- components directly


@pytest.fixture
def run_direct(preview_config, fixture_program):
    """``run_direct(provider, scenario)``: tests/fixtures/programs/stores_direct.py, no settings involved."""

    def run(provider: str, scenario: str) -> engine.PreviewResult:
        return preview_config({"fixture:provider": provider, "fixture:scenario": scenario}, stack="direct",
                              program=fixture_program("stores_direct"))

    return run


@pytest.mark.parametrize("provider", ["aws", "managed-aws-ssm", "kubernetes"])
def test_seeding_two_secrets_onto_one_id_names_both(provider, registrations, run_direct):
    with pytest.raises(ConventionError) as info:
        run_direct(provider, "twice")
    message = str(info.value)
    assert "'first-db'" in message and "'second-db'" in message and "'direct'" in message
    expected = conventions.secret_id(provider, ["database", "my.db", "password"])
    assert repr(expected) in message
    # the first secret was declared, the second never was
    value_types = [t for t in registrations if t in (VERSION, PARAMETER, K8S_SECRET)]
    assert len(value_types) == 1


@pytest.mark.parametrize("provider", ["aws", "kubernetes"])
def test_seeding_one_logical_name_twice_is_refused(provider, registrations, run_direct):
    # Two resources would share one URN and the exported reference would silently change.
    with pytest.raises(ConventionError, match="'orders' is seeded twice in store 'direct'"):
        run_direct(provider, "same-name")
    assert len([t for t in registrations if t in (VERSION, PARAMETER, K8S_SECRET)]) == 1


@pytest.mark.parametrize("provider", ["managed-aws", "aws-ssm", "kubernetes"])
def test_immutable_server_owned_secret_is_refused(provider, registrations, run_direct):
    with pytest.raises(ValueError, match="server-owned secret cannot be immutable") as info:
        run_direct(provider, "immutable-server-owned")
    assert "'mysql'" in str(info.value)
    assert not [t for t in registrations if t in (SECRET, VERSION, PARAMETER, K8S_SECRET)]


def test_immutable_kubernetes_secret_is_marked_immutable(run_direct):
    result = run_direct("kubernetes", "immutable")
    (secret,) = result.by_type(K8S_SECRET)
    assert secret.inputs["immutable"] is True
    assert secret.inputs["metadata"]["name"] == "openmetadata-database-mysql-password"
    assert engine.plain(result.outputs)["references"] == {"mysql": "secret:openmetadata-database-mysql-password"}


@pytest.mark.parametrize("provider", ["aws", "aws-ssm", "kubernetes"])
def test_store_refuses_tags_the_provider_would_reject(provider, registrations, run_direct):
    with pytest.raises(ConventionError, match="store 'direct'"):
        run_direct(provider, "bad-tag")
    assert set(registrations) <= {engine.STACK_TYPE}
