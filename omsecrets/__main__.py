"""``python -m omsecrets``."""

from .cli import run

run()
