"""The scheduling framework: status codes, plugins, and the runner of the extension points.

Names follow upstream's pkg/scheduler/framework (interface.go) and runtime/framework.go:
a profile's plugins are run at each extension point in the profile's order, a Filter
stops at the first plugin that rejects a node, scores are normalised per plugin then
weighted and summed.

Engine shortcuts (none changes a decision):
- ``None`` stands for a Success status (upstream's nil *Status) on the hot paths.
- ``Plugin.score_nodes`` scores a list of nodes in one call (upstream runs Score per
  node in parallel); the default calls ``score`` for each node.
- ``Plugin.filter_passes_plain_nodes``: the plugin's Filter cannot reject a node without
  taints that is not cordoned; the runner skips it there when no per-plugin record is kept.
- ``Plugin.uniform``: Score would give every node the same value for this pod; the runner
  skips it when no per-plugin record is kept (a constant cannot change the winner).
- When NodeResourcesFit is the only Filter a plain node needs, the scheduler inlines its
  pass test (a node it rejects still runs the plugin, for the reasons).
"""

from __future__ import annotations

import operator

from playground.engine.backref import ClusterRef

SUCCESS = "Success"
ERROR = "Error"
UNSCHEDULABLE = "Unschedulable"
UNRESOLVABLE = "UnschedulableAndUnresolvable"
SKIP = "Skip"

MAX_NODE_SCORE = 100

# Extension points, in the order a scheduling cycle then a binding cycle runs them.
QUEUE_SORT = "QueueSort"
PRE_FILTER = "PreFilter"
FILTER = "Filter"
POST_FILTER = "PostFilter"
PRE_SCORE = "PreScore"
SCORE = "Score"
NORMALIZE_SCORE = "NormalizeScore"
RESERVE = "Reserve"
PRE_BIND = "PreBind"
BIND = "Bind"
EXTENSION_POINTS = (
    QUEUE_SORT,
    PRE_FILTER,
    FILTER,
    POST_FILTER,
    PRE_SCORE,
    SCORE,
    NORMALIZE_SCORE,
    RESERVE,
    PRE_BIND,
    BIND,
)
# The method implementing each extension point.
METHODS = {
    QUEUE_SORT: "less",
    PRE_FILTER: "pre_filter",
    FILTER: "filter",
    POST_FILTER: "post_filter",
    PRE_SCORE: "pre_score",
    SCORE: "score",
    NORMALIZE_SCORE: "normalize_score",
    RESERVE: "reserve",
    PRE_BIND: "pre_bind",
    BIND: "bind",
}
# KubeSchedulerConfiguration's plugin set for each extension point (NormalizeScore goes with Score).
CONFIG_POINTS = {
    "queueSort": QUEUE_SORT,
    "preFilter": PRE_FILTER,
    "filter": FILTER,
    "postFilter": POST_FILTER,
    "preScore": PRE_SCORE,
    "score": SCORE,
    "reserve": RESERVE,
    "preBind": PRE_BIND,
    "bind": BIND,
}


class Status:
    """A plugin's verdict: upstream's *framework.Status (code, reasons, the plugin that failed)."""

    __slots__ = ("code", "reasons", "plugin")

    def __init__(self, code: str, reasons: list[str] | None = None, plugin: str = ""):
        self.code = code
        self.reasons = reasons or []
        self.plugin = plugin

    def is_success(self) -> bool:
        return self.code == SUCCESS

    def message(self) -> str:
        return ", ".join(self.reasons)

    def __repr__(self) -> str:
        return f"Status({self.code!r}, {self.reasons!r}, plugin={self.plugin!r})"


def is_success(status: Status | None) -> bool:
    return status is None or status.code == SUCCESS


class CycleState(dict):
    """Per-attempt data plugins share between extension points (upstream's CycleState).

    ``skip_filter`` and ``skip_score`` hold the plugins whose PreFilter / PreScore said Skip.
    """

    def __init__(self):
        super().__init__()
        self.skip_filter: set[str] = set()
        self.skip_score: set[str] = set()


class Plugin:
    """A scheduler plugin. Subclasses set ``name`` (upstream's) and ``extension_points``
    and implement the method for each (see ``METHODS``)."""

    name = ""
    extension_points: tuple[str, ...] = ()
    filter_passes_plain_nodes = False
    handle = ClusterRef()  # the scheduler, weakly: see playground/engine/backref.py

    def __init__(self, handle, args: dict | None = None):
        self.handle = handle
        self.args = args or {}

    def score_nodes(self, state: CycleState, pod: dict, nodes: list) -> list[int]:
        return [self.score(state, pod, info) for info in nodes]

    def uniform(self, state: CycleState, pod: dict, nodes: list) -> bool:
        return False


