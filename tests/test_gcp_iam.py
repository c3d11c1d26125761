"""GCP Secret Manager access (components/access/gcp_iam.py): custom roles, conditions, GKE workload identity."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omsecrets.components import conventions, core
from omsecrets.components.access import gcp_iam as g

NUMBER = "123456789012"


def _startswith_eval(expression: str, name: str) -> bool:
    """Evaluate the small CEL subset :func:`condition_expression` writes (&&, startsWith, !=, !)."""
    result = True
    for clause in expression.split(" && "):
        neg = clause.startswith("!")
        clause = clause.lstrip("!")
        if m := re.fullmatch(r'resource\.name\.startsWith\("([^"]*)"\)', clause):
            value = name.startswith(m.group(1))
        elif m := re.fullmatch(r'resource\.name != "([^"]*)"', clause):
            value = name != m.group(1)
        else:
            raise AssertionError(f"unexpected clause {clause!r}")
        result = result and (not value if neg else value)
    return result


def test_condition_matches_oms_secrets_and_versions_but_not_neighbours_or_key_copies():
    head = conventions.id_prefix("gcp", "", "om-prod")
    fernet = conventions.secret_id("gcp", ("fernet", "airflow"), cluster_name="om-prod")
    expr = g.condition_expression(NUMBER, head, [fernet])
    base = f"projects/{NUMBER}/secrets/"
    mysql = conventions.secret_id("gcp", ("database", "mysql", "password"), cluster_name="om-prod")
    assert _startswith_eval(expr, base + mysql)
    assert _startswith_eval(expr, base + mysql + "/versions/latest")
    assert not _startswith_eval(expr, base + fernet)
    assert not _startswith_eval(expr, base + fernet + "/versions/1")
    assert _startswith_eval(expr, base + fernet + "x")  # a different secret
    assert not _startswith_eval(expr, base + "other_database_x")
    assert not _startswith_eval(expr, f"projects/999999999999/secrets/{mysql}")


@settings(max_examples=100, deadline=None)
@given(cluster=st.from_regex(r"[A-Za-z0-9._-]{1,15}", fullmatch=True),
       parts=st.lists(st.text(min_size=1, max_size=10), min_size=3, max_size=5))
def test_every_field_id_is_inside_the_condition(cluster, parts):
    try:
        sid = conventions.secret_id("gcp", parts, cluster_name=cluster)
    except conventions.ConventionError:
        return
    expr = g.condition_expression(NUMBER, conventions.id_prefix("gcp", "", cluster))
    assert _startswith_eval(expr, f"projects/{NUMBER}/secrets/{sid}")


def test_grants_are_least_privilege_by_the_access_model():
    g.prove()
    assert g.granted_access(core.SERVER) == frozenset(core.ACCESS_KINDS)
    assert g.granted_access(core.INGESTION) == {core.READ}
    assert g.granted_access(core.INGESTION, key_copy=True) == frozenset()
    # the project-wide create is all the server keeps on a key copy: no read, no delete
    assert g.granted_access(core.SERVER, key_copy=True) == {core.WRITE}
    grants = g.grants(members={"openmetadata": "s", "airflow": "i"}, project_number=NUMBER, id_prefix="om_")
    create = [x for x in grants if x.role == "custom:create"]
    assert len(create) == 1 and create[0].condition is None  # create is checked on the project
    assert all(x.condition for x in grants if x.role != "custom:create")
    assert not {x.role for x in grants} & set(g.BROAD_ROLES)


def test_prove_fails_for_a_broad_ingestion_role(monkeypatch):
    monkeypatch.setattr(g, "INGESTION_ROLE", "roles/secretmanager.admin")
    with pytest.raises(AssertionError, match="ingestion would get"):
        g.prove()


def test_prove_fails_when_the_server_could_delete_a_key_copy(monkeypatch):
    real = g.condition
    monkeypatch.setattr(g, "condition", lambda title, number, prefix, exclude=(): real(
        title, number, prefix, () if "server" in title and "ingestion" not in title else exclude))
    with pytest.raises(AssertionError, match="server could delete and read the Fernet key copies"):
        g.prove()


def test_members_and_names():
    assert g.ksa_member("acme-prod", "airflow", "ingest") == "serviceAccount:acme-prod.svc.id.goog[airflow/ingest]"
    assert g.principal_member("acme-prod", NUMBER, "om", "om") == (
        f"principal://iam.googleapis.com/projects/{NUMBER}/locations/global/workloadIdentityPools/"
        "acme-prod.svc.id.goog/subject/ns/om/sa/om")
    assert g.account_id("prod", "openmetadata") == "om-prod-server"
    aid = g.account_id("a-very-long-environment-name-indeed", "airflow")
    assert 6 <= len(aid) <= 30 and aid.endswith("-ingest")
    assert g.role_id("prod-eu", "server") == "omsecrets_prod_eu_server"


@pytest.mark.parametrize("number", ["12345", "abc", "", "1234567890123456789012"])
def test_bad_project_numbers(number):
    with pytest.raises(ValueError, match="project number"):
        g.secret_resource_prefix(number, "om_")


def test_excluded_ids_must_be_inside_the_prefix():
    with pytest.raises(ValueError, match="does not start"):
        g.condition_expression(NUMBER, "om_", ["other_x"])


# ---------------------------------------------------------------- component under mocks

pytest.importorskip("pulumi_gcp", reason="the [gcp] extra is not installed")

from tests.support.mocks import Mocks, declare  # noqa: E402

MEMBER = "gcp:projects/iAMMember:IAMMember"
ROLE = "gcp:projects/iAMCustomRole:IAMCustomRole"
GSA = "gcp:serviceaccount/account:Account"
GSA_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember"


def _state(args):
    state = dict(args.inputs)
    if args.typ == GSA:
        state["email"] = f"{args.inputs['accountId']}@acme-prod.iam.gserviceaccount.com"
        state["name"] = f"projects/acme-prod/serviceAccounts/{state['email']}"
    if args.typ == ROLE:
        state["name"] = f"projects/acme-prod/roles/{args.inputs['roleId']}"
    return f"{args.name}-id", state


def _args(**kw):
    base = dict(project_id="acme-prod", project_number=NUMBER, environment="prod", id_prefix="omprod_",
                server=("openmetadata", "openmetadata"), ingestion=("airflow", "ingest"),
                key_copy_ids=("omprod_fernet_openmetadata", "omprod_fernet_airflow"))
    base.update(kw)
    return g.GcpAccessArgs(**base)


def test_workload_identity_component():
    access, resources, _ = declare(lambda: g.GcpAccess("a", _args()), Mocks(_state))
    roles = {r["roleId"]: r["permissions"] for (t, _), r in resources.items() if t == ROLE}
    assert roles == {"omsecrets_prod_server_create": ["secretmanager.secrets.create"],
                     "omsecrets_prod_server": list(g.SERVER_SCOPED_PERMISSIONS)}
    wi = {r["member"] for (t, _), r in resources.items() if t == GSA_MEMBER}
    assert wi == {"serviceAccount:acme-prod.svc.id.goog[openmetadata/openmetadata]",
                  "serviceAccount:acme-prod.svc.id.goog[airflow/ingest]"}
    members = [r for (t, _), r in resources.items() if t == MEMBER]
    reader = next(m for m in members if m["role"] == g.INGESTION_ROLE)
    assert reader["member"] == "serviceAccount:om-prod-ingest@acme-prod.iam.gserviceaccount.com"
    assert "omprod_fernet_airflow" in reader["condition"]["expression"]
    server_scoped = next(m for m in members if m["role"].endswith("omsecrets_prod_server"))
    assert server_scoped["condition"]["expression"] == reader["condition"]["expression"]
    for copy in ("omprod_fernet_openmetadata", "omprod_fernet_airflow"):
        name = f"projects/{NUMBER}/secrets/{copy}"
        assert core.gcp_condition_matches(server_scoped["condition"]["expression"], name) is False
        assert core.gcp_condition_matches(server_scoped["condition"]["expression"], name + "/versions/1") is False
    assert core.gcp_condition_matches(server_scoped["condition"]["expression"], f"projects/{NUMBER}/secrets/omprod_x") is True
    create = next(m for m in members if m["role"].endswith("server_create"))
    assert "condition" not in create or not create["condition"]


def test_direct_federation_grants_the_ksa_principal():
    _, resources, _ = declare(lambda: g.GcpAccess("a", _args(identity_mode="direct")), Mocks(_state))
    assert not [k for k in resources if k[0] in (GSA, GSA_MEMBER)]
    members = {r["member"] for (t, _), r in resources.items() if t == MEMBER}
    assert g.principal_member("acme-prod", NUMBER, "airflow", "ingest") in members


@pytest.mark.parametrize("kw, fragment", [({"project_id": "A"}, "project_id"), ({"project_number": "x"}, "project_number"),
                                          ({"identity_mode": "key"}, "identity_mode")])
def test_bad_args(kw, fragment):
    with pytest.raises(ValueError, match=fragment):
        _args(**kw)
