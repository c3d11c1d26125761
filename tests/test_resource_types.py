"""components.resource_types: one entry for every provider resource type the project declares; dig and placement."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omsecrets import engine, lifecycle
from omsecrets.components import fernet
from omsecrets.components import resource_types as rt
from tests.support.previews import FIXTURE_STACKS, planted_keys, stack_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "custom_program"
IRSA = {"mode": "irsa", "oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB",
        "oidcIssuer": "oidc.eks.eu-west-1.amazonaws.com/id/AB"}
FERNET_KEY = fernet.generate_key()
#: Settings that declare resource types no shipped stack does (each mode of each provider family).
VARIANTS = {
    "pod-identity": {"provider": "aws-ssm", "aws": {"region": "eu-west-1",
                                                     "identity": {"mode": "pod-identity", "eksClusterName": "eks"}}},
    "access-key-managed": {"provider": "managed-aws", "aws": {"region": "eu-west-1", "identity": {"mode": "access-key"}}},
    "kms-replicas": {"provider": "managed-aws", "aws": {"region": "eu-west-1", "replicaRegions": ["eu-central-1"],
                                                       "kms": {"create": True}, "identity": IRSA}},
    "namespaces": {"provider": "kubernetes", "kubernetes": {"namespace": "om-store", "createNamespaces": True}},
    "imported": {"provider": "kubernetes", "kubernetes": {"namespace": "om-store"},
                 "fernet": {"openmetadata": {"generations": [2, 1], "imported": {"1": "existingOmFernetKey"}}}},
    "gcp-direct": {"provider": "gcp", "gcp": {"project": "acme-data-1", "projectNumber": "123456789012",
                                              "identity": {"mode": "direct", "clusterProjectNumber": "123456789012"}}},
}


def _shipped_and_fixture_stacks() -> list[tuple[Path, str, Path]]:
    out = [(ROOT, s, stack_file(s)) for s in engine.list_stacks(ROOT)]
    out += [(ROOT, p.name.removeprefix("Pulumi.").removesuffix(".yaml"), p) for p in sorted(FIXTURE_STACKS.glob("Pulumi.*.yaml"))]
    return out


@functools.lru_cache(maxsize=None)
def _declared() -> dict[str, set[str]]:
    """Type token -> where a preview declared a custom resource of it."""
    seen: dict[str, set[str]] = {}

    def note(result, where):
        for r in result.resources:
            if r.custom:
                seen.setdefault(r.type, set()).add(where)

    for project, stack, path in _shipped_and_fixture_stacks():
        planted = planted_keys(stack)
        note(engine.preview(project, stack, config_file=path, config=planted, secret_keys=tuple(planted)), stack)
    for stack in engine.list_stacks(EXAMPLE):
        note(engine.preview(EXAMPLE, stack), f"example {stack}")
    for name, values in VARIANTS.items():
        config = {f"om-secrets:{k}": v for k, v in values.items()}
        config.update({"aws:region": "eu-west-1", "kubernetes:enableSecretMutable": "true", "gcp:project": "acme-data-1"})
        secret_keys: tuple[str, ...] = ()
        if name == "imported":
            config["om-secrets:existingOmFernetKey"] = FERNET_KEY
            secret_keys = ("om-secrets:existingOmFernetKey",)
        note(engine.preview(ROOT, name, config=config, secret_keys=secret_keys), name)
    return seen


def test_every_declared_type_is_in_the_table():
    missing = {t: sorted(w) for t, w in _declared().items() if rt.of(t) is None}
    assert not missing, f"add these to components/resource_types.py TYPES: {missing}"


def test_the_variants_reach_types_no_shipped_stack_declares():
    declared = _declared()
    for token in ("random:index/randomId:RandomId", "kubernetes:core/v1:Namespace", "aws:iam/accessKey:AccessKey",
                  "aws:kms/key:Key", "pulumi:providers:aws"):
        assert token in declared, token


def test_no_table_entry_is_dead():
    """Every entry is declared by some preview above (a stale entry hides a type that moved)."""
    assert set(rt.TYPES) - set(_declared()) == set()


@pytest.mark.parametrize("entry", list(rt.TYPES.values()), ids=list(rt.TYPES))
def test_each_entry_is_well_formed(entry):
    assert entry.role in rt.ROLES
    assert not set(entry.identity) & set(entry.create_only)
    if entry.role in rt.GUARDED_ROLES or entry.role in ("secret-version", "pin"):
        assert entry.source, "a guarded type says where its replace rules come from"
    if entry.role in ("store-secret", "vault", "namespace", "secret-version"):
        assert entry.identity, "a container or stored secret is named by its identity inputs"


def test_every_guarded_resource_of_every_preview_is_an_item_of_the_guard():
    """No key, store secret, vault or namespace the program declares escapes the guard's inventory."""
    guarded = rt.tokens(*rt.GUARDED_ROLES)
    for project, stack, path in _shipped_and_fixture_stacks():
        planted = planted_keys(stack)
        document = engine.preview(project, stack, config_file=path, config=planted,
                                  secret_keys=tuple(planted)).to_document()
        urns = {item.urn for item in lifecycle.plan(document).items.values()}
        by_urn = {r["urn"]: r for r in document["resources"]}
        for r in document["resources"]:
            parent = by_urn.get(r["parent"]) or {}
            if rt.TYPES.get(r["type"]) and rt.TYPES[r["type"]].role == "store-secret" and not str(
                    parent.get("type")).startswith("om-secrets:stores:"):
                continue  # the same type delivering values to an app (a Kubernetes Secret): derived, recreated
            if r["custom"] and r["type"] in guarded:
                assert r["urn"] in urns, (stack, r["urn"])


