"""OpenMetadataSecrets composition through the real program, and as a platform team would use it.

Per provider: which children exist (store, KMS key, AWS access, Kubernetes RBAC, IRSA-annotated
ServiceAccounts, namespaces), which stack outputs are exported, and that no secret value reaches
the outputs. Then ``components.settings.from_dict`` + ``OpenMetadataSecrets`` in a team's own
program (tests/fixtures/programs/platform_team.py).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from omsecrets import engine
from omsecrets.components import conventions, core
from omsecrets.components.environment import STABLE_NAME
from omsecrets.components.settings import KEY_COPIES
from tests.support.previews import stack_config, strings_in_secrets

ENVIRONMENT = "om-secrets:index:OpenMetadataSecrets"
KMS = "om-secrets:kms:SecretsKmsKey"
AWS_ACCESS = "om-secrets:access:AwsAccess"
K8S_ACCESS = "om-secrets:access:KubernetesAccess"
BOOTSTRAP = "om-secrets:bootstrap:BootstrapSecrets"
RING = "om-secrets:fernet:FernetKeyRing"
DELIVERY = "om-secrets:app:AppConfigDelivery"
NAMESPACE = "kubernetes:core/v1:Namespace"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
IRSA = "eks.amazonaws.com/role-arn"
STORE_TYPES = {
    "aws": "om-secrets:stores:AwsSecretsManagerStore",
    "managed-aws": "om-secrets:stores:AwsSecretsManagerStore",
    "aws-ssm": "om-secrets:stores:AwsSsmParameterStore",
    "managed-aws-ssm": "om-secrets:stores:AwsSsmParameterStore",
    "kubernetes": "om-secrets:stores:KubernetesSecretStore",
}
STACKS = ("managed-aws", "aws", "managed-aws-ssm", "aws-ssm", "kubernetes", "db", "dev", "staging", "prod", "local")
BASE_OUTPUTS = {"environment", "provider", "clusterName", "prefix", "secretReferences", "keyCopyReferences", "fernet",
                "jwt", "airflow", "serviceAccounts", "helmValues"}


def component(result: engine.PreviewResult, name: str | None = None) -> engine.CapturedResource:
    found = [r for r in result.by_type(ENVIRONMENT) if name is None or r.name == name]
    assert len(found) == 1
    return found[0]


def descendants(result: engine.PreviewResult, urn: str) -> list[engine.CapturedResource]:
    out = []
    for child in result.children(urn):
        out += [child, *descendants(result, child.urn)]
    return out


def child_types(result: engine.PreviewResult, root: engine.CapturedResource) -> Counter:
    return Counter(r.type for r in result.children(root.urn))


def secret_strings(result: engine.PreviewResult) -> set[str]:
    """Every plaintext string held in a secret anywhere in the preview (inputs and provider state)."""
    found: set[str] = set()
    for resource in result.resources:
        for value in (*strings_in_secrets(resource.inputs), *strings_in_secrets(resource.state)):
            if len(value) >= 12:
                found.add(value)
                found.update(part for part in value.split(",") if len(part) >= 12)  # each key of a ring
    return found


# -------------------------------------------------------------------------------- composition


@pytest.mark.parametrize("stack", STACKS)
def test_children_per_provider(stack, previewed):
    result = previewed(stack)
    cfg = stack_config(stack)
    provider = cfg["provider"]
    aws = provider in ("aws", "managed-aws", "aws-ssm", "managed-aws-ssm")
    kms_create = bool(cfg.get("aws", {}).get("kms", {}).get("create"))
    env = component(result)
    types = child_types(result, env)

    assert env.name == STABLE_NAME  # never the environment: renaming it must not rename resources
    assert env.inputs["provider"] == provider
    assert types[RING] == 2 and types[DELIVERY] == 1 and types[K8S_ACCESS] == 1
    assert types[KMS] == (1 if kms_create else 0)
    assert types[AWS_ACCESS] == (1 if aws else 0)
    assert types[BOOTSTRAP] == (1 if cfg.get("secrets") else 0)
    stores = [t for t in types if t.startswith("om-secrets:stores:")]
    assert stores == ([STORE_TYPES[provider]] if provider != "db" else [])
    # Kubernetes RBAC on Secrets only for OM's kubernetes provider, in the secrets namespace
    roles = result.by_type(ROLE)
    if provider == "kubernetes":
        namespace = cfg.get("kubernetes", {}).get("namespace", "openmetadata")
        assert len(roles) == len(result.by_type(ROLE_BINDING)) == 2
        assert {r.inputs["metadata"]["namespace"] for r in roles} == {namespace}
    else:
        assert roles == [] and result.by_type(ROLE_BINDING) == []
    # no AWS resource at all outside AWS providers
    if not aws:
        assert not [r for r in result.resources if r.type.startswith("aws:")]
    # every resource of the stack lives under the environment component
    assert {r.urn for r in descendants(result, env.urn)} == {r.urn for r in result.resources} - {env.urn}


@pytest.mark.parametrize("stack", STACKS)
def test_service_accounts_carry_the_irsa_role_only_on_irsa_stacks(stack, previewed):
    result = previewed(stack)
    cfg = stack_config(stack)
    irsa = cfg["provider"] != "db" and cfg["provider"] != "kubernetes" and \
        cfg.get("aws", {}).get("identity", {}).get("mode", "irsa") == "irsa"
    accounts = {r.name.rsplit("-", 1)[1]: r for r in result.by_type(SERVICE_ACCOUNT)}
    assert set(accounts) == {"server", "ingestion"}
    server, ingestion = cfg.get("server", {}), cfg.get("ingestion", {})
    assert accounts["server"].inputs["metadata"]["name"] == server.get("serviceAccount", "openmetadata")
    assert accounts["ingestion"].inputs["metadata"]["name"] == ingestion.get("serviceAccount", "openmetadata-ingestion")
    assert accounts["ingestion"].inputs["metadata"]["namespace"] == ingestion.get(
        "namespace", server.get("namespace", "openmetadata"))
    outputs = engine.plain(result.outputs)
    for kind, key in (("server", "serverRoleArn"), ("ingestion", "ingestionRoleArn")):
        annotations = accounts[kind].inputs["metadata"].get("annotations", {})
        # the server reads only managed stores: on aws/aws-ssm it has no role to assume
        if irsa and (kind == "ingestion" or cfg["provider"] in core.MANAGED_PROVIDERS):
            assert annotations == {IRSA: outputs["iam"][key]}
            assert outputs["iam"][key].startswith("arn:aws:iam::")
        else:
            assert IRSA not in annotations
        if kind == "server" and cfg["provider"] in core.AWS_PROVIDERS and cfg["provider"] not in core.MANAGED_PROVIDERS:
            assert key not in outputs["iam"] and "serverPolicyArn" not in outputs["iam"]
    if irsa and cfg["provider"] in core.MANAGED_PROVIDERS:
        assert outputs["iam"]["serverRoleArn"] != outputs["iam"]["ingestionRoleArn"]


@pytest.mark.parametrize("stack", STACKS)
def test_namespaces_only_with_create_namespaces(stack, previewed):
    result = previewed(stack)
    cfg = stack_config(stack)
    namespaces = result.by_type(NAMESPACE)
    if not cfg.get("kubernetes", {}).get("createNamespaces"):
        assert namespaces == []
        return
    server = cfg.get("server", {}).get("namespace", "openmetadata")
    store = cfg.get("kubernetes", {}).get("namespace", f"{server}-secrets")
    wanted = {store, server, cfg.get("ingestion", {}).get("namespace", server)}
    if cfg["provider"] == "kubernetes":  # the Fernet key copies' namespace, which no Role covers
        wanted.add(cfg.get("kubernetes", {}).get("keysNamespace", f"{store}-keys"))
    assert sorted(n.inputs["metadata"]["name"] for n in namespaces) == sorted(wanted)
    assert all(n.options["retainOnDelete"] for n in namespaces)
    # everything namespaced is created after its namespace
    ns_urns = {n.urn for n in namespaces}
    for resource in result.resources:
        if resource.type.startswith("kubernetes:") and resource.type != NAMESPACE:
            assert ns_urns <= set(resource.options["dependsOn"]) or any(
                ns_urns <= set(a.options["dependsOn"]) for a in ancestors(result, resource)
            ), resource.name


def ancestors(result: engine.PreviewResult, resource: engine.CapturedResource) -> list[engine.CapturedResource]:
    by_urn = {r.urn: r for r in result.resources}
    out, parent = [], by_urn.get(resource.parent)
    while parent is not None:
        out.append(parent)
        parent = by_urn.get(parent.parent)
    return out


# ------------------------------------------------------------------------------------- outputs


@pytest.mark.parametrize("stack", STACKS)
def test_stack_outputs(stack, previewed):
    result = previewed(stack)
    cfg = stack_config(stack)
    outputs = engine.plain(result.outputs)
    aws = cfg["provider"] not in ("db", "kubernetes")
    expected = set(BASE_OUTPUTS)
    if aws:
        expected.add("iam")
    if cfg["provider"] == "kubernetes":  # where secretReferences and keyCopyReferences resolve
        expected.add("kubernetes")
        env = {e["name"]: e["value"] for e in outputs["helmValues"]["openmetadata"]["extraEnvs"]}
        copies = {r.inputs["metadata"]["namespace"] for r in result.by_type("kubernetes:core/v1:Secret")
                  if r.name.rsplit("-store-", 1)[-1].removeprefix("keys-") in KEY_COPIES
                  and not core.is_vacated_key_copy(engine.plain(r.inputs, show_secrets=True)["stringData"]["value"])}
        assert outputs["kubernetes"] == {"namespace": env["OM_SM_NAMESPACE"], "keysNamespace": copies.pop()}
        assert not copies
    if cfg.get("aws", {}).get("kms", {}).get("create"):
        expected.add("kmsKeyArn")
        assert outputs["kmsKeyArn"] == result.by_type("aws:kms/key:Key")[0].state["arn"]
    assert set(outputs) == expected
    assert outputs["provider"] == cfg["provider"]
    assert outputs["environment"] == cfg.get("environment", stack)
    assert outputs["clusterName"] == cfg.get("clusterName", "openmetadata")
    assert outputs["prefix"] == cfg.get("prefix", "")
    assert outputs["fernet"] == {app: {"generations": [1], "primaryGeneration": 1} for app in ("openmetadata", "airflow")}
    server, ingestion = cfg.get("server", {}), cfg.get("ingestion", {})
    server_ns = server.get("namespace", "openmetadata")
    assert outputs["serviceAccounts"] == {
        "openmetadata": f"{server_ns}/{server.get('serviceAccount', 'openmetadata')}",
        "ingestion": f"{ingestion.get('namespace', server_ns)}/{ingestion.get('serviceAccount', 'openmetadata-ingestion')}",
    }
    for ref in outputs["secretReferences"].values():
        conventions.parse_reference(ref)
    # the component registers what the stack exports, whether the stack is production (for policies)
    # and the app config files it rendered (for preview --out)
    production = cfg.get("production", outputs["environment"] in ("prod", "production"))
    registered = engine.plain(component(result).outputs)
    app_files = registered.pop("appConfigFiles")
    assert registered == {**outputs, "production": production}
    assert {"openmetadata.env", "airflow.cfg", "helm/openmetadata-values.yaml"} <= set(app_files)


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_value_anywhere_in_outputs(stack, previewed):
    result = previewed(stack)
    secrets = secret_strings(result)
    assert secrets, "the preview holds secrets (keys, passwords): the check must not be vacuous"
    if stack in ("local", "managed-aws"):  # access-key stacks: the IAM secret keys are among them
        assert any(r.type == "aws:iam/accessKey:AccessKey" for r in result.resources)
    shown = json.dumps(engine.plain(result.outputs, show_secrets=True))
    hidden = json.dumps(engine.plain(result.outputs))
    assert engine.SECRET_TEXT not in hidden  # no output is even a (masked) secret
    for value in secrets:
        assert value not in shown


# --------------------------------------------------------------------------- platform team use


_PLATFORM: list[engine.PreviewResult] = []


@pytest.fixture
def platform(preview_config, fixture_program):
    """tests/fixtures/programs/platform_team.py previewed with the team's secret config (cached)."""
    if not _PLATFORM:
        _PLATFORM.append(
            preview_config(
                {"platform:botToken": "PLANTED-team-bot-0a9b8c7d"},
                stack="platform",
                secret_keys=["platform:botToken"],
                program=fixture_program("platform_team"),
            )
        )
    return _PLATFORM[0]


