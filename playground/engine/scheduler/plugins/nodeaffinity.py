"""NodeAffinity: nodeSelector and required node affinity filter nodes; preferred terms
score them by the sum of the weights of the terms they match."""

from __future__ import annotations

from playground.engine.scheduler.framework import (
    FILTER,
    MAX_NODE_SCORE,
    NORMALIZE_SCORE,
    PRE_FILTER,
    PRE_SCORE,
    SCORE,
    SKIP,
    UNRESOLVABLE,
    Plugin,
    Status,
    default_normalize_score,
)
from playground.engine.scheduler.nodeinfo import node_selector_term_matches

REASON = "node(s) didn't match Pod's node affinity/selector"


class NodeAffinity(Plugin):
    name = "NodeAffinity"
    extension_points = (PRE_FILTER, FILTER, PRE_SCORE, SCORE, NORMALIZE_SCORE)

    def pre_filter(self, state, pod):
        needs = state.needs
        if not needs.selector and not needs.required_terms:
            return Status(SKIP)
        return None

    def filter(self, state, pod, info):
        needs = state.needs
        if needs.selector:
            labels = info.labels
            for k, v in needs.selector.items():
                if labels.get(k) != v:
                    return Status(UNRESOLVABLE, [REASON])
        if needs.required_terms and not any(
            node_selector_term_matches(t, info) for t in needs.required_terms
        ):
            return Status(UNRESOLVABLE, [REASON])
        return None

    def pre_score(self, state, pod, nodes):
        if not state.needs.preferred_terms:
            return Status(SKIP)
        return None

    def score(self, state, pod, info) -> int:
        return sum(
            t.get("weight", 0)
            for t in state.needs.preferred_terms
            if node_selector_term_matches(t.get("preference") or {}, info)
        )

    def normalize_score(self, state, pod, nodes, scores):
        return default_normalize_score(MAX_NODE_SCORE, False, scores)
