"""om-secrets: one OpenMetadata environment per stack (``pulumi up -s <env>``)."""

import pulumi

from omsecrets.components.environment import OpenMetadataSecrets
from omsecrets.components.settings import load

settings = load()
environment = OpenMetadataSecrets(settings.environment, settings)
for key, value in environment.stack_outputs().items():
    pulumi.export(key, value)
