"""examples/custom_program: a program of its own previews, declares the components, and graphs/renders."""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from omsecrets import cli, engine, graph, graph_draw, render
from tests.test_render import APP_FILES, parse, secret_values

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "custom_program"


@functools.lru_cache(maxsize=None)
def demo() -> engine.PreviewResult:
    return engine.preview(EXAMPLE, "demo")


def test_it_is_a_project_of_its_own_with_a_demo_stack():
    assert engine.load_project(EXAMPLE)["name"] not in ("", engine.load_project(ROOT)["name"])
    assert engine.list_stacks(EXAMPLE) == ["demo"]


def test_previews_with_the_components_and_its_own_resource():
    result = demo()
    assert result.project == "om-secrets-demo"
    types = {r.type for r in result.resources}
    assert {"om-secrets:index:OpenMetadataSecrets", "om-secrets:stores:AwsSsmParameterStore",
            "om-secrets:access:AwsAccess", "om-secrets:access:KubernetesAccess", "om-secrets:app:AppConfigDelivery",
            "om-secrets:bootstrap:BootstrapSecrets", "om-secrets:fernet:FernetKeyRing",
            "om-secrets:airflow:AirflowSecrets"} <= types
    (environment,) = result.by_type("om-secrets:index:OpenMetadataSecrets")
    inputs = engine.plain(environment.inputs)
    digests = inputs.pop("restartDigests")
    assert inputs == {"environment": "demo", "provider": "aws-ssm", "prefix": "demo",
                      "clusterName": "openmetadata", "production": False,
                      "protect": True, "acknowledge": [], "airflowVersion": 3, "migration": {"run": False},
                      "operations": {"botTokensRun": False, "skipAwait": False}}
    assert set(digests) == {"openmetadata", "airflow"}
    assert all(re.fullmatch(r"[0-9a-f]{16}", d) for d in digests.values())
    # aws-ssm is not managed: OM's server never reads the store, so only ingestion gets an identity there
    (association,) = result.by_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
    assert association.inputs["serviceAccount"] == "airflow-worker"
    catalog = result.get("secret-catalog", "kubernetes:core/v1:ConfigMap")
    parents = {r.urn: r.parent for r in result.resources}

    def under_environment(urn):
        return urn == environment.urn or (urn in parents and under_environment(parents[urn]))

    assert catalog.parent == result.stack_urn and catalog.options["dependsOn"]
    assert all(under_environment(urn) for urn in catalog.options["dependsOn"])
    assert json.loads(catalog.plain_inputs["data"]["references.json"]) == engine.plain(result.outputs)["secretReferences"]
    assert catalog.plain_inputs["metadata"]["namespace"] == "openmetadata"


def test_preview_through_the_cli(capsys):
    assert cli.main(["preview", "demo", "--project-dir", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "om-secrets:index:OpenMetadataSecrets demo" in out and "kubernetes:core/v1:ConfigMap secret-catalog" in out


def test_graph_shows_read_only_aws_ssm_access_and_pod_identity(tmp_path):
    g = graph.build_graph(demo())
    access = {(g.label_of(e.source), g.label_of(e.target), e.label) for e in g.edges if e.kind == "access"}
    # the one OM secret, read-only for ingestion (the server never reads a non-managed store); the key
    # copies are reached by no one
    secret = "aws ssm Parameter demo-store-postgres-password /demo/openmetadata/database/postgres-demo/password"
    assert access == {("aws iam Role demo-aws-access-ingestion", secret, "read")}
    assumes = {(g.node(e.source).lines[1], g.node(e.target).lines[1]) for e in g.edges if e.label == "assumes"}
    assert assumes == {("demo-k8s-access-ingestion", "demo-aws-access-ingestion")}
    root = ET.parse(graph_draw.write_graph(demo(), tmp_path / "demo.svg")).getroot()
    assert "secret-catalog" in ET.tostring(root, encoding="unicode")


def test_out_writes_the_declared_objects_and_the_app_files_the_program_rendered(tmp_path, capsys):
    result = demo()
    written = {p.relative_to(tmp_path).as_posix() for p in render.write_outputs(result, tmp_path)}
    assert "preview.json" in written and APP_FILES <= written
    assert {"iam/demo-aws-access-ingestion.json", "k8s/secret-openmetadata-openmetadata-secrets.yaml",
            "k8s/secret-openmetadata-openmetadata-jwt-keys.yaml"} <= written
    assert not any(p.startswith("iam/demo-aws-access-server") for p in written)
    (component,) = result.by_type(render.ENVIRONMENT_TYPE)
    rendered = engine.plain(component.outputs)["appConfigFiles"]
    assert all((tmp_path / path).read_text() == text for path, text in rendered.items())
    assert "warning" not in capsys.readouterr().err
    forbidden = secret_values(demo())
    for name in written:
        parse(tmp_path / name)
        assert not [v for v in forbidden if v in (tmp_path / name).read_text()]


def test_readme_commands_name_the_example():
    readme = (EXAMPLE / "README.md").read_text()
    assert "omsecrets preview demo --project-dir examples/custom_program" in readme
    assert yaml.safe_load((EXAMPLE / "stacks" / "Pulumi.demo.yaml").read_text())["config"]["aws:region"] == "eu-west-1"


def test_the_example_passes_check(capsys):
    assert cli.main(["check", "--project-dir", str(EXAMPLE)]) == 0
    assert "no violations" in capsys.readouterr().out


def test_stacks_reads_settings_built_in_the_program(capsys):
    assert cli.main(["stacks", "--project-dir", str(EXAMPLE), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert {k: row[k] for k in ("stack", "valid", "provider", "region", "prefix", "settings")} == {
        "stack": "demo", "valid": True, "provider": "aws-ssm", "region": "eu-west-1", "prefix": "demo",
        "settings": "program"}


def test_stacks_says_when_a_program_declares_no_environment(tmp_path, capsys):
    (tmp_path / "stacks").mkdir()
    (tmp_path / "Pulumi.yaml").write_text("name: plain\nruntime: python\nstackConfigDir: stacks\n")
    (tmp_path / "__main__.py").write_text("import pulumi\npulumi.export('x', 1)\n")
    (tmp_path / "stacks" / "Pulumi.a.yaml").write_text("config:\n  plain:x: 1\n")
    assert cli.main(["stacks", "--project-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "invalid" in out and "declares no OpenMetadataSecrets" in out
