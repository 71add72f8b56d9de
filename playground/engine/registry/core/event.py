"""v1 Event: a line in Recent Tasks."""

from playground.engine import validation
from playground.engine.printers import human_duration
from playground.engine.registry.base import Strategy, no_defaults, register
from playground.engine.util import parse_time


def printer(obj: dict, now: float) -> list[str]:
    meta = obj["metadata"]
    last = obj.get("lastTimestamp") or obj.get("eventTime") or meta.get("creationTimestamp")
    involved = obj.get("involvedObject") or {}
    seen = human_duration(now - parse_time(last)) if last else "<unknown>"
    if obj.get("count", 1) > 1 and obj.get("firstTimestamp"):
        seen += f" (x{obj['count']} over {human_duration(now - parse_time(obj['firstTimestamp']))})"
    return [
        seen,
        obj.get("type", ""),
        obj.get("reason", ""),
        f"{involved.get('kind', '').lower()}/{involved.get('name', '')}",
        obj.get("message", ""),
    ]


register(
    Strategy(
        kind="Event",
        group="",
        version="v1",
        plural="events",
        namespaced=True,
        short_names=("ev",),
        has_status=False,
        defaulter=no_defaults,
        validator=validation.event,
        columns=("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"),
        printer=printer,
        counterpart=None,
    )
)
