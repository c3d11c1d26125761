"""A program of its own: OpenMetadataSecrets with settings built in code, plus one extra resource."""

import json

import pulumi
import pulumi_aws as aws

from omsecrets.components import OpenMetadataSecrets
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

# Our own resource: where each secret lives, as a plain (non-secret) SSM parameter for other tools.
# It sits outside /demo/openmetadata/, so the OM server's read/write policy does not cover it.
catalog = aws.ssm.Parameter(
    "secret-catalog",
    name=f"/om-secrets-demo/{stack}/secret-references",
    type="String",
    value=json.dumps(environment.references, sort_keys=True),
    tags=settings.resource_tags,
    opts=pulumi.ResourceOptions(depends_on=[environment]),
)

for key, value in environment.stack_outputs().items():
    pulumi.export(key, value)
pulumi.export("secretCatalogParameter", catalog.name)
