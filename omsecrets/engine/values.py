"""Captured values: Pulumi's secret/unknown/resource signatures, decoding, masking as plain JSON."""

from __future__ import annotations

from typing import Any, Optional

from google.protobuf import struct_pb2

from omsecrets.components import core
from omsecrets.engine import _pulumi

SECRET_TEXT = core.SECRET_PLACEHOLDER
UNKNOWN_TEXT = core.UNKNOWN_PLACEHOLDER

_SIG = _pulumi.SIG_KEY
_SECRET_SIG = _pulumi.SECRET_SIG
_RESOURCE_SIG = _pulumi.RESOURCE_SIG
_OUTPUT_SIG = _pulumi.OUTPUT_VALUE_SIG


def is_secret(value: Any) -> bool:
    """True for a Pulumi secret signature dict."""
    return isinstance(value, dict) and value.get(_SIG) == _SECRET_SIG


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def plain(value: Any, show_secrets: bool = False, sort_keys: bool = True) -> Any:
    """Turn captured values into plain JSON: secrets -> "[secret]", unknowns -> "[unknown]"."""
    if isinstance(value, str):
        return UNKNOWN_TEXT if value == _pulumi.UNKNOWN else value
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
    if isinstance(value, _pulumi.Unknown):
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
    return _pulumi.wrap_secret(value) if secret else value


