"""Drawing the access graph: SVG laid out here, DOT, Mermaid, ``preview --graph``."""

from __future__ import annotations

import argparse
import re
import xml.etree.ElementTree as ET

import pytest

from omsecrets import cli, graph, graph_draw
from omsecrets.components.environment import STABLE_NAME
from tests.test_graph import ROOT, STACKS, expected_store_edges
from tests.test_render import planted_preview

SVG = "{http://www.w3.org/2000/svg}"


# ----------------------------------------------------------------- formats


def svg_edges(root) -> set[str]:
    return {g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if "edge" in g.get("class", "")}


def rects(root, css_class: str) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == css_class:
            r = group.find(f"{SVG}rect")
            x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
            out[group.get("id")] = (x, y, x + w, y + h)
    return out


def _inside(inner, outer) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("stack", STACKS)
def test_svg_is_valid_laid_out_and_carries_the_access_edges(stack, tmp_path):
    result = planted_preview(stack)
    g = graph.build_graph(result)
    path = graph_draw.write_graph(result, tmp_path / "g.svg")
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg" and root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    titles = svg_edges(root)
    for who, label in expected_store_edges(stack):
        assert any(t.startswith(f"{who} -> ") and t.endswith(f": {label}") for t in titles), (who, label)
    assert len(titles) == len(g.edges)
    nodes, clusters = rects(root, "node"), rects(root, "cluster")
    assert set(nodes) == {n.id for n in g.nodes} and set(clusters) == {c.id for c in g.clusters}
    boxes = list(nodes.values())
    assert not [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if _overlap(a, b)]
    for node in g.nodes:
        if node.cluster:
            assert _inside(nodes[node.id], clusters[node.cluster])
    for cluster in g.clusters:
        if cluster.parent:
            assert _inside(clusters[cluster.id], clusters[cluster.parent])
    width, height = float(root.get("width")), float(root.get("height"))
    assert all(_inside(box, (0, 0, width, height)) for box in boxes + list(clusters.values()))


def dot_structure(text: str) -> tuple[set[str], list[tuple[str, str, str]], int]:
    """Declared node ids, edges (source, target, label) and the number of clusters of a DOT file."""
    assert text.startswith("digraph") and text.count("{") == text.count("}")
    nodes = set(re.findall(r"^\s*(\w+) \[(?:label|shape)=", text, re.M))
    edges = re.findall(r'^\s*(\w+) -> (\w+) \[label="([^"]*)"', text, re.M)
    return nodes, edges, len(re.findall(r"subgraph cluster_\w+ \{", text))


def mermaid_structure(text: str) -> tuple[set[str], list[tuple[str, str, str]]]:
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert sum(line.strip().startswith("subgraph ") for line in lines) == sum(line.strip() == "end" for line in lines)
    ids = set(re.findall(r"^\s*(\w+)\[\"", text, re.M)) | set(re.findall(r"^\s*subgraph (\w+)\[", text, re.M))
    edges = re.findall(r'^\s*(\w+) -\.?->\|"([^"]*)"\| (\w+)$', text, re.M)
    return ids, [(s, t, label) for s, label, t in edges]


@pytest.mark.parametrize("stack", STACKS)
def test_dot_and_mermaid_declare_every_node_and_cluster_edge(stack, tmp_path):
    result = planted_preview(stack)
    g = graph.build_graph(result)
    nodes, edges, clusters = dot_structure(graph_draw.write_graph(result, tmp_path / "g.dot").read_text())
    assert {n.id for n in g.nodes} <= nodes and clusters == len(g.clusters)
    assert all(s in nodes and t in nodes for s, t, _ in edges) and len(edges) == len(g.edges)
    ids, m_edges = mermaid_structure(graph_draw.write_graph(result, tmp_path / "g.mmd").read_text())
    assert ids == {n.id for n in g.nodes} | {c.id for c in g.clusters}
    assert sorted(m_edges) == sorted((e.source, e.target, e.label) for e in g.edges)
    access = {(g.label_of(e.source), e.label) for e in g.edges if e.kind == "access"}
    assert expected_store_edges(stack) <= access


def test_labels_are_escaped_in_every_format():
    nasty = 'a "quoted" <b> & c|d\\e'
    g = graph.Graph(nasty, [graph.Node("n1", (nasty, "x"), 0, "c1"), graph.Node("n2", ("y",), 2)],
                    [graph.Cluster("c1", nasty)], [graph.Edge("n1", "n2", nasty, "access")])
    root = ET.fromstring(graph_draw.to_svg(g))
    assert root.find(f"{SVG}title").text == nasty
    dot = graph_draw.to_dot(g)
    assert 'label="a \\"quoted\\" <b> & c|d\\\\e' in dot and dot_structure(dot)[2] == 1
    mermaid = graph_draw.to_mermaid(g)
    assert nasty not in mermaid and "a #quot;quoted#quot; #lt;b#gt; #amp; c#124;d" in mermaid


def test_output_is_deterministic():
    result = planted_preview("staging")
    assert all(graph_draw.render_graph(result, f) == graph_draw.render_graph(result, f) for f in ("svg", "dot", "mermaid"))


def test_graph_file_extension_is_checked(tmp_path):
    assert [graph_draw.graph_format(n) for n in ("a.svg", "a.DOT", "a.gv", "a.mmd")] == ["svg", "dot", "dot", "mermaid"]
    with pytest.raises(ValueError, match="cannot tell the graph format"):
        graph_draw.write_graph(planted_preview("dev"), tmp_path / "g.png")
    parser = argparse.ArgumentParser()
    graph_draw.register_graph_option(parser)
    assert parser.parse_args(["--graph", "out/g.svg"]).graph == "out/g.svg"
    with pytest.raises(SystemExit):
        parser.parse_args(["--graph", "g.png"])


def test_preview_graph_through_the_cli(tmp_path, capsys):
    path = tmp_path / "prod.svg"
    argv = ["preview", "prod", "--project-dir", str(ROOT), "--graph", str(path)]
    parser = cli.build_parser()
    preview = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["preview"]
    if "--graph" in preview._option_string_actions:  # wired into cli.py
        assert cli.main(argv) == 0
    else:
        graph_draw.register_graph_option(preview)
        args = parser.parse_args(argv)
        assert graph_draw.write_graph_from_args(args, cli.load_preview(args)) == path
    warehouse = f"{STABLE_NAME}-store-warehouse-password /prod/openmetadata/database/warehouse/password"
    assert f"{warehouse}: read/write" in path.read_text()
    assert f"wrote {path}" in capsys.readouterr().err


def test_ids_are_shortened_from_the_left():
    long = "/prod/openmetadata/database/snowflake-prod/password"
    assert graph_draw._clip(long, 30) == "…" + long[-29:] and len(graph_draw._clip(long, 30)) == 30
    assert graph_draw._clip("short", 30) == "short"


def test_svg_renders_to_a_picture_that_is_not_empty(tmp_path):
    cairosvg = pytest.importorskip("cairosvg")
    from PIL import Image

    path = graph_draw.write_graph(planted_preview("prod"), tmp_path / "prod.svg")
    png = tmp_path / "prod.png"
    cairosvg.svg2png(url=str(path), write_to=str(png))
    image = Image.open(png).convert("L")
    root = ET.parse(path).getroot()
    assert image.size == (int(root.get("width")), int(root.get("height")))
    histogram = image.histogram()
    drawn = sum(histogram[:200]) / sum(histogram)  # pixels darker than the white background
    assert 0.01 < drawn < 0.6


