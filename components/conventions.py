"""OpenMetadata's secret-naming and tag conventions, reproduced from the server's code.

Source: openmetadata-service/src/main/java/org/openmetadata/service/secrets/
``SecretsManager.java`` (``buildSecretId``, ``getTags``) and the per-provider managers
(``AWSSecretsManager``, ``AWSSSMSecretsManager``, ``KubernetesSecretsManager``,
``AzureKVSecretsManager``, ``GCPSecretsManager``). Where OM's docs disagree with this code
(e.g. the docs claim ``team-prod-...`` for a prefix on Kubernetes; the code glues ``teamprod-...``),
this module follows the code.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Optional

import yaml

from . import core

__all__ = [
    "ConventionError",
    "PROVIDERS",
    "STORE_PROVIDERS",
    "MANAGED_PROVIDERS",
    "ProviderRules",
    "rules_for",
    "secret_id",
    "secret_reference",
    "parse_reference",
    "clean_part",
    "id_prefix",
    "sanitize_k8s",
    "parse_tags",
    "format_tags",
    "om_tags",
    "tag_problems",
    "name_problems",
    "id_problems",
    "find_collisions",
    "SECRET_PREFIX",
]

SECRET_PREFIX = "secret:"

PROVIDERS = core.PROVIDERS
STORE_PROVIDERS = core.STORE_PROVIDERS
MANAGED_PROVIDERS = core.MANAGED_PROVIDERS
#: How one provider builds and limits secret ids (defined in ``core``).
ProviderRules = core.IdConvention


class ConventionError(ValueError):
    """A name, id or tag that OpenMetadata would reject, truncate or fail to find."""


def rules_for(provider: str) -> ProviderRules:
    """The id rules of ``provider``; ``db`` and unknown providers raise ConventionError."""
    if provider == core.DB:
        raise ConventionError(
            "provider 'db' keeps secrets Fernet-encrypted in OpenMetadata's database: it has no "
            "secret ids; choose one of " + ", ".join(STORE_PROVIDERS)
        )
    try:
        ids = core.provider(provider).ids
    except KeyError as exc:
        raise ConventionError(exc.args[0]) from None
    assert ids is not None
    return ids


def clean_part(provider: str, part: str) -> str:
    """One id part cleaned exactly as OM's ``secretIdPattern.replaceAll`` does."""
    rules = rules_for(provider)
    return rules.clean_pattern.sub(rules.clean_replacement, part)


_HYPHENS = re.compile(r"-{2,}")


def sanitize_k8s(name: str, *, cut: bool = True) -> str:
    """OM's ``sanitizeForK8s``: collapse hyphens, strip them at both ends, cut to 253."""
    out = _HYPHENS.sub("-", name).strip("-")
    if cut:
        out = out[:253].strip("-")
    if not out:
        raise ConventionError(f"the Kubernetes secret name built from {name!r} is empty")
    return out


def _build(provider: str, values: Sequence[str], *, root: bool, prefix: str, cluster: str, cut: bool = True) -> str:
    """One call of OM's ``buildSecretId(addClusterPrefix=root, values...)``."""
    rules = rules_for(provider)
    sep = rules.separator
    cleaned = [rules.clean_pattern.sub(rules.clean_replacement, v) for v in values]
    if root:
        head = ""
        if prefix:
            head += (sep if rules.starts_with_separator else "") + prefix
        head += (sep if rules.starts_with_separator else "") + cluster
        out = head + "".join(sep + v for v in cleaned)
    else:
        out = sep.join(cleaned)
    out = out.lower()
    if rules.family == "kubernetes":
        out = sanitize_k8s(out, cut=cut)
    return out


def _unchecked_id(
    provider: str, parts: Sequence[str], prefix: str, cluster: str, root_parts: int, *, cut: bool = True
) -> str:
    """OM's id for ``parts``: a root id, then one nesting step per further part.

    An id of root parts only (OM stores nothing there; om-secrets' own Fernet copies) gets one
    re-cleaning step too, so prefix and clusterName appear in it as in every field id; for names
    that cleaning leaves alone this is exactly OM's root id.
    """
    parts = [str(p) for p in parts]
    if not parts:
        raise ConventionError("a secret id needs at least one part, e.g. ['database', 'mysql', 'password']")
    n = max(1, min(root_parts, len(parts)))
    sid = _build(provider, parts[:n], root=True, prefix=prefix, cluster=cluster, cut=cut)
    if len(parts) == n:
        return _build(provider, [sid], root=False, prefix=prefix, cluster=cluster, cut=cut)
    for part in parts[n:]:
        sid = _build(provider, [sid, part.lower()], root=False, prefix=prefix, cluster=cluster, cut=cut)
    return sid


