"""Drawing the access graph (``omsecrets.graph``) as Graphviz DOT, Mermaid, or SVG laid out here in pure
Python (no graphviz), and ``preview --graph FILE``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import Any, Optional

from omsecrets import engine
from omsecrets.graph import APP, COLUMNS, OTHER, SECRET, Edge, Graph, Node, build_graph

FORMATS = {".svg": "svg", ".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".mermaid": "mermaid"}

# --------------------------------------------------------------------------- text formats

_COLOURS = {"read/write": "#c0392b", "write": "#d35400", "read": "#2471a3", "delivers": "#1e8449",
            "configures": "#1e8449", "value": "#8e44ad"}
_FILLS = ("#fdedec", "#eaf2fb", "#fef5e7", "#e9f7ef", "#f2f3f4", "#f4ecf7")


def _colour(edge: Edge) -> str:
    return _COLOURS.get(edge.label, "#7f8c8d")


def _tree(graph: Graph) -> tuple[dict, dict]:
    """(cluster id -> child cluster ids, cluster id -> node ids); the root is None."""
    clusters, nodes = defaultdict(list), defaultdict(list)
    for c in graph.clusters:
        clusters[c.parent].append(c.id)
    for n in graph.nodes:
        nodes[n.cluster].append(n.id)
    return clusters, nodes


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(graph: Graph) -> str:
    """Graphviz DOT with one ``cluster_*`` subgraph per component."""
    child_clusters, child_nodes = _tree(graph)
    by_id = {c.id: c for c in graph.clusters}
    anchors: dict[str, str] = {}
    lines = ['digraph "om-secrets" {',
             '  graph [rankdir=LR, compound=true, fontname="Helvetica", labelloc=t, '
             f'label="{_dot_text(graph.title)}"];',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
             '  edge [fontname="Helvetica", fontsize=9];']

    def anchor(cluster_id: str) -> Optional[str]:
        if child_nodes.get(cluster_id):
            return child_nodes[cluster_id][0]
        return next((a for c in child_clusters.get(cluster_id, []) if (a := anchor(c))), None)

    def emit(cluster_id: Optional[str], depth: int) -> None:
        pad = "  " * depth
        for node_id in child_nodes.get(cluster_id, []):
            node = graph.node(node_id)
            label = "\\n".join(_dot_text(line) for line in node.lines)
            lines.append(f'{pad}{node_id} [label="{label}", fillcolor="{_FILLS[node.column]}"];')
        for child in child_clusters.get(cluster_id, []):
            lines.append(f"{pad}subgraph cluster_{child} {{")
            lines.append(f'{pad}  label="{_dot_text(by_id[child].label)}"; style=rounded; color="#95a5a6";')
            anchors[child] = anchor(child) or f"{child}_anchor"
            if anchors[child] == f"{child}_anchor":
                lines.append(f"{pad}  {child}_anchor [shape=point, style=invis];")
            emit(child, depth + 1)
            lines.append(f"{pad}}}")

    emit(None, 1)
    for e in graph.edges:
        attrs = [f'label="{_dot_text(e.label)}"', f'color="{_colour(e)}"', f'fontcolor="{_colour(e)}"']
        target = e.target
        if e.target in anchors:
            attrs.append(f"lhead=cluster_{e.target}")
            target = anchors[e.target]
        if e.kind == "link":
            attrs.append("style=dashed")
        lines.append(f"  {e.source} -> {target} [{', '.join(attrs)}];")
    return "\n".join(lines + ["}"]) + "\n"


def _mermaid_text(text: str) -> str:
    return (text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
            .replace("|", "#124;"))


def to_mermaid(graph: Graph) -> str:
    """A Mermaid flowchart with one subgraph per component."""
    child_clusters, child_nodes = _tree(graph)
    by_id = {c.id: c for c in graph.clusters}
    lines = ["flowchart LR", f"  %% {_mermaid_text(' '.join(graph.title.split()))}"]

    def emit(cluster_id: Optional[str], depth: int) -> None:
        pad = "  " * depth
        for node_id in child_nodes.get(cluster_id, []):
            label = "<br/>".join(_mermaid_text(line) for line in graph.node(node_id).lines)
            lines.append(f'{pad}{node_id}["{label}"]')
        for child in child_clusters.get(cluster_id, []):
            lines.append(f'{pad}subgraph {child}["{_mermaid_text(by_id[child].label)}"]')
            emit(child, depth + 1)
            lines.append(f"{pad}end")

    emit(None, 1)
    for e in graph.edges:
        arrow = "-.->" if e.kind == "link" else "-->"
        lines.append(f'  {e.source} {arrow}|"{_mermaid_text(e.label)}"| {e.target}')
    for column, fill in enumerate(_FILLS):
        members = [n.id for n in graph.nodes if n.column == column]
        if members:
            lines.append(f"  classDef col{column} fill:{fill},stroke:#7f8c8d")
            lines.append(f"  class {','.join(members)} col{column}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- svg layout

BOX_W, BOX_H, GAP_X, GAP_Y, PAD, HEADER, MARGIN, TOP = 240, 50, 140, 12, 12, 22, 24, 76
_MAX_CHARS = 38


@dataclasses.dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float


def _clip(text: str, limit: int = 0) -> str:
    """``text`` shortened from the left (ids and paths differ at their ends): ``…/snowflake/password``."""
    limit = limit or _MAX_CHARS
    return text if len(text) <= limit else "…" + text[len(text) - limit + 1:]


class _Layout:
    """Columns by kind; components as nested bands stacked top to bottom; apps float by their sources."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.child_clusters, self.child_nodes = _tree(graph)
        used = sorted({n.column for n in graph.nodes} | {SECRET})
        self.slot = {column: i for i, column in enumerate(used)}
        self.depth_pad = PAD * (self._height(None) + 1)
        self.boxes: dict[str, Box] = {}
        y = self._band(None, TOP)
        self._float_apps()
        bottom = max([b.y1 for b in self.boxes.values()] + [y])
        self.width = self.x(used[-1]) + BOX_W + self.depth_pad + MARGIN
        self.height = bottom + MARGIN

    def x(self, column: int) -> float:
        return self.x_of_slot(self.slot[column])

    def x_of_slot(self, slot: int) -> float:
        return MARGIN + self.depth_pad + slot * (BOX_W + GAP_X)

    def _height(self, cluster_id: Optional[str]) -> int:
        children = self.child_clusters.get(cluster_id, [])
        return 1 + max(self._height(c) for c in children) if children else 0

    def _columns(self, cluster_id: str) -> list[int]:
        own = [self.graph.node(n).column for n in self.child_nodes.get(cluster_id, [])]
        return own + [c for child in self.child_clusters.get(cluster_id, []) for c in self._columns(child)]

    def _span(self, cluster_id: str) -> range:
        slots = [self.slot[c] for c in self._columns(cluster_id)] or [self.slot[SECRET]]
        return range(min(slots), max(slots) + 1)

    def _band(self, cluster_id: Optional[str], top: float) -> float:
        """Place a cluster's nodes, then its child clusters where their columns are free; return its bottom."""
        start = top + (HEADER if cluster_id else 0)
        skyline: dict[int, float] = defaultdict(lambda: start)
        own = sorted((self.graph.node(n) for n in self.child_nodes.get(cluster_id, [])), key=lambda n: n.lines)
        for node in own:
            if cluster_id is None and node.column == APP:
                continue
            x, y = self.x(node.column), skyline[self.slot[node.column]]
            self.boxes[node.id] = Box(x, y, x + BOX_W, y + BOX_H)
            skyline[self.slot[node.column]] = y + BOX_H + GAP_Y
        for child in self.child_clusters.get(cluster_id, []):
            span = self._span(child)
            bottom = self._band(child, max(skyline[s] for s in span))
            skyline.update({s: bottom + GAP_Y for s in span})
        end = max(skyline.values(), default=start + GAP_Y) - GAP_Y
        if cluster_id is None:
            return end
        pad = PAD * (self._height(cluster_id) + 1)
        span = self._span(cluster_id)
        self.boxes[cluster_id] = Box(self.x_of_slot(span[0]) - pad, top, self.x_of_slot(span[-1]) + BOX_W + pad,
                                     end + PAD)
        return end + PAD

    def _float_apps(self) -> None:
        apps = [n for n in self.graph.nodes if n.column == APP and n.id not in self.boxes]
        wanted = {}
        for app in apps:
            ys = [self.boxes[e.source].y0 for e in self.graph.edges if e.target == app.id and e.source in self.boxes]
            wanted[app.id] = sum(ys) / len(ys) if ys else TOP
        # below the generated values: delivery edges then cross empty space on their way right
        floor = max([TOP] + [b.y1 + 3 * GAP_Y for n, b in self.boxes.items()
                             if self.graph.node(n) is not None and self.graph.node(n).column == OTHER])
        for app in sorted(apps, key=lambda a: (wanted[a.id], a.id)):
            y = max(wanted[app.id], floor)
            x = self.x(APP)
            self.boxes[app.id] = Box(x, y, x + BOX_W, y + BOX_H)
            floor = y + BOX_H + GAP_Y


