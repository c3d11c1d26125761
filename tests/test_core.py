"""components.core: the one vocabulary, and a guard that fails when a second definition appears."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omsecrets.components import conventions, core, settings
from omsecrets.policies.rule import production_from_env

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("components", "policies", "omsecrets", "__main__.py", "examples")
CORE = REPO / "components" / "core.py"

#: Vocabulary tuples: a literal tuple, list or set elsewhere holding two or more of their members is a copy.
VOCABULARY = {
    "providers": core.PROVIDERS,
    "apps": core.APPS,
    "identities": core.IDENTITIES,
    "identity modes": core.IDENTITY_MODES,
    "loaders": core.LOADERS,
    "production names": core.PRODUCTION_NAMES,
    "placeholders": core.PLACEHOLDERS,
}
#: Strings only core may spell.
SINGLE_STRINGS = {
    core.SECRET_PLACEHOLDER: "the secret placeholder",
    core.UNKNOWN_PLACEHOLDER: "the unknown placeholder",
    core.MANAGED_BY_LABEL: "the managed-by label",
    core.OM_K8S_LABELS["managed-by"]: "OM's Kubernetes labels",
    core.IDENTITY_TAG: "the identity tag",
}
TYPE_TOKEN = re.compile(r"om-secrets:[a-z]+:[A-Z][A-Za-z]+")
#: Functions defined in core only.
CORE_FUNCTIONS = {"find_config_error", "production_from_config", "is_production_name", "type_token",
                  "parse_bool", "iam_access", "rbac_access", "statement_access", "rule_access", "action_access",
                  "policy_access", "statement_operations", "operations_access", "required_access", "rbac_verbs",
                  "rule_verbs", "apps_for", "subject_label"}


def second_definitions(path: Path, text: str) -> list[str]:
    """Where ``text`` (the source of ``path``) redefines part of core's vocabulary."""
    out = []
    tree = ast.parse(text, filename=str(path))
    for node in ast.walk(tree):
        where = f"{path.relative_to(REPO) if path.is_absolute() else path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            values = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            for what, members in VOCABULARY.items():
                if len(values & set(members)) >= 2:
                    out.append(f"{where}: a second list of {what}: {sorted(values & set(members))}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in SINGLE_STRINGS:
                out.append(f"{where}: {SINGLE_STRINGS[node.value]} {node.value!r} spelled again")
            elif TYPE_TOKEN.fullmatch(node.value):
                out.append(f"{where}: type token {node.value!r} spelled again (use core.type_token constants)")
        elif isinstance(node, ast.Compare):
            texts = [c.value for c in [node.left, *node.comparators] if isinstance(c, ast.Constant)]
            if any(t in core.PRODUCTION_NAMES for t in texts):
                out.append(f"{where}: production decided again (use core.is_production_name)")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in CORE_FUNCTIONS:
            out.append(f"{where}: {node.name}() defined again")
    return out


def source_files():
    for name in SOURCES:
        root = REPO / name
        files = [root] if root.is_file() else sorted(root.rglob("*.py")) if root.exists() else []
        for path in files:
            if path != CORE and ".venv" not in path.parts:
                yield path


def test_no_second_definition_of_the_vocabulary():
    problems = [p for path in source_files() for p in second_definitions(path, path.read_text())]
    assert problems == []


@pytest.mark.parametrize("snippet, found", [
    ('PROVIDERS = ("aws", "aws-ssm")', "a second list of providers"),
    ('modes = ["irsa", "access-key"]', "a second list of identity modes"),
    ('apps = {"openmetadata", "airflow"}', "a second list of apps"),
    ('who = ("server", "ingestion")', "a second list of identities"),
    ('TEXT = "[secret]"', "the secret placeholder"),
    ('T = "om-secrets:index:OpenMetadataSecrets"', "type token"),
    ('prod = stack.lower() in ("prod", "production")', "a second list of production names"),
    ('prod = stack == "prod"', "production decided again"),
    ('def find_config_error(exc):\n    return None', "find_config_error() defined again"),
    ('labels = {"app.kubernetes.io/managed-by": "om-secrets"}', "the managed-by label"),
])
def test_the_guard_finds_a_planted_second_definition(snippet, found):
    problems = second_definitions(Path("planted.py"), snippet)
    assert any(found in p for p in problems), problems


def test_the_guard_ignores_single_mentions():
    assert second_definitions(Path("ok.py"), 'x = core.PROVIDERS\nif p == "aws":\n    y = ("aws", "eu-west-1")\n') == []


# ---------------------------------------------------------------- registry


def test_registry_derived_lists():
    assert core.PROVIDERS[0] == core.DB
    assert core.STORE_PROVIDERS == tuple(p for p in core.PROVIDERS if p != core.DB)
    assert set(core.AWS_PROVIDERS) == {"aws", "managed-aws", "aws-ssm", "managed-aws-ssm"}
    assert set(core.MANAGED_PROVIDERS) == {"managed-aws", "managed-aws-ssm", "managed-azure-kv", "gcp", "kubernetes"}
    # every provider a running OM accepts has its store declared (in-memory is OM's test double)
    assert set(core.SUPPORTED_PROVIDERS) == set(core.PROVIDERS)
    for name in ("azure-kv", "managed-azure-kv", "gcp"):
        assert core.provider(name).store_declared
        assert conventions.rules_for(name) is core.provider(name).ids


@pytest.mark.parametrize("name, family", [
    ("db", "db"), ("aws", "aws-sm"), ("managed-aws", "aws-sm"), ("aws-ssm", "aws-ssm"),
    ("managed-aws-ssm", "aws-ssm"), ("kubernetes", "kubernetes"), ("azure-kv", "azure"),
    ("managed-azure-kv", "azure"), ("gcp", "gcp"),
])
def test_provider_families(name, family):
    assert core.provider(name).family == family
    assert name in core.providers_in(family)


def test_unknown_provider_names_the_allowed_values():
    with pytest.raises(KeyError, match="allowed: db, aws"):
        core.provider("vault")
    with pytest.raises(KeyError):
        core.provider(["aws"])  # unhashable input is an unknown provider, not a TypeError


def test_settings_and_conventions_share_the_registry():
    assert settings.SUPPORTED_PROVIDERS is core.SUPPORTED_PROVIDERS
    assert conventions.PROVIDERS is core.PROVIDERS
    assert settings.STANDARD_LABELS is core.STANDARD_LABELS


def test_type_tokens_are_spelled_one_way():
    assert core.ENVIRONMENT_TYPE == "om-secrets:index:OpenMetadataSecrets"
    assert core.type_token("stores", "KubernetesSecretStore") == core.KUBERNETES_STORE_TYPE


# ---------------------------------------------------------------- production


@pytest.mark.parametrize("name, expected", [
    ("prod", True), ("Prod", True), ("PRODUCTION", True), (" prod ", True),
    ("production-eu", False), ("preprod", False), ("staging", False), ("", False), (None, False), (1, False),
])
def test_is_production_name(name, expected):
    assert core.is_production_name(name) is expected


@pytest.mark.parametrize("stack", ["Prod", "prod", "PRODUCTION", "staging", "dev"])
def test_settings_and_policy_pack_agree_on_production(stack):
    """A stack named ``Prod`` is production for settings and for the policy pack alike."""
    expected = settings.from_dict({}, stack=stack).production
    assert production_from_env({"PULUMI_STACK": stack, "PULUMI_CONFIG": "{}"}) is expected
    assert expected is (stack.lower() in ("prod", "production"))


@given(
    stack=st.text(max_size=12),
    environment=st.one_of(st.none(), st.sampled_from(["prod", "Prod", "staging", "PRODUCTION"])),
    explicit=st.one_of(st.none(), st.booleans(), st.sampled_from(["true", "False", "TRUE"])),
)
def test_production_from_config_matches_settings(stack, environment, explicit):
    config = {}
    data = {}
    if environment is not None:
        config["om-secrets:environment"] = environment
    if explicit is not None:
        config["om-secrets:production"] = explicit
        data["production"] = explicit
    decided = core.production_from_config(config, stack)
    env = environment or stack
    if explicit is None:
        assert decided is core.is_production_name(env)
    else:
        assert decided is (str(explicit).lower() == "true")
    assert production_from_env({"PULUMI_STACK": stack, "PULUMI_CONFIG": json.dumps(config)}) is decided


def test_find_config_error_follows_the_chain():
    inner = settings.ConfigError(["om-secrets:provider: bad"])
    try:
        try:
            raise inner
        except ValueError as exc:
            raise RuntimeError("program failed") from exc
    except RuntimeError as outer:
        assert core.find_config_error(outer) is inner
    assert core.find_config_error(RuntimeError("x")) is None


# ---------------------------------------------------------------- access model

R, W, D = core.READ, core.WRITE, core.DELETE
SM = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/team/openmetadata/db-AbCdEf"
OTHER = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:/other/openmetadata/db-AbCdEf"
PARAM = "arn:aws:ssm:eu-west-1:123456789012:parameter/team/openmetadata/db"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action=None, resource="*", **extra):
    s = {"Effect": "Allow", **extra}
    if action is not None:
        s["Action"] = action
    if resource is not None and "NotResource" not in extra:
        s["Resource"] = resource
    return s