def id_prefix(provider: str, prefix: str = "", cluster_name: str = "openmetadata") -> str:
    """The start every id of this prefix/cluster shares, as OM's field ids spell it.

    E.g. ``/team/om_prod/`` (AWS, cluster ``om.prod``), ``teamomprod-`` (Azure), ``teamomprod_``
    (GCP), ``teamom-prod-`` (Kubernetes): what IAM conditions and ARN scopes must match.
    """
    rules = rules_for(provider)
    probe = ["a0", "b0", "c0"]
    sid = _unchecked_id(provider, probe, prefix, cluster_name, 2, cut=False)
    tail = rules.separator.join(probe)
    if sid == tail:  # Kubernetes: the head cleaned away entirely
        return ""
    if not sid.endswith(rules.separator + tail):
        raise ConventionError(f"cannot derive the id prefix of {prefix!r}/{cluster_name!r} on {provider!r}")
    return sid[: len(sid) - len(tail)]


def secret_id(
    provider: str,
    parts: Sequence[str],
    *,
    prefix: str = "",
    cluster_name: str = "openmetadata",
    root_parts: int = 2,
) -> str:
    """The id OM builds for ``parts``, e.g. ``['database', 'mysql-test', 'password']``.

    The first ``root_parts`` parts (``<serviceType>/<serviceName>``, ``bot/<name>``...) form the
    root id, ``buildSecretId(true, ...)``; every further part is one nesting step,
    ``buildSecretId(false, id, part.lower())``, as OM does for nested objects and password fields.
    Any prefix/cluster name OM accepts is accepted (cleaned as OM's nesting cleans it); raises
    ConventionError for ``db``, an empty clusterName, or an id the backend refuses (length,
    characters, SSM levels).
    """
    problems = name_problems(provider, prefix=prefix, cluster_name=cluster_name)
    if problems:
        raise ConventionError("; ".join(problems))
    sid = _unchecked_id(provider, parts, prefix, cluster_name, root_parts)
    problems = id_problems(
        provider, sid, parts=parts, prefix=prefix, cluster_name=cluster_name, root_parts=root_parts
    )
    if problems:
        raise ConventionError("; ".join(problems))
    return sid


def secret_reference(provider: str, parts: Sequence[str], **kwargs) -> str:
    """``secret:<id>``: the value users put into an OM password field."""
    return SECRET_PREFIX + secret_id(provider, parts, **kwargs)


def parse_reference(value: str) -> str:
    """The id inside a ``secret:<id>`` reference (as OM ingestion strips it)."""
    if not value.startswith(SECRET_PREFIX) or len(value) == len(SECRET_PREFIX):
        raise ConventionError(f"{value!r} is not an OpenMetadata secret reference 'secret:<id>'")
    return value[len(SECRET_PREFIX):]


# ---------------------------------------------------------------- names and ids

