"""OMS-GCP-001 gcp-no-broad-roles: no roles/secretmanager.admin, owner or editor for a member that is not a
person, on project or secret grants."""

import pytest

from tests.support import rules as h

RULE = "OMS-GCP-001"
MEMBER, BINDING = "gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding"
SECRET_MEMBER = "gcp:secretmanager/secretIamMember:SecretIamMember"
SECRET_BINDING = "gcp:secretmanager/secretIamBinding:SecretIamBinding"
BROAD = ["roles/secretmanager.admin", "roles/owner", "roles/editor"]
GSA = "serviceAccount:om-prod-server@acme.iam.gserviceaccount.com"


def grant(role, member=GSA, type_=MEMBER, production=True):
    props = {"project": "acme", "role": role}
    if member is not None:
        props["members" if type_ in (BINDING, SECRET_BINDING) else "member"] = member
    return h.resource(type_, props, name="grant", production=production)


@pytest.mark.parametrize("role", BROAD)
@pytest.mark.parametrize("type_", [MEMBER, SECRET_MEMBER])
def test_broad_role_for_a_service_account(role, type_):
    f = h.one(RULE, grant(role, type_=type_))
    assert role in f.message and "grant" in f.message


@pytest.mark.parametrize("type_", [BINDING, SECRET_BINDING])
def test_binding_with_one_app_among_people(type_):
    h.one(RULE, grant("roles/owner", ["user:ana@acme.com", GSA], type_=type_))


@pytest.mark.parametrize("member", [
    "principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/acme.svc.id.goog/subject/ns/a/sa/b",
    h.UNKNOWN, None])
def test_workload_principal_unknown_or_missing_member_counts_as_an_app(member):
    h.one(RULE, grant("roles/secretmanager.admin", member))


@pytest.mark.parametrize("member", ["user:ana@acme.com", "group:admins@acme.com", "domain:acme.com"])
def test_people_are_not_app_identities(member):
    h.none(RULE, grant("roles/owner", member))


def test_binding_of_people_only():
    h.none(RULE, grant("roles/owner", ["user:ana@acme.com", "group:admins@acme.com"], type_=BINDING))


@pytest.mark.parametrize("role", ["roles/secretmanager.secretAccessor", "roles/secretmanager.viewer",
                                  "projects/acme/roles/omsecrets_prod_server", "roles/ownerX", h.UNKNOWN])
def test_narrow_custom_and_unknown_roles(role):
    h.none(RULE, grant(role))


def test_missing_role():
    h.none(RULE, h.resource(MEMBER, {"member": GSA}))


def test_mandatory_outside_production_too():
    h.one(RULE, grant("roles/editor", production=False))


def test_other_types_ignored():
    h.none(RULE, grant("roles/owner", type_="gcp:serviceaccount/iAMMember:IAMMember"))