def _route(source: Box, target: Box, sy: float, ty: float, lane: int) -> list[tuple[float, float]]:
    """Orthogonal polyline from ``source`` to ``target`` through a vertical channel beside the target."""
    if target.x0 >= source.x1:
        cx = target.x0 - 10 - 7 * lane
        return [(source.x1, sy), (cx, sy), (cx, ty), (target.x0, ty)]
    if target.x1 <= source.x0:
        cx = target.x1 + 10 + 7 * lane
        return [(source.x0, sy), (cx, sy), (cx, ty), (target.x1, ty)]
    cx = max(source.x1, target.x1) + 10 + 7 * lane
    return [(source.x1, sy), (cx, sy), (cx, ty), (target.x1, ty)]


def _sides(source: Box, target: Box) -> tuple[str, str]:
    """Which side (l or r) of the source an edge leaves and of the target it enters."""
    if target.x0 >= source.x1:
        return "r", "l"
    return ("l", "r") if target.x1 <= source.x0 else ("r", "r")


def _ports(layout: _Layout) -> dict[tuple[int, str], float]:
    """Spread the edges touching each side of a box over its height (ordered by the other end)."""
    graph, boxes = layout.graph, layout.boxes
    ends: dict[tuple[str, str], list[tuple[float, int, str]]] = defaultdict(list)
    for i, e in enumerate(graph.edges):
        out_side, in_side = _sides(boxes[e.source], boxes[e.target])
        ends[(e.source, out_side)].append((boxes[e.target].y0, i, "out"))
        ends[(e.target, in_side)].append((boxes[e.source].y0, i, "in"))
    ports = {}
    for (element, _), items in ends.items():
        box = boxes[element]
        low, high = (box.y0 + 8, box.y1 - 8) if graph.node(element) else _group_span(layout, element)
        for k, (_, i, end) in enumerate(sorted(items)):
            ports[(i, end)] = low + (high - low) * (k + 1) / (len(items) + 1)
    return ports


