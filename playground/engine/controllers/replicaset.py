"""The ReplicaSet controller: keep `spec.replicas` pods matching the selector alive."""

from __future__ import annotations

from playground.engine.controllers.base import Controller, Result
from playground.engine.controllers.workqueue import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
)
from playground.engine.errors import ApiError
from playground.engine.podstatus import condition, pod_ready
from playground.engine.selectors import compile_label_selector, matches
from playground.engine.text import _, say
from playground.engine.util import (
    controller_of,
    deep_copy,
    key_of,
    object_key,
    owner_ref,
    parse_time,
    rfc3339,
    set_condition,
    split_key,
)

BURST_REPLICAS = 500


def _without_status(obj: dict) -> tuple:
    meta = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
    return meta, obj.get("spec")


SLOW_START_INITIAL_BATCH = 1


def pod_ready_since(pod: dict) -> float | None:
    if not pod_ready(pod):
        return None
    since = condition(pod, "Ready").get("lastTransitionTime")
    return parse_time(since) if since else 0.0


def is_active(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed") and not pod["metadata"].get(
        "deletionTimestamp"
    )


def deletion_rank(pod: dict, now: float) -> tuple:
    """Upstream's ActivePods ordering: the first pod is the best one to delete."""
    status = pod.get("status") or {}
    node = (pod.get("spec") or {}).get("nodeName")
    phase = {"Pending": 0, "Unknown": 1, "Running": 2}.get(status.get("phase"), 0)
    ready_since = pod_ready_since(pod)
    restarts = max((c.get("restartCount", 0) for c in status.get("containerStatuses") or []), default=0)
    created = parse_time(pod["metadata"]["creationTimestamp"])
    return (
        1 if node else 0,
        phase,
        1 if ready_since is not None else 0,
        -(ready_since or 0),
        -restarts,
        -created,
        pod["metadata"]["name"],
    )


