"""NodeResourcesBalancedAllocation: nodes whose cpu and memory would be used in similar
fractions score higher: (1 - standard deviation of the fractions) × 100."""

from __future__ import annotations

from playground.engine.scheduler.framework import MAX_NODE_SCORE, PRE_SCORE, SCORE, Plugin
from playground.engine.scheduler.plugins.noderesourcesfit import node_shapes


def balanced(alloc_cpu: int, alloc_mem: int, cpu_total: int, mem_total: int) -> int:
    if not (alloc_cpu and alloc_mem):
        return 0
    cpu_frac = min(cpu_total / alloc_cpu, 1.0)
    mem_frac = min(mem_total / alloc_mem, 1.0)
    # With two resources the standard deviation is half their difference.
    return int((1 - abs(cpu_frac - mem_frac) / 2) * MAX_NODE_SCORE)


class NodeResourcesBalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"
    extension_points = (PRE_SCORE, SCORE)

    def pre_score(self, state, pod, nodes):
        return None

    def score(self, state, pod, info) -> int:
        needs = state.needs
        return balanced(
            info.alloc_cpu, info.alloc_mem, info.nz_cpu + needs.nz_cpu, info.nz_mem + needs.nz_mem
        )

    def score_nodes(self, state, pod, nodes):
        pod_cpu, pod_mem = state.needs.nz_cpu, state.needs.nz_mem
        shapes, distinct = node_shapes(state, nodes)
        by_shape = {
            shape: balanced(cpu, mem, nz_cpu + pod_cpu, nz_mem + pod_mem)
            for shape, (cpu, mem, nz_cpu, nz_mem) in distinct.items()
        }
        return list(map(by_shape.__getitem__, shapes))
