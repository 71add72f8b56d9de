"""kubectl describe's layout, on objects the engine produced."""

from playground.engine import Cluster
from playground.kubectl.describe import describe, tabwrite

from .conftest import deployment


def test_tabwrite_aligns_runs_of_lines_not_the_whole_text():
    text = tabwrite(["Name:\tweb", "Namespace:\tdefault", "Containers:", "  nginx:\tx", "  a:\ty"])
    assert text == "Name:       web\nNamespace:  default\nContainers:\n  nginx:  x\n  a:      y\n"


def _ready():
    cluster = Cluster.new()
    cluster.apply(deployment("web", replicas=2))
    cluster.settle()
    return cluster


def test_describe_pod_shows_node_owner_state_and_events():
    cluster = _ready()
    pod = cluster.list("Pod", "default")[0]
    text = describe(cluster, "Pod", pod)
    lines = text.splitlines()
    assert lines[0] == f"Name:             {pod['metadata']['name']}"
    assert f"Node:             {pod['spec']['nodeName']}/10.140.0." in text
    assert "Controlled By:  ReplicaSet/web-" in text
    assert "    State:          Running\n      Started:      " in text
    assert "Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n" in text
    events = text.split("Events:\n", 1)[1].splitlines()
    assert events[0].split() == ["Type", "Reason", "Age", "From", "Message"]
    assert events[2].split()[:2] == ["Normal", "Scheduled"] and "default-scheduler" in events[2]
    assert "last-applied-configuration" not in text


def test_describe_deployment_and_a_node():
    cluster = _ready()
    text = describe(cluster, "Deployment", cluster.get("Deployment", "web", "default"))
    assert "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable" in text
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge" in text
    assert "NewReplicaSet:   web-" in text and "(2/2 replicas created)" in text
    assert "ScalingReplicaSet" in text and "State:" not in text
    cluster.cordon("worker-1")
    cluster.settle()
    node = describe(cluster, "Node", cluster.get("Node", "worker-1"))
    assert (
        "Unschedulable:      true" in node
        and "Taints:             node.kubernetes.io/unschedulable:NoSchedule" in node
    )
    assert "Non-terminated Pods:" in node and "  Kubelet Version:" in node


def test_describe_configmap_prints_data_blocks():
    cluster = Cluster.new()
    cluster.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s}\ndata: {level: info}\n")
    text = describe(cluster, "ConfigMap", cluster.get("ConfigMap", "s", "default"))
    assert "Annotations:  <none>\n\nData\n====\nlevel:\n----\ninfo\n\nBinaryData\n====\n" in text
