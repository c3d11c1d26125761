"""OMS-STORE-002: no two resources claim one secret id (same name, same namespace, same provider)."""

from collections import defaultdict

from pulumi_policy.proxy import UnknownValueError

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

NAMED = {
    "aws:secretsmanager/secret:Secret": ("name",),
    "aws:ssm/parameter:Parameter": ("name",),
    u.K8S_SECRET: ("metadata", "name"),
}


def _key(resource):
    name = u.get(resource.props, *NAMED[resource.resource_type])
    if not isinstance(name, str) or not name:
        return None
    scope = ""
    if resource.resource_type == u.K8S_SECRET:
        namespace = u.get(resource.props, "metadata", "namespace")
        if namespace is u.UNKNOWN:
            return None
        scope = namespace if isinstance(namespace, str) and namespace else "default"
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
    description="Every secret id (Secrets Manager name, SSM name, Kubernetes namespace/name) has one owner.",
    level="mandatory",
    remediation="Rename one of the logical secrets (om-secrets:secrets[].path) so OM's ids differ; "
    "omsecrets.components.conventions.find_collisions lists them.",
    kind="stack",
    validate=validate,
)
