"""Run inside the openmetadata-ingestion venv: resolve each ``secret:<id>`` the way OM's ingestion does.

argv: one JSON list of reads ``[{"kubeconfig": ..., "namespace": ..., "ids": [...]}, ...]`` (OM's import takes
~10 s, so one process does them all). Prints JSON ``{"reads": [{id: {"direct": ..., "connection": ...}}, ...],
"data_key": <the data key the installed reader reads, from its source>}``. Uses OM's own SecretsManagerFactory
with the ``kubernetes`` provider and the ``env`` loader (kubeconfig mode), and resolves each reference through
OM's ``CustomSecretStr`` in a generated connection model (``BasicAuth.password``), as at run time.
"""

import inspect
import json
import os
import re
import sys

from metadata.generated.schema.entity.services.connections.database.common.basicAuth import BasicAuth
from metadata.generated.schema.security.secrets.secretsManagerClientLoader import SecretsManagerClientLoader
from metadata.generated.schema.security.secrets.secretsManagerProvider import SecretsManagerProvider
from metadata.utils.secrets.kubernetes_secrets_manager import KubernetesSecretsManager
from metadata.utils.secrets.secrets_manager_factory import SecretsManagerFactory
from metadata.utils.singleton import Singleton

out = []
for request in json.loads(sys.argv[1]):
    os.environ.update({"KUBERNETES_NAMESPACE": request["namespace"], "KUBERNETES_IN_CLUSTER": "false",
                       "KUBERNETES_KUBECONFIG_PATH": request["kubeconfig"]})
    Singleton.clear_all()  # the factory and the manager are singletons: a new namespace or token needs new ones
    manager = SecretsManagerFactory(SecretsManagerProvider.kubernetes, SecretsManagerClientLoader.env).get_secrets_manager()
    assert isinstance(manager, KubernetesSecretsManager), type(manager)
    assert manager.namespace == request["namespace"], manager.namespace
    read = {}
    for secret_id in request["ids"]:
        direct = manager.get_string_value(secret_id)
        via_model = BasicAuth(password=f"secret:{secret_id}").password.get_secret_value()
        read[secret_id] = {"direct": direct, "connection": via_model}
    out.append(read)
keys = re.findall(r'secret\.data\["(\w+)"\]', inspect.getsource(KubernetesSecretsManager.get_string_value))
print(json.dumps({"reads": out, "data_key": sorted(set(keys))}))
