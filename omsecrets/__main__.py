"""``python -m omsecrets``."""

from .cli import main

raise SystemExit(main())
