"""The Deployment controller: one ReplicaSet per pod template, rolled as upstream rolls them.

RollingUpdate honours maxSurge and maxUnavailable (rounded up and down as upstream),
Recreate scales the old away first. Revisions, history limit, pause, and the
Available/Progressing conditions follow pkg/controller/deployment.
"""

from __future__ import annotations

from playground.engine.controllers.base import Controller, Result
from playground.engine.selectors import compile_label_selector, matches
from playground.engine.text import Text, _, join, say
from playground.engine.util import (
    controller_of,
    deep_copy,
    int_or_percent,
    key_of,
    object_key,
    owner_ref,
    parse_time,
    rfc3339,
    split_key,
    template_hash,
)

REVISION = "deployment.kubernetes.io/revision"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HASH_LABEL = "pod-template-hash"


def revision_of(rs: dict) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


def template_without_hash(template: dict) -> dict:
    template = deep_copy(template or {})
    labels = (template.get("metadata") or {}).get("labels")
    if labels and HASH_LABEL in labels:
        del labels[HASH_LABEL]
    return template


def _meta(obj: dict) -> dict:
    return {k: v for k, v in obj["metadata"].items() if k not in ("resourceVersion", "generation")}


def same_template(a: dict | None, b: dict | None) -> bool:
    """Equal pod templates, ignoring the pod-template-hash label; no copies made."""
    a, b = a or {}, b or {}
    if {k: v for k, v in a.items() if k != "metadata"} != {k: v for k, v in b.items() if k != "metadata"}:
        return False
    meta_a, meta_b = a.get("metadata") or {}, b.get("metadata") or {}
    if {k: v for k, v in meta_a.items() if k != "labels"} != {
        k: v for k, v in meta_b.items() if k != "labels"
    }:
        return False
    labels_a = {k: v for k, v in (meta_a.get("labels") or {}).items() if k != HASH_LABEL}
    labels_b = {k: v for k, v in (meta_b.get("labels") or {}).items() if k != HASH_LABEL}
    return labels_a == labels_b


