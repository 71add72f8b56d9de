"""The in-tree plugin registry: upstream's name → plugin class (one plugin per module)."""

from __future__ import annotations

from playground.engine.scheduler.plugins.defaultbinder import DefaultBinder
from playground.engine.scheduler.plugins.defaultpreemption import DefaultPreemption
from playground.engine.scheduler.plugins.imagelocality import ImageLocality
from playground.engine.scheduler.plugins.interpodaffinity import InterPodAffinity
from playground.engine.scheduler.plugins.nodeaffinity import NodeAffinity
from playground.engine.scheduler.plugins.nodename import NodeName
from playground.engine.scheduler.plugins.nodeports import NodePorts
from playground.engine.scheduler.plugins.noderesourcesbalancedallocation import (
    NodeResourcesBalancedAllocation,
)
from playground.engine.scheduler.plugins.noderesourcesfit import NodeResourcesFit
from playground.engine.scheduler.plugins.nodeunschedulable import NodeUnschedulable
from playground.engine.scheduler.plugins.podtopologyspread import PodTopologySpread
from playground.engine.scheduler.plugins.queuesort import PrioritySort
from playground.engine.scheduler.plugins.tainttoleration import TaintToleration
from playground.engine.scheduler.plugins.volumebinding import VolumeBinding

REGISTRY = {
    cls.name: cls
    for cls in (
        PrioritySort,
        NodeUnschedulable,
        NodeName,
        TaintToleration,
        NodeAffinity,
        NodePorts,
        NodeResourcesFit,
        VolumeBinding,
        PodTopologySpread,
        InterPodAffinity,
        DefaultPreemption,
        NodeResourcesBalancedAllocation,
        ImageLocality,
        DefaultBinder,
    )
}

__all__ = ["REGISTRY", *REGISTRY]
