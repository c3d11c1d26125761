"""Assertions shared by the e2e modules: declared objects vs the API server, mock vs real engine."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import om_code
from project import SECRET_SIG

from tests.support.references import pointer_or_placeholder  # the unit tests judge exported references the same way

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

KEYS_NS = "openmetadata-secrets-keys"  # the dev store namespace's key copies namespace, which no Role covers


def ring(cluster, app: str) -> list[str]:
    """The ring's copy om-secrets keeps: the Secret ``openmetadata-fernet-<app>`` (data key ``value``)."""
    obj = cluster.secret(KEYS_NS, f"openmetadata-fernet-{app}")
    assert obj is not None, f"no store Secret for the {app} ring"
    return decoded_data(obj)[om_code.DATA_KEY].split(",")


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


def read_with_om(om_python: str, *reads: tuple[Path, str, list[str]]) -> tuple[list[dict], list[str]]:
    """OM's own reader (om_reader.py, in OM's ingestion venv) for each (kubeconfig, namespace, ids): the values
    it resolves, and the data key(s) the installed reader reads (from its source)."""
    script = Path(__file__).with_name("om_reader.py")
    request = json.dumps([{"kubeconfig": str(k), "namespace": ns, "ids": list(ids)} for k, ns, ids in reads])
    out = subprocess.run([om_python, str(script), request], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, f"OM's reader failed:\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}"
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    return doc["reads"], doc["data_key"]


# ---------------------------------------------------------------------- mock vs real engine
class Secret:
    """A value the engine keeps secret (state's ``{<sig>: ..., "plaintext": <JSON>}``), decoded."""

    def __init__(self, value):
        self.value = value

    def __repr__(self) -> str:
        return "Secret(...)"


def engine_value(v):
    """A state value with every secret envelope decoded into ``Secret``."""
    if isinstance(v, dict):
        if SECRET_SIG in v:
            return Secret(engine_value(json.loads(v["plaintext"])) if "plaintext" in v else None)
        return {k: engine_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [engine_value(x) for x in v]
    return v


def plain(v):
    """``engine_value`` with every ``Secret`` unwrapped."""
    if isinstance(v, Secret):
        return plain(v.value)
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    return v


SECRET_TEXT = "[secret]"  # what the offline preview shows for a secret value without --show-secrets

# Where the mock engine and the real one differ by design. Each entry says why; anything else is a finding.

#: Resources only the engine registers: the root Stack (the offline document names it only as the parent of
#: top-level resources) and one default provider per package (the mock engine needs none).
ENGINE_ONLY_TYPES = ("pulumi:pulumi:Stack", "pulumi:providers:")
#: Inputs whose value derives from generated key material: the mock engine makes its own (deterministic)
#: key, the real engine a random one, so these differ by design (the server's kid is the key's thumbprint).
#: Secret values differ the same way (generated passwords, rings, key files): those are compared by shape
#: (type, keys, length of lists), never by value.
DERIVED_FROM_KEYS = {("kubernetes:core/v1:ConfigMap", "data.JWT_KEY_ID")}
#: Inputs a provider's Check adds (its schema defaults), absent from what the program passed; the engine
#: must hold exactly the default. The random stand-in adds what terraform-provider-random's schema defaults.
PROVIDER_DEFAULTS: dict[str, dict] = {
    "random:index/randomPassword:RandomPassword": {
        "lower": True, "upper": True, "numeric": True, "special": True,
        "minLower": 0, "minUpper": 0, "minNumeric": 0, "minSpecial": 0,
    },
}
#: pulumi-kubernetes' Check turns a Secret's ``stringData`` into base64 ``data`` (the values are decoded and
#: compared as ``stringData``) and drops empty maps and lists the program passed.
K8S_STRINGDATA_TO_DATA = "kubernetes:core/v1:Secret"
#: The engine records a key whose value is null (``{"migratedTo": null}``); the mock engine receives the program's
#: inputs through Pulumi's ``rpc.deserialize_properties``, which drops such keys. So a null the engine registered
#: equals an absent key offline (any other value must be declared).
MOCK_DROPS_NULLS = True
K8S_DROPS_EMPTY = "kubernetes:"
#: Resource options compared: the engine's state field -> the offline document's ``options`` key.
COMPARED_OPTIONS = {"protect": "protect", "retainOnDelete": "retainOnDelete", "ignoreChanges": "ignoreChanges",
                    "additionalSecretOutputs": "additionalSecretOutputs", "dependencies": "dependsOn"}
#: Fields of the engine's state that are not compared, and why. A field the engine starts recording that is
#: in neither list fails the comparison (``unknown_engine_fields``), so a new option cannot go unchecked.
ENGINE_FIELDS_NOT_COMPARED = {
    "urn": "matched by type and name; the mock engine builds URNs from the parent's last type only",
    "id": "the provider's id (namespace/name, random ids) exists only after a real create",
    "outputs": "what the providers returned; the mock engine echoes inputs",
    "propertyDependencies": "per-property dependencies; their union is in dependencies, compared with dependsOn",
    "created": "timestamp", "modified": "timestamp", "sourcePosition": "where the program declared it",
    "stackTrace": "where the program declared it",
}
ENGINE_FIELDS_COMPARED = {"type", "custom", "parent", "inputs", "aliases", "provider", *COMPARED_OPTIONS}
#: Options the offline document records that the engine's state has no field for, and why.
NOT_RECORDED_BY_ENGINE = {
    "deleteBeforeReplace": "a goal option the engine does not persist",
    "aliases": "the state records aliases only for a resource that moved through one (then compared: each is one "
               "the offline preview declares); tests/test_environment.py checks what they name",
}
#: Options of the offline document compared with another engine field: ``provider`` (None: the default provider
#: of the type's package) with the state's provider reference.
OFFLINE_OPTIONS_COMPARED = {*COMPARED_OPTIONS.values(), "provider"}
#: Fields of an offline resource beside its options that the engine has no counterpart for, and why.
OFFLINE_ONLY_FIELDS = {"placement": "where a cloud resource lands (region, subscription, project, cluster), which the "
                                    "offline guard compares between versions; the engine records no such field"}


def _type_name(urn: str) -> tuple[str, str]:
    """``(type, name)`` of a URN: its last type and its name."""
    types, name = urn.split("::")[2], urn.split("::", 3)[3]
    return types.split("$")[-1], name


def _chain(by_urn: dict, urn: str | None) -> list[tuple[str, str]]:
    """``[(type, name)]`` of every ancestor from ``urn`` up to the root (URNs not in the document too)."""
    out = []
    while urn:
        out.append(_type_name(urn))
        urn = (by_urn.get(urn) or {}).get("parent")
    return out


def _leaves_secret(v, under_secret: bool = False) -> bool:
    if isinstance(v, Secret):
        return True
    if isinstance(v, dict):
        return all(_leaves_secret(x, under_secret) for x in v.values())
    if isinstance(v, list):
        return all(_leaves_secret(x, under_secret) for x in v)
    return under_secret


def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def _compare(type_: str, where: str, path: str, shown, redacted, eng, out: list[str], in_secret: bool = False) -> None:
    """Offline (``shown``, and ``redacted`` as printed without --show-secrets) against the engine's value at
    ``path`` of the inputs, both directions, every nested key."""
    at = f"{where}: inputs{'.' if path else ''}{path}"
    if isinstance(eng, Secret):
        if redacted != SECRET_TEXT and not in_secret:
            out.append(f"{at}: the engine keeps it secret, the offline preview shows it in plain")
        eng, in_secret = eng.value, True
    elif redacted == SECRET_TEXT and not in_secret:
        if not _leaves_secret(eng):
            out.append(f"{at}: the offline preview keeps it secret, the engine registered it in plain")
        in_secret = True
    if redacted == SECRET_TEXT:
        redacted = None
    if (type_, path) in DERIVED_FROM_KEYS:
        return
    if isinstance(shown, dict) and isinstance(eng, dict):
        for k in sorted(set(shown) | set(eng), key=str):
            sub = f"{path}.{k}" if path else str(k)
            if k not in eng:
                if shown[k] in ({}, []) and type_.startswith(K8S_DROPS_EMPTY):
                    continue
                out.append(f"{where}: inputs.{sub}: declared offline, not registered by the engine")
            elif k not in shown:
                if MOCK_DROPS_NULLS and eng[k] is None:
                    continue
                default = PROVIDER_DEFAULTS.get(type_, {}) if not path else {}
                if k in default and plain(eng[k]) == default[k] and type(plain(eng[k])) is type(default[k]):
                    continue
                out.append(f"{where}: inputs.{sub}: registered by the engine ({plain(eng[k])!r}), not declared offline")
            else:
                _compare(type_, where, sub, shown[k], redacted.get(k) if isinstance(redacted, dict) else redacted,
                         eng[k], out, in_secret)
        return
    if isinstance(shown, list) and isinstance(eng, list):
        if len(shown) != len(eng):
            out.append(f"{at}: {len(shown)} items offline, {len(eng)} registered")
            return
        for i, (a, b) in enumerate(zip(shown, eng, strict=True)):
            _compare(type_, where, f"{path}[{i}]", a, redacted[i] if isinstance(redacted, list) else redacted, b, out,
                     in_secret)
        return
    if in_secret:  # generated values differ by design; their kind must not
        if type(_num(shown)) is not type(_num(plain(eng))):
            out.append(f"{at}: a secret {type(shown).__name__} offline, {type(plain(eng)).__name__} registered")
        return
    if _num(shown) != _num(eng) or type(_num(shown)) is not type(_num(eng)):
        out.append(f"{at}: offline {shown!r}, engine {eng!r}")


def _engine_inputs(type_: str, shown: dict, inputs: dict) -> dict:
    """The engine's inputs with pulumi-kubernetes' stringData -> data undone (K8S_STRINGDATA_TO_DATA)."""
    eng = engine_value(inputs or {})
    if type_ == K8S_STRINGDATA_TO_DATA and "stringData" in shown and "stringData" not in eng and "data" in eng:
        data, secret = eng.pop("data"), False
        if isinstance(data, Secret):
            data, secret = data.value, True

        def text(v):
            return Secret(text(v.value)) if isinstance(v, Secret) else base64.b64decode(v).decode()

        decoded = {k: text(v) for k, v in data.items()} if isinstance(data, dict) else data
        eng["stringData"] = Secret(decoded) if secret else decoded
    return eng


def unknown_engine_fields(state: list[dict]) -> set[str]:
    """State fields neither compared nor allow-listed (ENGINE_FIELDS_NOT_COMPARED)."""
    seen = {k for r in state for k in r}
    return seen - ENGINE_FIELDS_COMPARED - set(ENGINE_FIELDS_NOT_COMPARED)


def compare_mock_with_engine(preview: dict, state: list[dict], redacted: dict | None = None) -> list[str]:
    """The offline (mock) preview against the real engine's registered resources, whole: the same resources
    (by type and name, both ways), types, custom flags, parents (the full chain of types and names), every
    option the engine records (protect, retainOnDelete, ignoreChanges, additionalSecretOutputs, dependsOn),
    the default provider of each type's package, and inputs in both directions with every nested key and
    which values are secret (``redacted``: the same preview without --show-secrets). Differences by design
    are the named allow-lists above."""
    problems = [f"the engine records {f!r}, which is neither compared nor in ENGINE_FIELDS_NOT_COMPARED"
                for f in sorted(unknown_engine_fields(state))]
    engine_by_urn = {r["urn"]: r for r in state}
    offline_by_urn = {r["urn"]: r for r in preview["resources"]}
    red = {(r["type"], r["name"]): r for r in (redacted or preview)["resources"]}

    def index(resources, key, what):
        out = {}
        for r in resources:
            k = key(r)
            if k in out:
                problems.append(f"{what} has two resources {k[0]}::{k[1]}: cannot match them by type and name")
            out[k] = r
        return out

    engine = index([r for r in state if not r["type"].startswith(ENGINE_ONLY_TYPES)],
                   lambda r: _type_name(r["urn"]), "the engine")
    offline = index(preview["resources"], lambda r: (r["type"], r["name"]), "the offline preview")
    for k in sorted(set(offline) - set(engine)):
        problems.append(f"declared offline but not registered by the engine: {k[0]}::{k[1]}")
    for k in sorted(set(engine) - set(offline)):
        problems.append(f"registered by the engine but not declared offline: {k[0]}::{k[1]}")
    for k in sorted(set(offline) & set(engine)):
        o, e = offline[k], engine[k]
        where = f"{k[0]}::{k[1]}"
        if bool(o.get("custom")) != bool(e.get("custom")):
            problems.append(f"{where}: custom {o.get('custom')} offline, {e.get('custom')} registered")
        if _chain(offline_by_urn, o.get("parent")) != _chain(engine_by_urn, e.get("parent")):
            problems.append(f"{where}: parents {_chain(offline_by_urn, o.get('parent'))} offline, "
                            f"{_chain(engine_by_urn, e.get('parent'))} registered")
        opts = o.get("options") or {}
        for field, option in COMPARED_OPTIONS.items():
            want, got = opts.get(option), e.get(field)
            if field == "dependencies":
                want = sorted(_type_name(u) for u in want or [])
                got = sorted(_type_name(u) for u in got or [])
            elif field in ("protect", "retainOnDelete"):
                want, got = bool(want), bool(got)
            else:
                want, got = sorted(want or []), sorted(got or [])
            if want != got:
                problems.append(f"{where}: {option} {want} offline, {field} {got} registered")
        if e.get("aliases"):
            declared = {_type_name(u)[1] for u in opts.get("aliases") or []}
            moved = sorted({_type_name(u)[1] for u in e["aliases"]} - declared)
            if moved:
                problems.append(f"{where}: the engine records aliases {moved} the offline preview does not declare")
        for option in sorted(set(opts) - OFFLINE_OPTIONS_COMPARED - set(NOT_RECORDED_BY_ENGINE)):
            problems.append(f"{where}: the offline preview records option {option!r}, which is neither compared nor in "
                            "NOT_RECORDED_BY_ENGINE")
        for field in sorted(set(o) - {"urn", "type", "name", "parent", "custom", "inputs", "options"}
                            - set(OFFLINE_ONLY_FIELDS)):
            problems.append(f"{where}: the offline preview records {field!r}, which is neither compared nor in "
                            "OFFLINE_ONLY_FIELDS")
        if e.get("custom"):
            package = k[0].split(":", 1)[0]
            provider = (e.get("provider") or "").rsplit("::", 1)[0]  # <provider urn>::<provider id>
            explicit = opts.get("provider")
            if explicit is None and (provider.split("::")[2:3] != [f"pulumi:providers:{package}"]
                                     or not _type_name(provider)[1].startswith("default")):
                problems.append(f"{where}: provider {_type_name(provider) if provider else None} registered, the default "
                                f"provider of {package} offline")
            elif explicit is not None and _type_name(provider) != _type_name(explicit):
                problems.append(f"{where}: provider {_type_name(provider)} registered, {_type_name(explicit)} offline")
        shown = o.get("inputs") or {}
        _compare(k[0], where, "", shown, red[k].get("inputs") if k in red else shown,
                 _engine_inputs(k[0], shown, e.get("inputs")), problems)
    return problems


# ---------------------------------------------------------------------- what the program meant, from state
RANDOM_BYTES = "random:index/randomBytes:RandomBytes"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
TLS_KEY = "tls:index/privateKey:PrivateKey"
FERNET_RING = "om-secrets:fernet:FernetKeyRing"


def _name(r: dict) -> str:
    return r["urn"].rsplit("::", 1)[-1]


def fernet_key(random_bytes_base64: str) -> str:
    """A Fernet key is the URL-safe base64 of 32 random bytes (cryptography's Fernet spec): the generated bytes,
    re-encoded, never re-generated."""
    raw = base64.b64decode(random_bytes_base64)
    assert len(raw) == 32, len(raw)
    return base64.urlsafe_b64encode(raw).decode()


def generation_keys(state: list[dict]) -> dict[str, dict[int, str]]:
    """``{app: {generation: Fernet key}}`` of every RandomBytes generation the engine holds (state)."""
    out: dict[str, dict[int, str]] = {}
    by_urn = {r["urn"]: r for r in state}
    for r in state:
        parent = by_urn.get(r.get("parent") or "")
        if r["type"] == RANDOM_BYTES and parent and parent["type"] == FERNET_RING:
            app = plain(engine_value(parent.get("inputs") or {}))["application"]
            out.setdefault(app, {})[int(re.search(r"-(\d+)$", _name(r)).group(1))] = fernet_key(
                plain(engine_value(r["outputs"]["base64"])))
    return out


def intended_rings(state: list[dict], generations: dict[str, list[int]] | None = None) -> dict[str, str]:
    """Each app's ring as the program meant it: its RandomBytes generations (state) in the order of
    ``generations[app]`` (the stack's config; default: the order the ring component declares), joined."""
    keys = generation_keys(state)
    rings = {}
    for ring in (r for r in state if r["type"] == FERNET_RING):
        inputs = plain(engine_value(ring.get("inputs") or {}))
        app = inputs["application"]
        gens = [int(g) for g in (generations or {}).get(app, inputs["generations"])]
        have = keys.get(app, {})
        assert set(have) == set(gens), f"{_name(ring)}: generations {gens}, keys in state for {sorted(have)}"
        rings[app] = ",".join(have[g] for g in gens)
    return rings


def generated(state: list[dict]) -> dict[str, str]:
    """Every generated value by resource name: RandomPassword ``result``, RandomBytes ``base64``, the tls
    key's ``privateKeyPemPkcs8``."""
    field = {RANDOM_PASSWORD: "result", RANDOM_BYTES: "base64", TLS_KEY: "privateKeyPemPkcs8"}
    return {_name(r): plain(engine_value(r["outputs"][field[r["type"]]])) for r in state if r["type"] in field}


def jwk_thumbprint(n: int, e: int) -> str:
    """RFC 7638 section 3: SHA-256 over the members e, kty, n in order, no white space, base64url unpadded."""
    import hashlib

    def b64(i: int) -> str:
        return base64.urlsafe_b64encode(i.to_bytes((i.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

    text = f'{{"e":"{b64(e)}","kty":"RSA","n":"{b64(n)}"}}'
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()


def intended_jwt_copy(pem_pkcs8: str) -> dict:
    """What the JWT recovery copy must hold for the generated key: its kid and the two DER files OM reads."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(pem_pkcs8.encode(), None)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    numbers = key.public_key().public_numbers()
    return {"keyId": jwk_thumbprint(numbers.n, numbers.e), "private_key.der": base64.b64encode(der).decode(),
            "public_key.der": base64.b64encode(pub).decode()}


#: The apache-airflow chart reads the Fernet key from ``fernetKeySecretName`` under this key
#: (chart templates/secrets/fernetkey-secret.yaml and the env ``AIRFLOW__CORE__FERNET_KEY`` it maps).
AIRFLOW_CHART_FERNET_KEY = "fernet-key"


def consumed_fernet_rings(cluster, outputs: dict) -> dict[str, str | None]:
    """The Fernet ring each app reads, located as the stack tells the charts (helmValues) and read from the
    API server: OM's ``openmetadata.config.fernetkey`` (secretRef / secretKey) in the server's namespace, the
    Airflow chart's ``fernetKeySecretName`` (key ``fernet-key``) in ingestion's namespace."""
    om = outputs["helmValues"]["openmetadata"]["openmetadata"]["config"]["fernetkey"]
    where = {"openmetadata": (outputs["serviceAccounts"]["openmetadata"].split("/")[0], om["secretRef"], om["secretKey"]),
             "airflow": (outputs["serviceAccounts"]["ingestion"].split("/")[0],
                         outputs["helmValues"]["airflow"]["fernetKeySecretName"], AIRFLOW_CHART_FERNET_KEY)}
    out = {}
    for app, (ns, name, key) in where.items():
        obj = cluster.secret(ns, name)
        out[app] = decoded_data(obj).get(key) if obj else None
    return out


#: The Secrets the apps read, as their charts and OM's server name them: OM's server env FERNET_KEY and
#: AIRFLOW_PASSWORD (openmetadata chart extraEnvs / fernetkey.secretRef), and the apache-airflow chart's
#: fernetKeySecretName -> key "fernet-key" (apiSecretKeySecretName "api-secret-key", jwtSecretName "jwt-secret");
#: the Airflow user Job reads OM's password under "openmetadata-airflow-password".
SERVER_SECRET, AIRFLOW_SECRET = "openmetadata-secrets", "airflow-secrets"


def app_values_problems(cluster, state: list[dict], server_ns: str, ingestion_ns: str,
                        generations: dict[str, list[int]] | None = None) -> list[str]:
    """Where a value an app reads is not, byte for byte, what the program generated (state); the rings in the
    order of ``generations`` (see intended_rings)."""
    rings, gen = intended_rings(state, generations), generated(state)
    want = {
        (server_ns, SERVER_SECRET, "FERNET_KEY"): rings["openmetadata"],
        (server_ns, SERVER_SECRET, "AIRFLOW_PASSWORD"): gen["om-secrets-airflow-server-password"],
        (ingestion_ns, AIRFLOW_SECRET, "fernet-key"): rings["airflow"],
        (ingestion_ns, AIRFLOW_SECRET, "openmetadata-airflow-password"): gen["om-secrets-airflow-server-password"],
        (ingestion_ns, AIRFLOW_SECRET, "api-secret-key"): gen["om-secrets-airflow-api-secret-key"],
        (ingestion_ns, AIRFLOW_SECRET, "jwt-secret"): gen["om-secrets-airflow-jwt-secret"],
    }
    problems = []
    for (ns, name, key), value in want.items():
        obj = cluster.secret(ns, name)
        got = decoded_data(obj).get(key) if obj else None
        if got != value:
            bad = pointer_or_placeholder(got)
            problems.append(f"{ns}/{name} key {key}: {bad or 'not the value the program generated'}")
    return problems
