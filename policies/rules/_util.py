"""Small pure helpers shared by the rules: prop access, IAM documents, URNs, Kubernetes, secrets.

Props are pulumi_policy's unknown-checking proxies (Mappings/Sequences that raise
``UnknownValueError`` on values Pulumi cannot know during preview); ``plain`` turns them into
dicts/lists with ``UNKNOWN`` in place of such values, so rules decide what unknown means.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Optional

from pulumi_policy.proxy import UnknownValueError

from omsecrets.components import conventions, core, fernet


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()
#: Values that are not real data: unknown during preview, or secrets a tool chose to hide.
PLACEHOLDERS = core.PLACEHOLDERS


# ---------------------------------------------------------------- props


def plain(value: Any) -> Any:
    """A proxy (or plain value) as dicts and lists, unknown values replaced by ``UNKNOWN``."""
    if isinstance(value, Mapping):
        out = {}
        for key in value:
            try:
                out[key] = plain(value[key])
            except UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        items = []
        for i in range(len(value)):
            try:
                items.append(plain(value[i]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def get(props: Any, *path: Any, default: Any = None) -> Any:
    """``props[path[0]][path[1]]...`` as a plain value; ``default`` if absent, ``UNKNOWN`` if unknown."""
    node = props
    for key in path:
        try:
            if isinstance(node, Mapping):
                if key not in node:
                    return default
                node = node[key]
            elif isinstance(node, Sequence) and not isinstance(node, (str, bytes)) and isinstance(key, int):
                if not -len(node) <= key < len(node):
                    return default
                node = node[key]
            else:
                return default
        except UnknownValueError:
            return UNKNOWN
    return plain(node)


def known_str(value: Any) -> Optional[str]:
    """``value`` if it is a real string (not unknown, not a placeholder), else None."""
    return value if isinstance(value, str) and value not in PLACEHOLDERS else None


def known_int(value: Any) -> Optional[int]:
    """``value`` as an int if it is a whole number: the pack's properties come as a protobuf Struct, whose
    numbers are all doubles (3 arrives as 3.0); a bool, a fraction or anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_list(value: Any) -> list:
    """A JSON-policy field that may be one value or a list, as a list."""
    if value is None:
        return []
    if isinstance(value, (str, Mapping)) or value is UNKNOWN:
        return [value]
    return list(value)


def walk_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside ``value`` with its dotted path (unknown values skipped)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key in value:
            try:
                child = value[key]
            except UnknownValueError:
                continue
            yield from walk_strings(child, f"{path}.{key}" if path else str(key))
    elif isinstance(value, Sequence) and not isinstance(value, bytes):
        for i in range(len(value)):
            try:
                child = value[i]
            except UnknownValueError:
                continue
            yield from walk_strings(child, f"{path}[{i}]")


def b64_text(value: Any) -> Optional[str]:
    """The UTF-8 text inside a base64 value (Kubernetes Secret ``data``), or None."""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


# ---------------------------------------------------------------- URNs and resources


def urn_types(urn: str) -> list[str]:
    """The type chain in a URN, outermost parent first: ``[..., parent type, own type]``."""
    parts = urn.split("::", 3)
    return parts[2].split("$") if len(parts) == 4 else []


def parent_type(urn: str) -> Optional[str]:
    types = urn_types(urn)
    return types[-2] if len(types) > 1 else None


def under(urn: str, component_type: str) -> bool:
    """True if a parent (at any depth) of the resource at ``urn`` has ``component_type``."""
    return component_type in urn_types(urn)[:-1]


def of_type(resources: Iterable[Any], *types: str) -> Iterator[Any]:
    wanted = set(types)
    return (r for r in resources if r.resource_type in wanted)


def ancestors(resource: Any) -> Iterator[Any]:
    parent = resource.parent
    while parent is not None:
        yield parent
        parent = parent.parent


# ---------------------------------------------------------------- IAM documents

IAM_POLICY_TYPES = (
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
)
SECRET_SERVICES = ("secretsmanager", "ssm", "kms")


def parse_document(value: Any) -> Optional[dict]:
    """A JSON policy document from a string or an object (None if unknown or not a document)."""
    if isinstance(value, str):
        if value in PLACEHOLDERS:
            return None
        try:
            value = json.loads(value)
        except ValueError:
            return None
    value = plain(value)
    return value if isinstance(value, dict) else None


def statements(document: Optional[Mapping]) -> list[dict]:
    if not document:
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def allows(statement: Mapping) -> bool:
    return statement.get("Effect") == "Allow"


def actions(statement: Mapping) -> list[str]:
    return [a for a in as_list(statement.get("Action")) if isinstance(a, str)]


def service(action: str) -> str:
    return action.split(":", 1)[0].lower() if ":" in action else "*"


def is_wildcard_action(action: str) -> bool:
    """``*`` or a whole-service wildcard such as ``secretsmanager:*``."""
    return action == "*" or action.endswith(":*")


def is_read_action(action: str) -> bool:
    """An action (or pattern) that writes and deletes nothing, by ``core.action_access``: Get/Describe/
    List/BatchGet, ``kms:Decrypt``; ``*`` and ``service:*`` cover writes."""
    return core.is_read_only_action(action)


