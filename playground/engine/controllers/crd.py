"""The CustomResourceDefinition controllers of apiextensions-apiserver, as one loop.

Upstream runs several: the naming controller (NamesAccepted, status.acceptedNames), the
establishing controller (Established), the API handler that starts serving the kind, and
the finalizer controller (a deleted CRD's custom resources go, then the CRD). Here, per
CRD (key: its name):

* names are checked against the other CRDs of the group (plural, singular, kind, list
  kind, short names), as upstream's NamingConditionController does, and against the
  kinds this cluster already serves;
* accepted: the kind's Strategy (registry/apiextensions/customresource.py) is registered
  on the cluster's overlay registry, so the API server, discovery and OpenAPI serve it;
  status.acceptedNames, NamesAccepted=True (NoConflicts) and Established=True
  (InitialNamesAccepted) are set;
* deleted (deletionTimestamp with the customresourcecleanup finalizer): every custom
  resource of the kind is deleted, and once none is left the kind is unregistered and
  the finalizer removed, so the CRD goes.

The overlay is not saved with the cluster: ``load()`` (called by Cluster.from_dict once
the store is restored) registers the kinds of the stored, established CRDs again.
"""

from __future__ import annotations

import dataclasses

from playground.engine.controllers.base import ALL, Controller, Result
from playground.engine.errors import ApiError
from playground.engine.registry.apiextensions.customresource import strategy_for
from playground.engine.registry.apiextensions.customresourcedefinition import CLEANUP_FINALIZER
from playground.engine.text import _, say
from playground.engine.util import deep_copy

CRD = "CustomResourceDefinition"


def _condition(status: dict, type_: str, value: str, reason: str, message: str, now: str) -> None:
    conditions = status.setdefault("conditions", [])
    for cond in conditions:
        if cond.get("type") == type_:
            if cond.get("status") != value:
                cond["lastTransitionTime"] = now
            cond.update({"status": value, "reason": reason, "message": message})
            return
    conditions.append(
        {"type": type_, "status": value, "lastTransitionTime": now, "reason": reason, "message": message}
    )


def is_established(crd: dict) -> bool:
    return any(
        c.get("type") == "Established" and c.get("status") == "True"
        for c in (crd.get("status") or {}).get("conditions") or []
    )


