"""The namespace controller: a terminating namespace empties, then disappears."""

from __future__ import annotations

from playground.engine.controllers.base import ALL, Controller, Result
from playground.engine.errors import ApiError


class NamespaceController(Controller):
    name = "namespace"
    event_source = "namespace-controller"
    watches = ALL  # the last object leaving a terminating namespace

    def on_event(self, etype, kind, old, new):
        if kind == "Namespace" and new is not None and new["metadata"].get("deletionTimestamp"):
            self.enqueue(new["metadata"]["name"])
        elif etype == "DELETED" and old is not None and old["metadata"].get("namespace"):
            ns = self.cluster.store.get("Namespace", "", old["metadata"]["namespace"])
            if ns is not None and ns["metadata"].get("deletionTimestamp"):
                self.enqueue(ns["metadata"]["name"])

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns = cluster.store.get("Namespace", "", key)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return Result()
        remaining = 0
        for rt in cluster.api.registry:  # custom resources too
            if not rt.namespaced or rt.kind == "Event":
                continue
            for obj in list(cluster.store.iter(rt.kind, key)):
                remaining += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    try:
                        cluster.api.delete(rt.kind, obj["metadata"]["name"], key)
                    except ApiError:
                        pass
        if remaining:
            return Result.of(
                self.record(
                    "Deleting",
                    ns,
                    f"namespace {key} is terminating: deleting {remaining} object(s) inside it",
                )
            )
        for event in list(cluster.store.iter("Event", key)):
            cluster.store.remove("Event", event)
        cluster.api.remove_now("Namespace", ns)
        return Result.of(self.record("Deleted", ns, f"namespace {key} is empty and has been removed"))
