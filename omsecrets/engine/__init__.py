"""Offline preview engine: run a Pulumi program under Pulumi's mock runtime and capture it.

There is no Pulumi CLI and no provider plugin here. ``preview()`` runs ``__main__.py`` of a
project with ``pulumi.runtime.set_mocks`` and a capturing monitor, fabricates realistic
provider outputs (ARNs, random values, ...) so ``apply`` chains run, and returns every
registered resource with its inputs and options plus the stack outputs.

Modules: ``stack_files`` (the config a preview runs with; files read by ``omsecrets.project``), ``values`` (decoding and
masking captured values), ``capture`` (the capturing monitor), ``fabricators`` (provider
outputs), ``runner`` (``preview``); ``_pulumi`` is the only one that touches Pulumi's runtime.
"""

from __future__ import annotations

from omsecrets.engine.capture import STACK_TYPE, CapturedResource, CapturingMonitor, Diagnostic
from omsecrets.engine.fabricators import ACCOUNT_ID, DEFAULT_REGION, FabricatingMocks
from omsecrets.engine.runner import DEFAULT_TIMEOUT, PreviewResult, PreviewTimeoutError, preview
from omsecrets.engine.stack_files import (
    StackFile,
    StackFileError,
    StackNotFoundError,
    encode_config,
    list_stacks,
    load_project,
    load_stack_file,
    require_config,
    stack_file_path,
)
from omsecrets.engine.stack_files import (
    _placeholder as _placeholder,
)
from omsecrets.engine.stack_files import (
    _qualify as _qualify,
)
from omsecrets.engine.values import SECRET_TEXT, UNKNOWN_TEXT, decode_struct, is_secret, plain

__all__ = [
    "ACCOUNT_ID",
    "DEFAULT_REGION",
    "DEFAULT_TIMEOUT",
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
    "require_config",
    "stack_file_path",
]
