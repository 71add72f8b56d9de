"""TaintToleration: NoSchedule/NoExecute taints the pod does not tolerate reject the node;
fewer untolerated PreferNoSchedule taints score higher."""

from __future__ import annotations

from playground.engine.scheduler.framework import (
    FILTER,
    MAX_NODE_SCORE,
    NORMALIZE_SCORE,
    PRE_SCORE,
    SCORE,
    UNRESOLVABLE,
    Plugin,
    Status,
    default_normalize_score,
)
from playground.engine.scheduler.nodeinfo import tolerates


class TaintToleration(Plugin):
    name = "TaintToleration"
    extension_points = (FILTER, PRE_SCORE, SCORE, NORMALIZE_SCORE)
    filter_passes_plain_nodes = True

    def filter(self, state, pod, info):
        tolerations = state.needs.tolerations
        for taint in info.taints:
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
                return Status(
                    UNRESOLVABLE,
                    [f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value', '')}}}"],
                )
        return None

    def pre_score(self, state, pod, nodes):
        # Tolerations with effect PreferNoSchedule or no effect (which means every effect).
        state[self.name] = [
            t for t in state.needs.tolerations if t.get("effect") in (None, "", "PreferNoSchedule")
        ]
        return None

    def uniform(self, state, pod, nodes) -> bool:
        return not self.handle.prefer_no_schedule_nodes

    def score(self, state, pod, info) -> int:
        tolerations = state.get(self.name, state.needs.tolerations)
        return sum(
            1 for t in info.taints if t.get("effect") == "PreferNoSchedule" and not tolerates(tolerations, t)
        )

    def normalize_score(self, state, pod, nodes, scores):
        return default_normalize_score(MAX_NODE_SCORE, True, scores)