def _group_span(layout: _Layout, cluster_id: str) -> tuple[float, float]:
    """Where edges to a whole component land: beside the secrets it holds, not on its title."""
    boxes = [layout.boxes[n] for n in layout.child_nodes.get(cluster_id, []) if n in layout.boxes]
    if not boxes:
        box = layout.boxes[cluster_id]
        return box.y0 + HEADER, box.y1 - PAD
    return min(b.y0 for b in boxes) + 6, max(b.y1 for b in boxes) - 6


def _svg_brackets(svg: ET.Element, layout: _Layout) -> None:
    """A bracket along the secrets of a component that edges reach as a group."""
    targets = {e.target for e in layout.graph.edges if layout.graph.node(e.target) is None}
    for cluster_id in sorted(targets):
        low, high = _group_span(layout, cluster_id)
        x = layout.boxes[cluster_id].x0 + 4
        _el(svg, "polyline", points=f"{x + 4:g},{low - 4:g} {x:g},{low - 4:g} {x:g},{high + 4:g} {x + 4:g},{high + 4:g}",
            fill="none", stroke="#566573", stroke_width=2, class_="group")


def _el(parent: ET.Element, tag: str, text: Optional[str] = None, **attrs: Any) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()})
    if text is not None:
        element.text = text
    return element


def _svg_node(parent: ET.Element, node: Node, box: Box) -> None:
    group = _el(parent, "g", id=node.id, class_="node")
    _el(group, "title", " ".join(node.lines))
    _el(group, "rect", x=box.x0, y=box.y0, width=BOX_W, height=BOX_H, rx=6, fill=_FILLS[node.column],
        stroke="#7f8c8d")
    styles = [("10", "#566573", "bold"), ("11", "#17202a", "normal"), ("10", "#7f8c8d", "normal")]
    for i, line in enumerate(node.lines[:3]):
        size, fill, weight = styles[i]
        _el(group, "text", line if i == 0 else _clip(line), x=box.x0 + 8, y=box.y0 + 15 + 14 * i, font_size=size, fill=fill,
            font_weight=weight)


