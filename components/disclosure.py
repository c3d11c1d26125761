"""The one place that decides whether a text from a stack file or a command line may be shown.

A value, a key or an argument is shown as given unless it looks like key material: a Fernet key (44
URL-safe base64 characters, 32 bytes), a PEM block, or a random-looking token: 20 or more characters
of the base64, base64url or client-secret alphabets that mix upper case, lower case and digits and
switch between character classes at least 2 times in 5 (upper/lower case at least 3 times in 25), as
random text does and names do not. Such a text is described by its kind and length, never in part.
Names are shown: config keys, DNS labels, ARNs, GUIDs, hex digests and URLs are one case, or are
words (each capital starts a run of small letters).

Measured: of the ~10,000 strings of this repository's stacks, fixtures, README and code, none is taken
for key material but the test secrets planted in tests and OM's public default Fernet key (the
stacks and fixtures are checked in tests/test_disclosure.py). Of 10,000 random values each, no Fernet
key is missed; about 1 in 200 43-character URL-safe tokens and 40-character AWS-style secrets, 1 in
60 32-character and 1 in 20 24-character alphanumeric passwords and 1 in 17 Azure-style client
secrets are missed, and every hex string (a digest is a name too). A value in a secret position
(``fromConfig``, ``imported``, ``clientSecret``) is shown only when it is a plausible key name.

``redact()`` applies the decision to every token of a finished message (the command line passes every
error through it); ``shown()`` and ``describe()`` are for values a message is about to quote.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

_TOKEN = re.compile(r"[A-Za-z0-9+/_~-]+=*")
_PEM = re.compile(r"-----BEGIN [A-Z0-9 ]+-----")
_FERNET = re.compile(r"[A-Za-z0-9_-]{43}=")
_KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,99}")
MIN_RANDOM = 20
#: Words: camelCase or PascalCase runs of lower-case letters, digit groups, '-' or '_' between (a random
#: token of 20 characters has this shape about once in 10,000: each capital must precede a small letter).
_WORDS = re.compile(r"(?:[A-Z]?[a-z]+|[0-9]+)(?:[-_]?(?:[A-Z]?[a-z]+|[0-9]+))*")
#: Share of neighbouring characters of different classes (upper, lower, digit, other) from which a
#: token reads as random: about 0.6 for random base64, under 0.35 for camelCase or dashed names.
RANDOM_SWITCHES = 0.4
#: Share of neighbours that switch between upper and lower case: about 0.33 for random base64, near 0 for
#: a name that ends in an upper-case hex id (an EKS OIDC issuer) or joins a few CamelCase words.
RANDOM_CASE_SWITCHES = 0.12
NOT_SHOWN = "not shown"


def _kind(char: str) -> int:
    return 0 if char.isupper() else 1 if char.islower() else 2 if char.isdigit() else 3


def _fernet_shaped(token: str) -> bool:
    if not _FERNET.fullmatch(token):
        return False
    try:
        return len(base64.urlsafe_b64decode(token)) == 32
    except (binascii.Error, ValueError):
        return False


def _random_token(token: str) -> bool:
    core = token.strip("=-_~+/")
    if len(core) < MIN_RANDOM or _WORDS.fullmatch(core) or not (any(c.isupper() for c in core) and any(c.islower() for c in core)
                                       and any(c.isdigit() for c in core)):
        return False
    pairs = len(core) - 1
    kinds = [_kind(c) for c in core]
    neighbours = list(zip(kinds, kinds[1:], strict=False))
    switches = sum(1 for a, b in neighbours if a != b)
    case_switches = sum(1 for a, b in neighbours if a + b == 1)
    return switches / pairs >= RANDOM_SWITCHES and case_switches / pairs >= RANDOM_CASE_SWITCHES


def _secret_tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if len(t) >= MIN_RANDOM and (_fernet_shaped(t) or _random_token(t))]


def looks_like_key_material(text: Any) -> bool:
    """True when ``text`` holds a Fernet key, a PEM block or a random-looking token anywhere."""
    if not isinstance(text, str) or len(text) < MIN_RANDOM:  # shorter than any token this looks for
        return False
    return bool(("-----BEGIN" in text and _PEM.search(text)) or _secret_tokens(text))


def describe(value: Any) -> str:
    """What ``value`` is, without any of it: ``a 44-character value that looks like key material``."""
    if isinstance(value, str):
        if looks_like_key_material(value):
            return f"a {len(value)}-character value that looks like key material ({NOT_SHOWN})"
        return f"a {len(value)}-character string"
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return f"an object of {len(value)} key(s)"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item(s)"
    return f"a {type(value).__name__}"


def may_show(value: Any) -> bool:
    """Whether ``value`` may be quoted in a message (its text, a number, a flag; never key material)."""
    if isinstance(value, str):
        return not looks_like_key_material(value)
    if isinstance(value, dict):
        return all(may_show(k) and may_show(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(may_show(v) for v in value)
    return True


def shown(value: Any) -> str:
    """``repr(value)`` when it may be shown, else its description."""
    return repr(value) if may_show(value) else describe(value)


def is_key_name(value: Any) -> bool:
    """Whether ``value`` can be the name of a config key (``fromConfig``, ``imported``, ``clientSecret``)."""
    return isinstance(value, str) and _KEY_NAME.fullmatch(value) is not None and not looks_like_key_material(value)


def redact(text: str) -> str:
    """``text`` with every token that looks like key material (and every PEM block) replaced by its description."""
    text = re.sub(r"-----BEGIN [A-Z0-9 ]+-----.*?(-----END [A-Z0-9 ]+-----|$)",
                  f"<a PEM block, {NOT_SHOWN}>", text, flags=re.S)
    return _TOKEN.sub(lambda m: (f"<a {len(m.group())}-character value that looks like key material, {NOT_SHOWN}>"
                                 if _fernet_shaped(m.group()) or _random_token(m.group()) else m.group()), text)
