"""Offline preview engine: run a Pulumi program under Pulumi's mock runtime and capture it.

There is no Pulumi CLI and no provider plugin here. ``preview()`` runs ``__main__.py`` of a
project with ``pulumi.runtime.set_mocks`` and a capturing monitor, fabricates realistic
provider outputs (ARNs, random values, ...) so ``apply`` chains run, and returns every
registered resource with its inputs and options plus the stack outputs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import dataclasses
import functools
import hashlib
import os
import re
import runpy
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Optional

from google.protobuf import json_format, struct_pb2

import pulumi
from pulumi.runtime import rpc, settings
from pulumi.runtime.mocks import MockMonitor, MockResourceArgs, Mocks, _resolve_callbacks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.stack import massage, run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from omsecrets.components import core
from omsecrets.project import (  # noqa: F401 re-exported: engine.load_stack_file etc.
    StackFile,
    StackFileError,
    StackNotFoundError,
    _placeholder,
    _qualify,
    encode_config,
    list_stacks,
    load_project,
    load_stack_file,
    require_config,
    stack_file_path,
)

__all__ = [
    "ACCOUNT_ID",
    "SECRET_TEXT",
    "STACK_TYPE",
    "UNKNOWN_TEXT",
    "CapturedResource",
    "CapturingMonitor",
    "Diagnostic",
    "FabricatingMocks",
    "PreviewResult",
    "PreviewTimeoutError",
    "StackFile",
    "StackFileError",
    "StackNotFoundError",
    "decode_struct",
    "encode_config",
    "is_secret",
    "list_stacks",
    "load_project",
    "load_stack_file",
    "plain",
    "preview",
    "stack_file_path",
]

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
DEFAULT_TIMEOUT = 300.0
STACK_TYPE = "pulumi:pulumi:Stack"
SECRET_TEXT = core.SECRET_PLACEHOLDER
UNKNOWN_TEXT = core.UNKNOWN_PLACEHOLDER

_SIG = rpc._special_sig_key
_SECRET_SIG = rpc._special_secret_sig
_RESOURCE_SIG = rpc._special_resource_sig
_OUTPUT_SIG = rpc._special_output_value_sig


class PreviewTimeoutError(TimeoutError):
    """The program did not finish (an Output or future never resolved)."""


def _project_defaults(project: dict) -> dict[str, Any]:
    """Values and defaults declared in the ``config:`` block of Pulumi.yaml."""
    schema_keys = {"type", "default", "description", "secret", "items", "value"}
    values = {}
    for key, spec in (project.get("config") or {}).items():
        if isinstance(spec, dict) and spec and set(spec) <= schema_keys:
            if "value" in spec or "default" in spec:
                values[key] = spec.get("value", spec.get("default"))
        else:
            values[key] = spec
    return values


def _resolve_config(project_dir: Path, project: dict, stack: str, config_file, config, secret_keys):
    name = project["name"]
    values, secrets = encode_config(_project_defaults(project), name)
    if config_file is None and config is None:
        config_file = stack_file_path(project_dir, stack)
        if not config_file.is_file():
            raise StackNotFoundError(stack, config_file, list_stacks(project_dir))
    if config_file is not None:
        stack_file = require_config(load_stack_file(config_file, name))
        values.update(stack_file.config)
        secrets += stack_file.secret_keys
    if config:
        extra, extra_secrets = encode_config(config, name)
        values.update(extra)
        secrets += extra_secrets
    secrets += [_qualify(k, name) for k in secret_keys]
    return values, sorted(set(secrets))


# --------------------------------------------------------------------------- values


def is_secret(value: Any) -> bool:
    """True for a Pulumi secret signature dict."""
    return isinstance(value, dict) and value.get(_SIG) == _SECRET_SIG


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def plain(value: Any, show_secrets: bool = False, sort_keys: bool = True) -> Any:
    """Turn captured values into plain JSON: secrets -> "[secret]", unknowns -> "[unknown]"."""
    if isinstance(value, str):
        return UNKNOWN_TEXT if value == rpc.UNKNOWN else value
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        sig = value.get(_SIG)
        if sig is None:
            keys = sorted(value) if sort_keys else value
            return {k: plain(value[k], show_secrets, sort_keys) for k in keys}
        return _plain_signature(value, sig, show_secrets, sort_keys)
    if isinstance(value, (list, tuple)):
        return [plain(v, show_secrets, sort_keys) for v in value]
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN_TEXT
    return value


def _plain_signature(value: dict, sig: str, show_secrets: bool, sort_keys: bool) -> Any:
    if sig == _SECRET_SIG:
        return plain(value.get("value"), show_secrets, sort_keys) if show_secrets else SECRET_TEXT
    if sig == _RESOURCE_SIG:
        return value.get("urn")
    if sig == _OUTPUT_SIG:
        if value.get("secret") and not show_secrets:
            return SECRET_TEXT
        return plain(value["value"], show_secrets, sort_keys) if "value" in value else UNKNOWN_TEXT
    return {k: plain(v, show_secrets, sort_keys) for k, v in sorted(value.items()) if k != _SIG}


def _decode(value: Any) -> Any:
    """Protobuf Struct values -> Python, keeping signature dicts; integral numbers -> int."""
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, struct_pb2.Struct):
        return decode_struct(value)
    if isinstance(value, struct_pb2.ListValue):
        return [_decode(v) for v in value]
    return value


def decode_struct(struct: Optional[struct_pb2.Struct]) -> dict:
    """Decode a protobuf Struct without constructing resources or Outputs."""
    if struct is None:
        return {}
    return {k: v for k, v in ((k, _decode(v)) for k, v in struct.items()) if v is not None}


def _intify(value: Any) -> Any:
    """Integral floats -> int, in place for dicts and lists."""
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (float, dict, list)):
                value[key] = _intify(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, (float, dict, list)):
                value[index] = _intify(item)
    return value


def _unwrap(value: Any) -> tuple[Any, bool]:
    return (value["value"], True) if is_secret(value) else (value, False)


def _rewrap(value: Any, secret: bool) -> Any:
    return rpc.wrap_rpc_secret(value) if secret else value


# --------------------------------------------------------------------------- capture


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """A message the program logged through ``pulumi.log``."""

    severity: str
    message: str


class CapturedResource:
    """One resource registration; fields are read from the request on first use."""

    def __init__(self, urn: str, id: Optional[str], state: dict, request, outputs=None, alias_urns=()):
        self.urn = urn
        self.id = id or None
        self.state = state
        self._request = request
        self._outputs = outputs
        self.alias_urns = list(alias_urns)

    def __repr__(self) -> str:
        return f"CapturedResource({self.urn!r})"

    type = property(lambda self: self._request.type, doc="Type token.")
    name = property(lambda self: self._request.name, doc="Logical name.")
    parent = property(lambda self: self._request.parent or None, doc="Parent URN.")
    custom = property(lambda self: bool(self._request.custom), doc="Custom (not component).")
    provider = property(lambda self: self._request.provider or None, doc="Provider reference.")

    @functools.cached_property
    def options(self) -> dict[str, Any]:
        """protect, retainOnDelete, deleteBeforeReplace, dependsOn, additionalSecretOutputs, ignoreChanges."""
        return _options(self._request)

    @functools.cached_property
    def inputs(self) -> dict[str, Any]:
        """Inputs as sent to the engine; secrets stay Pulumi secret signature dicts."""
        return decode_struct(self._request.object)

    @property
    def plain_inputs(self) -> dict[str, Any]:
        """Inputs with secrets unwrapped (for assertions)."""
        return plain(self.inputs, show_secrets=True)

    @functools.cached_property
    def outputs(self) -> dict[str, Any]:
        """Outputs registered by a component (``register_outputs``)."""
        return decode_struct(self._outputs)

    @functools.cached_property
    def aliases(self) -> list:
        """Alias URNs and alias specs (as dicts)."""
        specs = [a.urn or json_format.MessageToDict(a) for a in self._request.aliases]
        return specs + list(self._request.aliasURNs)

    def secret_input(self, key: str) -> bool:
        """True if the top-level input ``key`` is (or contains) a secret."""
        return _contains_secret(self.inputs.get(key))

    def to_document(self, show_secrets: bool = False) -> dict:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "inputs": plain(self.inputs, show_secrets),
            "options": {
                **{k: list(v) if isinstance(v, list) else v for k, v in self.options.items()},
                "aliases": list(self.alias_urns),
            },
        }


def _contains_secret(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(_contains_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secret(v) for v in value)
    return False


def _options(request) -> dict[str, Any]:
    return {
        "protect": bool(request.protect),
        "retainOnDelete": bool(request.retainOnDelete),
        "deleteBeforeReplace": bool(request.deleteBeforeReplace),
        "dependsOn": sorted(request.dependencies),
        "additionalSecretOutputs": list(request.additionalSecretOutputs),
        "ignoreChanges": list(request.ignoreChanges),
    }


def _mark_secret_outputs(state: dict, names) -> dict:
    """Apply additionalSecretOutputs as the real engine does (the stock mock ignores them)."""
    wrap = [key for key in names if state.get(key) is not None and not is_secret(state[key])]
    if not wrap:
        return state
    return {**state, **{key: rpc.wrap_rpc_secret(state[key]) for key in wrap}}


def _serialize(state: dict) -> struct_pb2.Struct:
    """serialize_properties without an event loop when nothing needs awaiting."""
    coro = rpc.serialize_properties(state, {})
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    except Exception:  # noqa: BLE001 retried below with a loop, which reports it properly
        pass
    coro.close()
    return _sync_await(rpc.serialize_properties(state, {}))


class CapturingMonitor(MockMonitor):
    """MockMonitor that records every registration, its options and registered outputs."""

    def __init__(self, mocks: Mocks):
        super().__init__(mocks)
        self.captured: dict[str, CapturedResource] = {}
        self.registered_outputs: dict[str, struct_pb2.Struct] = {}
        self.stack_urn: Optional[str] = None

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()
        args = MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=rpc.deserialize_properties(request.object),
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
            transforms=_resolve_callbacks(request.transforms) if request.transforms else None,
        )
        args.urn = urn
        id_, state = self.mocks.new_resource(args)
        if request.custom:
            state = _mark_secret_outputs(state, request.additionalSecretOutputs)
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, state)
        self.captured[urn] = CapturedResource(urn, id_, state, request, alias_urns=self._alias_urns(request))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=_serialize(state))

    def _alias_urns(self, request) -> list[str]:
        """The URNs the resource's aliases stand for (alias specs resolved as the engine does)."""
        urns = []
        for alias in request.aliases:
            if alias.urn:
                urns.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            urn = self.make_urn(parent, spec.type or request.type, spec.name or request.name)
            head, stack_project, rest = urn.split("::", 2)[0], urn.split("::")[1], urn.split("::", 2)[2]
            stack = spec.stack or head.removeprefix("urn:pulumi:")
            urns.append(f"urn:pulumi:{stack}::{spec.project or stack_project}::{rest}")
        return list(dict.fromkeys([*urns, *request.aliasURNs]))

    def RegisterResourceOutputs(self, request):
        self.registered_outputs[request.urn] = request.outputs
        return super().RegisterResourceOutputs(request)


