from .conftest import deployment, pod

PDB = """
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-pdb}
spec:
  minAvailable: 3
  selector: {matchLabels: {app: web}}
"""


def test_drain_is_blocked_by_a_pdb_then_allowed_when_capacity_grows(cluster):
    cluster.apply(deployment())
    cluster.apply(PDB)
    cluster.settle()
    status = cluster.get("pdb", "web-pdb")["status"]
    assert (status["currentHealthy"], status["desiredHealthy"], status["disruptionsAllowed"]) == (3, 3, 0)
    result = cluster.drain("worker-1", ignore_daemonsets=True)
    assert result["cordoned"] and not result["drained"]
    [blocked] = result["blocked"]
    assert blocked["message"].endswith(
        "(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget."
    )
    assert blocked["status"]["code"] == 429
    assert blocked["status"]["details"]["causes"] == [
        {
            "reason": "DisruptionBudget",
            "message": "The disruption budget web-pdb needs 3 healthy pods and has 3 currently",
        }
    ]
    assert cluster.get("node", "worker-1")["spec"]["unschedulable"] is True
    cluster.scale("deployment", "web", 4)
    cluster.settle()
    again = cluster.drain("worker-1", ignore_daemonsets=True)
    assert again["drained"] and again["blocked"] == []
    cluster.settle()
    assert all(p["spec"]["nodeName"] != "worker-1" for p in cluster.list("pods", namespace="default"))
    cluster.uncordon("worker-1")
    assert "unschedulable" not in cluster.get("node", "worker-1")["spec"]


def test_drain_refuses_bare_pods_without_force(cluster):
    cluster.create(pod("bare", nodeName="worker-2"))
    cluster.settle()
    # Every node of a kubeadm cluster runs DaemonSet pods (kube-proxy, the CNI), so a drain
    # there always needs --ignore-daemonsets; the bare pod still needs --force.
    result = cluster.drain("worker-2", ignore_daemonsets=True)
    assert result["errors"] == [
        "cannot delete Pods declare no controller (use --force to override): default/bare"
    ]
    assert cluster.get("pod", "bare")["metadata"].get("deletionTimestamp") is None
    forced = cluster.drain("worker-2", force=True, ignore_daemonsets=True)
    assert forced["drained"] and "default/bare" in forced["evicted"]
    assert forced["warnings"][0] == "deleting Pods that declare no controller: default/bare"
    assert forced["warnings"][1].startswith("ignoring DaemonSet-managed Pods: kube-flannel/kube-flannel-ds-")


def test_drain_refuses_emptydir_without_the_flag(cluster):
    volumes = [{"name": "scratch", "emptyDir": {}}]
    containers = [
        {"name": "main", "image": "nginx:1.27", "volumeMounts": [{"name": "scratch", "mountPath": "/tmp"}]}
    ]
    cluster.apply(
        deployment(pod_extra="\n      volumes: [{name: scratch, emptyDir: {}}]").replace(
            "image: nginx:1.27",
            "image: nginx:1.27\n          volumeMounts: [{name: scratch, mountPath: /tmp}]",
        )
    )
    cluster.settle()
    node = cluster.list("pods", namespace="default")[0]["spec"]["nodeName"]
    result = cluster.drain(node)
    assert result["errors"][0].startswith(
        "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/web-"
    )
    assert volumes and containers
