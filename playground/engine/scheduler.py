"""kube-scheduler: a priority queue, Filter and Score plugins named as upstream, binding.

Each scheduling attempt is one unit of work. The decision (every node's filter
verdicts, every plugin's normalised score, the winner) is kept so the UI can answer
"why this host?" the way DRS explains a placement.
"""

from __future__ import annotations

import heapq
import itertools

from playground.engine import quantity
from playground.engine.resources import is_terminal, pod_resources
from playground.engine.selectors import compile_label_selector, matches
from playground.engine.util import rfc3339

SUCCESS = "Success"
UNSCHEDULABLE = "Unschedulable"
UNRESOLVABLE = "UnschedulableAndUnresolvable"

FILTERS = (
    "NodeUnschedulable",
    "NodeName",
    "TaintToleration",
    "NodeAffinity",
    "NodePorts",
    "NodeResourcesFit",
    "PodTopologySpread",
    "InterPodAffinity",
)
# Upstream's default score plugins and weights.
SCORE_WEIGHTS = {
    "TaintToleration": 3,
    "NodeAffinity": 2,
    "NodeResourcesFit": 1,
    "PodTopologySpread": 2,
    "InterPodAffinity": 2,
    "NodeResourcesBalancedAllocation": 1,
    "ImageLocality": 1,
}
# Requests assumed for scoring when a container declares none (upstream's non-zero defaults).
DEFAULT_MILLI_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024
MIN_FEASIBLE_NODES = 100
IMAGE_MIN_THRESHOLD = 23 * 1024 * 1024
IMAGE_MAX_THRESHOLD = 1000 * 1024 * 1024
DECISIONS_KEPT = 60
DETAILED_DECISION_NODES = 64


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
        "default_spread",
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
        self.default_spread = False
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


