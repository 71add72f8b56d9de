"""NodeResourcesFit: the pod's requests must fit the node's allocatable minus what its pods
request; scores by the profile's scoringStrategy (LeastAllocated by default, MostAllocated,
RequestedToCapacityRatio) over cpu and memory, using non-zero requests as upstream."""

from __future__ import annotations

from operator import attrgetter

from playground.engine.scheduler.framework import (
    FILTER,
    MAX_NODE_SCORE,
    PRE_FILTER,
    PRE_SCORE,
    SCORE,
    UNSCHEDULABLE,
    Plugin,
    Status,
)
from playground.engine.scheduler.nodeinfo import shape_parts

LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"
REQUESTED_TO_CAPACITY_RATIO = "RequestedToCapacityRatio"
STRATEGIES = (LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO)
SUPPORTED_RESOURCES = ("cpu", "memory")
MAX_UTILIZATION = 100
MAX_CUSTOM_PRIORITY_SCORE = 10
DEFAULT_RESOURCES = [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]


def least_requested(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def most_requested(requested: int, capacity: int) -> int:
    if capacity == 0:
        return 0
    # Pods without requests count the non-zero defaults, so requested may exceed capacity.
    return min(requested, capacity) * MAX_NODE_SCORE // capacity


def broken_linear(shape: list[tuple[int, int]]):
    """Upstream's buildBrokenLinearFunction over (utilization, score) points, scores already 0–100."""

    def f(x: int) -> int:
        for i, (utilization, score) in enumerate(shape):
            if x <= utilization:
                if i == 0:
                    return shape[0][1]
                u0, s0 = shape[i - 1]
                return s0 + (score - s0) * (x - u0) // (utilization - u0)
        return shape[-1][1]

    return f


class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"
    extension_points = (PRE_FILTER, FILTER, PRE_SCORE, SCORE)

    def __init__(self, handle, args=None):
        super().__init__(handle, args)
        strategy = self.args.get("scoringStrategy") or {}
        self.strategy = strategy.get("type") or LEAST_ALLOCATED
        resources = strategy.get("resources") or DEFAULT_RESOURCES
        weights = {r["name"]: r.get("weight", 1) for r in resources}
        self.cpu_weight = weights.get("cpu", 0)
        self.mem_weight = weights.get("memory", 0)
        self.weight_sum = self.cpu_weight + self.mem_weight
        if self.strategy == REQUESTED_TO_CAPACITY_RATIO:
            shape = (strategy.get("requestedToCapacityRatio") or {}).get("shape") or []
            ratio = MAX_NODE_SCORE // MAX_CUSTOM_PRIORITY_SCORE
            curve = broken_linear([(p["utilization"], p["score"] * ratio) for p in shape])

            def ratio_score(requested: int, capacity: int) -> int:
                if capacity == 0 or requested > capacity:
                    return curve(MAX_UTILIZATION)
                return curve(requested * MAX_UTILIZATION // capacity)

            self.resource_score = ratio_score
        else:
            self.resource_score = most_requested if self.strategy == MOST_ALLOCATED else least_requested

    def pre_filter(self, state, pod):
        # The pod's requests are worked out once per attempt (state.needs).
        return None

    def filter(self, state, pod, info):
        needs = state.needs
        if (
            info.pod_count < info.alloc_pods
            and info.req_cpu + needs.cpu <= info.alloc_cpu
            and info.req_mem + needs.mem <= info.alloc_mem
        ):
            return None
        reasons = []
        if info.pod_count + 1 > info.alloc_pods:
            reasons.append("Too many pods")
        if needs.cpu and info.req_cpu + needs.cpu > info.alloc_cpu:
            reasons.append("Insufficient cpu")
        if needs.mem and info.req_mem + needs.mem > info.alloc_mem:
            reasons.append("Insufficient memory")
        if not reasons:
            return None
        return Status(UNSCHEDULABLE, reasons)

    def pre_score(self, state, pod, nodes):
        return None

    def _score(self, alloc_cpu, alloc_mem, cpu_total, mem_total) -> int:
        if not self.weight_sum:
            return 0
        f = self.resource_score
        return (
            f(cpu_total, alloc_cpu) * self.cpu_weight + f(mem_total, alloc_mem) * self.mem_weight
        ) // self.weight_sum

    def score(self, state, pod, info) -> int:
        needs = state.needs
        return self._score(
            info.alloc_cpu, info.alloc_mem, info.nz_cpu + needs.nz_cpu, info.nz_mem + needs.nz_mem
        )

    def score_nodes(self, state, pod, nodes):
        pod_cpu, pod_mem = state.needs.nz_cpu, state.needs.nz_mem
        shapes, distinct = node_shapes(state, nodes)
        by_shape = {
            shape: self._score(cpu, mem, nz_cpu + pod_cpu, nz_mem + pod_mem)
            for shape, (cpu, mem, nz_cpu, nz_mem) in distinct.items()
        }
        return list(map(by_shape.__getitem__, shapes))


SHAPES_KEY = "engine:node-shapes"
_SHAPE = attrgetter("shape")


def node_shapes(state, nodes: list) -> tuple[list, dict]:
    """Each node's shape (NodeInfo.shape), in order, and the distinct ones unpacked to
    (alloc_cpu, alloc_mem, nz_cpu, nz_mem): what the resource scores depend on (many
    nodes share a shape, so each is scored once). Worked out once per scoring pass and
    shared by NodeResourcesFit and NodeResourcesBalancedAllocation."""
    cached = state.get(SHAPES_KEY)
    if cached is not None and cached[0] is nodes and len(cached[1]) == len(nodes):
        return cached[1], cached[2]
    shapes = list(map(_SHAPE, nodes))
    distinct = {shape: shape_parts(shape) for shape in set(shapes)}
    state[SHAPES_KEY] = (nodes, shapes, distinct)
    return shapes, distinct
