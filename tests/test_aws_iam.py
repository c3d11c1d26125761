"""IAM policy builders and the AwsAccess component."""

from __future__ import annotations

import fnmatch
import json

import boto3
import parliament
import pulumi
import pytest
import requests
from botocore.exceptions import ClientError

from omsecrets.components import core
from omsecrets.components.access import aws_iam
from omsecrets.components.access.aws_iam import (
    AWS_PROVIDERS,
    READ_ACTIONS,
    SERVER_ACTIONS,
    AwsAccess,
    AwsAccessArgs,
    ingestion_policy_document,
    irsa_trust_policy,
    pod_identity_trust_policy,
    secret_scope_arn,
    server_policy_document,
)
from omsecrets.components.conventions import secret_id
from tests.support import mocks

ACCOUNT, REGION = "123456789012", "us-east-1"
KMS_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ENV = dict(partition="aws", region=REGION, account=ACCOUNT)
BUILDERS = {"server": server_policy_document, "ingestion": ingestion_policy_document}
MANAGED_LIMIT = 6144


def needs_access(provider, who):
    """The server only on managed providers (non-managed: DBSecretsManager, no store client); ingestion always."""
    return bool(core.required_access(who, provider))


#: (provider, identity) pairs that get a policy.
GRANTED = [(p, w) for p in AWS_PROVIDERS for w in BUILDERS if needs_access(p, w)]


def all_documents():
    for provider in AWS_PROVIDERS:
        for kms in (None, KMS_ARN):
            for prefix in ("", "team"):
                for who, build in BUILDERS.items():
                    if not needs_access(provider, who):
                        continue
                    doc = build(provider, prefix=prefix, cluster_name="prod", kms_key_arn=kms, **ENV)
                    case_id = f"{provider}-{who}-{'kms' if kms else 'nokms'}-{prefix or 'noprefix'}"
                    yield pytest.param(provider, who, doc, id=case_id)


def findings(doc):
    return parliament.analyze_policy_string(json.dumps(doc)).findings


def actions(doc, service=None):
    found = {a for st in doc["Statement"] for a in st["Action"]}
    return {a for a in found if service is None or a.startswith(f"{service}:")}


def om_ids(n, prefix="team", cluster="prod", provider="managed-aws"):
    """n service passwords plus the ingestion bot's JWT, named by OM's own rules."""
    kw = dict(prefix=prefix, cluster_name=cluster)
    ids = [secret_id(provider, ["database", f"mysql-{i}", "password"], **kw) for i in range(n)]
    return ids + [secret_id(provider, ["bot", "ingestion-bot", "config", "jwtToken"], **kw)]


