"""events.k8s.io/v1 Events: the core Events the engine stores, in the v1 events API's field names.

kube-apiserver keeps one storage for both (``pkg/registry/events/rest/storage_events.go``
serves events.k8s.io from the core Event registry), converting each object on the way
out and in (``pkg/apis/events/v1/conversion.go``): ``involvedObject`` is ``regarding``,
``message`` is ``note``, ``reportingComponent`` is ``reportingController``, and the core
API's ``source``, ``firstTimestamp``, ``lastTimestamp`` and ``count`` are the
``deprecated*`` fields. Field selectors are converted the same way
(``AddFieldLabelConversionsForEvent`` there): ``regarding.*`` and ``reportingController``
are the v1 names for the core selectable fields, and the core spellings are refused.
"""

from __future__ import annotations

from playground.engine.errors import bad_request
from playground.engine.kinds import ResourceType

RESOURCE = ResourceType("Event", "events.k8s.io", "v1", "events", True, short_names=("ev",), has_status=False)

# v1 name -> core name, in the order the v1 Event type declares its fields.
_RENAMED = (
    ("reportingController", "reportingComponent"),
    ("reportingInstance", "reportingInstance"),
    ("action", "action"),
    ("reason", "reason"),
    ("regarding", "involvedObject"),
    ("related", "related"),
    ("note", "message"),
    ("type", "type"),
    ("deprecatedSource", "source"),
    ("deprecatedFirstTimestamp", "firstTimestamp"),
    ("deprecatedLastTimestamp", "lastTimestamp"),
    ("deprecatedCount", "count"),
)
# Fields the v1 type has no omitempty on: always written (a zero struct as {} or null).
_ALWAYS = {
    "regarding": {},
    "deprecatedSource": {},
    "deprecatedFirstTimestamp": None,
    "deprecatedLastTimestamp": None,
}

# pkg/apis/events/v1/conversion.go, AddFieldLabelConversionsForEvent.
_FIELD_LABELS = {
    "metadata.name": "metadata.name",
    "metadata.namespace": "metadata.namespace",
    "reason": "reason",
    "type": "type",
    "reportingController": "reportingComponent",
    **{
        f"regarding.{name}": f"involvedObject.{name}"
        for name in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    },
}


def is_v1(rt) -> bool:
    return (rt.group, rt.version, rt.kind) == (RESOURCE.group, RESOURCE.version, RESOURCE.kind)


def to_v1(core: dict) -> dict:
    """A stored core/v1 Event as events.k8s.io/v1 writes it (Convert_core_Event_To_v1_Event)."""
    out = {
        "kind": "Event",
        "apiVersion": RESOURCE.api_version,
        "metadata": core.get("metadata", {}),
        "eventTime": core.get("eventTime"),
    }
    if core.get("series"):
        out["series"] = core["series"]
    for v1_name, core_name in _RENAMED:
        value = core.get(core_name)
        if value not in (None, "", 0, {}):
            out[v1_name] = value
        elif v1_name in _ALWAYS:
            out[v1_name] = _ALWAYS[v1_name]
    return out


def to_core(v1: dict) -> dict:
    """An events.k8s.io/v1 Event sent by a client, as the core Event the engine stores."""
    core = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": v1.get("metadata") or {},
        "involvedObject": v1.get("regarding") or {},
    }
    for v1_name, core_name in _RENAMED:
        if v1_name != "regarding" and v1.get(v1_name) not in (None, ""):
            core[core_name] = v1[v1_name]
    for name in ("eventTime", "series"):
        if v1.get(name) is not None:
            core[name] = v1[name]
    return core


def field_selector(text: str | None) -> str | None:
    """An events.k8s.io/v1 field selector in the core Event's field names (a 400 for a
    field the v1 API does not know, as the field label conversion refuses it)."""
    if not text:
        return text
    parts = []
    for part in text.split(","):
        if not part.strip():
            continue
        for op in ("!=", "==", "="):
            if op in part:
                label, value = part.split(op, 1)
                break
        else:
            return text  # not a requirement: the core parser reports it
        mapped = _FIELD_LABELS.get(label.strip())
        if mapped is None:
            raise bad_request(f"field label not supported: {label.strip()}")
        parts.append(f"{mapped}{op}{value}")
    return ",".join(parts)
