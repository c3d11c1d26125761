"""A small Pulumi mocks harness: declare components in a fresh event loop and context, record what they register.

``run(program, Mocks(...))`` calls ``program()`` (it returns ``{key: Output | None}``) inside a
new event loop and a new ``contextvars.Context`` under ``pulumi.runtime.set_mocks``, resolves the
outputs, waits for every RPC and returns ``(outputs, mocks.resources, monitor.requests)``:

- ``mocks.resources``: ``{(type, name): inputs}`` as each resource was registered;
- ``monitor.requests``: ``{(type, name): RegisterResourceRequest}`` (parent, protect,
  additionalSecretOutputs, ...).

``declare(build, mocks)`` is the same without resolving outputs: it returns whatever ``build()``
returns (a component, say). Outputs must be created inside ``program``/``build``, in the run's loop.
"""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any, Callable, Mapping, Optional

import pulumi
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import wait_for_rpcs

#: ``state(args) -> (id, state)`` for a registered resource (``args``: ``pulumi.runtime.MockResourceArgs``).
StateHook = Callable[[Any], tuple]


def default_state(args) -> tuple[str, dict]:
    """The id ``<name>-id`` and the inputs echoed back as state."""
    return f"{args.name}-id", dict(args.inputs)


class Mocks(pulumi.runtime.Mocks):
    """Records every resource's inputs in ``resources``.

    ``state``: how a resource's id and state are made (default: :func:`default_state`).
    ``calls``: ``{token: result}`` for invokes; a token not in it raises ``KeyError``. ``None``
    (the default) answers every invoke with ``{}``.
    """

    def __init__(self, state: StateHook = default_state, calls: Optional[Mapping[str, dict]] = None):
        self.resources: dict[tuple[str, str], dict] = {}
        self._state = state
        self._calls = calls

    def new_resource(self, args):
        self.resources[(args.typ, args.name)] = args.inputs
        return self._state(args)

    def call(self, args):
        return {} if self._calls is None else self._calls[args.token]


class Monitor(MockMonitor):
    """A ``MockMonitor`` that keeps each ``RegisterResource`` request in ``requests``."""

    def __init__(self, mocks):
        super().__init__(mocks)
        self.requests = {}

    def RegisterResource(self, request):
        self.requests[(request.type, request.name)] = request
        return super().RegisterResource(request)


def declare(build: Callable[[], Any], mocks: Optional[Mocks] = None,
            resolve: Optional[Callable[[Any], Any]] = None) -> tuple[Any, dict, dict]:
    """Call ``build()`` in a fresh loop/context under ``mocks``; ``await resolve(result)`` if given; wait for RPCs.

    Returns ``(result, mocks.resources, monitor.requests)``.
    """
    mocks = mocks if mocks is not None else Mocks()
    monitor = Monitor(mocks)

    async def main():
        result = build()
        if resolve is not None:
            result = await resolve(result)
        await wait_for_rpcs()
        return result

    def body():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            pulumi.runtime.set_mocks(mocks, project="om", stack="test", preview=False, monitor=monitor)
            return loop.run_until_complete(main())
        finally:
            loop.close()

    return contextvars.Context().run(body), mocks.resources, monitor.requests


def run(program: Callable[[], dict], mocks: Optional[Mocks] = None, *,
        secrecy: bool = False, drop_none: bool = False) -> tuple[dict, dict, dict]:
    """:func:`declare` ``program`` (returns ``{key: Output | None}``) and resolve its outputs.

    Each Output resolves to its value, or to ``(value, is_secret)`` with ``secrecy=True``. A
    ``None`` output stays ``None``, or is left out of the result with ``drop_none=True``.
    """

    async def resolve(outputs: dict) -> dict:
        resolved = {}
        for key, output in outputs.items():
            if output is None:
                if not drop_none:
                    resolved[key] = None
            elif secrecy:
                resolved[key] = (await output.future(), await output.is_secret())
            else:
                resolved[key] = await output.future()
        return resolved

    return declare(program, mocks, resolve)
