"""The node lifecycle controller and taint-based eviction: vSphere HA's counterpart.

A failed node stops renewing its Lease (``heartbeat.py``). After the node monitor grace
period its conditions turn Unknown, its pods are marked not ready and it is tainted
``node.kubernetes.io/unreachable:NoSchedule``. The NoExecute taint that evicts pods is added
through a per-zone rate limiter whose rate follows the zone's state (``handleDisruption``):
a small cluster with most nodes down, or a cluster where every node is down, stops adding it
(and in the second case takes it off every node), so a network partition does not evict
everything. Each pod on a NoExecute-tainted node is evicted when its toleration runs out
(300 s by default), and its controller creates a replacement.
"""

from __future__ import annotations

from playground.engine import heartbeat
from playground.engine.controllers.base import Controller, Result
from playground.engine.podstatus import node_ready_status
from playground.engine.scheduler import tolerates
from playground.engine.text import _, say
from playground.engine.util import parse_time, rfc3339

NODE_MONITOR_GRACE_PERIOD = 50
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
# kube-controller-manager's defaults: --node-eviction-rate, --secondary-node-eviction-rate,
# --large-cluster-size-threshold, --unhealthy-zone-threshold.
EVICTION_LIMITER_QPS = 0.1
SECONDARY_EVICTION_LIMITER_QPS = 0.01
LARGE_CLUSTER_SIZE_THRESHOLD = 50
UNHEALTHY_ZONE_THRESHOLD = 0.55
NORMAL, PARTIAL_DISRUPTION, FULL_DISRUPTION = "Normal", "PartialDisruption", "FullDisruption"
EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption"
# nodeConditionToTaintKeyStatusMap: the NoSchedule taint each condition's status brings.
CONDITION_TAINTS = {
    ("Ready", "False"): NOT_READY,
    ("Ready", "Unknown"): UNREACHABLE,
    ("MemoryPressure", "True"): "node.kubernetes.io/memory-pressure",
    ("DiskPressure", "True"): "node.kubernetes.io/disk-pressure",
    ("NetworkUnavailable", "True"): "node.kubernetes.io/network-unavailable",
    ("PIDPressure", "True"): "node.kubernetes.io/pid-pressure",
}
MANAGED_NO_SCHEDULE = set(CONDITION_TAINTS.values()) | {UNSCHEDULABLE}


def zone_key(node: dict) -> str:
    """The node's failure zone from its region and zone labels, as upstream's ``GetZoneKey``
    (which joins them with ":\\x00:"; a "/" here keeps the saved state free of NUL)."""
    labels = node["metadata"].get("labels") or {}
    zone = labels.get("topology.kubernetes.io/zone", labels.get("failure-domain.beta.kubernetes.io/zone", ""))
    region = labels.get(
        "topology.kubernetes.io/region", labels.get("failure-domain.beta.kubernetes.io/region", "")
    )
    return f"{region}/{zone}" if region or zone else ""


def zone_name(zone: str) -> str:
    return zone or "(no zone)"


def compute_zone_state(ready_statuses: list[str]) -> str:
    """``ComputeZoneState``: FullDisruption when no node is Ready, PartialDisruption when more
    than two are not and they are at least the unhealthy-zone threshold, else Normal."""
    ready = sum(1 for status in ready_statuses if status == "True")
    not_ready = len(ready_statuses) - ready
    if ready == 0 and not_ready > 0:
        return FULL_DISRUPTION
    if not_ready > 2 and not_ready / len(ready_statuses) >= UNHEALTHY_ZONE_THRESHOLD:
        return PARTIAL_DISRUPTION
    return NORMAL


def zone_eviction_qps(state: str, zone_size: int) -> float:
    """``setLimiterInZone``: the rate at which a zone's nodes get NoExecute taints. A partially
    disrupted zone slows to the secondary rate in a large cluster and stops in a small one
    (``ReducedQPSFunc``); a fully disrupted zone keeps the normal rate (``HealthyQPSFunc``)."""
    if state == PARTIAL_DISRUPTION:
        return SECONDARY_EVICTION_LIMITER_QPS if zone_size > LARGE_CLUSTER_SIZE_THRESHOLD else 0.0
    return EVICTION_LIMITER_QPS


