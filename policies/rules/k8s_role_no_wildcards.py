"""OMS-K8S-002: RBAC rules name their verbs, resources and API groups (checkov CKV_K8S_49)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u


def validate(args, report):
    for i, rule in enumerate(u.rbac_rules(args.props)):
        wild = [field for field in ("verbs", "resources", "apiGroups") if "*" in u.as_list(rule.get(field))]
        if wild:
            report(f"{u.kind(args.resource_type)} {args.name} rule #{i} has '*' in {', '.join(wild)}")


RULE = Rule(
    id="OMS-K8S-002",
    name="k8s-role-no-wildcards",
    description="Roles and ClusterRoles use no '*' in verbs, resources or apiGroups.",
    level="mandatory",
    remediation="List exact verbs and resources, e.g. apiGroups [''], resources ['secrets'], verbs ['get'].",
    kind="resource",
    resource_types=u.rbac_types("Role", "ClusterRole"),
    validate=validate,
)