def policy_size(text: str) -> int:
    """Characters IAM counts against its quotas (whitespace excluded)."""
    return len(re.sub(r"\s", "", text))


def principals(statement: Mapping) -> list[str]:
    """Principal values of a statement (``"*"`` for a bare ``Principal: "*"``)."""
    principal = statement.get("Principal")
    if isinstance(principal, str):
        return [principal]
    if isinstance(principal, Mapping):
        return [p for values in principal.values() for p in as_list(values) if isinstance(p, str)]
    return []


# ---------------------------------------------------------------- Kubernetes

OM_STORE_LABELS = core.OM_K8S_LABELS
K8S_SECRET = "kubernetes:core/v1:Secret"
K8S_CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
K8S_STORE = core.KUBERNETES_STORE_TYPE
_RBAC_VERSIONS = ("v1", "v1beta1", "v1alpha1")


def rbac_types(*kinds: str) -> tuple[str, ...]:
    return tuple(f"kubernetes:rbac.authorization.k8s.io/{v}:{k}" for k in kinds for v in _RBAC_VERSIONS)


def kind(resource_type: str) -> str:
    return resource_type.rsplit(":", 1)[-1]


is_dns_subdomain = conventions.is_dns_subdomain


def rbac_rules(props: Any) -> list[dict]:
    return [r for r in as_list(get(props, "rules")) if isinstance(r, Mapping)]


def grants_on_secrets(rule: Mapping) -> bool:
    return core.rule_covers_secrets(rule)


def secret_values(props: Any) -> Iterator[tuple[str, str]]:
    """``(key, text)`` of a Kubernetes Secret's ``stringData`` and base64-decoded ``data``."""
    string_data, data = get(props, "stringData"), get(props, "data")
    for key, value in (string_data if isinstance(string_data, dict) else {}).items():
        if isinstance(value, str):
            yield key, value
    for key, value in (data if isinstance(data, dict) else {}).items():
        text = b64_text(value)
        if text is not None:
            yield key, text


# ---------------------------------------------------------------- secret material

_DEFAULT_UNPADDED = fernet.OM_PUBLIC_DEFAULT_KEY.rstrip("=")
#: OM's public default Fernet key in standard and urlsafe base64 (without padding).
PUBLIC_DEFAULT_SPELLINGS = (_DEFAULT_UNPADDED, _DEFAULT_UNPADDED.replace("+", "-").replace("/", "_"))
_AWS_SECRET_KEY = re.compile(r"(?<![A-Za-z0-9/+_-])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=_-])")  # not inside a base64url token (a kid)
_SECRET_WORDS = {"password", "passwd", "pwd", "secret", "token", "key", "apikey", "passphrase", "credentials", "credential"}
_TOKENS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def contains_public_default_key(text: str) -> bool:
    return any(s in text for s in PUBLIC_DEFAULT_SPELLINGS)


def is_fernet_key(value: str) -> bool:
    """A 32-byte base64 Fernet key (OM's public default included)."""
    try:
        fernet.validate_key(value.strip())
        return True
    except ValueError:
        return contains_public_default_key(value) and len(value.strip()) == 44


_KEY_TOKEN = re.compile(r"(?<![A-Za-z0-9_+/-])[A-Za-z0-9_+/-]{43}=")


def has_fernet_key(value: str) -> bool:
    """A value holding a Fernet key anywhere (alone, in a ring, inside a larger text)."""
    return any(is_fernet_key(token) for token in _KEY_TOKEN.findall(value))


def looks_like_aws_secret_key(value: str) -> bool:
    """40 base64 characters with both letter cases, as AWS secret access keys are."""
    return any(
        re.search(r"[a-z]", m) and re.search(r"[A-Z]", m) for m in _AWS_SECRET_KEY.findall(value)
    )


def secret_like_key(name: str) -> bool:
    """A key whose last word names a secret: ``DB_PASSWORD``, ``apiKey``, ``client-secret``."""
    words = [w.lower() for w in _TOKENS.findall(name)]
    if not words or words[-1] not in _SECRET_WORDS:
        return False
    return not (len(words) > 1 and words[-1] == "key" and words[-2] in ("public", "ssh", "host"))


def is_reference(value: str) -> bool:
    """An OM ``secret:<id>`` reference or a ``${VAR}`` placeholder, not a secret itself."""
    return value.startswith("secret:") or bool(re.fullmatch(r"\$\{[^}]+\}", value.strip()))


def secret_value_findings(data: Mapping) -> list[str]:
    """``<key> holds ...`` for each entry of a plain-text mapping (ConfigMap data, env) that looks secret: a Fernet
    key, an AWS secret access key, or a value under a key named like a secret (references and placeholders aside)."""
    out = []
    for key, value in sorted(data.items()):
        if not isinstance(value, str) or not value.strip() or value in PLACEHOLDERS or is_reference(value):
            continue
        if has_fernet_key(value):
            out.append(f"{key} holds a Fernet key")
        elif looks_like_aws_secret_key(value):
            out.append(f"{key} looks like an AWS secret access key")
        elif secret_like_key(key):
            out.append(f"{key} is named like a secret and has a value")
    return out
