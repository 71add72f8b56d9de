"""The resource quota controller: status.hard and status.used, as `kubectl describe quota` shows."""

from __future__ import annotations

from fractions import Fraction

from playground.engine import quantity
from playground.engine.admission import COUNT_NAMES, namespace_usage
from playground.engine.controllers.base import Controller, Result
from playground.engine.text import _, say
from playground.engine.util import object_key, split_key

_TRACKED_KINDS = set(COUNT_NAMES)


def format_usage(name: str, value: Fraction, hard: str) -> str:
    if name.endswith("cpu") or name == "cpu":
        return quantity.format(value)
    binary = quantity.is_binary(hard) or (
        value.denominator == 1 and value.numerator % 1024 == 0 and value != 0
    )
    return quantity.format(value, binary=binary)


class ResourceQuotaController(Controller):
    name = "resourcequota"
    event_source = "resourcequota-controller"
    watches = ("ResourceQuota", *sorted(_TRACKED_KINDS))

    def on_event(self, etype, kind, old, new):
        obj = new or old
        ns = obj["metadata"].get("namespace")
        if not ns:
            return
        if kind == "ResourceQuota" and new is not None:
            self.enqueue(object_key(ns, obj["metadata"]["name"]))
        elif kind in _TRACKED_KINDS:
            for quota in self.cluster.store.iter("ResourceQuota", ns):
                self.enqueue(object_key(ns, quota["metadata"]["name"]))

    def reconcile(self, key: str) -> Result:
        ns, name = split_key(key)
        quota = self.cluster.store.get("ResourceQuota", ns, name)
        if quota is None:
            return Result()
        hard = (quota.get("spec") or {}).get("hard") or {}
        used = namespace_usage(self.cluster.store, ns, set(hard))
        status = {
            "hard": dict(hard),
            "used": {k: format_usage(k, used.get(k, Fraction(0)), hard[k]) for k in hard},
        }
        if status == quota.get("status"):
            return Result()
        self.cluster.api.commit("ResourceQuota", {**quota, "status": status}, quota)
        summary = ", ".join(f"{k} {status['used'][k]}/{hard[k]}" for k in sorted(hard))
        return Result.of(
            self.record(
                "Sync",
                quota,
                say(
                    _("ResourceQuota %(name)s in %(namespace)s: %(used)s"),
                    name=name,
                    namespace=ns,
                    used=summary,
                ),
            )
        )
