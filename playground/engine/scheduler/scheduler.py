"""kube-scheduler: a priority queue, profiles of plugins run by the framework, binding.

Each scheduling attempt is one unit of work: the pod's profile (chosen by
spec.schedulerName) runs PreFilter, Filter on each node, PostFilter when none fits,
PreScore, Score and NormalizeScore, then Reserve, PreBind and Bind. The decision (each
node's filter verdicts per plugin, each plugin's raw and normalised scores, the weights,
the winner) is kept so the UI can answer "why this host?" the way DRS explains a placement.
"""

from __future__ import annotations

import heapq
import itertools

from playground.engine.backref import ClusterRef
from playground.engine.resources import is_terminal
from playground.engine.scheduler.config import DEFAULT_SCHEDULER_NAME, build_frameworks
from playground.engine.scheduler.framework import (
    SUCCESS,
    UNRESOLVABLE,
    CycleState,
    Framework,
    Status,
)
from playground.engine.scheduler.nodeinfo import NodeInfo, PodNeeds
from playground.engine.scheduler.plugins.noderesourcesfit import NodeResourcesFit
from playground.engine.scheduler.plugins.queuesort import PrioritySort
from playground.engine.text import _, message_fields, say
from playground.engine.util import key_of, rfc3339, set_condition, split_key

MIN_FEASIBLE_NODES = 100
DECISIONS_KEPT = 60
DETAILED_DECISION_NODES = 64


