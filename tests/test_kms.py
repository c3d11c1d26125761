"""KMS key policy builder and the SecretsKmsKey component."""

from __future__ import annotations

import json

import parliament
import pulumi
import pytest

from omsecrets.components.kms import (
    KEY_ADMIN_ACTIONS,
    SecretsKmsKey,
    SecretsKmsKeyArgs,
    alias_name,
    key_policy_document,
)
from tests.support import mocks

ACCOUNT = "123456789012"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
WRITER = f"arn:aws:iam::{ACCOUNT}:role/om-server"
READER = f"arn:aws:iam::{ACCOUNT}:role/om-ingestion"


def statements(doc):
    return {st["Sid"]: st for st in doc["Statement"]}


def test_root_administers_and_cannot_be_locked_out():
    doc = key_policy_document(partition="aws", account=ACCOUNT, user_role_arns=[], reader_role_arns=[])
    admin = statements(doc)["KeyAdministration"]
    assert admin["Principal"] == {"AWS": [ROOT]}
    assert "kms:PutKeyPolicy" in admin["Action"] and "kms:ScheduleKeyDeletion" in admin["Action"]
    assert set(admin["Action"]) == set(KEY_ADMIN_ACTIONS)
    delegate = statements(doc)["EnableIamPoliciesForKeyUse"]
    assert delegate["Principal"] == {"AWS": [ROOT]}
    assert set(delegate["Action"]) == {"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}
    assert set(statements(doc)) == {"KeyAdministration", "EnableIamPoliciesForKeyUse"}


def test_roles_get_only_their_actions():
    doc = key_policy_document(partition="aws-us-gov", account=ACCOUNT, admin_arns=["arn:aws-us-gov:iam::123456789012:role/admin"],
                              user_role_arns=["arn:aws-us-gov:iam::123456789012:role/w"],
                              reader_role_arns=["arn:aws-us-gov:iam::123456789012:role/r"])
    by_sid = statements(doc)
    assert by_sid["KeyAdministration"]["Principal"]["AWS"] == [
        "arn:aws-us-gov:iam::123456789012:role/admin", "arn:aws-us-gov:iam::123456789012:root",
    ]
    assert by_sid["SecretsWriters"]["Principal"] == {"AWS": ["arn:aws-us-gov:iam::123456789012:role/w"]}
    assert set(by_sid["SecretsWriters"]["Action"]) == {"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"}
    assert by_sid["SecretsReaders"]["Principal"] == {"AWS": ["arn:aws-us-gov:iam::123456789012:role/r"]}
    assert set(by_sid["SecretsReaders"]["Action"]) == {"kms:Decrypt", "kms:DescribeKey"}


def test_no_star_principal_or_action():
    doc = key_policy_document(partition="aws", account=ACCOUNT, user_role_arns=[WRITER], reader_role_arns=[READER])
    for st in doc["Statement"]:
        assert st["Effect"] == "Allow" and set(st["Principal"]) == {"AWS"}
        assert all("*" not in p for p in st["Principal"]["AWS"])
        assert all("*" not in a for a in st["Action"])
        assert st["Resource"] == "*"  # in a key policy: this key, nothing else
    # parliament reads key policies as identity policies, so it flags the key-policy Resource "*"
    # (which means "this key") and nothing else.
    assert {f.issue for f in parliament.analyze_policy_string(json.dumps(doc)).findings} == {"RESOURCE_STAR"}


@pytest.mark.parametrize("bad", ["*", f"arn:aws:iam::{ACCOUNT}:role/*", "123456789012", "arn:aws:sts::1:assumed-role/x"])
def test_wildcard_or_non_iam_principals_are_refused(bad):
    with pytest.raises(ValueError, match="principal"):
        key_policy_document(partition="aws", account=ACCOUNT, user_role_arns=[], reader_role_arns=[bad])


@pytest.mark.parametrize(
    "prefix,cluster,expected",
    [("", "openmetadata", "alias/openmetadata-secrets"), ("team", "Prod", "alias/team-prod-secrets"),
     ("a/b", "prod", "alias/a-b-prod-secrets"), ("", "my cluster", "alias/my_cluster-secrets")],
)
def test_alias_name(prefix, cluster, expected):
    assert alias_name(prefix, cluster) == expected


@pytest.mark.parametrize("prefix,cluster", [("", ""), ("team", "")])
def test_alias_name_rejects_bad_names(prefix, cluster):
    with pytest.raises(ValueError):
        alias_name(prefix, cluster)


@pytest.mark.parametrize("days", [6, 31, 0, -7, True, "30", 7.5])
def test_deletion_window_is_validated(days):
    with pytest.raises(ValueError, match=repr(days).replace(".", r"\.")):
        SecretsKmsKeyArgs(deletion_window_in_days=days)


@pytest.mark.parametrize("days", [7, 30])
def test_deletion_window_bounds_accepted(days):
    assert SecretsKmsKeyArgs(deletion_window_in_days=days).deletion_window_in_days == days


# --- component under mocks ------------------------------------------------------------------------

CALLS = {
    "aws:index/getCallerIdentity:getCallerIdentity": {"accountId": ACCOUNT, "arn": ROOT, "userId": "AIDA", "id": ACCOUNT},
    "aws:index/getPartition:getPartition": {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"},
    "aws:index/getRegion:getRegion": {"name": "us-east-1", "region": "us-east-1", "id": "us-east-1"},
}


def kms_state(args):
    """A KMS key gets a key id and an ARN."""
    state = dict(args.inputs)
    if args.typ == "aws:kms/key:Key":
        state.update(keyId="key-1234", arn=f"arn:aws:kms:us-east-1:{ACCOUNT}:key/key-1234")
    return f"{args.name}-id", state


def run(program):
    """Run ``program`` (returns {key: Output}) under mocks; resolve the outputs."""
    return mocks.run(program, mocks.Mocks(kms_state, CALLS))


def key_outputs(key):
    return {"key_arn": key.key_arn, "key_id": key.key_id, "alias_name": key.alias_name}


def test_component_declares_rotating_protected_key_and_alias():
    args = SecretsKmsKeyArgs(prefix="team", cluster_name="prod", deletion_window_in_days=14, tags={"owner": "data"})
    out, inputs, reqs = run(lambda: key_outputs(SecretsKmsKey("om-kms", args)))
    key = inputs[("aws:kms/key:Key", "om-kms")]
    assert key["enableKeyRotation"] is True
    assert key["deletionWindowInDays"] == 14
    assert key["bypassPolicyLockoutSafetyCheck"] is False
    assert key["tags"] == {"owner": "data"}
    assert key["policy"] == json.dumps(
        key_policy_document(partition="aws", account=ACCOUNT, user_role_arns=[], reader_role_arns=[]), sort_keys=True
    )
    assert reqs[("aws:kms/key:Key", "om-kms")].protect is True
    alias = inputs[("aws:kms/alias:Alias", "om-kms")]
    assert alias == {"name": "alias/team-prod-secrets", "targetKeyId": "key-1234"}
    assert out == {
        "key_arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/key-1234",
        "key_id": "key-1234",
        "alias_name": "alias/team-prod-secrets",
    }
    assert all(r.parent.endswith("om-secrets:kms:SecretsKmsKey::om-kms")
               for (typ, _), r in reqs.items() if typ.startswith("aws:"))


def test_component_role_arns_may_be_outputs_and_protect_can_be_off():
    def program():
        args = SecretsKmsKeyArgs(
            protect=False,
            user_role_arns=[pulumi.Output.from_input(WRITER)],
            reader_role_arns=[pulumi.Output.from_input(READER)],
        )
        return key_outputs(SecretsKmsKey("dev-kms", args))

    _, inputs, reqs = run(program)
    policy = json.loads(inputs[("aws:kms/key:Key", "dev-kms")]["policy"])
    assert policy == json.loads(json.dumps(
        key_policy_document(partition="aws", account=ACCOUNT, user_role_arns=[WRITER], reader_role_arns=[READER])
    ))
    assert inputs[("aws:kms/alias:Alias", "dev-kms")]["name"] == "alias/openmetadata-secrets"
    assert not reqs[("aws:kms/key:Key", "dev-kms")].protect