# --------------------------------------------------------------------------- mocks


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(parts).encode()).digest()


def _hex(seed: str, size: int = 64) -> str:
    return _digest(seed).hex()[:size]


def _stream(seed: str, size: int) -> bytes:
    """``size`` bytes: sha256(seed) repeated."""
    block = _digest(seed)
    return (block * (size // len(block) + 1))[:size]


def _uuid(seed: str) -> str:
    return str(uuid.UUID(bytes=_digest("uuid", seed)[:16], version=4))


def _kebab(camel: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", camel).lower()


_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?"
_PET_WORDS = ("amber", "brisk", "cedar", "dune", "ember", "fern", "grove", "harbor",
              "iris", "jade", "kestrel", "lark", "maple", "nectar", "otter", "pine")


def _pick(seed: str, alphabet: str, size: int) -> str:
    data = b"".join(_digest(seed, str(i)) for i in range(size // 32 + 1))
    return "".join(alphabet[b % len(alphabet)] for b in data[:size])


def _password(seed: str, inputs: dict) -> str:
    """Deterministic password honouring length, character classes and minimums."""
    length = int(inputs.get("length") or 16)
    classes = [
        ("upper", "minUpper", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        ("lower", "minLower", "abcdefghijklmnopqrstuvwxyz"),
        ("numeric", "minNumeric", "0123456789"),
        ("special", "minSpecial", inputs.get("overrideSpecial") or _DEFAULT_SPECIAL),
    ]
    enabled = [(int(inputs.get(m) or 0), chars) for flag, m, chars in classes if inputs.get(flag, True)]
    if not enabled:
        return ""
    chars = [c for n, (count, alphabet) in enumerate(enabled) for c in _pick(f"{seed}/{n}", alphabet, count)]
    pool = "".join(alphabet for _, alphabet in enabled)
    chars += _pick(f"{seed}/pool", pool, max(0, length - len(chars)))
    order = _stream(f"{seed}/order", max(len(chars), 1) * 2)
    for i in range(len(chars) - 1, 0, -1):
        j = int.from_bytes(order[2 * i:2 * i + 2], "big") % (i + 1)
        chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


@dataclasses.dataclass(frozen=True)
class _Fab:
    """What a fabricator knows about the resource being created."""

    type: str
    name: str
    urn: str
    inputs: dict
    region: str
    account: str

    def physical(self, key: str = "name", lower: bool = False) -> str:
        value, _ = _unwrap(self.inputs.get(key))
        if value:
            return value
        prefix, _ = _unwrap(self.inputs.get(key + "Prefix"))
        base = prefix or f"{self.name}-"
        auto = base + _hex(self.urn, 7)
        return auto.lower() if lower else auto


def _aws_generic(f: _Fab) -> tuple[str, dict]:
    service, _, member = f.type.split(":")[1].partition("/")
    phys = f.physical()
    return phys, {"arn": f"arn:aws:{service}:{f.region}:{f.account}:{_kebab(member)}/{phys}"}


def _aws_secret(f: _Fab) -> tuple[str, dict]:
    name = f.physical()
    arn = f"arn:aws:secretsmanager:{f.region}:{f.account}:secret:{name}-AbCdEf"
    return arn, {"name": name, "arn": arn}


def _aws_secret_version(f: _Fab) -> tuple[str, dict]:
    secret_id, _ = _unwrap(f.inputs.get("secretId"))
    version = _uuid(f.urn)
    return f"{secret_id}|{version}", {"arn": secret_id, "versionId": version,
                                     "versionStages": f.inputs.get("versionStages") or ["AWSCURRENT"]}


def _aws_parameter(f: _Fab) -> tuple[str, dict]:
    name = f.physical()
    sep = "" if name.startswith("/") else "/"
    return name, {"name": name, "arn": f"arn:aws:ssm:{f.region}:{f.account}:parameter{sep}{name}",
                  "version": 1, "tier": f.inputs.get("tier") or "Standard"}


def _aws_iam(kind: str, id_is_arn: bool, unique_prefix: str):
    def fabricate(f: _Fab) -> tuple[str, dict]:
        name = f.physical()
        path = f.inputs.get("path") or "/"
        arn = f"arn:aws:iam::{f.account}:{kind}{path}{name}"
        unique = unique_prefix + _pick(f.urn, _BASE32, 17)
        extra = {"name": name, "arn": arn, "path": path, ("policyId" if kind == "policy" else "uniqueId"): unique}
        return (arn if id_is_arn else name), extra

    return fabricate


def _aws_kms_key(f: _Fab) -> tuple[str, dict]:
    key_id = _uuid(f.urn)
    return key_id, {"keyId": key_id, "arn": f"arn:aws:kms:{f.region}:{f.account}:key/{key_id}"}


def _aws_kms_alias(f: _Fab) -> tuple[str, dict]:
    name = f.physical() if f.inputs.get("name") else "alias/" + f.physical()
    target, _ = _unwrap(f.inputs.get("targetKeyId"))
    return name, {"name": name, "arn": f"arn:aws:kms:{f.region}:{f.account}:{name}",
                  "targetKeyArn": target if str(target).startswith("arn:") else
                  f"arn:aws:kms:{f.region}:{f.account}:key/{target}"}


def _aws_access_key(f: _Fab) -> tuple[str, dict]:
    key_id = "AKIA" + _pick(f.urn, _BASE32, 16)
    secret = base64.b64encode(_stream("secret/" + f.urn, 30)).decode()
    smtp = base64.b64encode(_stream("smtp/" + f.urn, 33)).decode()
    return key_id, {"secret": secret, "sesSmtpPasswordV4": smtp, "status": f.inputs.get("status") or "Active"}


def _aws_bucket(f: _Fab) -> tuple[str, dict]:
    bucket = f.physical("bucket", lower=True)
    return bucket, {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}",
                    "bucketDomainName": f"{bucket}.s3.amazonaws.com"}


def _random_bytes(f: _Fab) -> tuple[str, dict]:
    data = _stream(f.urn, int(f.inputs.get("length") or 0))
    return "none", {"base64": base64.b64encode(data).decode(), "hex": data.hex()}


def _random_password(f: _Fab) -> tuple[str, dict]:
    result = _password(f.urn, f.inputs)
    return "none", {"result": result, "bcryptHash": "$2a$10$" + _pick("bcrypt/" + f.urn, _BASE32.lower() + "./", 53)}


def _random_string(f: _Fab) -> tuple[str, dict]:
    result = _password(f.urn, f.inputs)
    return result, {"result": result}


def _random_id(f: _Fab) -> tuple[str, dict]:
    data = _stream(f.urn, int(f.inputs.get("byteLength") or 0))
    prefix = f.inputs.get("prefix") or ""
    url = base64.urlsafe_b64encode(data).decode().rstrip("=")
    return prefix + url, {
        "hex": prefix + data.hex(),
        "b64Url": prefix + url,
        "b64Std": prefix + base64.b64encode(data).decode(),
        "dec": prefix + str(int.from_bytes(data, "big")),
    }


def _random_uuid(f: _Fab) -> tuple[str, dict]:
    value = _uuid(f.urn)
    return value, {"result": value}


def _random_integer(f: _Fab) -> tuple[str, dict]:
    low, high = int(f.inputs.get("min") or 0), int(f.inputs.get("max") or 0)
    value = low + int.from_bytes(_digest(f.urn)[:8], "big") % max(high - low + 1, 1)
    return str(value), {"result": value}


def _random_pet(f: _Fab) -> tuple[str, dict]:
    words = [_PET_WORDS[b % len(_PET_WORDS)] for b in _digest(f.urn)[: int(f.inputs.get("length") or 2)]]
    if f.inputs.get("prefix"):
        words.insert(0, f.inputs["prefix"])
    pet = (f.inputs.get("separator") or "-").join(words)
    return pet, {}


def _random_shuffle(f: _Fab) -> tuple[str, dict]:
    items = list(f.inputs.get("inputs") or [])
    items.sort(key=lambda item: _digest(f.urn, str(item)))
    count = f.inputs.get("resultCount")
    return "-", {"results": items[: int(count)] if count else items}


def _kubernetes(f: _Fab) -> tuple[str, dict]:
    metadata, secret = _unwrap(f.inputs.get("metadata") or {})
    metadata = dict(metadata)
    metadata.setdefault("name", f"{f.name}-{_hex(f.urn, 8)}")
    metadata["uid"] = _uuid(f.urn)
    namespace, _ = _unwrap(metadata.get("namespace"))
    name, _ = _unwrap(metadata["name"])
    extra = {"metadata": _rewrap(metadata, secret)}
    if f.type == "kubernetes:core/v1:Secret" and f.inputs.get("stringData"):
        extra["data"] = _kubernetes_secret_data(f.inputs.get("data"), f.inputs["stringData"])
    return (f"{namespace}/{name}" if namespace else str(name)), extra


def _kubernetes_secret_data(data: Any, string_data: Any) -> Any:
    data, data_secret = _unwrap(data or {})
    string_data, string_secret = _unwrap(string_data)
    merged = dict(data)
    for key, value in string_data.items():
        text, secret = _unwrap(value)
        string_secret = string_secret or secret
        merged[key] = base64.b64encode(str(text).encode()).decode()
    return _rewrap(merged, data_secret or string_secret)


def _stack_reference(f: _Fab) -> tuple[str, dict]:
    return str(f.inputs.get("name") or f.name), {"outputs": {}, "secretOutputNames": []}


_FABRICATORS = {
    "pulumi:pulumi:StackReference": _stack_reference,
    "aws:secretsmanager/secret:Secret": _aws_secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _aws_secret_version,
    "aws:ssm/parameter:Parameter": _aws_parameter,
    "aws:iam/role:Role": _aws_iam("role", False, "AROA"),
    "aws:iam/policy:Policy": _aws_iam("policy", True, "ANPA"),
    "aws:iam/user:User": _aws_iam("user", False, "AIDA"),
    "aws:kms/key:Key": _aws_kms_key,
    "aws:kms/alias:Alias": _aws_kms_alias,
    "aws:iam/accessKey:AccessKey": _aws_access_key,
    "aws:s3/bucket:Bucket": _aws_bucket,
    "aws:s3/bucketV2:BucketV2": _aws_bucket,
    "random:index/randomBytes:RandomBytes": _random_bytes,
    "random:index/randomPassword:RandomPassword": _random_password,
    "random:index/randomString:RandomString": _random_string,
    "random:index/randomId:RandomId": _random_id,
    "random:index/randomUuid:RandomUuid": _random_uuid,
    "random:index/randomInteger:RandomInteger": _random_integer,
    "random:index/randomPet:RandomPet": _random_pet,
    "random:index/randomShuffle:RandomShuffle": _random_shuffle,
}


def _fabricator(type_: str):
    found = _FABRICATORS.get(type_)
    if found:
        return found
    if type_.startswith("aws:") and "/" in type_:
        return _aws_generic
    if type_.startswith("kubernetes:") and not type_.startswith("kubernetes:yaml"):
        return _kubernetes
    return None


class FabricatingMocks(Mocks):
    """Deterministic, realistic outputs for aws, random and kubernetes resources."""

    def __init__(self, region: str = DEFAULT_REGION, account_id: str = ACCOUNT_ID):
        self.region = region
        self.account_id = account_id
        self._provider_regions: dict[str, str] = {}

    def _region_for(self, provider_ref: Optional[str]) -> str:
        if provider_ref:
            return self._provider_regions.get(provider_ref.rsplit("::", 1)[-1]) or self.region
        return self.region

    def new_resource(self, args: MockResourceArgs) -> tuple[Optional[str], dict]:
        inputs = _intify(args.inputs)
        if args.custom is False:
            return "", inputs
        urn = getattr(args, "urn", None) or f"{args.typ}::{args.name}"
        if args.typ.startswith("pulumi:providers:"):
            provider_id = f"{args.name}-{_hex(urn, 8)}"
            region, _ = _unwrap(inputs.get("region"))
            if region:
                self._provider_regions[provider_id] = region
            return provider_id, inputs
        fabricate = _fabricator(args.typ)
        if fabricate is None:
            return args.resource_id or f"{args.name}-{_hex(urn, 8)}", inputs
        facts = _Fab(args.typ, args.name, urn, inputs, self._region_for(args.provider), self.account_id)
        resource_id, computed = fabricate(facts)
        return args.resource_id or resource_id, {**inputs, **computed}

    def call(self, args) -> dict:
        region = (args.args or {}).get("region") or self._region_for(args.provider)
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.account_id, "arn": f"arn:aws:iam::{self.account_id}:user/preview",
                    "userId": "AIDA" + _pick("caller", _BASE32, 17), "id": self.account_id}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws",
                    "id": "aws"}
        if args.token == "aws:index/getRegion:getRegion":
            return {"name": region, "region": region, "id": region,
                    "endpoint": f"ec2.{region}.amazonaws.com", "description": region}
        return {}


# --------------------------------------------------------------------------- result


@dataclasses.dataclass
class PreviewResult:
    """Everything a preview registered. ``resources`` excludes the root Stack."""

    stack: str
    project: str
    stack_urn: str
    resources: list[CapturedResource]
    outputs: dict[str, Any]
    config: dict[str, str] = dataclasses.field(default_factory=dict, repr=False)
    secret_keys: list[str] = dataclasses.field(default_factory=list, repr=False)
    diagnostics: list[Diagnostic] = dataclasses.field(default_factory=list)

    def by_type(self, type_token: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.type == type_token]

    def get(self, name: str, type: Optional[str] = None) -> CapturedResource:
        """The single resource called ``name`` (optionally of ``type``)."""
        found = [r for r in self.resources if r.name == name and (type is None or r.type == type)]
        if not found:
            raise KeyError(f"no resource named {name!r}" + (f" of type {type}" if type else ""))
        if len(found) > 1:
            raise LookupError(f"{len(found)} resources named {name!r}: pass type=")
        return found[0]

    def children(self, urn: str) -> list[CapturedResource]:
        return [r for r in self.resources if r.parent == urn]

    def to_document(self, show_secrets: bool = False) -> dict:
        return {
            "stack": self.stack,
            "project": self.project,
            "resources": [r.to_document(show_secrets) for r in self.resources],
            "outputs": plain(self.outputs, show_secrets),
        }


# --------------------------------------------------------------------------- running


class _Diagnostics:
    """Logger for MockEngine: keeps info/warning/error messages, drops debug."""

    def __init__(self):
        self.records: list[Diagnostic] = []

    def debug(self, message: str) -> None:
        pass

    def info(self, message: str) -> None:
        self.records.append(Diagnostic("info", message))

    def warning(self, message: str) -> None:
        self.records.append(Diagnostic("warning", message))

    def error(self, message: str) -> None:
        self.records.append(Diagnostic("error", message))


@contextlib.contextmanager
def _clean_environ() -> Iterator[None]:
    """Temporarily remove PULUMI_CONFIG* variables (they would override our config)."""
    removed = {k: os.environ.pop(k) for k in [k for k in os.environ if k.startswith("PULUMI_CONFIG")]}
    try:
        yield
    finally:
        os.environ.update(removed)


@contextlib.contextmanager
def _settings_defaults_kept() -> Iterator[None]:
    """Undo Pulumi's habit of turning the first value set in a context into the global default."""
    from pulumi._utils import ContextProperty

    props = [p for p in vars(settings.Settings).values() if isinstance(p, ContextProperty)]
    attr = "_ContextProperty__default"
    saved = [(p, getattr(p, attr)) for p in props if hasattr(p, attr)]
    try:
        yield
    finally:
        for prop, default in saved:
            setattr(prop, attr, default)


@contextlib.contextmanager
def _program_environment(project_dir: Path) -> Iterator[None]:
    saved_path, saved_cwd = list(sys.path), os.getcwd()
    sys.path.insert(0, str(project_dir))
    os.chdir(project_dir)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path


class _Watchdog:
    """Cancels every task of the loop once the deadline passes (and keeps doing so)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: float):
        self.loop, self.fired = loop, False
        self.handle = loop.call_later(timeout, self._fire)

    def _fire(self) -> None:
        self.fired = True
        for task in asyncio.all_tasks(self.loop):
            task.cancel()
        self.handle = self.loop.call_later(1.0, self._fire)

    def cancel(self) -> None:
        self.handle.cancel()


def _worker_loops(registry: list, lock: threading.Lock) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    with lock:
        registry.append(loop)


def _new_loop() -> tuple[asyncio.AbstractEventLoop, list]:
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(lambda _loop, _context: None)
    worker_loops: list = []
    loop.set_default_executor(ThreadPoolExecutor(
        max_workers=min(32, (os.cpu_count() or 1) + 4),
        thread_name_prefix="omsecrets-preview",
        initializer=_worker_loops,
        initargs=(worker_loops, threading.Lock()),
    ))
    return loop, worker_loops


def _close_loop(loop: asyncio.AbstractEventLoop, worker_loops: list) -> None:
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=5))
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()
    for worker_loop in worker_loops:
        worker_loop.close()


def _program_body(program: Path, failures: list, exports: list):
    """The async entry point handed to ``run_pulumi_func``: run the file, collect exports."""

    async def body() -> None:
        try:
            root = settings.get_root_resource()
            if hasattr(root, "_async_program_registration_closed"):
                root._async_program_registration_closed = False  # set_mocks finished the Stack already
            runpy.run_path(str(program), run_name="__main__")
            take = getattr(root, "_take_async_program", None)
            async_program = take() if take else None
            if async_program is not None:
                for key, value in (await async_program() or {}).items():
                    pulumi.export(key, value)
            exports.append(await rpc.serialize_properties(massage(root.outputs, []), {}))
        except BaseException as exc:
            failures.append(exc)
            raise

    return body


def _drive(loop: asyncio.AbstractEventLoop, program: Path, timeout: float) -> struct_pb2.Struct:
    """Run the program, return its serialized exports.

    The program's own exception wins over follow-up RPC failures.
    """
    failures: list[BaseException] = []
    exports: list[struct_pb2.Struct] = []
    watchdog = _Watchdog(loop, timeout)
    try:
        loop.run_until_complete(run_pulumi_func(_program_body(program, failures, exports)))
        return exports[0]
    except BaseException as exc:
        if watchdog.fired:
            raise PreviewTimeoutError(f"the program did not finish within {timeout:g}s") from exc
        if failures and exc is not failures[0]:
            raise failures[0] from None
        raise
    finally:
        watchdog.cancel()


def _run_preview(project_dir: Path, project: str, stack: str, program: Path,
                 config: dict[str, str], secret_keys: list[str], timeout: float) -> PreviewResult:
    """Runs in a fresh thread and context: new loop, reset settings and config, mocks."""
    mocks = FabricatingMocks(region=config.get("aws:region") or DEFAULT_REGION)
    monitor = CapturingMonitor(mocks)
    diagnostics = _Diagnostics()
    loop, worker_loops = _new_loop()
    asyncio.set_event_loop(loop)
    try:
        settings.reset_options(project=project, stack=stack, root_directory=str(project_dir), preview=False)
        pulumi.runtime.set_all_config(dict(config), list(secret_keys))
        with _program_environment(project_dir):
            pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False,
                                     logger=diagnostics, monitor=monitor)
            exports = _drive(loop, program, timeout)
    finally:
        _close_loop(loop, worker_loops)
        settings.reset_options()
        pulumi.runtime.set_all_config({}, [])
        asyncio.set_event_loop(None)
    stack_urn = monitor.stack_urn or f"urn:pulumi:{stack}::{project}::{STACK_TYPE}::{project}-{stack}"
    resources = sorted(monitor.captured.values(), key=lambda r: r.urn)
    for resource in resources:
        resource._outputs = monitor.registered_outputs.get(resource.urn)
    return PreviewResult(
        stack=stack,
        project=project,
        stack_urn=stack_urn,
        resources=resources,
        outputs=decode_struct(exports),
        config=dict(config),
        secret_keys=list(secret_keys),
        diagnostics=diagnostics.records,
    )


_PREVIEW_LOCK = threading.Lock()  # cwd, sys.path and os.environ are process-wide


def _in_fresh_thread(fn, *args):
    """Run ``fn`` in a new thread with an empty contextvars context; re-raise its error.

    A fresh thread keeps the caller's event loop untouched and the call stack shallow
    (Pulumi walks the whole stack for every resource it registers).
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = contextvars.Context().run(fn, *args)
        except BaseException as exc:  # noqa: BLE001 re-raised in the caller
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="omsecrets-preview", daemon=True)
    with _PREVIEW_LOCK, _clean_environ(), _settings_defaults_kept():
        thread.start()
        thread.join()
    if "error" in outcome:
        raise outcome.pop("error")
    return outcome["value"]


def _program_path(project_dir: Path, project: dict, program) -> Path:
    if program is not None:
        return Path(program).resolve()
    main = project_dir / (project.get("main") or ".")
    return main / "__main__.py" if main.is_dir() else main


def preview(
    project_dir: str | os.PathLike,
    stack: str = "dev",
    *,
    config_file: str | os.PathLike | None = None,
    config: Optional[Mapping[str, Any]] = None,
    secret_keys=(),
    program: str | os.PathLike | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> PreviewResult:
    """Run the project's program offline and return what it registered.

    Config comes from ``config_file``, else (when ``config`` is None) from the stack's
    ``Pulumi.<stack>.yaml``; ``config`` values (python values, keys ``ns:key`` or bare keys
    for the project namespace) are applied on top. Exceptions raised by the program (also
    inside ``apply``) propagate unchanged; a program that never finishes raises
    ``PreviewTimeoutError`` after ``timeout`` seconds.
    """
    project_dir = Path(project_dir).resolve()
    project = load_project(project_dir)
    values, secrets = _resolve_config(project_dir, project, stack, config_file, config, secret_keys)
    path = _program_path(project_dir, project, program)
    return _in_fresh_thread(_run_preview, project_dir, project["name"], stack, path, values, secrets, timeout)
