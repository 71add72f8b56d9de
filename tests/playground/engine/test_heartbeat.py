"""Node heartbeats: the kubelets' Leases and node status reports (playground/engine/heartbeat.py)."""

from playground import console


def _lease(cluster, node):
    return cluster.get("lease", node, "kube-node-lease")


def _ready(cluster, node):
    return [c for c in cluster.get("node", node)["status"]["conditions"] if c["type"] == "Ready"][0]


def test_each_node_has_a_lease_its_kubelet_renews_every_ten_seconds(cluster):
    """The kubelet's node lease controller (``component-helpers/apimachinery/lease``
    ``controller.newLease``) keeps a Lease named after the node in kube-node-lease, owned by
    the Node, with holderIdentity the node's name and leaseDurationSeconds 40, and renews it
    every 10 s (a quarter of the duration). A failed host renews no more."""
    lease = _lease(cluster, "worker-1")
    assert lease["spec"]["holderIdentity"] == "worker-1"
    assert lease["spec"]["leaseDurationSeconds"] == 40
    assert lease["metadata"]["ownerReferences"][0]["kind"] == "Node"
    first = cluster.parse_time(lease["spec"]["renewTime"])
    cluster.advance(25)
    renewed = cluster.parse_time(_lease(cluster, "worker-1")["spec"]["renewTime"])
    assert renewed - first == 20 and cluster.clock - renewed < 10  # the latest 10 s renewal
    cluster.fail_node("worker-2")
    failed_at = cluster.clock
    cluster.advance(30)
    assert cluster.parse_time(_lease(cluster, "worker-2")["spec"]["renewTime"]) == failed_at
    assert cluster.clock - cluster.parse_time(_lease(cluster, "worker-1")["spec"]["renewTime"]) < 10
    assert _ready(cluster, "worker-2")["status"] == "True"


def test_a_node_goes_unknown_when_its_lease_is_older_than_the_grace_period(cluster):
    """``tryUpdateNodeHealth``: the controller's probe time moves with the Lease's renewTime;
    when it is older than ``--node-monitor-grace-period`` (50 s) the node goes Unknown with
    lastHeartbeatTime left at the kubelet's last status report."""
    cluster.fail_node("worker-3")
    beat = _ready(cluster, "worker-3")["lastHeartbeatTime"]
    renewed = cluster.parse_time(_lease(cluster, "worker-3")["spec"]["renewTime"])
    cluster.advance(renewed + 49 - cluster.clock)
    assert _ready(cluster, "worker-3")["status"] == "True"
    cluster.advance(1)
    ready = _ready(cluster, "worker-3")
    assert (ready["status"], ready["lastHeartbeatTime"]) == ("Unknown", beat)


def test_node_status_heartbeats_are_refreshed_every_five_minutes(cluster):
    """The kubelet posts its status every 10 s but writes it only on a change or when
    ``nodeStatusReportFrequency`` (5 minutes) has passed (``kubelet_node_status.go``
    ``tryUpdateNodeStatus``): every condition's lastHeartbeatTime moves on,
    lastTransitionTime stays."""
    ready = _ready(cluster, "worker-1")
    beat = cluster.parse_time(ready["lastHeartbeatTime"])
    assert cluster.clock - beat < 300  # recent, not the cluster's build time
    cluster.advance(beat + 299 - cluster.clock)
    assert cluster.parse_time(_ready(cluster, "worker-1")["lastHeartbeatTime"]) == beat
    cluster.advance(10)  # the kubelet's next 10 s status post
    after = cluster.get("node", "worker-1")["status"]["conditions"]
    assert {cluster.parse_time(c["lastHeartbeatTime"]) for c in after} == {beat + 300}
    assert _ready(cluster, "worker-1")["lastTransitionTime"] == ready["lastTransitionTime"]
    cluster.advance(3600)
    assert cluster.clock - cluster.parse_time(_ready(cluster, "worker-1")["lastHeartbeatTime"]) < 300


def test_describe_node_shows_the_lease_and_recent_heartbeats(cluster):
    """kubectl's ``describeNode`` prints a Lease section (HolderIdentity, AcquireTime,
    RenewTime in RFC 1123 with a numeric zone, <unset> when absent) after Unschedulable."""
    cluster.advance(3600)
    out = console.run(cluster, console.parse("kubectl describe node worker-1"))
    lines = out.splitlines()
    at = lines.index("Lease:")
    assert lines[at - 1].startswith("Unschedulable:") and lines[at + 4].startswith("Conditions:")
    assert lines[at + 1].split() == ["HolderIdentity:", "worker-1"]
    assert lines[at + 2].split() == ["AcquireTime:", "<unset>"]
    assert lines[at + 3].split()[0] == "RenewTime:" and lines[at + 3].endswith("+0000")
    ready = [line for line in lines if line.strip().startswith("Ready ")][0]
    assert "Thu, 01 Jan 2026 01:" in ready  # heartbeats within the last five minutes


def test_lease_writes_stay_on_the_renewal_cadence(cluster):
    """Renewals are written when time has moved on, at most one per Lease per 10 s and one
    node status report per Node per 5 minutes, however far the clock jumps."""
    writes = []
    cluster.store.listeners.append(lambda etype, kind, old, new: writes.append(kind))
    nodes = len(cluster.list("nodes"))
    cluster.advance(3600)  # one jump: one renewal each
    assert (writes.count("Lease"), writes.count("Node")) == (nodes, nodes)
    writes.clear()
    for _ in range(60):
        cluster.advance(5)  # five minutes in 5 s steps: a renewal every other step
    assert writes.count("Lease") == 30 * nodes and writes.count("Node") == nodes
