"""omsecrets.engine._pulumi: the only module touching Pulumi's runtime internals."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from omsecrets.engine import _pulumi

ROOT = Path(__file__).resolve().parents[1]
PRIVATE = re.compile(
    r"_resolve_callbacks|_sync_await|_ensure_event_loop|_special_\w+|ContextProperty|_async_program_registration_closed"
    r"|\b_take_async_program|_get_stack_trace|pulumi\._utils|pulumi\.runtime\.(rpc|settings|stack|sync_await|mocks|proto)"
    r"|from pulumi\.runtime import (rpc|settings)"
)


def test_private_pulumi_api_only_in_the_adapter():
    found = []
    for path in sorted((ROOT / "omsecrets").rglob("*.py")):
        if path.name == "_pulumi.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PRIVATE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_engine_modules_import_pulumi_only_through_the_adapter():
    for path in sorted((ROOT / "omsecrets" / "engine").glob("*.py")):
        if path.name != "_pulumi.py":
            assert not re.search(r"^\s*(import pulumi\b|from pulumi\b)", path.read_text(encoding="utf-8"), re.M), path


class _Request:
    type, name, provider, importId, custom, transforms = "random:index/randomBytes:RandomBytes", "k", "", "", True, []

    def __init__(self):
        from google.protobuf import struct_pb2

        self.object = struct_pb2.Struct()
        self.object.update({"length": 4})


def test_mock_resource_args_as_the_stock_monitor_builds_them():
    args = _pulumi.mock_resource_args(_Request())
    assert isinstance(args, MockResourceArgs)
    assert (args.typ, args.name, args.inputs, args.custom) == ("random:index/randomBytes:RandomBytes", "k", {"length": 4}, True)


@pytest.mark.parametrize("fail", [False, True])
def test_run_program_awaits_the_body_and_reraises(fail):
    ran = []

    async def body():
        ran.append(True)
        if fail:
            raise RuntimeError("boom")

    async def main():
        await _pulumi.run_program(body)

    if fail:
        with pytest.raises(RuntimeError, match="boom"):
            asyncio.run(main())
    else:
        asyncio.run(main())
    assert ran == [True]


def test_wire_signatures():
    secret = _pulumi.wrap_secret("x")
    assert secret[_pulumi.SIG_KEY] == _pulumi.SECRET_SIG and secret["value"] == "x"
    assert len({_pulumi.SECRET_SIG, _pulumi.RESOURCE_SIG, _pulumi.OUTPUT_VALUE_SIG, _pulumi.UNKNOWN}) == 4
