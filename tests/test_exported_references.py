"""Every reference a stack exports resolves to what the program meant (issue 25, item 1).

For every shipped and fixture stack: each ``secret:<id>`` of ``secretReferences`` (what the README tells users to
put into OM service connections) is looked up where OM's readers look (OM's store namespace, OM's vault, the
account's store) and holds the generated password or the planted ``fromConfig`` value, never a placeholder or the
pointer text the Kubernetes store leaves where a Fernet key copy used to live; each ``keyCopyReferences`` id
resolves where the outputs say the copies are (``kubernetes.keysNamespace``, ``azure.keysVaultName``) to the ring
or the JWT pair the stack delivers. The lookup is by the store's own identity (namespace + name, vault + name,
name), read from what the program declared, so a reference to the wrong Secret fails here.
"""

from __future__ import annotations

import json

import pytest

from omsecrets import engine
from omsecrets.components import core, settings
from omsecrets.components.fernet import KeyRing
from tests.support.previews import PLANTED, ROOT, planted_keys, stack_config, stack_file_config
from tests.support.references import pointer_or_placeholder

SHIPPED = tuple(engine.list_stacks(ROOT))
FIXTURES = tuple(sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml")
                        for p in (ROOT / "tests" / "fixtures" / "stacks").glob("Pulumi.*.yaml")))

#: How each store resource type names its secret and where it holds the value (a version resource of the same
#: Pulumi name holds it for Secrets Manager and Secret Manager): type -> (location key, id key, value key).
STORE_TYPES = {
    "aws:secretsmanager/secret:Secret": (None, ("name",), None),
    "aws:ssm/parameter:Parameter": (None, ("name",), ("value",)),
    "kubernetes:core/v1:Secret": (("metadata", "namespace"), ("metadata", "name"), ("stringData", "value")),
    "azure-native:keyvault:Secret": (("vaultName",), ("secretName",), ("properties", "value")),
    "gcp:secretmanager/secret:Secret": (None, ("secretId",), None),
}
VERSION_TYPES = {"aws:secretsmanager/secretVersion:SecretVersion": "secretString",
                 "gcp:secretmanager/secretVersion:SecretVersion": "secretData"}


def _at(doc: dict, path: tuple[str, ...] | None):
    if path is None:
        return ""
    for key in path:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc


def store_values(result: engine.PreviewResult) -> dict[tuple[str, str], str]:
    """``{(location, id): value}`` of every secret the store components declare."""
    by_urn = {r.urn: r for r in result.resources}
    children = [r for r in result.resources
                if r.parent in by_urn and by_urn[r.parent].type.startswith(f"{core.PACKAGE}:stores:")]
    versions = {r.name: engine.plain(r.inputs, show_secrets=True)[VERSION_TYPES[r.type]]
                for r in children if r.type in VERSION_TYPES}
    out: dict[tuple[str, str], str] = {}
    for r in children:
        if r.type not in STORE_TYPES:
            continue
        location, id_path, value_path = STORE_TYPES[r.type]
        inputs = engine.plain(r.inputs, show_secrets=True)
        key = (_at(inputs, location), _at(inputs, id_path))
        assert key not in out, f"two secrets at {key}"
        out[key] = _at(inputs, value_path) if value_path else versions.get(r.name)
    return out


def locations(outputs: dict) -> tuple[str, str]:
    """Where OM's readers resolve ``secretReferences`` and where the key copies are, as the outputs say."""
    if "kubernetes" in outputs:
        return outputs["kubernetes"]["namespace"], outputs["kubernetes"]["keysNamespace"]
    if "azure" in outputs:
        return outputs["azure"]["vaultName"], outputs["azure"]["keysVaultName"]
    return "", ""


def intended_values(result: engine.PreviewResult, stack: str) -> dict[str, str]:
    """What each user secret of the stack file should hold: the planted ``fromConfig`` value or the password the
    stack's RandomPassword generated (``<bootstrap>-<name>``)."""
    planted = planted_keys(stack)
    raw = stack_file_config(stack)
    parsed = settings.from_dict({k: v for k, v in stack_config(stack).items() if k not in planted}, stack=stack,
                                secret_values=planted, aws_region=raw.get("aws:region"))
    generated = {r.name: engine.plain(r.state, show_secrets=True)["result"]
                 for r in result.by_type("random:index/randomPassword:RandomPassword")}
    out = {}
    for secret in parsed.secrets:
        if secret.from_config:
            out[secret.name] = PLANTED[secret.from_config]
        else:
            (out[secret.name],) = [v for n, v in generated.items() if n.endswith(f"-bootstrap-{secret.name}")]
    return out


