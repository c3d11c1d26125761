"""The Pulumi policy pack and the offline adapter share one rule set and one message format."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pulumi_policy
import pytest
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from omsecrets import check, engine
from omsecrets.components.environment import STABLE_NAME
from omsecrets.policies.pack import RULES, by_id, policies
from omsecrets.policies.rule import Rule, production_from_env
from omsecrets.policies.rules import _util as u

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = ROOT / "tests" / "fixtures" / "programs"


def test_rules_are_sorted_unique_and_well_formed():
    assert [r.id for r in RULES] == sorted(r.id for r in RULES)
    assert len({r.id for r in RULES}) == len({r.name for r in RULES}) == len(RULES) >= 20
    for rule in RULES:
        assert rule.name == rule.name.lower() and " " not in rule.name
        assert rule.description and rule.remediation and callable(rule.validate)


def test_pack_and_check_see_the_same_rules():
    assert {p.name for p in policies()} == {r.name for r in RULES}
    kinds = {p.name: isinstance(p, StackValidationPolicy) for p in policies()}
    assert kinds == {r.name: r.kind == "stack" for r in RULES}


def test_main_builds_the_pack_from_policies(monkeypatch):
    captured = {}

    class FakePack:
        def __init__(self, **kwargs):
            captured.update(kwargs)

    monkeypatch.setattr(pulumi_policy, "PolicyPack", FakePack)
    runpy.run_path(str(ROOT / "policies" / "__main__.py"), run_name="__main__")
    assert captured["name"] == "om-secrets"
    assert [p.name for p in captured["policies"]] == [r.name for r in RULES]
    assert "policies()" in (ROOT / "policies" / "__main__.py").read_text()


def test_importing_the_package_starts_no_server():
    code = ("import omsecrets.policies, omsecrets.policies.pack, omsecrets.policies.rule; "
            "import omsecrets.policies.rules._util; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_pulumi_policy_yaml():
    text = (ROOT / "policies" / "PulumiPolicy.yaml").read_text()
    assert "runtime: python" in text and "description:" in text


def test_enforcement_levels_follow_production():
    dev = {p.name: p.enforcement_level for p in policies(production=False)}
    prod = {p.name: p.enforcement_level for p in policies(production=True)}
    assert dev["secret-recovery-window"] is EnforcementLevel.ADVISORY
    assert prod["secret-recovery-window"] is EnforcementLevel.MANDATORY
    assert dev["iam-no-wildcard-actions"] is prod["iam-no-wildcard-actions"] is EnforcementLevel.MANDATORY
    assert prod["secret-customer-managed-key"] is EnforcementLevel.ADVISORY


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, False),
        ({"PULUMI_STACK": "prod"}, True),
        ({"PULUMI_STACK": "prod", "PULUMI_CONFIG": json.dumps({"om-secrets:production": "false"})}, False),
        ({"PULUMI_STACK": "dev", "PULUMI_CONFIG": json.dumps({"om-secrets:production": "true"})}, True),
        ({"PULUMI_STACK": "eu", "PULUMI_CONFIG": json.dumps({"om-secrets:environment": "production"})}, True),
    ],
)
def test_production_from_the_config_pulumi_hands_the_pack(environ, expected):
    assert production_from_env(environ) is expected


def test_policy_messages_carry_id_level_and_remediation():
    result = engine.preview(ROOT, "policy-test", config={"production": False}, program=PROGRAMS / "policy_secrets.py")
    rule = by_id("OMS-SM-003")
    policy = rule.to_policy(production=False)
    assert isinstance(policy, ResourceValidationPolicy) and policy.enforcement_level is EnforcementLevel.ADVISORY
    messages = []
    for args in check.resource_args(result, {"production": False}):
        policy.validate(args, lambda message, urn=None: messages.append(message))
    assert len(messages) == 1
    assert messages[0].startswith("[OMS-SM-003] ") and rule.remediation in messages[0]
    assert "advisory outside production; mandatory in production stacks" in messages[0]


def test_stack_policy_reports_the_resource_urn():
    result = engine.preview(ROOT, "policy-test", config={}, program=PROGRAMS / "policy_secrets.py")
    policy = by_id("OMS-STORE-001").to_policy()
    reported = []
    policy.validate(check.stack_args(result), lambda message, urn=None: reported.append((message, urn)))
    urns = {urn for _, urn in reported}
    assert result.get("outside", type="aws:secretsmanager/secret:Secret").urn in urns
    assert all(m.startswith("[OMS-STORE-001]") for m, _ in reported)


def test_adapter_passes_plaintext_secrets_options_and_links():
    result = engine.preview(ROOT, "dev", config={"provider": "kubernetes", "production": True,
                                                    "kubernetes:enableSecretMutable": "true"})
    args = {a.name: a for a in check.resource_args(result)}
    delivered = args[f"{STABLE_NAME}-app-config-openmetadata-secret"]
    ring = delivered.props["stringData"]["FERNET_KEY"]
    assert ring != engine.SECRET_TEXT and u.is_fernet_key(ring)
    assert "stringData" in delivered.opts.additional_secret_outputs
    key = args[f"{STABLE_NAME}-openmetadata-fernet-gen-1"]
    assert key.opts.protect is True and key.opts.parent.endswith(f"::{STABLE_NAME}-openmetadata-fernet")
    stack = check.stack_args(result)
    by_name = {r.name: r for r in stack.resources}
    assert by_name[f"{STABLE_NAME}-openmetadata-fernet-gen-1"].parent is by_name[f"{STABLE_NAME}-openmetadata-fernet"]
    assert by_name[STABLE_NAME].parent.resource_type == engine.STACK_TYPE
    binding = next(
        r for r in stack.resources if r.resource_type.endswith(":RoleBinding") and r.name == f"{STABLE_NAME}-k8s-access-server"
    )
    assert {d.resource_type for d in binding.dependencies} >= {"kubernetes:core/v1:ServiceAccount"}


def test_unknown_values_behave_as_at_preview_time():
    props = unknown_checking_proxy({"policy": UNKNOWN_STRING_VALUE, "tags": {"a": UNKNOWN_STRING_VALUE}})
    assert u.get(props, "policy") is u.UNKNOWN
    assert u.get(props, "tags") == {"a": u.UNKNOWN}
    assert list(u.walk_strings(props)) == []
    assert u.parse_document(u.get(props, "policy")) is None


def test_disabled_and_overridden_levels_in_policy_config():
    result = engine.preview(ROOT, "policy-test", config={}, program=PROGRAMS / "policy_kms.py")
    config = {"kms-key-rotation": "disabled", "kms-deletion-window": {"enforcementLevel": "advisory"}}
    found = {v.rule_id: v.level for v in check.run_rules(result, config=config)}
    assert "OMS-KMS-001" not in found and found["OMS-KMS-002"] == "advisory" and found["OMS-KMS-003"] == "mandatory"


def test_rule_rejects_bad_levels():
    with pytest.raises(ValueError):
        Rule(id="X-1", name="x", description="d", level="error", remediation="r", kind="resource", validate=lambda a, r: None)


def test_pack_says_when_its_level_differs_from_the_finding():
    result = engine.preview(ROOT, "policy-test", config={}, program=PROGRAMS / "policy_secrets.py")
    policy = by_id("OMS-SM-003").to_policy(production=False)  # pack started for a non-production stack
    messages = []
    for args in check.resource_args(result, {"production": True}):  # policy config says production
        policy.validate(args, lambda message, urn=None: messages.append(message))
    assert len(messages) == 1 and "the stack is production" in messages[0]
    assert "enforces it as advisory: set enforcementLevel mandatory" in messages[0]


def _struct(value):
    from google.protobuf import json_format, struct_pb2

    return json_format.ParseDict(value, struct_pb2.Struct())


@pytest.mark.parametrize("program", sorted(p.stem for p in PROGRAMS.glob("policy_*.py")))
def test_pulumi_policy_runtime_and_check_agree(program, monkeypatch):
    """The pack inside pulumi_policy's own analyzer (as `pulumi preview` runs it, minus gRPC)
    reports the same (policy, resource, level) as `omsecrets check`."""
    from pulumi.runtime import proto
    from pulumi_policy.policy import _PolicyAnalyzerServicer

    monkeypatch.setenv("PULUMI_STACK", "prod")
    monkeypatch.delenv("PULUMI_CONFIG", raising=False)
    result = engine.preview(ROOT, "prod", config={}, program=PROGRAMS / f"{program}.py")
    analyzer = _PolicyAnalyzerServicer("om-secrets", "0.0.1", policies(), EnforcementLevel.ADVISORY)
    levels = {proto.MANDATORY: "mandatory", proto.ADVISORY: "advisory"}
    diagnostics = []
    for r in result.resources:
        options = proto.AnalyzerResourceOptions(protect=r.options["protect"], parent=r.parent or "")
        request = proto.AnalyzeRequest(type=r.type, properties=_struct(r.inputs), urn=r.urn, name=r.name, options=options)
        diagnostics += analyzer.Analyze(request, None).diagnostics
    stack = [
        proto.AnalyzerResource(
            type=r.type,
            urn=r.urn,
            name=r.name,
            parent=r.parent or "",
            dependencies=r.options["dependsOn"],
            properties=_struct(r.state if r.custom else (r.outputs or r.inputs)),
            options=proto.AnalyzerResourceOptions(protect=r.options["protect"]),
        )
        for r in result.resources
    ]
    diagnostics += analyzer.AnalyzeStack(proto.AnalyzeStackRequest(resources=stack), None).diagnostics
    from_pack = sorted((d.policyName, d.urn, levels[d.enforcementLevel]) for d in diagnostics)
    from_check = sorted((v.rule_name, v.urn, v.level) for v in check.run_rules(result))
    assert from_pack == from_check and from_pack
    assert all(d.message.split("\n", 1)[1].startswith("[OMS-") and "Remediation: " in d.message for d in diagnostics)


def test_readme_rule_table_is_generated_from_the_rules():
    from omsecrets.policies import pack

    table = pack.readme_table()
    assert table in (ROOT / "README.md").read_text(), (
        "README's rule table is stale: replace it with the output of "
        '`python -c "from omsecrets.policies import pack; print(pack.readme_table())"`')
    assert len(table.splitlines()) == len(RULES) + 2
    assert "| `OMS-SM-003` | `secret-recovery-window` | mandatory in production, advisory elsewhere |" in table
    assert "| `OMS-SM-004` | `secret-customer-managed-key` | advisory in production, not checked elsewhere |" in table
