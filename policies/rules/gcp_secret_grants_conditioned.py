"""OMS-GCP-002: a project-level grant of secret-scoped Secret Manager permissions has an IAM condition on
``resource.name``.

Project-level members and bindings reach every secret of the project unless a condition narrows
them (om-secrets: ``resource.name.startsWith("projects/<NUMBER>/secrets/<id prefix>")``). Judged:
permissions that read, write or delete by the access model (``core.GCP_SECRET_PERMISSIONS``), except
those checked on the project (``core.GCP_PROJECT_PERMISSIONS``: create), which no condition narrows;
metadata-only roles (viewer) are not judged. A custom role is read from the ``IAMCustomRole`` it
names, or (its name unknown during preview) the ones the grant depends on; a predefined role from
``core.GCP_PREDEFINED_ROLES``.
"""

from omsecrets.components import core
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

GRANTS = ("gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding")
CUSTOM_ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"


def _custom_roles(grant, role, custom_roles):
    if isinstance(role, str):
        return [r for r in custom_roles if role.endswith(f"/roles/{u.get(r.props, 'roleId')}")]
    linked = list(grant.dependencies)
    for extra in grant.property_dependencies.values():
        linked.extend(extra)
    return [r for r in linked if r.resource_type == CUSTOM_ROLE]


def permissions(grant, custom_roles) -> frozenset:
    """The Secret Manager permissions a grant's role holds (empty if unknown)."""
    role = u.get(grant.props, "role")
    if isinstance(role, str) and role.startswith("roles/"):
        return core.gcp_permissions(core.GCP_PREDEFINED_ROLES.get(role, ()))
    roles = _custom_roles(grant, role, custom_roles)
    return core.gcp_permissions([p for r in roles for p in u.as_list(u.get(r.props, "permissions"))])


def validate(args, report):
    custom_roles = list(u.of_type(args.resources, CUSTOM_ROLE))
    for grant in u.of_type(args.resources, *GRANTS):
        held = permissions(grant, custom_roles) - set(core.GCP_PROJECT_PERMISSIONS)
        scoped = {p for p in held if core.GCP_SECRET_PERMISSIONS[p]}
        expression = u.get(grant.props, "condition", "expression")  # UNKNOWN if the condition is
        if not scoped or expression is u.UNKNOWN:
            continue
        if not expression:
            report(f"IAM grant {grant.name} gives {', '.join(sorted(scoped))} on every secret of the project: "
                   "no IAM condition", grant.urn)
        elif "resource.name" not in expression:
            report(f"IAM grant {grant.name}: its condition does not narrow resource.name", grant.urn)


RULE = Rule(
    id="OMS-GCP-002",
    name="gcp-secret-grants-conditioned",
    description="Project-level grants of secret access carry an IAM condition on the secret name.",
    level="mandatory",
    remediation="Add condition=components.access.gcp_iam.condition(title, project_number, id_prefix) "
    "(resource.name.startsWith(\"projects/<NUMBER>/secrets/<OM's id prefix>\")), or grant on the secret itself.",
    kind="stack",
    validate=validate,
)
