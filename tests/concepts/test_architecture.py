import html
import re

from concepts.architecture import architecture_svg, load_layout, to_dot
from concepts.diagrams import render_svg


def test_every_box_links_to_its_pair_and_joins_cross_sides():
    layout = load_layout()
    dot = to_dot(layout, lambda slug: f"/concepts/{slug}/")
    assert 'URL="/concepts/vcenter-control-plane/"' in dot
    vsphere_ids = {b["id"] for g in layout["vsphere"]["groups"] for b in g["boxes"]}
    k8s_ids = {b["id"] for g in layout["kubernetes"]["groups"] for b in g["boxes"]}
    for a, b in layout["joins"]:
        assert a in vsphere_ids and b in k8s_ids


def test_the_svg_is_inline_ready_with_links():
    svg = architecture_svg()
    assert svg.startswith("<svg")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    assert 'xlink:href="/concepts/vcenter-db-etcd/"' in svg
    labels = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]+)</text>", svg)]
    assert "etcd" in labels and "kube-apiserver" in labels and "DRS" in labels


def test_every_wire_is_labelled_with_what_it_does():
    import xml.etree.ElementTree as ET

    svg_ns = "{http://www.w3.org/2000/svg}"
    layout = load_layout()
    wires = {(a, b): verb for side in ("vsphere", "kubernetes") for a, b, verb in layout[side]["edges"]}
    drawn = {}
    for group in ET.fromstring(architecture_svg()).iter(svg_ns + "g"):
        if "arch-edge" in (group.get("class") or "").split():
            _edge, a, b = group.get("id").split("-")
            drawn[a, b] = [t.text for t in group.iter(svg_ns + "text")]
    assert len(wires) >= 18 and set(drawn) == set(wires)
    for pair, texts in drawn.items():
        assert texts == [wires[pair]]
    assert wires["k_api", "k_etcd"] == "stores state in" and wires["vs_agent1", "vs_vm1"] == "runs"
    assert "splines=polyline" in to_dot(layout, lambda slug: "/")


def test_an_unlabelled_wire_is_a_content_error(tmp_path):
    import pytest

    from concepts.architecture import ARCHITECTURE_FILE
    from concepts.catalogue import ContentError

    broken = tmp_path / "architecture.yaml"
    broken.write_text(
        ARCHITECTURE_FILE.read_text().replace('[vs_vc, vs_db, "stores state in"]', "[vs_vc, vs_db]")
    )
    with pytest.raises(ContentError, match="what it does"):
        load_layout(broken)


def test_labels_are_quoted_by_graphviz():
    from concepts.architecture import label_text

    def side(title, label):
        box = {"id": title[0].lower(), "label": label, "pair": "p"}
        return {"title": title, "groups": [{"id": f"g{title[0]}", "title": "g", "boxes": [box]}], "edges": []}

    layout = {"vsphere": side("A", 'say "hi"\nC:\\temp\\n'), "kubernetes": side("B", "<b>"), "joins": []}
    svg = render_svg(to_dot(layout, lambda slug: "/"))
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]+)</text>", svg)]
    assert 'say "hi"' in texts and "C:\\temp\\n" in texts and "<b>" in texts
    assert label_text("two\nlines") == "two\\nlines"


def test_render_svg_reports_graphviz_errors():
    import pytest

    from concepts.diagrams import DiagramError

    with pytest.raises(DiagramError, match="graphviz failed"):
        render_svg("digraph { a -> }")
    with pytest.raises(DiagramError, match="apt-get install graphviz"):
        render_svg("digraph { a }", program="no-such-dot-program")
    with pytest.raises(DiagramError, match="too large to draw"):
        render_svg("digraph { a }" + " " * (3 * 1024 * 1024))