# --- scope ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "provider,prefix,expected",
    [
        ("managed-aws", "team", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/team/prod/*"),
        ("aws", "", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/prod/*"),
        ("managed-aws-ssm", "team", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/team/prod/*"),
        ("aws-ssm", "", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/prod/*"),
        ("aws", "Team", f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/team/prod/*"),
    ],
)
def test_secret_scope_arn(provider, prefix, expected):
    assert secret_scope_arn(provider, prefix=prefix, cluster_name="Prod", **ENV) == expected


@pytest.mark.parametrize("provider", ["db", "kubernetes", "gcp", "managed-azure-kv", ""])
def test_scope_rejects_non_aws_providers(provider):
    with pytest.raises(ValueError, match="not an AWS"):
        secret_scope_arn(provider, prefix="", cluster_name="prod", **ENV)


@pytest.mark.parametrize(
    "provider,prefix,cluster",
    [("aws", "", ""), ("aws", "50%", "prod"), ("aws-ssm", "/team", "prod"), ("aws-ssm", "ssm", "prod")],
)
def test_scope_rejects_names_om_cannot_use(provider, prefix, cluster):
    with pytest.raises(ValueError):
        secret_scope_arn(provider, prefix=prefix, cluster_name=cluster, **ENV)


@pytest.mark.parametrize(
    "prefix, cluster, path",
    [("", "my.cluster", "/my_cluster/"), ("a*", "prod", "/a_/prod/"), ("", "Pr od", "/pr_od/")],
)
def test_scope_follows_oms_cleaned_field_ids(prefix, cluster, path):
    # OM cleans prefix/clusterName in every field id; the scope must match those ids, not the raw names
    arn = secret_scope_arn("aws", prefix=prefix, cluster_name=cluster, **ENV)
    assert arn.endswith(f":secret:{path}*") and "*" not in arn[:-1]


def test_scope_arn_matches_every_om_secret_and_no_neighbour():
    sm = secret_scope_arn("managed-aws", prefix="team", cluster_name="prod", **ENV)
    ssm = secret_scope_arn("managed-aws-ssm", prefix="team", cluster_name="prod", **ENV)
    for sid in om_ids(20, prefix="Team", cluster="Prod"):
        assert fnmatch.fnmatchcase(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{sid}-AbC123", sm)
    for sid in om_ids(20, provider="managed-aws-ssm"):
        assert fnmatch.fnmatchcase(f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{sid}", ssm)
    for other in om_ids(3, cluster="prod2") + om_ids(3, prefix="other") + om_ids(3, prefix=""):
        assert not fnmatch.fnmatchcase(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{other}-AbC123", sm)
        assert not fnmatch.fnmatchcase(f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{other}", ssm)


# --- documents ------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider,who,doc", list(all_documents()))
def test_parliament_has_no_findings(provider, who, doc):
    assert findings(doc) == []


@pytest.mark.parametrize(
    "statement,issue",
    [
        ({"Action": "secretsmanager:*", "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/prod/*"},
         "RESOURCE_MISMATCH"),
        ({"Action": "ssm:GetParameter", "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/prod/*"},
         "RESOURCE_MISMATCH"),
        ({"Action": "secretsmanager:GetSecretValue", "Resource": "*"}, "RESOURCE_STAR"),
    ],
)
def test_parliament_can_fail(statement, issue):
    doc = {"Version": "2012-10-17", "Statement": [{"Sid": "Bad", "Effect": "Allow", **statement}]}
    assert issue in {f.issue for f in findings(doc)}


@pytest.mark.parametrize("provider,who,doc", list(all_documents()))
def test_no_wildcard_actions_or_resources(provider, who, doc):
    assert doc["Version"] == "2012-10-17"
    allows = [st for st in doc["Statement"] if st["Effect"] == "Allow"]
    (deny,) = [st for st in doc["Statement"] if st["Effect"] != "Allow"]
    assert deny["Effect"] == "Deny" and deny["Action"] == f"{aws_iam.service_for(provider)}:*"
    assert len(deny["Resource"]) == 3 and all(("/fernet/" in r or "/jwt/" in r) and "*" not in r for r in deny["Resource"])
    for st in allows:
        assert st["Sid"].isalnum()
        assert isinstance(st["Resource"], str), "one ARN pattern, never a per-secret list"
        assert all("*" not in a and "?" not in a for a in st["Action"])
        resource = st["Resource"]
        assert resource != "*" and resource.split(":")[2] in {"secretsmanager", "ssm", "kms"}
        if resource.split(":")[2] == "kms":
            assert "*" not in resource
        else:
            assert resource.count("*") == 1 and resource.endswith("/prod/*")


@pytest.mark.parametrize("provider", AWS_PROVIDERS)
def test_action_sets(provider):
    service = aws_iam.service_for(provider)
    kw = dict(prefix="", cluster_name="prod", kms_key_arn=KMS_ARN, **ENV)
    ingestion = ingestion_policy_document(provider, **kw)
    assert actions(ingestion, service) == set(READ_ACTIONS[service]) == {
        "secretsmanager": {"secretsmanager:GetSecretValue"}, "ssm": {"ssm:GetParameter"},
    }[service]
    assert actions(ingestion, "kms") == {"kms:Decrypt"}
    if provider.startswith("managed-"):
        server = server_policy_document(provider, **kw)
        assert actions(server, service) == set(SERVER_ACTIONS[service])
        assert actions(server, "kms") == {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}
    else:  # OM hands aws/aws-ssm to DBSecretsManager: the server never calls the store, so no policy at all
        with pytest.raises(ValueError, match=f"provider '{provider}' needs no access for this identity"):
            server_policy_document(provider, **kw)


def test_server_actions_match_what_om_calls():
    assert set(SERVER_ACTIONS["secretsmanager"]) == {
        "secretsmanager:GetSecretValue", "secretsmanager:CreateSecret", "secretsmanager:UpdateSecret",
        "secretsmanager:DeleteSecret", "secretsmanager:TagResource",
    }
    assert set(SERVER_ACTIONS["ssm"]) == {
        "ssm:GetParameter", "ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource",
    }


@pytest.mark.parametrize("provider,service", [("managed-aws", "secretsmanager"), ("managed-aws-ssm", "ssm")])
def test_kms_statement_is_scoped_to_the_key_through_the_store(provider, service):
    doc = server_policy_document(provider, prefix="", cluster_name="prod", kms_key_arn=KMS_ARN, **ENV)
    (kms,) = [st for st in doc["Statement"] if st["Resource"] == KMS_ARN]
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": f"{service}.{REGION}.amazonaws.com"}}
    no_key = server_policy_document(provider, prefix="", cluster_name="prod", **ENV)
    assert actions(no_key, "kms") == set()


@pytest.mark.parametrize("provider, who", GRANTED)
def test_size_does_not_grow_with_secrets(provider, who):
    build = BUILDERS[who]
    kw = dict(prefix="team", cluster_name="prod", kms_key_arn=KMS_ARN, **ENV)
    one, many = build(provider, secret_ids=om_ids(1), **kw), build(provider, secret_ids=om_ids(500), **kw)
    compact = json.dumps(many, separators=(",", ":"))
    assert len(om_ids(500)) == 501
    assert json.dumps(one) == json.dumps(many)
    assert len(compact) < MANAGED_LIMIT
    assert not any(sid in compact for sid in om_ids(500))


@pytest.mark.parametrize("provider", AWS_PROVIDERS)
@pytest.mark.parametrize("prefix", ["", "team"])
def test_no_app_reads_or_deletes_the_key_copies(provider, prefix):
    service = aws_iam.service_for(provider)
    copies = [secret_id(provider, parts, prefix=prefix, cluster_name="prod")
              for parts in (["fernet", "openmetadata"], ["fernet", "airflow"], ["jwt", "openmetadata"])]
    arns = [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{c}-AbCdEf" if service == "secretsmanager"
            else f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{c}" for c in copies]
    om_secret = arns[0].replace("/fernet/openmetadata", "/database/mysql/password")
    for who, build in BUILDERS.items():
        if not needs_access(provider, who):
            continue
        doc = build(provider, prefix=prefix, cluster_name="prod", kms_key_arn=KMS_ARN, **ENV)
        found = core.iam_access(doc, [*arns, om_secret])
        assert found[arns[0]] == found[arns[1]] == found[arns[2]] == frozenset(), who
        assert found[om_secret] == core.required_access(who, provider), who
        # without the Deny, the prefix scope would reach them: the Deny is what keeps them out
        allow_only = {**doc, "Statement": [st for st in doc["Statement"] if st["Effect"] == "Allow"]}
        assert core.READ in core.iam_access(allow_only, arns)[arns[0]]


def test_key_copies_outside_the_scope_are_refused():
    with pytest.raises(ValueError, match="outside the scope"):
        server_policy_document("managed-aws", prefix="team", cluster_name="prod", key_copies=["/other/fernet/x"], **ENV)


def test_a_policy_the_model_finds_reaching_a_key_copy_is_refused(monkeypatch):
    monkeypatch.setattr(aws_iam, "key_copy_arns", lambda *a, **k: [])
    with pytest.raises(AssertionError, match="key copies"):
        aws_iam._prove(ingestion_policy_document("aws", prefix="", cluster_name="prod", **ENV),
                       secret_scope_arn("aws", prefix="", cluster_name="prod", **ENV), frozenset({core.READ}),
                       [f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/prod/fernet/airflow-??????"])


def test_secret_ids_outside_the_scope_are_refused():
    with pytest.raises(ValueError, match="outside the scope"):
        server_policy_document("managed-aws", prefix="team", cluster_name="prod",
                               secret_ids=om_ids(2) + ["/team/prod2/database/x/password"], **ENV)


# --- trust policies -------------------------------------------------------------------------------


def test_irsa_trust_policy():
    issuer = "oidc.eks.us-east-1.amazonaws.com/id/ABC123"
    provider_arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"
    doc = irsa_trust_policy(provider_arn, f"https://{issuer}", "openmetadata", "openmetadata")
    assert doc == irsa_trust_policy(provider_arn, issuer, "openmetadata", "openmetadata")
    (st,) = doc["Statement"]
    assert st["Principal"] == {"Federated": provider_arn}
    assert st["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert st["Condition"] == {
        "StringEquals": {
            f"{issuer}:sub": "system:serviceaccount:openmetadata:openmetadata",
            f"{issuer}:aud": "sts.amazonaws.com",
        }
    }
    # parliament treats trust policies as identity policies: it only reports the missing Resource
    # (trust policies have none) and the EKS OIDC provider it does not know.
    assert {f.issue for f in findings(doc)} == {"MALFORMED", "UNKNOWN_FEDERATION_SOURCE"}


def test_pod_identity_trust_policy():
    (st,) = pod_identity_trust_policy()["Statement"]
    assert st["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(st["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert "Resource" not in st and st["Effect"] == "Allow"


# --- moto: the action sets work and deny ----------------------------------------------------------


def moto_view(doc):
    """moto authorizes Secrets Manager/SSM calls against resource "*" only (it never derives the
    secret ARN), so scoped statements never match there: widen Resource, keep actions. The key-copy
    Deny would then deny everything: it is left out (proven with the access model instead)."""
    return {**doc, "Statement": [{**st, "Resource": "*"} for st in doc["Statement"] if st["Effect"] == "Allow"]}


@pytest.fixture
def moto_url():
    """In-process moto server; IAM auth is switched on by the test (``/moto-api/reset-auth``)."""
    from moto import settings
    from moto.server import ThreadedMotoServer

    initial_no_auth = settings.INITIAL_NO_AUTH_ACTION_COUNT
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
    try:
        yield url
    finally:
        requests.post(f"{url}/moto-api/reset-auth", data=str(initial_no_auth).encode(), timeout=10)
        requests.post(f"{url}/moto-api/reset", timeout=10)
        server.stop()


def _client(url, service, key=None):
    creds = key or {"AccessKeyId": "testing", "SecretAccessKey": "testing"}
    return boto3.client(
        service, endpoint_url=url, region_name=REGION,
        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
    )


def _user_key(iam, name, doc):
    iam.create_user(UserName=name)
    arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(moto_view(doc)))["Policy"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    return iam.create_access_key(UserName=name)["AccessKey"]


def _denied(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    # moto answers JSON-protocol services with an XML error body: botocore keeps only the status.
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] in (400, 403)
    assert "AccessDenied" in str(err.value) and "not authorized" in str(err.value)


@pytest.mark.moto
@pytest.mark.parametrize("provider", ["managed-aws", "managed-aws-ssm"])
def test_moto_server_writes_ingestion_only_reads(moto_url, provider):
    iam = _client(moto_url, "iam")
    kw = dict(prefix="team", cluster_name="prod", kms_key_arn=KMS_ARN, **ENV)
    server_key = _user_key(iam, "om-server", server_policy_document(provider, **kw))
    ingestion_key = _user_key(iam, "om-ingestion", ingestion_policy_document(provider, **kw))
    service = aws_iam.service_for(provider)
    requests.post(f"{moto_url}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()

    server, ingestion = _client(moto_url, service, server_key), _client(moto_url, service, ingestion_key)
    name, other = "/team/prod/database/mysql/password", "/team/prod/database/pg/password"
    if service == "secretsmanager":
        server.create_secret(Name=name, SecretString="s3cret", Tags=[{"Key": "team", "Value": "data"}])
        server.update_secret(SecretId=name, SecretString="n3w")
        assert server.get_secret_value(SecretId=name)["SecretString"] == "n3w"
        assert ingestion.get_secret_value(SecretId=name)["SecretString"] == "n3w"
        _denied(ingestion.create_secret, Name=other, SecretString="x")
        _denied(ingestion.update_secret, SecretId=name, SecretString="x")
        _denied(ingestion.delete_secret, SecretId=name, ForceDeleteWithoutRecovery=True)
        _denied(server.put_secret_value, SecretId=name, SecretString="x")
        _denied(server.list_secrets)
        server.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    else:
        server.put_parameter(Name=name, Value="s3cret", Type="SecureString", Tags=[{"Key": "team", "Value": "data"}])
        server.put_parameter(Name=name, Value="n3w", Type="SecureString", Overwrite=True)
        assert server.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == "n3w"
        assert ingestion.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == "n3w"
        _denied(ingestion.put_parameter, Name=other, Value="x", Type="SecureString")
        _denied(ingestion.delete_parameter, Name=name)
        _denied(server.get_parameters_by_path, Path="/team/prod")
        server.delete_parameter(Name=name)


# --- component under mocks ------------------------------------------------------------------------

CALLS = {
    "aws:index/getCallerIdentity:getCallerIdentity": {
        "accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "userId": "AIDA", "id": ACCOUNT,
    },
    "aws:index/getPartition:getPartition": {
        "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws", "id": "aws",
    },
    "aws:index/getRegion:getRegion": {
        "name": REGION, "region": REGION, "endpoint": f"ec2.{REGION}.amazonaws.com", "description": "", "id": REGION,
    },
}


def aws_state(args):
    """IAM resources get a name and an ARN; an access key gets an id and a secret."""
    state = dict(args.inputs)
    kind = args.typ.split(":")[-1].lower()
    if args.typ.startswith("aws:iam/"):
        state.setdefault("name", args.name)
        state["arn"] = f"arn:aws:iam::{ACCOUNT}:{kind}/{args.name}"
    if args.typ == "aws:iam/accessKey:AccessKey":
        return "AKIAMOCK", {**state, "secret": "mock-secret-key"}
    return f"{args.name}-id", state


def run(program):
    """Run ``program`` (returns {key: Output}) under mocks; resolve (value, is_secret), None outputs left out."""
    return mocks.run(program, mocks.Mocks(aws_state, CALLS), secrecy=True, drop_none=True)


ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/ABC123"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"


def access_outputs(access):
    return {k: getattr(access, k) for k in (
        "server_role_arn", "ingestion_role_arn", "server_policy_arn", "ingestion_policy_arn",
        "server_policy_json", "ingestion_policy_json", "server_access_key_id", "server_secret_access_key",
        "ingestion_access_key_id", "ingestion_secret_access_key",
    )}


@pytest.mark.parametrize("provider", AWS_PROVIDERS)
def test_component_irsa(provider):
    def program():  # Outputs must be created inside the run's event loop
        args = AwsAccessArgs(
            provider=provider, prefix="team", cluster_name="prod", oidc_provider_arn=OIDC_ARN,
            oidc_issuer=f"https://{ISSUER}", kms_key_arn=pulumi.Output.from_input(KMS_ARN), tags={"owner": "data"},
        )
        return access_outputs(AwsAccess("om", args))

    out, inputs, reqs = run(program)
    kw = dict(prefix="team", cluster_name="prod", kms_key_arn=KMS_ARN, **ENV)
    for who, build, ns, sa in (("server", server_policy_document, "openmetadata", "openmetadata"),
                               ("ingestion", ingestion_policy_document, "openmetadata", "openmetadata-ingestion")):
        if not needs_access(provider, who):  # the server on aws/aws-ssm: no policy, role or attachment at all
            assert not [k for k in inputs if k[1] == f"om-{who}"] and f"{who}_role_arn" not in out
            continue
        expected = json.dumps(build(provider, **kw), sort_keys=True)
        assert inputs[("aws:iam/policy:Policy", f"om-{who}")]["policy"] == expected
        assert out[f"{who}_policy_json"] == (expected, False)
        trust = json.loads(inputs[("aws:iam/role:Role", f"om-{who}")]["assumeRolePolicy"])
        assert trust == irsa_trust_policy(OIDC_ARN, ISSUER, ns, sa)
        assert out[f"{who}_role_arn"][0] == f"arn:aws:iam::{ACCOUNT}:role/om-{who}"
        attachment = inputs[("aws:iam/rolePolicyAttachment:RolePolicyAttachment", f"om-{who}")]
        assert attachment == {"role": f"om-{who}", "policyArn": f"arn:aws:iam::{ACCOUNT}:policy/om-{who}"}
        for typ in ("aws:iam/policy:Policy", "aws:iam/role:Role"):
            assert inputs[(typ, f"om-{who}")]["tags"] == {"owner": "data", "om-secrets/identity": who}
    assert "server_access_key_id" not in out
    assert {t for t, _ in inputs} == {
        "om-secrets:access:AwsAccess", "aws:iam/policy:Policy", "aws:iam/role:Role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    }
    children = [r for (typ, _), r in reqs.items() if typ not in {"om-secrets:access:AwsAccess", "pulumi:pulumi:Stack"}]
    assert children and all(r.parent.endswith("om-secrets:access:AwsAccess::om") for r in children)


def test_component_pod_identity_declares_associations():
    args = AwsAccessArgs(provider="managed-aws-ssm", identity_mode="pod-identity", eks_cluster_name="eks-prod",
                         ingestion_namespace="airflow", tags={"owner": "data"})
    out, inputs, _ = run(lambda: access_outputs(AwsAccess("om", args)))
    for who, ns, sa in (("server", "openmetadata", "openmetadata"), ("ingestion", "airflow", "openmetadata-ingestion")):
        assert json.loads(inputs[("aws:iam/role:Role", f"om-{who}")]["assumeRolePolicy"]) == pod_identity_trust_policy()
        assoc = inputs[("aws:eks/podIdentityAssociation:PodIdentityAssociation", f"om-{who}")]
        assert assoc == {"clusterName": "eks-prod", "namespace": ns, "serviceAccount": sa,
                         "roleArn": f"arn:aws:iam::{ACCOUNT}:role/om-{who}",
                         "tags": {"owner": "data", "om-secrets/identity": who}}
    no_cluster = AwsAccessArgs(provider="managed-aws-ssm", identity_mode="pod-identity")
    _, inputs, _ = run(lambda: access_outputs(AwsAccess("om", no_cluster)))
    assert not any(t.startswith("aws:eks/") for t, _ in inputs)


def test_component_non_managed_server_gets_nothing():
    """On aws/aws-ssm OM's server never calls the store: no user, key, policy or role for it; ingestion keeps its own."""
    args = AwsAccessArgs(provider="aws", identity_mode="access-key")
    out, inputs, _ = run(lambda: access_outputs(AwsAccess("om", args)))
    assert sorted(k for k in out if k.startswith("server")) == []
    assert {name for (_, name) in inputs if name != "om"} == {"om-ingestion"}
    assert out["ingestion_secret_access_key"] == ("mock-secret-key", True)


def test_switching_to_managed_adds_the_server_grant_in_the_same_change():
    def identities(provider):
        _, inputs, _ = run(lambda: access_outputs(AwsAccess("om", AwsAccessArgs(provider=provider,
                                                                                 identity_mode="pod-identity"))))
        return sorted((t.rsplit(":", 1)[-1], n) for t, n in inputs if n != "om")

    before, after = identities("aws-ssm"), identities("managed-aws-ssm")
    assert before == [("Policy", "om-ingestion"), ("Role", "om-ingestion"), ("RolePolicyAttachment", "om-ingestion")]
    assert sorted(set(after) - set(before)) == [("Policy", "om-server"), ("Role", "om-server"),
                                                ("RolePolicyAttachment", "om-server")]


def test_component_access_keys_are_secret():
    args = AwsAccessArgs(provider="managed-aws", identity_mode="access-key", tags={"owner": "data"})
    out, inputs, reqs = run(lambda: access_outputs(AwsAccess("om", args)))
    for who in ("server", "ingestion"):
        assert out[f"{who}_access_key_id"] == ("AKIAMOCK", False)
        assert out[f"{who}_secret_access_key"] == ("mock-secret-key", True)
        assert "secret" in reqs[("aws:iam/accessKey:AccessKey", f"om-{who}")].additionalSecretOutputs
        assert inputs[("aws:iam/user:User", f"om-{who}")]["tags"] == {"owner": "data", "om-secrets/identity": who}
        assert inputs[("aws:iam/userPolicyAttachment:UserPolicyAttachment", f"om-{who}")]["user"] == f"om-{who}"
    assert "server_role_arn" not in out and not any(t == "aws:iam/role:Role" for t, _ in inputs)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"provider": "kubernetes"}, "not an AWS"),
        ({"provider": "db"}, "not an AWS"),
        ({"provider": "aws", "identity_mode": "static"}, "identity_mode"),
        ({"provider": "aws"}, "oidc"),
        ({"provider": "aws", "identity_mode": "access-key", "cluster_name": "a%b"}, "clusterName"),
    ],
)
def test_args_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AwsAccessArgs(**kwargs)


@pytest.mark.parametrize("provider, who", GRANTED)
def test_documents_grant_exactly_the_required_access_by_the_access_model(provider, who):
    from omsecrets.components import core

    document = BUILDERS[who](provider, prefix="team", cluster_name="openmetadata", kms_key_arn=KMS_ARN, **ENV)
    service = "ssm" if "ssm" in provider else "secretsmanager"
    inside = (f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/team/openmetadata/db" if service == "ssm"
              else f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:/team/openmetadata/db-AbC")
    outside = inside.replace("/team/", "/other/")
    found = core.iam_access(document, [inside, outside, KMS_ARN])
    required = core.required_access(who, provider)
    assert found[inside] == required
    assert found[outside] == frozenset()
    assert found[KMS_ARN] == required - {core.DELETE}


def test_a_document_granting_more_than_required_is_refused(monkeypatch):
    from omsecrets.components import core

    widened = {**aws_iam.OM_ACTIONS["secretsmanager"],
               core.READ: ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue")}
    monkeypatch.setitem(aws_iam.OM_ACTIONS, "secretsmanager", widened)
    with pytest.raises(AssertionError, match="expected"):
        ingestion_policy_document("aws", prefix="", cluster_name="openmetadata", **ENV)
