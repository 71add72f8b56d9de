"""The StatefulSet controller: stable names, ordered start and stop, a claim per pod."""

from __future__ import annotations

from playground.engine.controllers.base import Controller, Result
from playground.engine.errors import ApiError
from playground.engine.podstatus import pod_ready
from playground.engine.text import Text, _, say
from playground.engine.util import deep_copy, owner_ref, split_key, template_hash

HASH_LABEL = "controller-revision-hash"


def _ordinal(pod: dict, set_name: str) -> int:
    suffix = pod["metadata"]["name"][len(set_name) + 1 :]
    return int(suffix) if suffix.isdigit() else -1


class StatefulSetController(Controller):
    name = "statefulset"
    event_source = "statefulset-controller"
    watches = ("StatefulSet", "Pod")

    def on_event(self, etype, kind, old, new):
        self.watch_owned(kind, old, new, "StatefulSet", "Pod")

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns, name = split_key(key)
        sts = cluster.store.get("StatefulSet", ns, name)
        if sts is None or sts["metadata"].get("deletionTimestamp"):
            return Result()
        spec = sts["spec"]
        replicas = spec.get("replicas", 1)
        parallel = spec.get("podManagementPolicy", "OrderedReady") == "Parallel"
        revision = f"{name}-{template_hash(spec.get('template') or {})}"
        pods = {
            _ordinal(p, name): p
            for p in cluster.store.dependents_of(sts["metadata"]["uid"])
            if p.get("kind") == "Pod"
        }
        action = None
        # Create missing ordinals, in order; OrderedReady waits for each to be Running and Ready.
        for ordinal in range(replicas):
            pod = pods.get(ordinal)
            if pod is None:
                self._claims(sts, ordinal)
                try:
                    made = cluster.api.create_internal(self._pod(sts, ordinal, revision))
                except ApiError as error:
                    cluster.recorder.record(
                        sts,
                        "Warning",
                        "FailedCreate",
                        f"create Pod {name}-{ordinal} in StatefulSet {name} failed error: {error.message}",
                        self.event_source,
                    )
                    return Result.of(self.record("FailedCreate", sts, error.message))
                cluster.recorder.record(
                    sts,
                    "Normal",
                    "SuccessfulCreate",
                    f"create Pod {made['metadata']['name']} in StatefulSet {name} successful",
                    self.event_source,
                )
                action = say(_("created %(pod)s"), pod=made["metadata"]["name"])
                if not parallel:
                    break
                continue
            if pod["metadata"].get("deletionTimestamp"):
                if not parallel:
                    break
                continue
            if (pod.get("status") or {}).get("phase") == "Failed":
                cluster.api.delete("Pod", pod["metadata"]["name"], ns)
                action = say(_("recreating failed %(pod)s"), pod=pod["metadata"]["name"])
                break
            if not parallel and not pod_ready(pod):
                break
        else:
            # Scale down: highest ordinal first, one at a time unless Parallel.
            extra = sorted((o for o in pods if o >= replicas), reverse=True)
            for ordinal in extra:
                pod = pods[ordinal]
                if pod["metadata"].get("deletionTimestamp"):
                    if not parallel:
                        break
                    continue
                cluster.api.delete("Pod", pod["metadata"]["name"], ns)
                cluster.recorder.record(
                    sts,
                    "Normal",
                    "SuccessfulDelete",
                    f"delete Pod {pod['metadata']['name']} in StatefulSet {name} successful",
                    self.event_source,
                )
                action = say(_("deleted %(pod)s"), pod=pod["metadata"]["name"])
                if not parallel:
                    break
            if (
                action is None
                and (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"
            ):
                action = self._roll(sts, pods, revision, replicas)
        self._status(sts, revision)
        return Result.of(
            self.record("Sync", sts, say(_("StatefulSet %(name)s: %(action)s"), name=name, action=action))
            if action
            else None
        )

    def _roll(self, sts: dict, pods: dict, revision: str, replicas: int) -> Text | None:
        """Rolling update in reverse ordinal order, down to the partition."""
        partition = ((sts["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition", 0)
        for ordinal in range(replicas - 1, partition - 1, -1):
            pod = pods.get(ordinal)
            if pod is None or pod["metadata"].get("deletionTimestamp"):
                return None
            if (pod["metadata"].get("labels") or {}).get(HASH_LABEL) != revision:
                self.cluster.api.delete("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
                return say(
                    _("updating %(pod)s to revision %(revision)s"),
                    pod=pod["metadata"]["name"],
                    revision=revision,
                )
            if not pod_ready(pod):
                return None
        return None

    def _claims(self, sts: dict, ordinal: int) -> None:
        cluster = self.cluster
        ns, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
        for template in sts["spec"].get("volumeClaimTemplates") or []:
            claim_name = f"{template['metadata']['name']}-{name}-{ordinal}"
            if cluster.store.get("PersistentVolumeClaim", ns, claim_name) is not None:
                continue
            claim = deep_copy(template)
            meta = claim.setdefault("metadata", {})
            meta["name"] = claim_name
            meta["namespace"] = ns
            labels = dict(((sts["spec"].get("selector") or {}).get("matchLabels")) or {})
            labels.update(meta.get("labels") or {})
            meta["labels"] = labels
            claim.setdefault("apiVersion", "v1")
            claim.setdefault("kind", "PersistentVolumeClaim")
            claim.pop("status", None)
            try:
                cluster.api.create_internal(claim)
            except ApiError as error:
                cluster.recorder.record(
                    sts,
                    "Warning",
                    "FailedCreate",
                    f"create Claim {claim_name} for Pod {name}-{ordinal} in StatefulSet {name} failed error: {error.message}",
                    self.event_source,
                )
                continue
            cluster.recorder.record(
                sts,
                "Normal",
                "SuccessfulCreate",
                f"create Claim {claim_name} Pod {name}-{ordinal} in StatefulSet {name} success",
                self.event_source,
            )

    def _pod(self, sts: dict, ordinal: int, revision: str) -> dict:
        name = sts["metadata"]["name"]
        template = deep_copy(sts["spec"].get("template") or {})
        meta = template.get("metadata") or {}
        meta["name"] = f"{name}-{ordinal}"
        meta["namespace"] = sts["metadata"]["namespace"]
        labels = meta.setdefault("labels", {})
        labels[HASH_LABEL] = revision
        labels["statefulset.kubernetes.io/pod-name"] = f"{name}-{ordinal}"
        labels["apps.kubernetes.io/pod-index"] = str(ordinal)
        meta["ownerReferences"] = [owner_ref(sts, "StatefulSet", "apps/v1")]
        spec = template.get("spec") or {}
        spec["hostname"] = f"{name}-{ordinal}"
        if sts["spec"].get("serviceName"):
            spec["subdomain"] = sts["spec"]["serviceName"]
        volumes = list(spec.get("volumes") or [])
        for claim in sts["spec"].get("volumeClaimTemplates") or []:
            claim_name = claim["metadata"]["name"]
            volumes = [v for v in volumes if v.get("name") != claim_name]
            volumes.append(
                {"name": claim_name, "persistentVolumeClaim": {"claimName": f"{claim_name}-{name}-{ordinal}"}}
            )
        if volumes:
            spec["volumes"] = volumes
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}

    def _status(self, sts: dict, revision: str) -> None:
        cluster = self.cluster
        sts = cluster.store.get("StatefulSet", sts["metadata"]["namespace"], sts["metadata"]["name"])
        pods = [
            p
            for p in cluster.store.dependents_of(sts["metadata"]["uid"])
            if p.get("kind") == "Pod" and not p["metadata"].get("deletionTimestamp")
        ]
        updated = sum(1 for p in pods if (p["metadata"].get("labels") or {}).get(HASH_LABEL) == revision)
        current_revision = (sts.get("status") or {}).get("currentRevision") or revision
        if updated == len(pods) == sts["spec"].get("replicas", 1):
            current_revision = revision
        status = {
            "observedGeneration": sts["metadata"].get("generation", 1),
            "replicas": len(pods),
            "readyReplicas": sum(1 for p in pods if pod_ready(p)),
            "currentReplicas": sum(
                1 for p in pods if (p["metadata"].get("labels") or {}).get(HASH_LABEL) == current_revision
            ),
            "updatedReplicas": updated,
            "currentRevision": current_revision,
            "updateRevision": revision,
            "collisionCount": 0,
            "availableReplicas": sum(1 for p in pods if pod_ready(p)),
        }
        for field in ("readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"):
            if status[field] == 0:
                del status[field]
        if status != sts.get("status"):
            cluster.api.commit("StatefulSet", {**sts, "status": status}, sts)
