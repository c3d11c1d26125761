"""Runner: run a program under Pulumi's mock runtime in a fresh thread, loop and context; ``preview()``."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import os
import runpy
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Optional, cast

from google.protobuf import struct_pb2

from omsecrets.components import resource_types
from omsecrets.engine import _pulumi
from omsecrets.engine.capture import STACK_TYPE, CapturedResource, CapturingMonitor, Diagnostic
from omsecrets.engine.fabricators import DEFAULT_REGION, FabricatingMocks
from omsecrets.engine.stack_files import _resolve_config, load_project
from omsecrets.engine.values import decode_struct, plain

DEFAULT_TIMEOUT = 300.0


class PreviewTimeoutError(TimeoutError):
    """The program did not finish (an Output or future never resolved)."""


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
            "resources": [self._resource_document(r, show_secrets) for r in self.resources],
            "outputs": plain(self.outputs, show_secrets),
        }

    def _resource_document(self, r: CapturedResource, show_secrets: bool) -> dict:
        """``r.to_document`` plus, for a provider's resource, its ``placement``: the region, subscription,
        project or cluster it lives in (its own input, else its explicit provider's, else the stack config's)."""
        document = r.to_document(show_secrets)
        if r.custom and not r.type.startswith("pulumi:"):
            ref = r.provider
            provider = self._providers().get(ref.rsplit("::", 1)[0]) if ref else None
            document["placement"] = resource_types.placement(
                r.type, plain(r.inputs), plain(provider.inputs) if provider else None, self.config)
        return document

    def _providers(self) -> dict[str, CapturedResource]:
        cached = self.__dict__.get("_provider_index")
        if cached is None:
            cached = {r.urn: r for r in self.resources if r.type.startswith("pulumi:providers:")}
            self.__dict__["_provider_index"] = cached
        return cached


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


class _InlineRpcLoop(asyncio.SelectorEventLoop):
    """An event loop whose ``run_in_executor`` calls the function at once, on the loop's thread.

    Pulumi hands each RPC to the default executor; the mock monitor answers from memory, so a thread
    for each call only added thread start-ups and hand-overs (~8% of a preview) and made the order in
    which registrations complete depend on thread scheduling.
    """

    def run_in_executor(self, executor, func, *args):
        future = self.create_future()
        try:
            future.set_result(func(*args))
        except Exception as exc:  # noqa: BLE001 delivered to the awaiting task, as a thread's would be
            future.set_exception(exc)
        return future


def _new_loop() -> asyncio.AbstractEventLoop:
    loop = _InlineRpcLoop()
    loop.set_exception_handler(lambda _loop, _context: None)
    return loop


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.wait(pending, timeout=5))
    loop.close()


def _program_body(program: Path, failures: list, exports: list):
    """The async entry point handed to ``run_program``: run the file, collect exports."""

    async def body() -> None:
        try:
            root = _pulumi.root_resource()
            _pulumi.reopen_registration(root)  # set_mocks finished the Stack already
            runpy.run_path(str(program), run_name="__main__")
            async_program = _pulumi.take_async_program(root)
            if async_program is not None:
                for key, value in (await async_program() or {}).items():
                    _pulumi.export(key, value)
            exports.append(await _pulumi.serialize_properties(_pulumi.stack_outputs(root)))
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
        loop.run_until_complete(_pulumi.run_program(_program_body(program, failures, exports)))
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
    loop = _new_loop()
    asyncio.set_event_loop(loop)
    try:
        _pulumi.reset_options(project=project, stack=stack, root_directory=str(project_dir), preview=False)
        _pulumi.set_all_config(dict(config), list(secret_keys))
        with _program_environment(project_dir):
            _pulumi.set_mocks(mocks, project=project, stack=stack, preview=False,
                              logger=cast(Any, diagnostics), monitor=monitor)
            exports = _drive(loop, program, timeout)
    finally:
        _close_loop(loop)
        _pulumi.reset_options()
        _pulumi.set_all_config({}, [])
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
    with _PREVIEW_LOCK, _clean_environ(), _pulumi.settings_defaults_kept():
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
