import pytest

from playground.engine import Cluster
from playground.engine.scheduler import Scheduler

from .conftest import deployment, pod


def scheduled_node(cluster, name, namespace="default"):
    return cluster.get("pod", name, namespace)["spec"].get("nodeName")


def test_a_pod_that_fits_nowhere_gets_upstreams_message_and_condition(cluster):
    cluster.create(
        pod(
            "huge",
            containers=[{"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "64"}}}],
        )
    )
    cluster.settle()
    created = cluster.get("pod", "huge")
    [condition] = [c for c in created["status"]["conditions"] if c["type"] == "PodScheduled"]
    message = (
        "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "3 Insufficient cpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, "
        "3 No preemption victims found for incoming pod.."
    )
    assert (condition["status"], condition["reason"], condition["message"]) == (
        "False",
        "Unschedulable",
        message,
    )
    [event] = [e for e in cluster.events(name="huge") if e["reason"] == "FailedScheduling"]
    assert (
        event["type"] == "Warning"
        and event["source"]["component"] == "default-scheduler"
        and event["message"] == message
    )


def test_a_pending_pod_is_retried_when_a_node_is_added(cluster):
    big = [{"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "6"}}}]
    cluster.create(pod("big", containers=big))
    cluster.settle()
    assert scheduled_node(cluster, "big") is None
    cluster.add_node("worker-4", cpu="8", memory="32Gi")
    cluster.settle()
    assert scheduled_node(cluster, "big") == "worker-4"
    assert cluster.get("pod", "big")["status"]["phase"] == "Running"
    [scheduled] = [e for e in cluster.events(name="big") if e["reason"] == "Scheduled"]
    assert scheduled["message"] == "Successfully assigned default/big to worker-4"


def test_node_selector_and_required_node_affinity(cluster):
    cluster.patch("node", "worker-2", {"metadata": {"labels": {"disktype": "ssd"}}})
    cluster.create(pod("ssd", nodeSelector={"disktype": "ssd"}))
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "kubernetes.io/hostname", "operator": "In", "values": ["worker-3"]}
                        ]
                    }
                ]
            }
        }
    }
    cluster.create(pod("pinned", affinity=affinity))
    cluster.create(pod("nowhere", nodeSelector={"disktype": "nvme"}))
    cluster.settle()
    assert scheduled_node(cluster, "ssd") == "worker-2"
    assert scheduled_node(cluster, "pinned") == "worker-3"
    condition = [
        c for c in cluster.get("pod", "nowhere")["status"]["conditions"] if c["type"] == "PodScheduled"
    ][0]
    assert "3 node(s) didn't match Pod's node affinity/selector" in condition["message"]


