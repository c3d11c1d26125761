"""Fernet keys and key rings for OpenMetadata and Airflow (pure: no Pulumi import).

Both OM (``FERNET_KEY``) and Airflow (``AIRFLOW__CORE__FERNET_KEY``) accept a comma-separated
ring: the first key encrypts, every key decrypts.
"""

from __future__ import annotations

import base64
import binascii
import os
import string
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "OM_PUBLIC_DEFAULT_KEY",
    "generate_key",
    "validate_key",
    "KeyRing",
    "ring_problems",
    "rotation_problems",
]

OM_PUBLIC_DEFAULT_KEY = "jJ/9sz0g0OHxsfxOoSfdFdmk3ysNmPRnH3TUAbz3IHA="
_KEY_LENGTH = 44
_KEY_BYTES = 32
_GENERATE_HINT = "generate a new one with `omsecrets fernet generate`"
_ALPHABET = frozenset(string.ascii_letters + string.digits + "-_+/=")
_OM_DEFAULT_RAW = base64.b64decode(OM_PUBLIC_DEFAULT_KEY)


def generate_key() -> str:
    """A new random Fernet key: urlsafe base64 of 32 bytes from the OS CSPRNG (44 chars)."""
    return base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode("ascii")


def validate_key(key: str) -> str:
    """Return ``key`` in urlsafe spelling; raise ValueError saying why it is not a usable key.

    Standard base64 (``+``, ``/``) is accepted and converted, like OM does. No message shows any
    part of ``key`` (its length and the position of a bad character only).
    """
    if not isinstance(key, str):
        raise ValueError(f"Fernet key must be a string, got {type(key).__name__}")
    if not key:
        raise ValueError(f"Fernet key is empty; {_GENERATE_HINT}")
    spaces = [pos for pos, char in enumerate(key, start=1) if char.isspace()]
    if spaces:
        raise ValueError(
            f"Fernet key has whitespace at position {', '.join(map(str, spaces[:5]))}: OM splits a ring on ',' "
            "without trimming (and Airflow would silently drop it), so the key would not be the one you meant; "
            "remove every space and newline"
        )
    if len(key) != _KEY_LENGTH:
        raise ValueError(
            f"Fernet key has {len(key)} characters; a Fernet key is exactly "
            f"{_KEY_LENGTH} characters (base64 of {_KEY_BYTES} bytes); {_GENERATE_HINT}"
        )
    for pos, char in enumerate(key, start=1):
        if char not in _ALPHABET:
            raise ValueError(
                f"Fernet key has a character at position {pos} that is not base64 "
                "(allowed: A-Z a-z 0-9 - _ + / and = padding)"
            )
    urlsafe = key.replace("+", "-").replace("/", "_")
    try:
        raw = base64.b64decode(urlsafe, altchars=b"-_", validate=True)
    except binascii.Error:
        raise ValueError("Fernet key is not valid base64 (misplaced '=' padding?)") from None
    if len(raw) != _KEY_BYTES:
        raise ValueError(
            f"Fernet key decodes to {len(raw)} bytes; a Fernet key is "
            f"{_KEY_BYTES} bytes ({_KEY_LENGTH} base64 characters ending in one '=')"
        )
    if base64.urlsafe_b64encode(raw).decode("ascii") != urlsafe:
        raise ValueError(
            "Fernet key is not canonical base64 (its last character before '=' "
            "carries stray bits); " + _GENERATE_HINT
        )
    if raw == _OM_DEFAULT_RAW:
        raise ValueError(
            "Fernet key is OpenMetadata's PUBLIC default key, shipped in OM's "
            "conf/openmetadata.yaml: anyone can decrypt values stored with it; "
            + _GENERATE_HINT
        )
    return urlsafe


def ring_problems(keys: Sequence[str]) -> list[str]:
    """Every problem of a ring's keys, by position (``key 2 of 3: ...``), never showing a key.
    An empty part (a stray comma) is a problem of its own."""
    problems: list[str] = []
    normalized: dict[str, int] = {}
    for pos, key in enumerate(keys, start=1):
        if isinstance(key, str) and not key.strip():
            problems.append(f"key {pos} of {len(keys)} in the Fernet key ring is empty (stray or trailing comma?)")
            continue
        try:
            value = validate_key(key)
        except ValueError as exc:
            problems.append(f"key {pos} of {len(keys)}: {exc}")
            continue
        if value in normalized:
            problems.append(f"keys {normalized[value]} and {pos} of {len(keys)} are the same key; "
                            "each key in a ring must be different")
        else:
            normalized[value] = pos
    return problems


