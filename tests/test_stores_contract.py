"""Contract: what the program declares is what OM ingestion reads back (moto server, kubernetes-validate).

For each AWS stack the preview (``--show-secrets``) is replayed against a moto server with the
same API calls Pulumi's AWS provider makes (CreateSecret with name, value, tags, KMS key,
description, replicas; PutParameter SecureString with tier, tags, KMS key). Then every exported
``secret:<id>`` reference is resolved exactly as OM's ingestion does (``ingestion/src/metadata/
utils/secrets/``): strip ``secret:``, GetSecretValue(SecretId=id) / GetParameter(Name=id,
WithDecryption=True), and the value must equal the one declared. Kubernetes store Secrets are
rebuilt as manifests and validated with kubernetes-validate, then read back like
``read_namespaced_secret`` + base64-decode of ``data["value"]``.
"""

from __future__ import annotations

import base64
import json
import socket

import boto3
import kubernetes_validate
import pytest
import requests

from omsecrets import engine
from omsecrets.components import core, jwt
from omsecrets.components.fernet import KeyRing
from tests.support.previews import planted_keys, stack_file_config

pytestmark = pytest.mark.moto

K8S_VERSION = "1.33"

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
PARAMETER = "aws:ssm/parameter:Parameter"
K8S_SECRET = "kubernetes:core/v1:Secret"
KMS_KEY = "aws:kms/key:Key"

AWS_STACKS = ("managed-aws", "aws", "managed-aws-ssm", "aws-ssm", "staging", "prod", "local")
K8S_STACKS = ("kubernetes", "dev")

def references(result: engine.PreviewResult) -> dict[str, str]:
    """What the apps may use (``secretReferences``)."""
    return engine.plain(result.outputs)["secretReferences"]


def key_copy_references(result: engine.PreviewResult) -> dict[str, str]:
    """The recovery copies of key material (``keyCopyReferences``), which no app may read."""
    return engine.plain(result.outputs)["keyCopyReferences"]


def check_key_copies(read: dict[str, str]) -> None:
    """Each copy holds what it should: a one-generation ring, and the JWT pair as OM reads its files."""
    for app in ("openmetadata", "airflow"):
        assert len(KeyRing.parse(read[f"fernet-{app}"])) == 1
    pair = json.loads(read["jwt-openmetadata"])
    private, public = (jwt.read_keys(base64.b64decode(pair[f])) for f in (jwt.PRIVATE_KEY_FILE, jwt.PUBLIC_KEY_FILE))
    assert [(f.kind, f.encoding, f.problems()) for f in private + public] == [
        ("private", "PKCS#8 DER", []), ("public", "X.509 SubjectPublicKeyInfo DER", [])]
    assert private[0].thumbprint == public[0].thumbprint == pair["keyId"]


def planted_for(stack: str) -> set[str]:
    return set(planted_keys(stack).values())


# ----------------------------------------------------------------------------------- moto


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(moto_endpoint):
    """``aws(service, region)`` -> a boto3 client on a freshly reset moto server."""
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()

    def client(service: str, region: str):
        return boto3.client(
            service, endpoint_url=moto_endpoint, region_name=region,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )

    return client


def region_of(arn: str) -> str:
    return arn.split(":")[3]


def shown(result: engine.PreviewResult, type_: str) -> list[dict]:
    """Resources of ``type_`` in the ``--show-secrets`` document (what ``omsecrets preview --json`` prints)."""
    return [r for r in result.to_document(show_secrets=True)["resources"] if r["type"] == type_]


def moto_kms_keys(result: engine.PreviewResult, key_arns: set[str], client) -> dict[str, str]:
    """A moto KMS key for every key ARN the stack uses (created by it or given): ``{ARN: moto key ARN}``."""
    descriptions = {r.state["arn"]: r.inputs["description"] for r in result.by_type(KMS_KEY)}
    return {
        arn: client("kms", region_of(arn)).create_key(Description=descriptions.get(arn, "existing key"))["KeyMetadata"]["Arn"]
        for arn in sorted(key_arns)
    }