class NodeLifecycleController(Controller):
    name = "nodelifecycle"
    event_source = "node-controller"
    watches = ("Node", "Pod")

    def __init__(self, cluster):
        super().__init__(cluster)
        self.zone_states: dict[str, str] = {}
        # When each zone's rate limiter (a token bucket with a burst of 1) last let a taint through.
        self.zone_tainted: dict[str, float] = {}

    def to_dict(self) -> dict:
        return {"zoneStates": self.zone_states, "zoneTainted": self.zone_tainted}

    def load(self, data: dict) -> None:
        self.zone_states = dict(data.get("zoneStates") or {})
        self.zone_tainted = dict(data.get("zoneTainted") or {})

    def on_event(self, etype, kind, old, new):
        if kind == "Node" and new is not None:
            taints_changed = (old or {}).get("spec", {}).get("taints") != (new.get("spec") or {}).get(
                "taints"
            )
            cordon_changed = bool((old or {}).get("spec", {}).get("unschedulable")) != bool(
                (new.get("spec") or {}).get("unschedulable")
            )
            if taints_changed or cordon_changed or old is None:
                self.enqueue(new["metadata"]["name"])
        elif kind == "Pod" and new is not None and (new.get("spec") or {}).get("nodeName"):
            if old is None or not (old.get("spec") or {}).get("nodeName"):
                node = self.cluster.store.get("Node", "", new["spec"]["nodeName"])
                if node and any(
                    t.get("effect") == "NoExecute" for t in (node.get("spec") or {}).get("taints") or []
                ):
                    self.enqueue(node["metadata"]["name"])

    def reconcile(self, key: str) -> Result:
        """One pass of upstream's ``monitorNodeHealth`` (every node's heartbeat, then the zones'
        states), then the key node's taints (``doNoScheduleTaintingPass``,
        ``processTaintBaseEviction`` through the zone's limiter) and evictions."""
        cluster = self.cluster
        now = cluster.clock
        result = Result()
        node = cluster.store.get("Node", "", key)
        # While every host is up and Ready there is nothing to monitor (and a pass over every
        # node for each of a big cluster's nodes would cost the square of its size).
        if (
            cluster.down_nodes
            or any(state != NORMAL for state in self.zone_states.values())
            or (node is not None and node_ready_status(node) != "True")
        ):
            self._monitor_node_health(key, result)
        node = cluster.store.get("Node", "", key)
        if node is None:
            return result
        node = self._taint_no_schedule(node)
        node, record, retry = self._taint_no_execute(node)
        if record is not None:
            result.records.append(record)
        evicted, next_eviction = self._evict(node)
        if evicted:
            result.records.append(
                self.record(
                    "TaintManagerEviction",
                    node,
                    say(
                        _(
                            "evicted %(count)s pod(s) from %(node)s: their toleration of its NoExecute taint ran out"
                        ),
                        count=evicted,
                        node=key,
                    ),
                )
            )
        return result.after(retry, now).after(next_eviction, now)

    # monitorNodeHealth ------------------------------------------------------------

    def _monitor_node_health(self, key: str, result: Result) -> None:
        cluster = self.cluster
        now = cluster.clock
        heartbeat.renew(cluster)  # the renewals the kubelets have made by now
        for node in sorted(cluster.store.iter("Node"), key=lambda n: n["metadata"]["name"]):
            name = node["metadata"]["name"]
            renewed = heartbeat.last_renewal(cluster, name)
            ready = node_ready_status(node)
            if now - renewed >= NODE_MONITOR_GRACE_PERIOD:
                if ready != "Unknown":
                    self._mark_unknown(node)
                    result.records.append(
                        self.record(
                            "NodeNotReady",
                            node,
                            say(
                                _(
                                    "Node %(name)s stopped posting status for %(grace)ss: "
                                    "Ready=Unknown, pods marked not ready, tainted %(taint)s:NoSchedule"
                                ),
                                name=name,
                                grace=NODE_MONITOR_GRACE_PERIOD,
                                taint=UNREACHABLE,
                            ),
                        )
                    )
            elif ready == "Unknown" and not cluster.node_is_down(name):
                self._mark_ready(node)
                result.records.append(
                    self.record(
                        "NodeReady",
                        node,
                        say(_("Node %(name)s is posting status again: Ready=True"), name=name),
                    )
                )
            elif cluster.node_is_down(name) and name == key:
                result.after(renewed + NODE_MONITOR_GRACE_PERIOD, now)
        result.records += self._handle_disruption()

    def _mark_unknown(self, node: dict) -> dict:
        """``tryUpdateNodeHealth`` past the grace period: the kubelet's conditions turn Unknown
        (NetworkUnavailable is the network's to set); then ``MarkPodsNotReady``."""
        cluster = self.cluster
        now_s = rfc3339(cluster.clock)
        conditions = []
        for cond in (node.get("status") or {}).get("conditions") or []:
            cond = dict(cond)
            if cond["type"] != "NetworkUnavailable":
                if cond["status"] != "Unknown":
                    cond["lastTransitionTime"] = now_s
                cond["status"] = "Unknown"
                cond["reason"] = "NodeStatusUnknown"
                cond["message"] = "Kubelet stopped posting node status."
            conditions.append(cond)
        stored = cluster.api.commit(
            "Node", {**node, "status": {**node["status"], "conditions": conditions}}, node
        )
        cluster.recorder.record(
            stored,
            "Normal",
            "NodeNotReady",
            f"Node {node['metadata']['name']} status is now: NodeNotReady",
            self.event_source,
        )
        # Pods on the node are no longer ready; their containers' statuses stay as they were.
        for pod in list(cluster.store.pods_on(node["metadata"]["name"])):
            conds = []
            changed = False
            for cond in (pod.get("status") or {}).get("conditions") or []:
                if cond["type"] == "Ready" and cond["status"] != "False":
                    cond = {**cond, "status": "False", "lastTransitionTime": now_s}
                    changed = True
                conds.append(cond)
            if changed:
                cluster.api.commit("Pod", {**pod, "status": {**pod["status"], "conditions": conds}}, pod)
                cluster.recorder.record(
                    pod, "Warning", "NodeNotReady", "Node is not ready", self.event_source
                )
        return self._taint_no_schedule(stored)

    def _mark_ready(self, node: dict) -> dict:
        """The kubelet is back and posts its status: every condition healthy again."""
        cluster = self.cluster
        now_s = rfc3339(cluster.clock)
        conditions = list(cluster.healthy_conditions(now_s))
        stored = cluster.api.commit(
            "Node", {**node, "status": {**node["status"], "conditions": conditions}}, node
        )
        cluster.recorder.record(
            stored,
            "Normal",
            "NodeReady",
            f"Node {node['metadata']['name']} status is now: NodeReady",
            "kubelet",
            node["metadata"]["name"],
        )
        return self._taint_no_schedule(stored)

    def _handle_disruption(self) -> list[dict]:
        """``handleDisruption``: each zone's state from its nodes' Ready conditions. When every
        zone is fully disrupted the controller enters "master disruption mode": it takes the
        NoExecute taints off every node and stops adding them; leaving it, or any zone changing
        state, re-evaluates the zone's not-ready nodes at their limiter's new rate. Upstream
        only logs these decisions; they show as steps here, not as Events."""
        cluster = self.cluster
        zones: dict[str, list[dict]] = {}
        for node in cluster.store.iter("Node"):
            if EXCLUDE_DISRUPTION not in (node["metadata"].get("labels") or {}):
                zones.setdefault(zone_key(node), []).append(node)
        new_states = {
            z: compute_zone_state([node_ready_status(n) for n in nodes]) for z, nodes in zones.items()
        }
        all_full = bool(new_states) and all(s == FULL_DISRUPTION for s in new_states.values())
        was_full = bool(new_states) and all(self.zone_states.get(z) == FULL_DISRUPTION for z in new_states)
        old_states, self.zone_states = self.zone_states, new_states
        records = []
        controller = {"kind": "Node", "metadata": {"name": "node-lifecycle-controller"}}
        if all_full and was_full:
            return records
        if all_full:
            records.append(
                self.record(
                    "MasterDisruption",
                    controller,
                    say(
                        _(
                            "Controller detected that all Nodes are not-Ready. Entering master disruption mode: "
                            "NoExecute taints removed from every node, no evictions"
                        )
                    ),
                )
            )
            for node in list(cluster.store.iter("Node")):
                self._untaint_no_execute(node)
            return records
        if was_full:
            records.append(
                self.record(
                    "MasterDisruption",
                    controller,
                    say(_("Controller detected that some Nodes are Ready. Exiting master disruption mode")),
                )
            )
        for zone, state in sorted(new_states.items()):
            if old_states.get(zone, NORMAL) == state and not was_full:
                continue
            if not was_full:
                size = len(zones[zone])
                records.append(
                    self.record(
                        "ZoneStateChanged",
                        controller,
                        say(
                            _(
                                "Controller detected that zone %(zone)s is now in state %(state)s: "
                                "NoExecute taints at %(rate)s node(s)/s"
                            ),
                            zone=zone_name(zone),
                            state=state,
                            rate=f"{zone_eviction_qps(state, size):g}",
                        ),
                    )
                )
            for node in zones[zone]:
                if node_ready_status(node) != "True":
                    self.enqueue(node["metadata"]["name"])
        return records

    # Taints -----------------------------------------------------------------------

    def _taint_no_schedule(self, node: dict) -> dict:
        """``doNoScheduleTaintingPass``: a NoSchedule taint for each unhealthy condition, and
        node.kubernetes.io/unschedulable while the node is cordoned."""
        spec = node.get("spec") or {}
        want = []
        for cond in (node.get("status") or {}).get("conditions") or []:
            key = CONDITION_TAINTS.get((cond.get("type"), cond.get("status")))
            if key and key not in want:
                want.append(key)
        if spec.get("unschedulable"):
            want.append(UNSCHEDULABLE)
        taints = list(spec.get("taints") or [])
        kept = [
            t
            for t in taints
            if not (
                t.get("effect") == "NoSchedule"
                and t.get("key") in MANAGED_NO_SCHEDULE
                and t["key"] not in want
            )
        ]
        have = {t["key"] for t in kept if t.get("effect") == "NoSchedule"}
        now_s = rfc3339(self.cluster.clock)
        kept += [{"key": k, "effect": "NoSchedule", "timeAdded": now_s} for k in want if k not in have]
        return self._set_taints(node, kept)

    def _taint_no_execute(self, node: dict) -> tuple[dict, dict | None, float | None]:
        """``processTaintBaseEviction`` and ``doNoExecuteTaintingPass``: an unreachable (or not
        ready) node gets its NoExecute taint when its zone's limiter lets it through; a ready
        node loses it. Returns the node, a step to show, and when to try again."""
        cluster = self.cluster
        now = cluster.clock
        name = node["metadata"]["name"]
        ready = node_ready_status(node)
        if ready == "True":
            return self._untaint_no_execute(node), None, None
        if ready not in ("False", "Unknown"):
            return node, None, None  # no status posted yet
        want, opposite = (NOT_READY, UNREACHABLE) if ready == "False" else (UNREACHABLE, NOT_READY)
        taints = list((node.get("spec") or {}).get("taints") or [])
        if any(t.get("key") == want and t.get("effect") == "NoExecute" for t in taints):
            return node, None, None
        now_s = rfc3339(now)
        swapped = [t for t in taints if not (t.get("key") == opposite and t.get("effect") == "NoExecute")]
        if len(swapped) == len(taints):  # not a swap between the two: the zone's limiter decides
            zone = zone_key(node)
            if not self.zone_states or all(s == FULL_DISRUPTION for s in self.zone_states.values()):
                return node, None, None
            size = sum(1 for n in cluster.store.iter("Node") if zone_key(n) == zone)
            qps = zone_eviction_qps(self.zone_states.get(zone, NORMAL), size)
            if qps <= 0:
                return node, None, None  # until the zone's state changes
            last = self.zone_tainted.get(zone)
            if last is not None and now - last < 1 / qps:
                return node, None, last + 1 / qps
            self.zone_tainted[zone] = now
        node = self._set_taints(node, swapped + [{"key": want, "effect": "NoExecute", "timeAdded": now_s}])
        message = say(_("Node %(name)s tainted %(taint)s:NoExecute"), name=name, taint=want)
        return node, self.record("TaintNode", node, message), None

    def _untaint_no_execute(self, node: dict) -> dict:
        """``markNodeAsReachable``: off with the unreachable and not-ready NoExecute taints."""
        taints = list((node.get("spec") or {}).get("taints") or [])
        kept = [
            t
            for t in taints
            if not (t.get("key") in (UNREACHABLE, NOT_READY) and t.get("effect") == "NoExecute")
        ]
        return self._set_taints(node, kept)

    def _set_taints(self, node: dict, taints: list[dict]) -> dict:
        if taints == list((node.get("spec") or {}).get("taints") or []):
            return node
        spec = {**node.get("spec", {}), "taints": taints}
        if not taints:
            spec.pop("taints")
        return self.cluster.api.commit("Node", {**node, "spec": spec}, node)

    def _evict(self, node: dict) -> tuple[int, float | None]:
        """NoExecute taints evict pods whose tolerations do not cover them (for long enough).
        Returns how many were evicted and when the next toleration runs out."""
        cluster = self.cluster
        now = cluster.clock
        no_execute = [
            t for t in (node.get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"
        ]
        if not no_execute:
            return 0, None
        evicted = 0
        next_due = None
        for pod in list(cluster.store.pods_on(node["metadata"]["name"])):
            if pod["metadata"].get("deletionTimestamp"):
                continue
            tolerations = (pod.get("spec") or {}).get("tolerations") or []
            deadline = now
            forever = True
            for taint in no_execute:
                matching = [t for t in tolerations if tolerates([t], taint)]
                if not matching:
                    forever = False
                    deadline = now
                    break
                seconds = [
                    t.get("tolerationSeconds") for t in matching if t.get("tolerationSeconds") is not None
                ]
                if seconds:
                    forever = False
                    added = parse_time(taint["timeAdded"]) if taint.get("timeAdded") else now
                    deadline = max(deadline, added + max(0, min(seconds)))
            if forever:
                continue
            if deadline <= now:
                ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
                cluster.recorder.record(
                    pod,
                    "Normal",
                    "TaintManagerEviction",
                    f"Marking for deletion Pod {ns}/{name}",
                    "taint-eviction-controller",
                )
                cluster.api.delete("Pod", name, ns)
                evicted += 1
            else:
                next_due = deadline if next_due is None else min(next_due, deadline)
        return evicted, next_due
