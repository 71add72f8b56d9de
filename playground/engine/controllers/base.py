from __future__ import annotations

from playground.engine.util import controller_of


class Controller:
    name = ""
    component = "kube-controller-manager"
    event_source = ""

    def __init__(self, cluster):
        self.cluster = cluster

    def on_event(self, etype: str, kind: str, old: dict | None, new: dict | None) -> None:
        return None

    def reconcile(self, key: str) -> dict | None:
        return None

    def watch_owned(self, kind: str, old, new, own_kind: str, child_kind: str) -> bool:
        """Sync an object when its spec changes (not on our own status writes) and its
        controlling owner when one of its children changes. True when `kind` was one of them."""
        obj = new or old
        if kind == own_kind:
            if new is not None and (old is None or old.get("spec") != new.get("spec")):
                self.cluster.enqueue(self.name, f"{obj['metadata']['namespace']}/{obj['metadata']['name']}")
            return True
        if kind == child_kind:
            ref = controller_of(obj)
            if ref and ref.get("kind") == own_kind:
                self.cluster.enqueue(self.name, f"{obj['metadata']['namespace']}/{ref['name']}")
            return True
        return False

    def record(self, action: str, obj: dict, message: str) -> dict:
        meta = obj["metadata"]
        return {
            "component": f"{self.component} ({self.name})",
            "action": action,
            "kind": obj.get("kind"),
            "namespace": meta.get("namespace", ""),
            "name": meta["name"],
            "message": message,
        }

    def to_dict(self) -> dict:
        return {}

    def load(self, data: dict) -> None:
        return None
