"""The one module that touches Pulumi's Python runtime, private parts included.

Everything the offline engine needs from ``pulumi.runtime`` (mocks, RPC serialization, settings,
the root Stack) goes through here, so a Pulumi upgrade is checked in one place. Tested with the
``pulumi`` range declared in pyproject.toml: the floor pinned in ci/constraints-floor.txt
(3.165, the lowest pulumi-aws 7 accepts) and the newest release (.ci/run runs both).

Differences handled (feature-detected, not version-compared):
- ``MockResourceArgs(transforms=...)`` and ``mocks._resolve_callbacks`` (newer releases only);
- ``run_pulumi_func`` awaiting an async program (newer) or only calling it (3.165);
- the root Stack's async-program hooks (``_async_program_registration_closed``,
  ``_take_async_program``; newer releases only);
- the per-resource stack capture ``resource._get_stack_trace`` (newer releases only).

``skip_stack_capture`` and ``skip_alias_urns`` drop work whose result the offline engine never reads;
only the command line applies them (``omsecrets.speed``).
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, Optional

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import MockMonitor, MockResourceArgs, Mocks, set_mocks
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.settings import reset_options
from pulumi.runtime.stack import Stack, massage, run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

__all__ = [
    "MockMonitor",
    "MockResourceArgs",
    "Mocks",
    "OUTPUT_VALUE_SIG",
    "RESOURCE_SIG",
    "SECRET_SIG",
    "SIG_KEY",
    "SUPPORTS_ASYNC_PROGRAM",
    "UNKNOWN",
    "Unknown",
    "deserialize_properties",
    "ensure_event_loop",
    "export",
    "mock_resource_args",
    "register_response",
    "reopen_registration",
    "reset_options",
    "root_resource",
    "run_program",
    "serialize_properties",
    "set_all_config",
    "set_mocks",
    "settings_defaults_kept",
    "skip_alias_urns",
    "skip_stack_capture",
    "stack_outputs",
    "sync_await",
    "take_async_program",
    "wrap_secret",
]

#: Pulumi's wire signatures for secrets, resource references and output values.
SIG_KEY = rpc._special_sig_key
SECRET_SIG = rpc._special_secret_sig
RESOURCE_SIG = rpc._special_resource_sig
OUTPUT_VALUE_SIG = rpc._special_output_value_sig
#: The text Pulumi sends for a value unknown during preview.
UNKNOWN = rpc.UNKNOWN

export = pulumi.export
wrap_secret = rpc.wrap_rpc_secret
deserialize_properties = rpc.deserialize_properties
sync_await = _sync_await
ensure_event_loop = _ensure_event_loop
root_resource = settings.get_root_resource



def _transform_resolver() -> Optional[Callable[[Any], list]]:
    """Newer releases resolve registered transform callbacks for the mock monitor; 3.165 knows no transforms."""
    try:
        from pulumi.runtime.mocks import _resolve_callbacks
    except ImportError:
        return None
    return _resolve_callbacks


_resolve_callbacks = _transform_resolver()
_ARGS_TAKE_TRANSFORMS = "transforms" in inspect.signature(MockResourceArgs.__init__).parameters
_RUN_AWAITS_PROGRAM = "isawaitable" in run_pulumi_func.__code__.co_names
#: Whether ``__main__`` may hand the Stack an async program (newer releases).
SUPPORTS_ASYNC_PROGRAM = hasattr(Stack, "_take_async_program")


def serialize_properties(props: dict) -> Coroutine[Any, Any, Any]:
    """``rpc.serialize_properties(props, {})``: a coroutine giving a protobuf Struct."""
    return rpc.serialize_properties(props, {})


def register_response(**fields: Any) -> resource_pb2.RegisterResourceResponse:
    return resource_pb2.RegisterResourceResponse(**fields)


def mock_resource_args(request: Any) -> MockResourceArgs:
    """The ``MockResourceArgs`` the stock ``MockMonitor.RegisterResource`` builds for ``request``."""
    fields: dict[str, Any] = dict(
        typ=request.type,
        name=request.name,
        inputs=rpc.deserialize_properties(request.object),
        provider=request.provider,
        resource_id=request.importId,
        custom=request.custom or False,
    )
    if _ARGS_TAKE_TRANSFORMS:
        fields["transforms"] = (
            _resolve_callbacks(request.transforms) if request.transforms and _resolve_callbacks else None
        )
    return MockResourceArgs(**fields)


def reopen_registration(root: Any) -> None:
    """``set_mocks`` already finished the Stack; let the program register an async program."""
    if hasattr(root, "_async_program_registration_closed"):
        root._async_program_registration_closed = False


def take_async_program(root: Any) -> Optional[Callable[[], Awaitable[Any]]]:
    """The async program ``__main__`` registered on the Stack, if this Pulumi supports them."""
    take = getattr(root, "_take_async_program", None)
    return take() if take else None


def stack_outputs(root: Any) -> Any:
    """The root Stack's exports, massaged into plain values as Pulumi registers them."""
    return massage(root.outputs, [])


async def run_program(body: Callable[[], Awaitable[None]]) -> None:
    """``run_pulumi_func(body)``: run ``body``, wait for outstanding RPCs, shut callbacks down."""
    if _RUN_AWAITS_PROGRAM:
        await run_pulumi_func(body)
        return
    failure: Optional[BaseException] = None
    try:
        await body()
    except BaseException as exc:  # noqa: BLE001 re-raised after the RPCs settle, as newer Pulumi does
        failure = exc
    await run_pulumi_func(lambda: None)
    if failure is not None:
        raise failure


@contextlib.contextmanager
def settings_defaults_kept() -> Iterator[None]:
    """Undo Pulumi's habit of turning the first value set in a context into the global default.

    ``pulumi._utils.ContextProperty`` keeps that default in a name-mangled attribute.
    """
    from pulumi._utils import ContextProperty

    props = [p for p in vars(settings.Settings).values() if isinstance(p, ContextProperty)]
    attr = "_ContextProperty__default"
    saved = [(p, getattr(p, attr)) for p in props if hasattr(p, attr)]
    try:
        yield
    finally:
        for prop, default in saved:
            setattr(prop, attr, default)


def skip_stack_capture() -> None:
    """Make Pulumi's per-resource source stack capture return an empty trace (releases that have it)."""
    from pulumi.runtime import resource

    if not hasattr(resource, "_get_stack_trace"):
        return  # pulumi 3.165 captures no stack traces
    from pulumi.runtime.proto import source_pb2

    empty = source_pb2.StackTrace

    def no_stack_trace() -> source_pb2.StackTrace:
        return empty()

    resource._get_stack_trace = no_stack_trace


def _alias_as_given(alias: Any, _name: str, _type: str, _parent: Any) -> Any:
    return alias


def skip_alias_urns() -> None:
    """Stop ``Resource.__init__`` computing each alias's URN into ``Resource._aliases``.

    Only ``all_aliases`` reads those, for a monitor without alias specs; the mock monitor has them, so
    aliases reach it as specs (``prepare_aliases``) either way. Each skipped alias saved ~8 Outputs.
    """
    import pulumi.resource as resource_module

    probe = type("Probe", (), {"id": "aliasSpecs"})()
    if not MockMonitor.SupportsFeature(None, probe).hasSupport:  # type: ignore[arg-type]
        return  # a monitor that needs alias URNs: keep computing them
    resource_module.collapse_alias_to_urn = _alias_as_given  # type: ignore[assignment]
