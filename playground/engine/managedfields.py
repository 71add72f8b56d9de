"""Server-side apply's field ownership, enough for its central promise: a field the
manager applied before and leaves out now is removed.

Each Apply manager's fields are kept in `metadata.managedFields` in upstream's FieldsV1
form (`f:spec`, `k:{"name":"web"}`, `v:"x"`). List handling follows the schema's
`x-kubernetes-list-type`: `map` lists are keyed by their `x-kubernetes-list-map-keys`,
`set` lists by value, and the rest are atomic. Not modelled: conflicts with other
managers (upstream answers 409 without `force`), and ownership by non-apply writes.
"""

from __future__ import annotations

import json

from playground.engine.patch import _property, resolve_schema, strategic_merge_patch
from playground.engine.util import deep_copy

IGNORED = {("f:apiVersion",), ("f:kind",), ("f:metadata", "f:name"), ("f:metadata", "f:namespace")}


def _list_type(field_schema) -> tuple[str, list[str]]:
    if not isinstance(field_schema, dict):
        return "atomic", []
    kind = field_schema.get("x-kubernetes-list-type") or "atomic"
    return kind, list(field_schema.get("x-kubernetes-list-map-keys") or [])


def _key(item: dict, keys: list[str]) -> str:
    return "k:" + json.dumps({k: item[k] for k in keys if k in item}, separators=(",", ":"), sort_keys=True)


def paths(obj: dict, schema) -> set[tuple[str, ...]]:
    """Every field path an applied configuration sets, in FieldsV1 segments."""
    found: set[tuple[str, ...]] = set()

    def walk(value, node, prefix: tuple[str, ...]):
        if not isinstance(value, dict):
            return
        for key, child in value.items():
            here = (*prefix, f"f:{key}")
            if here in IGNORED:
                continue
            found.add(here)
            child_schema = _property(node, key) if node is not None else None
            if isinstance(child, dict):
                walk(child, child_schema, here)
            elif isinstance(child, list):
                list_type, keys = _list_type(resolve_schema(child_schema) if child_schema else None)
                items_schema = (child_schema or {}).get("items") if isinstance(child_schema, dict) else None
                for item in child:
                    if list_type == "map" and isinstance(item, dict) and keys:
                        element = (*here, _key(item, keys))
                        found.add(element)
                        walk(item, items_schema, element)
                    elif list_type == "set":
                        found.add((*here, "v:" + json.dumps(item, separators=(",", ":"))))

    walk(obj, schema, ())
    if obj.get("metadata"):
        found.discard(("f:metadata",))
    return found


def to_fields_v1(found: set[tuple[str, ...]]) -> dict:
    tree: dict = {}
    for path in sorted(found):
        node = tree
        for segment in path:
            node = node.setdefault(segment, {})
        has_children = any(len(other) > len(path) and other[: len(path)] == path for other in found)
        if has_children and path[-1].startswith("k:"):
            node.setdefault(".", {})  # the element itself, as upstream marks it
    return tree


def from_fields_v1(tree: dict, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for segment, children in (tree or {}).items():
        if segment == ".":
            continue
        here = (*prefix, segment)
        found.add(here)
        found |= from_fields_v1(children, here)
    return found


def _matches(item, segment: str) -> bool:
    if segment.startswith("k:"):
        wanted = json.loads(segment[2:])
        return isinstance(item, dict) and all(item.get(k) == v for k, v in wanted.items())
    return item == json.loads(segment[2:])


def _remove(obj, path: tuple[str, ...]) -> None:
    node = obj
    for depth, segment in enumerate(path):
        last = depth == len(path) - 1
        if segment.startswith("f:") and isinstance(node, dict):
            key = segment[2:]
            if key not in node:
                return
            if last:
                del node[key]
                return
            node = node[key]
        elif isinstance(node, list):
            index = next((i for i, item in enumerate(node) if _matches(item, segment)), None)
            if index is None:
                return
            if last:
                del node[index]
                return
            node = node[index]
        else:
            return


def apply(live: dict, config: dict, manager: str, schema, now: str, api_version: str) -> dict:
    """The object after `manager` applies `config` to `live`."""
    applied = paths(config, schema)
    entries = list((live.get("metadata") or {}).get("managedFields") or [])
    mine = next((e for e in entries if e.get("manager") == manager and e.get("operation") == "Apply"), None)
    others: set[tuple[str, ...]] = set()
    for entry in entries:
        if entry is not mine and entry.get("operation") == "Apply":
            others |= from_fields_v1(entry.get("fieldsV1") or {})
    result = deep_copy(live)
    if mine is not None:
        dropped = from_fields_v1(mine.get("fieldsV1") or {}) - applied - others
        # Shallowest first, and nothing inside what is already gone: an element is found
        # by its key fields, which removing its children first would erase.
        removed: list[tuple[str, ...]] = []
        for path in sorted(dropped, key=len):
            if not any(path[: len(gone)] == gone for gone in removed):
                _remove(result, path)
                removed.append(path)
    patch = {k: v for k, v in deep_copy(config).items() if k not in ("apiVersion", "kind")}
    patch.setdefault("metadata", {}).pop("managedFields", None)
    merged = strategic_merge_patch(result, patch, schema)
    entry = record(applied, manager, now, api_version)
    merged["metadata"]["managedFields"] = [e for e in entries if e is not mine] + [entry]
    return merged


def record(applied: set[tuple[str, ...]], manager: str, now: str, api_version: str) -> dict:
    return {
        "manager": manager,
        "operation": "Apply",
        "apiVersion": api_version,
        "time": now,
        "fieldsType": "FieldsV1",
        "fieldsV1": to_fields_v1(applied),
    }
