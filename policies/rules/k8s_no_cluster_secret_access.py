"""OMS-K8S-001: no ClusterRole grants Secrets and no ClusterRoleBinding binds a role that does
(checkov CKV2_K8S_5, Kyverno restrict-binding-clusteradmin)."""

from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

#: Built-in ClusterRoles that read or write Secrets.
SECRET_CLUSTER_ROLES = ("cluster-admin", "admin", "edit")
CLUSTER_ROLES = u.rbac_types("ClusterRole")
BINDINGS = u.rbac_types("ClusterRoleBinding")


def validate(args, report):
    if args.resource_type in CLUSTER_ROLES:
        for i, rule in enumerate(u.rbac_rules(args.props)):
            if u.grants_on_secrets(rule) and u.as_list(rule.get("verbs")):
                verbs = ", ".join(map(str, u.as_list(rule.get("verbs"))))
                report(f"ClusterRole {args.name} rule #{i} grants {verbs} on secrets in every namespace")
        return
    role = u.get(args.props, "roleRef") or {}
    if isinstance(role, dict) and role.get("kind") == "ClusterRole" and role.get("name") in SECRET_CLUSTER_ROLES:
        report(f"ClusterRoleBinding {args.name} binds {role['name']}, which can read every Secret in the cluster")


RULE = Rule(
    id="OMS-K8S-001",
    name="k8s-no-cluster-secret-access",
    description="Secret access is namespaced: no ClusterRole on secrets, no binding to cluster-admin/admin/edit.",
    level="mandatory",
    remediation="Use a Role and RoleBinding in OM's secrets namespace (components.access.k8s_rbac "
    "server_role_rules / ingestion_role_rules).",
    kind="resource",
    resource_types=CLUSTER_ROLES + BINDINGS,
    validate=validate,
)