def surge_and_unavailable(d: dict) -> tuple[int, int]:
    replicas = d["spec"].get("replicas", 1)
    strategy = d["spec"].get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0, replicas
    rolling = strategy.get("rollingUpdate") or {}
    surge = int_or_percent(rolling.get("maxSurge", "25%"), replicas, round_up=True)
    unavailable = int_or_percent(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1  # upstream's ResolveFenceposts
    return surge, unavailable


def _sync_message(name: str, actions: list[Text]) -> Text:
    """The step of a sync: "Deployment web: created ReplicaSet …; Scaled up replica set …"."""
    return say(
        _("Deployment %(name)s: %(actions)s"), name=name, actions=join(actions, _("%(first)s; %(rest)s"))
    )


class DeploymentController(Controller):
    name = "deployment"
    event_source = "deployment-controller"
    watches = ("Deployment", "ReplicaSet")

    def on_event(self, etype, kind, old, new):
        obj = new or old
        if kind == "Deployment" and new is not None:
            # Our own status writes are not a reason to sync again.
            if old is None or old.get("spec") != new.get("spec") or _meta(old) != _meta(new):
                self.enqueue(key_of(obj))
        elif kind == "ReplicaSet":
            ref = controller_of(obj)
            if ref and ref.get("kind") == "Deployment":
                self.enqueue(object_key(obj["metadata"]["namespace"], ref["name"]))

    def owned_replicasets(self, d: dict) -> list[dict]:
        api = self.cluster.api
        uid = d["metadata"]["uid"]
        selector = compile_label_selector(d["spec"].get("selector"))
        result = []
        for rs in self.cluster.store.iter("ReplicaSet", d["metadata"]["namespace"]):
            ref = controller_of(rs)
            if ref is not None and ref.get("uid") == uid:
                result.append(rs)
            elif (
                ref is None
                and not rs["metadata"].get("deletionTimestamp")
                and matches(selector, rs["metadata"].get("labels"))
            ):
                refs = list(rs["metadata"].get("ownerReferences") or []) + [
                    owner_ref(d, "Deployment", "apps/v1")
                ]
                result.append(
                    api.commit(
                        "ReplicaSet", {**rs, "metadata": {**rs["metadata"], "ownerReferences": refs}}, rs
                    )
                )
        result.sort(key=lambda rs: (parse_time(rs["metadata"]["creationTimestamp"]), rs["metadata"]["name"]))
        return result

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns, name = split_key(key)
        d = cluster.store.get("Deployment", ns, name)
        if d is None or d["metadata"].get("deletionTimestamp"):
            return Result()
        replicasets = self.owned_replicasets(d)
        paused = bool(d["spec"].get("paused"))
        # A paused Deployment keeps its ReplicaSets: no new one until it is resumed.
        new_rs, old_rss, created = self._new_and_old(d, replicasets, create=not paused)
        actions: list[Text] = []
        if created:
            actions.append(
                say(
                    _("created ReplicaSet %(name)s for the new pod template"), name=new_rs["metadata"]["name"]
                )
            )
        if paused:
            self._sync_paused(d, new_rs, old_rss, actions)
            if new_rs is None:
                d = cluster.store.get("Deployment", ns, name)
                current = max(old_rss, key=revision_of) if old_rss else None
                due = None
                if current is not None:
                    due = self._update_status(d, current, [rs for rs in old_rss if rs is not current], False)
                record = self.record("Sync", d, _sync_message(name, actions)) if actions else None
                return Result.of(record).after(due, cluster.clock)
        elif (d["spec"].get("strategy") or {}).get("type") == "Recreate":
            self._recreate(d, new_rs, old_rss, actions)
        else:
            self._rolling(d, new_rs, old_rss, actions)
        d = cluster.store.get("Deployment", ns, name)
        all_rss = self.owned_replicasets(d)
        new_rs = cluster.store.get("ReplicaSet", ns, new_rs["metadata"]["name"]) or new_rs
        self._cleanup(d, new_rs, all_rss)
        # progressDeadlineSeconds: look again when the rollout would time out.
        due = self._update_status(
            d, new_rs, [rs for rs in all_rss if rs["metadata"]["name"] != new_rs["metadata"]["name"]], created
        )
        record = self.record("Sync", d, _sync_message(name, actions)) if actions else None
        return Result.of(record).after(due, cluster.clock)

    # New ReplicaSet -----------------------------------------------------------------

    def _new_and_old(self, d: dict, replicasets: list[dict], create: bool = True):
        cluster = self.cluster
        template = d["spec"].get("template") or {}
        new_rs = None
        for rs in replicasets:
            if same_template(rs["spec"].get("template"), template):
                new_rs = rs
                break
        old_rss = [rs for rs in replicasets if rs is not new_rs]
        max_old_revision = max((revision_of(rs) for rs in old_rss), default=0)
        surge, _ = surge_and_unavailable(d)
        replicas = d["spec"].get("replicas", 1)
        created = False
        annotations_wanted = {
            DESIRED: str(replicas),
            MAX_REPLICAS: str(replicas + surge),
        }
        change_cause = (d["metadata"].get("annotations") or {}).get(CHANGE_CAUSE)
        if new_rs is not None:
            annotations = dict(new_rs["metadata"].get("annotations") or {})
            revision = revision_of(new_rs)
            if revision <= max_old_revision:
                annotations[REVISION] = str(max_old_revision + 1)
                history = [
                    a
                    for a in (annotations.get("deployment.kubernetes.io/revision-history") or "").split(",")
                    if a
                ]
                history.append(str(revision))
                annotations["deployment.kubernetes.io/revision-history"] = ",".join(history)
            annotations.update(annotations_wanted)
            if change_cause:
                annotations[CHANGE_CAUSE] = change_cause
            if annotations != (new_rs["metadata"].get("annotations") or {}):
                new_rs = cluster.api.commit(
                    "ReplicaSet",
                    {**new_rs, "metadata": {**new_rs["metadata"], "annotations": annotations}},
                    new_rs,
                )
        elif not create:
            return None, old_rss, False
        else:
            collision = (d.get("status") or {}).get("collisionCount", 0)
            pod_hash = template_hash(template_without_hash(template), collision)
            new_template = deep_copy(template)
            new_template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = pod_hash
            selector = deep_copy(d["spec"].get("selector") or {})
            selector.setdefault("matchLabels", {})[HASH_LABEL] = pod_hash
            labels = dict((template.get("metadata") or {}).get("labels") or {})
            labels[HASH_LABEL] = pod_hash
            annotations = dict(annotations_wanted)
            annotations[REVISION] = str(max_old_revision + 1)
            if change_cause:
                annotations[CHANGE_CAUSE] = change_cause
            rs = {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": f"{d['metadata']['name']}-{pod_hash}",
                    "namespace": d["metadata"]["namespace"],
                    "labels": labels,
                    "annotations": annotations,
                    "ownerReferences": [owner_ref(d, "Deployment", "apps/v1")],
                },
                "spec": {
                    "replicas": 0,
                    "minReadySeconds": d["spec"].get("minReadySeconds", 0),
                    "selector": selector,
                    "template": new_template,
                },
            }
            if not rs["spec"]["minReadySeconds"]:
                del rs["spec"]["minReadySeconds"]
            new_rs = cluster.api.create_internal(rs)
            created = True
        # The Deployment carries its current revision too.
        d_now = cluster.store.get("Deployment", d["metadata"]["namespace"], d["metadata"]["name"])
        d_annotations = dict(d_now["metadata"].get("annotations") or {})
        if d_annotations.get(REVISION) != (new_rs["metadata"].get("annotations") or {}).get(REVISION):
            d_annotations[REVISION] = new_rs["metadata"]["annotations"][REVISION]
            cluster.api.commit(
                "Deployment",
                {**d_now, "metadata": {**d_now["metadata"], "annotations": d_annotations}},
                d_now,
            )
        return new_rs, old_rss, created

    # Scaling ----------------------------------------------------------------------

    def _scale(self, d: dict, rs: dict, replicas: int, actions: list[Text]) -> dict:
        current = rs["spec"].get("replicas", 1)
        surge = surge_and_unavailable(d)[0]
        annotations = dict(rs["metadata"].get("annotations") or {})
        annotations[DESIRED] = str(d["spec"].get("replicas", 1))
        annotations[MAX_REPLICAS] = str(d["spec"].get("replicas", 1) + surge)
        if current == replicas and annotations == (rs["metadata"].get("annotations") or {}):
            return rs
        new = {
            **rs,
            "metadata": {**rs["metadata"], "annotations": annotations},
            "spec": {**rs["spec"], "replicas": replicas},
        }
        stored = self.cluster.api.commit("ReplicaSet", new, rs)
        if current != replicas:
            direction = "up" if replicas > current else "down"
            message = f"Scaled {direction} replica set {rs['metadata']['name']} from {current} to {replicas}"
            self.cluster.recorder.record(d, "Normal", "ScalingReplicaSet", message, self.event_source)
            actions.append(
                say(
                    _("Scaled up replica set %(name)s from %(current)s to %(replicas)s")
                    if direction == "up"
                    else _("Scaled down replica set %(name)s from %(current)s to %(replicas)s"),
                    name=rs["metadata"]["name"],
                    current=current,
                    replicas=replicas,
                )
            )
        return stored

    def _sync_paused(self, d, new_rs, old_rss, actions) -> None:
        # A paused Deployment still scales, but does not roll.
        replicas = d["spec"].get("replicas", 1)
        candidates = [rs for rs in [new_rs, *old_rss] if rs is not None]
        active = [rs for rs in candidates if rs["spec"].get("replicas", 0) > 0]
        if len(active) <= 1 and candidates:
            target = active[0] if active else max(candidates, key=revision_of)
            self._scale(d, target, replicas, actions)

    def _recreate(self, d, new_rs, old_rss, actions) -> None:
        cluster = self.cluster
        for rs in old_rss:
            if rs["spec"].get("replicas", 0):
                self._scale(d, rs, 0, actions)
        # Wait until every old pod is gone before starting new ones.
        for rs in old_rss:
            if any(p.get("kind") == "Pod" for p in cluster.store.dependents_of(rs["metadata"]["uid"])):
                return
        self._scale(d, new_rs, d["spec"].get("replicas", 1), actions)

    def _rolling(self, d, new_rs, old_rss, actions) -> None:
        replicas = d["spec"].get("replicas", 1)
        surge, max_unavailable = surge_and_unavailable(d)
        all_rss = [new_rs, *old_rss]
        # Scale up the new ReplicaSet as far as maxSurge allows.
        new_count = new_rs["spec"].get("replicas", 0)
        if new_count > replicas:
            new_rs = self._scale(d, new_rs, replicas, actions)
        elif new_count < replicas:
            current_total = sum(rs["spec"].get("replicas", 0) for rs in all_rss)
            max_total = replicas + surge
            if current_total < max_total:
                up = min(max_total - current_total, replicas - new_count)
                new_rs = self._scale(d, new_rs, new_count + up, actions)
        all_rss = [new_rs, *old_rss]
        old_total = sum(rs["spec"].get("replicas", 0) for rs in old_rss)
        if old_total == 0:
            return
        all_total = sum(rs["spec"].get("replicas", 0) for rs in all_rss)
        min_available = replicas - max_unavailable
        new_unavailable = new_rs["spec"].get("replicas", 0) - (new_rs.get("status") or {}).get(
            "availableReplicas", 0
        )
        max_scaled_down = all_total - min_available - new_unavailable
        if max_scaled_down <= 0:
            return
        # First remove old pods that are not available anyway (they cost nothing).
        cleaned = 0
        remaining = max_scaled_down
        for rs in sorted(old_rss, key=lambda r: parse_time(r["metadata"]["creationTimestamp"])):
            if remaining <= 0:
                break
            want = rs["spec"].get("replicas", 0)
            unhealthy = want - (rs.get("status") or {}).get("availableReplicas", 0)
            if want == 0 or unhealthy <= 0:
                continue
            down = min(remaining, unhealthy)
            self._scale(d, rs, want - down, actions)
            cleaned += down
            remaining -= down
        old_rss = [
            self.cluster.store.get("ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"]) or rs
            for rs in old_rss
        ]
        available = sum((rs.get("status") or {}).get("availableReplicas", 0) for rs in [new_rs, *old_rss])
        if available <= min_available:
            return
        to_scale = min(available - min_available, max_scaled_down - cleaned)
        for rs in sorted(old_rss, key=lambda r: parse_time(r["metadata"]["creationTimestamp"])):
            if to_scale <= 0:
                break
            want = rs["spec"].get("replicas", 0)
            if want == 0:
                continue
            down = min(want, to_scale)
            self._scale(d, rs, want - down, actions)
            to_scale -= down

    # History -------------------------------------------------------------------------

    def _cleanup(self, d: dict, new_rs: dict, all_rss: list[dict]) -> None:
        limit = d["spec"].get("revisionHistoryLimit", 10)
        old = [
            rs
            for rs in all_rss
            if rs["metadata"]["name"] != new_rs["metadata"]["name"]
            and rs["spec"].get("replicas", 0) == 0
            and (rs.get("status") or {}).get("replicas", 0) == 0
            and not rs["metadata"].get("deletionTimestamp")
        ]
        excess = len(old) - limit
        if excess <= 0:
            return
        old.sort(key=lambda rs: (revision_of(rs), parse_time(rs["metadata"]["creationTimestamp"])))
        for rs in old[:excess]:
            self.cluster.api.delete("ReplicaSet", rs["metadata"]["name"], rs["metadata"]["namespace"])

    # Status -----------------------------------------------------------------------------

    def _update_status(self, d: dict, new_rs: dict, old_rss: list[dict], created: bool) -> float | None:
        """Write the status; return when the progress deadline falls due, if it may."""
        cluster = self.cluster
        due = None
        now = cluster.clock
        now_s = rfc3339(now)
        replicas = d["spec"].get("replicas", 1)
        all_rss = [new_rs, *old_rss]
        rs_status = [rs.get("status") or {} for rs in all_rss]
        total = sum(s.get("replicas", 0) for s in rs_status)
        ready = sum(s.get("readyReplicas", 0) for s in rs_status)
        available = sum(s.get("availableReplicas", 0) for s in rs_status)
        updated = (new_rs.get("status") or {}).get("replicas", 0)
        _, max_unavailable = surge_and_unavailable(d)
        old_status = d.get("status") or {}
        status = {
            "observedGeneration": d["metadata"].get("generation", 1),
            "replicas": total,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": max(total - available, replicas - available, 0),
        }
        if old_status.get("collisionCount"):
            status["collisionCount"] = old_status["collisionCount"]
        conditions = {c["type"]: c for c in old_status.get("conditions") or []}

        def set_cond(ctype: str, value: str, reason: str, message: str) -> None:
            current = conditions.get(ctype)
            if (
                current
                and current["status"] == value
                and current["reason"] == reason
                and current["message"] == message
            ):
                return
            transition = current["lastTransitionTime"] if current and current["status"] == value else now_s
            conditions[ctype] = {
                "type": ctype,
                "status": value,
                "lastUpdateTime": now_s,
                "lastTransitionTime": transition,
                "reason": reason,
                "message": message,
            }

        if available >= replicas - max_unavailable:
            set_cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
        else:
            set_cond(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            )
        rs_name = new_rs["metadata"]["name"]
        progressing = conditions.get("Progressing")
        complete = (
            updated == replicas
            and (new_rs.get("status") or {}).get("availableReplicas", 0) >= replicas
            and total == replicas
            and all(rs["spec"].get("replicas", 0) == 0 for rs in old_rss)
        )
        deadline = d["spec"].get("progressDeadlineSeconds", 600)
        if d["spec"].get("paused"):
            if not progressing or progressing["reason"] != "DeploymentPaused":
                set_cond("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
        elif progressing and progressing["reason"] == "DeploymentPaused":
            set_cond("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed")
        elif complete:
            set_cond(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{rs_name}" has successfully progressed.',
            )
        elif created:
            set_cond("Progressing", "True", "NewReplicaSetCreated", f'Created new replica set "{rs_name}"')
        elif progressing is None:
            set_cond("Progressing", "True", "FoundNewReplicaSet", f'Found new replica set "{rs_name}"')
        elif self._made_progress(old_status, status):
            set_cond("Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.')
        elif progressing["reason"] != "NewReplicaSetAvailable" and progressing["status"] == "True":
            started = parse_time(progressing["lastUpdateTime"])
            if now - started >= deadline:
                set_cond(
                    "Progressing",
                    "False",
                    "ProgressDeadlineExceeded",
                    f'ReplicaSet "{rs_name}" has timed out progressing.',
                )
                cluster.recorder.record(
                    d,
                    "Warning",
                    "ProgressDeadlineExceeded",
                    f'Deployment "{d["metadata"]["name"]}" has timed out progressing.',
                    self.event_source,
                )
            else:
                due = started + deadline
        progressing = conditions.get("Progressing")
        if (
            progressing
            and progressing["status"] == "True"
            and progressing["reason"] != "NewReplicaSetAvailable"
            and not d["spec"].get("paused")
        ):
            when = parse_time(progressing["lastUpdateTime"]) + deadline
            due = when if due is None else min(due, when)
        order = ["Available", "Progressing"]
        status["conditions"] = [conditions[t] for t in order if t in conditions] + [
            c for t, c in conditions.items() if t not in order
        ]
        for field in (
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
            "updatedReplicas",
            "replicas",
        ):
            if status.get(field) == 0:
                del status[field]
        if status != old_status:
            cluster.api.commit("Deployment", {**d, "status": status}, d)
        return due

    @staticmethod
    def _made_progress(old: dict, new: dict) -> bool:
        return (
            new.get("updatedReplicas", 0) > old.get("updatedReplicas", 0)
            or new.get("availableReplicas", 0) > old.get("availableReplicas", 0)
            or new.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or new.get("replicas", 0) < old.get("replicas", 0)
        )
