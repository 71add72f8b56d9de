"""The scheduler's snapshot of a node (upstream's framework.NodeInfo) and what a pod asks of one.

Helpers shared with other controllers (the DaemonSet controller and the node lifecycle
controller use ``tolerates`` and ``node_selector_term_matches``) live here too.
"""

from __future__ import annotations

from playground.engine import quantity
from playground.engine.resources import pod_resources
from playground.engine.selectors import compile_label_selector, matches

# Requests assumed for scoring when a container declares none (upstream's non-zero defaults).
DEFAULT_MILLI_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024


class NodeInfo:
    __slots__ = (
        "name",
        "labels",
        "taints",
        "unschedulable",
        "alloc_cpu",
        "alloc_mem",
        "alloc_pods",
        "req_cpu",
        "req_mem",
        "nz_cpu",
        "nz_mem",
        "pod_count",
        "ports",
        "pods",
        "images",
        "shape",
    )

    def __init__(self, node: dict):
        self.pods: dict[str, dict] = {}
        self.req_cpu = self.req_mem = self.nz_cpu = self.nz_mem = self.pod_count = 0
        self.ports: dict[tuple, int] = {}
        self.update(node)

    def update(self, node: dict) -> None:
        self.name = node["metadata"]["name"]
        self.labels = node["metadata"].get("labels") or {}
        spec = node.get("spec") or {}
        self.taints = spec.get("taints") or []
        self.unschedulable = bool(spec.get("unschedulable"))
        status = node.get("status") or {}
        allocatable = status.get("allocatable") or status.get("capacity") or {}
        self.alloc_cpu = quantity.millis(allocatable.get("cpu", "0"))
        self.alloc_mem = quantity.to_int(allocatable.get("memory", "0"))
        self.alloc_pods = quantity.to_int(allocatable.get("pods", "110"))
        self.images = {name for image in status.get("images") or [] for name in image.get("names") or []}
        self.reshape()

    def reshape(self) -> None:
        """Keep ``shape`` in step with the allocatable and non-zero requests (call after
        changing them): what the resource scores depend on, shared by many nodes. It is
        the four packed into one int (cheap to hash when nodes are grouped per pod);
        ``shape_parts`` unpacks it."""
        parts = (self.alloc_cpu, self.alloc_mem, self.nz_cpu, self.nz_mem)
        if all(0 <= part < _SHAPE_LIMIT for part in parts):
            self.shape = parts[0] << 192 | parts[1] << 128 | parts[2] << 64 | parts[3]
        else:  # out of the packed range (not a real node): the tuple itself
            self.shape = parts


_SHAPE_LIMIT = 1 << 64
_SHAPE_MASK = _SHAPE_LIMIT - 1


def shape_parts(shape) -> tuple[int, int, int, int]:
    """NodeInfo.shape as (alloc_cpu, alloc_mem, nz_cpu, nz_mem)."""
    if type(shape) is tuple:
        return shape
    return (shape >> 192, shape >> 128 & _SHAPE_MASK, shape >> 64 & _SHAPE_MASK, shape & _SHAPE_MASK)


class PodNeeds:
    """What a pod asks of a node, computed once per attempt."""

    __slots__ = (
        "cpu",
        "mem",
        "nz_cpu",
        "nz_mem",
        "ports",
        "tolerations",
        "node_name",
        "selector",
        "required_terms",
        "preferred_terms",
        "spread",
        "affinity",
        "anti",
        "pref_affinity",
        "pref_anti",
        "labels",
        "namespace",
        "images",
        "priority",
    )

    def __init__(self, pod: dict):
        spec = pod.get("spec") or {}
        requests = pod_resources(pod, "requests")
        self.cpu = requests.get("cpu", 0)
        self.mem = requests.get("memory", 0)
        nz_cpu = nz_mem = 0
        for c in spec.get("containers") or []:
            req = (c.get("resources") or {}).get("requests") or {}
            nz_cpu += quantity.millis(req["cpu"]) if "cpu" in req else DEFAULT_MILLI_CPU
            nz_mem += quantity.to_int(req["memory"]) if "memory" in req else DEFAULT_MEMORY
        self.nz_cpu, self.nz_mem = nz_cpu, nz_mem
        self.ports = [
            (p.get("hostIP") or "0.0.0.0", p.get("protocol", "TCP"), p["hostPort"])  # noqa: S104 (a port, not a bind)
            for c in spec.get("containers") or []
            for p in c.get("ports") or []
            if p.get("hostPort")
        ]
        self.tolerations = spec.get("tolerations") or []
        self.node_name = spec.get("nodeName")
        self.selector = spec.get("nodeSelector") or {}
        affinity = spec.get("affinity") or {}
        node_affinity = affinity.get("nodeAffinity") or {}
        required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
        self.required_terms = required.get("nodeSelectorTerms") or []
        self.preferred_terms = node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or []
        self.spread = spec.get("topologySpreadConstraints") or []
        pa = affinity.get("podAffinity") or {}
        paa = affinity.get("podAntiAffinity") or {}
        self.affinity = pa.get("requiredDuringSchedulingIgnoredDuringExecution") or []
        self.anti = paa.get("requiredDuringSchedulingIgnoredDuringExecution") or []
        self.pref_affinity = pa.get("preferredDuringSchedulingIgnoredDuringExecution") or []
        self.pref_anti = paa.get("preferredDuringSchedulingIgnoredDuringExecution") or []
        self.labels = pod["metadata"].get("labels") or {}
        self.namespace = pod["metadata"].get("namespace", "default")
        self.images = [c.get("image") for c in spec.get("containers") or []]
        self.priority = spec.get("priority", 0)


def tolerates(tolerations: list[dict], taint: dict) -> bool:
    for t in tolerations:
        effect = t.get("effect")
        if effect and effect != taint.get("effect"):
            continue
        key = t.get("key")
        if key and key != taint.get("key"):
            continue
        if t.get("operator", "Equal") == "Exists":
            if key or not key:
                return True
        elif t.get("value", "") == taint.get("value", ""):
            if key:
                return True
    return False


def _match_expression(expr: dict, labels: dict, fields: dict | None = None) -> bool:
    key, op = expr.get("key"), expr.get("operator")
    values = expr.get("values") or []
    present = key in labels
    value = labels.get(key)
    if op == "In":
        return present and value in values
    if op == "NotIn":
        return not present or value not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt") and present and values:
        try:
            a, b = int(value), int(values[0])
        except ValueError:
            return False
        return a > b if op == "Gt" else a < b
    return False


def node_selector_term_matches(term: dict, node: NodeInfo) -> bool:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    for expr in expressions:
        if not _match_expression(expr, node.labels):
            return False
    for expr in fields:
        if not _match_expression(expr, {"metadata.name": node.name}):
            return False
    return True


def term_selects(store, term: dict, pod_namespace: str, other: dict) -> bool:
    """Does a pod (anti-)affinity term select ``other``? (namespaces, namespaceSelector, labelSelector)"""
    namespaces = term.get("namespaces") or []
    other_ns = other["metadata"].get("namespace")
    if term.get("namespaceSelector") is not None:
        ns_obj = store.get("Namespace", "", other_ns)
        ns_ok = (
            matches(
                compile_label_selector(term["namespaceSelector"]),
                (ns_obj or {}).get("metadata", {}).get("labels"),
            )
            or other_ns in namespaces
        )
    else:
        ns_ok = other_ns in namespaces if namespaces else other_ns == pod_namespace
    if not ns_ok:
        return False
    return matches(compile_label_selector(term.get("labelSelector") or {}), other["metadata"].get("labels"))