def test_platform_program_declares_two_independent_environments(platform):
    analytics, sandbox = component(platform, "analytics"), component(platform, "sandbox")
    assert analytics.parent == sandbox.parent == platform.stack_urn
    a, s = child_types(platform, analytics), child_types(platform, sandbox)
    assert a[STORE_TYPES["managed-aws-ssm"]] == 1 and a[AWS_ACCESS] == 1 and a[BOOTSTRAP] == 1 and a[NAMESPACE] == 0
    assert s[STORE_TYPES["kubernetes"]] == 1 and s[AWS_ACCESS] == 0 and s[BOOTSTRAP] == 0 and s[NAMESPACE] == 3  # + keys
    assert len(platform.by_type(ROLE)) == 2  # only the kubernetes environment grants Secret RBAC
    # every resource name is prefixed by its environment: two environments never share a URN
    for env in (analytics, sandbox):
        for resource in descendants(platform, env.urn):
            assert resource.name.startswith(f"{env.name}-"), resource.name


def test_platform_program_exports_each_environment(platform):
    outputs = engine.plain(platform.outputs)
    assert set(outputs) == {"analytics", "sandbox"}
    assert set(outputs["analytics"]) == BASE_OUTPUTS | {"iam"}
    assert set(outputs["sandbox"]) == BASE_OUTPUTS | {"kubernetes"}
    assert outputs["analytics"]["secretReferences"] == {
        "ingestion-bot": "secret:/analytics/openmetadata/bot/ingestion-bot/config/jwttoken",
        "warehouse": "secret:/analytics/openmetadata/database/warehouse/password",
    }
    assert outputs["analytics"]["keyCopyReferences"] == {
        "fernet-airflow": "secret:/analytics/openmetadata/fernet/airflow",
        "fernet-openmetadata": "secret:/analytics/openmetadata/fernet/openmetadata",
        "jwt-openmetadata": "secret:/analytics/openmetadata/jwt/openmetadata",
    }
    assert outputs["sandbox"]["secretReferences"] == {}
    assert outputs["sandbox"]["keyCopyReferences"] == {
        "fernet-airflow": "secret:sandbox-fernet-airflow",
        "fernet-openmetadata": "secret:sandbox-fernet-openmetadata",
        "jwt-openmetadata": "secret:sandbox-jwt-openmetadata",
    }


