"""Bootstrap secrets through the real program: generated passwords and ``fromConfig`` values.

Each ``om-secrets:secrets`` entry is either a state-held ``RandomPassword`` (``length`` and the
character classes) or a value taken from secret config (``fromConfig``); either way it is
seeded in the store under OM's id, exported as ``secret:<id>``, and never shown without
``--show-secrets``.
"""

from __future__ import annotations

import json
import string

import pytest

from omsecrets import engine
from omsecrets.components import conventions
from omsecrets.components.environment import STABLE_NAME
from omsecrets.components.settings import ConfigError
from tests.support.previews import PLANTED, stack_config

PASSWORD = "random:index/randomPassword:RandomPassword"
BOOTSTRAP = "om-secrets:bootstrap:BootstrapSecrets"
CLASSES = {
    "upper": set(string.ascii_uppercase),
    "lower": set(string.ascii_lowercase),
    "numeric": set(string.digits),
}
STACKS = ("managed-aws", "aws", "managed-aws-ssm", "aws-ssm", "kubernetes", "dev", "staging", "prod", "local")
PRODUCTION = {"aws", "kubernetes", "prod"}


def declared_secrets(stack: str) -> dict[str, dict]:
    return {s.get("name", s["path"]): s for s in stack_config(stack).get("secrets", [])}


@pytest.fixture
def preview_dict(preview_config):
    """``preview_dict(config, secret_config)``: a stack from plain dicts; ``secret_config`` is set as secrets."""

    def get(config: dict, secret_config: dict | None = None) -> engine.PreviewResult:
        secret_config = secret_config or {}
        return preview_config({**config, **secret_config}, secret_keys=list(secret_config))

    return get


def seeded_values(result: engine.PreviewResult) -> dict[str, tuple[engine.CapturedResource, str, str]]:
    """``{logical name: (value resource, value input key, plaintext value)}`` of the store."""
    (store,) = [r for r in result.resources if r.type.startswith("om-secrets:stores:")]
    out = {}
    for resource in result.children(store.urn):
        name = resource.name[len(store.name) + 1:]
        if resource.type == "aws:secretsmanager/secretVersion:SecretVersion":
            out[name] = (resource, "secretString", resource.plain_inputs["secretString"])
        elif resource.type == "aws:ssm/parameter:Parameter":
            out[name] = (resource, "value", resource.plain_inputs["value"])
        elif resource.type == "kubernetes:core/v1:Secret":
            out[name] = (resource, "stringData", resource.plain_inputs["stringData"]["value"])
    return out


def passwords(result: engine.PreviewResult) -> dict[str, engine.CapturedResource]:
    """The bootstrap secrets' RandomPasswords (not OM's server's Airflow password, components.airflow_secrets)."""
    prefix = f"{STABLE_NAME}-bootstrap-"
    return {r.name.removeprefix(prefix): r for r in result.by_type(PASSWORD) if r.name.startswith(prefix)}


def generated_value(resource: engine.CapturedResource) -> str:
    return engine.plain(resource.state, show_secrets=True)["result"]


# ----------------------------------------------------------------------------------- generated


@pytest.mark.parametrize("stack", STACKS)
def test_generated_secrets_are_random_passwords_as_configured(stack, previewed):
    result = previewed(stack)
    declared = declared_secrets(stack)
    generated = {n: s for n, s in declared.items() if "fromConfig" not in s}
    pws = passwords(result)
    assert set(pws) == set(generated)
    for name, spec in generated.items():
        resource = pws[name]
        assert resource.inputs == {
            "length": spec.get("length", 32),
            "special": spec.get("special", False),
            "upper": spec.get("upper", True),
            "lower": spec.get("lower", True),
            "numeric": spec.get("numeric", True),
        }
        assert "result" in resource.options["additionalSecretOutputs"]
        assert engine.is_secret(resource.state["result"])
        assert resource.options["protect"] is True  # in every environment by default
        assert "Bootstrap" in resource.parent


def test_character_classes_reach_the_generated_value(preview_dict):
    config = {
        "provider": "kubernetes",
        "secrets": [
            {"name": "no-digits", "path": "database/a/password", "length": 40, "numeric": False, "special": True},
            {"name": "digits-only", "path": "database/b/password", "length": 16, "upper": False, "lower": False},
        ],
    }
    result = preview_dict(config)
    pws = passwords(result)
    no_digits, digits_only = generated_value(pws["no-digits"]), generated_value(pws["digits-only"])
    assert len(no_digits) == 40 and not set(no_digits) & CLASSES["numeric"]
    assert set(no_digits) - CLASSES["upper"] - CLASSES["lower"], "special characters were asked for"
    assert len(digits_only) == 16 and set(digits_only) <= CLASSES["numeric"]
    assert pws["no-digits"].inputs["special"] is True and pws["digits-only"].inputs["upper"] is False
    seeded = seeded_values(result)
    assert seeded["no-digits"][2] == no_digits and seeded["digits-only"][2] == digits_only


