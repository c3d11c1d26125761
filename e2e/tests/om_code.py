"""What OpenMetadata's own code writes and reads in its Kubernetes store, taken from OM's sources (not from
om-secrets' constants), so the e2e tier judges om-secrets against OM rather than against itself.

The server (writes and reads): ``org.openmetadata.service.secrets.KubernetesSecretsManager``,
open-metadata/OpenMetadata@b41109128fa2a1da91ae2cd6276ad5d8b5af66ed,
``openmetadata-service/src/main/java/org/openmetadata/service/secrets/KubernetesSecretsManager.java``:
``storeSecret`` names the Secret ``sanitizeSecretName(secretName)`` in its configured namespace, labels it
``app=openmetadata`` and ``managed-by=openmetadata-secrets-manager`` plus one label per ``key:value`` tag
(``tag.split(":", 2)``, tags without a ``:`` dropped), and puts the value, UTF-8, under the data key
``SECRET_KEY = "value"``; ``getSecret`` reads that key.

Ingestion (reads): ``metadata.utils.secrets.kubernetes_secrets_manager.KubernetesSecretsManager``,
open-metadata/OpenMetadata@dc05a6eb08db20e63942e2dc745995beb352ba4b,
``ingestion/src/metadata/utils/secrets/kubernetes_secrets_manager.py``: ``get_string_value(secret_id)`` reads
the Secret named ``secret_id`` as given (no sanitizing) and returns ``secret.data["value"]`` decoded;
om_reader.py reports the key the installed ``openmetadata-ingestion`` reads, from its source.
"""

from __future__ import annotations

import re

import yaml

OM_SERVER_SOURCE = ("open-metadata/OpenMetadata@b41109128fa2a1da91ae2cd6276ad5d8b5af66ed "
                    "openmetadata-service/src/main/java/org/openmetadata/service/secrets/KubernetesSecretsManager.java")
OM_READER_SOURCE = ("open-metadata/OpenMetadata@dc05a6eb08db20e63942e2dc745995beb352ba4b "
                    "ingestion/src/metadata/utils/secrets/kubernetes_secrets_manager.py")

#: ``storeSecret``: ``labels.put("app", "openmetadata"); labels.put("managed-by", "openmetadata-secrets-manager")``
SERVER_LABELS = {"app": "openmetadata", "managed-by": "openmetadata-secrets-manager"}
#: ``private static final String SECRET_KEY = "value";`` (the reader: ``"value" in secret.data``)
DATA_KEY = "value"


def tag_labels(tags: list[str]) -> dict[str, str]:
    """``storeSecret``'s tags loop: ``String[] parts = tag.split(":", 2); if (parts.length == 2) put``."""
    out = {}
    for tag in tags:
        parts = tag.split(":", 1)
        if len(parts) == 2:
            out[parts[0]] = parts[1]
    return out


def server_tags(secret_manager_tags: str) -> list[str]:
    """OM's ``secretsManagerConfiguration.tags: ${SECRET_MANAGER_TAGS:-[]}`` (conf/openmetadata.yaml): the env
    value substituted into the YAML file, read as a YAML list of strings."""
    value = yaml.safe_load(f"tags: {secret_manager_tags}")["tags"] or []
    return [str(t) for t in value]


def expected_labels(secret_manager_tags: str) -> dict[str, str]:
    """The labels OM's server puts on a store Secret it creates, for the server's ``SECRET_MANAGER_TAGS``."""
    return {**tag_labels(server_tags(secret_manager_tags)), **SERVER_LABELS}


def sanitize_secret_name(secret_name: str) -> str:
    """``sanitizeSecretName``, transcribed: the name the server gives the Secret of ``secret_name``."""
    s = re.sub(r"^/+", "", secret_name)
    s = re.sub(r"[^a-zA-Z0-9-]", "-", s).lower()
    s = re.sub(r"-+", "-", s)
    s = re.sub(r"^-+|-+$", "", s)
    if len(s) > 253:
        h = 0
        for ch in secret_name:  # Java String.hashCode, as Integer.toHexString prints it
            h = (31 * h + ord(ch)) & 0xFFFFFFFF
        s = s[:240] + "-" + format(h, "x")
    if not re.match(r"^[a-z0-9]", s):
        s = "om-" + s
    return s
