from pulumi_policy import PolicyPack

from omsecrets.policies.pack import policies

PolicyPack(name="om-secrets", policies=policies())