def deny(action, resource="*", **extra):
    return {**allow(action, resource, **extra), "Effect": "Deny"}


@pytest.mark.parametrize("document, arn, expected", [
    (doc(allow("secretsmanager:GetSecretValue", SM)), SM, {R}),
    (doc(allow("secretsmanager:GetSecretValue", SM)), OTHER, set()),
    (doc(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:/team/*")), SM, {R}),
    (doc(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:*:*:secret:/team/*")), OTHER, set()),
    (doc(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-?:*:secret:/team/*")), SM, {R}),
    (doc(allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-west-??:*:secret:/team/*")), SM, set()),
    (doc(allow("secretsmanager:getsecretvalue", SM)), SM, {R}),  # actions ignore case
    (doc(allow("secretsmanager:GetSecretValue", SM.upper())), SM, set()),  # resources do not
    (doc(allow("secretsmanager:Get*", SM)), SM, {R}),
    (doc(allow("secretsmanager:Describe*", SM)), SM, set()),  # metadata only
    (doc(allow("secretsmanager:ListSecrets")), SM, set()),
    (doc(allow("secretsmanager:*", SM)), SM, {R, W, D}),
    (doc(allow("*", SM)), SM, {R, W, D}),
    (doc(allow("ssm:*", SM)), SM, set()),  # another service's actions
    (doc(allow("secretsmanager:TagResource", SM)), SM, {W}),
    (doc(allow("secretsmanager:PutSecretValue", SM)), SM, {W}),
    (doc(allow("secretsmanager:DeleteSecret", SM)), SM, {D}),
    (doc(allow("secretsmanager:FutureWriteThing", SM)), SM, {W}),  # unknown operation: by its verb
    (doc(allow("secretsmanager:DeleteFutureThing", SM)), SM, {D}),
    # Deny wins, operation by operation
    (doc(allow("secretsmanager:*", SM), deny("secretsmanager:GetSecretValue", SM)), SM, {W, D}),
    (doc(allow("secretsmanager:*", SM), deny("secretsmanager:*", "*")), SM, set()),
    (doc(allow("secretsmanager:*", SM), deny("secretsmanager:*", OTHER)), SM, {R, W, D}),
    (doc(allow("ssm:*", PARAM), deny("ssm:GetParameter", PARAM)), PARAM, {R, W, D}),  # GetParameters remains
    (doc(allow("ssm:*", PARAM), deny("ssm:GetParameter*", PARAM)), PARAM, {W, D}),
    # NotAction / NotResource
    (doc(allow(NotAction="secretsmanager:Delete*", resource=SM)), SM, {R, W, D}),  # RemoveRegionsFromReplication
    (doc(allow(NotAction=["secretsmanager:Delete*", "secretsmanager:Remove*"], resource=SM)), SM, {R, W}),
    (doc(allow(NotAction=["secretsmanager:*"], resource=SM)), SM, set()),
    (doc(allow(NotAction="iam:*", resource=SM)), SM, {R, W, D}),
    (doc(allow("secretsmanager:GetSecretValue", None, NotResource=OTHER)), SM, {R}),
    (doc(allow("secretsmanager:GetSecretValue", None, NotResource="arn:aws:secretsmanager:*:*:secret:/team/*")), SM, set()),
    (doc(allow("secretsmanager:*", SM), deny(None, SM, NotAction="secretsmanager:GetSecretValue")), SM, {R}),
    (doc(allow("secretsmanager:*", SM), deny("secretsmanager:*", None, NotResource=SM)), SM, {R, W, D}),
    # Conditions: an Allow may apply, a conditional Deny may not
    (doc(allow("kms:Decrypt", KEY, Condition={"StringEquals": {"kms:ViaService": "x"}})), KEY, {R}),
    (doc(allow("secretsmanager:*", SM), deny("secretsmanager:*", SM, Condition={"Bool": {"aws:SecureTransport": "false"}})),
     SM, {R, W, D}),
    # KMS
    (doc(allow(["kms:Decrypt"], KEY)), KEY, {R}),
    (doc(allow(["kms:Encrypt", "kms:GenerateDataKey"], KEY)), KEY, {W}),
    (doc(allow("kms:ScheduleKeyDeletion", KEY)), KEY, {D}),
    # malformed
    (doc(), SM, set()),
    (doc(allow("secretsmanager:GetSecretValue", None)), SM, set()),  # no Resource at all
    ({"Statement": allow("secretsmanager:GetSecretValue", SM)}, SM, {R}),  # one statement, not a list
])
def test_iam_access_hand_written(document, arn, expected):
    assert core.iam_access(document, [arn]) == {arn: frozenset(expected)}


def test_iam_access_unions_several_documents_and_conditional_flag():
    grant = doc(allow("kms:Decrypt", KEY, Condition={"StringEquals": {"kms:ViaService": "x"}}))
    assert core.iam_access([grant, doc(allow("kms:Encrypt", KEY))], [KEY]) == {KEY: {R, W}}
    assert core.iam_access([grant, doc(deny("kms:*", KEY))], [KEY]) == {KEY: set()}
    assert core.iam_access(grant, [KEY], conditional=False) == {KEY: set()}


@pytest.mark.parametrize("action, expected", [
    ("secretsmanager:GetSecretValue", {R}), ("secretsmanager:Get*", {R}), ("kms:Decrypt", {R}),
    ("secretsmanager:DescribeSecret", set()), ("ssm:DescribeParameters", set()), ("s3:GetObject", set()),
    ("secretsmanager:*", {R, W, D}), ("*", {R, W, D}), ("s3:*", {W}), ("sts:AssumeRole", {W}),
    ("secretsmanager:TagResource", {W}), ("ssm:DeleteParameter", {D}), ("kms:ReEncrypt*", {R, W}),
    ("nonsense", {W}),
])
def test_action_access(action, expected):
    assert core.action_access(action) == frozenset(expected)
    assert core.is_read_only_action(action) is not (expected & {W, D})


# An oracle written differently: evaluate IAM request by request with fnmatch.
import fnmatch  # noqa: E402

SERVICE_OPS = [op for op in core.IAM_OPERATIONS if op.startswith("secretsmanager:")]
ACTION_PATTERNS = SERVICE_OPS + ["secretsmanager:*", "*", "secretsmanager:Get*", "secretsmanager:*Secret",
                                 "secretsmanager:Delete?ecret", "ssm:*", "SecretsManager:PUT*"]
RESOURCES = [SM, OTHER, "*", "arn:aws:secretsmanager:*:*:secret:/team/*", "arn:aws:secretsmanager:eu-west-1:*:secret:/*",
             "arn:aws:secretsmanager:eu-west-?:*:secret:/other/*"]


def _oracle(statements, arn):
    def hit(s, op):
        if "Action" in s:
            a = any(fnmatch.fnmatchcase(op.lower(), p.lower()) for p in core._as_list(s["Action"]))
        else:
            a = not any(fnmatch.fnmatchcase(op.lower(), p.lower()) for p in core._as_list(s["NotAction"]))
        if "Resource" in s:
            r = any(fnmatch.fnmatchcase(arn, p) for p in core._as_list(s["Resource"]))
        else:
            r = not any(fnmatch.fnmatchcase(arn, p) for p in core._as_list(s["NotResource"]))
        return a and r

    kinds = set()
    for op in SERVICE_OPS:
        allowed = any(s["Effect"] == "Allow" and hit(s, op) for s in statements)
        denied = any(s["Effect"] == "Deny" and hit(s, op) for s in statements)
        if allowed and not denied and core.IAM_OPERATIONS[op]:
            kinds.add(core.IAM_OPERATIONS[op])
    return frozenset(kinds)


statement_strategy = st.builds(
    lambda effect, not_action, actions, not_resource, resources: {
        "Effect": effect,
        ("NotAction" if not_action else "Action"): actions,
        ("NotResource" if not_resource else "Resource"): resources,
    },
    st.sampled_from(["Allow", "Deny"]), st.booleans(),
    st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3), st.booleans(),
    st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2),
)


@given(statements=st.lists(statement_strategy, max_size=4), arn=st.sampled_from([SM, OTHER]))
def test_iam_access_matches_a_request_by_request_oracle(statements, arn):
    assert core.iam_access(doc(*statements), [arn])[arn] == _oracle(statements, arn)


# ---------------------------------------------------------------- RBAC


def rule(verbs, resources=("secrets",), groups=("",), names=None):
    r = {"apiGroups": list(groups), "resources": list(resources), "verbs": list(verbs)}
    if names is not None:
        r["resourceNames"] = list(names)
    return r


@pytest.mark.parametrize("rules, expected", [
    ([rule(["get"])], {R}),
    ([rule(["list", "watch"])], {R}),
    ([rule(["create", "get", "update", "delete"])], {R, W, D}),
    ([rule(["patch"])], {W}),
    ([rule(["deletecollection"])], {D}),
    ([rule(["*"])], {R, W, D}),
    ([rule(["get"], resources=["*"])], {R}),
    ([rule(["get"], groups=["*"])], {R}),
    ([rule(["get"], groups=["apps"])], set()),
    ([rule(["get"], resources=["configmaps"])], set()),
    ([rule(["get"], names=["s"])], {R}),
    ([rule(["get"], names=["other"])], set()),
    ([rule(["create", "deletecollection"], names=["s"])], set()),  # resourceNames cannot restrict these
    ([rule(["*"], names=["s"])], {R, W, D}),
    ([rule(["bind", "escalate"])], set()),
    ([rule(["get"]), rule(["delete"], names=["other"])], {R}),
    ([], set()),
])
def test_rbac_access_hand_written(rules, expected):
    assert core.rbac_access(rules, ["s"]) == {"s": frozenset(expected)}


@pytest.mark.parametrize("rules, group, resource, name, expected", [
    ([rule(["get", "list"], resources=["pods"])], "", "pods", None, {"get", "list"}),
    ([rule(["get"], resources=["pods"])], "", "pods/log", None, set()),  # a subresource is its own resource
    ([rule(["get"], resources=["pods/log"])], "", "pods/log", None, {"get"}),
    ([rule(["get"], resources=["pods/*"])], "", "pods/log", None, {"get"}),
    ([rule(["get"], resources=["*/log"])], "", "pods/log", None, {"get"}),
    ([rule(["get"], resources=["*/log"])], "", "pods", None, set()),
    ([rule(["get"], resources=["*"])], "", "pods/log", None, {"get"}),
    ([rule(["create"], resources=["jobs"], groups=["batch"])], "batch", "jobs", None, {"create"}),
    ([rule(["create"], resources=["jobs"], groups=["batch"])], "", "jobs", None, set()),
    ([rule(["*"], resources=["omjobs"], groups=["*"])], "pipelines.openmetadata.org", "omjobs", None, set(core.K8S_ALL_VERBS)),
    ([rule(["get", "create", "list"], resources=["configmaps"], names=["om-config-a"])], "", "configmaps", "om-config-a",
     {"get", "list"}),  # resourceNames: never create
    ([rule(["get"], resources=["configmaps"], names=["om-config-a"])], "", "configmaps", "om-config-b", set()),
    ([rule(["get"], resources=["configmaps"], names=["om-config-a"])], "", "configmaps", None, {"get"}),
    ([rule(["get"], resources=["configmaps"]), rule(["list"], resources=["configmaps"])], "", "configmaps", None,
     {"get", "list"}),
    (["not a rule", rule(["get"], resources=["configmaps"])], "", "configmaps", None, {"get"}),
])
def test_rbac_verbs_on_any_resource(rules, group, resource, name, expected):
    assert core.rbac_verbs(rules, group, resource, name) == frozenset(expected)


def test_rule_access_is_rbac_verbs_on_secrets():
    for verbs in (["get"], ["list", "watch"], ["*"], ["create", "deletecollection"], ["patch", "bind"]):
        r = rule(verbs)
        verbs = core.rbac_verbs([r], "", "secrets", "s")
        assert core.rule_access(r, "s") == {core.K8S_VERBS[v] for v in verbs if v in core.K8S_VERBS}


def test_apps_per_ingestion_runtime():
    assert core.apps_for(core.AIRFLOW_RUNTIME) == (core.SERVER_APP, core.AIRFLOW_APP)
    assert core.apps_for(core.KUBERNETES_RUNTIME) == (core.SERVER_APP,)
    with pytest.raises(ValueError, match="unknown ingestion runtime 'argo'"):
        core.apps_for("argo")


VERBS = sorted(core.K8S_VERBS) + ["*", "bind"]


@given(st.lists(st.builds(rule, st.lists(st.sampled_from(VERBS), max_size=4),
                          st.lists(st.sampled_from(["secrets", "*", "pods"]), min_size=1, max_size=2),
                          st.lists(st.sampled_from(["", "*", "apps"]), min_size=1, max_size=2),
                          st.one_of(st.none(), st.lists(st.sampled_from(["s", "t"]), min_size=1, max_size=2))),
                max_size=3))
def test_rbac_access_matches_a_verb_by_verb_oracle(rules):
    kinds = set()
    for r in rules:
        if not ({"", "*"} & set(r["apiGroups"]) and {"secrets", "*"} & set(r["resources"])):
            continue
        if r.get("resourceNames") and "s" not in r["resourceNames"]:
            continue
        for verb in core.K8S_VERBS:
            named_only = r.get("resourceNames") and verb in ("create", "deletecollection")
            if (verb in r["verbs"] or "*" in r["verbs"]) and not named_only:
                kinds.add(core.K8S_VERBS[verb])
    assert core.rbac_access(rules, ["s"])["s"] == frozenset(kinds)


@pytest.mark.parametrize(
    "identity, provider, expected",
    [
        ("server", "managed-aws", {R, W, D}),
        ("server", "kubernetes", {R, W, D}),
        ("server", "aws", set()),  # DBSecretsManager: the server never calls a non-managed store
        ("server", "aws-ssm", set()),
        ("server", "azure-kv", set()),
        ("server", "managed-azure-kv", {R, W, D}),
        ("server", "gcp", {R, W, D}),
        ("ingestion", "managed-aws", {R}),
        ("ingestion", "kubernetes", {R}),
    ],
)
def test_required_access(identity, provider, expected):
    assert core.required_access(identity, provider) == frozenset(expected)


# ---------------------------------------------------------------- component API


def test_wire_names_are_camel_case():
    assert core.wire_name("server_policy_arn") == "serverPolicyArn"
    assert core.wire_name("value") == "value"
    assert core.wire_outputs({"key_arn": "a", "key_id": None}) == {"keyArn": "a"}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod", "local"])
def test_every_component_registers_camel_case_outputs_and_one_kind_of_type_token(stack):
    from tests.test_render import planted_preview

    result = planted_preview(stack)
    components = [r for r in result.resources if not r.custom and r.type.startswith(core.PACKAGE + ":")]
    tokens = {v for k, v in vars(core).items() if k.endswith("_TYPE") and isinstance(v, str)}
    assert components
    for component in components:
        assert component.type in tokens, component.type
        keys = set(component.outputs)
        assert keys, component.urn
        assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*", k) for k in keys), (component.type, sorted(keys))


def test_gcp_permissions_expand_wildcards_to_known_secret_manager_permissions():
    assert core.gcp_permissions(["secretmanager.versions.*", "storage.objects.get"]) == {
        "secretmanager.versions.access", "secretmanager.versions.add", "secretmanager.versions.enable",
        "secretmanager.versions.disable", "secretmanager.versions.destroy", "secretmanager.versions.get",
        "secretmanager.versions.list"}
    assert core.gcp_permissions("*") == set(core.GCP_SECRET_PERMISSIONS)
    assert core.gcp_permissions([None, 3]) == frozenset()
    assert set(core.GCP_PROJECT_PERMISSIONS) <= set(core.GCP_SECRET_PERMISSIONS)
    assert core.gcp_access(["secretmanager.secrets.create", "secretmanager.secrets.list"]) == {core.WRITE}


@pytest.mark.parametrize("name, guid", [("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"),
                                        ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c"),
                                        ("User Access Administrator", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9")])
def test_azure_builtin_role_ids(name, guid):
    """Built-in role GUIDs are the same in every tenant (learn.microsoft.com built-in roles)."""
    assert core.AZURE_BUILTIN_ROLES[guid][0] == name
    assert core.azure_role_access(f"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{guid}") == {
        core.READ, core.WRITE, core.DELETE}
