"""NodeUnschedulable: a cordoned node (spec.unschedulable) takes only pods that tolerate
the node.kubernetes.io/unschedulable:NoSchedule taint."""

from __future__ import annotations

from playground.engine.scheduler.framework import FILTER, UNRESOLVABLE, Plugin, Status

REASON = "node(s) were unschedulable"


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"
    extension_points = (FILTER,)
    filter_passes_plain_nodes = True

    def filter(self, state, pod, info):
        if not info.unschedulable:
            return None
        for t in state.needs.tolerations:
            if (
                t.get("key") == "node.kubernetes.io/unschedulable"
                and t.get("effect") in (None, "", "NoSchedule")
                or (t.get("operator") == "Exists" and not t.get("key"))
            ):
                return None
        return Status(UNRESOLVABLE, [REASON])
