"""Every rule: a compliant preview of the shipped program and a non-compliant bad program.

Non-compliant cases run the small programs in tests/fixtures/programs/policy_*.py; compliant
cases run the project's own program with a small config through the offline engine.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from omsecrets import check, engine
from omsecrets.components.environment import STABLE_NAME
from omsecrets.policies.pack import RULES, by_id

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = ROOT / "tests" / "fixtures" / "programs"

IRSA = {
    "mode": "irsa",
    "oidcProviderArn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789",
    "oidcIssuer": "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789",
}
SECRETS = [{"name": "mysql-password", "path": "database/mysql-prod/password"}]
CONFIGS = {
    # Secrets Manager, CMK, IRSA roles, production (protected keys, 30-day recovery).
    "sm": {"provider": "managed-aws", "production": True, "prefix": "team", "tags": {"team": "data"},
           "aws": {"region": "eu-west-1", "kms": {"create": True}, "identity": IRSA}, "secrets": SECRETS,
           "ingestion": {"namespace": "airflow"}},
    # SSM Parameter Store with a CMK, IAM users with access keys.
    "ssm": {"provider": "aws-ssm", "production": True, "ingestion": {"namespace": "airflow"},
            "aws": {"region": "eu-west-1", "kms": {"create": True}, "identity": {"mode": "access-key"}}, "secrets": SECRETS},
    # OM's kubernetes store with namespaced RBAC, production.
    "k8s": {"provider": "kubernetes", "production": True, "prefix": "team", "secrets": SECRETS,
            "ingestion": {"namespace": "airflow"},
            "fernet": {"airflow": {"generations": [2, 1]}}, "kubernetes:enableSecretMutable": "true"},
    # Kubernetes-native ingestion (no Airflow) with OM's kubernetes store, production: the server's Role in the
    # pipelines namespace lists Secrets there (OM's health check), which OMS-K8S-003 allows there only.
    "pipelines": {"provider": "kubernetes", "production": True, "secrets": SECRETS,
                  "ingestion": {"runtime": "kubernetes", "image": "docker.getcollate.io/openmetadata/ingestion:1.12.3",
                                "omJobOperator": True},
                  "kubernetes:enableSecretMutable": "true"},
    # Azure Key Vault managed by OM, AKS workload identity, production.
    "azure": {"provider": "managed-azure-kv", "production": True, "clusterName": "om-prod", "tags": {"team": "data"},
              "ingestion": {"namespace": "airflow"},
              "azure": {"subscriptionId": "00000000-0000-0000-0000-0000000000aa",
                        "tenantId": "00000000-0000-0000-0000-0000000000bb", "resourceGroupName": "rg-om",
                        "location": "westeurope", "vault": {"name": "kv-om-prod"},
                        "identity": {"oidcIssuer": "https://oidc.example/abc/"}}, "secrets": SECRETS},
    # GCP Secret Manager, GKE workload identity, production.
    "gcp": {"provider": "gcp", "production": True, "clusterName": "om-prod", "tags": {"team": "data"},
            "ingestion": {"namespace": "airflow"},
            "gcp": {"project": "acme-data-prod", "projectNumber": "123456789012"}, "secrets": SECRETS},
}


@functools.lru_cache(maxsize=None)
def _shipped(name: str):
    result = engine.preview(ROOT, "policy-test", config=CONFIGS[name])
    return result, check.run_rules(result)


@functools.lru_cache(maxsize=None)
def _bad(program: str, config_json: str = "{}"):
    result = engine.preview(ROOT, "policy-test", config=json.loads(config_json), program=PROGRAMS / f"{program}.py")
    return result, check.run_rules(result)


# rule id -> (bad program, resource names it must flag, shipped config, resource types the config must declare)
CASES = {
    "OMS-IAM-001": ("policy_iam", {"wildcard"}, "sm", ("aws:iam/policy:Policy",)),
    "OMS-IAM-002": ("policy_iam", {"wildcard", "unscoped"}, "sm", ("aws:iam/policy:Policy",)),
    "OMS-IAM-003": (
        "policy_iam",
        {"om-aws-access-ingestion", "airflow-extra", "airflow-inline"},
        "ssm",
        ("aws:iam/userPolicyAttachment:UserPolicyAttachment",),
    ),
    "OMS-IAM-004": ("policy_iam", {"oversized"}, "sm", ("aws:iam/policy:Policy",)),
    "OMS-KMS-001": ("policy_kms", {"lax"}, "sm", ("aws:kms/key:Key",)),
    "OMS-KMS-002": ("policy_kms", {"lax"}, "sm", ("aws:kms/key:Key",)),
    "OMS-KMS-003": ("policy_kms", {"lax"}, "sm", ("aws:kms/key:Key",)),
    "OMS-SM-001": ("policy_secrets", {"plain"}, "ssm", ("aws:ssm/parameter:Parameter",)),
    "OMS-SM-002": ("policy_secrets", {"no-recovery"}, "sm", ("aws:secretsmanager/secret:Secret", "aws:kms/key:Key")),
    "OMS-SM-003": ("policy_secrets", {"no-recovery"}, "sm", ("aws:secretsmanager/secret:Secret",)),
    "OMS-SM-004": ("policy_secrets", {"no-recovery", "secure"}, "ssm", ("aws:ssm/parameter:Parameter",)),
    "OMS-STORE-001": ("policy_secrets", {"outside", "mixed-case"}, "sm", ("aws:secretsmanager/secret:Secret",)),
    "OMS-STORE-002": ("policy_secrets", {"duplicate"}, "k8s", ("kubernetes:core/v1:Secret",)),
    "OMS-K8S-001": (
        "policy_k8s",
        {"read-all-secrets", "ingestion-admin"},
        "k8s",
        ("kubernetes:rbac.authorization.k8s.io/v1:Role",),
    ),
    "OMS-K8S-002": ("policy_k8s", {"wildcards"}, "k8s", ("kubernetes:rbac.authorization.k8s.io/v1:Role",)),
    "OMS-K8S-003": ("policy_k8s", {"lister"}, "pipelines", ("kubernetes:rbac.authorization.k8s.io/v1:Role",)),
    "OMS-K8S-004": ("policy_k8s", {"misnamed"}, "k8s", ("kubernetes:core/v1:Secret",)),
    "OMS-K8S-005": ("policy_k8s", {"unlabelled"}, "k8s", ("kubernetes:core/v1:Secret",)),
    "OMS-K8S-006": ("policy_k8s", {"leaky"}, "k8s", ("kubernetes:core/v1:ConfigMap",)),
    "OMS-K8S-007": ("policy_k8s", {"pipeline-env"}, "pipelines", ("kubernetes:core/v1:ConfigMap",)),
    "OMS-K8S-008": ("policy_k8s", {"pipelines-viewer"}, "pipelines", ("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",)),
    "OMS-FERNET-001": ("policy_fernet", {"openmetadata-secrets", "openmetadata-env"}, "k8s", ("kubernetes:core/v1:Secret",)),
    "OMS-FERNET-002": ("policy_fernet", {"openmetadata-secrets", "airflow-secrets"}, "k8s", ("kubernetes:core/v1:Secret",)),
    "OMS-FERNET-003": ("policy_fernet", {"prod-airflow-fernet-gen-3"}, "k8s", ("random:index/randomBytes:RandomBytes",)),
    "OMS-FERNET-004": ("policy_fernet", {"prod-airflow-fernet"}, "k8s", ("om-secrets:fernet:FernetKeyRing",)),
    "OMS-AZ-001": ("policy_azure", {"lax"}, "azure", ("azure-native:keyvault:Vault",)),
    "OMS-AZ-002": ("policy_azure", {"lax"}, "azure", ("azure-native:keyvault:Vault",)),
    "OMS-AZ-003": ("policy_azure", {"lax"}, "azure", ("azure-native:keyvault:Vault",)),
    "OMS-AZ-004": ("policy_azure", {"owner", "officer"}, "azure", ("azure-native:authorization:RoleAssignment",)),
    "OMS-GCP-001": ("policy_gcp", {"admin", "editor"}, "gcp", ("gcp:projects/iAMMember:IAMMember",)),
    "OMS-GCP-002": ("policy_gcp", {"unconditioned", "custom-unconditioned"}, "gcp", ("gcp:projects/iAMMember:IAMMember",)),
    "OMS-GCP-003": ("policy_gcp", {"mislabelled"}, "gcp", ("gcp:secretmanager/secret:Secret",)),
    "OMS-AIRFLOW-001": ("policy_airflow", {"airflow-release", "om-config"}, "k8s", ("kubernetes:core/v1:ConfigMap",)),
    "OMS-AIRFLOW-002": ("policy_airflow", {"chart-defaults"}, "k8s", ("om-secrets:index:OpenMetadataSecrets",)),
    "OMS-JWT-001": ("policy_jwt", {"openmetadata-config", "default-keys"}, "k8s", ("tls:index/privateKey:PrivateKey",)),
    "OMS-JWT-002": ("policy_jwt", {"shared-keys"}, "k8s", ("kubernetes:core/v1:Secret",)),
}


def test_every_rule_has_a_case():
    assert set(CASES) == {r.id for r in RULES}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_non_compliant(rule_id):
    program, names, _, _ = CASES[rule_id]
    rule = by_id(rule_id)
    _, violations = _bad(program)
    found = [v for v in violations if v.rule_id == rule_id]
    assert {v.resource_name for v in found} >= names, [v.text for v in found]
    for v in found:
        assert v.rule_name == rule.name and v.remediation == rule.remediation
        assert v.text.startswith(f"[{rule_id}] ") and rule.remediation in v.text


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_compliant_shipped_program(rule_id):
    _, _, config, types = CASES[rule_id]
    result, violations = _shipped(config)
    assert any(r.type in types for r in result.resources), f"config {config} declares none of {types}"
    assert [v.text for v in violations if v.rule_id == rule_id] == []


def test_shipped_configs_are_clean():
    for name in CONFIGS:
        assert [v.text for v in _shipped(name)[1]] == [], name


# ------------------------------------------------------------------ details of single rules


def test_bad_programs_do_not_trip_unrelated_rules():
    """Rules flag only what is wrong: the compliant resources of the bad programs pass."""
    flagged = {(v.rule_id, v.resource_name) for p in ("policy_secrets", "policy_k8s") for v in _bad(p)[1]}
    assert not any(name == "good" for _, name in flagged if _ != "OMS-STORE-002")
    assert ("OMS-SM-001", "secure") not in flagged
    assert not any(rule == "OMS-K8S-006" and "SECRET_MANAGER" in name for rule, name in flagged)


def test_airflow_program_flags_exactly_the_bad_resources():
    flagged = sorted((v.rule_id, v.resource_name, v.text.split(": ", 2)[1]) for v in _bad("policy_airflow")[1]
                     if v.rule_id.startswith("OMS-AIRFLOW"))
    assert [(r, n) for r, n, _ in flagged] == [("OMS-AIRFLOW-001", "airflow-release"), ("OMS-AIRFLOW-001", "airflow-release"),
                                               ("OMS-AIRFLOW-001", "om-config"), ("OMS-AIRFLOW-001", "om-config"),
                                               ("OMS-AIRFLOW-002", "chart-defaults")]


def test_jwt_program_flags_exactly_the_bad_resources():
    flagged = {(v.rule_id, v.resource_name) for v in _bad("policy_jwt")[1] if v.rule_id.startswith("OMS-JWT")}
    assert flagged == {("OMS-JWT-001", "openmetadata-config"), ("OMS-JWT-001", "default-keys"),
                       ("OMS-JWT-002", "shared-keys")}


def test_a_production_stack_sharing_the_servers_namespace_with_ingestion_fails():
    """The default ingestion namespace is the server's: in production that is a mandatory finding (RBAC cannot
    stop a pod there from mounting the JWT key Secret)."""
    shared = {k: v for k, v in CONFIGS["k8s"].items() if k != "ingestion"}
    violations = check.run_rules(engine.preview(ROOT, "policy-test", config=shared))
    assert [(v.rule_id, v.level) for v in violations] == [("OMS-JWT-002", "mandatory")]


def test_cloud_programs_flag_exactly_the_bad_resources():
    """People are not app identities; each bad resource is flagged by its own rule only."""
    azure = {(v.rule_id, v.resource_name) for v in _bad("policy_azure")[1] if v.rule_id.startswith("OMS-AZ")}
    assert azure == {("OMS-AZ-001", "lax"), ("OMS-AZ-002", "lax"), ("OMS-AZ-003", "lax"),
                     ("OMS-AZ-004", "owner"), ("OMS-AZ-004", "officer")}
    gcp = {(v.rule_id, v.resource_name) for v in _bad("policy_gcp")[1] if v.rule_id.startswith("OMS-GCP")}
    assert gcp == {("OMS-GCP-001", "admin"), ("OMS-GCP-001", "editor"), ("OMS-GCP-002", "unconditioned"),
                   ("OMS-GCP-002", "custom-unconditioned"), ("OMS-GCP-003", "mislabelled")}


def test_configmap_findings_name_keys_not_values():
    messages = [v.message for v in _bad("policy_k8s")[1] if v.rule_id == "OMS-K8S-006"]
    assert sorted(m.split(": ", 1)[1].split(" ")[0] for m in messages) == ["AIRFLOW__CORE__FERNET", "AWS_CONFIG", "DB_PASSWORD"]
    assert not any("hunter2" in m or "wJalr" in m for m in messages)


def test_recovery_window_is_advisory_outside_production():
    prod = [v for v in _bad("policy_secrets")[1] if v.rule_id == "OMS-SM-003"]
    dev = [v for v in _bad("policy_secrets", json.dumps({"production": False}))[1] if v.rule_id == "OMS-SM-003"]
    assert [v.level for v in prod] == ["mandatory"] and "the stack is production" in prod[0].text
    assert [v.level for v in dev] == ["advisory"] and "mandatory in production" in dev[0].text


def test_cmk_rule_only_in_production():
    dev = _bad("policy_secrets", json.dumps({"production": False}))[1]
    assert not [v for v in dev if v.rule_id == "OMS-SM-004"]
    assert {v.level for v in _bad("policy_secrets")[1] if v.rule_id == "OMS-SM-004"} == {"advisory"}


def test_unprotected_fernet_keys_pass_outside_production():
    result = engine.preview(ROOT, "policy-test", config={"provider": "kubernetes", "production": False, "protect": False})
    keys = result.by_type("random:index/randomBytes:RandomBytes")
    assert keys and not any(k.options["protect"] for k in keys)
    assert not [v for v in check.run_rules(result) if v.rule_id == "OMS-FERNET-003"]


def test_ingestion_identity_found_by_tag_attachment_and_name():
    messages = {v.resource_name: v.message for v in _bad("policy_iam")[1] if v.rule_id == "OMS-IAM-003"}
    assert "secretsmanager:PutSecretValue" in messages["om-aws-access-ingestion"]
    assert "secretsmanager:DeleteSecret" in messages["airflow-extra"]
    assert "ssm:PutParameter" in messages["airflow-inline"]
    assert "wildcard" not in messages and "unscoped" not in messages


def test_shipped_server_policy_writes_but_is_not_ingestion():
    result, violations = _shipped("sm")
    server = result.get(f"{STABLE_NAME}-aws-access-server", type="aws:iam/policy:Policy")
    assert "secretsmanager:CreateSecret" in server.plain_inputs["policy"]
    assert not [v for v in violations if v.rule_id == "OMS-IAM-003"]


def test_public_default_key_found_in_both_spellings_and_as_secret():
    found = {v.resource_name: v.message for v in _bad("policy_fernet")[1] if v.rule_id == "OMS-FERNET-001"}
    assert "stringData.FERNET_KEY" in found["openmetadata-secrets"]  # a secret input, seen in plaintext
    assert "data.OM_CONFIG" in found["openmetadata-env"]  # urlsafe spelling inside a larger text


def test_fernet_ring_messages_hide_key_material():
    for v in _bad("policy_fernet")[1]:
        assert "jJ/9" not in v.message and "jJ_9" not in v.message


def test_convention_reproduces_om_ids():
    from omsecrets.policies.rules.store_names_follow_convention import problem

    assert (
        problem("aws:secretsmanager/secret:Secret", "/team/openmetadata/database/mysql/password", "team", "openmetadata") is None
    )
    assert problem("aws:ssm/parameter:Parameter", "/openmetadata/fernet/airflow", "", "openmetadata") is None
    assert problem("kubernetes:core/v1:Secret", "teamopenmetadata-database-mysql-password", "team", "openmetadata") is None
    assert "does not start" in problem("kubernetes:core/v1:Secret", "team-openmetadata-database-x", "team", "openmetadata")
    assert "OM would look for" in problem("aws:ssm/parameter:Parameter", "/openmetadata/db/my.sql", "", "openmetadata")


def test_rules_examine_the_shipped_program():
    """The compliant cases are not vacuous: the rules find what they check in the real program."""
    from omsecrets.policies.rules.fernet_ring_valid import rings
    from omsecrets.policies.rules.iam_ingestion_read_only import ingestion_policies
    from omsecrets.policies.rules.store_names_follow_convention import stack_convention

    for name in ("sm", "ssm"):
        result, _ = _shipped(name)
        stack = check.stack_args(result, {})
        assert [p.name for p in ingestion_policies(stack.resources)] == [f"{STABLE_NAME}-aws-access-ingestion"]
        assert stack_convention(stack) == (CONFIGS[name].get("prefix", ""), "openmetadata")
        found = sorted(where for a in check.resource_args(result) for where, _ in rings(a))
        store_key = "secretString" if name == "sm" else "value"
        assert found == sorted(["FERNET_KEY", "fernet-key", store_key, store_key]), name  # delivered + store rings
    result, _ = _shipped("k8s")
    found = sorted(where for a in check.resource_args(result) for where, _ in rings(a))
    # the copies in the keys namespace and the store-namespace Secrets that held them (the rule skips their pointer)
    assert found == ["FERNET_KEY", "fernet-key", "value", "value", "value", "value"]