# ----------------------------------------------------------------------------------- dig, placement


def test_dig_follows_dots_and_lists():
    doc = {"a": {"b": 1}, "r": {"u": {"replicas": [{"location": "x"}, {"location": "y", "k": 2}]}}}
    assert rt.dig(doc, "a.b") == 1
    assert rt.dig(doc, "r.u.replicas[*].location") == ["x", "y"]
    assert rt.dig(doc, "r.u.replicas[*].k") == [None, 2]
    assert rt.dig(doc, "r.u.none[*].location") is None
    assert rt.dig(doc, "a.b.c") is None and rt.dig(doc, "missing") is None and rt.dig(None, "a") is None


@given(st.dictionaries(st.sampled_from("abc"), st.integers() | st.text(max_size=3), max_size=3),
       st.sampled_from("abcd"))
def test_dig_of_one_key_is_get(mapping, key):
    assert rt.dig(mapping, key) == mapping.get(key)


def test_placement_own_input_then_explicit_provider_then_stack_config():
    config = {"aws:region": "eu-west-1", "gcp:project": "p-config"}
    assert rt.placement("aws:kms/key:Key", {}, None, config) == {"region": "eu-west-1"}
    assert rt.placement("aws:kms/key:Key", {}, {"region": "eu-central-1"}, config) == {"region": "eu-central-1"}
    assert rt.placement("aws:kms/key:Key", {}, {}, config) == {}  # an explicit provider reads no stack config
    assert rt.placement("aws:kms/key:Key", {"region": "us-east-1"}, {"region": "eu-central-1"}, config) == {
        "region": "us-east-1"}
    assert rt.placement("gcp:secretmanager/secret:Secret", {"project": "p-own"}, None, config) == {"project": "p-own"}
    assert rt.placement("random:index/randomBytes:RandomBytes", {}, None, config) == {}
    assert rt.placement("kubernetes:core/v1:Secret", {}, None, {"kubernetes:context": "prod"}) == {"context": "prod"}


def test_the_preview_records_each_resources_provider_and_placement():
    """prod's replica-region KMS key lives in eu-central-1 through its explicit provider, the rest in eu-west-1."""
    planted = planted_keys("prod")
    document = engine.preview(ROOT, "prod", config_file=stack_file("prod"), config=planted,
                              secret_keys=tuple(planted)).to_document()
    keys = {r["name"]: r for r in document["resources"] if r["type"] == "aws:kms/key:Key"}
    primary, replica = keys["om-secrets-kms"], keys["om-secrets-kms-eu-central-1"]
    assert primary["placement"] == {"region": "eu-west-1"} and primary["options"]["provider"] is None
    assert replica["placement"] == {"region": "eu-central-1"}
    provider_urn = replica["options"]["provider"].rsplit("::", 1)[0]
    (provider,) = [r for r in document["resources"] if r["urn"] == provider_urn]
    assert provider["type"] == "pulumi:providers:aws" and provider["inputs"]["region"] == "eu-central-1"
    assert all("placement" not in r for r in document["resources"] if not r["custom"] or r["type"].startswith("pulumi:"))


def test_the_readme_table_is_current():
    readme = (ROOT / "README.md").read_text()
    assert rt.readme_table() in readme, (
        'regenerate the README guard table: `python -c "from omsecrets.components import resource_types; '
        'print(resource_types.readme_table())"`')
