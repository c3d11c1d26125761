"""``preview --graph``: edges derived from the declared IAM and RBAC, in valid SVG, DOT and Mermaid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from omsecrets import engine, graph
from omsecrets.components import core
from omsecrets.components.environment import STABLE_NAME
from tests.test_render import planted_preview

ROOT = Path(__file__).resolve().parents[1]
STACKS = engine.list_stacks(ROOT)
SVG = "{http://www.w3.org/2000/svg}"
MANAGED = core.MANAGED_PROVIDERS
STORE_TYPES = {"aws": "AwsSecretsManagerStore", "managed-aws": "AwsSecretsManagerStore",
               "aws-ssm": "AwsSsmParameterStore", "managed-aws-ssm": "AwsSsmParameterStore",
               "kubernetes": "KubernetesSecretStore"}


def stack_config(stack: str) -> dict:
    return yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text())["config"]


def access_edges(g: graph.Graph) -> set[tuple[str, str, str]]:
    return {(g.label_of(e.source), g.label_of(e.target), e.label) for e in g.edges if e.kind == "access"}


def name_of(g: graph.Graph, node_id: str) -> str:
    return g.node(node_id).lines[1]


def expected_store_edges(stack: str) -> set[tuple[str, str, str]]:
    """From the stack file alone: who the server and ingestion are, and what OM's provider lets them do
    on every store secret but the Fernet key copies."""
    config = stack_config(stack)
    provider = config["om-secrets:provider"]
    if provider.endswith("azure-kv"):
        server, ingestion = (f"azure UserAssignedIdentity {STABLE_NAME}-azure-access-{a}" for a in ("openmetadata", "airflow"))
    elif provider == "gcp":
        server, ingestion = (f"gcp Account {STABLE_NAME}-gcp-access-{a}" for a in ("openmetadata", "airflow"))
    elif provider == "kubernetes":
        server = "k8s ServiceAccount {0}-k8s-access-server {1[namespace]}/{1[serviceAccount]}"
        ingestion = "k8s ServiceAccount {0}-k8s-access-ingestion {1[namespace]}/{1[serviceAccount]}"
        server = server.format(STABLE_NAME, config["om-secrets:server"])
        ingestion = ingestion.format(STABLE_NAME, config["om-secrets:ingestion"])
    else:
        kind = "User" if config["om-secrets:aws"]["identity"]["mode"] == "access-key" else "Role"
        server, ingestion = (f"aws iam {kind} {STABLE_NAME}-aws-access-{who}" for who in ("server", "ingestion"))
    # non-managed: the server never calls the store (DBSecretsManager), so it has no edge at all
    return {(server, "read/write"), (ingestion, "read")} if provider in MANAGED else {(ingestion, "read")}


def _is_key_copy(name: str) -> bool:
    return re.search(r"-(fernet-openmetadata|fernet-airflow|jwt-openmetadata)$", name) is not None


@pytest.mark.parametrize("stack", STACKS)
def test_store_edges_match_the_stacks_iam_and_rbac(stack):
    """Every OM secret of the store gets exactly the server's and ingestion's edges; no identity reaches
    the whole store at once, since no identity reaches the Fernet key copies."""
    result = planted_preview(stack)
    g = graph.build_graph(result)
    (store,) = [r for r in result.resources if r.type.startswith("om-secrets:stores:")]
    om_secrets = {r.name for r in result.children(store.urn) if r.type in graph.SECRET_TYPES and not _is_key_copy(r.name)}
    assert om_secrets
    edges = [(g.label_of(e.source), g.node(e.target).lines[1] if g.node(e.target) else g.label_of(e.target), e.label)
             for e in g.edges if e.kind == "access"]
    assert not [e for e in edges if e[1].endswith(f"{STABLE_NAME}-store")]
    for name in om_secrets:
        assert {(who, label) for who, target, label in edges if target == name} == expected_store_edges(stack), name


@pytest.mark.parametrize("stack", STACKS)
def test_each_delivery_secret_goes_to_its_app(stack):
    g = graph.build_graph(planted_preview(stack))
    delivered = {(name_of(g, e.source), g.label_of(e.target), e.label) for e in g.edges if e.kind == "delivery"}
    assert delivered == {(f"{STABLE_NAME}-app-config-{app}-{kind}", f"app {app}", label)
                         for app in ("openmetadata", "airflow")
                         for kind, label in (("secret", "delivers"), ("config", "configures"))} | {
        (f"{STABLE_NAME}-app-config-openmetadata-jwt-keys", "app openmetadata", "delivers")} | (  # the server's alone
        # the Airflow user Job (declared with airflow.image) reads the server's password from ingestion's Secret
        {(f"{STABLE_NAME}-app-config-airflow-secret",
          "k8s Job om-secrets-airflow-user airflow/airflow-user-openmetadata", "delivers")}
        if "image" in stack_config(stack).get("om-secrets:airflow", {}) else set())


@pytest.mark.parametrize("stack, server, ingestion", [
    ("azure", f"azure UserAssignedIdentity {STABLE_NAME}-azure-access-openmetadata",
     f"azure UserAssignedIdentity {STABLE_NAME}-azure-access-airflow"),
    ("gcp", f"gcp Account {STABLE_NAME}-gcp-access-openmetadata", f"gcp Account {STABLE_NAME}-gcp-access-airflow"),
])
def test_azure_and_gcp_ingestion_reads_every_secret_but_the_key_copies(stack, server, ingestion):
    result = planted_preview(stack)
    g = graph.build_graph(result)
    secret_type = graph.AZ_SECRET if stack == "azure" else graph.GCP_SECRET
    secrets = {r.name: r for r in result.by_type(secret_type)}
    keys = {n for n in secrets if _is_key_copy(n)}
    assert len(keys) == 3 and len(secrets) > 3
    edges = [(g.label_of(e.source), g.node(e.target).lines[1] if g.node(e.target) else None, e.label)
             for e in g.edges if e.kind == "access"]
    read = {t for s, t, label in edges if s == ingestion}
    assert read == set(secrets) - keys
    assert {label for s, _, label in edges if s == ingestion} == {"read"}
    written = {t for s, t, label in edges if s == server and label == "read/write"}
    assert written == set(secrets) - keys  # azure: the keys vault has no assignment; gcp: excluded by condition


def test_irsa_service_accounts_assume_their_roles_and_roles_hold_their_policies():
    g = graph.build_graph(planted_preview("prod"))
    links = {(name_of(g, e.source), e.label, name_of(g, e.target)) for e in g.edges
             if e.kind == "link" and not e.label.startswith("replica in ")}
    assumes = {(f"{STABLE_NAME}-k8s-access-{w}", "assumes", f"{STABLE_NAME}-aws-access-{w}") for w in ("server", "ingestion")}
    assert links == assumes | {
        (f"{STABLE_NAME}-aws-access-{w}", "attached", f"{STABLE_NAME}-aws-access-{w}") for w in ("server", "ingestion")}


def test_dedicated_secrets_namespace_keeps_ingestion_away_from_the_delivery_secrets():
    """dev keeps OM's secrets in a namespace of their own: the store Roles do not reach FERNET_KEY."""
    edges = access_edges(graph.build_graph(planted_preview("dev")))
    ingestion = f"k8s ServiceAccount {STABLE_NAME}-k8s-access-ingestion openmetadata/openmetadata-ingestion"
    assert (ingestion, f"AppConfigDelivery {STABLE_NAME}-app-config", "read") not in edges
    assert any(src == ingestion and label == "read" for src, _, label in edges)


