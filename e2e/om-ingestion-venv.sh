#!/usr/bin/env bash
# A cached virtualenv with OpenMetadata's ingestion package (OM's own secret readers) for the e2e tier.
# Its full install downloads a wheel from outside the package index, so install it without deps and add
# what metadata.utils.secrets needs. Prints the venv's python as its last line; warm: no pip at all.
# Shared with the unit tests' tests/support/om_ingestion.py (same path, lock and .complete marker).
set -euo pipefail
OM_VERSION=2.0.7.0
root="${OM_SECRETS_CACHE:-$HOME/.cache/om-secrets}"
venv="$root/om-ingestion-venv-$OM_VERSION"
mkdir -p "$root"
exec 9>"$root/.om-ingestion-venv.lock"
flock 9
if [ -f "$venv/.complete" ]; then echo "$venv/bin/python"; exit 0; fi
rm -rf "$venv"
python3 -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
"${pip[@]}" --no-deps "openmetadata-ingestion==$OM_VERSION"
"${pip[@]}" "pydantic>=2.12.5,<3" "pydantic-settings>=2.0" "boto3~=1.41.5" "kubernetes<36" cryptography \
  pyyaml cachetools requests typing-inspect "sqlalchemy<2.1" email_validator chardet sqlparse \
  "antlr4-python3-runtime==4.9.2" cached_property "collate-sqllineage==2.1.7" \
  "google-cloud-secret-manager==2.24.0" azure-identity azure-keyvault-secrets google_crc32c tenacity \
  pytz tabulate rich dsnparse toml "moto[server]" jsonpatch  # moto brings jsonpatch and attrs, which OM imports
"${pip[@]}" --no-deps "collate-data-diff>=0.11.17"
"$venv/bin/python" -c "from metadata.utils.secrets.kubernetes_secrets_manager import KubernetesSecretsManager" >&2
touch "$venv/.complete"
echo "$venv/bin/python"