class CRDController(Controller):
    name = "crd"
    component = "kube-apiserver"
    event_source = "apiextensions-apiserver"
    # CRDs, and the custom resources a deleted CRD waits for (a finalizer of theirs).
    watches = ALL

    def __init__(self, cluster):
        super().__init__(cluster)
        self.kinds: dict[str, str] = {}  # custom kind -> the CRD that registered it

    def on_event(self, etype, kind, old, new):
        if kind == CRD:
            self.enqueue((new or old)["metadata"]["name"])
        elif etype == "DELETED" and kind in self.kinds:
            crd = self.cluster.store.get(CRD, "", self.kinds[kind])
            if crd is not None and crd["metadata"].get("deletionTimestamp"):
                self.enqueue(self.kinds[kind])

    # Names ---------------------------------------------------------------------------

    def _conflict(self, crd: dict) -> tuple[str, str] | None:
        """(reason, message) when a name is taken, as the naming controller says it."""
        spec = crd["spec"]
        names = spec["names"]
        group = spec["group"]
        for other in self.cluster.store.iter(CRD, ""):
            if other["metadata"]["name"] == crd["metadata"]["name"] or other["spec"].get("group") != group:
                continue
            accepted = (other.get("status") or {}).get("acceptedNames") or {}
            if names.get("plural") == accepted.get("plural"):
                return "PluralConflict", f'"{names["plural"]}" is already in use'
            if names.get("singular") and names.get("singular") == accepted.get("singular"):
                return "SingularConflict", f'"{names["singular"]}" is already in use'
            taken = set(accepted.get("shortNames") or [])
            for short in names.get("shortNames") or []:
                if short in taken:
                    return "ShortNamesConflict", f'"{short}" is already in use'
            if names.get("kind") == accepted.get("kind"):
                return "KindConflict", f'"{names["kind"]}" is already in use'
            if names.get("listKind") and names.get("listKind") == accepted.get("listKind"):
                return "ListKindConflict", f'"{names["listKind"]}" is already in use'
        registry = self.cluster.api.registry
        mine = self.kinds.get(names.get("kind"))
        if names.get("kind") in registry and mine != crd["metadata"]["name"]:
            return "KindConflict", f'"{names["kind"]}" is already in use'
        return None

    # Reconcile -----------------------------------------------------------------------

    def register(self, crd: dict) -> tuple[str, str] | None:
        """Serve the CRD's kind (again, if its spec changed); None, or (reason, message) why not."""
        registry = self.cluster.api.registry
        name = crd["metadata"]["name"]
        strategy = strategy_for(crd)
        for kind, owner in list(self.kinds.items()):
            if owner == name:
                served = registry.get(kind)
                if served == strategy and all(
                    getattr(served, part) == getattr(strategy, part)
                    for part in ("schemas", "printer_columns", "scale_paths", "columns", "wide_columns")
                ):
                    return None
                registry.unregister(kind)
                del self.kinds[kind]
        try:
            registry.register(strategy)
        except ValueError:
            # A short name or category a built-in kind already has: served without it.
            free = tuple(s for s in strategy.short_names if registry.resolve(s) is None)
            try:
                registry.register(dataclasses.replace(strategy, short_names=free))
            except ValueError:
                # The registry resolves names across groups: a name another group's kind
                # already has cannot be served here (upstream would serve both).
                for field, value in (
                    ("Plural", strategy.plural),
                    ("Singular", strategy.singular),
                    ("Kind", strategy.kind),
                ):
                    if registry.resolve(value) is not None or value in registry:
                        return (
                            f"{field}Conflict",
                            f'"{value.lower() if field != "Kind" else value}" is already in use',
                        )
                return "KindConflict", f'"{strategy.kind}" is already in use'

        self.kinds[strategy.kind] = name
        return None

    def unregister(self, crd_name: str) -> None:
        for kind, owner in list(self.kinds.items()):
            if owner == crd_name:
                self.cluster.api.registry.unregister(kind)
                del self.kinds[kind]

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        crd = cluster.store.get(CRD, "", key)
        if crd is None:
            self.unregister(key)
            return Result()
        if crd["metadata"].get("deletionTimestamp"):
            return self._finalize(crd)
        now = cluster.api.now()
        new = deep_copy(crd)
        status = new.setdefault("status", {})
        conflict = self._conflict(crd)
        conflict = conflict or self.register(crd)
        names = crd["spec"]["names"]
        if conflict is None:
            accepted = {k: v for k, v in names.items() if v not in (None, "", [])}
            status["acceptedNames"] = accepted
            _condition(status, "NamesAccepted", "True", "NoConflicts", "no conflicts found", now)
            if not is_established(crd):
                _condition(
                    status,
                    "Established",
                    "True",
                    "InitialNamesAccepted",
                    "the initial names have been accepted",
                    now,
                )
        else:
            _condition(status, "NamesAccepted", "False", conflict[0], conflict[1], now)
            if not is_established(crd):
                _condition(status, "Established", "False", "NotAccepted", "not all names are accepted", now)
        storage = next((v["name"] for v in crd["spec"].get("versions") or [] if v.get("storage")), None)
        stored = status.setdefault("storedVersions", [])
        if storage and storage not in stored:
            stored.append(storage)
        if new == crd:
            return Result()
        cluster.api.commit(CRD, new, crd)
        message = (
            say(
                _("serving %(plural)s.%(group)s (%(kind)s)"),
                plural=names.get("plural"),
                group=crd["spec"]["group"],
                kind=names.get("kind"),
            )
            if conflict is None
            else say(_("names not accepted: %(reason)s"), reason=conflict[1])
        )
        return Result.of(self.record("Established" if conflict is None else "NamesNotAccepted", new, message))

    def _finalize(self, crd: dict) -> Result:
        cluster = self.cluster
        name = crd["metadata"]["name"]
        if CLEANUP_FINALIZER not in (crd["metadata"].get("finalizers") or []):
            return Result()
        kind = next((k for k, owner in self.kinds.items() if owner == name), None)
        remaining = 0
        if kind is not None:
            for obj in list(cluster.store.iter(kind)):
                remaining += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    try:
                        cluster.api.delete(kind, obj["metadata"]["name"], obj["metadata"].get("namespace"))
                    except ApiError:
                        pass
            remaining = sum(1 for _ in cluster.store.iter(kind))
        if kind is not None and not cluster.api.registry[kind].terminating:
            # No new custom resources while the old ones go (upstream's 405).
            strategy = cluster.api.registry.unregister(kind)
            cluster.api.registry.register(dataclasses.replace(strategy, terminating=True))
        now = cluster.api.now()
        new = deep_copy(crd)
        status = new.setdefault("status", {})
        if remaining:
            _condition(
                status,
                "Terminating",
                "True",
                "InstanceDeletionInProgress",
                "CustomResource deletion is in progress",
                now,
            )
            if new != crd:
                cluster.api.commit(CRD, new, crd)
            return Result.of(
                self.record(
                    "Deleting",
                    crd,
                    say(_("waiting for %(count)s %(kind)s object(s) to go"), count=remaining, kind=kind),
                ),
                requeue_after=5.0,
            )
        self.unregister(name)
        _condition(status, "Terminating", "False", "InstanceDeletionCompleted", "removed all instances", now)
        new["metadata"]["finalizers"] = [
            f for f in new["metadata"].get("finalizers") or [] if f != CLEANUP_FINALIZER
        ]
        cluster.api.commit(CRD, new, crd)
        return Result.of(
            self.record(
                "Deleted",
                crd,
                say(_("every %(kind)s object is gone: the definition goes"), kind=kind)
                if kind
                else say(_("every custom object is gone: the definition goes")),
            )
        )

    # State ---------------------------------------------------------------------------

    def load(self, data: dict) -> None:
        """After Cluster.from_dict: serve the stored CRDs' kinds again."""
        self.kinds.clear()
        for crd in sorted(
            self.cluster.store.iter(CRD, ""), key=lambda c: c["metadata"].get("creationTimestamp", "")
        ):
            accepted = (crd.get("status") or {}).get("acceptedNames") or {}
            if is_established(crd) and accepted.get("kind") and self.register(crd) is None:
                if crd["metadata"].get("deletionTimestamp"):  # still refusing new objects
                    kind = crd["spec"]["names"]["kind"]
                    strategy = self.cluster.api.registry.unregister(kind)
                    self.cluster.api.registry.register(dataclasses.replace(strategy, terminating=True))