CUSTOM = '''
import json, pulumi, pulumi_aws as aws, pulumi_kubernetes as k8s

def secret(name):
    return aws.secretsmanager.Secret(name, name=f"/team/{name}")

a, b, c, d = secret("a"), secret("b"), secret("c"), secret("d")
doc = pulumi.Output.all(a.arn, b.arn, c.arn, d.arn).apply(lambda arns: json.dumps({"Statement": [
    {"Effect": "Allow", "Action": "secretsmanager:Get*", "Resource": arns[0]},
    {"Effect": "Allow", "Action": ["secretsmanager:PutSecretValue"], "Resource": arns[1]},
    {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": arns[2]},
    {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": arns[3]},
    {"Effect": "Allow", "Action": "secretsmanager:DescribeSecret", "Resource": "*"}]}))
role = aws.iam.Role("reader", assume_role_policy="{}")
policy = aws.iam.Policy("mixed", policy=doc)
aws.iam.RolePolicyAttachment("reader", role=role.name, policy_arn=policy.arn)
aws.iam.RolePolicy("inline", role=role.name, policy=pulumi.Output.all(c.arn, d.arn).apply(
    lambda arns: json.dumps({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": arns}]})))
for name in ("one", "two"):
    k8s.core.v1.Secret(name, metadata={"name": name, "namespace": "apps"}, string_data={"v": "x"})
k8s.rbac.v1.Role("only-one", metadata={"name": "only-one", "namespace": "apps"},
                 rules=[{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["one"],
                         "verbs": ["list", "watch"]}])
k8s.rbac.v1.RoleBinding("only-one", metadata={"name": "only-one", "namespace": "apps"},
                        role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "only-one"},
                        subjects=[{"kind": "ServiceAccount", "name": "job", "namespace": "batch"}])
'''


