"""om-secrets components: pure helpers (conventions, fernet, settings, app_config) and Pulumi components.

``from omsecrets.components import OpenMetadataSecrets`` loads the Pulumi providers lazily, so the pure helpers
stay cheap to import.
"""

from __future__ import annotations

import importlib

__all__ = ["OpenMetadataSecrets", "conventions", "fernet", "settings"]


def __getattr__(name: str):
    if name == "OpenMetadataSecrets":
        return importlib.import_module(".environment", __name__).OpenMetadataSecrets
    if name in ("conventions", "fernet", "settings"):
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'omsecrets.components' has no attribute {name!r}")
