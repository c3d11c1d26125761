"""OMS-K8S-008 k8s-pipelines-namespace-own: in the pipelines namespace only OM's server reads what holds the bot token."""

import pytest

from omsecrets.components.access import k8s_rbac
from tests.support import rules as h

RULE = "OMS-K8S-008"
RBAC = "kubernetes:rbac.authorization.k8s.io/v1:"
P = "om-pipelines"
SERVER = {"kind": "ServiceAccount", "name": "openmetadata", "namespace": "openmetadata"}
TAIL = "in the pipelines namespace 'om-pipelines', where OM writes the bot token into ConfigMaps, Secrets and Job and pod specs"


def environment(runtime="kubernetes", namespace=P, server="openmetadata/openmetadata"):
    return h.node(h.ENVIRONMENT, {"ingestion": {"runtime": runtime, "namespace": namespace},
                                  "serviceAccounts": {"openmetadata": server, "ingestion": f"{namespace}/ingest"}},
                  name="env")


def role(rules, name="reader", namespace=P, kind="Role"):
    return h.node(RBAC + kind, {"metadata": {"name": name, **({"namespace": namespace} if kind == "Role" else {})},
                                "rules": rules}, name=f"{kind}-{name}")


def binding(subjects, ref_name="reader", ref_kind="Role", namespace=P, kind="RoleBinding", name="bind"):
    props = {"metadata": {"name": name, **({"namespace": namespace} if kind == "RoleBinding" else {})},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": ref_kind, "name": ref_name},
             "subjects": subjects}
    return h.node(RBAC + kind, props, name=name)


def rule(resources, verbs=("get",), group=""):
    return {"apiGroups": [group], "resources": list(resources), "verbs": list(verbs)}


def flagged(*resources):
    return h.messages(RULE, h.stack(*resources))


SA = {"kind": "ServiceAccount", "name": "ingest", "namespace": P}


def test_the_server_role_om_secrets_declares_passes():
    for operator in (False, True):
        assert flagged(environment(), role(k8s_rbac.pipeline_server_rules(operator)), binding([SERVER])) == []


@pytest.mark.parametrize("rules, reads", [
    ([rule(["configmaps"])], "configmaps"),
    ([rule(["secrets"], ["list"])], "secrets"),
    ([rule(["jobs", "cronjobs"], ["watch"], "batch")], "jobs, cronjobs"),
    ([rule(["pods"])], "pods"),
    ([rule(["pods/log"])], "pods/log"),
    ([rule(["omjobs", "cronomjobs"], group="pipelines.openmetadata.org")], "omjobs, cronomjobs"),
    ([rule(["*"], group="*")], "configmaps, secrets, jobs, cronjobs, pods, pods/log, omjobs, cronomjobs"),
], ids=["configmaps", "secrets-list", "jobs-watch", "pods", "logs", "operator", "wildcard"])
def test_another_subject_reading_is_a_finding(rules, reads):
    assert flagged(environment(), role(rules), binding([SA])) == [
        f"RoleBinding bind lets ServiceAccount {P}/ingest read {reads} {TAIL}"]


@pytest.mark.parametrize("rules", [
    [rule(["configmaps", "secrets"], ["create", "update", "delete", "patch"])],  # writes read nothing
    [rule(["events", "services", "serviceaccounts"])],
    [rule(["configmaps"], group="apps")],
], ids=["writes", "other-resources", "other-group"])
def test_what_does_not_read_the_token_passes(rules):
    assert flagged(environment(), role(rules), binding([SA])) == []


