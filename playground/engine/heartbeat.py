"""Node heartbeats: each kubelet's Lease in ``kube-node-lease`` and its node status report.

Upstream a kubelet renews its Lease every 10 s (the node lease controller's
``renewInterval``: a quarter of ``leaseDurationSeconds`` 40) and posts its node status
every 10 s, but writes the status only when it changed or ``nodeStatusReportFrequency``
(5 minutes) has passed since the last report, refreshing the conditions'
``lastHeartbeatTime``. The node lifecycle controller reads the Lease's ``renewTime``:
a node whose Lease has not been renewed for the monitor grace period goes Unknown.

Simulated time can jump by an hour at once, so renewals are not one store write per
10 simulated seconds (that would fill the watch history with Lease updates): ``renew``
brings every Lease up to its latest renewal when time has moved on (at the end of
``advance``/``settle``, and before the node lifecycle controller reads them), at most one
write per Lease per 10 s and per Node per 5 minutes. The renewal times written are the ones
the kubelet would have made: the last 10 s (or 5 minute) tick, and for a host that has
failed, the moment it stopped.
"""

from __future__ import annotations

from playground.engine.util import parse_time, rfc3339, rfc3339_micro

NODE_LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
RENEW_INTERVAL = 10  # leaseDurationSeconds / 4, as the kubelet's node lease controller renews
STATUS_REPORT_FREQUENCY = 300  # the kubelet's nodeStatusReportFrequency


def lease_of(cluster, name: str) -> dict | None:
    return cluster.store.get("Lease", NODE_LEASE_NAMESPACE, name)


def last_renewal(cluster, name: str) -> float:
    """When the node's kubelet last renewed its Lease (the Lease's renewTime, once ``renew``
    has written the renewals due). Without a Lease, the node's status heartbeat stands in."""
    lease = lease_of(cluster, name)
    if lease is not None and (lease.get("spec") or {}).get("renewTime"):
        return parse_time(lease["spec"]["renewTime"])
    down_since = cluster.down_nodes.get(name)
    return cluster.clock if down_since is None else down_since


def _latest_tick(last: float, now: float, interval: float) -> float:
    return last + interval * int((now - last) // interval)


def renew(cluster) -> None:
    """Write the Lease renewals (and node status reports) the kubelets have made by now."""
    now = cluster.clock
    for node in list(cluster.store.iter("Node")):
        name = node["metadata"]["name"]
        down_since = cluster.down_nodes.get(name)
        lease = lease_of(cluster, name)
        if lease is not None:
            spec = lease.get("spec") or {}
            renewed = parse_time(spec["renewTime"]) if spec.get("renewTime") else None
            if down_since is not None:
                # The kubelet's last renewal was its last act before the host stopped.
                due = down_since if renewed is None or renewed < down_since else None
            elif renewed is None or now - renewed >= RENEW_INTERVAL:
                due = now if renewed is None else _latest_tick(renewed, now, RENEW_INTERVAL)
            else:
                due = None
            if due is not None:
                new_spec = {
                    **spec,
                    "holderIdentity": name,
                    "leaseDurationSeconds": LEASE_DURATION_SECONDS,
                    "renewTime": rfc3339_micro(due),
                }
                cluster.api.commit("Lease", {**lease, "spec": new_spec}, lease)
        if down_since is None:
            _report_status(cluster, node, now)


def _report_status(cluster, node: dict, now: float) -> None:
    """The kubelet's periodic node status report: every condition's lastHeartbeatTime moves
    to the latest report, every nodeStatusReportFrequency, when nothing else changed."""
    conditions = (node.get("status") or {}).get("conditions") or []
    ready = next((c for c in conditions if c.get("type") == "Ready"), None)
    if ready is None or ready.get("status") == "Unknown" or not ready.get("lastHeartbeatTime"):
        return  # the node lifecycle controller's to mend when the kubelet is back
    last = parse_time(ready["lastHeartbeatTime"])
    if now - last < STATUS_REPORT_FREQUENCY:
        return
    beat = rfc3339(_latest_tick(last, now, STATUS_REPORT_FREQUENCY))
    new_conditions = [{**c, "lastHeartbeatTime": beat} for c in conditions]
    cluster.api.commit("Node", {**node, "status": {**node["status"], "conditions": new_conditions}}, node)