class ReplicaSetController(Controller):
    name = "replicaset"
    event_source = "replicaset-controller"
    watches = ("ReplicaSet", "Pod", "ResourceQuota")
    # The kind it manages: the ReplicationController manager is this controller for
    # v1 ReplicationControllers (controllers/replicationcontroller.py), as upstream's is.
    kind, api_version = "ReplicaSet", "apps/v1"

    def selector_of(self, rs: dict):
        return compile_label_selector(rs["spec"].get("selector"))

    @staticmethod
    def rate_limiter():
        """client-go's default limiter, but per ReplicaSet 5 s doubling to 300 s rather than
        5 ms to 1000 s: a quota-blocked ReplicaSet retries (and records FailedCreate) at a
        pace a learner can follow in the step log and events."""
        return MaxOfRateLimiter(
            ItemExponentialFailureRateLimiter(5.0, 300.0),
            BucketRateLimiter(qps=10, burst=100),
        )

    def __init__(self, cluster):
        super().__init__(cluster)
        # ReplicaSets that may have orphans to adopt; scanning a namespace is costly.
        self.adopt: set[str] = set()

    def on_event(self, etype, kind, old, new):
        if kind == self.kind:
            obj = new or old
            if new is not None:
                key = key_of(obj)
                if old is None or (old.get("spec") or {}).get("selector") != (new.get("spec") or {}).get(
                    "selector"
                ):
                    self.adopt.add(key)
                # Our own status writes are not a reason to sync again (failures are retried, rate-limited).
                if old is None or _without_status(old) != _without_status(new):
                    self.enqueue(key)
        elif kind == "Pod":
            for pod in (old, new):
                if pod is None:
                    continue
                ref = controller_of(pod)
                if ref and ref.get("kind") == self.kind:
                    self.enqueue(object_key(pod["metadata"]["namespace"], ref["name"]))
                elif ref is None and etype != "DELETED":
                    # An orphan may be adopted by any ReplicaSet whose selector matches.
                    for rs in self.cluster.store.iter(self.kind, pod["metadata"]["namespace"]):
                        if matches(self.selector_of(rs), pod["metadata"].get("labels")):
                            key = key_of(rs)
                            self.adopt.add(key)
                            self.enqueue(key)
            if etype == "DELETED" and (failing := self.failing_keys()):
                # Freed quota may let a blocked ReplicaSet create its pods now.
                namespace = old["metadata"]["namespace"]
                for key in failing:
                    if key.startswith(namespace + "/"):
                        self.enqueue(key)
        elif kind == "ResourceQuota" and (failing := self.failing_keys()):
            namespace = (new or old)["metadata"]["namespace"]
            for key in failing:
                if key.startswith(namespace + "/"):
                    self.enqueue(key)

    def claim_pods(self, rs: dict) -> list[dict]:
        """Owned pods, after adopting matching orphans and releasing non-matching ones."""
        api = self.cluster.api
        uid = rs["metadata"]["uid"]
        selector = self.selector_of(rs)
        owned = []
        store = self.cluster.store
        candidates = {p["metadata"]["name"]: p for p in store.dependents_of(uid) if p.get("kind") == "Pod"}
        for pod in list(candidates.values()):
            ref = controller_of(pod)
            if ref is None or ref.get("uid") != uid:
                continue
            if matches(selector, pod["metadata"].get("labels")):
                owned.append(pod)
            elif not pod["metadata"].get("deletionTimestamp"):
                refs = [r for r in pod["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
                meta = {**pod["metadata"], "ownerReferences": refs}
                if not refs:
                    meta.pop("ownerReferences")
                api.commit("Pod", {**pod, "metadata": meta}, pod)
        key = key_of(rs)
        if rs["metadata"].get("deletionTimestamp") or key not in self.adopt:
            return owned
        self.adopt.discard(key)
        for pod in list(store.iter("Pod", rs["metadata"]["namespace"])):
            if (
                controller_of(pod) is None
                and not pod["metadata"].get("deletionTimestamp")
                and matches(selector, pod["metadata"].get("labels"))
                and is_active(pod)
            ):
                refs = list(pod["metadata"].get("ownerReferences") or []) + [
                    owner_ref(rs, self.kind, self.api_version)
                ]
                adopted = api.commit(
                    "Pod", {**pod, "metadata": {**pod["metadata"], "ownerReferences": refs}}, pod
                )
                owned.append(adopted)
        return owned

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns, name = split_key(key)
        rs = cluster.store.get(self.kind, ns, name)
        if rs is None:
            self.adopt.discard(key)
            return Result()
        pods = self.claim_pods(rs)
        active = [p for p in pods if is_active(p)]
        deleting = rs["metadata"].get("deletionTimestamp") is not None
        want = rs["spec"].get("replicas", 1)
        diff = len(active) - want
        result = None
        failure = None
        if not deleting and diff < 0:
            result, failure = self._create(rs, min(-diff, BURST_REPLICAS))
        elif not deleting and diff > 0:
            result = self._delete(rs, active, diff)
        rs = cluster.store.get(self.kind, ns, name)
        if rs is None:
            return Result.of(result)
        pods = [
            p for p in (cluster.store.get("Pod", ns, p["metadata"]["name"]) for p in pods) if p is not None
        ]
        next_check = self._update_status(rs, pods, failure)
        # A failed create is an error: the queue retries the key with back-off.
        outcome = Result.of(result).after(next_check, cluster.clock)
        outcome.error = failure
        return outcome

    def _create(self, rs: dict, count: int):
        cluster = self.cluster
        template = rs["spec"].get("template") or {}
        created = 0
        failure = None
        batch = SLOW_START_INITIAL_BATCH
        remaining = count
        while remaining > 0 and failure is None:
            for _pod in range(min(batch, remaining)):
                meta = deep_copy(template.get("metadata") or {})
                meta.pop("name", None)
                meta["generateName"] = f"{rs['metadata']['name']}-"
                meta["namespace"] = rs["metadata"]["namespace"]
                meta["ownerReferences"] = [owner_ref(rs, self.kind, self.api_version)]
                pod = {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": meta,
                    "spec": deep_copy(template.get("spec") or {}),
                }
                try:
                    stored = cluster.api.create_internal(pod)
                except ApiError as exc:
                    failure = exc
                    cluster.recorder.record(
                        rs, "Warning", "FailedCreate", f"Error creating: {exc.message}", self.event_source
                    )
                    break
                created += 1
                cluster.recorder.record(
                    rs,
                    "Normal",
                    "SuccessfulCreate",
                    f"Created pod: {stored['metadata']['name']}",
                    self.event_source,
                )
            remaining -= batch
            batch *= 2
        if created == 0 and failure is not None:
            return self.record(
                "FailedCreate",
                rs,
                say(
                    _("%(kind)s %(name)s could not create a pod: %(error)s"),
                    kind=self.kind,
                    name=rs["metadata"]["name"],
                    error=failure.message,
                ),
            ), failure
        message = say(
            _("%(kind)s %(name)s created %(count)s pod(s) to reach %(replicas)s replicas"),
            kind=self.kind,
            name=rs["metadata"]["name"],
            count=created,
            replicas=rs["spec"].get("replicas", 1),
        )
        return self.record("SuccessfulCreate", rs, message), failure

    def _delete(self, rs: dict, active: list[dict], count: int) -> dict:
        cluster = self.cluster
        now = cluster.clock
        victims = sorted(active, key=lambda p: deletion_rank(p, now))[:count]
        for pod in victims:
            try:
                cluster.api.delete("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
            except ApiError:
                continue
            cluster.recorder.record(
                rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}", self.event_source
            )
        return self.record(
            "SuccessfulDelete",
            rs,
            say(
                _("%(kind)s %(name)s deleted %(count)s pod(s) to come down to %(replicas)s"),
                kind=self.kind,
                name=rs["metadata"]["name"],
                count=len(victims),
                replicas=rs["spec"].get("replicas", 1),
            ),
        )

    def _update_status(self, rs: dict, pods: list[dict], failure: ApiError | None) -> float | None:
        """Write the status; return when a pod will have been ready for minReadySeconds."""
        cluster = self.cluster
        now = cluster.clock
        min_ready = rs["spec"].get("minReadySeconds", 0)
        template_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
        active = [p for p in pods if is_active(p)]
        ready = available = labeled = 0
        next_check = None
        for pod in active:
            if all((pod["metadata"].get("labels") or {}).get(k) == v for k, v in template_labels.items()):
                labeled += 1
            since = pod_ready_since(pod)
            if since is not None:
                ready += 1
                if now - since >= min_ready:
                    available += 1
                else:
                    due = since + min_ready
                    next_check = due if next_check is None else min(next_check, due)
        status = {
            "replicas": len(active),
            "fullyLabeledReplicas": labeled,
            "readyReplicas": ready,
            "availableReplicas": available,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        conditions = list((rs.get("status") or {}).get("conditions") or [])
        if failure is not None:
            conditions = set_condition(
                conditions,
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "reason": "FailedCreate",
                    "message": failure.message,
                },
                rfc3339(now),
            )
        elif conditions:
            conditions = [c for c in conditions if c.get("type") != "ReplicaFailure"]
        if conditions:
            status["conditions"] = conditions
        # Upstream omits zero counts.
        for field in ("readyReplicas", "availableReplicas", "fullyLabeledReplicas"):
            if status[field] == 0:
                del status[field]
        if status != (rs.get("status") or {}):
            cluster.api.commit(self.kind, {**rs, "status": status}, rs)
        return next_check

    def to_dict(self) -> dict:
        return {"adopt": sorted(self.adopt)}

    def load(self, data: dict) -> None:
        self.adopt = set(data.get("adopt", []))
        # State saved before the work queue rate-limited retries kept the failure counts here.
        per_item = self.cluster.limiters[self.name].limiters[0]
        per_item.failures.update(data.get("failures") or {})