@pytest.fixture(scope="module")
def custom(tmp_path_factory):
    folder = tmp_path_factory.mktemp("custom")
    (folder / "Pulumi.yaml").write_text("name: custom\nruntime: python\n")
    (folder / "__main__.py").write_text(CUSTOM)
    return engine.preview(folder, "x", config={})


def test_edges_follow_policy_actions_resources_and_rbac_resource_names(custom):
    edges = access_edges(graph.build_graph(custom))
    role = "aws iam Role reader"
    assert edges == {
        (role, "aws secretsmanager Secret a /team/a", "read"),
        (role, "aws secretsmanager Secret b /team/b", "write"),
        (role, "aws secretsmanager Secret c /team/c", "write"),  # GetSecretValue denied by the other policy
        ("k8s ServiceAccount (not declared) batch/job", "k8s Secret one apps/one", "read"),
    }


def test_graph_draws_the_core_access_model():
    """Edges are core.iam_access / core.rbac_access, delete drawn as write."""
    arn = "arn:aws:ssm:eu-west-1:1:parameter/p/openmetadata/x"
    allow = {"Effect": "Allow", "Action": ["ssm:GetParameter"], "Resource": "arn:aws:ssm:*:*:parameter/p/*"}

    def access(*statements):
        return graph.read_write(core.iam_access([{"Statement": list(statements)}], [arn])[arn])

    assert access(allow) == (True, False)
    assert access({**allow, "Resource": "arn:aws:ssm:*:*:parameter/q/*"}) == (False, False)
    assert access({**allow, "Action": "SSM:Put*"}) == (False, True)
    assert access({**allow, "Action": "ssm:DeleteParameter"}) == (False, True)
    assert access({**allow, "Action": "ssm:*"}, {"Effect": "Deny", "Action": "ssm:Get*", "Resource": "*"}) == (
        False, True)
    assert access({**allow, "Action": "ssm:*"}, {"Effect": "Deny", "Action": "ssm:GetParameter", "Resource": "*"}) == (
        True, True)  # GetParameters is still allowed
    assert access({**allow, "Action": "secretsmanager:*"}) == (False, False)  # another service's actions
    assert graph.read_write(core.rbac_access([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}], ["s"])["s"]) == (
        True, True)


@pytest.mark.parametrize("stack", STACKS)
def test_no_floating_boxes(stack):
    g = graph.build_graph(planted_preview(stack))
    touched = {e.source for e in g.edges} | {e.target for e in g.edges}
    assert [g.label_of(n.id) for n in g.nodes if n.id not in touched and n.cluster not in touched] == []
    assert not {n.lines[0] for n in g.nodes} & {graph.short_type(t) for t in graph.HIDDEN}


def test_kms_access_is_drawn_and_the_alias_folded_into_the_key():
    g = graph.build_graph(planted_preview("prod"))
    kms = [n for n in g.nodes if n.lines[0] == "aws kms Key" and not n.lines[1].endswith("eu-central-1")]
    assert len(kms) == 1 and kms[0].lines[2].startswith("alias/")
    (replica,) = [n for n in g.nodes if n.lines[0] == "aws kms Key" and n.lines[1].endswith("eu-central-1")]
    replicated = {name_of(g, e.source) for e in g.edges if e.target == replica.id and e.label == "replica in eu-central-1"}
    assert f"{STABLE_NAME}-store-warehouse-password" in replicated and len(replicated) == 6  # with the planted one
    reach = {(name_of(g, e.source), e.label) for e in g.edges if e.target == kms[0].id and e.kind == "access"}
    assert reach == {(f"{STABLE_NAME}-aws-access-server", "read/write"), (f"{STABLE_NAME}-aws-access-ingestion", "read")}