def test_platform_program_physical_names_do_not_collide(platform):
    kube = Counter(
        (r.type, r.inputs["metadata"].get("namespace"), r.inputs["metadata"]["name"])
        for r in platform.resources
        if r.type.startswith("kubernetes:")
    )
    assert [k for k, n in kube.items() if n > 1] == []
    aws_names = Counter(r.inputs["name"] for r in platform.resources if r.type == "aws:ssm/parameter:Parameter")
    assert all(n == 1 for n in aws_names.values())


def test_platform_program_keeps_its_secret_config_secret(platform):
    params = {r.name: r for r in platform.by_type("aws:ssm/parameter:Parameter")}
    bot = params["analytics-store-ingestion-bot"]
    assert bot.plain_inputs["value"] == "PLANTED-team-bot-0a9b8c7d" and bot.secret_input("value")
    assert bot.options["ignoreChanges"] == ["value"]  # managed provider: OM owns later changes
    document = json.dumps(platform.to_document())
    assert "PLANTED-team-bot-0a9b8c7d" not in document
    for value in secret_strings(platform):
        assert value not in document
        assert value not in json.dumps(engine.plain(platform.outputs, show_secrets=True))


# ------------------------------------------------------------------------------- upgrade

BASELINES = Path(__file__).resolve().parent / "fixtures" / "baselines"
#: Inputs whose change makes the provider replace the resource (a new key, password or secret).
REPLACE_INPUTS = {
    "random:index/randomBytes:RandomBytes": ("length", "keepers"),
    "random:index/randomPassword:RandomPassword": ("length", "special", "upper", "lower", "numeric", "keepers"),
    "aws:kms/key:Key": ("customerMasterKeySpec", "keySpec", "keyUsage", "multiRegion"),
    "aws:secretsmanager/secret:Secret": ("name",),
    "aws:ssm/parameter:Parameter": ("name",),
    "kubernetes:core/v1:Secret": ("metadata.name", "metadata.namespace", "type"),
    # `user` is the IAM user's auto-name (offline: made from its new name; the engine keeps the old one)
    "aws:iam/accessKey:AccessKey": ("pgpKey",),
}


