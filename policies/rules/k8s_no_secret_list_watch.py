"""OMS-K8S-003: nobody may list or watch Secrets (Kyverno restrict-secret-role-verbs)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

ENUMERATING = ("list", "watch")


def validate(args, report):
    for i, rule in enumerate(u.rbac_rules(args.props)):
        verbs = u.as_list(rule.get("verbs"))
        bad = sorted(v for v in verbs if v in ENUMERATING or v == "*")
        if bad and u.grants_on_secrets(rule):
            report(f"{u.kind(args.resource_type)} {args.name} rule #{i} allows {', '.join(bad)} on secrets")


RULE = Rule(
    id="OMS-K8S-003",
    name="k8s-no-secret-list-watch",
    description="No Role or ClusterRole allows list or watch on secrets (that returns every value).",
    level="mandatory",
    remediation="OM reads secrets by name: grant get (ingestion) or create/get/update/delete (server) only.",
    kind="resource",
    resource_types=u.rbac_types("Role", "ClusterRole"),
    validate=validate,
)
