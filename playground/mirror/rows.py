"""From an object (or a whole list page) to the database row the mirror keeps. Pure
Python, so a list page can be decoded in a worker process on another core while this
process writes the previous page: parsing JSON is half of a large cluster's first sync."""

from __future__ import annotations

import orjson

from playground.engine.resources import pod_resources
from playground.engine.util import controller_of

COLUMNS = (
    "cluster_id",
    "resource",
    "kind",
    "api_version",
    "namespace",
    "name",
    "uid",
    "resource_version",
    "node",
    "related_uid",
    "cpu_m",
    "memory_b",
    "changed",
    "data",
)
KEY = ("cluster_id", "resource", "namespace", "name")


def strip(obj: dict) -> dict:
    """What a person reads: without managedFields, which only tools need."""
    meta = obj.get("metadata")
    if meta and "managedFields" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
    return obj


def values(cluster_id: int, key: str, kind: str, api_version: str, obj: dict, now: float) -> tuple:
    """The values of COLUMNS for one object of the resource `key`."""
    obj = strip(obj)
    meta = obj.get("metadata") or {}
    kind = obj.get("kind") or kind
    node, cpu, memory = "", 0, 0
    if kind == "Pod":
        node = (obj.get("spec") or {}).get("nodeName") or ""
        if (obj.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
            try:
                requests = pod_resources(obj, "requests")
                cpu, memory = requests.get("cpu", 0), requests.get("memory", 0)
            except (ValueError, TypeError, ArithmeticError):
                cpu = memory = 0
    if kind == "Event":
        related = (obj.get("involvedObject") or obj.get("regarding") or {}).get("uid", "")
    else:
        related = (controller_of(obj) or {}).get("uid", "")
    return (
        cluster_id,
        key,
        kind,
        obj.get("apiVersion") or api_version,
        meta.get("namespace", ""),
        meta.get("name", ""),
        meta.get("uid", ""),
        meta.get("resourceVersion", ""),
        node,
        related or "",
        int(cpu),
        int(memory),
        now,
        orjson.dumps(obj).decode(),
    )


def decode_page(raw: bytes, cluster_id: int, key: str, kind: str, api_version: str, now: float):
    """A list response: (its metadata, the (namespace, name) keys, the rows)."""
    page = orjson.loads(raw)
    items = page.get("items") or []
    for item in items:  # list items carry neither; the stored object should
        item.setdefault("kind", kind)
        item.setdefault("apiVersion", api_version)
    rows = [values(cluster_id, key, kind, api_version, item, now) for item in items]
    return page.get("metadata") or {}, [(r[4], r[5]) for r in rows], rows
