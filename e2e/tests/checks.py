"""Assertions shared by the e2e modules: declared objects vs the API server, mock vs real engine."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

from project import SECRET_SIG

K8S_PATHS = {
    "kubernetes:core/v1:Namespace": "/api/v1/namespaces/{name}",
    "kubernetes:core/v1:ServiceAccount": "/api/v1/namespaces/{ns}/serviceaccounts/{name}",
    "kubernetes:core/v1:Secret": "/api/v1/namespaces/{ns}/secrets/{name}",
    "kubernetes:core/v1:ConfigMap": "/api/v1/namespaces/{ns}/configmaps/{name}",
    "kubernetes:rbac.authorization.k8s.io/v1:Role": "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles/{name}",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding":
        "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings/{name}",
    "kubernetes:batch/v1:Job": "/apis/batch/v1/namespaces/{ns}/jobs/{name}",
}

# What OM's KubernetesSecretsManager writes on a secret it creates (labels) and reads (data key).
OM_STORE_LABELS = {"app": "openmetadata", "managed-by": "openmetadata-secrets-manager"}
OM_STORE_DATA_KEY = "value"
KEYS_NS = "openmetadata-secrets-keys"  # the dev store namespace's key copies namespace, which no Role covers


def ring(cluster, app: str) -> list[str]:
    """The ring's copy om-secrets keeps: the Secret ``openmetadata-fernet-<app>`` (data key ``value``)."""
    obj = cluster.secret(KEYS_NS, f"openmetadata-fernet-{app}")
    assert obj is not None, f"no store Secret for the {app} ring"
    return decoded_data(obj)[OM_STORE_DATA_KEY].split(",")


def k8s_declared(preview: dict) -> list[dict]:
    return [r for r in preview["resources"] if r["type"].startswith("kubernetes:")]


def object_path(r: dict) -> str:
    md = r["inputs"]["metadata"]
    return K8S_PATHS[r["type"]].format(ns=md.get("namespace", "default"), name=md["name"])


def decoded_data(obj: dict) -> dict[str, str | bytes]:
    """A Secret's data decoded: text, or bytes for a binary file (the JWT keys' DER)."""
    out: dict[str, str | bytes] = {}
    for k, v in (obj.get("data") or {}).items():
        raw = base64.b64decode(v)
        try:
            out[k] = raw.decode()
        except UnicodeDecodeError:
            out[k] = raw
    return out


def _registered(state: list[dict], type_: str, name: str) -> dict:
    found = [r for r in state if r["type"] == type_ and r["urn"].rsplit("::", 1)[-1] == name]
    assert len(found) == 1, f"the engine registered {len(found)} {type_} {name}"
    return found[0].get("inputs") or {}


def assert_cluster_matches_declaration(cluster, preview: dict, state: list[dict]) -> int:
    """Every Kubernetes object the stack declares exists with its name, labels, data keys and rules; a value
    derived from generated key material (DERIVED_FROM_KEYS) is compared with what the engine registered."""
    declared = k8s_declared(preview)
    assert declared, "the stack declares no Kubernetes object"
    problems = []
    for r in declared:
        obj = cluster.get(object_path(r))
        if obj is None:
            problems.append(f"missing {r['type']} {object_path(r)}")
            continue
        want_md, got_md = r["inputs"]["metadata"], obj["metadata"]
        labels = got_md.get("labels") or {}
        for k, v in (want_md.get("labels") or {}).items():
            if labels.get(k) != v:
                problems.append(f"{object_path(r)}: label {k}={labels.get(k)!r}, declared {v!r}")
        kind = r["type"].rsplit(":", 1)[-1]
        if kind == "Secret":
            want = r["inputs"].get("stringData") or r["inputs"].get("data") or {}  # data: binary files (JWT DER)
            got = decoded_data(obj)
            if set(got) != set(want):
                problems.append(f"{object_path(r)}: data keys {sorted(got)}, declared {sorted(want)}")
        if kind == "ConfigMap":
            want = dict(r["inputs"].get("data") or {})
            for type_, path in DERIVED_FROM_KEYS:
                leaf = path.removeprefix("data.")
                if type_ == r["type"] and leaf in want:
                    want[leaf] = _registered(state, r["type"], r["name"])["data"][leaf]
            if (obj.get("data") or {}) != want:
                problems.append(f"{object_path(r)}: data {obj.get('data')}, declared {want}")
        if kind == "Role" and obj.get("rules") != r["inputs"]["rules"]:
            problems.append(f"{object_path(r)}: rules {obj.get('rules')}, declared {r['inputs']['rules']}")
        if kind == "RoleBinding":
            for key in ("roleRef", "subjects"):
                if obj.get(key) != r["inputs"][key]:
                    problems.append(f"{object_path(r)}: {key} {obj.get(key)}, declared {r['inputs'][key]}")
    assert not problems, "\n".join(problems)
    return len(declared)


def store_secrets(preview: dict, namespace: str) -> list[dict]:
    return [r for r in k8s_declared(preview)
            if r["type"] == "kubernetes:core/v1:Secret" and r["inputs"]["metadata"].get("namespace") == namespace]


def assert_om_store_shape(cluster, namespace: str, ids: list[str], tags: dict[str, str]) -> None:
    """Independently of the declaration: what OM's own Kubernetes secrets manager writes and reads."""
    problems = []
    for secret_id in ids:
        obj = cluster.secret(namespace, secret_id)
        if obj is None:
            problems.append(f"no Secret {namespace}/{secret_id}")
            continue
        labels = obj["metadata"].get("labels") or {}
        for k, v in {**OM_STORE_LABELS, **tags}.items():
            if labels.get(k) != v:
                problems.append(f"{secret_id}: label {k}={labels.get(k)!r}, OM expects {v!r}")
        data = decoded_data(obj)
        if list(data) != [OM_STORE_DATA_KEY] or not data[OM_STORE_DATA_KEY]:
            problems.append(f"{secret_id}: data keys {sorted(data)}, OM reads only a non-empty {OM_STORE_DATA_KEY!r}")
        if obj.get("type") != "Opaque":
            problems.append(f"{secret_id}: type {obj.get('type')}")
    assert not problems, "\n".join(problems)


