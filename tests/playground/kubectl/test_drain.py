"""cordon, uncordon and drain: directly, through the Cluster's thin methods and the console."""

import pytest

from playground import console
from playground.kubectl import drain

from ..engine.conftest import pod

PDB = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web-pdb}
spec:
  minAvailable: 2
  selector: {matchLabels: {app: web}}
"""


def _node_of_a_web_pod(cluster):
    return next(p for p in cluster.list("Pod", "default") if p["metadata"]["name"].startswith("web-"))[
        "spec"
    ]["nodeName"]


def test_cordon_and_uncordon_patch_the_node(cluster):
    drain.cordon(cluster, "worker-1")
    assert cluster.get("Node", "worker-1")["spec"]["unschedulable"] is True
    drain.uncordon(cluster, "worker-1")
    assert "unschedulable" not in cluster.get("Node", "worker-1")["spec"]
    assert console.run(cluster, console.parse("kubectl cordon worker-1")) == "node/worker-1 cordoned\n"
    assert console.run(cluster, console.parse("cordon node/worker-1")) == "node/worker-1 already cordoned\n"
    assert console.run(cluster, console.parse("uncordon worker-1")) == "node/worker-1 uncordoned\n"


def test_drain_evicts_what_may_go_and_a_pdb_blocks_the_rest(cluster):
    node = _node_of_a_web_pod(cluster)
    cluster.apply(PDB)
    cluster.settle()
    result = drain.drain(cluster, node, ignore_daemonsets=True)
    assert result["cordoned"] and not result["drained"]
    assert not [ref for ref in result["evicted"] if ref.startswith("default/web-")]
    assert result["blocked"][0]["message"].endswith(
        "(will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget."
    )
    with pytest.raises(console.ConsoleError) as raised:
        console.run(cluster, console.parse(f"kubectl drain {node} --ignore-daemonsets"))
    lines = str(raised.value).splitlines()
    assert lines[0] == f"node/{node} cordoned" and "error when evicting pods/" in lines[-2]


def test_drain_refuses_bare_pods_until_forced_with_a_grace_period(cluster):
    cluster.create(pod("bare", nodeName="worker-3"))
    cluster.settle()
    with pytest.raises(console.ConsoleError) as raised:
        console.run(cluster, console.parse("kubectl drain worker-3 --ignore-daemonsets"))
    assert (
        'error: unable to drain node "worker-3" due to error: cannot delete Pods declare no controller '
        "(use --force to override): default/bare, continuing command..."
    ) in str(raised.value)
    out = console.run(
        cluster, console.parse("kubectl drain worker-3 --ignore-daemonsets --force --grace-period=0")
    )
    assert "Warning: deleting Pods that declare no controller: default/bare" in out
    assert "evicting pod default/bare" in out and out.endswith("node/worker-3 drained\n")
    with pytest.raises(Exception, match="not found"):
        cluster.get("Pod", "bare", "default")  # grace period 0: gone at once


def test_emptydir_pods_need_the_flag(cluster):
    spec = {
        "volumes": [{"name": "scratch", "emptyDir": {}}],
        "containers": [
            {
                "name": "main",
                "image": "nginx:1.27",
                "volumeMounts": [{"name": "scratch", "mountPath": "/tmp"}],
            }
        ],
        "nodeName": "worker-2",
    }
    cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "scratchy"}, "spec": spec})
    cluster.settle()
    refused = cluster.drain("worker-2", ignore_daemonsets=True, force=True)
    assert refused["errors"] == [
        "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratchy"
    ]
    done = cluster.drain("worker-2", ignore_daemonsets=True, force=True, delete_emptydir_data=True)
    assert done["drained"] and "default/scratchy" in done["evicted"]
    assert "deleting Pods with local storage: default/scratchy" in done["warnings"]


DAEMONSET = """apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: "busybox:1.36"}]}
"""


def test_daemonset_pods_need_ignore_daemonsets(cluster):
    cluster.apply(DAEMONSET)
    cluster.settle()
    [agent] = [
        p["metadata"]["name"]
        for p in cluster.list("Pod", "default", None, "spec.nodeName=worker-1")
        if p["metadata"]["name"].startswith("agent-")
    ]
    # Beside the learner's agent, every node of the kubeadm-style profile runs kube-proxy, the
    # CNI (Flannel) and MetalLB's speaker as DaemonSet pods, listed by namespace and name.
    daemons = sorted(
        f"{p['metadata']['namespace']}/{p['metadata']['name']}"
        for p in cluster.list("Pod", None, None, "spec.nodeName=worker-1")
        if any(ref.get("kind") == "DaemonSet" for ref in p["metadata"].get("ownerReferences") or [])
    )
    assert f"default/{agent}" in daemons and len(daemons) == 4
    refused = drain.drain(cluster, "worker-1")
    assert refused["errors"] == [
        f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {', '.join(daemons)}"
    ]
    done = drain.drain(cluster, "worker-1", ignore_daemonsets=True)
    assert done["warnings"] == [f"ignoring DaemonSet-managed Pods: {', '.join(daemons)}"]
    assert f"default/{agent}" not in done["evicted"]


def test_a_timeout_gives_up_on_evictions_the_budget_still_refuses(cluster):
    node = _node_of_a_web_pod(cluster)
    cluster.apply(PDB)
    cluster.settle()
    [web] = [
        p["metadata"]["name"]
        for p in cluster.list("Pod", "default", None, f"spec.nodeName={node}")
        if p["metadata"]["name"].startswith("web-")
    ]
    assert drain.drain(cluster, node, ignore_daemonsets=True, timeout_seconds=30)["timedOut"]
    assert not drain.drain(cluster, node, ignore_daemonsets=True)["timedOut"]  # 0/None: forever
    with pytest.raises(console.ConsoleError) as raised:
        console.run(cluster, console.parse(f"kubectl drain {node} --ignore-daemonsets --timeout=90s"))
    lines = str(raised.value).splitlines()
    error = f'error when evicting pods/"{web}" -n "default": global timeout reached: 1m30s'
    assert f"evicting pod default/{web}" in lines
    assert lines[-6:] == [
        f'There are pending pods in node "{node}" when an error occurred: {error}',
        f"pod/{web}",
        f'error: unable to drain node "{node}" due to error: {error}, continuing command...',
        "There are pending nodes to be drained:",
        f" {node}",
        f"error: {error}",
    ]
    assert cluster.get("Pod", web, "default")["metadata"].get("deletionTimestamp") is None


def test_the_timeout_flag_takes_a_go_duration():
    assert console.parse("drain worker-1 --timeout=1m30s").extra == {"timeout": 90 * 10**9}
    with pytest.raises(console.ConsoleError) as raised:
        console.parse("drain worker-1 --timeout=5")
    assert str(raised.value) == (
        'error: invalid argument "5" for "--timeout" flag: time: missing unit in duration "5"\n'
        "See 'kubectl drain --help' for usage."
    )
