"""``omsecrets diff``: matched by normalized name, real differences listed, secret values never compared."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

from omsecrets import diff_cmd, engine
from tests.test_render import planted_preview, secret_values
from tests.test_stacks_cmd import _Tty, run_cli

ROOT = Path(__file__).resolve().parents[1]


def entry(diff: dict, type_: str, name: str) -> dict:
    return next(e for e in diff["changed"] if (e["type"], e["name"]) == (type_, name))


@pytest.mark.parametrize("name, tokens, expected", [
    ("dev-store-x", ["dev"], "<env>-store-x"),
    ("prod-store-snowflake-prod-password", ["prod"], "<env>-store-snowflake-<env>-password"),
    ("devices-dev", ["dev"], "devices-<env>"),
    ("my-env-kms", ["my-env", "my"], "<env>-kms"),
    ("secret-catalog", ["demo"], "secret-catalog"),
])
def test_environment_part_is_normalized(name, tokens, expected):
    assert diff_cmd.normalize_name(name, sorted(tokens, key=len, reverse=True)) == expected


def test_flatten_opens_json_documents_and_quotes_odd_keys():
    flat = diff_cmd.flatten({"policy": '{"Statement": [{"Action": ["a", "b"]}]}', "labels": {"x.io/y": "1"},
                             "list": [], "secret": "[secret]"})
    assert flat == {"policy.Statement[0].Action": ["a", "b"], 'labels["x.io/y"]': "1", "list": [],
                    "secret": "[secret]"}


def test_same_stack_has_no_differences(capsys):
    assert run_cli(diff_cmd, ["diff", "prod", "prod", "--project-dir", str(ROOT)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "no differences"


def test_dev_and_prod_resources_match_by_normalized_name():
    diff = diff_cmd.diff_results(planted_preview("dev"), planted_preview("prod"))
    only_a = {(i["type"], i["name"]) for i in diff["onlyInA"]}
    only_b = {(i["type"], i["name"]) for i in diff["onlyInB"]}
    assert ("kubernetes:rbac.authorization.k8s.io/v1:Role", "om-secrets-k8s-access-server") in only_a
    assert ("aws:iam/policy:Policy", "om-secrets-aws-access-server") in only_b
    assert ("om-secrets:kms:SecretsKmsKey", "om-secrets-kms") in only_b
    assert not {n for _, n in only_a | only_b if "dev" in n or "prod" in n}
    # same name, same inputs, protected in both (key material is protected in every environment)
    changed = {(e["type"], e["name"]) for e in diff["changed"]}
    assert ("random:index/randomBytes:RandomBytes", "om-secrets-openmetadata-fernet-gen-1") not in changed
    sa = entry(diff, "kubernetes:core/v1:ServiceAccount", "om-secrets-k8s-access-ingestion")
    assert sa["inputs"]["metadata.name"] == ("openmetadata-ingestion", "airflow-worker")
    assert sa["inputs"]['metadata.annotations["eks.amazonaws.com/role-arn"]'] == (
        diff_cmd.ABSENT, "${aws:iam/role:Role om-secrets-aws-access-ingestion.arn}")
    assert diff["outputs"]["provider"] == ("kubernetes", "managed-aws")


def test_made_up_values_are_compared_as_references():
    diff = diff_cmd.diff_results(planted_preview("staging"), planted_preview("prod"))
    attachment = ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "om-secrets-aws-access-server")
    assert attachment not in {(e["type"], e["name"]) for e in diff["changed"]}
    policy = entry(diff, "aws:iam/policy:Policy", "om-secrets-aws-access-server")
    assert policy["inputs"]['policy.Statement["KmsViaSecretsManager"].Resource'] == (
        diff_cmd.ABSENT, "${aws:kms/key:Key om-secrets-kms.arn}")
    assert policy["options"] == {"dependsOn": ([], ["aws:kms/key:Key om-secrets-kms"])}


def test_secret_values_are_never_compared_nor_shown():
    a, b = planted_preview("dev", "PLANTED-value-one-111"), planted_preview("dev", "PLANTED-value-two-222")
    diff = diff_cmd.diff_results(a, b)
    assert diff["changed"] == [] and diff["onlyInA"] == diff["onlyInB"] == []
    text = "\n".join(diff_cmd.format_diff(diff)) + json.dumps(diff_cmd._json_ready(diff))
    assert not [v for v in secret_values(a) | secret_values(b) if v in text]


def test_secret_inputs_are_equal_whatever_they_hold_and_shown_as_secret():
    diff = diff_cmd.diff_results(planted_preview("dev"), planted_preview("local"))
    secret = entry(diff, "kubernetes:core/v1:Secret", "om-secrets-app-config-openmetadata-secret")
    assert not [p for p in secret["inputs"] if p.startswith("stringData")]  # local adds access keys: hidden
    one_sided = {**diff, "changed": [{"type": "t", "name": "n", "options": {}, "outputs": {},
                                      "inputs": diff_cmd.compare({"v": engine.SECRET_TEXT}, {})}]}
    assert "      inputs.v: [secret] -> (absent)" in diff_cmd.format_diff(one_sided)


def test_json_output_through_the_command(capsys):
    assert run_cli(diff_cmd, ["diff", "dev", "staging", "--project-dir", str(ROOT), "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert (document["a"], document["b"]) == ("dev", "staging")
    assert {"type": "om-secrets:stores:KubernetesSecretStore", "name": "om-secrets-store"} in document["onlyInA"]
    assert document["outputs"]["iam.serverRoleArn"] == {"b": "${aws:iam/role:Role om-secrets-aws-access-server.arn}"}
    sa = next(e for e in document["changed"] if e["name"] == "om-secrets-k8s-access-server")
    assert sa["inputs"]['metadata.annotations["eks.amazonaws.com/role-arn"]'] == {
        "b": "${aws:iam/role:Role om-secrets-aws-access-server.arn}"}


def test_text_output_marks_each_side(capsys):
    assert run_cli(diff_cmd, ["diff", "dev", "staging", "--project-dir", str(ROOT)]) == 1
    out = capsys.readouterr().out
    assert "Only in dev (" in out and "  - kubernetes:rbac.authorization.k8s.io/v1:Role om-secrets-k8s-access-server" in out
    assert "Only in staging (" in out and "  + aws:iam/role:Role om-secrets-aws-access-server" in out
    assert '      inputs.metadata.name: "openmetadata-ingestion" -> "airflow-worker"' in out


def test_progress_on_a_terminal(monkeypatch, capsys):
    stderr = _Tty(True)
    monkeypatch.setattr(sys, "stderr", stderr)
    assert run_cli(diff_cmd, ["diff", "dev", "local", "--project-dir", str(ROOT)]) == 1
    assert stderr.text == "[1/2] previewing dev…\n[2/2] previewing local…\n"


def test_unknown_stack_is_a_usage_error(capsys):
    assert run_cli(diff_cmd, ["diff", "dev", "nope", "--project-dir", str(ROOT)]) == 2
    assert "stack 'nope' not found" in capsys.readouterr().err


def test_help_has_examples():
    parser = argparse.ArgumentParser(prog="omsecrets")
    assert "omsecrets diff staging prod" in diff_cmd.register(parser.add_subparsers()).format_help()


ENV_A = [{"name": n, "value": v} for n, v in (("A", "1"), ("B", "2"), ("C", "3"), ("D", "4"))]


def test_lists_of_named_objects_are_compared_by_name():
    inserted = [ENV_A[0], {"name": "NEW", "value": "x"}, *ENV_A[1:]]
    assert diff_cmd.compare({"env": ENV_A}, {"env": inserted}) == {'env["NEW"]': (diff_cmd.ABSENT, "x")}
    changed = [*ENV_A[:2], {"name": "C", "value": "30"}, ENV_A[3]]
    assert diff_cmd.compare({"env": ENV_A}, {"env": changed}) == {'env["C"]': ("3", "30")}
    statements = [{"Sid": "Read", "Action": ["a"]}, {"Sid": "Kms", "Action": ["k"]}]
    assert diff_cmd.compare({"s": statements}, {"s": statements[::-1]}) == {}
    assert diff_cmd.compare({"s": [{"v": 1}, {"v": 2}]}, {"s": [{"v": 2}, {"v": 1}]}) == {
        "s[0].v": (1, 2), "s[1].v": (2, 1)}  # nothing names the items: by position


def test_each_difference_is_shown_once_helm_values_under_the_stack_outputs(capsys):
    assert run_cli(diff_cmd, ["diff", "dev", "prod", "--project-dir", str(ROOT)]) == 1
    lines = capsys.readouterr().out.splitlines()
    helm = [line for line in lines if "elm" in line and "->" in line]
    assert helm and all(line.startswith("  ~ outputs.helmValues.") for line in helm)
    changes = [line.split(": ", 1)[1] for line in lines if "->" in line and "ServiceAccount" not in line]
    assert len([c for c in changes if "${aws:kms/key:Key " in c and "-kms.arn}" in c]) == 1
    env_lines = [line for line in lines if ".env[" in line or "extraEnvs[" in line]
    assert env_lines and all('["' in line for line in env_lines)  # by name, never by position


def test_exit_1_on_differences_and_json_counts_match_the_text(capsys):
    assert run_cli(diff_cmd, ["diff", "dev", "prod", "--project-dir", str(ROOT), "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)["summary"]
    assert run_cli(diff_cmd, ["diff", "dev", "prod", "--project-dir", str(ROOT)]) == 1
    text = capsys.readouterr().out
    assert f"Only in dev ({summary['onlyInA']})" in text and f"Only in prod ({summary['onlyInB']})" in text
    assert f"Changed ({summary['changed']})" in text and f"Stack outputs ({summary['outputs']})" in text
    assert text.splitlines()[-1] == (f"{summary['onlyInA']} only in dev, {summary['onlyInB']} only in prod, "
                                     f"{summary['changed']} changed, {summary['outputs']} stack output(s) changed")
