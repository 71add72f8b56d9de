"""The topology diagram's step highlights: what the last control-loop step touched glows."""

from playground import topology
from playground.engine import Cluster

from .engine.conftest import deployment


def _steps_until(cluster, predicate):
    for _ in range(50):
        record = cluster.step()
        if record and predicate(record):
            return record
    raise AssertionError("the expected step never came")


def test_a_scheduling_step_lights_the_pod_and_its_host():
    cluster = Cluster.new()
    cluster.apply(deployment("web", replicas=2))
    record = _steps_until(cluster, lambda r: r["component"] == "kube-scheduler")
    node = cluster.get("Pod", record["name"], "default")["spec"]["nodeName"]
    lit = topology.highlights(cluster, record)
    assert lit == {f"pod/default/{record['name']}", f"node/{node}"}
    svg = topology.render_svg(topology.to_dot(cluster, lambda *a: "/o", lit))
    assert svg.count('class="node highlight"') == 1 and svg.count('class="cluster highlight"') == 1


def test_a_replicaset_step_lights_its_pods_and_nothing_lights_without_a_step():
    cluster = Cluster.new()
    cluster.apply(deployment("web", replicas=3))
    record = _steps_until(cluster, lambda r: r["kind"] == "ReplicaSet")
    lit = topology.highlights(cluster, record)
    assert len(lit) == 3 and all(key.startswith("pod/default/web-") for key in lit)
    assert topology.highlights(cluster, None) == set()
    assert "highlight" not in topology.to_dot(cluster, lambda *a: "/o")