def test_generated_values_point_at_the_secrets_that_store_them():
    g = graph.build_graph(planted_preview("prod"))
    values = {(name_of(g, e.source), name_of(g, e.target)) for e in g.edges if e.kind == "value"}
    assert (f"{STABLE_NAME}-bootstrap-snowflake-password", f"{STABLE_NAME}-store-snowflake-password") in values
    assert (f"{STABLE_NAME}-openmetadata-fernet-gen-1", f"{STABLE_NAME}-store-fernet-openmetadata") in values


def test_the_jwt_key_points_at_its_copy_and_the_servers_secret_only():
    g = graph.build_graph(planted_preview("prod"))
    values = {name_of(g, e.target) for e in g.edges if e.kind == "value" and name_of(g, e.source) == f"{STABLE_NAME}-jwt-key"}
    assert values == {f"{STABLE_NAME}-store-jwt-openmetadata", f"{STABLE_NAME}-app-config-openmetadata-jwt-keys"}


# ------------------------------------------------------------------ key copies out of reach (access model)

FIXTURE_STACKS = tuple(sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml")
                              for p in (ROOT / "tests" / "fixtures" / "stacks").glob("Pulumi.*.yaml")))


def key_material_secrets(result: engine.PreviewResult) -> dict[str, engine.CapturedResource]:
    """Every secret holding key material: the store's copies (not the vacated pointers the Kubernetes
    store keeps), the delivery Secrets the apps read their ring from and the server's JWT keys Secret."""
    by_urn = {r.urn: r for r in result.resources}
    out = {}
    for r in result.resources:
        parent = by_urn.get(r.parent)
        if r.type not in graph.SECRET_TYPES or parent is None:
            continue
        if parent.type.startswith(f"{core.PACKAGE}:stores:") and _is_key_copy(r.name):
            values = [v for v in (engine.plain(r.inputs, show_secrets=True).get("stringData") or {}).values()]
            if not any(core.is_vacated_key_copy(v) for v in values):
                out[r.urn] = r
        elif parent.type == core.APP_CONFIG_DELIVERY_TYPE and r.type == graph.K8S_SECRET:
            out[r.urn] = r
    return out


@pytest.mark.parametrize("stack", [*STACKS, *FIXTURE_STACKS])
def test_no_identity_reads_or_deletes_a_key_copy(stack, previewed):
    """Item 5 of issue 13, proven with the one access model (what ``preview --graph`` draws): in every
    shipped and fixture stack ingestion reads 0 key-material secrets and the server deletes none; no
    identity reads one at all (the apps get their ring from their delivery Secret as env, not by API).
    The only grant left on a copy is GCP's project-wide ``secrets.create`` (it cannot be name-gated; on
    an existing secret it fails)."""
    result = previewed(stack)
    access = graph.secret_access(result)
    keys = key_material_secrets(result)
    (env,) = result.by_type(core.ENVIRONMENT_TYPE)
    provider = env.inputs["provider"]
    apps = core.apps_for((env.inputs.get("ingestion") or {}).get("runtime", core.AIRFLOW_RUNTIME))  # no Airflow ring
    assert len([k for k in keys.values() if k.type == graph.K8S_SECRET and "app-config" in k.name]) == len(apps) + 1
    if provider != "db":
        assert len(keys) == 2 * len(apps) + 2, sorted(r.name for r in keys.values())
    for (identity, secret), kinds in access.items():
        if secret in keys:
            allowed = {core.WRITE} if provider == "gcp" else set()
            assert kinds <= allowed, (identity, keys[secret].name, sorted(kinds))
    # not vacuous: the same model finds the server and ingestion reading OM's secrets
    (store,) = [r for r in result.resources if r.type.startswith(f"{core.PACKAGE}:stores:")] or [None]
    if store is not None:
        om_secret = next(r for r in result.children(store.urn) if r.type in graph.SECRET_TYPES and not _is_key_copy(r.name))
        readers = {i for (i, s), kinds in access.items() if s == om_secret.urn and core.READ in kinds}
        assert len(readers) >= (2 if provider in MANAGED else 1), readers
