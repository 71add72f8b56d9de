"""The topology diagram: step highlights, a layout that holds still, a traced request, the
legend and zoom controls around it."""

import html
import re
import xml.etree.ElementTree as ET

import graphviz
import pytest
from django.template.loader import render_to_string

from concepts.diagrams import render_svg
from playground import topology
from playground.engine import Cluster
from playground.models import Sandbox

from .engine.conftest import deployment

SVG = "{http://www.w3.org/2000/svg}"


def _url(*_args):
    return "/o"


def _steps_until(cluster, predicate):
    for _ in range(50):
        record = cluster.step()
        if record and predicate(record):
            return record
    raise AssertionError("the expected step never came")


def _shop(cluster, replicas=6):
    """A web Deployment behind a LoadBalancer Service and an Ingress, spread over the hosts."""
    cluster.apply(
        deployment("web", replicas=replicas).replace(
            "image: nginx:1.27", "image: nginx:1.27\n          ports: [{containerPort: 80}]"
        )
    )
    cluster.apply("""
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80, targetPort: 80}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
    - host: shop.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
""")
    cluster.settle()
    return cluster


def _hosts_top_to_bottom(svg: str) -> list[tuple[str, float, float, float]]:
    """Each host cluster's first title line with the left, top and right of its outline, top first."""
    root = ET.fromstring(svg)
    found = []
    for group in root.iter(SVG + "g"):
        if "cluster" not in (group.get("class") or "").split():
            continue
        title = next(group.iter(SVG + "text")).text
        shape = next(e for e in group.iter() if e.tag in (SVG + "path", SVG + "polygon"))
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", shape.get("d") or shape.get("points"))]
        found.append((title, min(numbers[0::2]), min(numbers[1::2]), max(numbers[0::2])))
    return sorted(found, key=lambda host: host[2])


# Step highlights --------------------------------------------------------------------------


def test_a_scheduling_step_lights_the_pod_and_its_host():
    cluster = Cluster.new()
    cluster.apply(deployment("web", replicas=2))
    record = _steps_until(cluster, lambda r: r["component"] == "kube-scheduler")
    node = cluster.get("Pod", record["name"], "default")["spec"]["nodeName"]
    lit = topology.highlights(cluster, record)
    assert lit == {f"pod/default/{record['name']}", f"node/{node}"}
    svg = topology.svg(cluster, _url, highlight=lit)
    assert svg.count('class="node highlight"') == 1 and svg.count('class="cluster highlight"') == 1


def test_a_replicaset_step_lights_its_pods_and_nothing_lights_without_a_step():
    cluster = Cluster.new()
    cluster.apply(deployment("web", replicas=3))
    record = _steps_until(cluster, lambda r: r["kind"] == "ReplicaSet")
    lit = topology.highlights(cluster, record)
    assert len(lit) == 3 and all(key.startswith("pod/default/web-") for key in lit)
    assert topology.highlights(cluster, None) == set()
    assert "highlight" not in topology.to_dot(cluster, _url)


def test_the_step_stays_lit_until_something_else_happens():
    cluster = Cluster.new()
    cluster.apply(deployment("web", replicas=2))
    assert cluster.step_lit is None  # an apply is not a step
    record = cluster.step()
    assert record["action"] != "NoChange" and cluster.step_lit is record
    cluster.advance(0)  # what the change set in motion, run at the same instant, keeps it
    assert cluster.step_lit is record
    assert Cluster.from_dict(cluster.to_dict()).step_lit == record  # survives a save
    cluster.settle()
    assert cluster.step_lit is None
    cluster.apply(deployment("api", replicas=1))
    cluster.step()
    assert cluster.step_lit is not None
    cluster.apply(deployment("other", replicas=1))  # the learner changed something
    assert cluster.step_lit is None
    cluster.step()
    cluster.fail_node("worker-1")  # an operator action on a host
    assert cluster.step_lit is None
    cluster.step()
    cluster.advance(5)  # time moved on
    assert cluster.step_lit is None


# The layout holds still -----------------------------------------------------------------------


