"""The DaemonSet controller: one pod on every eligible node, new nodes included."""

from __future__ import annotations

from playground.engine.controllers.base import Controller, Result
from playground.engine.errors import ApiError
from playground.engine.podstatus import pod_ready
from playground.engine.scheduler import NodeInfo, node_selector_term_matches, tolerates
from playground.engine.text import _, join, say
from playground.engine.util import deep_copy, int_or_percent, key_of, owner_ref, split_key, template_hash

# DaemonSet pods tolerate these, as the controller adds them (they must run everywhere).
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
# ... and this one too when the pod uses the host's network (it needs no pod network).
HOST_NETWORK_TOLERATION = {
    "key": "node.kubernetes.io/network-unavailable",
    "operator": "Exists",
    "effect": "NoSchedule",
}
HASH_LABEL = "controller-revision-hash"


class DaemonSetController(Controller):
    name = "daemonset"
    event_source = "daemonset-controller"
    watches = ("DaemonSet", "Pod", "Node")

    def on_event(self, etype, kind, old, new):
        if self.watch_owned(kind, old, new, "DaemonSet", "Pod"):
            return
        if kind == "Node" and (
            old is None
            or new is None
            or old["metadata"].get("labels") != new["metadata"].get("labels")
            or (old.get("spec") or {}).get("taints") != (new.get("spec") or {}).get("taints")
        ):
            for ds in self.cluster.store.iter("DaemonSet"):
                self.enqueue(key_of(ds))

    def should_run(self, ds: dict, node: dict) -> tuple[bool, bool]:
        """(should run, should continue running) a daemon pod on `node`, as upstream's
        ``NodeShouldRunDaemonPod``: a NoSchedule taint the pod does not tolerate (an unreachable
        node's ``node.kubernetes.io/unreachable:NoSchedule``) stops new pods there, but a pod
        already there keeps running as long as it tolerates every NoExecute taint."""
        template = (ds["spec"].get("template") or {}).get("spec") or {}
        info = NodeInfo(node)
        for key, value in (template.get("nodeSelector") or {}).items():
            if info.labels.get(key) != value:
                return False, False
        terms = (
            (
                ((template.get("affinity") or {}).get("nodeAffinity") or {}).get(
                    "requiredDuringSchedulingIgnoredDuringExecution"
                )
            )
            or {}
        ).get("nodeSelectorTerms") or []
        if terms and not any(node_selector_term_matches(t, info) for t in terms):
            return False, False
        tolerations = daemon_tolerations(template)
        if all(
            tolerates(tolerations, t) for t in info.taints if t.get("effect") in ("NoSchedule", "NoExecute")
        ):
            return True, True
        return False, all(tolerates(tolerations, t) for t in info.taints if t.get("effect") == "NoExecute")

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns, name = split_key(key)
        ds = cluster.store.get("DaemonSet", ns, name)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return Result()
        revision = template_hash(ds["spec"].get("template") or {})
        pods = [p for p in cluster.store.dependents_of(ds["metadata"]["uid"]) if p.get("kind") == "Pod"]
        live = [
            p
            for p in pods
            if not p["metadata"].get("deletionTimestamp") and (p.get("status") or {}).get("phase") != "Failed"
        ]
        by_node: dict[str, list[dict]] = {}
        for pod in live:
            by_node.setdefault(self._target_node(pod), []).append(pod)
        nodes = sorted(cluster.store.iter("Node"), key=lambda n: n["metadata"]["name"])
        verdicts = {n["metadata"]["name"]: self.should_run(ds, n) for n in nodes}
        wanted = {name for name, (run, _) in verdicts.items() if run}
        # A pod may stay where it is no longer wanted (an unreachable node): podsShouldBeOnNode.
        kept = {name for name, (_, keep) in verdicts.items() if keep}
        created, deleted = [], []
        for node_name in sorted(wanted):
            if not by_node.get(node_name):
                try:
                    pod = cluster.api.create_internal(self._pod(ds, node_name, revision))
                except ApiError as error:
                    cluster.recorder.record(
                        ds, "Warning", "FailedCreate", f"Error creating: {error.message}", self.event_source
                    )
                    continue
                created.append(pod["metadata"]["name"])
                cluster.recorder.record(
                    ds,
                    "Normal",
                    "SuccessfulCreate",
                    f"Created pod: {pod['metadata']['name']}",
                    self.event_source,
                )
        for node_name, node_pods in by_node.items():
            extra = (
                node_pods
                if node_name not in kept
                else sorted(node_pods, key=lambda p: p["metadata"]["creationTimestamp"])[1:]
            )
            for pod in extra:
                cluster.api.delete("Pod", pod["metadata"]["name"], ns)
                deleted.append(pod["metadata"]["name"])
                cluster.recorder.record(
                    ds,
                    "Normal",
                    "SuccessfulDelete",
                    f"Deleted pod: {pod['metadata']['name']}",
                    self.event_source,
                )
        # Rolling update: replace old-revision pods, at most maxUnavailable at a time.
        strategy = ds["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            max_unavailable = (
                int_or_percent(
                    (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1), len(wanted), round_up=True
                )
                or 1
            )
            live = [
                p
                for p in (cluster.store.get("Pod", ns, p["metadata"]["name"]) for p in live)
                if p and not p["metadata"].get("deletionTimestamp")
            ]
            unavailable = sum(
                1
                for n in wanted
                if not any(
                    pod_ready(p) for p in by_node.get(n, []) if not p["metadata"].get("deletionTimestamp")
                )
            )
            old = [p for p in live if (p["metadata"].get("labels") or {}).get(HASH_LABEL) != revision]
            for pod in sorted(old, key=lambda p: (not pod_ready(p), self._target_node(p)), reverse=True):
                if unavailable >= max_unavailable and pod_ready(pod):
                    break
                cluster.api.delete("Pod", pod["metadata"]["name"], ns)
                deleted.append(pod["metadata"]["name"])
                if pod_ready(pod):
                    unavailable += 1
        self._status(ds, revision, wanted)
        if not created and not deleted:
            return Result()
        parts = []
        if created:
            parts.append(say(_("created %(count)s pod(s)"), count=len(created)))
        if deleted:
            parts.append(say(_("deleted %(count)s pod(s)"), count=len(deleted)))
        return Result.of(
            self.record(
                "Sync",
                ds,
                say(
                    _("DaemonSet %(name)s: %(actions)s for %(nodes)s eligible node(s)"),
                    name=name,
                    actions=join(parts, _("%(first)s, %(rest)s")),
                    nodes=len(wanted),
                ),
            )
        )

    def _target_node(self, pod: dict) -> str:
        if pod["spec"].get("nodeName"):
            return pod["spec"]["nodeName"]
        terms = (
            (
                ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}).get(
                    "requiredDuringSchedulingIgnoredDuringExecution"
                )
            )
            or {}
        ).get("nodeSelectorTerms") or []
        for term in terms:
            for field in term.get("matchFields") or []:
                if field.get("key") == "metadata.name" and field.get("values"):
                    return field["values"][0]
        return ""

    def _pod(self, ds: dict, node_name: str, revision: str) -> dict:
        template = deep_copy(ds["spec"].get("template") or {})
        meta = template.get("metadata") or {}
        meta.pop("name", None)
        meta["generateName"] = f"{ds['metadata']['name']}-"
        meta["namespace"] = ds["metadata"]["namespace"]
        meta.setdefault("labels", {})[HASH_LABEL] = revision
        meta["labels"]["pod-template-generation"] = str(ds["metadata"].get("generation", 1))
        meta["ownerReferences"] = [owner_ref(ds, "DaemonSet", "apps/v1")]
        spec = template.get("spec") or {}
        # Upstream pins each pod to its node with node affinity on metadata.name.
        affinity = spec.setdefault("affinity", {})
        affinity["nodeAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node_name]}]}
                ]
            }
        }
        spec["tolerations"] = daemon_tolerations(spec)
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}

    def _status(self, ds: dict, revision: str, wanted: set[str]) -> None:
        cluster = self.cluster
        ds = cluster.store.get("DaemonSet", ds["metadata"]["namespace"], ds["metadata"]["name"])
        pods = [
            p
            for p in cluster.store.dependents_of(ds["metadata"]["uid"])
            if p.get("kind") == "Pod" and not p["metadata"].get("deletionTimestamp")
        ]
        scheduled = {self._target_node(p) for p in pods if p["spec"].get("nodeName")}
        # Only nodes that should run a daemon pod count it (updateDaemonSetStatus): a pod left
        # on an unreachable node is misscheduled, not desired.
        pods = [p for p in pods if self._target_node(p) in wanted]
        status = {
            "currentNumberScheduled": len(scheduled & wanted),
            "numberMisscheduled": len(scheduled - wanted),
            "desiredNumberScheduled": len(wanted),
            "numberReady": sum(1 for p in pods if pod_ready(p)),
            "observedGeneration": ds["metadata"].get("generation", 1),
            "updatedNumberScheduled": sum(
                1
                for p in pods
                if (p["metadata"].get("labels") or {}).get(HASH_LABEL) == revision
                and p["spec"].get("nodeName")
            ),
            "numberAvailable": sum(1 for p in pods if pod_ready(p)),
        }
        unavailable = status["desiredNumberScheduled"] - status["numberAvailable"]
        if unavailable > 0:
            status["numberUnavailable"] = unavailable
        if status != ds.get("status"):
            cluster.api.commit("DaemonSet", {**ds, "status": status}, ds)


def daemon_tolerations(spec: dict) -> list[dict]:
    """The pod spec's tolerations plus those the DaemonSet controller adds to every daemon pod
    (upstream's ``util.AddOrUpdateDaemonPodTolerations``): not-ready and unreachable NoExecute
    with no time limit, the node-condition and unschedulable NoSchedule taints, and
    network-unavailable for a pod on the host's network."""
    tolerations = [dict(t) for t in spec.get("tolerations") or []]
    extras = DAEMON_TOLERATIONS + ([HOST_NETWORK_TOLERATION] if spec.get("hostNetwork") else [])
    fields = ("key", "operator", "value", "effect")
    for extra in extras:
        # AddOrUpdateTolerationInPodSpec: it replaces, in place, a toleration that matches it
        # (same key, operator, value and effect, so a tolerationSeconds goes), else appends it.
        same = [i for i, t in enumerate(tolerations) if all(t.get(f) == extra.get(f) for f in fields)]
        for i in same:
            tolerations[i] = dict(extra)
        if not same:
            tolerations.append(dict(extra))
    return tolerations
