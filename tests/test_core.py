"""components.core: the one vocabulary, and a guard that fails when a second definition appears."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omsecrets.components import conventions, core, settings
from omsecrets.policies.rule import production_from_env

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("components", "policies", "omsecrets", "__main__.py", "examples")
CORE = REPO / "components" / "core.py"

#: Vocabulary tuples: a literal tuple, list or set elsewhere holding two or more of their members is a copy.
VOCABULARY = {
    "providers": core.PROVIDERS,
    "apps": core.APPS,
    "identities": core.IDENTITIES,
    "identity modes": core.IDENTITY_MODES,
    "loaders": core.LOADERS,
    "production names": core.PRODUCTION_NAMES,
    "placeholders": core.PLACEHOLDERS,
}
#: Strings only core may spell.
SINGLE_STRINGS = {
    core.SECRET_PLACEHOLDER: "the secret placeholder",
    core.UNKNOWN_PLACEHOLDER: "the unknown placeholder",
    core.MANAGED_BY_LABEL: "the managed-by label",
    core.OM_K8S_LABELS["managed-by"]: "OM's Kubernetes labels",
    core.IDENTITY_TAG: "the identity tag",
}
TYPE_TOKEN = re.compile(r"om-secrets:[a-z]+:[A-Z][A-Za-z]+")
#: Functions defined in core only.
CORE_FUNCTIONS = {"find_config_error", "production_from_config", "is_production_name", "type_token",
                  "parse_bool"}


def second_definitions(path: Path, text: str) -> list[str]:
    """Where ``text`` (the source of ``path``) redefines part of core's vocabulary."""
    out = []
    tree = ast.parse(text, filename=str(path))
    for node in ast.walk(tree):
        where = f"{path.relative_to(REPO) if path.is_absolute() else path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            values = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            for what, members in VOCABULARY.items():
                if len(values & set(members)) >= 2:
                    out.append(f"{where}: a second list of {what}: {sorted(values & set(members))}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in SINGLE_STRINGS:
                out.append(f"{where}: {SINGLE_STRINGS[node.value]} {node.value!r} spelled again")
            elif TYPE_TOKEN.fullmatch(node.value):
                out.append(f"{where}: type token {node.value!r} spelled again (use core.type_token constants)")
        elif isinstance(node, ast.Compare):
            texts = [c.value for c in [node.left, *node.comparators] if isinstance(c, ast.Constant)]
            if any(t in core.PRODUCTION_NAMES for t in texts):
                out.append(f"{where}: production decided again (use core.is_production_name)")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in CORE_FUNCTIONS:
            out.append(f"{where}: {node.name}() defined again")
    return out


def source_files():
    for name in SOURCES:
        root = REPO / name
        files = [root] if root.is_file() else sorted(root.rglob("*.py")) if root.exists() else []
        for path in files:
            if path != CORE and ".venv" not in path.parts:
                yield path


def test_no_second_definition_of_the_vocabulary():
    problems = [p for path in source_files() for p in second_definitions(path, path.read_text())]
    assert problems == []


@pytest.mark.parametrize("snippet, found", [
    ('PROVIDERS = ("aws", "aws-ssm")', "a second list of providers"),
    ('modes = ["irsa", "access-key"]', "a second list of identity modes"),
    ('apps = {"openmetadata", "airflow"}', "a second list of apps"),
    ('who = ("server", "ingestion")', "a second list of identities"),
    ('TEXT = "[secret]"', "the secret placeholder"),
    ('T = "om-secrets:index:OpenMetadataSecrets"', "type token"),
    ('prod = stack.lower() in ("prod", "production")', "a second list of production names"),
    ('prod = stack == "prod"', "production decided again"),
    ('def find_config_error(exc):\n    return None', "find_config_error() defined again"),
    ('labels = {"app.kubernetes.io/managed-by": "om-secrets"}', "the managed-by label"),
])
def test_the_guard_finds_a_planted_second_definition(snippet, found):
    problems = second_definitions(Path("planted.py"), snippet)
    assert any(found in p for p in problems), problems


def test_the_guard_ignores_single_mentions():
    assert second_definitions(Path("ok.py"), 'x = core.PROVIDERS\nif p == "aws":\n    y = ("aws", "eu-west-1")\n') == []


# ---------------------------------------------------------------- registry


def test_registry_derived_lists():
    assert core.PROVIDERS[0] == core.DB
    assert core.STORE_PROVIDERS == tuple(p for p in core.PROVIDERS if p != core.DB)
    assert set(core.AWS_PROVIDERS) == {"aws", "managed-aws", "aws-ssm", "managed-aws-ssm"}
    assert set(core.MANAGED_PROVIDERS) == {"managed-aws", "managed-aws-ssm", "managed-azure-kv", "gcp", "kubernetes"}
    # Azure and GCP ids are computed; their stores are not declared yet, so settings refuse them.
    assert set(core.SUPPORTED_PROVIDERS) == {"db", *core.AWS_PROVIDERS, "kubernetes"}
    for name in ("azure-kv", "managed-azure-kv", "gcp"):
        assert not core.provider(name).store_declared
        assert conventions.rules_for(name) is core.provider(name).ids


@pytest.mark.parametrize("name, family", [
    ("db", "db"), ("aws", "aws-sm"), ("managed-aws", "aws-sm"), ("aws-ssm", "aws-ssm"),
    ("managed-aws-ssm", "aws-ssm"), ("kubernetes", "kubernetes"), ("azure-kv", "azure"),
    ("managed-azure-kv", "azure"), ("gcp", "gcp"),
])
def test_provider_families(name, family):
    assert core.provider(name).family == family
    assert name in core.providers_in(family)


def test_unknown_provider_names_the_allowed_values():
    with pytest.raises(KeyError, match="allowed: db, aws"):
        core.provider("vault")
    with pytest.raises(KeyError):
        core.provider(["aws"])  # unhashable input is an unknown provider, not a TypeError


def test_settings_and_conventions_share_the_registry():
    assert settings.SUPPORTED_PROVIDERS is core.SUPPORTED_PROVIDERS
    assert conventions.PROVIDERS is core.PROVIDERS
    assert settings.STANDARD_LABELS is core.STANDARD_LABELS


def test_type_tokens_are_spelled_one_way():
    assert core.ENVIRONMENT_TYPE == "om-secrets:index:OpenMetadataSecrets"
    assert core.type_token("stores", "KubernetesSecretStore") == core.KUBERNETES_STORE_TYPE


# ---------------------------------------------------------------- production


@pytest.mark.parametrize("name, expected", [
    ("prod", True), ("Prod", True), ("PRODUCTION", True), (" prod ", True),
    ("production-eu", False), ("preprod", False), ("staging", False), ("", False), (None, False), (1, False),
])
def test_is_production_name(name, expected):
    assert core.is_production_name(name) is expected


@pytest.mark.parametrize("stack", ["Prod", "prod", "PRODUCTION", "staging", "dev"])
def test_settings_and_policy_pack_agree_on_production(stack):
    """A stack named ``Prod`` is production for settings and for the policy pack alike."""
    expected = settings.from_dict({}, stack=stack).production
    assert production_from_env({"PULUMI_STACK": stack, "PULUMI_CONFIG": "{}"}) is expected
    assert expected is (stack.lower() in ("prod", "production"))


@given(
    stack=st.text(max_size=12),
    environment=st.one_of(st.none(), st.sampled_from(["prod", "Prod", "staging", "PRODUCTION"])),
    explicit=st.one_of(st.none(), st.booleans(), st.sampled_from(["true", "False", "TRUE"])),
)
def test_production_from_config_matches_settings(stack, environment, explicit):
    config = {}
    data = {}
    if environment is not None:
        config["om-secrets:environment"] = environment
    if explicit is not None:
        config["om-secrets:production"] = explicit
        data["production"] = explicit
    decided = core.production_from_config(config, stack)
    env = environment or stack
    if explicit is None:
        assert decided is core.is_production_name(env)
    else:
        assert decided is (str(explicit).lower() == "true")
    assert production_from_env({"PULUMI_STACK": stack, "PULUMI_CONFIG": json.dumps(config)}) is decided


def test_find_config_error_follows_the_chain():
    inner = settings.ConfigError(["om-secrets:provider: bad"])
    try:
        try:
            raise inner
        except ValueError as exc:
            raise RuntimeError("program failed") from exc
    except RuntimeError as outer:
        assert core.find_config_error(outer) is inner
    assert core.find_config_error(RuntimeError("x")) is None