@pytest.mark.parametrize("change", ["fail", "cordon"])
def test_hosts_keep_their_place_when_one_fails_or_is_cordoned(change):
    cluster = _shop(Cluster.new())
    before = _hosts_top_to_bottom(topology.svg(cluster, _url))
    names = [title for title, *_ in before]
    assert names == ["control-plane", "worker-1", "worker-2", "worker-3"]
    if change == "fail":
        cluster.fail_node("worker-2")
        cluster.advance(400)  # NotReady, its endpoints removed, its pods evicted and replaced
        assert not any(
            ep.get("targetRef", {}).get("name")
            in {p["metadata"]["name"] for p in cluster.store.pods_on("worker-2")}
            and ep["conditions"].get("ready")
            for es in cluster.store.iter("EndpointSlice", "default")
            for ep in es.get("endpoints") or []
        )
    else:
        cluster.cordon("worker-2")
        cluster.settle()
    after_svg = topology.svg(cluster, _url)
    after = _hosts_top_to_bottom(after_svg)
    assert [title for title, *_ in after] == names
    # One column, before and after: the hosts' outlines overlap left to right.
    for hosts in (before, after):
        assert max(left for _t, left, _top, _r in hosts) < min(right for _t, _l, _top, right in hosts)
    expected = "NotReady" if change == "fail" else "SchedulingDisabled"
    assert expected in html.unescape(after_svg)


def test_pods_are_drawn_in_namespace_and_name_order_within_their_host():
    cluster = _shop(Cluster.new())
    root = ET.fromstring(topology.svg(cluster, _url))
    for group in root.iter(SVG + "g"):
        if "cluster" not in (group.get("class") or "").split():
            continue
        host = next(group.iter(SVG + "text")).text
        pods = [
            (float(text.get("y")), text.text)
            for node in root.iter(SVG + "g")
            if "node" in (node.get("class") or "").split()
            and (node.find(SVG + "title").text or "").startswith("pod/")
            for text in [next(node.iter(SVG + "text"))]
        ]
        on_host = sorted(
            p["metadata"]["name"]
            for p in cluster.store.pods_on(host)
            if p["metadata"]["namespace"] == "default"
        )
        drawn = [name for _y, name in sorted(pods) if name in on_host]
        assert drawn == on_host


def test_labels_are_quoted_by_graphviz_not_by_hand():
    dot = graphviz.Digraph()
    dot.node("n", label=topology.text('say "hi"', "C:\\temp\\n <b>"))
    svg = render_svg(dot.source)
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert texts == ['say "hi"', "C:\\temp\\n <b>"]
    assert "quote" not in vars(topology)  # the hand-written quoting is gone


def test_many_pods_on_a_host_are_grouped_by_owner():
    cluster = Cluster.new()
    cluster.apply(deployment("web", replicas=60, cpu="10m"))
    cluster.settle()
    source = topology.to_dot(cluster, _url)
    assert re.search(r'label="web-[0-9a-z]+ ×\d+"', source)
    svg = topology.svg(cluster, _url)
    assert "×" in svg and svg.count('class="node"') < 60


# A traced request -------------------------------------------------------------------------------


def _hops(svg: str) -> dict[int, str]:
    found = {}
    for group in ET.fromstring(svg).iter(SVG + "g"):
        if "trace-hop" in (group.get("class") or "").split():
            number = int(group.get("id").rsplit("-", 1)[1])
            found[number] = " ".join(html.unescape(t.text or "") for t in group.iter(SVG + "text"))
    return found


def test_a_request_through_the_load_balancer_is_drawn_hop_by_hop():
    cluster = _shop(Cluster.new())
    lb = cluster.get("svc", "web")["status"]["loadBalancer"]["ingress"][0]["ip"]
    trace = cluster.trace("outside", f"{lb}:80")
    assert trace["ok"]
    pod = trace["pod"].split("/")[1]
    node = cluster.get("Pod", pod, "default")["spec"]["nodeName"]
    assert trace["route"]["service"] == "default/web" and trace["route"]["lb"] == lb
    svg = topology.svg(cluster, _url, trace=trace)
    hops = _hops(svg)
    assert sorted(hops) == [1, 2, 3, 4]
    assert hops[1].startswith("1 ") and "load balancer" in hops[1]
    assert hops[2].startswith("2 NodePort on worker-")
    assert hops[3].startswith("3 ") and "Service" in hops[3]
    assert hops[4].startswith("4 ") and trace["endpoint"].split(":")[0] in hops[4]
    # The last hop ends at the chosen pod, and its host is outlined.
    dot = topology.to_dot(cluster, _url, trace=trace)
    assert re.search(rf'"svc/default/web" -> "pod/default/{pod}" \[[^\]]*id="trace-hop-4"', dot)
    assert f'subgraph "cluster_node/{node}" {{\n\t\tclass="trace-host"' in dot
    assert "trace-hop" not in topology.to_dot(cluster, _url)  # no trace, no hops


