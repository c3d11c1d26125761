"""Run inside the openmetadata-ingestion venv: resolve each ``secret:<id>`` the way OM's ingestion does.

argv: kubeconfig namespace id...  Prints JSON {id: value}. Uses OM's own SecretsManagerFactory with the
``kubernetes`` provider and the ``env`` loader (kubeconfig mode), and resolves each reference through
OM's ``CustomSecretStr`` in a generated connection model (``BasicAuth.password``), as at run time.
"""

import json
import os
import sys

kubeconfig, namespace, ids = sys.argv[1], sys.argv[2], sys.argv[3:]
os.environ.update({"KUBERNETES_NAMESPACE": namespace, "KUBERNETES_IN_CLUSTER": "false",
                   "KUBERNETES_KUBECONFIG_PATH": kubeconfig})

from metadata.generated.schema.entity.services.connections.database.common.basicAuth import BasicAuth  # noqa: E402
from metadata.generated.schema.security.secrets.secretsManagerClientLoader import SecretsManagerClientLoader  # noqa: E402
from metadata.generated.schema.security.secrets.secretsManagerProvider import SecretsManagerProvider  # noqa: E402
from metadata.utils.secrets.kubernetes_secrets_manager import KubernetesSecretsManager  # noqa: E402
from metadata.utils.secrets.secrets_manager_factory import SecretsManagerFactory  # noqa: E402

manager = SecretsManagerFactory(SecretsManagerProvider.kubernetes, SecretsManagerClientLoader.env).get_secrets_manager()
assert isinstance(manager, KubernetesSecretsManager), type(manager)
out = {}
for secret_id in ids:
    direct = manager.get_string_value(secret_id)
    via_model = BasicAuth(password=f"secret:{secret_id}").password.get_secret_value()
    out[secret_id] = {"direct": direct, "connection": via_model}
print(json.dumps(out))
