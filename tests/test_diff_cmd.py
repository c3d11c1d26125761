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
    ring = entry(diff, "random:index/randomBytes:RandomBytes", "om-secrets-openmetadata-fernet-gen-1")
    assert ring["options"] == {"protect": (False, True)} and ring["inputs"] == {}
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
    assert policy["inputs"]["policy.Statement[1].Resource"] == (diff_cmd.ABSENT, "${aws:kms/key:Key om-secrets-kms.arn}")
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
    assert run_cli(diff_cmd, ["diff", "dev", "staging", "--project-dir", str(ROOT), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["a"], document["b"]) == ("dev", "staging")
    assert {"type": "om-secrets:stores:KubernetesSecretStore", "name": "om-secrets-store"} in document["onlyInA"]
    assert document["outputs"]["iam.serverRoleArn"] == {"b": "${aws:iam/role:Role om-secrets-aws-access-server.arn}"}
    sa = next(e for e in document["changed"] if e["name"] == "om-secrets-k8s-access-server")
    assert sa["inputs"]['metadata.annotations["eks.amazonaws.com/role-arn"]'] == {
        "b": "${aws:iam/role:Role om-secrets-aws-access-server.arn}"}


def test_text_output_marks_each_side(capsys):
    assert run_cli(diff_cmd, ["diff", "dev", "staging", "--project-dir", str(ROOT)]) == 0
    out = capsys.readouterr().out
    assert "Only in dev (" in out and "  - kubernetes:rbac.authorization.k8s.io/v1:Role om-secrets-k8s-access-server" in out
    assert "Only in staging (" in out and "  + aws:iam/role:Role om-secrets-aws-access-server" in out
    assert '      inputs.metadata.name: "openmetadata-ingestion" -> "airflow-worker"' in out


def test_progress_on_a_terminal(monkeypatch, capsys):
    stderr = _Tty(True)
    monkeypatch.setattr(sys, "stderr", stderr)
    assert run_cli(diff_cmd, ["diff", "dev", "local", "--project-dir", str(ROOT)]) == 0
    assert stderr.text == "[1/2] previewing dev…\n[2/2] previewing local…\n"


def test_unknown_stack_is_a_usage_error(capsys):
    assert run_cli(diff_cmd, ["diff", "dev", "nope", "--project-dir", str(ROOT)]) == 2
    assert "stack 'nope' not found" in capsys.readouterr().err


def test_help_has_examples():
    parser = argparse.ArgumentParser(prog="omsecrets")
    assert "omsecrets diff staging prod" in diff_cmd.register(parser.add_subparsers()).format_help()
