"""NodeName: a pod with spec.nodeName set fits only that node."""

from __future__ import annotations

from playground.engine.scheduler.framework import FILTER, UNRESOLVABLE, Plugin, Status

REASON = "node(s) didn't match the requested node name"


class NodeName(Plugin):
    name = "NodeName"
    extension_points = (FILTER,)

    def filter_relevant(self, state, pod) -> bool:
        return bool(state.needs.node_name)

    def filter(self, state, pod, info):
        node_name = state.needs.node_name
        if node_name and node_name != info.name:
            return Status(UNRESOLVABLE, [REASON])
        return None
