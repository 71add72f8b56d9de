"""The architecture comparison: both systems in one graphviz diagram.

The boxes and joins are data (architecture.yaml); this module validates them
against the catalogue and turns them into DOT, each box linking to its pair.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from concepts.catalogue import Catalogue, ContentError, catalogue
from concepts.diagrams import quote, render_svg

ARCHITECTURE_FILE = Path(__file__).resolve().parent / "architecture.yaml"

SIDE_STYLE = {
    "vsphere": {"color": "#17694c", "fill": "#e3f3ec", "group_fill": "#f3faf7"},
    "kubernetes": {"color": "#2456b8", "fill": "#e4ecfb", "group_fill": "#f4f7fd"},
}


def load_layout(path: Path = ARCHITECTURE_FILE, cat: Catalogue | None = None) -> dict:
    cat = cat or catalogue()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    ids: set[str] = set()
    for side in ("vsphere", "kubernetes"):
        for group in data[side]["groups"]:
            for box in group["boxes"]:
                if box["id"] in ids:
                    raise ContentError(f"{path.name}: box id {box['id']!r} used twice")
                ids.add(box["id"])
                if cat.get(box["pair"]) is None:
                    raise ContentError(f"{path.name}: box {box['id']!r}: no pair {box['pair']!r}")
        for edge in data[side]["edges"]:
            for end in edge:
                if end not in ids:
                    raise ContentError(f"{path.name}: edge {edge}: no box {end!r}")
    for join in data["joins"]:
        for end in join:
            if end not in ids:
                raise ContentError(f"{path.name}: join {join}: no box {end!r}")
    return data


def to_dot(layout: dict, pair_url) -> str:
    """DOT source for the comparison; `pair_url(slug)` gives each box's link.

    Laid out as a ladder: ranks run left to right, so every vSphere box sits in the
    left column level with its Kubernetes counterpart and the join between them
    is a short horizontal line. Each side's own wiring curves along its outer edge.
    """
    lines = [
        "digraph architecture {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=12, nodesep=0.18, '
        'ranksep=1.1, bgcolor="transparent", outputorder=edgesfirst];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, '
        'width=2.2, margin="0.14,0.06"];',
        '  edge [color="#a3acb9", arrowsize=0.55, penwidth=0.9];',
    ]
    outer_port = {"vsphere": "w", "kubernetes": "e"}
    for side in ("vsphere", "kubernetes"):
        style = SIDE_STYLE[side]
        lines.append(f"  subgraph cluster_{side} {{")
        lines.append(
            f"    label={quote(layout[side]['title'])}; fontsize=16; fontcolor={quote(style['color'])}; "
            f'color={quote(style["color"])}; penwidth=2; style="rounded";'
        )
        for group in layout[side]["groups"]:
            lines.append(f"    subgraph cluster_{group['id']} {{")
            lines.append(
                f'      label={quote(group["title"])}; fontsize=11; fontcolor="#374151"; '
                f'style="rounded,filled"; fillcolor={quote(style["group_fill"])}; '
                f"color={quote(style['color'])}; penwidth=1;"
            )
            for box in group["boxes"]:
                label = box["label"]
                lines.append(
                    f"      {box['id']} [label={quote(label)}, color={quote(style['color'])}, "
                    f"fillcolor={quote(style['fill'])}, URL={quote(pair_url(box['pair']))}, "
                    f'target="_top", tooltip={quote(label.replace(chr(10), " "))}, '
                    f"id={quote('box-' + box['id'])}];"
                )
            lines.append("    }")
        lines.append("  }")
        port = outer_port[side]
        for a, b in layout[side]["edges"]:
            lines.append(f"  {a}:{port} -> {b}:{port} [constraint=false];")
    for a, b in layout["joins"]:
        lines.append(f'  {a} -> {b} [dir=none, style=dashed, color="#9a6700", penwidth=1.4, minlen=2];')
    lines.append("}")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=4)
def architecture_svg(url_prefix: str = "/concepts/", program: str = "dot") -> str:
    layout = load_layout()
    source = to_dot(layout, lambda slug: f"{url_prefix}{slug}/")
    return render_svg(source, program)
