"""What an exported ``secret:<id>`` must never resolve to, shared by the unit tests and the e2e tier."""

from __future__ import annotations

from omsecrets.components import core


def pointer_or_placeholder(value: object) -> str | None:
    """Why ``value`` is no secret an app could use (empty, one of om-secrets' placeholders, the pointer the
    Kubernetes store leaves where a Fernet key copy used to live, a reference or encrypted config text), or None."""
    if not isinstance(value, str) or not value:
        return f"no value ({value!r})"
    if value in core.PLACEHOLDERS:
        return f"the placeholder {value!r}"
    if core.is_vacated_key_copy(value):
        return "the pointer text left where a Fernet key copy used to live"
    if value.startswith(("secure:", "v1:", core.OFFLINE_SECRET_PREFIX, "secret:")):
        return f"a reference or encrypted config text ({value[:12]}...)"
    return None
