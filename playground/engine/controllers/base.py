from __future__ import annotations


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