@pytest.mark.parametrize("who, shown", [
    ({"kind": "User", "name": "alice@example.com"}, "User alice@example.com"),
    ({"kind": "Group", "name": "data-team"}, "Group data-team"),
    ({"kind": "ServiceAccount", "name": "openmetadata", "namespace": "other"}, "ServiceAccount other/openmetadata"),
    ({"kind": "ServiceAccount", "name": "other", "namespace": "openmetadata"}, "ServiceAccount openmetadata/other"),
    ({"kind": "User", "name": "openmetadata", "namespace": "openmetadata"}, "User openmetadata/openmetadata"),
], ids=["person", "group", "same-name-other-namespace", "other-name-server-namespace", "user-named-like-the-server"])
def test_people_and_look_alikes_are_not_the_server(who, shown):
    assert flagged(environment(), role([rule(["configmaps"])]), binding([SERVER, who])) == [
        f"RoleBinding bind lets {shown} read configmaps {TAIL}"]


@pytest.mark.parametrize("builtin", ["view", "edit", "admin", "cluster-admin"])
def test_built_in_cluster_roles_read_everything_there(builtin):
    (found,) = flagged(environment(), binding([SA], ref_name=builtin, ref_kind="ClusterRole"))
    assert found.startswith(f"RoleBinding bind lets ServiceAccount {P}/ingest read configmaps, secrets, jobs")


def test_a_cluster_role_binding_reaches_the_pipelines_namespace():
    cluster_role = role([rule(["pods"], ["list"])], name="pod-lister", kind="ClusterRole")
    assert flagged(environment(), cluster_role, binding([SA], ref_name="pod-lister", ref_kind="ClusterRole",
                                                         kind="ClusterRoleBinding", name="crb")) == [
        f"ClusterRoleBinding crb lets ServiceAccount {P}/ingest read pods {TAIL}"]
    # a RoleBinding of that ClusterRole in the pipelines namespace too
    assert len(flagged(environment(), cluster_role, binding([SA], ref_name="pod-lister", ref_kind="ClusterRole"))) == 1


@pytest.mark.parametrize("resources", [
    (environment(runtime="airflow"), role([rule(["configmaps"])]), binding([SA])),        # no pipelines namespace
    (environment(), role([rule(["configmaps"])], namespace="apps"), binding([SA], namespace="apps")),  # elsewhere
    (environment(), binding([SA], ref_name="not-declared")),                               # cannot be judged
    (environment(), binding([SA], ref_name="view", ref_kind="Role")),                      # a Role named view
    (role([rule(["configmaps"])]), binding([SA])),                                         # no environment
    (environment(namespace=h.UNKNOWN), role([rule(["configmaps"])]), binding([SA])),
    (environment(), role([rule(["configmaps"])]), binding([SA], namespace="apps")),       # the Role is in P, not apps
], ids=["airflow", "other-namespace", "undeclared-role", "role-named-view", "no-environment", "unknown-namespace",
        "binding-elsewhere"])
def test_nothing_to_judge(resources):
    assert flagged(*resources) == []


def test_the_server_from_an_unknown_output_is_nobody():
    """Without the component's serviceAccounts output no subject is the server: binding it is a finding too."""
    assert len(flagged(environment(server=h.UNKNOWN), role([rule(["configmaps"])]), binding([SERVER]))) == 1
    assert len(flagged(environment(server="no-slash"), role([rule(["configmaps"])]), binding([SERVER]))) == 1


@pytest.mark.parametrize("props", [{"roleRef": h.UNKNOWN}, {"roleRef": "x"}, {"roleRef": None}, {"subjects": h.UNKNOWN},
                                   {"subjects": ["not-a-subject"]}], ids=["unknown-ref", "bad-ref", "no-ref",
                                                                         "unknown-subjects", "bad-subject"])
def test_malformed_bindings_are_skipped(props):
    b = binding([SA])
    merged = h.node(b.resource_type, {**{"metadata": {"name": "bind", "namespace": P},
                                         "roleRef": {"kind": "Role", "name": "reader"}, "subjects": [SA]}, **props},
                    name="bind")
    assert flagged(environment(), role([rule(["configmaps"])]), merged) == []


def test_mandatory_outside_production_too():
    (found,) = h.findings(RULE, h.stack(environment(), role([rule(["configmaps"])]), binding([SA]), production=False))
    assert found.level == "mandatory"
