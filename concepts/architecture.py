"""The architecture comparison: both systems in one graphviz diagram.

The boxes and joins are data (architecture.yaml); this module validates them
against the catalogue and draws them with graphviz, each box linking to its pair and
each arrow labelled with what it does.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import graphviz
import yaml

from concepts import i18n
from concepts.catalogue import Catalogue, ContentError, catalogue
from concepts.diagrams import render_svg

ARCHITECTURE_FILE = Path(__file__).resolve().parent / "architecture.yaml"

# Helvetica for Latin text, then a CJK family for Chinese labels (Debian's fonts-noto-cjk,
# or WenQuanYi): pango measures with the first family that has the glyph, and the SVG's
# font-family lets the browser do the same.
FONT = "Helvetica,Noto Sans CJK SC,WenQuanYi Micro Hei,sans-serif"

# Straight segments read better than curves once every arrow carries a label.
SPLINES = "polyline"

SIDE_STYLE = {
    "vsphere": {"color": "#17694c", "fill": "#e3f3ec", "group_fill": "#f3faf7"},
    "kubernetes": {"color": "#2456b8", "fill": "#e4ecfb", "group_fill": "#f4f7fd"},
}


def load_layout(
    path: Path = ARCHITECTURE_FILE, cat: Catalogue | None = None, language: str = i18n.ENGLISH
) -> dict:
    cat = cat or catalogue()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if language != i18n.ENGLISH:
        data = i18n.localize(i18n.KIND["architecture"], path, data, language)
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
            if len(edge) != 3 or not isinstance(edge[2], str) or not edge[2].strip():
                raise ContentError(f'{path.name}: edge {edge}: give [from, to, "what it does"]')
            for end in edge[:2]:
                if end not in ids:
                    raise ContentError(f"{path.name}: edge {edge}: no box {end!r}")
    for join in data["joins"]:
        for end in join:
            if end not in ids:
                raise ContentError(f"{path.name}: join {join}: no box {end!r}")
    return data


def build(layout: dict, pair_url) -> graphviz.Digraph:
    """The comparison as a graphviz.Digraph; `pair_url(slug)` gives each box's link.

    Laid out as a ladder: vSphere on the left, Kubernetes on the right, one row per pair
    (in the order of `joins`), so every box sits level with its counterpart and the join
    between them is a level dashed line. Each side's own wiring runs down its side, every
    arrow labelled with what it does ("stores state in", "runs", ...).
    """
    dot = graphviz.Digraph(
        "architecture",
        graph_attr={
            "rankdir": "TB",
            "newrank": "true",
            "splines": SPLINES,
            "fontname": FONT,
            "fontsize": "12",
            "nodesep": "1.2",
            "ranksep": "0.45",
            "bgcolor": "transparent",
            "outputorder": "edgesfirst",
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": FONT,
            "fontsize": "11",
            "width": "2.2",
            "margin": "0.14,0.06",
        },
        edge_attr={
            "color": "#7b8594",
            "arrowsize": "0.6",
            "penwidth": "1",
            "fontname": FONT,
            "fontsize": "9",
            "fontcolor": "#374151",
        },
    )
    for side in ("vsphere", "kubernetes"):
        style = SIDE_STYLE[side]
        with dot.subgraph(name=f"cluster_{side}") as outer:
            outer.attr(
                label=label_text(layout[side]["title"]),
                fontsize="16",
                fontcolor=style["color"],
                color=style["color"],
                penwidth="2",
                style="rounded",
            )
            for group in layout[side]["groups"]:
                with outer.subgraph(name=f"cluster_{group['id']}") as inner:
                    inner.attr(
                        label=label_text(group["title"]),
                        fontsize="11",
                        fontcolor="#374151",
                        style="rounded,filled",
                        fillcolor=style["group_fill"],
                        color=style["color"],
                        penwidth="1",
                    )
                    for box in group["boxes"]:
                        inner.node(
                            box["id"],
                            label=label_text(box["label"]),
                            color=style["color"],
                            fillcolor=style["fill"],
                            URL=pair_url(box["pair"]),
                            target="_top",
                            tooltip=label_text(box["label"].replace("\n", " ")),
                            id=f"box-{box['id']}",
                        )
        for a, b, verb in layout[side]["edges"]:
            dot.edge(
                a,
                b,
                label=label_text(verb),
                tooltip=label_text(f"{box_label(layout, a)} {verb} {box_label(layout, b)}"),
                id=f"edge-{a}-{b}",
                **{"class": "arch-edge"},
            )
    # One row per pair, in the order of `joins`: the join is a short level dashed line.
    for a, b in layout["joins"]:
        with dot.subgraph() as row:
            row.attr(rank="same")
            row.node(a)
            row.node(b)
        dot.edge(a, b, dir="none", style="dashed", color="#9a6700", penwidth="1.4")
    # Invisible edges hold the rows in that order top to bottom on both sides.
    for (a1, b1), (a2, b2) in zip(layout["joins"], layout["joins"][1:], strict=False):
        dot.edge(a1, a2, style="invis", weight="0")
        dot.edge(b1, b2, style="invis", weight="0")
    return dot


def label_text(text: str) -> str:
    """A label shown as written (its line breaks kept, no DOT escapes, never HTML)."""
    return graphviz.nohtml("\\n".join(graphviz.escape(line) for line in text.split("\n")))


def box_label(layout: dict, box_id: str) -> str:
    for side in ("vsphere", "kubernetes"):
        for group in layout[side]["groups"]:
            for box in group["boxes"]:
                if box["id"] == box_id:
                    return box["label"].replace("\n", " ")
    return box_id


def to_dot(layout: dict, pair_url) -> str:
    """DOT source for the comparison (see build)."""
    return build(layout, pair_url).source


@lru_cache(maxsize=4)
def architecture_svg(
    url_prefix: str = "/concepts/", program: str = "dot", language: str = i18n.ENGLISH
) -> str:
    layout = load_layout(language=language)
    source = to_dot(layout, lambda slug: f"{url_prefix}{slug}/")
    return render_svg(source, program)
