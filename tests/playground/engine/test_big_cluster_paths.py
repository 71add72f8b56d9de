"""The cheaper paths the big-cluster benchmark takes: pod addresses from a node's pod
CIDR without an address object per candidate, conditions kept as the same objects when
unchanged, and the store's sharing skipping what a write did not replace. Each must
give exactly what the plain path gives."""

import ipaddress

import pytest

from playground.engine.kubelet import _pod_cidr_addresses
from playground.engine.scheduler.nodeinfo import NodeInfo, PodNeeds
from playground.engine.util import Sharer, set_condition

from .conftest import pod


@pytest.mark.parametrize(
    "cidr",
    ["10.40.1.0/24", "10.244.0.0/22", "10.1.2.128/25", "10.0.0.0/30", "10.244.3.7/24", "fd00:10:244::/120"],
)
def test_pod_cidr_addresses_are_ipaddress_spelling_from_two_up(cidr):
    network = ipaddress.ip_network(cidr, strict=False)
    plain = [str(network.network_address + offset) for offset in range(2, network.num_addresses - 1)]
    for used in [0, 1, 2, 7, 108, len(plain) - 1, len(plain), len(plain) + 3]:
        # Enough candidates that one is free when `used` addresses are taken.
        assert list(_pod_cidr_addresses(cidr, used)) == plain[: used + 1]


def test_a_freed_pod_address_is_handed_out_again_lowest_first(cluster):
    """kubenet's host-local IPAM as the kubelet models it: .1 is the bridge, pods take the
    lowest free address from .2, and an address comes back when its pod goes."""
    for name in ("a", "b", "c"):
        cluster.create(pod(name, nodeName="worker-1"))
    cluster.settle()
    ips = {name: cluster.get("pod", name)["status"]["podIP"] for name in ("a", "b", "c")}
    # The node's system pods hold the first ones; these three take the next, in order.
    last = [int(ips[name].rsplit(".", 1)[1]) for name in ("a", "b", "c")]
    assert last == [last[0], last[0] + 1, last[0] + 2]
    assert last[0] >= 2
    freed = ips["b"]
    cluster.delete("pod", "b")
    cluster.settle()
    cluster.create(pod("d", nodeName="worker-1"))
    cluster.create(pod("e", nodeName="worker-1"))
    cluster.settle()
    assert cluster.get("pod", "d")["status"]["podIP"] == freed
    assert cluster.get("pod", "e")["status"]["podIP"] == f"{ips['c'].rsplit('.', 1)[0]}.{last[2] + 1}"


