"""Names of key material by logical identity: what a stack's ``acknowledge`` list may drop.

``fernet.<app>.generation.<n>``, ``jwt.keypair``, ``airflow.<secret>``, ``password.<secret name>``, ``secret.<secret name>``,
``vault.<store|keys>``, ``namespace.<name>``, ``kms.key``, ``access-key.<identity>``, ``key.<resource name>`` (key
material under a component of your own), ``protection``, ``production`` (omsecrets.lifecycle
compares two plans by these, never by URN).
"""

from __future__ import annotations

import re

from . import airflow, core

#: OM's JWT signing key pair (one per environment).
JWT_KEYPAIR = "jwt.keypair"
_NAME = r"[A-Za-z0-9][A-Za-z0-9_./ -]*"
SUBJECT = re.compile(
    rf"fernet\.({'|'.join(core.APPS)})\.generation\.[1-9]\d*|jwt\.keypair"
    rf"|{'|'.join(re.escape(s) for s in airflow.subjects())}|password\.{_NAME}|secret\.{_NAME}"
    rf"|vault\.(store|keys)|namespace\.{_NAME}|key\.{_NAME}"
    rf"|kms\.key(\.[A-Za-z0-9_-]+)?|access-key\.({'|'.join(core.IDENTITIES)})|protection|production"
)
SUBJECT_FORMS = (
    "fernet.<openmetadata|airflow>.generation.<n>", JWT_KEYPAIR, *airflow.subjects(), "password.<secret name>",
    "secret.<secret name>", "vault.<store|keys>", "namespace.<name>",
    "kms.key", "access-key.<server|ingestion>", "key.<resource name>", "protection", "production",
)


def fernet_generation(app: str, generation: int) -> str:
    return f"fernet.{app}.generation.{generation}"


def is_subject(text: object) -> bool:
    return isinstance(text, str) and SUBJECT.fullmatch(text) is not None
