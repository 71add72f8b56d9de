"""The namespace controller: a terminating namespace empties, then disappears.

Deleting a namespace sets its deletionTimestamp and phase Terminating (the API server);
the controller deletes everything in it, reports what is left in the namespace's status
conditions as upstream's namespace deleter does, and when nothing is left removes its
``kubernetes`` finalizer from ``spec.finalizers`` and deletes it for good.
"""

from __future__ import annotations

from playground.engine.controllers.base import ALL, Controller, Result
from playground.engine.errors import ApiError
from playground.engine.text import _, say
from playground.engine.util import rfc3339

FINALIZER = "kubernetes"
# The conditions the deleter keeps (conditionTypes), each with its "all is well" reason and message.
CONDITIONS = (
    ("NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered", "All resources successfully discovered"),
    (
        "NamespaceDeletionGroupVersionParsingFailure",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    (
        "NamespaceDeletionContentFailure",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
    ("NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"),
    ("NamespaceFinalizersRemaining", "ContentHasNoFinalizers", "All content-preserving finalizers finished"),
)


class NamespaceController(Controller):
    name = "namespace"
    event_source = "namespace-controller"
    watches = ALL  # the last object leaving a terminating namespace

    def on_event(self, etype, kind, old, new):
        if kind == "Namespace" and new is not None and new["metadata"].get("deletionTimestamp"):
            self.enqueue(new["metadata"]["name"])
        elif old is not None and old["metadata"].get("namespace"):
            # Gone, or a finalizer taken off one of its objects.
            gone = etype == "DELETED"
            if gone or (
                old["metadata"].get("finalizers") != ((new or {}).get("metadata") or {}).get("finalizers")
            ):
                ns = self.cluster.store.get("Namespace", "", old["metadata"]["namespace"])
                if ns is not None and ns["metadata"].get("deletionTimestamp"):
                    self.enqueue(ns["metadata"]["name"])

    def reconcile(self, key: str) -> Result:
        """Upstream's ``namespacedResourcesDeleter.Delete``: ``deleteAllContent`` (delete every
        namespaced kind's objects, count what remains and the finalizers holding it), the
        status conditions (``namespaceConditionUpdater``), then ``finalizeNamespace`` and
        ``deleteNamespace`` once nothing remains."""
        cluster = self.cluster
        ns = cluster.store.get("Namespace", "", key)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return Result()
        finalizers = list((ns.get("spec") or {}).get("finalizers") or [])
        if FINALIZER in finalizers:
            remaining, held, failures = self._delete_all_content(key)
            ns = self._update_conditions(ns, remaining, held, failures)
            if remaining:
                total = sum(remaining.values())
                return Result.of(
                    self.record(
                        "Deleting",
                        ns,
                        say(
                            _(
                                "namespace %(name)s is terminating: waiting for %(count)s object(s) inside it to go"
                            ),
                            name=key,
                            count=total,
                        ),
                    )
                )
            finalizers = [f for f in finalizers if f != FINALIZER]
            ns = cluster.api.commit(
                "Namespace", {**ns, "spec": {**(ns.get("spec") or {}), "finalizers": finalizers}}, ns
            )
        if finalizers:
            return Result()  # another finalizer's owner finishes it
        for event in list(cluster.store.iter("Event", key)):
            cluster.store.remove("Event", event)
        cluster.api.remove_now("Namespace", ns)
        return Result.of(
            self.record("Deleted", ns, say(_("namespace %(name)s is empty and has been removed"), name=key))
        )

    def _delete_all_content(self, namespace: str) -> tuple[dict[str, int], dict[str, int], list[str]]:
        """Delete what is in the namespace. Returns the objects remaining by resource
        ("pods." for the core group), the finalizers holding them, and deletion failures."""
        cluster = self.cluster
        remaining: dict[str, int] = {}
        held: dict[str, int] = {}
        failures: list[str] = []
        for rt in cluster.api.registry:  # custom resources too
            if not rt.namespaced or rt.kind == "Event":
                continue
            for obj in list(cluster.store.iter(rt.kind, namespace)):
                if not obj["metadata"].get("deletionTimestamp"):
                    try:
                        cluster.api.delete(rt.kind, obj["metadata"]["name"], namespace)
                    except ApiError as error:
                        failures.append(error.message)
            left = list(cluster.store.iter(rt.kind, namespace))
            if left:
                remaining[f"{rt.plural}.{rt.group}"] = len(left)
                for obj in left:
                    for finalizer in obj["metadata"].get("finalizers") or []:
                        held[finalizer] = held.get(finalizer, 0) + 1
        return remaining, held, failures

    def _update_conditions(self, ns: dict, remaining: dict, held: dict, failures: list[str]) -> dict:
        """``updateConditions``: each of the five conditions, True with the trouble or False
        with its "all is well" reason; lastTransitionTime moves only when the status does."""
        now = rfc3339(self.cluster.clock)
        trouble = {}
        if failures:
            trouble["NamespaceDeletionContentFailure"] = (
                "ContentDeletionFailed",
                f"Failed to delete all resource types, {len(failures)} remaining: {', '.join(sorted(failures))}",
            )
        if remaining:
            parts = sorted(f"{resource} has {n} resource instances" for resource, n in remaining.items())
            trouble["NamespaceContentRemaining"] = (
                "SomeResourcesRemain",
                f"Some resources are remaining: {', '.join(parts)}",
            )
        if held:
            parts = sorted(f"{finalizer} in {n} resource instances" for finalizer, n in held.items())
            trouble["NamespaceFinalizersRemaining"] = (
                "SomeFinalizersRemain",
                f"Some content in the namespace has finalizers remaining: {', '.join(parts)}",
            )
        status = dict(ns.get("status") or {})
        conditions = [dict(c) for c in status.get("conditions") or []]
        for ctype, ok_reason, ok_message in CONDITIONS:
            value, (reason, message) = (
                ("True", trouble[ctype]) if ctype in trouble else ("False", (ok_reason, ok_message))
            )
            old = next((c for c in conditions if c.get("type") == ctype), None)
            if old is None:
                conditions.append(
                    {
                        "type": ctype,
                        "status": value,
                        "lastTransitionTime": now,
                        "reason": reason,
                        "message": message,
                    }
                )
                continue
            if old["status"] != value:
                old["lastTransitionTime"] = now
            old.update(status=value, reason=reason, message=message)
        if conditions == (ns.get("status") or {}).get("conditions"):
            return ns
        status["conditions"] = conditions
        return self.cluster.api.commit("Namespace", {**ns, "status": status}, ns)