def reference_problems(result: engine.PreviewResult, outputs: dict, intended: dict[str, str]) -> list[str]:
    """Where an exported reference of ``outputs`` does not resolve to what the program meant."""
    values = store_values(result)
    apps_at, copies_at = locations(outputs)
    refs, copies = outputs["secretReferences"], outputs["keyCopyReferences"]
    problems = []
    if set(refs) != set(intended):
        problems.append(f"secretReferences {sorted(refs)}: only the stack's secrets {sorted(intended)}")
    if set(refs) & set(copies):
        problems.append(f"exported both as secretReferences and keyCopyReferences: {sorted(set(refs) & set(copies))}")
    # a copy of each ring the stack makes (no Airflow ring with Kubernetes-native ingestion) and of the JWT pair
    made = {f"fernet-{app}" for app in outputs["fernet"]} | ({"jwt-openmetadata"} if "jwt" in outputs else set())
    if set(copies) != (set() if outputs["provider"] == core.DB else made):
        problems.append(f"keyCopyReferences {sorted(copies)}, the stack's key material {sorted(made)}")

    def resolve(kind: str, name: str, ref: str, where: str):
        got = values.get((where, ref.removeprefix("secret:"))) if ref.startswith("secret:") else None
        bad = pointer_or_placeholder(got)
        if bad:
            problems.append(f"{kind}.{name} ({ref}{' in ' + where if where else ''}) resolves to {bad}")
        return None if bad else got

    for name, ref in refs.items():
        got = resolve("secretReferences", name, ref, apps_at)
        if got is not None and got != intended.get(name):
            problems.append(f"secretReferences.{name} ({ref}) holds another value than the program meant")
    for name, ref in copies.items():
        got = resolve("keyCopyReferences", name, ref, copies_at)
        if got is None:
            continue
        if name.startswith("fernet-"):
            app = name.removeprefix("fernet-")
            if len(KeyRing.parse(got)) != len(outputs["fernet"][app]["generations"]):
                problems.append(f"keyCopyReferences.{name} is no ring of the {app} generations")
        elif json.loads(got)["keyId"] != outputs["jwt"]["keyId"]:
            problems.append(f"keyCopyReferences.{name} holds another pair than the server's (kid)")
    return problems


@pytest.mark.parametrize("stack", [*SHIPPED, *FIXTURES])
def test_every_exported_reference_resolves_to_what_the_program_meant(stack, previewed):
    result = previewed(stack)
    problems = reference_problems(result, engine.plain(result.outputs), intended_values(result, stack))
    assert not problems, "\n".join(problems)


def test_a_reference_to_a_vacated_key_copy_is_caught(previewed):
    """The bug this file exists for (issue 25): dev exported the Fernet copies' ids in secretReferences, which OM
    resolves in its namespace to the pointer text their old Secrets hold; and a key copy looked up in OM's
    namespace (not the keys namespace the outputs name) is caught the same way."""
    result = previewed("dev")
    outputs, intended = engine.plain(result.outputs), intended_values(result, "dev")
    old = {**outputs, "secretReferences": {**outputs["secretReferences"], **outputs["keyCopyReferences"]},
           "keyCopyReferences": {}}
    pointer = "resolves to the pointer text left where a Fernet key copy used to live"
    found = reference_problems(result, old, intended)
    assert [p.split(" ", 1)[0] for p in found if pointer in p] == ["secretReferences.fernet-airflow",
                                                                  "secretReferences.fernet-openmetadata"], found
    unlocated = {**outputs, "kubernetes": {**outputs["kubernetes"], "keysNamespace": outputs["kubernetes"]["namespace"]}}
    found = reference_problems(result, unlocated, intended)
    assert sum(pointer in p for p in found) == 2, found
