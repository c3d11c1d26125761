"""OMS-GCP-001: no app identity holds roles/secretmanager.admin, roles/owner or roles/editor.

Judged on project and secret IAM members and bindings with any member that is not a person
(``user:``, ``group:``, ``domain:``): service accounts, workload identity principals, or unknown.
The broad roles are ``components.access.gcp_iam.BROAD_ROLES`` (the predefined roles of the access
model that hold a wildcard).
"""

from omsecrets.components.access import gcp_iam
from omsecrets.policies.rule import Rule
from omsecrets.policies.rules import _util as u

PEOPLE = ("user:", "group:", "domain:")


def validate(args, report):
    role = u.get(args.props, "role")
    if role not in gcp_iam.BROAD_ROLES:
        return
    members = u.as_list(u.get(args.props, "member")) + u.as_list(u.get(args.props, "members"))
    if members and all(isinstance(m, str) and m.startswith(PEOPLE) for m in members):
        return
    report(f"IAM grant {args.name} gives {role} to an app identity")


RULE = Rule(
    id="OMS-GCP-001",
    name="gcp-no-broad-roles",
    description="App identities get no roles/secretmanager.admin, roles/owner or roles/editor.",
    level="mandatory",
    remediation="Grant the server components.access.gcp_iam's custom roles and ingestion "
    "roles/secretmanager.secretAccessor, under an IAM condition on OM's id prefix.",
    kind="resource",
    resource_types=(
        "gcp:projects/iAMMember:IAMMember",
        "gcp:projects/iAMBinding:IAMBinding",
        "gcp:secretmanager/secretIamMember:SecretIamMember",
        "gcp:secretmanager/secretIamBinding:SecretIamBinding",
    ),
    validate=validate,
)
