"""The disruption controller: keeps each PodDisruptionBudget's status current."""

from __future__ import annotations

from playground.engine.apiserver import desired_healthy
from playground.engine.controllers.base import Controller, Result
from playground.engine.podstatus import pod_ready
from playground.engine.selectors import compile_label_selector, matches
from playground.engine.text import _, say
from playground.engine.util import (
    controller_of,
    key_of,
    object_key,
    parse_time,
    rfc3339,
    set_condition,
    split_key,
)

DELETION_TIMEOUT = 120


class DisruptionController(Controller):
    name = "disruption"
    event_source = "controllermanager"
    watches = ("PodDisruptionBudget", "Pod")

    def on_event(self, etype, kind, old, new):
        obj = new or old
        if kind == "PodDisruptionBudget" and new is not None:
            self.enqueue(key_of(obj))
        elif kind == "Pod":
            ns = obj["metadata"]["namespace"]
            for pdb in self.cluster.store.iter("PodDisruptionBudget", ns):
                selector = compile_label_selector((pdb.get("spec") or {}).get("selector"))
                if any(p is not None and matches(selector, p["metadata"].get("labels")) for p in (old, new)):
                    self.enqueue(object_key(ns, pdb["metadata"]["name"]))

    def reconcile(self, key: str) -> Result:
        ns, name = split_key(key)
        pdb = self.cluster.store.get("PodDisruptionBudget", ns, name)
        if pdb is None:
            return Result()
        before = pdb.get("status")
        self.sync(pdb)
        after = (self.cluster.store.get("PodDisruptionBudget", ns, name) or {}).get("status")
        if before == after:
            return Result()
        return Result.of(
            self.record(
                "Sync",
                pdb,
                say(
                    _(
                        "PodDisruptionBudget %(name)s: %(healthy)s healthy, %(needed)s needed, "
                        "%(allowed)s disruption(s) allowed"
                    ),
                    name=name,
                    healthy=after.get("currentHealthy", 0),
                    needed=after.get("desiredHealthy", 0),
                    allowed=after.get("disruptionsAllowed", 0),
                ),
            )
        )

    def sync(self, pdb: dict) -> None:
        cluster = self.cluster
        now = cluster.clock
        ns = pdb["metadata"]["namespace"]
        selector = compile_label_selector((pdb.get("spec") or {}).get("selector"))
        pods = [p for p in cluster.store.iter("Pod", ns) if matches(selector, p["metadata"].get("labels"))]
        spec = pdb.get("spec") or {}
        # Expected pods: the sum of the controllers' scales, or the pods themselves.
        if isinstance(spec.get("minAvailable"), int) and spec.get("maxUnavailable") is None:
            expected = len([p for p in pods if not p["metadata"].get("deletionTimestamp")])
        else:
            scales = {}
            bare = 0
            for pod in pods:
                ref = controller_of(pod)
                if ref is None:
                    bare += 1
                    continue
                owner_kind = ref.get("kind")
                owner = (
                    cluster.store.get(owner_kind, ns, ref.get("name"))
                    if owner_kind in ("ReplicaSet", "StatefulSet")
                    else None
                )
                if owner is not None:
                    scales[ref["uid"]] = (owner.get("spec") or {}).get("replicas", 1)
            expected = sum(scales.values()) + bare
        old_status = pdb.get("status") or {}
        disrupted = {
            pod: when
            for pod, when in (old_status.get("disruptedPods") or {}).items()
            if now - parse_time(when) < DELETION_TIMEOUT
            and any(p["metadata"]["name"] == pod and not p["metadata"].get("deletionTimestamp") for p in pods)
        }
        healthy = sum(
            1
            for p in pods
            if not p["metadata"].get("deletionTimestamp")
            and p["metadata"]["name"] not in disrupted
            and pod_ready(p)
        )
        desired = desired_healthy(pdb, expected)
        allowed = max(healthy - desired, 0)
        status = {
            "observedGeneration": pdb["metadata"].get("generation", 1),
            "disruptionsAllowed": allowed,
            "currentHealthy": healthy,
            "desiredHealthy": desired,
            "expectedPods": expected,
        }
        if disrupted:
            status["disruptedPods"] = disrupted
        cond = {
            "type": "DisruptionAllowed",
            "status": "True" if allowed > 0 else "False",
            "reason": "SufficientPods" if allowed > 0 else "InsufficientPods",
            "message": "",
            "observedGeneration": pdb["metadata"].get("generation", 1),
        }
        status["conditions"] = set_condition(old_status.get("conditions") or [], cond, rfc3339(now))
        if status != old_status:
            cluster.api.commit("PodDisruptionBudget", {**pdb, "status": status}, pdb)
        if disrupted:
            soonest = min(parse_time(w) for w in disrupted.values()) + DELETION_TIMEOUT
            cluster.schedule_at(soonest, self.name, object_key(ns, pdb["metadata"]["name"]))
