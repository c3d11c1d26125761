"""Kubernetes RBAC builders and the KubernetesAccess component."""

from __future__ import annotations

import kubernetes_validate
import pulumi
import pytest

from omsecrets.components.access.k8s_rbac import (
    IRSA_ANNOTATION,
    KubernetesAccess,
    KubernetesAccessArgs,
    ingestion_role_rules,
    role_binding_manifest,
    role_manifest,
    server_role_rules,
    service_account_manifest,
)
from tests.support.mocks import run

K8S_VERSIONS = ("1.33", "1.37")
ROLE_ARN = "arn:aws:iam::123456789012:role/om-server"


def test_rules_are_exactly_what_om_calls():
    assert server_role_rules() == [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "get", "update", "delete"]}
    ]
    assert ingestion_role_rules() == [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]


@pytest.mark.parametrize("rules", [server_role_rules, ingestion_role_rules])
def test_rules_have_no_list_watch_or_wildcards(rules):
    for rule in rules():
        values = [*rule["apiGroups"], *rule["resources"], *rule["verbs"]]
        assert not any("*" in v for v in values)
        assert not {"list", "watch", "patch", "escalate", "bind", "impersonate"} & set(rule["verbs"])
        assert "resourceNames" not in rule and rule["resources"] == ["secrets"]


def manifests(server_ns, role_arn):
    labels = {"app.kubernetes.io/part-of": "openmetadata"}
    return [
        service_account_manifest("openmetadata", server_ns, role_arn=role_arn, labels=labels),
        service_account_manifest("airflow", "airflow", labels=labels),
        role_manifest("om-server", "om-secrets", server_role_rules(), labels=labels),
        role_manifest("om-ingestion", "om-secrets", ingestion_role_rules()),
        role_binding_manifest("om-server", "om-secrets", "om-server",
                              subject_namespace=server_ns, subject_service_account="openmetadata", labels=labels),
        role_binding_manifest("om-ingestion", "om-secrets", "om-ingestion",
                              subject_namespace="airflow", subject_service_account="airflow"),
    ]


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("server_ns", ["om-secrets", "openmetadata"], ids=["same-ns", "other-ns"])
@pytest.mark.parametrize("role_arn", [None, ROLE_ARN], ids=["no-irsa", "irsa"])
def test_manifests_validate_strictly(version, server_ns, role_arn):
    for manifest in manifests(server_ns, role_arn):
        kubernetes_validate.validate(manifest, version, strict=True)
    sa = manifests(server_ns, role_arn)[0]
    assert sa["metadata"].get("annotations") == ({IRSA_ANNOTATION: role_arn} if role_arn else None)
    binding = manifests(server_ns, role_arn)[4]
    assert binding["metadata"]["namespace"] == "om-secrets"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "openmetadata", "namespace": server_ns}]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "om-server"}


def test_strict_validation_can_fail():
    bad = role_manifest("om-server", "om-secrets", server_role_rules())
    bad["rules"][0]["verb"] = bad["rules"][0].pop("verbs")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSIONS[0], strict=True)


@pytest.mark.parametrize(
    "call",
    [
        lambda: service_account_manifest("Open_Metadata", "om"),
        lambda: service_account_manifest("om", "ns.with.dots"),
        lambda: role_manifest("om-", "om", server_role_rules()),
        lambda: role_binding_manifest("om", "om", "om", subject_namespace="", subject_service_account="om"),
    ],
)
def test_invalid_names_are_refused(call):
    with pytest.raises(ValueError, match="not a valid Kubernetes name"):
        call()


def test_args_refuse_a_shared_service_account():
    with pytest.raises(ValueError, match="distinct"):
        KubernetesAccessArgs(secrets_namespace="om", ingestion_service_account="openmetadata")


# --- component under mocks ------------------------------------------------------------------------


def access_outputs(access):
    return {k: getattr(access, k) for k in (
        "server_service_account", "ingestion_service_account", "server_role_name", "ingestion_role_name",
    )}


def test_component_kubernetes_provider_with_irsa():
    def program():
        args = KubernetesAccessArgs(
            secrets_namespace="om-secrets", ingestion_namespace="airflow", grant_secrets_rbac=True,
            server_role_arn=pulumi.Output.from_input(ROLE_ARN), labels={"team": "data"},
        )
        return access_outputs(KubernetesAccess("om", args))

    out, inputs, reqs = run(program)
    # the ingestion ServiceAccount defaults to the settings' default, openmetadata-ingestion
    assert out == {"server_service_account": "openmetadata", "ingestion_service_account": "openmetadata-ingestion",
                   "server_role_name": "om-server", "ingestion_role_name": "om-ingestion"}
    server_sa = inputs[("kubernetes:core/v1:ServiceAccount", "om-server")]
    assert server_sa["metadata"] == {"name": "openmetadata", "namespace": "openmetadata",
                                     "labels": {"team": "data"}, "annotations": {IRSA_ANNOTATION: ROLE_ARN}}
    assert "annotations" not in inputs[("kubernetes:core/v1:ServiceAccount", "om-ingestion")]["metadata"]
    for kind, rules, ns, sa in (("server", server_role_rules(), "openmetadata", "openmetadata"),
                                ("ingestion", ingestion_role_rules(), "airflow", "openmetadata-ingestion")):
        role = inputs[("kubernetes:rbac.authorization.k8s.io/v1:Role", f"om-{kind}")]
        expected_role = role_manifest(f"om-{kind}", "om-secrets", rules, labels={"team": "data"})
        assert role["metadata"] == expected_role["metadata"] and role["rules"] == rules
        binding = inputs[("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", f"om-{kind}")]
        expected = role_binding_manifest(f"om-{kind}", "om-secrets", f"om-{kind}", subject_namespace=ns,
                                         subject_service_account=sa, labels={"team": "data"})
        assert {k: binding[k] for k in ("metadata", "roleRef", "subjects")} == {
            k: expected[k] for k in ("metadata", "roleRef", "subjects")
        }
    assert not any("ClusterRole" in typ for typ, _ in reqs)
    children = [r for (typ, _), r in reqs.items() if typ.startswith("kubernetes:")]
    assert len(children) == 6
    assert all(r.parent.endswith("om-secrets:access:KubernetesAccess::om") for r in children)