def to_svg(graph: Graph) -> str:
    """A self-contained SVG drawn with the layered layout (no graphviz)."""
    layout = _Layout(graph)
    width, height = int(layout.width), int(layout.height)
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": str(width), "height": str(height),
                             "viewBox": f"0 0 {width} {height}", "font-family": "Helvetica, Arial, sans-serif"})
    _el(svg, "title", graph.title)
    defs = _el(svg, "defs")
    for name, colour in {**_COLOURS, "link": "#7f8c8d"}.items():
        marker = _el(defs, "marker", id=f"arrow-{name.replace('/', '-')}", viewBox="0 0 10 10", refX=10, refY=5,
                     markerWidth=7, markerHeight=7, orient="auto-start-reverse")
        _el(marker, "path", d="M0,0 L10,5 L0,10 z", fill=colour)
    _el(svg, "rect", x=0, y=0, width=width, height=height, fill="#ffffff")
    _el(svg, "text", graph.title, x=MARGIN, y=MARGIN + 6, font_size=15, font_weight="bold", fill="#17202a")
    for column in layout.slot:
        _el(svg, "text", COLUMNS[column], x=layout.x(column), y=TOP - 12, font_size=12, fill="#566573",
            font_weight="bold")
    order = {c.id: i for i, c in enumerate(graph.clusters)}
    for cluster in sorted(graph.clusters, key=lambda c: (layout.boxes[c.id].x0, order[c.id])):
        box = layout.boxes[cluster.id]
        group = _el(svg, "g", id=cluster.id, class_="cluster")
        _el(group, "title", cluster.label)
        _el(group, "rect", x=box.x0, y=box.y0, width=box.x1 - box.x0, height=box.y1 - box.y0, rx=8,
            fill="none", stroke="#95a5a6", stroke_dasharray="4 3")
        kind, _, name = cluster.label.partition(" ")
        label = f"{kind} {_clip(name, max(8, int((box.x1 - box.x0 - 16) / 6.2) - len(kind) - 1))}"
        _el(group, "text", label, x=box.x0 + 8, y=box.y0 + 15, font_size=11, fill="#566573")
    _svg_brackets(svg, layout)
    _svg_edges(svg, layout)
    for node in graph.nodes:
        _svg_node(svg, node, layout.boxes[node.id])
    body = ET.tostring(svg, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _svg_edges(svg: ET.Element, layout: _Layout) -> None:
    graph, boxes = layout.graph, layout.boxes
    ports = _ports(layout)
    lanes: dict[tuple[float, str], int] = defaultdict(int)
    for i, e in enumerate(graph.edges):
        source, target = boxes[e.source], boxes[e.target]
        channel = (target.x0 if target.x0 >= source.x1 else target.x1, "r" if target.x0 >= source.x1 else "l")
        if e.kind == "delivery":  # turn beside the source, run right at the app's height
            channel = (source.x1, "d")
            cx = source.x1 + 14 + 7 * lanes[channel]
            points = [(source.x1, ports[(i, "out")]), (cx, ports[(i, "out")]), (cx, ports[(i, "in")]),
                      (target.x0, ports[(i, "in")])]
        else:
            points = _route(source, target, ports[(i, "out")], ports[(i, "in")], lanes[channel])
        lanes[channel] += 1
        colour, name = _colour(e), e.label.replace("/", "-") if e.label in _COLOURS else "link"
        group = _el(svg, "g", id=f"e{i + 1}", class_=f"edge {e.kind}")
        _el(group, "title", f"{graph.label_of(e.source)} -> {graph.label_of(e.target)}: {e.label}")
        attrs = {"fill": "none", "stroke": colour, "stroke_width": 1.6 if e.kind == "access" else 1.1,
                 "marker_end": f"url(#arrow-{name})"}
        if e.kind in ("link", "value"):
            attrs["stroke_dasharray"] = "5 3" if e.kind == "link" else "2 3"
        _el(group, "polyline", points=" ".join(f"{x:g},{y:g}" for x, y in points), **attrs)
        (cx, y), (x, _) = points[-2], points[-1]
        rightward = x > cx
        _el(group, "text", e.label, x=cx - 4 if rightward else cx + 4, y=y - 4, font_size=10, fill=colour,
            text_anchor="end" if rightward else "start", stroke="#ffffff", stroke_width=3, paint_order="stroke")


# --------------------------------------------------------------------------- files and CLI


def graph_format(path: str | Path) -> str:
    """``svg``, ``dot`` or ``mermaid`` from the file extension; ValueError otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"cannot tell the graph format of {path}: use one of {', '.join(sorted(FORMATS))}")
    return FORMATS[suffix]


def render_graph(result: engine.PreviewResult, fmt: str) -> str:
    graph = build_graph(result)
    return {"svg": to_svg, "dot": to_dot, "mermaid": to_mermaid}[fmt](graph)


def write_graph(result: engine.PreviewResult, path: str | Path) -> Path:
    """Write the graph of ``result`` to ``path`` in the format its extension names."""
    path = Path(path)
    text = render_graph(result, graph_format(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _graph_path(value: str) -> str:
    try:
        graph_format(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def register_graph_option(preview_parser: argparse.ArgumentParser) -> None:
    """Add ``--graph FILE`` to the ``preview`` parser (the extension is checked while parsing)."""
    preview_parser.add_argument(
        "--graph", metavar="FILE", type=_graph_path, default=None,
        help="draw resources and secret access to FILE (.svg, .dot or .mmd), e.g. --graph prod.svg")


def write_graph_from_args(args: argparse.Namespace, result: engine.PreviewResult) -> Optional[Path]:
    """In ``cmd_preview``: write ``--graph`` if it was given and say so on stderr."""
    if not getattr(args, "graph", None):
        return None
    path = write_graph(result, args.graph)
    print(f"wrote {path}", file=sys.stderr)
    return path
