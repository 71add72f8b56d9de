"""InterPodAffinity: required pod affinity / anti-affinity (the pod's own, and existing
pods' anti-affinity against it) filter nodes; preferred terms score them."""

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
    UNSCHEDULABLE,
    Plugin,
    Status,
)
from playground.engine.scheduler.nodeinfo import term_selects

REASON_AFFINITY = "node(s) didn't match pod affinity rules"
REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"


class InterPodAffinity(Plugin):
    name = "InterPodAffinity"
    extension_points = (PRE_FILTER, FILTER, PRE_SCORE, SCORE, NORMALIZE_SCORE)

    def _selects(self, term, namespace, other) -> bool:
        return term_selects(self.handle.cluster.store, term, namespace, other)

    def pre_filter(self, state, pod):
        needs = state.needs
        if not (needs.affinity or needs.anti or self.handle.anti_affinity_pods > 0):
            return Status(SKIP)
        nodes = self.handle.nodes.values()
        # Topology values where pods matching each of the pod's terms run.
        affinity, anti, existing_anti = [], [], []
        for terms, out in ((needs.affinity, affinity), (needs.anti, anti)):
            for term in terms:
                tk = term.get("topologyKey")
                values = {
                    info.labels[tk]
                    for info in nodes
                    if tk in info.labels
                    and any(self._selects(term, needs.namespace, p) for p in info.pods.values())
                }
                out.append((term, tk, values))
        # Existing pods whose required anti-affinity rejects the incoming pod.
        incoming = {"metadata": {"namespace": needs.namespace, "labels": needs.labels}}
        for info in nodes:
            for p in info.pods.values():
                terms = (((p.get("spec") or {}).get("affinity") or {}).get("podAntiAffinity") or {}).get(
                    "requiredDuringSchedulingIgnoredDuringExecution"
                ) or []
                for term in terms:
                    tk = term.get("topologyKey")
                    if tk in info.labels and self._selects(term, p["metadata"]["namespace"], incoming):
                        existing_anti.append((tk, info.labels[tk]))
        state[self.name] = (affinity, anti, existing_anti)
        return None

    def filter(self, state, pod, info):
        needs = state.needs
        affinity, anti, existing_anti = state[self.name]
        # Upstream's order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity.
        for term, tk, values in affinity:
            if tk not in info.labels:
                return Status(UNRESOLVABLE, [REASON_AFFINITY])
            if values:
                if info.labels[tk] not in values:
                    return Status(UNRESOLVABLE, [REASON_AFFINITY])
            else:
                # No pod matches anywhere: allowed only if the pod matches its own term.
                me = {"metadata": {"namespace": needs.namespace, "labels": needs.labels}}
                if not self._selects(term, needs.namespace, me):
                    return Status(UNRESOLVABLE, [REASON_AFFINITY])
        for _term, tk, values in anti:
            if tk in info.labels and info.labels[tk] in values:
                return Status(UNSCHEDULABLE, [REASON_ANTI_AFFINITY])
        for tk, value in existing_anti:
            if info.labels.get(tk) == value:
                return Status(UNSCHEDULABLE, [REASON_EXISTING_ANTI_AFFINITY])
        return None

    def pre_score(self, state, pod, nodes):
        return None

    def uniform(self, state, pod, nodes) -> bool:
        return not (state.needs.pref_affinity or state.needs.pref_anti)

    def score(self, state, pod, info) -> int:
        needs = state.needs
        score = 0
        for weighted, sign in ((needs.pref_affinity, 1), (needs.pref_anti, -1)):
            for item in weighted:
                term = item.get("podAffinityTerm") or {}
                tk = term.get("topologyKey")
                if tk not in info.labels:
                    continue
                value = info.labels[tk]
                for other in self.handle.nodes.values():
                    if other.labels.get(tk) != value:
                        continue
                    if any(self._selects(term, needs.namespace, p) for p in other.pods.values()):
                        score += sign * item.get("weight", 0)
                        break
        return score

    def normalize_score(self, state, pod, nodes, scores):
        high, low = max(scores, default=0), min(scores, default=0)
        if high == low:
            return [0] * len(scores)
        return [int(MAX_NODE_SCORE * (v - low) / (high - low)) for v in scores]
