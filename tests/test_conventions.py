"""OpenMetadata's secret ids and tags (components/conventions.py), checked against OM's own code.

Expected ids come from OpenMetadata's Java (repository open-metadata/OpenMetadata); the file each
table was derived from is cited above it. ``S/`` below means
``openmetadata-service/src/main/java/org/openmetadata/service/secrets/`` and ``T/`` the matching
``openmetadata-service/src/test/java/org/openmetadata/service/secrets/``.

How OM builds an id (``S/SecretsManager.java`` ``buildSecretId``): a root id
``buildSecretId(true, serviceType, serviceName)`` = [sep] prefix + [sep] clusterName + sep + clean(part)...,
lower-cased; every nested object / password field adds one step
``buildSecretId(false, id, fieldName.toLowerCase(Locale.ROOT))``, which cleans *every* value
(the id built so far included) and joins them with sep. ``S/KubernetesSecretsManager.java`` overrides
the id config (sep '-', no starting sep, ``[^A-Za-z0-9\\-]`` -> '-') and runs ``sanitizeForK8s`` after
each step; ``S/AzureKVSecretsManager.java`` ('-', removes ``[^A-Za-z0-9\\-]``) and
``S/GCPSecretsManager.java`` ('_', removes ``[^A-Za-z0-9_]``) override the config too;
``S/AWSSecretsManager.java`` and ``S/AWSSSMSecretsManager.java`` keep the default
('/', starting sep, ``[^A-Za-z0-9/_\\-]`` -> '_').
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from omsecrets.components import conventions as cv
from omsecrets.components.conventions import (
    ConventionError,
    find_collisions,
    format_tags,
    id_problems,
    name_problems,
    om_tags,
    parse_reference,
    parse_tags,
    rules_for,
    sanitize_k8s,
    secret_id,
    secret_reference,
    tag_problems,
)

AWS_PROVIDERS = ("aws", "managed-aws", "aws-ssm", "managed-aws-ssm")
SM_PROVIDERS = ("aws", "managed-aws")
SSM_PROVIDERS = ("aws-ssm", "managed-aws-ssm")
AZURE_PROVIDERS = ("azure-kv", "managed-azure-kv")
ALL_PROVIDERS = (*AWS_PROVIDERS, "kubernetes", *AZURE_PROVIDERS, "gcp")
TRUNCATING = (*AWS_PROVIDERS, *AZURE_PROVIDERS)  # getTags keeps split(":")[1] only

DNS_1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


def _family_of(provider: str) -> str:
    return {"aws-sm": "aws", "aws-ssm": "aws"}.get(rules_for(provider).family, rules_for(provider).family)


# ====================================================================== OM's own expectations

# openmetadata-service/src/test/java/org/openmetadata/service/secrets/SecretsManagerLifecycleTest.java:
# the in-memory manager with SecretsConfig("openmetadata",
# "prefix", ...) and the default SecretsIdConfig, which AWSSecretsManager and AWSSSMSecretsManager
# also use (neither overrides builSecretsIdConfig). Values copied from its assertions.
OM_LIFECYCLE_TEST_IDS = [
    (("database", "test", "authType", "password"), "/prefix/openmetadata/database/test/authtype/password"),
    (
        ("workflow", "test-connection", "request", "connection", "config", "authType", "password"),
        "/prefix/openmetadata/workflow/test-connection/request/connection/config/authtype/password",
    ),
    # test_buildSecretId: buildSecretId(true, "Database", "test_name") and (true, "Database", "test name")
    (("Database", "test_name"), "/prefix/openmetadata/database/test_name"),
    (("Database", "test name"), "/prefix/openmetadata/database/test_name"),
]


@pytest.mark.parametrize("provider", AWS_PROVIDERS)
@pytest.mark.parametrize("parts, expected", OM_LIFECYCLE_TEST_IDS, ids=[e for _, e in OM_LIFECYCLE_TEST_IDS])
def test_om_lifecycle_test_ids(provider, parts, expected):
    assert secret_id(provider, parts, prefix="prefix", cluster_name="openmetadata") == expected


# openmetadata-service/src/test/java/org/openmetadata/service/secrets/ExternalSecretsManagerTest.java
# (run by AWSSecretsManagerTest and AWSSSMSecretsManagerTest,
# cluster "openmetadata", no prefix): the "secret:<id>" values its encrypt tests expect.
# serverconnection ids are roots of ONE part: buildSecretId(true, "serverconnection").
OM_EXTERNAL_TEST_IDS = [
    (("database", "test", "password"), 2, "/openmetadata/database/test/password"),
    (("bot", "bot", "config", "authConfig", "privateKey"), 2, "/openmetadata/bot/bot/config/authconfig/privatekey"),
    (
        ("pipeline", "my-pipeline", "sourceConfig", "config", "dbtConfigSource", "dbtSecurityConfig", "awsSecretAccessKey"),
        2,
        "/openmetadata/pipeline/my-pipeline/sourceconfig/config/dbtconfigsource/dbtsecurityconfig/awssecretaccesskey",
    ),
    (
        ("workflow", "my-workflow", "request", "connection", "config", "password"),
        2,
        "/openmetadata/workflow/my-workflow/request/connection/config/password",
    ),
    (("serverconnection", "securityConfig", "secretKey"), 1, "/openmetadata/serverconnection/securityconfig/secretkey"),
    (
        ("serverconnection", "secretsManagerCredentials", "awsSecretAccessKey"),
        1,
        "/openmetadata/serverconnection/secretsmanagercredentials/awssecretaccesskey",
    ),
]


@pytest.mark.parametrize("provider", AWS_PROVIDERS)
@pytest.mark.parametrize("parts, root_parts, expected", OM_EXTERNAL_TEST_IDS, ids=[e for *_, e in OM_EXTERNAL_TEST_IDS])
def test_om_external_secrets_manager_test_ids(provider, parts, root_parts, expected):
    assert secret_id(provider, parts, root_parts=root_parts) == expected
    assert secret_reference(provider, parts, root_parts=root_parts) == "secret:" + expected


# openmetadata-service/src/test/java/org/openmetadata/service/secrets/KubernetesSecretsManagerTest.java
# (cluster "openmetadata", prefix ""):
# testBuildSecretIdWithProblematicComponents asserts buildSecretId(true, ...) directly; the
# storeValue tests feed a root id plus a field name and expect the created Secret's name
# (testStoreSecret, testBuildSecretIdProducesK8sCompatibleNames, ...HandlesSpecialCharacters,
# ...SanitizesLeading/Trailing/ConsecutiveSpecialChars). The root ids they pass are what
# buildSecretId(true, type, name) gives for the parts listed here.
OM_K8S_TEST_IDS = [
    (("bot", "_mybot"), "openmetadata-bot-mybot"),
    (("service", "mydb_"), "openmetadata-service-mydb"),
    (("service", "my__db"), "openmetadata-service-my-db"),
    (("database", "myservice", "password"), "openmetadata-database-myservice-password"),
    (("bot", "mybot", "config"), "openmetadata-bot-mybot-config"),
    (("database", "mydb", "password"), "openmetadata-database-mydb-password"),
    (("service", "my_service", "password"), "openmetadata-service-my-service-password"),
    (("bot", "_mybot", "config"), "openmetadata-bot-mybot-config"),
    (("database", "myservice_", "password"), "openmetadata-database-myservice-password"),
    (("service", "my__service", "password"), "openmetadata-service-my-service-password"),
    # openmetadata-service/src/main/java/org/openmetadata/service/secrets/KubernetesSecretsManager.java,
    # builSecretsIdConfig comment: "openmetadata-bot-name-config-jwttoken"
    (("bot", "name", "config", "JWTToken"), "openmetadata-bot-name-config-jwttoken"),
]


@pytest.mark.parametrize("parts, expected", OM_K8S_TEST_IDS, ids=[f"{'/'.join(p)}" for p, _ in OM_K8S_TEST_IDS])
def test_om_kubernetes_test_ids(parts, expected):
    assert secret_id("kubernetes", parts) == expected


# openmetadata-service/src/test/java/org/openmetadata/service/secrets/KubernetesSecretsManagerTest.java
#   testSanitizeForK8s*, for the static sanitizeForK8s of
#   openmetadata-service/src/main/java/org/openmetadata/service/secrets/KubernetesSecretsManager.java
@pytest.mark.parametrize(
    "name, expected",
    [
        ("a--b", "a-b"),
        ("a---b---c", "a-b-c"),
        ("-abc", "abc"),
        ("abc-", "abc"),
        ("--abc--", "abc"),
        ("a" * 300, "a" * 253),
        ("a" * 252 + "-b", "a" * 252),  # cut at 253 leaves a trailing '-', stripped again
    ],
    ids=["collapse", "collapse-many", "leading", "trailing", "both", "truncate", "truncate-then-strip"],
)
def test_sanitize_k8s_matches_om(name, expected):
    assert sanitize_k8s(name) == expected


@pytest.mark.parametrize("name", ["---", "-", ""])
def test_sanitize_k8s_refuses_an_empty_result(name):
    # OM throws SecretsManagerException("Cannot create K8s secret with empty name after sanitization")
    with pytest.raises(ConventionError, match="empty"):
        sanitize_k8s(name)


# ====================================================================== every provider


def _row(case_id, parts, prefix, cluster, *, aws, kubernetes, azure, gcp):
    """A PROVIDER_TABLE row: ``secret_id(provider, parts, prefix=prefix, cluster_name=cluster)`` per provider family."""
    return pytest.param(parts, prefix, cluster, {"aws": aws, "kubernetes": kubernetes, "azure": azure, "gcp": gcp},
                        id=case_id)


# Derived by hand from openmetadata-service/src/main/java/org/openmetadata/service/secrets/SecretsManager.java
# (buildSecretId) with each provider's SecretsIdConfig, from:
#   openmetadata-service/src/main/java/org/openmetadata/service/secrets/AWSSecretsManager.java and
#   openmetadata-service/src/main/java/org/openmetadata/service/secrets/AWSSSMSecretsManager.java (default config),
#   openmetadata-service/src/main/java/org/openmetadata/service/secrets/KubernetesSecretsManager.java,
#   openmetadata-service/src/main/java/org/openmetadata/service/secrets/AzureKVSecretsManager.java,
#   openmetadata-service/src/main/java/org/openmetadata/service/secrets/GCPSecretsManager.java.
# Rows: case id, parts, prefix, clusterName, then the expected id on each provider family.
PROVIDER_TABLE = [
    _row("no-prefix", ("database", "mysql-test", "password"), "", "openmetadata",
         aws="/openmetadata/database/mysql-test/password",
         kubernetes="openmetadata-database-mysql-test-password",
         azure="openmetadata-database-mysql-test-password",
         gcp="openmetadata_database_mysqltest_password"),  # '-' is not kept on GCP
    _row("prefix-and-cluster-glued", ("database", "mysql-test", "password"), "team", "prod",
         # starting separator: prefix and cluster become two levels
         aws="/team/prod/database/mysql-test/password",
         # no starting separator: prefix and clusterName are GLUED (the docs' team-prod-... is wrong)
         kubernetes="teamprod-database-mysql-test-password",
         azure="teamprod-database-mysql-test-password",
         gcp="teamprod_database_mysqltest_password"),
    _row("space-and-upper-case", ("database", "My Service", "password"), "", "openmetadata",
         aws="/openmetadata/database/my_service/password",
         kubernetes="openmetadata-database-my-service-password",
         azure="openmetadata-database-myservice-password",
         gcp="openmetadata_database_myservice_password"),
    _row("dots", ("database", "mysql.prod.eu", "password"), "", "openmetadata",
         aws="/openmetadata/database/mysql_prod_eu/password",
         kubernetes="openmetadata-database-mysql-prod-eu-password",
         azure="openmetadata-database-mysqlprodeu-password",
         gcp="openmetadata_database_mysqlprodeu_password"),
    _row("non-ascii", ("database", "Bäckerei DB", "password"), "", "openmetadata",
         aws="/openmetadata/database/b_ckerei_db/password",
         kubernetes="openmetadata-database-b-ckerei-db-password",
         azure="openmetadata-database-bckereidb-password",
         gcp="openmetadata_database_bckereidb_password"),
    _row("underscore", ("database", "my_db", "password"), "", "openmetadata",
         aws="/openmetadata/database/my_db/password",
         kubernetes="openmetadata-database-my-db-password",
         azure="openmetadata-database-mydb-password",
         gcp="openmetadata_database_my_db_password"),
    _row("nested-field", ("database", "test", "authType", "password"), "", "openmetadata",
         aws="/openmetadata/database/test/authtype/password",
         kubernetes="openmetadata-database-test-authtype-password",
         azure="openmetadata-database-test-authtype-password",
         gcp="openmetadata_database_test_authtype_password"),
    _row("bot-jwt", ("bot", "ingestion-bot", "config", "JWTToken"), "", "openmetadata",
         aws="/openmetadata/bot/ingestion-bot/config/jwttoken",
         kubernetes="openmetadata-bot-ingestion-bot-config-jwttoken",
         azure="openmetadata-bot-ingestion-bot-config-jwttoken",
         gcp="openmetadata_bot_ingestionbot_config_jwttoken"),
    _row("prefix-cleaning-nesting", ("database", "Sales DWH", "authType", "password"), "acme", "om1",
         aws="/acme/om1/database/sales_dwh/authtype/password",
         kubernetes="acmeom1-database-sales-dwh-authtype-password",
         azure="acmeom1-database-salesdwh-authtype-password",
         gcp="acmeom1_database_salesdwh_authtype_password"),
]


@pytest.mark.parametrize("provider", ALL_PROVIDERS)
@pytest.mark.parametrize("parts, prefix, cluster, expected", PROVIDER_TABLE)
def test_secret_id_per_provider(provider, parts, prefix, cluster, expected):
    assert secret_id(provider, parts, prefix=prefix, cluster_name=cluster) == expected[_family_of(provider)]


@pytest.mark.parametrize(
    "provider, parts, expected",
    [
        # the brief's nesting examples, built step by step
        ("aws", ["database", "test", "authType", "password"], "/openmetadata/database/test/authtype/password"),
        ("kubernetes", ["bot", "ingestion-bot", "config", "jwtToken"], "openmetadata-bot-ingestion-bot-config-jwttoken"),
        # a nested field name with '_' is cleaned on Kubernetes (getter names are plain, but still)
        ("kubernetes", ["database", "test", "auth_Type", "pass__word"], "openmetadata-database-test-auth-type-pass-word"),
        # the fields of a nested object may clean to nothing on Azure: the empty level stays
        ("azure-kv", ["database", "x", "@@", "password"], "openmetadata-database-x--password"),
        # on Kubernetes the same empty step is collapsed away by sanitizeForK8s
        ("kubernetes", ["database", "x", "@@", "password"], "openmetadata-database-x-password"),
        # OM keeps '/' in AWS ids ("we use / to create the FQN"): a '/' in a name adds a level
        ("aws", ["database", "eu/mysql", "password"], "/openmetadata/database/eu/mysql/password"),
    ],
)
def test_nested_ids_step_by_step(provider, parts, expected):
    assert secret_id(provider, parts) == expected


def test_upper_case_cluster_on_aws_is_lower_cased_like_om():
    # buildSecretId lower-cases the whole root id, and nested steps clean (keep) then lower-case.
    assert secret_id("aws", ["database", "x", "password"], cluster_name="OpenMetadata") == "/openmetadata/database/x/password"
    assert secret_id("aws", ["database", "x", "password"], prefix="Team/Data") == "/team/data/openmetadata/database/x/password"


def test_root_parts_one_and_two_agree_for_plain_names():
    parts = ["serverconnection", "securityConfig", "secretKey"]
    for provider in ALL_PROVIDERS:
        assert secret_id(provider, parts, root_parts=1) == secret_id(provider, parts, root_parts=2)


@pytest.mark.parametrize("provider", ["db", "vault", "in-memory", ""])
def test_secret_id_refuses_db_and_unknown_providers(provider):
    with pytest.raises(ConventionError) as err:
        secret_id(provider, ["database", "x", "password"])
    if provider == "db":
        assert "no secret ids" in str(err.value)
    else:
        assert "unknown secrets manager provider" in str(err.value)
    with pytest.raises(ConventionError):
        secret_reference(provider, ["database", "x", "password"])


def test_secret_id_needs_parts():
    with pytest.raises(ConventionError, match="at least one part"):
        secret_id("aws", [])


# ---------------------------------------------------------------- references


@pytest.mark.parametrize(
    "provider, parts, expected",
    [
        ("aws", ["database", "mysql-test", "password"], "secret:/openmetadata/database/mysql-test/password"),
        ("aws-ssm", ["database", "test", "authType", "password"], "secret:/openmetadata/database/test/authtype/password"),
        ("kubernetes", ["bot", "ingestion-bot", "config", "jwtToken"], "secret:openmetadata-bot-ingestion-bot-config-jwttoken"),
        ("azure-kv", ["database", "mysql-test", "password"], "secret:openmetadata-database-mysql-test-password"),
        ("gcp", ["database", "mysql_test", "password"], "secret:openmetadata_database_mysql_test_password"),
    ],
)
def test_secret_reference_and_parse_reference(provider, parts, expected):
    ref = secret_reference(provider, parts)
    assert ref == expected
    # openmetadata-service/src/main/java/org/openmetadata/service/secrets/SecretsManager.java getSecretValue:
    # secretWithPrefix.split("secret:", 2)[1]
    assert parse_reference(ref) == expected.split("secret:", 1)[1] == secret_id(provider, parts)


def test_parse_reference_keeps_everything_after_the_first_prefix():
    assert parse_reference("secret:secret:x") == "secret:x"


@pytest.mark.parametrize("value", ["", "secret:", "/openmetadata/db/x", "Secret:/x", " secret:/x", "fernet:abc"])
def test_parse_reference_refuses_non_references(value):
    with pytest.raises(ConventionError, match="not an OpenMetadata secret reference"):
        parse_reference(value)


# ====================================================================== tags

# openmetadata-service/src/test/java/org/openmetadata/service/secrets/SecretsManagerLifecycleTest.java test_getTags,
# openmetadata-service/src/main/java/org/openmetadata/service/secrets/SecretsManager.java getTags
def test_om_get_tags_expectations():
    assert parse_tags(["key1:value1", "key2:value2"]) == {"key1": "value1", "key2": "value2"}
    assert om_tags("aws", {"key1": "value1", "key2": "value2"}) == {"key1": "value1", "key2": "value2"}
    # OM skips "random" silently; om-secrets refuses it instead of losing a tag
    with pytest.raises(ConventionError, match="'random' has no ':'"):
        parse_tags(["random", "key:value", "random"])


@pytest.mark.parametrize(
    "provider, tags, expected",
    [
        ("aws", {"team": "a:b"}, {"team": "a"}),  # keyValue.split(":")[1]
        ("aws-ssm", {"url": "http://x"}, {"url": "http"}),
        ("azure-kv", {"team": ":x"}, {"team": ""}),
        ("aws", {"team": ""}, {}),  # "team:".split(":") has no [1]: OM logs and skips it
        ("kubernetes", {"team": "a:b"}, {"team": "a:b"}),  # tag.split(":", 2)
        ("kubernetes", {"team": ""}, {"team": ""}),
    ],
)
def test_om_tags_mirrors_get_tags(provider, tags, expected):
    assert om_tags(provider, tags) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("[team:data,env:prod]", {"team": "data", "env": "prod"}),
        ("team:data, env:prod", {"team": "data", "env": "prod"}),
        ("[]", {}),
        ("", {}),
        (None, {}),
        ([], {}),
        (["team:data", " env:prod "], {"team": "data", "env": "prod"}),
        ({"team": "data", "n": None}, {"team": "data", "n": ""}),
        ("[url:http://x]", {"url": "http://x"}),  # kept whole here; tag_problems flags it for AWS
    ],
)
def test_parse_tags_forms(value, expected):
    assert parse_tags(value) == expected


@pytest.mark.parametrize(
    "value, match",
    [
        ("[team]", "has no ':'"),
        ("[team:a,]", "has no ':'"),
        (["team:a", "team:b"], "given twice"),
        (5, "expected an object"),
        (True, "expected an object"),
    ],
)
def test_parse_tags_refuses(value, match):
    with pytest.raises(ConventionError, match=match):
        parse_tags(value)


def test_format_tags_is_the_env_form_sorted():
    assert format_tags({"team": "data", "env": "prod"}) == "[env:prod,team:data]"
    assert format_tags({}) == "[]"


@pytest.mark.parametrize(
    "tags",
    [{"a,b": "x"}, {"a": "x,y"}, {"a:b": "x"}, {"a": "[x]"}, {"a": "x #y"}, {"a": "b: c"}],
    ids=["comma-key", "comma-value", "colon-key", "bracket", "yaml-comment", "yaml-mapping"],
)
def test_format_tags_refuses_what_om_cannot_parse(tags):
    with pytest.raises(ConventionError):
        format_tags(tags)


@pytest.mark.parametrize("provider", TRUNCATING)
def test_tag_value_with_colon_refused_where_om_truncates(provider):
    problems = tag_problems(provider, {"team": "data", "owner": "a:b"})
    assert len(problems) == 1, problems
    assert "tags.owner" in problems[0] and "'a:b'" in problems[0] and "':'" in problems[0]
    assert "'a'" in problems[0]  # what OM would store instead


def test_tag_value_with_colon_allowed_by_kubernetes_split_but_not_as_label():
    problems = tag_problems("kubernetes", {"owner": "a:b"})
    assert problems and all("contains ':'" not in p for p in problems)
    assert any("label value 'a:b'" in p for p in problems)


def test_tag_key_option_names_the_config_key():
    (problem,) = tag_problems("aws", {"team": "a:b"}, key="om-secrets:tags")
    assert problem.startswith("om-secrets:tags.team:")


# AWS tag rules: key 1-128, value 0-256, letters/digits/space and _ . : / = + - @, no "aws:" prefix
@pytest.mark.parametrize("provider", AWS_PROVIDERS)
@pytest.mark.parametrize(
    "key, value, fragment",
    [
        ("k" * 129, "v", "not a valid AWS tag key"),
        ("", "v", "not a valid AWS tag key"),
        ("bad#key", "v", "not a valid AWS tag key"),
        ("team", "bad#value", "not a valid AWS tag value"),
        ("team", "v" * 257, "not a valid AWS tag value"),
        ("aws:team", "v", "reserved 'aws:' prefix"),
        ("AWS:team", "v", "reserved 'aws:' prefix"),
        ("team", "", "value is empty"),
    ],
    ids=["key-129", "key-empty", "key-bad-char", "value-bad-char", "value-257", "aws-prefix", "AWS-prefix", "value-empty"],
)
def test_invalid_aws_tags(provider, key, value, fragment):
    problems = tag_problems(provider, {key: value})
    assert any(fragment in p for p in problems), problems
    assert all(f"tags.{key}" in p or p.startswith("tags:") for p in problems)


@pytest.mark.parametrize("provider", AWS_PROVIDERS)
@pytest.mark.parametrize(
    "key, value",
    [("k" * 128, "v" * 256), ("Cost Center", "data platform"), ("team", "data/eu=1+2@x.y"), ("équipe", "données")],
)
def test_valid_aws_tags(provider, key, value):
    assert tag_problems(provider, {key: value}) == []


# Kubernetes labels: [prefix/]name, name 1-63 alnum with -_. inside, prefix a DNS subdomain, value 0-63
@pytest.mark.parametrize(
    "key, value, fragment",
    [
        ("a" * 64, "v", "label key"),
        ("bad key", "v", "label key"),
        ("-team", "v", "label key"),
        ("team-", "v", "label key"),
        ("Example.com/team", "v", "not a DNS subdomain"),
        ("example_com/team", "v", "not a DNS subdomain"),
        ("example.com/", "v", "label key"),
        ("team", "has space", "label value"),
        ("team", "v" * 64, "label value"),
        ("team", "-v", "label value"),
        ("team", "a:b", "label value"),
    ],
    ids=[
        "name-64", "name-space", "name-leading-dash", "name-trailing-dash", "prefix-upper",
        "prefix-underscore", "empty-name", "value-space", "value-64", "value-leading-dash", "value-colon",
    ],
)
def test_invalid_k8s_labels(key, value, fragment):
    problems = tag_problems("kubernetes", {key: value})
    assert any(fragment in p for p in problems), problems


@pytest.mark.parametrize(
    "key, value",
    [
        ("example.com/team", "data"),
        ("app.kubernetes.io/part-of", "openmetadata"),
        ("a" * 63, "v" * 63),
        ("Team_Name.x", "Data_Platform.1"),
    ],
)
def test_valid_k8s_labels(key, value):
    assert tag_problems("kubernetes", {key: value}) == []


def test_empty_tag_value_is_refused_even_where_labels_allow_it():
    # An empty label value is valid Kubernetes, but SECRET_MANAGER_TAGS "[team:]" is YAML for
    # [{team: null}], not ["team:"]: OM would not read it back as a tag.
    problems = tag_problems("kubernetes", {"team": ""})
    assert problems and "YAML" in problems[0]


# ====================================================================== names and limits


# Any clusterName/prefix a running OM accepts yields OM's own field ids (derived from
# openmetadata-service/src/main/java/org/openmetadata/service/secrets/SecretsManager.java buildSecretId:
# glued raw into the root, cleaned again by every nesting step), not a refusal.
ACCEPTED_NAMES = [
    ("gcp", "", "om-prod", "omprod_database_mysql_password"),
    ("gcp", "team-a", "openmetadata", "teamaopenmetadata_database_mysql_password"),
    ("gcp", "", "OM.Prod", "omprod_database_mysql_password"),
    ("kubernetes", "", "OpenMetadata", "openmetadata-database-mysql-password"),
    ("kubernetes", "", "om_x", "om-x-database-mysql-password"),
    ("kubernetes", "", "om.prod", "om-prod-database-mysql-password"),
    ("kubernetes", "my_team", "openmetadata", "my-teamopenmetadata-database-mysql-password"),
    ("kubernetes", "Team", "_om_", "team-om-database-mysql-password"),
    ("aws", "", "om.prod", "/om_prod/database/mysql/password"),
    ("aws", "my.team", "openmetadata", "/my_team/openmetadata/database/mysql/password"),
    ("aws", "", "om prod", "/om_prod/database/mysql/password"),
    ("aws", "", "OM_Prod", "/om_prod/database/mysql/password"),
    ("aws", "/team", "openmetadata", "//team/openmetadata/database/mysql/password"),
    ("aws-ssm", "", "Om.Prod", "/om_prod/database/mysql/password"),
    ("managed-aws-ssm", "Team.A", "om", "/team_a/om/database/mysql/password"),
    ("azure-kv", "team_a", "openmetadata", "teamaopenmetadata-database-mysql-password"),
    ("managed-azure-kv", "", "om.prod", "omprod-database-mysql-password"),
    ("managed-azure-kv", "", "OM_Prod", "omprod-database-mysql-password"),
]


@pytest.mark.parametrize("provider, prefix, cluster, expected", ACCEPTED_NAMES)
def test_any_name_om_accepts_gives_oms_field_id(provider, prefix, cluster, expected):
    assert name_problems(provider, prefix=prefix, cluster_name=cluster) == []
    assert secret_id(provider, ["database", "mysql", "password"], prefix=prefix, cluster_name=cluster) == expected
    assert _java_field_id(provider, prefix, cluster, ["database", "mysql", "password"]) == expected
    assert expected.startswith(cv.id_prefix(provider, prefix, cluster))


@pytest.mark.parametrize(
    "provider, prefix, cluster, expected",
    [
        ("aws", "", "openmetadata", "/openmetadata/"),
        ("aws", "team", "om.prod", "/team/om_prod/"),
        ("aws-ssm", "Team/Data", "om", "/team/data/om/"),
        ("kubernetes", "team", "om.prod", "teamom-prod-"),
        ("kubernetes", "", "___", ""),
        ("azure-kv", "team", "om.prod", "teamomprod-"),
        ("gcp", "team", "om-prod", "teamomprod_"),
    ],
)
def test_id_prefix_is_how_field_ids_start(provider, prefix, cluster, expected):
    assert cv.id_prefix(provider, prefix, cluster) == expected


def test_root_only_ids_are_cleaned_like_field_ids():
    # OM stores nothing at a root id; om-secrets' own Fernet copies are root-only and get the
    # field form, so a cluster that cleaning changes still gives a valid name ...
    assert secret_id("gcp", ["fernet", "openmetadata"], cluster_name="om-prod") == "omprod_fernet_openmetadata"
    assert secret_id("kubernetes", ["fernet", "airflow"], cluster_name="om_x") == "om-x-fernet-airflow"
    assert secret_id("managed-azure-kv", ["fernet", "airflow"], cluster_name="om.prod") == "omprod-fernet-airflow"
    # ... and for names cleaning leaves alone it is exactly OM's root id (no existing id moves)
    for provider in ALL_PROVIDERS:
        root = _java_build_secret_id(provider, "team", "om1", True, "fernet", "openmetadata")
        assert secret_id(provider, ["fernet", "openmetadata"], prefix="team", cluster_name="om1") == root


@pytest.mark.parametrize(
    "provider, prefix, cluster, fragment",
    [
        ("kubernetes", "", "", "clusterName is empty"),
        ("aws", "", "", "clusterName is empty"),
        ("gcp", "", "", "clusterName is empty"),
        ("azure-kv", "team", "", "clusterName is empty"),
        ("aws-ssm", "/team", "openmetadata", "empty level"),
        ("aws-ssm", "team/", "openmetadata", "empty level"),
        ("managed-aws-ssm", "team//x", "openmetadata", "empty level"),
        ("aws-ssm", "", "aws-prod", "SSM parameter names may not begin with 'aws' or 'ssm'"),
        ("managed-aws-ssm", "", "SSMcluster", "SSM parameter names may not begin with 'aws' or 'ssm'"),
        ("aws-ssm", "awsteam", "openmetadata", "SSM parameter names may not begin"),
        ("aws-ssm", "ssm/team", "openmetadata", "SSM parameter names may not begin"),
        # buildSecretId appends prefix and clusterName to a String.format pattern
        ("gcp", "", "om%prod", "contains '%'"),
        ("kubernetes", "50%", "openmetadata", "contains '%'"),
    ],
)
def test_prefix_and_cluster_name_refused(provider, prefix, cluster, fragment):
    problems = name_problems(provider, prefix=prefix, cluster_name=cluster)
    assert any(fragment in p for p in problems), problems
    with pytest.raises(ConventionError, match=re.escape(fragment)):
        secret_id(provider, ["database", "x", "password"], prefix=prefix, cluster_name=cluster)


def test_a_name_that_cleans_to_aws_is_refused_on_ssm():
    # "AWS.x" is lower-cased and cleaned to "aws_x": SSM refuses names starting with aws
    assert name_problems("aws-ssm", prefix="", cluster_name="AWS.x")
    assert name_problems("aws", prefix="", cluster_name="AWS.x") == []


@pytest.mark.parametrize(
    "provider, cluster, length",
    [("managed-azure-kv", "a" * 100, 127), ("azure-kv", "a" * 100, 127), ("gcp", "a" * 230, 255)],
)
def test_a_long_cluster_name_is_refused_at_the_backend_limit(provider, cluster, length):
    with pytest.raises(ConventionError, match=f"at most {length}"):
        secret_id(provider, ["database", "mysql-service", "authType", "password"], cluster_name=cluster)


@pytest.mark.parametrize(
    "provider, prefix, cluster",
    [
        ("aws", "team/data", "openmetadata"),
        ("aws", "Team_1", "Open-Metadata"),
        ("aws-ssm", "team", "ssm-prod"),  # only the FIRST level may not start with aws/ssm
        ("aws-ssm", "team/aws", "openmetadata"),
        ("kubernetes", "team-a", "om-1"),
        ("azure-kv", "Team-A", "om1"),
        ("gcp", "team_a", "om_1"),
    ],
)
def test_prefix_and_cluster_name_accepted(provider, prefix, cluster):
    assert name_problems(provider, prefix=prefix, cluster_name=cluster) == []
    secret_id(provider, ["database", "x", "password"], prefix=prefix, cluster_name=cluster)


def _name_for_length(provider: str, length: int, **kwargs) -> list[str]:
    """Parts whose id on ``provider`` is exactly ``length`` characters long."""
    base = len(cv._unchecked_id(provider, ["database", "", "password"], kwargs.get("prefix", ""),
                                kwargs.get("cluster_name", "openmetadata"), 2))
    if provider == "kubernetes":
        base += 1  # the empty service name's "-" was collapsed away
    return ["database", "s" * (length - base), "password"]


# Limits: Secrets Manager names <= 512; SSM parameter names: the API's 2048 includes 1037 reserved
# characters, leaving 1011 for the parameter ARN (so about 950 for the name); Kubernetes object
# names <= 253 (OM cuts there); Azure Key Vault secret names <= 127; GCP secret ids <= 255.
@pytest.mark.parametrize(
    "provider, limit",
    [
        ("aws", 512),
        ("managed-aws", 512),
        ("aws-ssm", cv.rules_for("aws-ssm").max_length),
        ("managed-aws-ssm", cv.rules_for("aws-ssm").max_length),
        ("kubernetes", 253),
        ("azure-kv", 127),
        ("managed-azure-kv", 127),
        ("gcp", 255),
    ],
)
def test_id_length_limits(provider, limit):
    at_limit = _name_for_length(provider, limit)
    assert len(secret_id(provider, at_limit)) == limit
    over = _name_for_length(provider, limit + 1)
    with pytest.raises(ConventionError) as err:
        secret_id(provider, over)
    assert str(limit) in str(err.value)


def test_ssm_limit_is_below_the_api_2048():
    assert cv.rules_for("aws-ssm").max_length < 1011
    for provider in SSM_PROVIDERS:
        with pytest.raises(ConventionError, match="allows at most"):
            secret_id(provider, _name_for_length(provider, 2049))
        with pytest.raises(ConventionError):
            secret_id(provider, _name_for_length(provider, 1011))


def test_kubernetes_truncation_is_refused_not_silent():
    parts = ["database", "s" * 300, "password"]
    # OM would cut the name at 253 ...
    assert len(cv._unchecked_id("kubernetes", parts, "", "openmetadata", 2)) == 253
    # ... so distinct long names could share a Secret: om-secrets refuses
    with pytest.raises(ConventionError, match="cuts Kubernetes names to 253"):
        secret_id("kubernetes", parts)
    assert id_problems("kubernetes", "x" * 10, parts=parts, cluster_name="openmetadata")


@pytest.mark.parametrize("provider", SSM_PROVIDERS)
def test_ssm_levels(provider):
    fifteen = ["l"] * 14  # /openmetadata + 14 = 15 levels
    sid = secret_id(provider, fifteen)
    assert sid.count("/") == 15
    with pytest.raises(ConventionError, match="16 levels; SSM parameter names allow at most 15"):
        secret_id(provider, fifteen + ["l"])
    # a prefix adds levels too
    with pytest.raises(ConventionError, match="16 levels"):
        secret_id(provider, fifteen, prefix="team")
    # Secrets Manager has no level limit
    assert secret_id("aws", fifteen + ["l"] * 10)


@pytest.mark.parametrize(
    "provider, secrets, expected",
    [
        (
            "kubernetes",
            {"a": ["database", "my_db", "password"], "b": ["database", "my-db", "password"]},
            {"openmetadata-database-my-db-password": ["a", "b"]},
        ),
        ("aws", {"a": ["database", "my_db", "password"], "b": ["database", "my-db", "password"]}, {}),
        (
            "aws",
            {
                "x": ["database", "my.db", "password"],
                "y": ["database", "my_db", "password"],
                "z": ["database", "mydb", "password"],
            },
            {"/openmetadata/database/my_db/password": ["x", "y"]},
        ),
        (
            "aws-ssm",
            {"upper": ["database", "MyDB", "password"], "lower": ["database", "mydb", "password"]},
            {"/openmetadata/database/mydb/password": ["lower", "upper"]},
        ),
        (
            "gcp",
            {
                "a": ["database", "my-db", "password"],
                "b": ["database", "mydb", "password"],
                "c": ["database", "my_db", "password"],
            },
            {"openmetadata_database_mydb_password": ["a", "b"]},
        ),
        (
            "azure-kv",
            {
                "a": ["database", "my db", "password"],
                "b": ["database", "mydb", "password"],
                "c": ["database", "my-db", "password"],
            },
            {"openmetadata-database-mydb-password": ["a", "b"]},
        ),
        (
            "kubernetes",
            {"a": ["database", "x", "password"], "b": ["database", "x", "password"], "c": ["database", "x__", "password"]},
            {"openmetadata-database-x-password": ["a", "b", "c"]},
        ),
    ],
    ids=["k8s-underscore-vs-dash", "aws-distinct", "aws-dot-vs-underscore", "ssm-case", "gcp-dash", "azure-space", "k8s-three"],
)
def test_find_collisions(provider, secrets, expected):
    assert find_collisions(provider, secrets) == expected


def test_find_collisions_uses_prefix_and_cluster():
    secrets = {"a": ["database", "my_db", "password"], "b": ["database", "my-db", "password"]}
    assert find_collisions("kubernetes", secrets, prefix="team", cluster_name="prod") == {
        "teamprod-database-my-db-password": ["a", "b"]
    }


# ====================================================================== properties

# An independent transcription of OM's Java, used as an oracle for the module.
_JAVA_ID_CONFIG = {  # family: (separator, needsStartingSeparator, cleanSecretReplacer, secretIdPattern)
    "aws": ("/", True, "_", re.compile(r"[^A-Za-z0-9/_\-]")),
    "kubernetes": ("-", False, "-", re.compile(r"[^A-Za-z0-9\-]")),
    "azure": ("-", False, "", re.compile(r"[^A-Za-z0-9\-]")),
    "gcp": ("_", False, "", re.compile(r"[^A-Za-z0-9_]")),
}


def _java_sanitize_for_k8s(name: str) -> str:
    s = re.sub("-{2,}", "-", name)
    s = re.sub("^-+", "", s)
    s = re.sub("-+$", "", s)
    if len(s) > 253:
        s = re.sub("-+$", "", s[:253])
    if not s:
        raise ConventionError("empty")
    return s


def _java_build_secret_id(provider, prefix, cluster, add_cluster_prefix, *values):
    family = _family_of(provider)
    sep, starts, replacer, pattern = _JAVA_ID_CONFIG[family]
    fmt = ""
    if add_cluster_prefix:
        if prefix:
            fmt += (sep if starts else "") + prefix
        fmt += (sep if starts else "") + cluster
    else:
        fmt = "%s"
    clean = [pattern.sub(replacer, v) for v in values]
    for _ in clean[0 if add_cluster_prefix else 1 :]:
        fmt += sep + "%s"
    out = (fmt % tuple(clean)).lower()
    return _java_sanitize_for_k8s(out) if family == "kubernetes" else out


def _java_field_id(provider, prefix, cluster, parts):
    if "%" in prefix + cluster:  # String.format(prefix + cluster + "/%s"...) throws or misreads
        raise ConventionError("OM's String.format fails")
    sid = _java_build_secret_id(provider, prefix, cluster, True, *parts[:2])
    for field in parts[2:]:
        sid = _java_build_secret_id(provider, prefix, cluster, False, sid, field.lower())
    return sid


_part = st.text(min_size=1, max_size=30)
_parts = st.lists(_part, min_size=1, max_size=6)
_k8s_name = st.from_regex(r"[a-z0-9][a-z0-9-]{0,14}", fullmatch=True)
_aws_name = st.from_regex(r"[A-Za-z0-9_-]{1,10}(/[A-Za-z0-9_-]{1,10}){0,2}", fullmatch=True)
_names = {
    "aws": _aws_name,
    "kubernetes": _k8s_name,
    "azure": st.from_regex(r"[A-Za-z0-9-]{1,12}", fullmatch=True),
    "gcp": st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True),
}

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(data=st.data(), provider=st.sampled_from(ALL_PROVIDERS), parts=_parts)
def test_module_matches_the_java_transcription(data, provider, parts):
    names = _names[_family_of(provider)]
    prefix = data.draw(st.one_of(st.just(""), names), label="prefix")
    cluster = data.draw(names, label="cluster")
    try:
        expected = _java_field_id(provider, prefix, cluster, parts)
    except ConventionError:
        expected = None  # OM itself would fail (empty Kubernetes name)
    try:
        got = secret_id(provider, parts, prefix=prefix, cluster_name=cluster)
    except ConventionError as exc:
        event(f"refused: {str(exc)[:40]}")
        return  # refused: empty k8s name, SSM aws/ssm start, over a limit
    event("compared")
    assert got == expected


@FAST
@given(prefix=st.one_of(st.just(""), _k8s_name), cluster=_k8s_name, parts=_parts)
def test_kubernetes_ids_are_dns_subdomains(prefix, cluster, parts):
    try:
        sid = secret_id("kubernetes", parts, prefix=prefix, cluster_name=cluster)
    except Exception as exc:  # noqa: BLE001 - the point is which type it is
        assert isinstance(exc, ConventionError), repr(exc)
        assume(False)
    assert DNS_1123_SUBDOMAIN.fullmatch(sid), sid
    assert len(sid) <= 253


@FAST
@given(st.text(alphabet=st.sampled_from("ab-0Z_ .é"), max_size=300) | st.text(max_size=300))
def test_sanitize_k8s_is_idempotent(name):
    try:
        once = sanitize_k8s(name)
    except ConventionError:
        assume(False)
    assert sanitize_k8s(once) == once
    assert not once.startswith("-") and not once.endswith("-") and "--" not in once and len(once) <= 253


_aws_part = _part.filter(lambda s: not s.startswith("/") and not s.endswith("/") and "//" not in s)


@FAST
@given(
    provider=st.sampled_from(AWS_PROVIDERS),
    prefix=st.one_of(st.just(""), _aws_name),
    cluster=_aws_name,
    parts=st.lists(_aws_part, min_size=1, max_size=6),
)
def test_aws_ids_are_clean_paths(provider, prefix, cluster, parts):
    try:
        sid = secret_id(provider, parts, prefix=prefix, cluster_name=cluster)
    except Exception as exc:  # noqa: BLE001
        assert isinstance(exc, ConventionError), repr(exc)
        assume(False)
    assert re.fullmatch(r"[a-z0-9/_-]+", sid), sid
    assert sid.startswith("/")
    assert "//" not in sid


_tag_key = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,15}", fullmatch=True)
_tag_value = st.from_regex(r"[A-Za-zé0-9._/=+@-]([A-Za-zé0-9 ._/=+@:-]{0,14}[A-Za-zé0-9._/=+@-])?", fullmatch=True)
_tags = st.dictionaries(_tag_key, _tag_value, max_size=6)


@FAST
@given(tags=_tags)
def test_tags_round_trip_and_are_stable(tags):
    try:
        text = format_tags(tags)
    except ConventionError:
        assume(False)
    assert parse_tags(text) == tags
    reordered = dict(reversed(list(tags.items())))
    assert format_tags(reordered) == text


@FAST
@given(tags=_tags)
def test_parse_tags_forms_agree(tags):
    try:
        text = format_tags(tags)
    except ConventionError:
        assume(False)
    as_list = [f"{k}:{v}" for k, v in tags.items()]
    assert parse_tags(text) == parse_tags(as_list) == parse_tags(tags) == tags
    assert parse_tags(text[1:-1]) == tags  # without the brackets


_any_name = st.text(min_size=1, max_size=20)


@FAST
@given(data=st.data(), provider=st.sampled_from(ALL_PROVIDERS), parts=st.lists(_part, min_size=3, max_size=6))
def test_field_ids_for_any_prefix_and_cluster_match_the_java_transcription(data, provider, parts):
    """Every name OM accepts gives OM's field id; a refusal is always a backend limit or an empty cluster."""
    prefix = data.draw(st.one_of(st.just(""), _any_name), label="prefix")
    cluster = data.draw(_any_name, label="cluster")
    try:
        expected = _java_field_id(provider, prefix, cluster, parts)
    except ConventionError:
        expected = None  # OM itself fails (empty Kubernetes name)
    try:
        got = secret_id(provider, parts, prefix=prefix, cluster_name=cluster)
    except ConventionError as exc:
        message = str(exc)
        assert expected is None or any(
            s in message
            for s in ("at most", "levels", "empty level", "may not begin", "cuts Kubernetes", "not a valid name", "'%'")
        ), message
        event(f"refused: {message[:30]}")
        return
    event("compared")
    assert got == expected
    head = cv.id_prefix(provider, prefix, cluster)
    # on Kubernetes parts that clean away leave the head's trailing '-' stripped by sanitizeForK8s
    assert got.startswith(head.rstrip("-") if provider == "kubernetes" else head)


# ---------------------------------------------------------------- GCP labels


@pytest.mark.parametrize("key, ok", [("a", True), ("team_1-x", True), ("é", True), ("a" * 63, True), ("", False),
                                     ("a" * 64, False), ("1a", False), ("_a", False), ("A", False), ("a.b", False)])
def test_gcp_label_keys(key, ok):
    assert cv.is_gcp_label_key(key) is ok


@pytest.mark.parametrize("value, ok", [("", True), ("1", True), ("données", True), ("b" * 63, True),
                                       ("b" * 64, False), ("B", False), ("a b", False), ("a:b", False), (None, False)])
def test_gcp_label_values(value, ok):
    assert cv.is_gcp_label_value(value) is ok


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_-", min_size=1, max_size=63))
def test_gcp_labels_settings_accept_are_the_ones_the_rule_accepts(text):
    key = "k" + text[:62]
    assert cv.is_gcp_label_key(key) and cv.is_gcp_label_value(text)
    assert cv.tag_problems("gcp", {key: text}) == []
