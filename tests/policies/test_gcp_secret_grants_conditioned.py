"""OMS-GCP-002 gcp-secret-grants-conditioned: project-level grants of secret-scoped Secret Manager
permissions carry an IAM condition on resource.name; create/list (checked on the project) are not judged."""

import pytest

from tests.support import rules as h

RULE = "OMS-GCP-002"
MEMBER, BINDING = "gcp:projects/iAMMember:IAMMember", "gcp:projects/iAMBinding:IAMBinding"
CUSTOM = "gcp:projects/iAMCustomRole:IAMCustomRole"
GSA = "serviceAccount:om-prod-server@acme.iam.gserviceaccount.com"
CONDITION = {"title": "om", "expression": 'resource.name.startsWith("projects/481516234200/secrets/omprod_")'}
SERVER = ["secretmanager.secrets.delete", "secretmanager.versions.access", "secretmanager.versions.add"]


def custom_role(permissions, role_id="omsecrets_prod_server", name="role"):
    return h.node(CUSTOM, {"project": "acme", "roleId": role_id, "permissions": permissions}, name=name)


def grant(role, condition=None, type_=MEMBER, name="grant", **kw):
    props = {"project": "acme", "role": role, "member": GSA}
    if condition is not None:
        props["condition"] = condition
    return h.node(type_, props, name=name, **kw)


def flagged(*resources, production=True):
    return [(f.urn.rsplit("::", 1)[-1], f.message) for f in h.findings(RULE, h.stack(*resources, production=production))]


@pytest.mark.parametrize("type_", [MEMBER, BINDING])
def test_conditioned_accessor(type_):
    assert flagged(grant("roles/secretmanager.secretAccessor", CONDITION, type_=type_)) == []


@pytest.mark.parametrize("type_", [MEMBER, BINDING])
def test_unconditioned_accessor(type_):
    assert flagged(grant("roles/secretmanager.secretAccessor", type_=type_)) == [
        ("grant", "IAM grant grant gives secretmanager.versions.access on every secret of the project: no IAM condition")]


@pytest.mark.parametrize("condition", [{"title": "x"}, {"title": "x", "expression": ""}])
def test_condition_without_expression(condition):
    assert [n for n, _ in flagged(grant("roles/secretmanager.secretAccessor", condition))] == ["grant"]


def test_condition_not_on_the_resource_name():
    cond = {"title": "x", "expression": 'request.time < timestamp("2030-01-01T00:00:00Z")'}
    assert flagged(grant("roles/secretmanager.secretVersionAdder", cond)) == [
        ("grant", "IAM grant grant: its condition does not narrow resource.name")]


@pytest.mark.parametrize("role", ["roles/secretmanager.viewer", "roles/iam.workloadIdentityUser", "roles/unknown"])
def test_roles_without_secret_access(role):
    assert flagged(grant(role)) == []


def test_custom_create_only_role_needs_no_condition():
    create = custom_role(["secretmanager.secrets.create"], "omsecrets_prod_server_create")
    assert flagged(create, grant(h.UNKNOWN, depends_on=[create])) == []
    assert flagged(create, grant("projects/acme/roles/omsecrets_prod_server_create")) == []


def test_custom_role_unknown_during_preview_read_from_the_dependency():
    role = custom_role(SERVER)
    assert [n for n, _ in flagged(role, grant(h.UNKNOWN, depends_on=[role]))] == ["grant"]
    assert flagged(role, grant(h.UNKNOWN, CONDITION, depends_on=[role])) == []


def test_custom_role_through_a_property_dependency():
    role = custom_role(SERVER)
    assert [n for n, _ in flagged(role, grant(h.UNKNOWN, property_dependencies={"role": [role]}))] == ["grant"]


def test_custom_role_by_name():
    role = custom_role(SERVER)
    assert [n for n, _ in flagged(role, grant("projects/acme/roles/omsecrets_prod_server"))] == ["grant"]
    assert flagged(role, grant("projects/acme/roles/omsecrets_prod_serverX")) == []
    assert flagged(role, grant("projects/acme/roles_omsecrets_prod_server")) == []


def test_dependencies_that_are_not_custom_roles():
    other = h.node("gcp:serviceaccount/account:Account", {"permissions": SERVER}, name="gsa")
    assert flagged(other, grant(h.UNKNOWN, depends_on=[other])) == []


def test_unknown_role_without_a_custom_role():
    assert flagged(grant(h.UNKNOWN)) == []


def test_missing_role():
    assert flagged(h.node(MEMBER, {"member": GSA}, name="grant")) == []


@pytest.mark.parametrize("condition", [h.UNKNOWN, {"title": "x", "expression": h.UNKNOWN}])
def test_unknown_condition_is_not_judged(condition):
    assert flagged(grant("roles/secretmanager.secretAccessor", condition)) == []


def test_wildcard_roles_need_a_condition_too():
    assert [n for n, _ in flagged(grant("roles/owner"))] == ["grant"]


def test_mandatory_outside_production_too():
    findings = h.findings(RULE, h.stack(grant("roles/secretmanager.secretAccessor"), production=False))
    assert [f.level for f in findings] == ["mandatory"]


def test_secret_level_grants_are_not_judged():
    assert flagged(grant("roles/secretmanager.secretAccessor", type_="gcp:secretmanager/secretIamMember:SecretIamMember")) == []