class Scheduler:
    name = "scheduler"
    component = "default-scheduler"

    def __init__(self, cluster):
        self.cluster = cluster
        self.nodes: dict[str, NodeInfo] = {}
        self.node_order: list[str] = []
        self.node_list: list[NodeInfo] = []
        self.active: list[tuple] = []  # heap of (-priority, seq, key)
        self.in_active: set[str] = set()
        self.unschedulable: set[str] = set()
        self.seq = 0
        self.next_start = 0
        self.decisions: dict[str, dict] = {}
        # Bound pods with required anti-affinity: only then must every attempt check them.
        self.anti_affinity_pods = 0
        # image -> number of nodes that have it; nodes with PreferNoSchedule taints.
        self.image_nodes: dict[str, int] = {}
        self.prefer_no_schedule_nodes = 0

    # Cache maintenance ------------------------------------------------------

    def rebuild(self) -> None:
        store = self.cluster.store
        self.nodes = {}
        self.anti_affinity_pods = 0
        self.image_nodes = {}
        self.prefer_no_schedule_nodes = 0
        for node in store.iter("Node"):
            info = NodeInfo(node)
            self.nodes[node["metadata"]["name"]] = info
            self._count_node(info, 1)
        self.node_order = sorted(self.nodes)
        self.node_list = [self.nodes[name] for name in self.node_order]
        for pod in store.iter("Pod"):
            node = (pod.get("spec") or {}).get("nodeName")
            if node and node in self.nodes and not is_terminal(pod):
                self._add_pod(self.nodes[node], pod)

    def _count_node(self, info: NodeInfo, sign: int) -> None:
        for image in info.images:
            self.image_nodes[image] = self.image_nodes.get(image, 0) + sign
            if not self.image_nodes[image]:
                del self.image_nodes[image]
        if any(t.get("effect") == "PreferNoSchedule" for t in info.taints):
            self.prefer_no_schedule_nodes += sign

    def _pod_key(self, pod: dict) -> str:
        return f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"

    def _add_pod(self, info: NodeInfo, pod: dict) -> None:
        key = self._pod_key(pod)
        if key in info.pods:
            self._remove_pod(info, info.pods[key])
        needs = PodNeeds(pod)
        info.pods[key] = pod
        info.req_cpu += needs.cpu
        info.req_mem += needs.mem
        info.nz_cpu += needs.nz_cpu
        info.nz_mem += needs.nz_mem
        info.pod_count += 1
        for port in needs.ports:
            info.ports[port] = info.ports.get(port, 0) + 1
        if needs.anti:
            self.anti_affinity_pods += 1

    def _remove_pod(self, info: NodeInfo, pod: dict) -> None:
        key = self._pod_key(pod)
        stored = info.pods.pop(key, None)
        if stored is None:
            return
        needs = PodNeeds(stored)
        info.req_cpu -= needs.cpu
        info.req_mem -= needs.mem
        info.nz_cpu -= needs.nz_cpu
        info.nz_mem -= needs.nz_mem
        info.pod_count -= 1
        if needs.anti:
            self.anti_affinity_pods -= 1
        for port in needs.ports:
            info.ports[port] -= 1
            if not info.ports[port]:
                del info.ports[port]

    def on_event(self, etype: str, kind: str, old: dict | None, new: dict | None) -> None:
        if kind == "Pod":
            self._on_pod(etype, old, new)
        elif kind == "Node":
            name = (new or old)["metadata"]["name"]
            if name in self.nodes:
                self._count_node(self.nodes[name], -1)
            if new is None:
                self.nodes.pop(name, None)
            elif name in self.nodes:
                self.nodes[name].update(new)
            else:
                self.nodes[name] = NodeInfo(new)
            if new is not None:
                self._count_node(self.nodes[name], 1)
            if new is None or old is None:
                self.node_order = sorted(self.nodes)
                self.node_list = [self.nodes[n] for n in self.node_order]
            if old is None or new is None or _node_changed_for_scheduling(old, new):
                self.requeue_unschedulable()

    def _on_pod(self, etype: str, old: dict | None, new: dict | None) -> None:
        pod = new or old
        key = self._pod_key(pod)
        old_node = (old.get("spec") or {}).get("nodeName") if old else None
        new_node = (new.get("spec") or {}).get("nodeName") if new else None
        if old_node and old_node in self.nodes and (new is None or new_node != old_node or is_terminal(new)):
            self._remove_pod(self.nodes[old_node], old)
            self.requeue_unschedulable()
        if new is not None and new_node and new_node in self.nodes and not is_terminal(new):
            self._add_pod(self.nodes[new_node], new)
        if new is None:
            self.unschedulable.discard(key)
            self.decisions.pop(key, None)
            return
        spec = new.get("spec") or {}
        if (
            not new_node
            and spec.get("schedulerName", "default-scheduler") == "default-scheduler"
            and not new["metadata"].get("deletionTimestamp")
            and key not in self.in_active
            and (key not in self.unschedulable or etype == "ADDED")
        ):
            self._push(key, spec.get("priority", 0))

    def _push(self, key: str, priority: int) -> None:
        self.seq += 1
        heapq.heappush(self.active, (-priority, self.seq, key))
        self.in_active.add(key)
        self.unschedulable.discard(key)
        self.cluster.enqueue(self.name, "next")

    def requeue_unschedulable(self) -> None:
        for key in sorted(self.unschedulable):
            ns, name = key.split("/", 1)
            pod = self.cluster.store.get("Pod", ns, name)
            if pod is not None:
                self._push(key, (pod.get("spec") or {}).get("priority", 0))
        self.unschedulable.clear()

    # Scheduling -------------------------------------------------------------

    def reconcile(self, _key: str) -> dict | None:
        while self.active:
            _, _, key = heapq.heappop(self.active)
            self.in_active.discard(key)
            ns, name = key.split("/", 1)
            pod = self.cluster.store.get("Pod", ns, name)
            if (
                pod is None
                or (pod.get("spec") or {}).get("nodeName")
                or pod["metadata"].get("deletionTimestamp")
            ):
                continue
            record = self.schedule_one(pod)
            if self.active:
                self.cluster.enqueue(self.name, "next")
            return record
        return None

    def feasible_nodes_to_find(self, total: int) -> int:
        if total < MIN_FEASIBLE_NODES:
            return total
        percentage = self.cluster.options.get("percentage_of_nodes_to_score") or max(50 - total // 125, 5)
        count = total * percentage // 100
        return max(count, MIN_FEASIBLE_NODES)

    def _system_default_spread(self, pod: dict, needs: PodNeeds) -> None:
        """Upstream's default constraints for pods of a ReplicaSet or StatefulSet without
        their own: ScheduleAnyway across hostnames (maxSkew 3) and zones (maxSkew 5)."""
        if needs.spread:
            return
        ref = next((r for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")), None)
        if not ref or ref.get("kind") not in ("ReplicaSet", "StatefulSet"):
            return
        owner = self.cluster.store.get(ref["kind"], needs.namespace, ref.get("name"))
        selector = (owner or {}).get("spec", {}).get("selector")
        if not selector:
            return
        needs.spread = [
            {
                "maxSkew": 3,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": selector,
            },
            {
                "maxSkew": 5,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": selector,
            },
        ]
        needs.default_spread = True

    def _volume_prefilter(self, pod: dict) -> str | None:
        """VolumeBinding's PreFilter: claims must exist, and Immediate claims must be bound."""
        from playground.engine.controllers.volume import claim_class

        store = self.cluster.store
        ns = pod["metadata"]["namespace"]
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            name = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if not name:
                continue
            claim = store.get("PersistentVolumeClaim", ns, name)
            if claim is None:
                return f'persistentvolumeclaim "{name}" not found'
            if claim["metadata"].get("deletionTimestamp"):
                return f'persistentvolumeclaim "{name}" is being deleted'
            if (claim.get("status") or {}).get("phase") != "Bound":
                class_name = claim_class(store, claim)
                sc = store.get("StorageClass", "", class_name) if class_name else None
                if sc is None or sc.get("volumeBindingMode") != "WaitForFirstConsumer":
                    return "pod has unbound immediate PersistentVolumeClaims"
        return None

    def _select_node_for_claims(self, pod: dict, node_name: str) -> None:
        """WaitForFirstConsumer: the chosen node is recorded on each unbound claim."""
        from playground.engine.controllers.volume import SELECTED_NODE

        store = self.cluster.store
        ns = pod["metadata"]["namespace"]
        for volume in (pod.get("spec") or {}).get("volumes") or []:
            name = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            claim = store.get("PersistentVolumeClaim", ns, name) if name else None
            if claim is not None and (claim.get("status") or {}).get("phase") != "Bound":
                annotations = {**(claim["metadata"].get("annotations") or {}), SELECTED_NODE: node_name}
                self.cluster.api.commit(
                    "PersistentVolumeClaim",
                    {**claim, "metadata": {**claim["metadata"], "annotations": annotations}},
                    claim,
                )

    def schedule_one(self, pod: dict) -> dict:
        key = self._pod_key(pod)
        prefilter = self._volume_prefilter(pod) if (pod.get("spec") or {}).get("volumes") else None
        if prefilter:
            total = len(self.node_list)
            statuses = {info.name: (UNRESOLVABLE, []) for info in self.node_list}
            return self._fail(
                pod, key, PodNeeds(pod), total, statuses, {}, rfc3339(self.cluster.clock), prefilter=prefilter
            )
        needs = PodNeeds(pod)
        self._system_default_spread(pod, needs)
        total = len(self.node_list)
        want = self.feasible_nodes_to_find(total)
        detailed = total <= DETAILED_DECISION_NODES
        verdicts: dict[str, list] = {}
        statuses: dict[str, tuple[str, list[str]]] = {}
        feasible: list[NodeInfo] = []
        spread_state = self._spread_state(needs) if needs.spread else None
        affinity_state = (
            self._affinity_state(needs)
            if (needs.affinity or needs.anti or self._any_anti_affinity())
            else None
        )
        processed = 0
        # Fast path: for a pod with no placement rules, a node without taints that is
        # not cordoned can only be rejected by NodeResourcesFit; check that inline.
        simple = not (
            needs.node_name
            or needs.selector
            or needs.required_terms
            or needs.ports
            or spread_state
            or affinity_state
        )
        cpu, mem = needs.cpu, needs.mem
        start = self.next_start % total if total else 0
        for info in itertools.chain(
            itertools.islice(self.node_list, start, None), itertools.islice(self.node_list, 0, start)
        ):
            processed += 1
            if simple and not info.taints and not info.unschedulable:
                if (
                    info.pod_count < info.alloc_pods
                    and info.req_cpu + cpu <= info.alloc_cpu
                    and info.req_mem + mem <= info.alloc_mem
                ):
                    feasible.append(info)
                    if detailed:
                        verdicts[info.name] = [["All filters", SUCCESS, ""]]
                    if len(feasible) >= want:
                        break
                    continue
            code, reasons, plugin = self._filter(needs, info, spread_state, affinity_state)
            if code == SUCCESS:
                feasible.append(info)
                if detailed:
                    verdicts[info.name] = [["All filters", SUCCESS, ""]]
                if len(feasible) >= want:
                    break
            else:
                statuses[info.name] = (code, reasons)
                if detailed:
                    verdicts[info.name] = [[plugin, code, ", ".join(reasons)]]
        if total:
            self.next_start = (self.next_start + processed) % total
        now = rfc3339(self.cluster.clock)
        if not feasible:
            return self._fail(pod, key, needs, total, statuses, verdicts, now)
        if len(feasible) == 1:
            winner = feasible[0]
            scores = {winner.name: {}}
            totals = {winner.name: 0}
        else:
            scores, totals = self._score(needs, feasible, spread_state, detailed)
            best = max(totals.values())
            tied = [info for info in feasible if totals[info.name] == best]
            winner = tied[self.cluster.rng.below(len(tied))] if len(tied) > 1 else tied[0]
        if (pod.get("spec") or {}).get("volumes"):
            self._select_node_for_claims(pod, winner.name)
        self.cluster.api.bind(pod["metadata"]["name"], pod["metadata"]["namespace"], winner.name)
        message = f"Successfully assigned {key} to {winner.name}"
        self.cluster.recorder.record(pod, "Normal", "Scheduled", message, self.component)
        self._remember(
            key,
            {
                "time": now,
                "result": "Scheduled",
                "node": winner.name,
                "message": message,
                "nodesEvaluated": processed,
                "nodesTotal": total,
                "feasible": len(feasible),
                "filters": verdicts if detailed else {},
                "scores": scores if detailed else {},
                "totals": totals if detailed else {},
            },
        )
        return {
            "component": "kube-scheduler",
            "action": "Scheduled",
            "kind": "Pod",
            "namespace": pod["metadata"]["namespace"],
            "name": pod["metadata"]["name"],
            "message": message,
        }

    def _remember(self, key: str, decision: dict) -> None:
        self.decisions.pop(key, None)
        self.decisions[key] = decision
        while len(self.decisions) > DECISIONS_KEPT:
            self.decisions.pop(next(iter(self.decisions)))

    def _fail(self, pod, key, needs, total, statuses, verdicts, now, prefilter: str | None = None) -> dict:
        histogram: dict[str, int] = {}
        for _code, reasons in statuses.values():
            for reason in reasons:
                histogram[reason] = histogram.get(reason, 0) + 1
        message = f"0/{total} nodes are available"
        parts = sorted(f"{count} {reason}" for reason, count in histogram.items())
        if prefilter:
            message += f": {prefilter}."
        elif parts:
            message += ": " + ", ".join(parts) + "."
        else:
            message += "."
        post = self._preempt(pod, needs, total, statuses)
        if post:
            message += " " + post + "."
        self.unschedulable.add(key)
        status = dict(pod.get("status") or {})
        from playground.engine.util import set_condition

        conditions = set_condition(
            status.get("conditions") or [],
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "reason": "Unschedulable",
                "message": message,
            },
            now,
        )
        if conditions != status.get("conditions"):
            status["conditions"] = conditions
            self.cluster.api.commit("Pod", {**pod, "status": status}, pod)
            pod = self.cluster.store.get("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
        self.cluster.recorder.record(pod, "Warning", "FailedScheduling", message, self.component)
        self._remember(
            key,
            {
                "time": now,
                "result": "FailedScheduling",
                "node": None,
                "message": message,
                "nodesEvaluated": total,
                "nodesTotal": total,
                "feasible": 0,
                "filters": verdicts,
                "scores": {},
                "totals": {},
            },
        )
        return {
            "component": "kube-scheduler",
            "action": "FailedScheduling",
            "kind": "Pod",
            "namespace": pod["metadata"]["namespace"],
            "name": pod["metadata"]["name"],
            "message": message,
        }

    # Filters ------------------------------------------------------------------

    def _filter(self, needs: PodNeeds, info: NodeInfo, spread_state, affinity_state):
        # NodeUnschedulable
        if info.unschedulable and not any(
            t.get("key") == "node.kubernetes.io/unschedulable"
            and t.get("effect") in (None, "", "NoSchedule")
            or (t.get("operator") == "Exists" and not t.get("key"))
            for t in needs.tolerations
        ):
            return UNRESOLVABLE, ["node(s) were unschedulable"], "NodeUnschedulable"
        # NodeName
        if needs.node_name and needs.node_name != info.name:
            return UNRESOLVABLE, ["node(s) didn't match the requested node name"], "NodeName"
        # TaintToleration
        for taint in info.taints:
            if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(needs.tolerations, taint):
                return (
                    UNRESOLVABLE,
                    [f"node(s) had untolerated taint {{{taint.get('key')}: {taint.get('value', '')}}}"],
                    "TaintToleration",
                )
        # NodeAffinity (nodeSelector and required node affinity)
        if needs.selector:
            labels = info.labels
            for k, v in needs.selector.items():
                if labels.get(k) != v:
                    return UNRESOLVABLE, ["node(s) didn't match Pod's node affinity/selector"], "NodeAffinity"
        if needs.required_terms and not any(
            node_selector_term_matches(t, info) for t in needs.required_terms
        ):
            return UNRESOLVABLE, ["node(s) didn't match Pod's node affinity/selector"], "NodeAffinity"
        # NodePorts
        for port in needs.ports:
            host_ip, protocol, number = port
            for ip, proto, num in info.ports:
                if num == number and proto == protocol and (ip == host_ip or "0.0.0.0" in (ip, host_ip)):  # noqa: S104
                    return (
                        UNSCHEDULABLE,
                        ["node(s) didn't have free ports for the requested pod ports"],
                        "NodePorts",
                    )
        # NodeResourcesFit
        reasons = []
        if info.pod_count + 1 > info.alloc_pods:
            reasons.append("Too many pods")
        if needs.cpu and info.req_cpu + needs.cpu > info.alloc_cpu:
            reasons.append("Insufficient cpu")
        if needs.mem and info.req_mem + needs.mem > info.alloc_mem:
            reasons.append("Insufficient memory")
        if reasons:
            return UNSCHEDULABLE, reasons, "NodeResourcesFit"
        # PodTopologySpread (DoNotSchedule)
        if spread_state is not None:
            verdict = self._spread_filter(needs, info, spread_state)
            if verdict:
                return verdict[0], [verdict[1]], "PodTopologySpread"
        # InterPodAffinity
        if affinity_state is not None:
            verdict = self._affinity_filter(needs, info, affinity_state)
            if verdict:
                return verdict[0], [verdict[1]], "InterPodAffinity"
        return SUCCESS, [], ""

    def _term_selects(self, term: dict, pod_namespace: str, other: dict, namespace_labels=None) -> bool:
        namespaces = term.get("namespaces") or []
        other_ns = other["metadata"].get("namespace")
        if term.get("namespaceSelector") is not None:
            ns_obj = self.cluster.store.get("Namespace", "", other_ns)
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
        return matches(
            compile_label_selector(term.get("labelSelector") or {}), other["metadata"].get("labels")
        )

    def _any_anti_affinity(self) -> bool:
        return self.anti_affinity_pods > 0

    def _affinity_state(self, needs: PodNeeds):
        # Topology values (key -> set of values) where matching pods run, per term.
        state = {"affinity": [], "anti": [], "existing_anti": []}
        for term in needs.affinity:
            tk = term.get("topologyKey")
            values = set()
            for info in self.nodes.values():
                if tk in info.labels and any(
                    self._term_selects(term, needs.namespace, p) for p in info.pods.values()
                ):
                    values.add(info.labels[tk])
            state["affinity"].append((term, tk, values))
        for term in needs.anti:
            tk = term.get("topologyKey")
            values = set()
            for info in self.nodes.values():
                if tk in info.labels and any(
                    self._term_selects(term, needs.namespace, p) for p in info.pods.values()
                ):
                    values.add(info.labels[tk])
            state["anti"].append((term, tk, values))
        # Existing pods whose required anti-affinity rejects the incoming pod.
        incoming = {"metadata": {"namespace": needs.namespace, "labels": needs.labels}}
        for info in self.nodes.values():
            for p in info.pods.values():
                anti = (((p.get("spec") or {}).get("affinity") or {}).get("podAntiAffinity") or {}).get(
                    "requiredDuringSchedulingIgnoredDuringExecution"
                ) or []
                for term in anti:
                    tk = term.get("topologyKey")
                    if tk in info.labels and self._term_selects(term, p["metadata"]["namespace"], incoming):
                        state["existing_anti"].append((tk, info.labels[tk]))
        return state

    def _affinity_filter(self, needs: PodNeeds, info: NodeInfo, state):
        # Upstream's order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity.
        for term, tk, values in state["affinity"]:
            if tk not in info.labels:
                return UNRESOLVABLE, "node(s) didn't match pod affinity rules"
            if values:
                if info.labels[tk] not in values:
                    return UNRESOLVABLE, "node(s) didn't match pod affinity rules"
            else:
                # No pod matches anywhere: allowed only if the pod matches its own term.
                me = {"metadata": {"namespace": needs.namespace, "labels": needs.labels}}
                if not self._term_selects(term, needs.namespace, me):
                    return UNRESOLVABLE, "node(s) didn't match pod affinity rules"
        for _term, tk, values in state["anti"]:
            if tk in info.labels and info.labels[tk] in values:
                return UNSCHEDULABLE, "node(s) didn't match pod anti-affinity rules"
        for tk, value in state["existing_anti"]:
            if info.labels.get(tk) == value:
                return UNSCHEDULABLE, "node(s) didn't satisfy existing pods anti-affinity rules"
        return None

    def _spread_state(self, needs: PodNeeds):
        state = []
        for constraint in needs.spread:
            tk = constraint.get("topologyKey")
            selector = compile_label_selector(constraint.get("labelSelector") or {})
            counts: dict[str, int] = {}
            for info in self.nodes.values():
                if tk not in info.labels:
                    continue
                if not self._node_eligible_for_spread(needs, info, constraint):
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
            state.append((constraint, tk, counts))
        return state

    def _node_eligible_for_spread(self, needs: PodNeeds, info: NodeInfo, constraint: dict) -> bool:
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

    def _spread_filter(self, needs: PodNeeds, info: NodeInfo, state):
        for constraint, tk, counts in state:
            if constraint.get("whenUnsatisfiable") != "DoNotSchedule":
                continue
            if tk not in info.labels:
                return (
                    UNRESOLVABLE,
                    "node(s) didn't match pod topology spread constraints (missing required label)",
                )
            selector = compile_label_selector(constraint.get("labelSelector") or {})
            self_match = 1 if matches(selector, needs.labels) else 0
            minimum = min(counts.values()) if counts else 0
            min_domains = constraint.get("minDomains")
            if min_domains and len(counts) < min_domains:
                minimum = 0
            skew = counts.get(info.labels[tk], 0) + self_match - minimum
            if skew > constraint.get("maxSkew", 1):
                return UNSCHEDULABLE, "node(s) didn't match pod topology spread constraints"
        return None

    # Scores -------------------------------------------------------------------

    def _score(self, needs: PodNeeds, feasible: list[NodeInfo], spread_state, detailed: bool = True):
        """Score feasible nodes with upstream's plugins, weights and normalisation.

        Plugins that cannot tell nodes apart for this pod (no preferred terms, no
        PreferNoSchedule taints, an image on no node) give every node the same
        score; they are computed only when the per-plugin table is wanted.
        """
        names = [info.name for info in feasible]
        normalised: dict[str, list[int]] = {}
        # NodeResourcesFit (LeastAllocated) and NodeResourcesBalancedAllocation.
        fit, balanced = [], []
        pod_cpu, pod_mem = needs.nz_cpu, needs.nz_mem
        # Nodes with the same allocatable and requested resources score the same.
        by_shape: dict[tuple, tuple[int, int]] = {}
        for info in feasible:
            shape = (info.alloc_cpu, info.alloc_mem, info.nz_cpu, info.nz_mem)
            known = by_shape.get(shape)
            if known is not None:
                fit.append(known[0])
                balanced.append(known[1])
                continue
            alloc_cpu, alloc_mem = info.alloc_cpu, info.alloc_mem
            cpu_total = info.nz_cpu + pod_cpu
            mem_total = info.nz_mem + pod_mem
            if alloc_cpu and alloc_mem:
                cpu_free = max((alloc_cpu - cpu_total) * 100 // alloc_cpu, 0)
                mem_free = max((alloc_mem - mem_total) * 100 // alloc_mem, 0)
                fit.append((cpu_free + mem_free) // 2)
                cpu_frac = min(cpu_total / alloc_cpu, 1.0)
                mem_frac = min(mem_total / alloc_mem, 1.0)
                balanced.append(int((1 - abs(cpu_frac - mem_frac) / 2) * 100))
            else:
                fit.append(0)
                balanced.append(0)
            by_shape[shape] = (fit[-1], balanced[-1])
        normalised["NodeResourcesFit"] = fit
        normalised["NodeResourcesBalancedAllocation"] = balanced
        # TaintToleration: fewer intolerable PreferNoSchedule taints is better.
        if detailed or self.prefer_no_schedule_nodes:
            counts = [
                sum(
                    1
                    for t in info.taints
                    if t.get("effect") == "PreferNoSchedule" and not tolerates(needs.tolerations, t)
                )
                for info in feasible
            ]
            high = max(counts)
            normalised["TaintToleration"] = [100 if high == 0 else int(100 - c * 100 / high) for c in counts]
        # NodeAffinity (preferred terms), normalised by the highest.
        if detailed or needs.preferred_terms:
            weights = [
                sum(
                    t.get("weight", 0)
                    for t in needs.preferred_terms
                    if node_selector_term_matches(t.get("preference") or {}, info)
                )
                for info in feasible
            ]
            high = max(weights)
            normalised["NodeAffinity"] = [0 if high == 0 else int(w * 100 / high) for w in weights]
        # ImageLocality, with each image's spread worked out once.
        present = [img for img in needs.images if self.image_nodes.get(img)]
        if detailed or present:
            normalised["ImageLocality"] = self._image_locality(needs, feasible, present)
        # InterPodAffinity (preferred), min-max normalised.
        if detailed or needs.pref_affinity or needs.pref_anti:
            raw = self._preferred_affinity(needs, feasible)
            values = [raw.get(n, 0) for n in names]
            high, low = max(values), min(values)
            normalised["InterPodAffinity"] = [
                0 if high == low else int(100 * (v - low) / (high - low)) for v in values
            ]
        # PodTopologySpread (ScheduleAnyway): fewer matching pods in the domain is better.
        if detailed or needs.spread:
            raw = self._spread_score(needs, feasible, spread_state)
            if raw:
                values = [raw.get(n, 0) for n in names]
                high, low = max(values), min(values)
                normalised["PodTopologySpread"] = [
                    100 if high == low else int(100 * (high - v) / (high - low)) for v in values
                ]
            else:
                normalised["PodTopologySpread"] = [0] * len(names)
        weighted = [[SCORE_WEIGHTS[plugin] * v for v in values] for plugin, values in normalised.items()]
        totals = dict(zip(names, map(sum, zip(*weighted, strict=True)), strict=True))
        scores: dict[str, dict[str, int]] = {}
        if detailed:
            for i, name in enumerate(names):
                scores[name] = {
                    plugin: normalised[plugin][i] for plugin in SCORE_WEIGHTS if plugin in normalised
                }
        return scores, totals

    def _image_locality(self, needs: PodNeeds, feasible: list[NodeInfo], present: list[str]) -> list[int]:
        """Upstream's ImageLocality: image sizes already on the node, scaled by how
        widely each image has spread, between 23 MB and 1000 MB per container."""
        if not needs.images:
            return [0] * len(feasible)
        from playground.engine import images as catalogue

        total_nodes = len(self.nodes) or 1
        # Each image's contribution is the same on every node that has it.
        contribution = {
            image: catalogue.info(image).size * self.image_nodes[image] / total_nodes for image in present
        }
        low, high = IMAGE_MIN_THRESHOLD, IMAGE_MAX_THRESHOLD * len(needs.images)

        def scaled(score: float) -> int:
            return int(100 * (min(max(score, low), high) - low) / (high - low))

        if len(contribution) == 1:  # the usual case: one image, two possible scores
            [(image, value)] = contribution.items()
            hit, miss = scaled(value), scaled(0)
            return [hit if image in info.images else miss for info in feasible]
        return [
            scaled(sum(v for image, v in contribution.items() if image in info.images)) for info in feasible
        ]

    def _preferred_affinity(self, needs: PodNeeds, feasible: list[NodeInfo]) -> dict[str, float]:
        if not (needs.pref_affinity or needs.pref_anti):
            return {}
        result = {}
        for info in feasible:
            score = 0
            for weighted, sign in ((needs.pref_affinity, 1), (needs.pref_anti, -1)):
                for item in weighted:
                    term = item.get("podAffinityTerm") or {}
                    tk = term.get("topologyKey")
                    if tk not in info.labels:
                        continue
                    value = info.labels[tk]
                    for other in self.nodes.values():
                        if other.labels.get(tk) != value:
                            continue
                        if any(self._term_selects(term, needs.namespace, p) for p in other.pods.values()):
                            score += sign * item.get("weight", 0)
                            break
            result[info.name] = score
        return result

    def _spread_score(self, needs: PodNeeds, feasible: list[NodeInfo], spread_state) -> dict[str, float]:
        if not spread_state:
            return {}
        result = {}
        relevant = [
            (constraint, tk, counts)
            for constraint, tk, counts in spread_state
            if constraint.get("whenUnsatisfiable") == "ScheduleAnyway"
            and any(tk in info.labels for info in feasible)
        ]
        if not relevant:
            return {}
        for info in feasible:
            total = 0
            for _constraint, tk, counts in relevant:
                total += counts.get(info.labels.get(tk), 0)
            result[info.name] = total
        return result

    # Preemption ---------------------------------------------------------------

    def _preempt(self, pod: dict, needs: PodNeeds, total: int, statuses: dict) -> str:
        spec = pod.get("spec") or {}
        if spec.get("preemptionPolicy") == "Never":
            return "preemption: not eligible due to preemptionPolicy=Never"
        histogram: dict[str, int] = {}
        candidates = []
        for name, (code, _reasons) in statuses.items():
            if code == UNRESOLVABLE:
                histogram["Preemption is not helpful for scheduling"] = (
                    histogram.get("Preemption is not helpful for scheduling", 0) + 1
                )
                continue
            victims = self._victims(needs, self.nodes[name])
            if victims is None:
                histogram["No preemption victims found for incoming pod"] = (
                    histogram.get("No preemption victims found for incoming pod", 0) + 1
                )
            else:
                candidates.append((name, victims))
        if candidates:
            # Fewest victims with the lowest highest priority wins (upstream's tie-breaks, simplified).
            candidates.sort(key=lambda c: (max(v["spec"].get("priority", 0) for v in c[1]), len(c[1]), c[0]))
            node_name, victims = candidates[0]
            for victim in victims:
                message = f"Preempted by pod {pod['metadata']['uid']} on node {node_name}"
                self.cluster.recorder.record(victim, "Normal", "Preempted", message, self.component)
                self.cluster.api.delete("Pod", victim["metadata"]["name"], victim["metadata"]["namespace"])
            current = self.cluster.store.get("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
            new_status = {**(current.get("status") or {}), "nominatedNodeName": node_name}
            self.cluster.api.commit("Pod", {**current, "status": new_status}, current)
            # Preemption succeeded: the pod waits for its victims to go, with no PostFilter message.
            return ""
        parts = sorted(f"{count} {reason}" for reason, count in histogram.items())
        return f"preemption: 0/{total} nodes are available: " + ", ".join(parts) + "."

    def _victims(self, needs: PodNeeds, info: NodeInfo):
        lower = sorted(
            (
                p
                for p in info.pods.values()
                if (p.get("spec") or {}).get("priority", 0) < needs.priority
                and not p["metadata"].get("deletionTimestamp")
            ),
            key=lambda p: ((p.get("spec") or {}).get("priority", 0), p["metadata"]["name"]),
        )
        if not lower:
            return None
        cpu, mem, count = info.req_cpu, info.req_mem, info.pod_count
        chosen = []
        for victim in lower:
            if (
                cpu + needs.cpu <= info.alloc_cpu
                and mem + needs.mem <= info.alloc_mem
                and count + 1 <= info.alloc_pods
            ):
                break
            v = PodNeeds(victim)
            cpu -= v.cpu
            mem -= v.mem
            count -= 1
            chosen.append(victim)
        if (
            cpu + needs.cpu <= info.alloc_cpu
            and mem + needs.mem <= info.alloc_mem
            and count + 1 <= info.alloc_pods
        ):
            return chosen or None
        return None

    # Serialisation -----------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "active": sorted(self.active),
            "unschedulable": sorted(self.unschedulable),
            "seq": self.seq,
            "nextStart": self.next_start,
            "decisions": self.decisions,
        }

    def load(self, data: dict) -> None:
        self.active = [tuple(item) for item in data["active"]]
        heapq.heapify(self.active)
        self.in_active = {item[2] for item in self.active}
        self.unschedulable = set(data["unschedulable"])
        self.seq = data["seq"]
        self.next_start = data["nextStart"]
        self.decisions = data["decisions"]
        self.rebuild()


def _node_changed_for_scheduling(old: dict, new: dict) -> bool:
    return (
        (old.get("spec") or {}) != (new.get("spec") or {})
        or old["metadata"].get("labels") != new["metadata"].get("labels")
        or (old.get("status") or {}).get("allocatable") != (new.get("status") or {}).get("allocatable")
    )
