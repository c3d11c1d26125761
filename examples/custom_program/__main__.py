"""A program of its own: OpenMetadataSecrets with settings built in code, plus one extra resource."""

import json

import pulumi
import pulumi_kubernetes as k8s

from omsecrets.components import OpenMetadataSecrets
from omsecrets.components.core import STANDARD_LABELS
from omsecrets.components.settings import from_dict

config = pulumi.Config()
stack = pulumi.get_stack()
settings = from_dict(
    {
        "provider": "aws-ssm",
        "prefix": "demo",
        "clusterName": "openmetadata",
        "tags": {"team": config.get("team") or "data-platform", "environment": stack},
        "aws": {"identity": {"mode": "pod-identity", "eksClusterName": "demo-eks"}},
        "server": {"namespace": "openmetadata", "serviceAccount": "openmetadata"},
        "ingestion": {"namespace": "airflow", "serviceAccount": "airflow-worker", "loader": "airflow"},
        "secrets": [{"name": "postgres-password", "path": "database/postgres-demo/password", "length": 32}],
    },
    stack=stack,
    aws_region=pulumi.Config("aws").get("region"),
)
environment = OpenMetadataSecrets(settings.environment, settings)

# Our own resource: where each secret lives (references, never values), as a ConfigMap other tools in
# the server's namespace can read. Not an SSM parameter: every parameter under the store's path is a
# secret (SecureString, named by OM's convention) and OMS-SM-001/OMS-STORE-001 would say so.
catalog = k8s.core.v1.ConfigMap(
    "secret-catalog",
    metadata={"name": "om-secrets-catalog", "namespace": settings.server.namespace,
              "labels": dict(STANDARD_LABELS)},
    data={"references.json": json.dumps(environment.references, sort_keys=True)},
    opts=pulumi.ResourceOptions(depends_on=[environment]),
)

for key, value in environment.stack_outputs().items():
    pulumi.export(key, value)
pulumi.export("secretCatalog", pulumi.Output.concat(settings.server.namespace, "/", catalog.metadata["name"]))
