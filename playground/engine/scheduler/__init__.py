"""kube-scheduler as upstream's scheduling framework: plugins per extension point, profiles
from a KubeSchedulerConfiguration, a queue, and the decision behind each placement."""

from playground.engine.scheduler.config import (
    DEFAULT_MULTI_POINT,
    InvalidSchedulerConfig,
)
from playground.engine.scheduler.framework import (
    ERROR,
    SKIP,
    SUCCESS,
    UNRESOLVABLE,
    UNSCHEDULABLE,
    CycleState,
    Framework,
    Plugin,
    Status,
    default_normalize_score,
)
from playground.engine.scheduler.nodeinfo import NodeInfo, PodNeeds, node_selector_term_matches, tolerates
from playground.engine.scheduler.plugins import REGISTRY
from playground.engine.scheduler.scheduler import Scheduler

# The default profile's Filter plugins and Score weights, in upstream's order.
FILTERS = tuple(p["name"] for p in DEFAULT_MULTI_POINT if "Filter" in REGISTRY[p["name"]].extension_points)
SCORE_WEIGHTS = {
    p["name"]: p["weight"] for p in DEFAULT_MULTI_POINT if "Score" in REGISTRY[p["name"]].extension_points
}

__all__ = [
    "ERROR",
    "FILTERS",
    "REGISTRY",
    "SCORE_WEIGHTS",
    "SKIP",
    "SUCCESS",
    "UNRESOLVABLE",
    "UNSCHEDULABLE",
    "CycleState",
    "Framework",
    "InvalidSchedulerConfig",
    "NodeInfo",
    "Plugin",
    "PodNeeds",
    "Scheduler",
    "Status",
    "default_normalize_score",
    "node_selector_term_matches",
    "tolerates",
]