def test_taints_and_tolerations(cluster):
    cluster.patch(
        "node",
        "worker-1",
        {"spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}},
    )
    cluster.patch(
        "node",
        "worker-2",
        {"spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}},
    )
    cluster.patch(
        "node",
        "worker-3",
        {"spec": {"taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}},
    )
    cluster.create(pod("plain"))
    cluster.create(
        pod(
            "gpu",
            tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}],
        )
    )
    cluster.settle()
    assert scheduled_node(cluster, "plain") is None
    message = [c for c in cluster.get("pod", "plain")["status"]["conditions"] if c["type"] == "PodScheduled"][
        0
    ]["message"]
    assert message.startswith(
        "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "3 node(s) had untolerated taint {dedicated: gpu}."
    )
    assert scheduled_node(cluster, "gpu") in {"worker-1", "worker-2", "worker-3"}


def test_a_cordoned_node_takes_no_new_pods(cluster):
    cluster.cordon("worker-1")
    cluster.cordon("worker-2")
    for i in range(4):
        cluster.create(pod(f"p{i}"))
    cluster.settle()
    assert {scheduled_node(cluster, f"p{i}") for i in range(4)} == {"worker-3"}
    node = cluster.get("node", "worker-1")
    assert node["spec"]["unschedulable"] is True
    assert {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}.items() <= node["spec"][
        "taints"
    ][0].items()


def test_required_anti_affinity_spreads_and_leaves_the_extra_pending(cluster):
    anti = """
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: web}}
              topologyKey: kubernetes.io/hostname"""
    cluster.apply(deployment(replicas=4, pod_extra=anti))
    cluster.settle()
    pods = cluster.list("pods", namespace="default", label_selector="app=web")
    placed = [p["spec"].get("nodeName") for p in pods]
    assert sorted(n for n in placed if n) == ["worker-1", "worker-2", "worker-3"]
    [pending] = [p for p in pods if not p["spec"].get("nodeName")]
    message = [c for c in pending["status"]["conditions"] if c["type"] == "PodScheduled"][0]["message"]
    assert "3 node(s) didn't match pod anti-affinity rules" in message


def test_topology_spread_across_zones():
    cluster = Cluster.new(workers=4)
    for name, zone in (("worker-1", "a"), ("worker-2", "a"), ("worker-3", "b"), ("worker-4", "b")):
        cluster.patch("node", name, {"metadata": {"labels": {"topology.kubernetes.io/zone": zone}}})
    spread = """
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: DoNotSchedule
          labelSelector: {matchLabels: {app: web}}"""
    cluster.apply(deployment(replicas=6, pod_extra=spread))
    cluster.settle()
    zones = {"worker-1": "a", "worker-2": "a", "worker-3": "b", "worker-4": "b"}
    counts = {"a": 0, "b": 0}
    for p in cluster.list("pods", namespace="default", label_selector="app=web"):
        counts[zones[p["spec"]["nodeName"]]] += 1
    assert counts == {"a": 3, "b": 3}


def test_host_port_conflicts(cluster):
    port = [{"name": "main", "image": "nginx:1.27", "ports": [{"containerPort": 80, "hostPort": 8080}]}]
    for i in range(4):
        cluster.create(pod(f"hp{i}", containers=port))
    cluster.settle()
    placed = [scheduled_node(cluster, f"hp{i}") for i in range(4)]
    assert sorted(n for n in placed if n) == ["worker-1", "worker-2", "worker-3"]
    pending = [f"hp{i}" for i in range(4) if placed[i] is None][0]
    message = [c for c in cluster.get("pod", pending)["status"]["conditions"] if c["type"] == "PodScheduled"][
        0
    ]["message"]
    assert "3 node(s) didn't have free ports for the requested pod ports" in message


def test_least_allocated_scoring_prefers_the_emptier_node(cluster):
    heavy = [
        {"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "3", "memory": "8Gi"}}}
    ]
    cluster.create(pod("heavy1", containers=heavy, nodeName="worker-1"))
    cluster.create(pod("heavy2", containers=heavy, nodeName="worker-2"))
    cluster.settle()
    cluster.create(pod("next"))
    cluster.settle()
    assert scheduled_node(cluster, "next") == "worker-3"
    decision = cluster.scheduling_decision("next")
    assert decision["node"] == "worker-3" and decision["result"] == "Scheduled"
    # Each filter's verdict in order, up to the one that rejected the node.
    assert decision["filters"]["control-plane"] == [
        ["NodeUnschedulable", "Success", ""],
        ["NodeName", "Success", ""],
        [
            "TaintToleration",
            "UnschedulableAndUnresolvable",
            "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
        ],
    ]
    assert [v[0] for v in decision["filters"]["worker-3"]] == [
        "NodeUnschedulable",
        "NodeName",
        "TaintToleration",
        "NodeResourcesFit",
    ]
    assert {v[1] for v in decision["filters"]["worker-3"]} == {"Success"}
    assert (
        decision["scores"]["worker-3"]["NodeResourcesFit"]
        > decision["scores"]["worker-1"]["NodeResourcesFit"]
    )
    assert decision["totals"]["worker-3"] == max(decision["totals"].values())


def test_higher_priority_preempts_lower():
    cluster = Cluster.new(workers=1, system_pods=False, worker_cpu="2")
    cluster.apply(
        "apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: high}\nvalue: 1000\n"
    )
    filler = [{"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "1500m"}}}]
    cluster.create(pod("low", containers=filler))
    cluster.settle()
    cluster.create(pod("vip", containers=filler, priorityClassName="high"))
    cluster.settle()
    assert cluster.get("pod", "vip")["spec"]["nodeName"] == "worker-1"
    assert cluster.get("pod", "vip")["spec"]["priority"] == 1000
    [preempted] = [e for e in cluster.events() if e["reason"] == "Preempted"]
    assert preempted["involvedObject"]["name"] == "low"
    assert preempted["message"].startswith("Preempted by pod ") and preempted["message"].endswith(
        " on node worker-1"
    )


@pytest.mark.parametrize(
    ("nodes", "expected"), [(50, 50), (100, 100), (500, 230), (1000, 420), (5000, 500), (6000, 300)]
)
def test_percentage_of_nodes_to_score_is_adaptive_as_upstream(nodes, expected):
    class FakeCluster:
        options: dict = {}

    assert Scheduler(FakeCluster()).feasible_nodes_to_find(nodes) == expected
