"""The node lifecycle controller and taint-based eviction: vSphere HA's counterpart.

A failed node stops renewing its Lease. After the node monitor grace period its
conditions turn Unknown and it is tainted ``node.kubernetes.io/unreachable``
(NoSchedule and NoExecute). Each pod on it is evicted when its toleration for that
taint runs out (300 s by default), and its controller creates a replacement.
"""

from __future__ import annotations

from playground.engine.controllers.base import Controller, Result
from playground.engine.podstatus import node_ready_status
from playground.engine.scheduler import tolerates
from playground.engine.util import parse_time, rfc3339

NODE_MONITOR_GRACE_PERIOD = 50
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


class NodeLifecycleController(Controller):
    name = "nodelifecycle"
    event_source = "node-controller"
    watches = ("Node", "Pod")

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
        cluster = self.cluster
        node = cluster.store.get("Node", "", key)
        if node is None:
            return Result()
        now = cluster.clock
        record = None
        due = None  # the end of the grace period, or of the soonest toleration
        down_since = cluster.down_nodes.get(key)
        ready = node_ready_status(node)
        spec = dict(node.get("spec") or {})
        taints = list(spec.get("taints") or [])
        # The unschedulable taint mirrors spec.unschedulable (cordon).
        has_unsched_taint = any(t.get("key") == UNSCHEDULABLE for t in taints)
        if spec.get("unschedulable") and not has_unsched_taint:
            taints.append({"key": UNSCHEDULABLE, "effect": "NoSchedule", "timeAdded": rfc3339(now)})
        elif not spec.get("unschedulable") and has_unsched_taint:
            taints = [t for t in taints if t.get("key") != UNSCHEDULABLE]
        if down_since is not None and ready != "Unknown":
            if now - down_since >= NODE_MONITOR_GRACE_PERIOD:
                node = self._mark_unknown(node, taints)
                record = self.record(
                    "NodeNotReady",
                    node,
                    f"Node {key} stopped posting status for {NODE_MONITOR_GRACE_PERIOD}s: Ready=Unknown, tainted {UNREACHABLE}",
                )
                taints = list((node.get("spec") or {}).get("taints") or [])
            else:
                due = down_since + NODE_MONITOR_GRACE_PERIOD
        elif down_since is None and ready == "Unknown":
            node = self._mark_ready(node, taints)
            record = self.record(
                "NodeReady", node, f"Node {key} is posting status again: Ready=True, taints removed"
            )
            taints = list((node.get("spec") or {}).get("taints") or [])
        if taints != list((node.get("spec") or {}).get("taints") or []):
            new_spec = {**node.get("spec", {}), "taints": taints}
            if not taints:
                new_spec.pop("taints")
            node = cluster.api.commit("Node", {**node, "spec": new_spec}, node)
        evicted, next_eviction = self._evict(node)
        if evicted and record is None:
            record = self.record(
                "TaintManagerEviction",
                node,
                f"evicted {evicted} pod(s) from {key}: their toleration of {UNREACHABLE} ran out",
            )
        return Result.of(record).after(due, now).after(next_eviction, now)

    def _mark_unknown(self, node: dict, taints: list[dict]) -> dict:
        cluster = self.cluster
        now_s = rfc3339(cluster.clock)
        conditions = []
        for cond in (node.get("status") or {}).get("conditions") or []:
            cond = dict(cond)
            if cond["status"] != "Unknown":
                cond["lastTransitionTime"] = now_s
            cond["status"] = "Unknown"
            cond["reason"] = "NodeStatusUnknown"
            cond["message"] = "Kubelet stopped posting node status."
            conditions.append(cond)
        taints = [t for t in taints if t.get("key") not in (UNREACHABLE, NOT_READY)]
        taints.append({"key": UNREACHABLE, "effect": "NoSchedule", "timeAdded": now_s})
        taints.append({"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": now_s})
        new = {
            **node,
            "spec": {**node.get("spec", {}), "taints": taints},
            "status": {**node["status"], "conditions": conditions},
        }
        stored = cluster.api.commit("Node", new, node)
        cluster.recorder.record(
            stored,
            "Normal",
            "NodeNotReady",
            f"Node {node['metadata']['name']} status is now: NodeNotReady",
            self.event_source,
        )
        # Pods on the node are no longer ready (MarkPodsNotReady).
        for pod in list(cluster.store.pods_on(node["metadata"]["name"])):
            conds = []
            changed = False
            for cond in (pod.get("status") or {}).get("conditions") or []:
                if cond["type"] in ("Ready",) and cond["status"] != "False":
                    cond = {**cond, "status": "False", "lastTransitionTime": now_s}
                    changed = True
                conds.append(cond)
            if changed:
                cluster.api.commit("Pod", {**pod, "status": {**pod["status"], "conditions": conds}}, pod)
                cluster.recorder.record(
                    pod, "Warning", "NodeNotReady", "Node is not ready", self.event_source
                )
        return stored

    def _mark_ready(self, node: dict, taints: list[dict]) -> dict:
        cluster = self.cluster
        now_s = rfc3339(cluster.clock)
        conditions = [cond for cond in cluster.healthy_conditions(now_s)]
        taints = [t for t in taints if t.get("key") not in (UNREACHABLE, NOT_READY)]
        new_spec = {**node.get("spec", {}), "taints": taints}
        if not taints:
            new_spec.pop("taints")
        new = {**node, "spec": new_spec, "status": {**node["status"], "conditions": conditions}}
        stored = cluster.api.commit("Node", new, node)
        cluster.recorder.record(
            stored,
            "Normal",
            "NodeReady",
            f"Node {node['metadata']['name']} status is now: NodeReady",
            "kubelet",
            node["metadata"]["name"],
        )
        return stored

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
