"""The event recorder: real Event objects, aggregated like client-go's recorder.

A repeat of the same (object, reason, message, source) within ten minutes bumps
``count`` and ``lastTimestamp`` instead of creating a new Event, which is what
``kubectl describe`` shows as ``(x4 over 2m)``.

Events are the most numerous objects of a big cluster (four or five per pod), so the
store keeps each one the recorder makes in a compact form (:class:`CompactEvent`, a
slotted record of the fields that vary) and builds the full object when it is read:
:func:`pack` accepts only an Event of exactly the recorder's shape (same keys in the
same order), so :func:`unpack` gives back an equal dict with the same key order, and
anything else (an Event created through the API with other fields) is stored as is.
"""

from __future__ import annotations

from playground.engine.backref import ClusterRef
from playground.engine.util import parse_time, rfc3339

AGGREGATION_WINDOW = 600
EVENT_TTL = 3600

_TOP = (
    "apiVersion",
    "kind",
    "metadata",
    "involvedObject",
    "reason",
    "message",
    "source",
    "firstTimestamp",
    "lastTimestamp",
    "eventTime",
    "count",
    "type",
    "reportingComponent",
    "reportingInstance",
)
_META = ("name", "namespace", "uid", "creationTimestamp", "resourceVersion")
_INVOLVED = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion")
_SOURCE = ("component",)
_SOURCE_HOST = ("component", "host")


class CompactEvent:
    """An Event of the recorder's shape, as the store keeps it (see the module doc).

    Immutable by convention, like every stored object; None marks an absent
    involvedObject field or source host (the recorder never stores None there)."""

    __slots__ = (
        "name",
        "namespace",
        "uid",
        "created",
        "rv",
        "inv_kind",
        "inv_namespace",
        "inv_name",
        "inv_uid",
        "inv_api",
        "inv_rv",
        "reason",
        "message",
        "component",
        "host",
        "first",
        "last",
        "count",
        "type",
    )

    def unpack(self) -> dict:
        involved = {}
        if self.inv_kind is not None:
            involved["kind"] = self.inv_kind
        if self.inv_namespace is not None:
            involved["namespace"] = self.inv_namespace
        if self.inv_name is not None:
            involved["name"] = self.inv_name
        if self.inv_uid is not None:
            involved["uid"] = self.inv_uid
        if self.inv_api is not None:
            involved["apiVersion"] = self.inv_api
        if self.inv_rv is not None:
            involved["resourceVersion"] = self.inv_rv
        host = self.host
        source = (
            {"component": self.component} if host is None else {"component": self.component, "host": host}
        )
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "uid": self.uid,
                "creationTimestamp": self.created,
                "resourceVersion": self.rv,
            },
            "involvedObject": involved,
            "reason": self.reason,
            "message": self.message,
            "source": source,
            "firstTimestamp": self.first,
            "lastTimestamp": self.last,
            "eventTime": None,
            "count": self.count,
            "type": self.type,
            "reportingComponent": self.component,
            "reportingInstance": "" if host is None else host,
        }


def pack(event: dict) -> CompactEvent | None:
    """The compact form of an Event of exactly the recorder's shape, else None."""
    if (
        tuple(event) != _TOP
        or event["apiVersion"] != "v1"
        or event["kind"] != "Event"
        or event["eventTime"] is not None
    ):
        return None
    meta, involved, source = event["metadata"], event["involvedObject"], event["source"]
    if type(meta) is not dict or type(involved) is not dict or type(source) is not dict:
        return None
    if tuple(meta) != _META:
        return None
    keys = tuple(source)
    if keys == _SOURCE:
        host = None
        if event["reportingInstance"] != "":
            return None
    elif keys == _SOURCE_HOST:
        host = source["host"]
        instance = event["reportingInstance"]
        if host is None or instance != host or type(instance) is not type(host):
            return None
    else:
        return None
    component = source["component"]
    if event["reportingComponent"] != component or type(event["reportingComponent"]) is not type(component):
        return None
    if None in involved.values() or tuple(involved) != tuple(k for k in _INVOLVED if k in involved):
        return None
    packed = CompactEvent()
    packed.name = meta["name"]
    packed.namespace = meta["namespace"]
    packed.uid = meta["uid"]
    packed.created = meta["creationTimestamp"]
    packed.rv = meta["resourceVersion"]
    get = involved.get
    packed.inv_kind = get("kind")
    packed.inv_namespace = get("namespace")
    packed.inv_name = get("name")
    packed.inv_uid = get("uid")
    packed.inv_api = get("apiVersion")
    packed.inv_rv = get("resourceVersion")
    packed.reason = event["reason"]
    packed.message = event["message"]
    packed.component = component
    packed.host = host
    packed.first = event["firstTimestamp"]
    packed.last = event["lastTimestamp"]
    packed.count = event["count"]
    packed.type = event["type"]
    return packed


def event_time(event: dict) -> float | None:
    """When an Event last happened: lastTimestamp, else eventTime (events.k8s.io's series),
    else its creation; None when none of them reads as a time."""
    for field in ("lastTimestamp", "eventTime"):
        value = event.get(field)
        if isinstance(value, str) and value:
            try:
                return parse_time(value)
            except ValueError:
                continue
    created = (event.get("metadata") or {}).get("creationTimestamp")
    try:
        return parse_time(created) if isinstance(created, str) else None
    except ValueError:
        return None


def _age_key(event: dict) -> tuple[float, int]:
    when = event_time(event)
    rv = (event.get("metadata") or {}).get("resourceVersion") or "0"
    return (float("-inf") if when is None else when, int(rv) if rv.isdigit() else 0)


class Recorder:
    cluster = ClusterRef()  # weak: see playground/engine/backref.py

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
            last = None if current is None else event_time(current)
            if current is not None and last is not None and cluster.clock - last < AGGREGATION_WINDOW:
                updated = {**current, "count": current.get("count", 1) + 1, "lastTimestamp": now}
                return cluster.api.commit("Event", updated, current)
        cap = cluster.limits.max_events
        if cap is not None and cluster.store.count("Event") >= cap:
            self._make_room(cap)
        # record.makeEvent names it after the object and the time, "%v.%x" of UnixNano: the
        # API lists an object's events in the order they happened. (One instant of the
        # simulated clock can see several: each takes the next nanosecond.)
        nanos = int(round(cluster.clock * 1e9))
        while cluster.store.get("Event", namespace, name := f"{meta['name']}.{nanos:x}") is not None:
            nanos += 1
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

    def _make_room(self, cap: int) -> None:
        """At the events cap, the oldest tenth goes (at least one), so a controller's event is
        never refused and the sweep is paid once per many events, not on each."""
        store = self.cluster.store
        excess = store.count("Event") - cap + 1
        drop = max(excess, cap // 10, 1)
        oldest = sorted(store.iter("Event"), key=_age_key)[:drop]
        for event in oldest:
            store.remove("Event", event)

    def expire(self) -> None:
        """Drop events past their TTL (kube-apiserver's --event-ttl, one hour)."""
        cluster = self.cluster
        horizon = cluster.clock - EVENT_TTL
        for event in list(cluster.store.iter("Event")):
            # An Event written through the API may lack any timestamp: it then ages from
            # its creation, and one with no readable time at all goes.
            when = event_time(event)
            if when is None or when < horizon:
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
