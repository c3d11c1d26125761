from pulumi_policy import PolicyPack

from policies.pack import policies

PolicyPack(name="om-secrets", policies=policies())