def test_a_request_through_an_ingress_and_one_that_fails():
    cluster = _shop(Cluster.new())
    hops = _hops(topology.svg(cluster, _url, trace=cluster.trace("outside", "http://shop.example.com/")))
    assert sorted(hops) == [1, 2, 3] and "ingress" in hops[1] and "Service" in hops[2]
    cluster.scale("deployment", "web", 0)
    cluster.settle()
    failing = cluster.trace("outside", "http://shop.example.com/")
    assert not failing["ok"]
    svg = topology.svg(cluster, _url, trace=failing)
    assert sorted(_hops(svg)) == [1, 2] and _hops(svg)[2].endswith("✗")
    assert 'class="edge trace-hop trace-failed"' in html.unescape(svg)


# The page around it ---------------------------------------------------------------------------


def test_the_partial_has_zoom_controls_the_canvas_and_the_legend():
    page = render_to_string(
        "playground/_topology.html", {"diagram": "<svg id='x'></svg>", "diagram_error": None}
    )
    assert '<div class="diagram-canvas" id="topology-canvas" tabindex="0"' in page
    assert "<svg id='x'></svg>" in page
    for name in ("Zoom in", "Zoom out", "Fit to width", "Actual size"):
        assert f'aria-label="{name}"' in page
    assert 'data-diagram-viewer="topology"' in page and "js/diagram.js" in page
    for meaning in ("Running and Ready", "NotReady", "Terminating", "endpoint pods", "Ingress", "NodePort"):
        assert meaning in page
    broken = render_to_string(
        "playground/_topology.html",
        {"diagram": None, "diagram_error": "dot is missing", "diagram_id": "trace"},
    )
    assert (
        "dot is missing" in broken
        and "diagram-canvas" not in broken
        and 'data-diagram-viewer="trace"' in broken
    )


@pytest.mark.django_db
def test_the_page_lights_a_step_and_not_after_settle(client):
    client.post("/playground/try/self-healing")
    sandbox = Sandbox.objects.get()
    base = f"/playground/{sandbox.public_id}"
    client.post(f"{base}/clock", {"do": "pause"})
    # A failed host gives the control loops timed work (node lifecycle, eviction) to step through:
    # the node lifecycle controller's step on worker-2 lights that host.
    client.post(f"{base}/nodes/worker-2/fail")
    page = ""
    for _ in range(10):
        client.post(f"{base}/clock", {"do": "step"})
        page = client.get(f"{base}/", {"tab": "topology"}).content.decode()
        if 'class="cluster highlight"' in page:
            break
    assert 'id="host&#45;worker&#45;2" class="cluster highlight"' in page
    client.post(f"{base}/clock", {"do": "settle"})
    assert Sandbox.objects.get().paused  # still paused: only the Step's glow has ended
    page = client.get(f"{base}/", {"tab": "topology"}).content.decode()
    assert "<svg" in page and "highlight" not in page.split("<svg", 1)[1]


@pytest.mark.django_db
def test_the_network_page_draws_a_traced_request(client):
    client.post("/playground/try/restaurant-rating")
    sandbox = Sandbox.objects.get()
    from playground.sandboxes import restore

    svc = restore(sandbox.state).get("svc", "yelb-ui", "default")
    lb = svc["status"]["loadBalancer"]["ingress"][0]["ip"]
    url = f"/playground/{sandbox.public_id}/network/"
    fragment = client.get(url, {"source": "outside", "destination": f"{lb}:80"}, HTTP_HX_REQUEST="true")
    text = html.unescape(fragment.content.decode())
    assert 'data-diagram-viewer="trace"' in text and 'id="trace-hop-1"' in text and 'id="trace-hop-4"' in text
    assert "trace-hop" not in client.get(url).content.decode()
