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
