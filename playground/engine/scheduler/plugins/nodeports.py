"""NodePorts: a hostPort already taken on the node (same protocol, overlapping hostIP) rejects it."""

from __future__ import annotations

from playground.engine.scheduler.framework import FILTER, PRE_FILTER, SKIP, UNSCHEDULABLE, Plugin, Status

REASON = "node(s) didn't have free ports for the requested pod ports"
ANY_IP = "0.0.0.0"  # noqa: S104 (a hostIP value, not a bind)


class NodePorts(Plugin):
    name = "NodePorts"
    extension_points = (PRE_FILTER, FILTER)

    def pre_filter(self, state, pod):
        if not state.needs.ports:
            return Status(SKIP)
        return None

    def filter(self, state, pod, info):
        for host_ip, protocol, number in state.needs.ports:
            for ip, proto, num in info.ports:
                if num == number and proto == protocol and (ip == host_ip or ANY_IP in (ip, host_ip)):
                    return Status(UNSCHEDULABLE, [REASON])
        return None