@dataclass(frozen=True, eq=True, repr=False)
class KeyRing:
    """An immutable, validated Fernet key ring; ``keys[0]`` is the primary (encrypting) key."""

    keys: tuple[str, ...]

    def __init__(self, keys: Sequence[str]) -> None:
        if isinstance(keys, (str, bytes)):
            raise TypeError("KeyRing takes a sequence of keys; use KeyRing.parse for 'k1,k2'")
        keys = tuple(keys)
        if not keys:
            raise ValueError(f"a Fernet key ring needs at least one key; {_GENERATE_HINT}")
        problems = ring_problems(keys)
        if problems:
            raise ValueError("; ".join(problems))
        object.__setattr__(self, "keys", tuple(validate_key(k) for k in keys))

    @staticmethod
    def problems(value: str) -> list[str]:
        """Every problem of a comma-separated ring (empty parts and each bad key by position), [] if usable.

        Taken exactly as OM (``split(",")``, no trimming) and Airflow read ``FERNET_KEY``: whitespace
        anywhere is a problem.
        """
        if not isinstance(value, str):
            return [f"a Fernet key ring must be a string, got {type(value).__name__}"]
        if not value.strip():
            return [f"Fernet key ring is empty; {_GENERATE_HINT}"]
        return ring_problems(value.split(","))

    @classmethod
    def parse(cls, value: str) -> "KeyRing":
        """Parse a comma-separated ring (``FERNET_KEY`` / ``AIRFLOW__CORE__FERNET_KEY`` form); ValueError
        naming every problem."""
        if not isinstance(value, str):
            raise TypeError(f"a Fernet key ring must be a string, got {type(value).__name__}")
        problems = cls.problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return cls(value.split(","))

    @property
    def primary(self) -> str:
        """The key that encrypts new values."""
        return self.keys[0]

    @property
    def value(self) -> str:
        """The comma-separated ring, as OM ``FERNET_KEY`` and Airflow ``fernet_key`` take it."""
        return ",".join(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    def __repr__(self) -> str:
        return f"KeyRing(<{len(self.keys)} key{'s' if len(self.keys) != 1 else ''} hidden>)"

    __str__ = __repr__


def _is_generation(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def rotation_problems(
    generations: Sequence[int], reencrypted_to: int | None, *, key: str
) -> list[str]:
    """Problems with a declared key ring (generations newest first); [] when it is safe.

    A generation below the primary may leave the ring only once its values were re-encrypted
    with a newer key, i.e. ``generation < reencrypted_to``.
    """
    gens = list(generations)
    problems: list[str] = []
    if not gens:
        return [f"{key}: generations [] is empty; list at least one key generation, e.g. [1]"]
    bad = [g for g in gens if not _is_generation(g)]
    if bad:
        problems.append(
            f"{key}: generations {gens!r} contain {', '.join(repr(g) for g in bad)}; "
            "each generation must be a positive integer (1, 2, ...)"
        )
        return problems
    dupes = sorted({g for g in gens if gens.count(g) > 1})
    if dupes:
        problems.append(
            f"{key}: generations {gens} repeat {', '.join(map(str, dupes))}; "
            "each generation may appear once"
        )
        return problems
    if gens != sorted(gens, reverse=True):
        problems.append(
            f"{key}: generations {gens} must be strictly descending, newest (primary) first: "
            f"{sorted(gens, reverse=True)}"
        )
        return problems

    primary = gens[0]
    effective = reencrypted_to
    if reencrypted_to is not None:
        if not _is_generation(reencrypted_to):
            problems.append(
                f"{key}.reencryptedTo: {reencrypted_to!r} is not allowed; it must be unset or a "
                f"positive integer <= the primary generation {primary}"
            )
            effective = None
        elif reencrypted_to > primary:
            problems.append(
                f"{key}.reencryptedTo: {reencrypted_to} is newer than the primary generation "
                f"{primary} of {gens}; it must be <= {primary}"
            )
            effective = None
        elif reencrypted_to not in gens:
            problems.append(
                f"{key}.reencryptedTo: {reencrypted_to} is not in the ring {gens}; it must be "
                f"one of {gens} (the key the values were re-encrypted with must stay active)"
            )

    lost = [g for g in range(1, primary) if g not in gens and (effective is None or g >= effective)]
    if lost:
        which = ", ".join(map(str, lost))
        noun = "generation" if len(lost) == 1 else "generations"
        keep = sorted(set(gens) | set(lost), reverse=True)
        done = "not set" if reencrypted_to is None else str(reencrypted_to)
        problems.append(
            f"{key}: ring {gens} drops {noun} {which} but values encrypted with "
            f"{'it' if len(lost) == 1 else 'them'} were not re-encrypted with a newer key "
            f"(reencryptedTo: {done}); they would be lost (InvalidToken). "
            f"Allowed: keep {noun} {which} in the ring ({keep}), run the re-encryption "
            "(`airflow rotate-fernet-key`, or the om-secrets rotation Job), then set "
            f"`{key}.reencryptedTo: {primary}`"
        )
    return problems
