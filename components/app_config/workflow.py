"""The ``workflowConfig.openMetadataServerConfig`` block of an OM ingestion workflow YAML."""

from __future__ import annotations

from typing import Any

from ..core import AUTH_PROVIDERS
from ..settings import NAMESPACE, Settings
from . import validate


def workflow_config(settings: Settings) -> dict[str, Any]:
    """``{"workflowConfig": {"openMetadataServerConfig": {...}}}`` for the configured store and loader."""
    s = validate.check(settings)
    auth = s.ingestion.auth_provider
    if auth not in AUTH_PROVIDERS:
        raise ValueError(f"{NAMESPACE}:ingestion.authProvider: {auth!r} is not one of {', '.join(AUTH_PROVIDERS)}")
    return {
        "workflowConfig": {
            "openMetadataServerConfig": {
                "hostPort": s.ingestion.host_port,
                "authProvider": auth,
                "secretsManagerProvider": s.provider,
                "secretsManagerLoader": s.ingestion.loader,
            }
        }
    }