def read_with_om(om_python: str, kubeconfig: Path, namespace: str, ids: list[str]) -> dict:
    script = Path(__file__).with_name("om_reader.py")
    out = subprocess.run([om_python, str(script), str(kubeconfig), namespace, *ids], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, f"OM's reader failed:\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}"
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------- mock vs real engine
def _normalize(v):
    """Secrets become a marker (the offline preview prints ``[secret]``); numbers compare as floats."""
    if isinstance(v, dict):
        if SECRET_SIG in v:
            return "[secret]"
        return {k: _normalize(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_normalize(x) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    return v


def _diff(path: str, want, got, out: list[str]) -> None:
    if want == "[secret]" or got == "[secret]":
        return  # secret on either side: the value is not shown offline
    if isinstance(want, dict) and isinstance(got, dict):
        for k in want:
            if k not in got:
                out.append(f"{path}.{k}: declared offline, not registered")
            else:
                _diff(f"{path}.{k}", want[k], got[k], out)
        return
    if want != got:
        out.append(f"{path}: offline {want!r}, engine {got!r}")


#: Inputs whose value derives from generated key material: the mock engine makes its own (deterministic)
#: key, the real engine a random one, so these differ by design (the server's kid is the key's thumbprint).
DERIVED_FROM_KEYS = {("kubernetes:core/v1:ConfigMap", "data.JWT_KEY_ID")}
# Inputs the real providers add in Check (defaults), absent from what the program passed.
PROVIDER_DEFAULTS = {"random:index/randomPassword:RandomPassword": {"minLower", "minUpper", "minNumeric", "minSpecial",
                                                                    "lower", "upper", "numeric"}}


def _provider_check_normalized(type_: str, want: dict, got: dict, urn: str, problems: list[str]):
    """Undo what pulumi-kubernetes' Check does to inputs: Secret ``stringData`` becomes base64 ``data``
    (compared by key: the values are secret), and empty maps are dropped."""
    want = {k: v for k, v in want.items() if v != {}}
    if type_ == "kubernetes:core/v1:Secret" and "stringData" in want:
        declared = want.pop("stringData")
        registered = got.pop("data", None)
        if registered == "[secret]" or declared == "[secret]":
            pass
        elif not isinstance(registered, dict) or set(registered) != set(declared):
            problems.append(f"{urn}: Secret keys {sorted(declared)} declared offline, engine has "
                            f"{sorted(registered) if isinstance(registered, dict) else registered}")
        got.pop("stringData", None)
    return want, got


def _key(urn: str) -> str:
    """``<type>::<name>`` of a URN. The offline engine (Pulumi's stock mocks) builds a child's URN from
    its parent's last type only and counts the root Stack as a parent; the real engine chains every
    ancestor's type but the Stack's. Matching by type and name keeps this check about the resources."""
    if not urn or urn.endswith("::") or urn.count("::") < 3:
        return ""
    types, name = urn.split("::")[2], urn.split("::", 3)[3]
    last = types.split("$")[-1]
    return "" if last == "pulumi:pulumi:Stack" else f"{last}::{name}"


def compare_mock_with_engine(preview: dict, state: list[dict]) -> list[str]:
    """Offline (mock) preview vs the real engine's registered resources: same URNs, types, parents,
    protect flags, and the same inputs wherever the offline value is known."""
    problems: list[str] = []
    engine = {_key(r["urn"]): r for r in state
              if r["type"] != "pulumi:pulumi:Stack" and not r["type"].startswith("pulumi:providers:")}
    offline = {_key(r["urn"]): r for r in preview["resources"]}
    for urn in sorted(set(offline) - set(engine)):
        problems.append(f"declared offline but not registered by the engine: {urn}")
    for urn in sorted(set(engine) - set(offline)):
        problems.append(f"registered by the engine but not declared offline: {urn}")
    for urn in sorted(set(offline) & set(engine)):
        o, e = offline[urn], engine[urn]
        if o["type"] != e["type"]:
            problems.append(f"{urn}: type {o['type']} vs {e['type']}")
        if _key(o.get("parent") or "") != _key(e.get("parent") or ""):
            problems.append(f"{urn}: parent {o.get('parent')} vs {e.get('parent')}")
        if bool(o["options"].get("protect")) != bool(e.get("protect")):
            problems.append(f"{urn}: protect {o['options'].get('protect')} vs {e.get('protect')}")
        if not o.get("custom", e.get("custom")):
            continue  # component inputs are not recorded by the engine
        want, got = _normalize(o["inputs"]), _normalize(e.get("inputs") or {})
        for type_, path in DERIVED_FROM_KEYS:
            if o["type"] == type_:
                *parents, leaf = path.split(".")
                for node in (want, got):
                    for p in parents:
                        node = node.get(p, {}) if isinstance(node, dict) else {}
                    if isinstance(node, dict):
                        node.pop(leaf, None)
        want, got = _provider_check_normalized(o["type"], want, got, urn, problems)
        _diff(urn.rsplit("::", 1)[-1], want, got, problems)
        extra = set(got) - set(want) - PROVIDER_DEFAULTS.get(o["type"], set())
        if extra:
            problems.append(f"{urn}: engine inputs {sorted(extra)} not declared offline")
    return problems
