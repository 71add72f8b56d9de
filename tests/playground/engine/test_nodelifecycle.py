from playground.engine import Cluster

from .conftest import deployment


def test_a_failed_node_goes_unknown_is_tainted_and_its_pods_move():
    cluster = Cluster.new()
    anti = """
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                labelSelector: {matchLabels: {app: web}}
                topologyKey: kubernetes.io/hostname"""
    cluster.apply(deployment(pod_extra=anti))
    cluster.settle()
    before = {p["metadata"]["name"]: p["spec"]["nodeName"] for p in cluster.list("pods", namespace="default")}
    assert sorted(before.values()) == ["worker-1", "worker-2", "worker-3"]
    lost = [name for name, node in before.items() if node == "worker-2"][0]
    cluster.fail_node("worker-2")
    cluster.advance(49)
    assert [c["status"] for c in cluster.get("node", "worker-2")["status"]["conditions"]][-1] == "True"
    cluster.advance(2)
    node = cluster.get("node", "worker-2")
    ready = [c for c in node["status"]["conditions"] if c["type"] == "Ready"][0]
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown",
        "NodeStatusUnknown",
        "Kubelet stopped posting node status.",
    )
    assert {(t["key"], t["effect"]) for t in node["spec"]["taints"]} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
    }
    # The default toleration keeps the pod for 300 s.
    cluster.advance(290)
    assert not cluster.get("pod", lost)["metadata"].get("deletionTimestamp")
    cluster.advance(20)
    assert cluster.get("pod", lost)["metadata"].get("deletionTimestamp")  # Terminating until the node returns
    cluster.settle()
    running = [
        p for p in cluster.list("pods", namespace="default") if not p["metadata"].get("deletionTimestamp")
    ]
    assert len(running) == 3 and all(p["spec"]["nodeName"] != "worker-2" for p in running)
    eviction = [e for e in cluster.events(namespace="default") if e["reason"] == "TaintManagerEviction"]
    assert eviction[0]["message"] == f"Marking for deletion Pod default/{lost}"
    cluster.recover_node("worker-2")
    cluster.settle()
    node = cluster.get("node", "worker-2")
    assert "taints" not in node["spec"]
    assert [c for c in node["status"]["conditions"] if c["type"] == "Ready"][0]["status"] == "True"
    assert lost not in [p["metadata"]["name"] for p in cluster.list("pods", namespace="default")]


def test_a_short_toleration_evicts_sooner():
    cluster = Cluster.new()
    fast = """
      tolerations:
        - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 10}"""
    cluster.apply(deployment(replicas=3, pod_extra=fast))
    cluster.settle()
    victims = [
        p["metadata"]["name"]
        for p in cluster.list("pods", namespace="default")
        if p["spec"]["nodeName"] == "worker-1"
    ]
    cluster.fail_node("worker-1")
    cluster.advance(62)
    assert all(cluster.get("pod", v)["metadata"].get("deletionTimestamp") for v in victims)


def test_removing_a_node_deletes_its_pods_and_they_come_back_elsewhere(cluster):
    cluster.apply(deployment())
    cluster.settle()
    cluster.remove_node("worker-3")
    cluster.settle()
    pods = cluster.list("pods", namespace="default")
    assert len(pods) == 3 and all(p["spec"]["nodeName"] in ("worker-1", "worker-2") for p in pods)