def _dig(inputs: dict, dotted: str):
    for part in dotted.split("."):
        inputs = inputs.get(part) if isinstance(inputs, dict) else None
    return inputs


@pytest.mark.parametrize("stack", STACKS)
def test_stacks_made_before_stable_names_upgrade_without_a_delete(stack, previewed):
    """tests/fixtures/baselines/<stack>.json is the `preview --json` of om-secrets before names were
    stable (every name derived from the environment). The engine matches a resource by URN or alias:
    every resource of then must be found now, with the same replace-triggering inputs."""
    before = json.loads((BASELINES / f"{stack}.json").read_text())["resources"]
    now = [r.to_document() for r in previewed(stack).resources]
    answers = {urn: r for r in now for urn in (r["urn"], *r["options"]["aliases"])}
    provider = stack_config(stack)["provider"]
    for old in before:
        if provider not in core.MANAGED_PROVIDERS and old["name"] == f"{stack}-aws-access-server":
            continue  # deleted on purpose: OM's server never calls a non-managed store (issue 20, item 5)
        assert old["urn"] in answers, f"{stack}: {old['type']} {old['name']} would be deleted"
        new = answers[old["urn"]]
        assert new["type"] == old["type"]
        for key in REPLACE_INPUTS.get(old["type"], ()):
            assert _dig(new["inputs"], key) == _dig(old["inputs"], key), f"{stack}: {old['name']}.{key} would replace it"