def test_component_without_rbac_only_declares_service_accounts():
    args = KubernetesAccessArgs(secrets_namespace="om-secrets")
    out, inputs, _ = run(lambda: access_outputs(KubernetesAccess("om", args)))
    assert {typ for typ, _ in inputs} == {"om-secrets:access:KubernetesAccess", "kubernetes:core/v1:ServiceAccount"}
    assert out["server_role_name"] is None and out["ingestion_role_name"] is None
    assert out["ingestion_service_account"] == "openmetadata-ingestion"
    assert all("annotations" not in i.get("metadata", {}) for i in inputs.values())


def test_role_rules_grant_exactly_the_required_access_by_the_access_model():
    from omsecrets.components import core
    from omsecrets.components.access import k8s_rbac

    for rules, who in ((k8s_rbac.server_role_rules(), core.SERVER), (k8s_rbac.ingestion_role_rules(), core.INGESTION)):
        assert core.rbac_access(rules, ["any"])["any"] == core.required_access(who, "kubernetes")
    assert k8s_rbac.server_role_rules()[0]["verbs"] == ["create", "get", "update", "delete"]
    assert k8s_rbac.ingestion_role_rules()[0]["verbs"] == ["get"]


# --- Kubernetes-native ingestion: the server's Role in the pipelines namespace ------------------------------------


@pytest.mark.parametrize("operator", [False, True])
def test_pipeline_rules_are_exactly_k8s_pipeline_clients_calls(operator):
    from omsecrets.components.access import k8s_rbac

    rules = k8s_rbac.pipeline_server_rules(operator)
    expected = [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "create", "update", "delete", "list"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "create", "update", "delete", "list"]},
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "list", "delete"]},
        *([] if operator else [{"apiGroups": ["batch"], "resources": ["cronjobs"], "verbs": ["get", "create", "update",
                                                                                            "delete"]}]),
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
        *([{"apiGroups": ["pipelines.openmetadata.org"], "resources": ["omjobs"], "verbs": ["create", "list", "delete"]},
           {"apiGroups": ["pipelines.openmetadata.org"], "resources": ["cronomjobs"],
            "verbs": ["get", "create", "update", "delete"]}] if operator else []),
    ]
    assert rules == expected
    for r in rules:
        assert not {"patch", "watch", "*", "deletecollection"} & set(r["verbs"]) and "resourceNames" not in r
    for version in K8S_VERSIONS:
        kubernetes_validate.validate(role_manifest("om-pipelines", "om-pipelines", rules), version, strict=True)


@pytest.mark.parametrize("kwargs, match", [
    ({"pipelines_namespace": "openmetadata", "ingestion_namespace": "openmetadata"}, "not the server's or the store's"),
    ({"pipelines_namespace": "om-secrets", "ingestion_namespace": "om-secrets"}, "not the server's or the store's"),
    ({"pipelines_namespace": "om-pipelines", "ingestion_namespace": "airflow"}, "must be 'om-pipelines'"),
    ({"om_job_operator": True}, "needs a pipelines_namespace"),
    ({"pipelines_namespace": "Bad_Name", "ingestion_namespace": "Bad_Name"}, "not a valid Kubernetes name"),
])
def test_args_refuse_a_pipelines_namespace_that_is_not_oms_pipelines_alone(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KubernetesAccessArgs(secrets_namespace="om-secrets", **kwargs)


def test_component_binds_the_server_in_the_pipelines_namespace():
    from omsecrets.components.access import k8s_rbac

    def program():
        args = KubernetesAccessArgs(secrets_namespace="om-secrets", ingestion_namespace="om-pipelines",
                                    grant_secrets_rbac=True, pipelines_namespace="om-pipelines", om_job_operator=True)
        access = KubernetesAccess("om", args)
        return {**access_outputs(access), "pipelines_role_name": access.pipelines_role_name}

    out, inputs, reqs = run(program)
    assert out["pipelines_role_name"] == "om-server-pipelines"
    role = inputs[("kubernetes:rbac.authorization.k8s.io/v1:Role", "om-server-pipelines")]
    assert role["metadata"]["namespace"] == "om-pipelines" and role["rules"] == k8s_rbac.pipeline_server_rules(True)
    binding = inputs[("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "om-server-pipelines")]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "openmetadata", "namespace": "openmetadata"}]
    assert binding["roleRef"]["name"] == "om-server-pipelines" and binding["metadata"]["namespace"] == "om-pipelines"
    ingestion_sa = inputs[("kubernetes:core/v1:ServiceAccount", "om-ingestion")]
    assert ingestion_sa["metadata"]["namespace"] == "om-pipelines"
    # the ingestion ServiceAccount gets nothing in the pipelines namespace: its one Role is get in the store namespace
    roles = {name: r for (typ, name), r in inputs.items() if typ.endswith(":Role")}
    assert roles["om-ingestion"]["metadata"]["namespace"] == "om-secrets"
    assert not any("ClusterRole" in typ for typ, _ in reqs)