def test_set_condition_keeps_an_unchanged_condition_and_never_mutates_the_input():
    ready = {"type": "Ready", "status": "True", "lastProbeTime": None, "lastTransitionTime": "t0"}
    scheduled = {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": "t0"}
    before = [dict(ready), dict(scheduled)]
    conditions = [ready, scheduled]

    same = set_condition(conditions, {"type": "Ready", "status": "True", "lastProbeTime": None}, "t1")
    assert same is not conditions
    assert same[0] is ready and same[1] is scheduled

    flipped = set_condition(conditions, {"type": "Ready", "status": "False", "lastProbeTime": None}, "t1")
    assert flipped[0] is not ready
    assert flipped[0] == {
        "type": "Ready",
        "status": "False",
        "lastProbeTime": None,
        "lastTransitionTime": "t1",
    }
    assert flipped[1] is scheduled

    # An equal condition whose keys come in another order is rebuilt in the new order.
    reordered = {"status": "True", "type": "Ready", "lastProbeTime": None, "lastTransitionTime": "t0"}
    rebuilt = set_condition([reordered], {"type": "Ready", "status": "True", "lastProbeTime": None}, "t1")
    assert rebuilt[0] is not reordered
    assert list(rebuilt[0]) == ["type", "status", "lastProbeTime", "lastTransitionTime"]

    assert conditions == before and conditions[0] is ready


def test_the_schedulers_node_accounting_follows_status_writes_and_resizes(cluster):
    """A pod's status writes (the kubelet's) leave its spec the same object, so the scheduler
    only swaps the object in its NodeInfo; a resize writes a new spec and is accounted
    afresh. Either way each NodeInfo holds the stored pods and their summed requests, as
    a NodeInfo built from the store would (upstream's cache: AddPod/UpdatePod)."""
    for i in range(6):
        cluster.create(
            pod(
                f"r{i}",
                nodeName=f"worker-{1 + i % 2}",
                containers=[
                    {
                        "name": "main",
                        "image": "nginx:1.27",
                        "resources": {"requests": {"cpu": "200m", "memory": "64Mi"}},
                    }
                ],
            )
        )
    cluster.settle()
    body = {"spec": {"containers": [{"name": "main", "resources": {"requests": {"cpu": "300m"}}}]}}
    cluster.api.patch("Pod", "r0", "default", body, "strategic", "resize")
    cluster.settle()
    assert cluster.get("pod", "r0")["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "300m"
    for name, info in cluster.scheduler.nodes.items():
        stored = {
            f"{p['metadata']['namespace']}/{p['metadata']['name']}": p for p in cluster.store.pods_on(name)
        }
        assert info.pods.keys() == stored.keys()
        assert all(info.pods[key] is stored[key] for key in stored)
        fresh = NodeInfo(cluster.store.get("Node", "", name))
        for p in stored.values():
            needs = PodNeeds(p)
            fresh.req_cpu += needs.cpu
            fresh.req_mem += needs.mem
            fresh.nz_cpu += needs.nz_cpu
            fresh.nz_mem += needs.nz_mem
            fresh.pod_count += 1
        fresh.reshape()
        assert (info.req_cpu, info.req_mem, info.nz_cpu, info.nz_mem, info.pod_count, info.shape) == (
            fresh.req_cpu,
            fresh.req_mem,
            fresh.nz_cpu,
            fresh.nz_mem,
            fresh.pod_count,
            fresh.shape,
        )
    assert cluster.scheduler.nodes["worker-1"].req_cpu >= 300 + 2 * 200


def test_a_write_offers_the_sharer_only_the_parts_it_brings(cluster, monkeypatch):
    """Hash-consing (util.Sharer) is paid once per part: a status write does not offer the
    spec again, nor the status parts it kept; what it replaced is still shared with the
    other pods' equal parts, and no pod sees another's write."""
    for name in ("a", "b"):
        cluster.create(pod(name, nodeName="worker-1", tolerations=[{"operator": "Exists"}]))
    cluster.settle()
    a, b = (cluster.store.get("Pod", "default", name) for name in ("a", "b"))
    assert a["spec"]["tolerations"] is b["spec"]["tolerations"]

    offered = []
    original = Sharer.share
    monkeypatch.setattr(Sharer, "share", lambda self, obj: offered.append(obj) or original(self, obj))
    status = dict(a["status"])
    status["conditions"] = [dict(c) for c in a["status"]["conditions"]]  # equal, new objects
    status["message"] = "noted"
    stored = cluster.api.commit("Pod", {**a, "status": status}, a)
    offered_ids = {id(part) for part in offered}
    assert not offered_ids & {id(v) for v in a["spec"].values()}
    assert id(a["status"]["hostIPs"]) not in offered_ids
    # Only the replaced conditions list is offered (the kept containerStatuses are not).
    assert len(offered) == 1 and offered[0] == a["status"]["conditions"]
    # The equal new list is replaced by the one already shared (the stored version's).
    assert stored["status"]["conditions"] is a["status"]["conditions"]
    assert stored["spec"] is a["spec"]
    assert cluster.store.get("Pod", "default", "b")["status"].get("message") is None
    assert cluster.store.get("Pod", "default", "a")["status"]["message"] == "noted"


def test_the_scheduler_walks_nodes_in_name_order_after_nodes_are_added(cluster):
    cluster.add_node(name="aaa-first")
    cluster.add_node(name="zzz-last")
    cluster.settle()
    names = [info.name for info in cluster.scheduler.node_list]
    assert names == sorted(cluster.scheduler.nodes) and "aaa-first" in names and "zzz-last" in names
    cluster.create(pod("p"))
    cluster.settle()
    assert cluster.get("pod", "p")["spec"]["nodeName"] in names
