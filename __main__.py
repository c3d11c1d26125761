"""om-secrets: one OpenMetadata environment per stack (``pulumi up -s <env>``)."""

import pulumi

from omsecrets.components.environment import STABLE_NAME, OpenMetadataSecrets, former_names
from omsecrets.components.settings import load

settings = load()
# Resource names never follow the environment; stacks made when they did keep their resources (aliases).
environment = OpenMetadataSecrets(STABLE_NAME, settings, former_names=former_names(settings))
for key, value in environment.stack_outputs().items():
    pulumi.export(key, value)