def tag_list(tags: dict) -> list[dict]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def replay_secrets_manager(result: engine.PreviewResult, client) -> dict[str, str]:
    """CreateSecret for every seeded Secret (+ its SecretVersion value); returns ``{name: declared value}``."""
    secrets = shown(result, SECRET)
    versions = {r["name"]: r["inputs"] for r in shown(result, VERSION)}
    kms = moto_kms_keys(result, {s["inputs"]["kmsKeyId"] for s in secrets if s["inputs"].get("kmsKeyId")}, client)
    declared = {}
    for secret in secrets:
        inputs, version = secret["inputs"], versions[secret["name"]]
        region = region_of(version["secretId"])
        assert version["secretId"].split(":secret:", 1)[1].startswith(inputs["name"] + "-")  # attached to this Secret
        kwargs = dict(Name=inputs["name"], SecretString=version["secretString"], Tags=tag_list(inputs["tags"]),
                      Description=inputs["description"])
        if inputs.get("kmsKeyId"):
            kwargs["KmsKeyId"] = kms[inputs["kmsKeyId"]]
        if inputs.get("replicas"):
            kwargs["AddReplicaRegions"] = [{"Region": r["region"]} for r in inputs["replicas"]]
        sm = client("secretsmanager", region)
        assert sm.create_secret(**kwargs)["Name"] == inputs["name"]
        described = sm.describe_secret(SecretId=inputs["name"])
        assert described["Description"] == inputs["description"]
        if inputs.get("kmsKeyId"):
            assert described["KmsKeyId"] == kms[inputs["kmsKeyId"]]
        declared[inputs["name"]] = version["secretString"]
    return declared


def replay_ssm(result: engine.PreviewResult, client, region: str) -> dict[str, str]:
    """PutParameter (SecureString) for every seeded parameter; returns ``{name: declared value}``."""
    params = [p["inputs"] for p in shown(result, PARAMETER)]
    kms = moto_kms_keys(result, {p["keyId"] for p in params if p.get("keyId")}, client)
    declared = {}
    ssm = client("ssm", region)
    for inputs in params:
        assert inputs["type"] == "SecureString"
        kwargs = dict(Name=inputs["name"], Value=inputs["value"], Type="SecureString", Tier=inputs["tier"],
                      Tags=tag_list(inputs["tags"]), Description=inputs["description"])
        if inputs.get("keyId"):
            kwargs["KeyId"] = kms[inputs["keyId"]]
        ssm.put_parameter(**kwargs)
        declared[inputs["name"]] = inputs["value"]
    return declared


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_every_reference_reads_back_as_om_ingestion_does(stack, aws, previewed):
    result = previewed(stack)
    document = result.to_document(show_secrets=True)
    assert document["outputs"]["secretReferences"] == references(result)  # not secret: the same with or without
    refs = {**references(result), **key_copy_references(result)}  # --show-secrets
    region = stack_file_config(stack)["aws:region"]
    provider = stack_file_config(stack)["om-secrets:provider"]
    ssm = provider.endswith("aws-ssm")

    declared = replay_ssm(result, aws, region) if ssm else replay_secrets_manager(result, aws)
    assert sorted(ref.removeprefix("secret:") for ref in refs.values()) == sorted(declared)

    read = {}
    for name, ref in refs.items():
        secret_id = ref.removeprefix("secret:")  # what OM ingestion does with a "secret:" value
        if ssm:
            value = aws("ssm", region).get_parameter(Name=secret_id, WithDecryption=True)["Parameter"]["Value"]
        else:
            value = aws("secretsmanager", region).get_secret_value(SecretId=secret_id)["SecretString"]
        assert value == declared[secret_id], name
        read[name] = value
    assert planted_for(stack) <= set(read.values())
    check_key_copies(read)


@pytest.mark.parametrize("stack", [s for s in AWS_STACKS if stack_file_config(s).get("om-secrets:aws", {}).get("replicaRegions")])
def test_replicas_serve_the_same_ids_in_their_region(stack, aws, previewed):
    result = previewed(stack)
    declared = replay_secrets_manager(result, aws)
    regions = stack_file_config(stack)["om-secrets:aws"]["replicaRegions"]
    for region in regions:
        replica = aws("secretsmanager", region)
        for ref in {**references(result), **key_copy_references(result)}.values():
            secret_id = ref.removeprefix("secret:")
            assert replica.get_secret_value(SecretId=secret_id)["SecretString"] == declared[secret_id]


