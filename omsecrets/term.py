"""Terminal niceties: colour only on a TTY without ``NO_COLOR``, progress lines on stderr."""

from __future__ import annotations

import os
import sys
from typing import Optional, TextIO

_CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}


def is_tty(stream: Optional[TextIO]) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


def use_colour(stream: Optional[TextIO] = None) -> bool:
    """Colour when ``stream`` (stdout) is a TTY and ``NO_COLOR`` is unset or empty (no-color.org)."""
    return is_tty(sys.stdout if stream is None else stream) and not os.environ.get("NO_COLOR")


def paint(text: str, *styles: str, stream: Optional[TextIO] = None) -> str:
    """``text`` wrapped in ANSI ``styles`` (bold, dim, red, green, yellow, cyan) when colour is on."""
    if not styles or not use_colour(stream):
        return text
    return f"\x1b[{';'.join(_CODES[s] for s in styles)}m{text}\x1b[0m"


def progress(index: int, total: int, message: str, stream: Optional[TextIO] = None) -> bool:
    """Print ``[index/total] message…`` on stderr when there are several steps and stderr is a TTY."""
    stream = sys.stderr if stream is None else stream
    if total < 2 or not is_tty(stream):
        return False
    print(f"[{index}/{total}] {message}…", file=stream, flush=True)
    return True