@pytest.mark.parametrize("stack", STACKS)
def test_the_store_receives_the_generated_password(stack, previewed):
    result = previewed(stack)
    seeded = seeded_values(result)
    for name, resource in passwords(result).items():
        assert seeded[name][2] == generated_value(resource)
        assert seeded[name][0].secret_input(seeded[name][1])


# --------------------------------------------------------------------------------- fromConfig


@pytest.mark.parametrize("stack", [s for s in STACKS if any("fromConfig" in d for d in declared_secrets(s).values())])
def test_from_config_secrets_take_the_config_value_as_a_secret(stack, previewed):
    result = previewed(stack)
    seeded = seeded_values(result)
    for name, spec in declared_secrets(stack).items():
        if "fromConfig" not in spec:
            continue
        assert name not in passwords(result)  # nothing generated for it
        resource, key, value = seeded[name]
        assert value == PLANTED[spec["fromConfig"]]
        assert resource.secret_input(key)
        assert engine.plain(resource.inputs)[key] == engine.SECRET_TEXT


def test_from_config_value_must_be_set(preview_dict):
    config = {"provider": "aws-ssm", "aws": {"region": "eu-west-1", "identity": {"mode": "access-key"}},
              "secrets": [{"name": "bot", "path": "bot/ingestion-bot/config/jwttoken", "fromConfig": "botToken"}]}
    with pytest.raises(ConfigError, match=r"pulumi config set --secret om-secrets:botToken"):
        preview_dict(config)
    result = preview_dict(config, secret_config={"botToken": "PLANTED-direct-123456"})
    assert seeded_values(result)["bot"][2] == "PLANTED-direct-123456"


def test_from_config_conflicts_with_generator_options(preview_dict):
    config = {"provider": "kubernetes",
              "secrets": [{"name": "bot", "path": "bot/x/password", "fromConfig": "botToken", "length": 40}]}
    with pytest.raises(ConfigError, match="conflicts with generator options"):
        preview_dict(config, secret_config={"botToken": "x" * 20})


def test_bootstrap_secrets_need_a_store(preview_dict):
    with pytest.raises(ConfigError, match="provider 'db' has no secret store"):
        preview_dict({"provider": "db", "ingestion": {"loader": "noop"},
                        "secrets": [{"name": "a", "path": "database/a/password"}]})


# ------------------------------------------------------------------------- ids and exposure


@pytest.mark.parametrize("stack", STACKS)
def test_each_secret_is_seeded_under_its_om_id_and_exported(stack, previewed):
    result = previewed(stack)
    cfg = stack_config(stack)
    refs = engine.plain(result.outputs)["secretReferences"]
    seeded = seeded_values(result)
    for name, spec in declared_secrets(stack).items():
        sid = conventions.secret_id(cfg["provider"], spec["path"].split("/"), prefix=cfg.get("prefix", ""),
                                    cluster_name=cfg.get("clusterName", "openmetadata"))
        assert refs[name] == f"secret:{sid}"
        resource = seeded[name][0]
        physical = resource.inputs.get("name") or resource.inputs.get("metadata", {}).get("name")
        if physical is None:  # a SecretVersion: its secret carries the name
            physical = result.get(resource.name, type="aws:secretsmanager/secret:Secret").inputs["name"]
        assert physical == sid


@pytest.mark.parametrize("stack", STACKS)
def test_bootstrap_values_never_appear_without_show_secrets(stack, previewed):
    result = previewed(stack)
    values = [seeded_values(result)[name][2] for name in declared_secrets(stack)]
    values += [generated_value(r) for r in passwords(result).values()]
    document = json.dumps(result.to_document())
    outputs = json.dumps(engine.plain(result.outputs, show_secrets=True))
    for value in values:
        assert len(value) >= 16
        assert value not in document
        assert value not in outputs
    assert all(value in json.dumps(result.to_document(show_secrets=True)) for value in values)


def test_bootstrap_component_lists_names_only(previewed):
    result = previewed("prod")
    (component,) = result.by_type(BOOTSTRAP)
    assert component.inputs == {"names": ["warehouse-password", "snowflake-password"]}
    assert engine.plain(component.outputs) == {"names": ["snowflake-password", "warehouse-password"]}


def test_no_bootstrap_component_without_secrets(preview_dict):
    result = preview_dict({"provider": "kubernetes"})
    assert result.by_type(BOOTSTRAP) == [] and passwords(result) == {}
    outputs = engine.plain(result.outputs)
    assert outputs["secretReferences"] == {}  # the key copies are exported apart, for recovery only
    assert set(outputs["keyCopyReferences"]) == {"fernet-openmetadata", "fernet-airflow", "jwt-openmetadata"}
