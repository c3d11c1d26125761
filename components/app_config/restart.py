"""Pod restarts driven by what changed: a digest of the identities of every secret an app reads.

The identity of a delivered secret is what names its value in state: a Fernet ring's generations and
the config keys its imported generations come from, the JWT pair's generation (or adopted key), the
names of the generated Airflow secrets and of the access keys or client secrets delivered, and the
secrets manager the app's secrets live in (a provider switch moves them: OM must restart on the new store
before ``migrate-secrets`` runs, and ingestion to read its references there). A value
changes exactly when its identity does (a new generation, a new resource), never otherwise, so the
digest changes when a secret the app reads is replaced and a no-op ``pulumi up`` changes nothing. No
secret byte enters it: :func:`identities` lists its whole input.
"""

from __future__ import annotations

import hashlib

from .. import airflow, core
from ..settings import Settings
from . import validate

#: The pod-template annotation (OM chart ``podAnnotations``, Airflow chart ``airflowPodAnnotations``).
ANNOTATION = "om-secrets/secrets-digest"


def _ring(settings: Settings, app: str) -> list[str]:
    ring = settings.fernet.ring(app)
    imported = ",".join(f"{g}:{ref}" for g, ref in sorted(ring.imported.items()))
    return [f"fernet-key: generations {list(ring.generations)}" + (f", imported {imported}" if imported else "")]


def identities(settings: Settings, app: str) -> list[str]:
    """The digest's whole input for ``app``: one line per secret it reads, naming that secret's identity."""
    s = settings
    out = _ring(s, app) + [f"secrets-manager: {s.provider}"]
    if app == core.SERVER_APP:
        if s.jwt.enabled:
            source = f"imported {s.jwt.imported}" if s.jwt.imported else f"generation {s.jwt.generation}"
            out.append(f"jwt-keys: {source}")
        if not s.ingestion.kubernetes_native:
            out.append(f"{airflow.SERVER_PASSWORD_KEY}: {airflow.SERVER_PASSWORD_SUBJECT}")
    else:
        out += [f"{shared.name}: {shared.subject}" for shared in airflow.shared_secrets(s.airflow.version)]
    if validate.uses_access_keys(s, app):
        who = core.SERVER if app == core.SERVER_APP else core.INGESTION
        out.append(f"access-key: access-key.{who}")
    if validate.uses_client_secret(s, app):
        identity = s.azure.identity
        key = identity.server_client_secret if app == core.SERVER_APP else identity.ingestion_client_secret
        out.append(f"client-secret: config {key}")
    return sorted(out)


def digest(settings: Settings, app: str) -> str:
    """16 hex characters of SHA-256 over :func:`identities` (the same in every preview of the same stack)."""
    return hashlib.sha256("\n".join(identities(settings, app)).encode()).hexdigest()[:16]
