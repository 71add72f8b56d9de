"""The garbage collector: dependents follow their owners (Background, Foreground, Orphan)."""

from __future__ import annotations

from playground.engine.controllers.base import ALL, Controller, Result
from playground.engine.errors import ApiError
from playground.engine.text import _, say


class GarbageCollector(Controller):
    name = "garbagecollector"
    event_source = "garbage-collector-controller"
    watches = ALL  # any object may own or depend on any other

    def on_event(self, etype, kind, old, new):
        if etype == "DELETED":
            uid = old["metadata"].get("uid")
            if uid and self.cluster.store.dependents.get(uid):
                self.enqueue(f"orphaned:{uid}")
        elif new is not None and new["metadata"].get("deletionTimestamp"):
            finalizers = new["metadata"].get("finalizers") or []
            if "foregroundDeletion" in finalizers or "orphan" in finalizers:
                ns = new["metadata"].get("namespace", "")
                self.enqueue(f"finalize:{kind}/{ns}/{new['metadata']['name']}")
        # A dependent of an owner waiting in foreground deletion went away: re-check the owner.
        if etype == "DELETED" or (new is not None and new["metadata"].get("deletionTimestamp")):
            for ref in (old or new)["metadata"].get("ownerReferences") or []:
                owner_key = self._owner_key(ref, (old or new)["metadata"].get("namespace", ""))
                if owner_key:
                    self.enqueue(owner_key)

    def _owner_key(self, ref: dict, namespace: str) -> str | None:
        kind = ref.get("kind")
        rt = self.cluster.api.resource_type(kind) if kind in self.cluster.api.registry else None
        if rt is None:
            return None
        ns = namespace if rt.namespaced else ""
        owner = self.cluster.store.get(kind, ns, ref.get("name"))
        if owner is not None and "foregroundDeletion" in (owner["metadata"].get("finalizers") or []):
            return f"finalize:{kind}/{ns}/{ref['name']}"
        return None

    def reconcile(self, key: str) -> Result:
        if key.startswith("orphaned:"):
            return Result.of(self._collect_orphans(key.split(":", 1)[1]))
        kind, ns, name = key.split(":", 1)[1].split("/", 2)
        owner = self.cluster.store.get(kind, ns, name)
        if owner is None:
            return Result()
        finalizers = list(owner["metadata"].get("finalizers") or [])
        uid = owner["metadata"]["uid"]
        dependents = self.cluster.store.dependents_of(uid)
        if "orphan" in finalizers:
            for dep in dependents:
                refs = [r for r in dep["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
                meta = {**dep["metadata"], "ownerReferences": refs}
                if not refs:
                    meta.pop("ownerReferences")
                self.cluster.api.commit(dep["kind"], {**dep, "metadata": meta}, dep)
            finalizers.remove("orphan")
            self._set_finalizers(kind, owner, finalizers)
            return Result.of(
                self.record(
                    "Orphaned",
                    owner,
                    say(
                        _("orphaned %(count)s dependent(s) of %(kind)s %(name)s, then deleted it"),
                        count=len(dependents),
                        kind=kind,
                        name=name,
                    ),
                )
            )
        if "foregroundDeletion" in finalizers:
            blocking = [
                d
                for d in dependents
                if any(
                    r.get("uid") == uid and r.get("blockOwnerDeletion")
                    for r in d["metadata"].get("ownerReferences") or []
                )
            ]
            for dep in dependents:
                if not dep["metadata"].get("deletionTimestamp"):
                    self._delete(dep, "Foreground")
            remaining = [
                d
                for d in blocking
                if self.cluster.store.get(
                    d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]
                )
                is not None
            ]
            if remaining:
                return Result.of(
                    self.record(
                        "WaitingForDependents",
                        owner,
                        say(
                            _("%(kind)s %(name)s waits for %(count)s dependent(s) to be deleted first"),
                            kind=kind,
                            name=name,
                            count=len(remaining),
                        ),
                    )
                )
            finalizers.remove("foregroundDeletion")
            self._set_finalizers(kind, owner, finalizers)
            return Result.of(
                self.record(
                    "Deleted",
                    owner,
                    say(
                        _("all dependents of %(kind)s %(name)s are gone; deleted it (foreground)"),
                        kind=kind,
                        name=name,
                    ),
                )
            )
        return Result()

    def _set_finalizers(self, kind: str, owner: dict, finalizers: list[str]) -> None:
        meta = {**owner["metadata"], "finalizers": finalizers}
        if not finalizers:
            meta.pop("finalizers")
        self.cluster.api.commit(kind, {**owner, "metadata": meta}, owner)

    def _collect_orphans(self, uid: str) -> dict | None:
        store = self.cluster.store
        removed = []
        for dep in store.dependents_of(uid):
            refs = dep["metadata"].get("ownerReferences") or []
            alive = [r for r in refs if r.get("uid") != uid and self._owner_exists(r, dep)]
            if alive:
                meta = {**dep["metadata"], "ownerReferences": [r for r in refs if r.get("uid") != uid]}
                self.cluster.api.commit(dep["kind"], {**dep, "metadata": meta}, dep)
                continue
            if dep["metadata"].get("deletionTimestamp"):
                continue
            self._delete(dep, "Background")
            removed.append(f"{dep['kind']} {dep['metadata']['name']}")
        if not removed:
            return None
        return {
            "component": "kube-controller-manager (garbagecollector)",
            "action": "Deleted",
            "kind": "",
            "namespace": "",
            "name": "",
            "message": "deleted dependents whose owner is gone: " + ", ".join(removed),
        }

    def _owner_exists(self, ref: dict, dep: dict) -> bool:
        kind = ref.get("kind")
        if kind not in self.cluster.api.registry:
            return True
        rt = self.cluster.api.resource_type(kind)
        ns = dep["metadata"].get("namespace", "") if rt.namespaced else ""
        owner = self.cluster.store.get(kind, ns, ref.get("name"))
        return owner is not None and owner["metadata"].get("uid") == ref.get("uid")

    def _delete(self, dep: dict, policy: str) -> None:
        try:
            self.cluster.api.delete(
                dep["kind"],
                dep["metadata"]["name"],
                dep["metadata"].get("namespace"),
                propagation_policy=policy,
            )
        except ApiError:
            pass
