"""DefaultPreemption: when no node fits, find a node where evicting lower-priority pods
would make room, evict them, and nominate the node (status.nominatedNodeName).

Simplified from upstream: only NodeResourcesFit is re-checked with victims removed, and
the candidate with the lowest highest-victim priority, then fewest victims, wins.
"""

from __future__ import annotations

from playground.engine.scheduler.framework import POST_FILTER, UNRESOLVABLE, UNSCHEDULABLE, Plugin, Status
from playground.engine.scheduler.nodeinfo import PodNeeds

NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


class DefaultPreemption(Plugin):
    name = "DefaultPreemption"
    extension_points = (POST_FILTER,)

    def post_filter(self, state, pod, statuses):
        """``statuses`` maps each node name to the Status that rejected it."""
        needs = state.needs
        total = len(self.handle.node_list)
        spec = pod.get("spec") or {}
        if spec.get("preemptionPolicy") == "Never":
            return Status(UNRESOLVABLE, ["preemption: not eligible due to preemptionPolicy=Never"])
        histogram: dict[str, int] = {}
        candidates = []
        for name, status in statuses.items():
            if status.code == UNRESOLVABLE:
                histogram[NOT_HELPFUL] = histogram.get(NOT_HELPFUL, 0) + 1
                continue
            victims = self.victims(needs, self.handle.nodes[name])
            if victims is None:
                histogram[NO_VICTIMS] = histogram.get(NO_VICTIMS, 0) + 1
            else:
                candidates.append((name, victims))
        if not candidates:
            parts = sorted(f"{count} {reason}" for reason, count in histogram.items())
            return Status(
                UNSCHEDULABLE, [f"preemption: 0/{total} nodes are available: " + ", ".join(parts) + "."]
            )
        candidates.sort(key=lambda c: (max(v["spec"].get("priority", 0) for v in c[1]), len(c[1]), c[0]))
        node_name, victims = candidates[0]
        cluster = self.handle.cluster
        for victim in victims:
            message = f"Preempted by pod {pod['metadata']['uid']} on node {node_name}"
            cluster.recorder.record(victim, "Normal", "Preempted", message, self.handle.component)
            cluster.api.delete("Pod", victim["metadata"]["name"], victim["metadata"]["namespace"])
        current = cluster.store.get("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
        new_status = {**(current.get("status") or {}), "nominatedNodeName": node_name}
        cluster.api.commit("Pod", {**current, "status": new_status}, current)
        state[self.name] = node_name
        return None

    @staticmethod
    def victims(needs: PodNeeds, info) -> list[dict] | None:
        lower = sorted(
            (
                p
                for p in info.pods.values()
                if (p.get("spec") or {}).get("priority", 0) < needs.priority
                and not p["metadata"].get("deletionTimestamp")
            ),
            key=lambda p: ((p.get("spec") or {}).get("priority", 0), p["metadata"]["name"]),
        )
        if not lower:
            return None
        cpu, mem, count = info.req_cpu, info.req_mem, info.pod_count

        def fits() -> bool:
            return (
                cpu + needs.cpu <= info.alloc_cpu
                and mem + needs.mem <= info.alloc_mem
                and count + 1 <= info.alloc_pods
            )

        chosen = []
        for victim in lower:
            if fits():
                break
            v = PodNeeds(victim)
            cpu -= v.cpu
            mem -= v.mem
            count -= 1
            chosen.append(victim)
        if fits():
            return chosen or None
        return None