class Scheduler:
    cluster = ClusterRef()  # weak: see playground/engine/backref.py
    name = "scheduler"
    component = "default-scheduler"

    def __init__(self, cluster):
        self.cluster = cluster
        self.nodes: dict[str, NodeInfo] = {}
        self.node_order: list[str] = []
        self._node_list: list[NodeInfo] | None = []
        # The room index (an engine shortcut, exact): node_list twice over, so that a
        # round-robin window is one slice; each node's position; and the positions of
        # the nodes that are not "roomy" (no taints, not cordoned, a pod slot free and at
        # least ``room`` = (millicores, bytes) unrequested). A pod whose requests fit in
        # ``room`` passes NodeResourcesFit on every roomy node without looking at it.
        self.node_ring: list[NodeInfo] = []
        self.node_index: dict[str, int] = {}
        self.room = (0, 0)
        self.tight: set[int] = set()
        self.room_ready = False  # built on first use after the nodes change
        self.active: list[tuple] = []  # heap of (-priority, seq, key): PrioritySort's order
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
        self.frameworks: dict[str, Framework] = build_frameworks(
            self, getattr(cluster, "scheduler_config", None)
        )

    def configure(self, config: dict | None, requeue: bool = True) -> None:
        """Rebuild the profiles from a validated KubeSchedulerConfiguration (None: defaults)
        and queue the pending pods the new profiles now own."""
        self.frameworks = build_frameworks(self, config)
        if not requeue:
            return
        for pod in self.cluster.store.iter("Pod"):
            spec = pod.get("spec") or {}
            key = self._pod_key(pod)
            if (
                not spec.get("nodeName")
                and not is_terminal(pod)
                and not pod["metadata"].get("deletionTimestamp")
                and key not in self.in_active
                and spec.get("schedulerName", DEFAULT_SCHEDULER_NAME) in self.frameworks
            ):
                self._push(key, spec.get("priority", 0))

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
        self._order_nodes()
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
        return key_of(pod)

    def _add_pod(self, info: NodeInfo, pod: dict) -> None:
        key = self._pod_key(pod)
        stored = info.pods.get(key)
        if stored is not None and stored.get("spec") is pod.get("spec"):
            # The same spec (a status or metadata write, as the kubelet's): what the pod
            # asks of the node is unchanged, so only the object is replaced, moved last
            # as a remove and add would.
            del info.pods[key]
            info.pods[key] = pod
            return
        if stored is not None:
            self._remove_pod(info, stored)
        needs = PodNeeds(pod)
        info.pods[key] = pod
        info.req_cpu += needs.cpu
        info.req_mem += needs.mem
        info.nz_cpu += needs.nz_cpu
        info.nz_mem += needs.nz_mem
        info.pod_count += 1
        info.reshape()
        for port in needs.ports:
            info.ports[port] = info.ports.get(port, 0) + 1
        if needs.anti:
            self.anti_affinity_pods += 1
        self._touch(info)

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
        info.reshape()
        if needs.anti:
            self.anti_affinity_pods -= 1
        for port in needs.ports:
            info.ports[port] -= 1
            if not info.ports[port]:
                del info.ports[port]
        self._touch(info)

    # The room index ---------------------------------------------------------

    def _order_nodes(self) -> None:
        # Sorted when next read: a cluster built with thousands of nodes sorts once,
        # not once per node added.
        self._node_list = None
        self.room_ready = False

    @property
    def node_list(self) -> list[NodeInfo]:
        """The NodeInfos in node name order (the snapshot's order the walk follows)."""
        if self._node_list is None:
            self.node_order = sorted(self.nodes)
            self._node_list = [self.nodes[name] for name in self.node_order]
        return self._node_list

    def _roomy(self, info: NodeInfo) -> bool:
        cpu, mem = self.room
        return (
            not (info.taints or info.unschedulable)
            and info.pod_count < info.alloc_pods
            and info.alloc_cpu - info.req_cpu >= cpu
            and info.alloc_mem - info.req_mem >= mem
        )

    def _index_room(self) -> None:
        if not self.room_ready:
            self.node_ring = self.node_list + self.node_list
            self.node_index = {name: i for i, name in enumerate(self.node_order)}
            self.room_ready = True
        roomy = self._roomy
        self.tight = {i for i, info in enumerate(self.node_list) if not roomy(info)}

    def _touch(self, info: NodeInfo) -> None:
        if not self.room_ready:
            return
        position = self.node_index.get(info.name)
        if position is None or self.node_list[position] is not info:
            return
        if self._roomy(info):
            self.tight.discard(position)
        else:
            self.tight.add(position)

    def _fit_room(self, cpu: int, mem: int) -> bool:
        """Make ``room`` cover a pod asking for cpu and mem; False when the index would
        then single out so many nodes that the plain scan is as cheap."""
        if not self.room_ready:
            self._index_room()
        room_cpu, room_mem = self.room
        few = len(self.node_list) // 8
        if cpu > room_cpu or mem > room_mem:
            self.room = (max(cpu, room_cpu), max(mem, room_mem))
            self._index_room()
        if len(self.tight) > few and self.room != (cpu, mem):
            # An earlier, bigger pod set the bar too high for this cluster: use this pod's.
            self.room = (cpu, mem)
            self._index_room()
        return len(self.tight) <= few

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
                self._order_nodes()
            else:
                self._touch(self.nodes[name])
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
            and spec.get("schedulerName", DEFAULT_SCHEDULER_NAME) in self.frameworks
            and not new["metadata"].get("deletionTimestamp")
            and not spec.get("schedulingGates")  # SchedulingGates PreEnqueue: held until cleared
            and key not in self.in_active
            and (key not in self.unschedulable or etype == "ADDED")
        ):
            self._push(key, spec.get("priority", 0))

    def _push(self, key: str, priority: int) -> None:
        self.seq += 1
        heapq.heappush(self.active, (*PrioritySort.sort_key(priority, self.seq), key))
        self.in_active.add(key)
        self.unschedulable.discard(key)
        self.cluster.enqueue(self.name, "next")

    def requeue_unschedulable(self) -> None:
        for key in sorted(self.unschedulable):
            ns, name = split_key(key)
            pod = self.cluster.store.get("Pod", ns, name)
            if pod is not None:
                self._push(key, (pod.get("spec") or {}).get("priority", 0))
        self.unschedulable.clear()

    # Scheduling -------------------------------------------------------------

    def reconcile(self, _key: str) -> dict | None:
        while self.active:
            *_, key = heapq.heappop(self.active)
            self.in_active.discard(key)
            ns, name = split_key(key)
            pod = self.cluster.store.get("Pod", ns, name)
            if (
                pod is None
                or (pod.get("spec") or {}).get("nodeName")
                or (pod.get("spec") or {}).get("schedulingGates")
                or pod["metadata"].get("deletionTimestamp")
            ):
                continue
            framework = self.frameworks.get(
                (pod.get("spec") or {}).get("schedulerName", DEFAULT_SCHEDULER_NAME)
            )
            if framework is None:  # its profile was removed: no scheduler owns the pod any more
                continue
            record = self.schedule_one(pod, framework)
            if self.active:
                self.cluster.enqueue(self.name, "next")
            return record
        return None

    def feasible_nodes_to_find(self, total: int, percentage: int | None = None) -> int:
        """Upstream's numFeasibleNodesToFind: all nodes under 100, else an adaptive share."""
        if total < MIN_FEASIBLE_NODES or percentage == 100:
            return total
        percentage = (
            percentage
            or self.cluster.options.get("percentage_of_nodes_to_score")
            or max(50 - total // 125, 5)
        )
        count = total * percentage // 100
        return max(count, MIN_FEASIBLE_NODES)

    def schedule_one(self, pod: dict, framework: Framework | None = None) -> dict:
        framework = (
            framework or self.frameworks[(pod.get("spec") or {}).get("schedulerName", DEFAULT_SCHEDULER_NAME)]
        )
        key = self._pod_key(pod)
        state = CycleState()
        state.needs = PodNeeds(pod)
        total = len(self.node_list)
        detailed = total <= DETAILED_DECISION_NODES
        status = framework.run_pre_filter(state, pod)
        if status is not None:
            statuses = {info.name: Status(UNRESOLVABLE, []) for info in self.node_list}
            return self._fail(pod, key, framework, state, total, statuses, {}, prefilter=status)
        want = self.feasible_nodes_to_find(total, framework.percentage_of_nodes_to_score)
        filters = framework.filters_for(state)
        # Engine shortcut (no record kept): plugins that cannot reject this pod, or a node
        # without taints that is not cordoned, are not run.
        quick = [
            p for p in filters if getattr(p, "filter_relevant", None) is None or p.filter_relevant(state, pod)
        ]
        plain_filters = [p for p in quick if not p.filter_passes_plain_nodes]
        verdicts: dict[str, list] = {}
        statuses: dict[str, Status] = {}
        feasible: list[NodeInfo] = []
        processed = 0
        start = self.next_start % total if total else 0
        run_filter = framework.run_filter
        # Engine shortcut: when NodeResourcesFit is the only filter a plain node needs, its
        # pass test is inlined (a failing node still runs it, for the reasons).
        fit_only = not detailed and len(plain_filters) == 1 and type(plain_filters[0]) is NodeResourcesFit
        needs = state.needs
        cpu, mem = needs.cpu, needs.mem
        in_room = fit_only and self._fit_room(cpu, mem)
        if in_room:
            processed = self._find_in_room(
                state, pod, start, want, feasible, statuses, run_filter, quick, plain_filters
            )
        for info in (
            ()
            if in_room
            else itertools.chain(
                itertools.islice(self.node_list, start, None), itertools.islice(self.node_list, 0, start)
            )
        ):
            processed += 1
            if (
                fit_only
                and not (info.taints or info.unschedulable)
                and info.pod_count < info.alloc_pods
                and info.req_cpu + cpu <= info.alloc_cpu
                and info.req_mem + mem <= info.alloc_mem
            ):
                feasible.append(info)
                if len(feasible) >= want:
                    break
                continue
            if detailed:
                status, verdicts[info.name] = framework.run_filter_recorded(state, pod, info, filters)
            elif info.taints or info.unschedulable:
                status = run_filter(state, pod, info, quick)
            else:
                status = run_filter(state, pod, info, plain_filters)
            if status is None:
                feasible.append(info)
                if len(feasible) >= want:
                    break
            else:
                statuses[info.name] = status
        if total:
            self.next_start = (self.next_start + processed) % total
        if not feasible:
            return self._fail(pod, key, framework, state, total, statuses, verdicts)
        raw: dict = {}
        normalised: dict = {}
        totals: list[int] = [0]
        if len(feasible) == 1:
            winner = feasible[0]
        else:
            framework.run_pre_score(state, pod, feasible)
            raw, normalised, totals = framework.run_score(state, pod, feasible, detailed)
            best = max(totals)
            tied = list(itertools.compress(feasible, map(best.__eq__, totals)))
            winner = tied[self.cluster.rng.below(len(tied))] if len(tied) > 1 else tied[0]
        framework.run_reserve(state, pod, winner.name)
        framework.run_pre_bind(state, pod, winner.name)
        framework.run_bind(state, pod, winner.name)
        message = f"Successfully assigned {key} to {winner.name}"
        self.cluster.recorder.record(pod, "Normal", "Scheduled", message, self.component)
        decision = {
            "time": rfc3339(self.cluster.clock),
            "result": "Scheduled",
            "schedulerName": framework.scheduler_name,
            "node": winner.name,
            "message": message,
            "nodesEvaluated": processed,
            "nodesTotal": total,
            "feasible": len(feasible),
            "filters": verdicts,
            "scores": {},
            "totals": {},
        }
        if detailed:
            names = [info.name for info in feasible]
            if len(feasible) == 1:
                decision["totals"] = {winner.name: 0}
                decision["scores"] = {winner.name: {}}
            else:
                decision["totals"] = dict(zip(names, totals, strict=True))
                decision["scores"] = {
                    n: {plugin: normalised[plugin][i] for plugin in normalised} for i, n in enumerate(names)
                }
                decision["rawScores"] = {
                    n: {plugin: raw[plugin][i] for plugin in raw} for i, n in enumerate(names)
                }
                decision["weightedScores"] = {
                    n: {plugin: framework.weights[plugin] * normalised[plugin][i] for plugin in normalised}
                    for i, n in enumerate(names)
                }
                decision["weights"] = {plugin: framework.weights[plugin] for plugin in normalised}
            decision["skipped"] = {
                "PreFilter": sorted(state.skip_filter),
                "PreScore": sorted(state.skip_score),
            }
        self._remember(key, decision)
        return {
            "component": "kube-scheduler",
            "action": "Scheduled",
            "kind": "Pod",
            "namespace": pod["metadata"]["namespace"],
            "name": pod["metadata"]["name"],
            # The Event's words in English; the step also in the page's language.
            **message_fields(say(_("Successfully assigned %(pod)s to %(node)s"), pod=key, node=winner.name)),
        }

    def _find_in_room(
        self, state, pod, start, want, feasible, statuses, run_filter, quick, plain_filters
    ) -> int:
        """The Filter phase's round-robin walk (the loop in schedule_one), for a pod whose
        only Filter on a plain node is NodeResourcesFit and whose requests fit in
        ``room``: the roomy nodes between two others pass without a look and are taken
        a slice at a time; the others are filtered one by one as the loop would. Fills
        ``feasible`` and ``statuses`` as the loop does; returns the nodes processed."""
        total = len(self.node_list)
        ring = self.node_ring
        needs = state.needs
        cpu, mem = needs.cpu, needs.mem
        done = 0  # nodes walked so far, from start
        for distance in sorted((p - start) % total for p in self.tight):
            if distance > done:
                take = min(distance - done, want - len(feasible))
                feasible.extend(ring[start + done : start + done + take])
                done += take
                if len(feasible) >= want:
                    return done
            info = ring[start + distance]
            done = distance + 1
            plain = not (info.taints or info.unschedulable)
            if (
                plain
                and info.pod_count < info.alloc_pods
                and info.req_cpu + cpu <= info.alloc_cpu
                and info.req_mem + mem <= info.alloc_mem
            ):
                status = None
            else:
                status = run_filter(state, pod, info, plain_filters if plain else quick)
            if status is None:
                feasible.append(info)
                if len(feasible) >= want:
                    return done
            else:
                statuses[info.name] = status
        take = min(total - done, want - len(feasible))
        feasible.extend(ring[start + done : start + done + take])
        return done + take

    def _remember(self, key: str, decision: dict) -> None:
        self.decisions.pop(key, None)
        self.decisions[key] = decision
        while len(self.decisions) > DECISIONS_KEPT:
            self.decisions.pop(next(iter(self.decisions)))

    def _fail(
        self, pod, key, framework, state, total, statuses, verdicts, prefilter: Status | None = None
    ) -> dict:
        histogram: dict[str, int] = {}
        for status in statuses.values():
            for reason in status.reasons:
                histogram[reason] = histogram.get(reason, 0) + 1
        message = f"0/{total} nodes are available"
        parts = sorted(f"{count} {reason}" for reason, count in histogram.items())
        if prefilter is not None:
            message += f": {prefilter.message()}."
        elif parts:
            message += ": " + ", ".join(parts) + "."
        else:
            message += "."
        post = framework.run_post_filter(state, pod, statuses)
        if post is not None and post.code != SUCCESS and post.reasons:
            message += " " + post.message() + "."
        self.unschedulable.add(key)
        pod = self.cluster.store.get("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"]) or pod
        status = dict(pod.get("status") or {})
        now = rfc3339(self.cluster.clock)
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
        decision = {
            "time": now,
            "result": "FailedScheduling",
            "schedulerName": framework.scheduler_name,
            "node": None,
            "message": message,
            "nodesEvaluated": total,
            "nodesTotal": total,
            "feasible": 0,
            "filters": verdicts,
            "scores": {},
            "totals": {},
        }
        if prefilter is not None:
            decision["preFilter"] = [prefilter.plugin, prefilter.code, prefilter.message()]
        if post is not None:
            decision["postFilter"] = [post.plugin, post.code, post.message()]
        self._remember(key, decision)
        return {
            "component": "kube-scheduler",
            "action": "FailedScheduling",
            "kind": "Pod",
            "namespace": pod["metadata"]["namespace"],
            "name": pod["metadata"]["name"],
            "message": message,
        }

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