@pytest.mark.parametrize("stack", AWS_STACKS)
def test_tags_round_trip(stack, aws, previewed):
    result = previewed(stack)
    region = stack_file_config(stack)["aws:region"]
    expected = {**stack_file_config(stack).get("om-secrets:tags", {}), "managed-by": "om-secrets"}
    if stack_file_config(stack)["om-secrets:provider"].endswith("aws-ssm"):
        replay_ssm(result, aws, region)
        ssm = aws("ssm", region)
        for param in result.by_type(PARAMETER):
            tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=param.inputs["name"])["TagList"]
            assert {t["Key"]: t["Value"] for t in tags} == expected
    else:
        replay_secrets_manager(result, aws)
        sm = aws("secretsmanager", region)
        for secret in result.by_type(SECRET):
            tags = sm.describe_secret(SecretId=secret.inputs["name"])["Tags"]
            assert {t["Key"]: t["Value"] for t in tags} == expected


# ------------------------------------------------------------------------------- kubernetes


def store_secrets(result: engine.PreviewResult) -> list[engine.CapturedResource]:
    (store,) = [r for r in result.resources if r.type == "om-secrets:stores:KubernetesSecretStore"]
    return [r for r in result.children(store.urn) if r.type == K8S_SECRET]


def manifest(resource: engine.CapturedResource) -> dict:
    inputs = resource.plain_inputs
    out = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": inputs["metadata"],
        "type": inputs["type"],
        "stringData": inputs["stringData"],
    }
    if "immutable" in inputs:
        out["immutable"] = inputs["immutable"]
    return out


@pytest.mark.parametrize("stack", K8S_STACKS)
def test_kubernetes_store_manifests_are_valid(stack, previewed):
    secrets = store_secrets(previewed(stack))
    assert len(secrets) >= 3
    for resource in secrets:
        doc = manifest(resource)
        assert resource.inputs["apiVersion"] == "v1" and resource.inputs["kind"] == "Secret"
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@pytest.mark.parametrize("stack", K8S_STACKS)
def test_kubernetes_references_read_back_as_om_ingestion_does(stack, previewed):
    result = previewed(stack)
    namespace = (stack_file_config(stack).get("om-secrets:kubernetes") or {}).get("namespace", "openmetadata")
    by_name = {}
    for resource in store_secrets(result):
        meta = resource.inputs["metadata"]
        by_name[(meta["namespace"], meta["name"])] = resource
    keys_namespace = {ns for ns, _ in by_name} - {namespace}

    def read(refs: dict[str, str], where: str) -> dict[str, str]:
        out = {}
        for name, ref in refs.items():
            resource = by_name[(where, ref.removeprefix("secret:"))]  # read_namespaced_secret(name=id, namespace=...)
            data = engine.plain(resource.state, show_secrets=True)["data"]
            out[name] = base64.b64decode(data["value"]).decode("utf-8")
            assert out[name] == resource.plain_inputs["stringData"]["value"]
        return out

    # every reference the apps are given resolves, in OM's namespace, to the intended value, never a pointer
    apps = read(references(result), namespace)
    assert planted_for(stack) <= set(apps.values())
    assert not any(core.is_vacated_key_copy(v) for v in apps.values())
    # the key copies are in the keys namespace, which no Role of OM's covers; in OM's namespace the Fernet
    # copies' old Secrets hold only the pointer (and are exported nowhere)
    (keys_namespace,) = keys_namespace
    check_key_copies(read(key_copy_references(result), keys_namespace))
    old = [r for (ns, sid), r in by_name.items() if ns == namespace and sid not in {v.removeprefix("secret:")
                                                                                    for v in references(result).values()}]
    assert sorted(r.name.rsplit("-", 1)[-1] for r in old) == ["airflow", "openmetadata"]
    assert all(core.is_vacated_key_copy(r.plain_inputs["stringData"]["value"]) for r in old)