def test_renaming_the_environment_renames_nothing(preview_config):
    base = {"provider": "kubernetes", "secrets": [{"name": "db", "path": "database/x/password"}]}
    one = preview_config(base, stack="team")
    two = preview_config({**base, "environment": "renamed"}, stack="team")
    key_types = set(REPLACE_INPUTS) | {"om-secrets:fernet:FernetKeyRing"}
    urns = lambda result: {r.urn for r in result.resources if r.type in key_types}  # noqa: E731
    assert urns(one) == urns(two) and len(urns(one)) >= 6


def test_key_material_keeps_the_names_existing_states_hold(previewed):
    """A key's name is its identity in every existing stack's state: renaming one makes `pulumi up` replace it,
    i.e. generate a new Fernet key / password / JWT pair (e2e/tests/test_renames.py shows it on the real engine,
    and that the lifecycle guard refuses it). Pinned literally: a refactor that renames one fails here."""
    keys = {r.name: r.type for r in previewed("dev").resources if r.type.startswith(("random:", "tls:"))}
    assert keys == {
        "om-secrets-airflow-fernet-gen-1": "random:index/randomBytes:RandomBytes",
        "om-secrets-openmetadata-fernet-gen-1": "random:index/randomBytes:RandomBytes",
        "om-secrets-bootstrap-mysql-password": "random:index/randomPassword:RandomPassword",
        "om-secrets-jwt-key": "tls:index/privateKey:PrivateKey",
        "om-secrets-airflow-api-secret-key": "random:index/randomBytes:RandomBytes",
        "om-secrets-airflow-jwt-secret": "random:index/randomBytes:RandomBytes",
        "om-secrets-airflow-server-password": "random:index/randomPassword:RandomPassword",
    }
