"""The event recorder: real Event objects, aggregated like client-go's recorder.

A repeat of the same (object, reason, message, source) within ten minutes bumps
``count`` and ``lastTimestamp`` instead of creating a new Event, which is what
``kubectl describe`` shows as ``(x4 over 2m)``.
"""

from __future__ import annotations

from playground.engine.util import rfc3339

AGGREGATION_WINDOW = 600
EVENT_TTL = 3600


class Recorder:
    def __init__(self, cluster):
        self.cluster = cluster
        # (uid, reason, message, component) -> (namespace, event name)
        self.recent: dict[tuple, tuple[str, str]] = {}

    def record(
        self, obj: dict, etype: str, reason: str, message: str, component: str, host: str | None = None
    ) -> dict | None:
        cluster = self.cluster
        if not cluster.record_events:
            return None
        meta = obj["metadata"]
        namespace = meta.get("namespace") or "default"
        if cluster.store.get("Namespace", "", namespace) is None:
            return None
        now = rfc3339(cluster.clock)
        key = (meta.get("uid"), reason, message, component, host)
        existing = self.recent.get(key)
        if existing is not None:
            current = cluster.store.get("Event", *existing)
            if (
                current is not None
                and cluster.clock - cluster.parse_time(current["lastTimestamp"]) < AGGREGATION_WINDOW
            ):
                updated = {**current, "count": current.get("count", 1) + 1, "lastTimestamp": now}
                return cluster.api.commit("Event", updated, current)
        name = f"{meta['name']}.{cluster.rng.hex(16)}"
        involved = {
            "kind": obj.get("kind"),
            "namespace": meta.get("namespace"),
            "name": meta["name"],
            "uid": meta.get("uid"),
            "apiVersion": obj.get("apiVersion"),
            "resourceVersion": meta.get("resourceVersion"),
        }
        if not meta.get("namespace"):
            involved.pop("namespace")
        source = {"component": component}
        if host:
            source["host"] = host
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": name,
                "namespace": namespace,
                "uid": cluster.rng.uid(),
                "creationTimestamp": now,
                "resourceVersion": str(cluster.store.next_revision()),
            },
            "involvedObject": {k: v for k, v in involved.items() if v is not None},
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "eventTime": None,
            "count": 1,
            "type": etype,
            "reportingComponent": component,
            "reportingInstance": host or "",
        }
        self.recent[key] = (namespace, name)
        return cluster.store.put("Event", event, "ADDED")

    def expire(self) -> None:
        """Drop events past their TTL (kube-apiserver's --event-ttl, one hour)."""
        cluster = self.cluster
        horizon = cluster.clock - EVENT_TTL
        for event in list(cluster.store.iter("Event")):
            if cluster.parse_time(event["lastTimestamp"]) < horizon:
                cluster.store.remove("Event", event)
        self.recent = {k: v for k, v in self.recent.items() if cluster.store.get("Event", *v) is not None}

    def rebuild(self) -> None:
        """The aggregation index, derived from the Events in the store (not saved)."""
        self.recent = {}
        for event in self.cluster.store.iter("Event"):
            involved = event.get("involvedObject") or {}
            source = event.get("source") or {}
            key = (
                involved.get("uid"),
                event.get("reason"),
                event.get("message"),
                source.get("component"),
                source.get("host"),
            )
            self.recent[key] = (event["metadata"]["namespace"], event["metadata"]["name"])