#: Names each backend accepts (after OM's cleaning every field id has only these characters).
_BACKEND_NAME = {
    "aws-sm": (re.compile(r"[A-Za-z0-9/_+=.@\-]+"), "letters, digits and /_+=.@-"),
    "aws-ssm": (re.compile(r"[A-Za-z0-9/_.\-]+"), "letters, digits and /_.-"),
    "kubernetes": (re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"), "a DNS-1123 subdomain"),
    "azure": (re.compile(r"[A-Za-z0-9\-]+"), "letters, digits and '-'"),
    "gcp": (re.compile(r"[A-Za-z0-9_\-]+"), "letters, digits, '_' and '-'"),
}


def name_problems(provider: str, *, prefix: str, cluster_name: str) -> list[str]:
    """Why a prefix or cluster name cannot work (empty list if fine).

    OM accepts any ``clusterName``/``prefix`` and cleans them in every field id (``om-prod`` on GCP
    gives ``omprod_...``, ``om.prod`` on AWS ``/om_prod/...``), so om-secrets computes that id
    instead of refusing. Refused: an empty clusterName, and names whose ids the backend refuses
    (SSM: an empty ``//`` level, a first level starting with ``aws``/``ssm``).
    """
    try:
        rules = rules_for(provider)
    except ConventionError as exc:
        return [str(exc)]
    out = []
    if not cluster_name:
        out.append("clusterName is empty: OM would build ids such as '//database/...'; set a name")
        return out
    for key, value in (("prefix", prefix), ("clusterName", cluster_name)):
        if "%" in value:
            # buildSecretId appends both to a String.format pattern: a '%' breaks every id.
            out.append(f"{key} {value!r} contains '%': OM puts it into a String.format pattern and fails; remove it")
    if out:
        return out
    if rules.family == "aws-ssm":
        head = id_prefix(provider, prefix, cluster_name)
        levels = head.strip("/").split("/")
        which = "prefix" if prefix else "clusterName"
        if "//" in head:
            value = prefix if prefix and "//" in f"/{prefix}/" else cluster_name
            key = "prefix" if value == prefix and prefix else "clusterName"
            out.append(
                f"{key} {value!r} gives ids with an empty level ({head!r}...); SSM refuses such parameter "
                "names: remove the leading, trailing or doubled '/'"
            )
        elif levels[0].startswith(("aws", "ssm")):
            value = prefix if prefix else cluster_name
            out.append(f"{which} {value!r}: SSM parameter names may not begin with 'aws' or 'ssm' (ids would start {head!r})")
    return out


def id_problems(
    provider: str,
    sid: str,
    *,
    parts: Sequence[str] = (),
    prefix: str = "",
    cluster_name: str = "",
    root_parts: int = 2,
) -> list[str]:
    """Why ``sid`` is over the provider's limits (length, characters, SSM levels, Kubernetes truncation)."""
    rules = rules_for(provider)
    out = []
    if rules.family == "kubernetes":
        raw = _unchecked_id("kubernetes", parts, prefix, cluster_name, root_parts, cut=False) if parts else sid
        if len(raw) > rules.max_length:
            out.append(
                f"secret id for {'/'.join(map(str, parts))!r} is {len(raw)} characters; OM cuts "
                f"Kubernetes names to {rules.max_length}, so distinct secrets could share one name: "
                "shorten the service or field names"
            )
    elif len(sid) > rules.max_length:
        out.append(
            f"secret id {sid[:60]!r}... is {len(sid)} characters; provider {provider!r} allows at "
            f"most {rules.max_length}"
        )
    pattern, what = _BACKEND_NAME[rules.family]
    if not out and not pattern.fullmatch(sid):
        out.append(f"secret id {sid!r} is not a valid name for provider {provider!r}: expected {what}")
    if rules.max_levels is not None:
        levels = len([s for s in sid.split("/") if s])
        if levels > rules.max_levels:
            out.append(
                f"secret id {sid!r} has {levels} levels; SSM parameter names allow at most {rules.max_levels}"
            )
        if "//" in sid:
            out.append(f"secret id {sid!r} has an empty level '//'; SSM refuses such parameter names")
    return out


def find_collisions(
    provider: str,
    secrets: Mapping[str, Sequence[str]],
    *,
    prefix: str = "",
    cluster_name: str = "openmetadata",
    root_parts: int = 2,
) -> dict[str, list[str]]:
    """Ids shared by several logical secrets after OM's cleaning: ``{id: [names...]}``."""
    seen: dict[str, list[str]] = {}
    for name, parts in secrets.items():
        sid = _unchecked_id(provider, parts, prefix, cluster_name, root_parts)
        seen.setdefault(sid, []).append(name)
    return {sid: sorted(names) for sid, names in sorted(seen.items()) if len(names) > 1}


# ---------------------------------------------------------------- tags


def parse_tags(value: str | Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """Tags from OM's ``[k1:v1,k2:v2]`` string, a list of ``k:v`` strings, or a dict.

    Entries are split on the first ``:`` (a value containing ``:`` is kept whole here; see
    ``tag_problems`` for providers that truncate it). An entry without ``:``, which OM would log
    and skip, is an error.
    """
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        entries = [e.strip() for e in text.split(",")] if text.strip() else []
    elif isinstance(value, Iterable):
        entries = [str(e).strip() for e in value]
    else:
        raise ConventionError(
            f"tags {value!r} are a {type(value).__name__}; expected an object, a list of 'key:value' "
            "or a '[k1:v1,k2:v2]' string"
        )
    out: dict[str, str] = {}
    for entry in entries:
        if ":" not in entry:
            raise ConventionError(
                f"tag {entry!r} has no ':'; OM expects 'key:value' entries (it would skip this one)"
            )
        key, val = entry.split(":", 1)
        if key in out:
            raise ConventionError(f"tag key {key!r} is given twice")
        out[key] = val
    return out


def format_tags(tags: Mapping[str, str]) -> str:
    """The ``SECRET_MANAGER_TAGS`` form ``[k1:v1,k2:v2]``, keys sorted."""
    bad = [f"{k}:{v}" for k, v in tags.items() if any(c in f"{k}{v}" for c in ",[]") or ":" in k]
    if bad:
        raise ConventionError(f"tags {bad} contain ',', '[', ']' or a ':' in the key: OM cannot parse them")
    entries = tuple(f"{k}:{v}" for k, v in sorted(tags.items()))
    text = "[" + ",".join(entries) + "]"
    if entries and _yaml_list(text) != entries:
        raise ConventionError(f"tags {text} do not survive OM's YAML parsing; avoid YAML-special characters")
    return text


@functools.lru_cache(maxsize=256)
def _yaml_list(text: str) -> Optional[tuple]:
    """``text`` parsed as OM parses ``SECRET_MANAGER_TAGS`` (YAML), as a tuple; None if not a list."""
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return tuple(parsed) if isinstance(parsed, list) else None


def om_tags(provider: str, tags: Mapping[str, str]) -> dict[str, str]:
    """The tags OM itself would set on a secret it creates (``getTags``), for comparison."""
    if rules_for(provider).truncates_tag_values:
        return {k: v.split(":")[0] for k, v in tags.items() if v}
    return dict(tags)


_AWS_TAG = re.compile(r"[\w .:/=+\-@]*", re.UNICODE)
_K8S_NAME = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
OM_K8S_LABELS = core.OM_K8S_LABELS


def is_dns_label(name: str) -> bool:
    """A Kubernetes DNS-1123 label (namespaces, ServiceAccount-style names): at most 63 characters."""
    return isinstance(name, str) and len(name) <= 63 and DNS_LABEL.fullmatch(name) is not None


def is_dns_subdomain(name: str) -> bool:
    """A Kubernetes DNS-1123 subdomain (most object names): at most 253 characters."""
    return isinstance(name, str) and 0 < len(name) <= 253 and DNS_SUBDOMAIN.fullmatch(name) is not None
#: GCP labels: at most 64 on a resource; keys 1-63 starting with a lower-case letter, values 0-63;
#: lower-case letters (any script), digits, '_' and '-'.
GCP_MAX_LABELS = 64
GCP_LABEL_MAX_LENGTH = 63


def _gcp_label_text(text: str) -> bool:
    return len(text) <= GCP_LABEL_MAX_LENGTH and all(c.islower() or c in "0123456789_-" for c in text)


def is_gcp_label_key(key: str) -> bool:
    return isinstance(key, str) and key[:1].islower() and _gcp_label_text(key)


def is_gcp_label_value(value: str) -> bool:
    return isinstance(value, str) and _gcp_label_text(value)


def tag_problems(provider: str, tags: Mapping[str, str], *, key: str = "tags") -> list[str]:
    """Why ``tags`` would be truncated by OM or refused by the provider (empty if fine)."""
    out: list[str] = []
    try:
        format_tags(tags)
    except ConventionError as exc:
        out.append(f"{key}: {exc}")
    if provider == core.DB:
        return out
    family = rules_for(provider).family
    for k, v in tags.items():
        where = f"{key}.{k}"
        if rules_for(provider).truncates_tag_values and ":" in v:
            out.append(
                f"{where}: value {v!r} contains ':'; OM splits tags on ':' and would store only "
                f"{v.split(':')[0]!r} for provider {provider!r}: remove the ':'"
            )
        if not v and rules_for(provider).truncates_tag_values:
            out.append(f"{where}: value is empty; OM drops tags without a value: give it a value")
        if family in ("aws-sm", "aws-ssm"):
            if not 1 <= len(k) <= 128 or not _AWS_TAG.fullmatch(k):
                out.append(f"{where}: key {k!r} is not a valid AWS tag key (1-128 of letters, digits, spaces, _.:/=+-@)")
            if k.lower().startswith("aws:"):
                out.append(f"{where}: key {k!r} uses the reserved 'aws:' prefix")
            if len(v) > 256 or not _AWS_TAG.fullmatch(v):
                out.append(f"{where}: value {v!r} is not a valid AWS tag value (0-256 of letters, digits, spaces, _.:/=+-@)")
        elif family == "kubernetes":
            out.extend(label_problems(k, v, where=where))
        elif family == "gcp":
            if not (is_gcp_label_key(k) and is_gcp_label_value(v)):
                out.append(f"{where}: {k}:{v} is not a valid GCP label (lower-case letters, digits, '_', '-'; at most 63)")
        elif family == "azure":
            if len(k) > 512 or len(v) > 256 or any(c in k for c in "<>%&\\?/"):
                out.append(f"{where}: {k}:{v} is not a valid Azure tag (key <= 512 without <>%&\\?/, value <= 256)")
    return out


def label_problems(k: str, v: str, *, where: str) -> list[str]:
    """Why ``k: v`` is not a valid Kubernetes label."""
    out = []
    dns_prefix, _, name = k.rpartition("/")
    if dns_prefix and (len(dns_prefix) > 253 or not DNS_SUBDOMAIN.fullmatch(dns_prefix)):
        out.append(f"{where}: label key prefix {dns_prefix!r} is not a DNS subdomain (lower-case, at most 253)")
    if not name or len(name) > 63 or not _K8S_NAME.fullmatch(name):
        out.append(
            f"{where}: label key {k!r} is invalid: the name part must be 1-63 of letters, digits, "
            "'-', '_', '.', starting and ending with a letter or digit"
        )
    if len(v) > 63 or not _K8S_NAME.fullmatch(v):
        out.append(
            f"{where}: label value {v!r} is invalid: at most 63 of letters, digits, '-', '_', '.', "
            "starting and ending with a letter or digit"
        )
    return out
