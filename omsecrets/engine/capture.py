"""Capture: a mock monitor that records every registration, its options and registered outputs."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Optional

from google.protobuf import json_format, struct_pb2

from omsecrets.engine import _pulumi
from omsecrets.engine.values import decode_struct, is_secret, plain

STACK_TYPE = "pulumi:pulumi:Stack"


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
                "provider": self.provider,  # the explicit provider reference (urn::id); None: the default
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
    return {**state, **{key: _pulumi.wrap_secret(state[key]) for key in wrap}}


def _serialize(state: dict) -> struct_pb2.Struct:
    """serialize_properties without an event loop when nothing needs awaiting."""
    coro = _pulumi.serialize_properties(state)
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    except Exception:  # noqa: BLE001 retried below with a loop, which reports it properly
        pass
    coro.close()
    return _pulumi.sync_await(_pulumi.serialize_properties(state))


class CapturingMonitor(_pulumi.MockMonitor):
    """MockMonitor that records every registration, its options and registered outputs."""

    def __init__(self, mocks: _pulumi.Mocks):
        super().__init__(mocks)
        self.captured: dict[str, CapturedResource] = {}
        self.registered_outputs: dict[str, struct_pb2.Struct] = {}
        self.stack_urn: Optional[str] = None

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == STACK_TYPE:
            self.stack_urn = urn
            return _pulumi.register_response(urn=urn)
        _pulumi.ensure_event_loop()
        args = _pulumi.mock_resource_args(request)
        args.urn = urn
        id_, state = self.mocks.new_resource(args)
        if request.custom:
            state = _mark_secret_outputs(state, request.additionalSecretOutputs)
        self.resources[urn] = _pulumi.MockMonitor.ResourceRegistration(urn, id_, state)
        self.captured[urn] = CapturedResource(urn, id_, state, request, alias_urns=self._alias_urns(request))
        return _pulumi.register_response(urn=urn, id=id_, object=_serialize(state))

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


