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


def test_render_svg_reports_graphviz_errors():
    import pytest

    from concepts.diagrams import DiagramError

    with pytest.raises(DiagramError, match="graphviz failed"):
        render_svg("digraph { a -> }")
    with pytest.raises(DiagramError, match="apt-get install graphviz"):
        render_svg("digraph { a }", program="no-such-dot-program")
