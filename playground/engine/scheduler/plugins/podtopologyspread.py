"""PodTopologySpread: DoNotSchedule constraints filter nodes by skew; ScheduleAnyway
constraints score nodes (fewer matching pods in the node's domain is better).

Pods of a ReplicaSet or StatefulSet without constraints of their own get the profile's
default constraints (upstream's "System" defaulting unless pluginConfig says "List").
"""

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
from playground.engine.scheduler.nodeinfo import node_selector_term_matches, tolerates
from playground.engine.selectors import compile_label_selector, matches

REASON = "node(s) didn't match pod topology spread constraints"
REASON_MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
SYSTEM = "System"
LIST = "List"
SYSTEM_DEFAULT_CONSTRAINTS = [
    {"maxSkew": 3, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway"},
    {"maxSkew": 5, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"},
]


class PodTopologySpread(Plugin):
    name = "PodTopologySpread"
    extension_points = (PRE_FILTER, FILTER, PRE_SCORE, SCORE, NORMALIZE_SCORE)

    def __init__(self, handle, args=None):
        super().__init__(handle, args)
        constraints = self.args.get("defaultConstraints") or []
        self.defaulting_type = self.args.get("defaultingType") or (LIST if constraints else SYSTEM)
        self.default_constraints = (
            SYSTEM_DEFAULT_CONSTRAINTS if self.defaulting_type == SYSTEM else constraints
        )

    # Constraints and the count of matching pods per domain, worked out once per attempt.

    def constraints(self, state, pod) -> list[dict]:
        key = self.name + "/constraints"
        if key not in state:
            state[key] = self._constraints(state, pod)
        return state[key]

    def _constraints(self, state, pod) -> list[dict]:
        needs = state.needs
        if needs.spread:
            return needs.spread
        if not self.default_constraints:
            return []
        ref = next((r for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")), None)
        if not ref or ref.get("kind") not in ("ReplicaSet", "StatefulSet"):
            return []
        owner = self.handle.cluster.store.get(ref["kind"], needs.namespace, ref.get("name"))
        selector = (owner or {}).get("spec", {}).get("selector")
        if not selector:
            return []
        return [{**c, "labelSelector": selector} for c in self.default_constraints]

    def spread_state(self, state, pod) -> list:
        key = self.name + "/counts"
        if key not in state:
            state[key] = self._counts(state, self.constraints(state, pod))
        return state[key]

    def _counts(self, state, constraints) -> list:
        needs = state.needs
        result = []
        for constraint in constraints:
            tk = constraint.get("topologyKey")
            selector = compile_label_selector(constraint.get("labelSelector") or {})
            counts: dict[str, int] = {}
            for info in self.handle.nodes.values():
                if tk not in info.labels or not self._eligible(needs, info, constraint):
                    continue
                value = info.labels[tk]
                counts.setdefault(value, 0)
                for p in info.pods.values():
                    if (
                        p["metadata"].get("namespace") == needs.namespace
                        and matches(selector, p["metadata"].get("labels"))
                        and not p["metadata"].get("deletionTimestamp")
                    ):
                        counts[value] += 1
            result.append((constraint, tk, counts))
        return result

    @staticmethod
    def _eligible(needs, info, constraint: dict) -> bool:
        # nodeAffinityPolicy Honor (default): only nodes matching the pod's node affinity count.
        if constraint.get("nodeAffinityPolicy", "Honor") == "Honor":
            for k, v in needs.selector.items():
                if info.labels.get(k) != v:
                    return False
            if needs.required_terms and not any(
                node_selector_term_matches(t, info) for t in needs.required_terms
            ):
                return False
        if constraint.get("nodeTaintsPolicy", "Ignore") == "Honor":
            for taint in info.taints:
                if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(
                    needs.tolerations, taint
                ):
                    return False
        return True

    # Filter (DoNotSchedule) ---------------------------------------------------------

    def pre_filter(self, state, pod):
        if not any(c.get("whenUnsatisfiable") == "DoNotSchedule" for c in self.constraints(state, pod)):
            return Status(SKIP)
        self.spread_state(state, pod)
        return None

    def filter(self, state, pod, info):
        needs = state.needs
        for constraint, tk, counts in self.spread_state(state, pod):
            if constraint.get("whenUnsatisfiable") != "DoNotSchedule":
                continue
            if tk not in info.labels:
                return Status(UNRESOLVABLE, [REASON_MISSING_LABEL])
            selector = compile_label_selector(constraint.get("labelSelector") or {})
            self_match = 1 if matches(selector, needs.labels) else 0
            minimum = min(counts.values()) if counts else 0
            min_domains = constraint.get("minDomains")
            if min_domains and len(counts) < min_domains:
                minimum = 0
            skew = counts.get(info.labels[tk], 0) + self_match - minimum
            if skew > constraint.get("maxSkew", 1):
                return Status(UNSCHEDULABLE, [REASON])
        return None

    # Score (ScheduleAnyway) ---------------------------------------------------------

    def pre_score(self, state, pod, nodes):
        if not any(c.get("whenUnsatisfiable") == "ScheduleAnyway" for c in self.constraints(state, pod)):
            return Status(SKIP)
        return None

    def _relevant(self, state, pod, nodes) -> list:
        return [
            (constraint, tk, counts)
            for constraint, tk, counts in self.spread_state(state, pod)
            if constraint.get("whenUnsatisfiable") == "ScheduleAnyway"
            and any(tk in info.labels for info in nodes)
        ]

    def score_nodes(self, state, pod, nodes):
        relevant = self._relevant(state, pod, nodes)
        state[self.name + "/scored"] = bool(relevant)
        if not relevant:
            return [0] * len(nodes)
        return [sum(counts.get(info.labels.get(tk), 0) for _c, tk, counts in relevant) for info in nodes]

    def score(self, state, pod, info) -> int:
        return self.score_nodes(state, pod, [info])[0]

    def normalize_score(self, state, pod, nodes, scores):
        if not state.get(self.name + "/scored"):
            return [0] * len(scores)
        high, low = max(scores), min(scores)
        if high == low:
            return [MAX_NODE_SCORE] * len(scores)
        return [MAX_NODE_SCORE * (high - v) // (high - low) for v in scores]
