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


DAEMONSET = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      tolerations:
        - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 10}
      containers: [{name: agent, image: "quay.io/prometheus/node-exporter:v1.8.2"}]
"""


def test_a_daemon_pod_on_an_unreachable_node_keeps_running_and_survives_recovery(cluster):
    """Upstream's DaemonSet controller adds the not-ready and unreachable NoExecute tolerations
    without a time limit to every daemon pod (``util.AddOrUpdateDaemonPodTolerations``, replacing
    a matching toleration of the template's), and ``NodeShouldRunDaemonPod`` says an
    unreachable node (tainted unreachable:NoSchedule too) should not get a new daemon pod but
    the one there should continue running. The node lifecycle controller only marks the
    pod's Ready condition False (``MarkPodsNotReady``); its containers' statuses are untouched,
    so kubectl still prints 1/1 Running. DESIRED drops to the nodes that should run a daemon
    pod (``updateDaemonSetStatus``) and the pod left behind is misscheduled."""
    from playground import console

    cluster.apply(DAEMONSET)
    cluster.settle()
    pods = {
        p["spec"]["nodeName"]: p["metadata"]["name"]
        for p in cluster.list("pods", namespace="kube-system")
        if p["metadata"]["name"].startswith("agent-")
    }
    assert sorted(pods) == ["worker-1", "worker-2", "worker-3"]
    victim = pods["worker-2"]
    tolerations = cluster.get("pod", victim, "kube-system")["spec"]["tolerations"]
    assert tolerations[0] == {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
    }
    assert {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"} in tolerations
    cluster.fail_node("worker-2")
    cluster.advance(51)
    cluster.advance(600)
    pod = cluster.get("pod", victim, "kube-system")
    assert not pod["metadata"].get("deletionTimestamp") and pod["status"]["phase"] == "Running"
    ready = [c for c in pod["status"]["conditions"] if c["type"] == "Ready"][0]
    assert ready["status"] == "False"
    line = [
        row
        for row in console.run(cluster, console.parse("kubectl get pods -n kube-system")).splitlines()
        if row.startswith(victim)
    ][0]
    assert line.split()[1:3] == ["1/1", "Running"]
    status = cluster.get("ds", "agent", "kube-system")["status"]
    assert (
        status["desiredNumberScheduled"],
        status["currentNumberScheduled"],
        status["numberMisscheduled"],
    ) == (
        2,
        2,
        1,
    )
    assert not [e for e in cluster.events(namespace="kube-system") if e["reason"] == "SuccessfulDelete"]
    cluster.recover_node("worker-2")
    cluster.settle()
    after = sorted(
        p["metadata"]["name"]
        for p in cluster.list("pods", namespace="kube-system")
        if p["metadata"]["name"].startswith("agent-")
    )
    assert after == sorted(pods.values())  # the same pod, not a new one
    pod = cluster.get("pod", victim, "kube-system")
    assert [c for c in pod["status"]["conditions"] if c["type"] == "Ready"][0]["status"] == "True"
    status = cluster.get("ds", "agent", "kube-system")["status"]
    assert (status["desiredNumberScheduled"], status["numberReady"], status.get("numberMisscheduled")) == (
        3,
        3,
        0,
    )


def test_a_host_network_daemon_pod_also_tolerates_an_unavailable_network(cluster):
    """``util.AddOrUpdateDaemonPodTolerations`` adds network-unavailable:NoSchedule only for
    pods on the host's network (a CNI's own DaemonSet must start before the network exists)."""
    cluster.apply(DAEMONSET.replace("      tolerations:", "      hostNetwork: true\n      tolerations:"))
    cluster.settle()
    pod = [
        p for p in cluster.list("pods", namespace="kube-system") if p["metadata"]["name"].startswith("agent-")
    ][0]
    keys = [(t["key"], t["effect"]) for t in pod["spec"]["tolerations"]]
    assert ("node.kubernetes.io/network-unavailable", "NoSchedule") in keys
    cluster.apply(DAEMONSET.replace("agent", "plain"))
    cluster.settle()
    pod = [
        p for p in cluster.list("pods", namespace="kube-system") if p["metadata"]["name"].startswith("plain-")
    ][0]
    assert "node.kubernetes.io/network-unavailable" not in [t["key"] for t in pod["spec"]["tolerations"]]


def _taints(cluster, node):
    return {(t["key"], t["effect"]) for t in cluster.get("node", node)["spec"].get("taints") or []}


UNREACHABLE_NO_EXECUTE = ("node.kubernetes.io/unreachable", "NoExecute")


def test_zone_state_and_eviction_rate_follow_upstreams_thresholds():
    """``ComputeZoneState``: FullDisruption with no Ready node; PartialDisruption when more than
    two nodes are not Ready and they make at least ``--unhealthy-zone-threshold`` (0.55);
    ``setLimiterInZone`` with ``ReducedQPSFunc`` (``--secondary-node-eviction-rate`` 0.01 above
    ``--large-cluster-size-threshold`` 50 nodes, else 0) and ``HealthyQPSFunc`` (0.1)."""
    from playground.engine.controllers.nodelifecycle import compute_zone_state, zone_eviction_qps

    assert compute_zone_state(["Unknown", "Unknown"]) == "FullDisruption"
    assert compute_zone_state(["True", "Unknown", "Unknown"]) == "Normal"  # two is not more than two
    assert compute_zone_state(["True", "Unknown", "Unknown", "Unknown"]) == "PartialDisruption"
    assert compute_zone_state(["True"] * 9 + ["Unknown"] * 11) == "PartialDisruption"  # 0.55
    assert compute_zone_state(["True"] * 10 + ["Unknown"] * 10) == "Normal"  # 0.5
    assert zone_eviction_qps("PartialDisruption", 51) == 0.01
    assert zone_eviction_qps("PartialDisruption", 50) == 0
    assert (zone_eviction_qps("Normal", 4), zone_eviction_qps("FullDisruption", 2)) == (0.1, 0.1)


def test_failing_every_worker_of_a_small_cluster_evicts_nothing_and_recovery_brings_pods_back(cluster):
    """Three of the default cluster's four nodes down is a PartialDisruption of its one zone
    (``ComputeZoneState``); a zone of 50 nodes or fewer then gets a rate of 0
    (``ReducedQPSFunc``), so ``doNoExecuteTaintingPass`` adds no NoExecute taint: the nodes are
    Unknown and tainted unreachable:NoSchedule only, and no pod is ever marked for deletion."""
    cluster.apply(deployment(replicas=6))
    cluster.settle()
    before = sorted(p["metadata"]["name"] for p in cluster.list("pods", namespace="default"))
    for node in ("worker-1", "worker-2", "worker-3"):
        cluster.fail_node(node)
    cluster.advance(51)
    for node in ("worker-1", "worker-2", "worker-3"):
        assert _taints(cluster, node) == {("node.kubernetes.io/unreachable", "NoSchedule")}
    cluster.advance(1800)
    pods = cluster.list("pods", namespace="default")
    assert sorted(p["metadata"]["name"] for p in pods) == before
    assert not any(p["metadata"].get("deletionTimestamp") for p in pods)
    assert not [e for e in cluster.events(namespace="default") if e["reason"] == "TaintManagerEviction"]
    steps = [s["message"] for s in cluster.steps if s["action"] == "ZoneStateChanged"]
    assert steps == [
        "Controller detected that zone (no zone) is now in state PartialDisruption: NoExecute taints at 0 node(s)/s"
    ]
    for node in ("worker-1", "worker-2", "worker-3"):
        cluster.recover_node(node)
    cluster.settle()
    pods = cluster.list("pods", namespace="default")
    assert sorted(p["metadata"]["name"] for p in pods) == before
    assert all(
        [c["status"] for c in p["status"]["conditions"] if c["type"] == "Ready"] == ["True"] for p in pods
    )
    assert all("taints" not in cluster.get("node", n)["spec"] for n in ("worker-1", "worker-2", "worker-3"))


def test_when_every_node_is_down_the_controller_takes_the_noexecute_taints_off(cluster):
    """``handleDisruption``: when every zone is FullDisruption the controller enters "master
    disruption mode", removes the NoExecute taints from every node (``markNodeAsReachable``) and
    stops tainting (``SwapLimiter(0)``), so pods already counting down on a node tainted earlier
    are not evicted either. Upstream logs this, it records no Event."""
    cluster.apply(deployment(replicas=6))
    cluster.settle()
    cluster.fail_node("worker-1")
    cluster.advance(60)
    assert UNREACHABLE_NO_EXECUTE in _taints(cluster, "worker-1")  # a Normal zone: tainted at once
    for node in ("worker-2", "worker-3", "control-plane"):
        cluster.fail_node(node)
    cluster.advance(51)
    assert all(
        UNREACHABLE_NO_EXECUTE not in _taints(cluster, n["metadata"]["name"]) for n in cluster.list("nodes")
    )
    cluster.advance(1200)
    assert not any(p["metadata"].get("deletionTimestamp") for p in cluster.list("pods", namespace="default"))
    messages = [s["message"] for s in cluster.steps if s["action"] == "MasterDisruption"]
    assert messages[0].startswith(
        "Controller detected that all Nodes are not-Ready. Entering master disruption mode"
    )
    assert not [e for e in cluster.events() if "disruption" in e["message"]]
    cluster.recover_node("control-plane")
    cluster.advance(1)
    messages = [s["message"] for s in cluster.steps if s["action"] == "MasterDisruption"]
    assert messages[-1] == "Controller detected that some Nodes are Ready. Exiting master disruption mode"


def test_noexecute_taints_go_through_the_zones_rate_limiter(cluster):
    """``doNoExecuteTaintingPass`` takes nodes off a ``RateLimitedTimedQueue`` whose token
    bucket runs at ``--node-eviction-rate`` 0.1 per second with a burst of 1: two nodes failing
    together in a Normal zone are tainted 10 s apart, and so are their pods' evictions."""
    cluster.apply(deployment(replicas=3))
    cluster.settle()
    cluster.fail_node("worker-1")
    cluster.fail_node("worker-2")
    start = cluster.clock
    cluster.advance(51)
    tainted = [n for n in ("worker-1", "worker-2") if UNREACHABLE_NO_EXECUTE in _taints(cluster, n)]
    assert tainted == ["worker-1"]
    cluster.advance(10)
    added = {
        n: [t for t in cluster.get("node", n)["spec"]["taints"] if t["effect"] == "NoExecute"][0]["timeAdded"]
        for n in ("worker-1", "worker-2")
    }
    assert cluster.parse_time(added["worker-2"]) - cluster.parse_time(added["worker-1"]) == 10
    assert 49 < cluster.parse_time(added["worker-1"]) - start <= 50  # timeAdded is in whole seconds


def test_a_whole_zone_down_while_others_run_is_evicted_at_the_normal_rate():
    """Zones are keyed by the topology region and zone labels (``GetZoneKey``). One zone fully
    disrupted while another is not keeps the normal rate (``HealthyQPSFunc``): its workloads
    can go to the zones that are up, so its nodes are tainted NoExecute as usual."""
    cluster = Cluster.new("zones")
    cluster.fail_node("worker-1")
    cluster.fail_node("worker-2")
    cluster.advance(61)
    assert all(UNREACHABLE_NO_EXECUTE in _taints(cluster, n) for n in ("worker-1", "worker-2"))
    steps = [s["message"] for s in cluster.steps if s["action"] == "ZoneStateChanged"]
    assert steps == [
        "Controller detected that zone region-1/zone-a is now in state FullDisruption: NoExecute taints at 0.1 node(s)/s"
    ]
