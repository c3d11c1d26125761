"""OMS-STORE-002: no two resources claim one secret id (same name in the same scope, same provider).

Scopes: a Kubernetes namespace (``default`` when none is given), a Key Vault (vault names are global,
so the resource group does not matter; a secret with no vault claims nothing), a GCP project (none
given: the provider's own project); Secrets Manager and SSM names are scoped by the provider alone.
"""

from collections import defaultdict

from pulumi_policy.proxy import UnknownValueError

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

#: resource type -> path of the secret's name
NAMED = {
    "aws:secretsmanager/secret:Secret": ("name",),
    "aws:ssm/parameter:Parameter": ("name",),
    u.K8S_SECRET: ("metadata", "name"),
    "azure-native:keyvault:Secret": ("secretName",),
    "gcp:secretmanager/secret:Secret": ("secretId",),
}
#: resource type -> (path of the name's scope, the scope when none is given; None: no claim)
SCOPES = {
    u.K8S_SECRET: (("metadata", "namespace"), "default"),
    "azure-native:keyvault:Secret": (("vaultName",), None),
    "gcp:secretmanager/secret:Secret": (("project",), ""),
}


def _key(resource):
    name = u.get(resource.props, *NAMED[resource.resource_type])
    if not isinstance(name, str) or not name:
        return None
    scope = ""
    if resource.resource_type in SCOPES:
        path, default = SCOPES[resource.resource_type]
        value = u.get(resource.props, *path)
        if value is u.UNKNOWN:
            return None
        scope = value if isinstance(value, str) and value else default
        if scope is None:
            return None
    provider = resource.provider.urn if resource.provider is not None else ""
    return resource.resource_type, provider, scope, name


def validate(args, report):
    claims = defaultdict(list)
    for r in u.of_type(args.resources, *NAMED):
        try:
            key = _key(r)
        except UnknownValueError:
            continue
        if key:
            claims[key].append(r)
    for (kind, _, scope, name), owners in sorted(claims.items(), key=lambda kv: kv[0]):
        if len(owners) > 1:
            where = f"{scope}/{name}" if scope else name
            names = ", ".join(sorted(o.name for o in owners))
            for owner in owners:
                report(f"{u.kind(kind)} {where!r} is declared by {len(owners)} resources ({names})", owner.urn)


RULE = Rule(
    id="OMS-STORE-002",
    name="store-ids-unique",
    description="Every secret id (Secrets Manager name, SSM name, Kubernetes namespace/name, Key Vault "
    "vault/name, GCP project/secret id) has one owner.",
    level="mandatory",
    remediation="Rename one of the logical secrets (om-secrets:secrets[].path) so OM's ids differ; "
    "omsecrets.components.conventions.find_collisions lists them.",
    kind="stack",
    validate=validate,
)