def default_normalize_score(max_priority: int, reverse: bool, scores: list[int]) -> list[int]:
    """Upstream's helper.DefaultNormalizeScore: scale to [0, max_priority] by the highest
    score (integer division), reversed if asked; all zero and reversed gives max_priority."""
    high = max(scores, default=0)
    if high == 0:
        return [max_priority] * len(scores) if reverse else [0] * len(scores)
    if reverse:
        return [max_priority - max_priority * s // high for s in scores]
    return [max_priority * s // high for s in scores]


class Framework:
    """One profile's plugins, run at each extension point in order."""

    def __init__(self, scheduler_name: str, plugins: dict[str, list[Plugin]], weights: dict[str, int]):
        self.scheduler_name = scheduler_name
        self.plugins = plugins
        self.weights = weights
        self.percentage_of_nodes_to_score: int | None = None
        self.by_name = {p.name: p for point in plugins.values() for p in point}

    # Scheduling cycle -------------------------------------------------------------

    def run_pre_filter(self, state: CycleState, pod: dict) -> Status | None:
        """Each PreFilter in order; Skip excludes the plugin's Filter; the first rejection ends it."""
        for plugin in self.plugins[PRE_FILTER]:
            status = plugin.pre_filter(state, pod)
            if status is None or status.code == SUCCESS:
                continue
            if status.code == SKIP:
                state.skip_filter.add(plugin.name)
                continue
            status.plugin = plugin.name
            return status
        return None

    def filters_for(self, state: CycleState) -> list[Plugin]:
        return [p for p in self.plugins[FILTER] if p.name not in state.skip_filter]

    def run_filter(self, state: CycleState, pod: dict, info, filters: list[Plugin]) -> Status | None:
        for plugin in filters:
            status = plugin.filter(state, pod, info)
            if status is not None and status.code != SUCCESS:
                status.plugin = plugin.name
                return status
        return None

    def run_filter_recorded(self, state: CycleState, pod: dict, info, filters: list[Plugin]):
        """As run_filter, also returning each plugin's verdict: [[plugin, code, reasons]]."""
        verdicts = []
        for plugin in filters:
            status = plugin.filter(state, pod, info)
            if status is not None and status.code != SUCCESS:
                status.plugin = plugin.name
                verdicts.append([plugin.name, status.code, status.message()])
                return status, verdicts
            verdicts.append([plugin.name, SUCCESS, ""])
        return None, verdicts

    def run_post_filter(self, state: CycleState, pod: dict, statuses: dict) -> Status | None:
        """PostFilter plugins in order until one succeeds (upstream: the first success wins)."""
        result = None
        for plugin in self.plugins[POST_FILTER]:
            status = plugin.post_filter(state, pod, statuses)
            if status is None or status.code == SUCCESS:
                return status or Status(SUCCESS, plugin=plugin.name)
            status.plugin = plugin.name
            if status.code not in (UNSCHEDULABLE, UNRESOLVABLE):
                return status
            result = result or status
        return result

    def run_pre_score(self, state: CycleState, pod: dict, nodes: list) -> Status | None:
        for plugin in self.plugins[PRE_SCORE]:
            status = plugin.pre_score(state, pod, nodes)
            if status is None or status.code == SUCCESS:
                continue
            if status.code == SKIP:
                state.skip_score.add(plugin.name)
                continue
            status.plugin = plugin.name
            return status
        return None

    def run_score(self, state: CycleState, pod: dict, nodes: list, detailed: bool):
        """Score, NormalizeScore and weights. Returns (raw, normalised) lists per plugin and
        the weighted total per node (in ``nodes`` order)."""
        raw: dict[str, list[int]] = {}
        normalised: dict[str, list[int]] = {}
        for plugin in self.plugins[SCORE]:
            if plugin.name in state.skip_score:
                continue
            if not detailed and plugin.uniform(state, pod, nodes):
                continue
            scores = plugin.score_nodes(state, pod, nodes)
            raw[plugin.name] = scores
            if NORMALIZE_SCORE in plugin.extension_points:
                scores = plugin.normalize_score(state, pod, nodes, list(scores))
            normalised[plugin.name] = scores
        totals = [0] * len(nodes)
        for name, scores in normalised.items():
            if len(scores) != len(nodes):
                raise ValueError(f"{name} scored {len(scores)} of {len(nodes)} nodes")
            weight = self.weights[name]
            weighted = scores if weight == 1 else [weight * s for s in scores]
            totals = list(map(operator.add, totals, weighted))
        return raw, normalised, totals

    def run_reserve(self, state: CycleState, pod: dict, node_name: str) -> Status | None:
        for plugin in self.plugins[RESERVE]:
            status = plugin.reserve(state, pod, node_name)
            if not is_success(status):
                status.plugin = plugin.name
                return status
        return None

    # Binding cycle ----------------------------------------------------------------

    def run_pre_bind(self, state: CycleState, pod: dict, node_name: str) -> Status | None:
        for plugin in self.plugins[PRE_BIND]:
            status = plugin.pre_bind(state, pod, node_name)
            if not is_success(status):
                status.plugin = plugin.name
                return status
        return None

    def run_bind(self, state: CycleState, pod: dict, node_name: str) -> Status | None:
        """Bind plugins in order until one does not Skip."""
        for plugin in self.plugins[BIND]:
            status = plugin.bind(state, pod, node_name)
            if status is not None and status.code == SKIP:
                continue
            if status is not None and status.code != SUCCESS:
                status.plugin = plugin.name
            return status
        return Status(ERROR, ["no bind plugin bound the pod"])
