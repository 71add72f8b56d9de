"""Server-side apply's field ownership, as upstream's field manager keeps it
(k8s.io/apimachinery/pkg/util/managedfields and sigs.k8s.io/structured-merge-diff).

Every write records who set what in `metadata.managedFields`, in upstream's FieldsV1 form
(`f:spec`, `k:{"name":"web"}`, `v:"x"`): an Apply entry holds exactly the fields its
manager's last applied configuration set; an Update entry (create, replace, patch) the
fields that manager's writes added or changed, which other managers then lose. A field
an apply would change while another manager owns it is a conflict (409, upstream's
message) unless the apply is forced, which moves the field to the applier. A field the
applier set before and leaves out now is removed (unless another manager owns it).
List handling follows the schema's `x-kubernetes-list-type`: `map` lists are keyed by
their `x-kubernetes-list-map-keys`, `set` lists by value, and the rest are atomic.
Not modelled: ownership through the status and scale subresources, and the cap of ten
Update entries.
"""

from __future__ import annotations

import json

from playground.engine.errors import ApiError
from playground.engine.patch import _property, resolve_schema, strategic_merge_patch
from playground.engine.util import deep_copy

IGNORED = {("f:apiVersion",), ("f:kind",), ("f:metadata", "f:name"), ("f:metadata", "f:namespace")}
# What no manager owns: server-set metadata, the ownership itself, and status (reset on
# every write to the main resource: the strategies' GetResetFields).
SERVER_SET = {
    ("f:metadata", f"f:{name}")
    for name in (
        "managedFields",
        "resourceVersion",
        "uid",
        "creationTimestamp",
        "generation",
        "selfLink",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    )
} | {("f:status",)}
FIELD_MANAGER_MAX_LENGTH = 128  # validation.FieldManagerMaxLength


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


def manager_from_user_agent(user_agent: str) -> str:
    """The field manager of a write that names none: the user agent up to its first "/"
    ("kubectl/v1.37.1 (linux/amd64) …" → "kubectl"), printable characters only, at most
    128 bytes (k8s.io/apiserver/pkg/endpoints/handlers/rest.go prefixFromUserAgent)."""
    out, size = [], 0
    for char in user_agent.split("/", 1)[0]:
        if not char.isprintable():
            continue
        size += len(char.encode())
        if size > FIELD_MANAGER_MAX_LENGTH:
            break
        out.append(char)
    return "".join(out)


def leaves(obj: dict, schema) -> dict[tuple[str, ...], object]:
    """Every leaf field of an object (scalars, atomic lists and maps, empty ones) and its
    value, keyed by its FieldsV1 path; what no manager owns is left out."""
    found: dict[tuple[str, ...], object] = {}

    def walk(value: dict, node, prefix: tuple[str, ...]):
        for key, child in value.items():
            here = (*prefix, f"f:{key}")
            if here in IGNORED or here in SERVER_SET:
                continue
            child_schema = _property(node, key) if node is not None else None
            if isinstance(child, dict) and child:
                walk(child, child_schema, here)
            elif isinstance(child, list) and child:
                list_type, keys = _list_type(resolve_schema(child_schema) if child_schema else None)
                items_schema = (child_schema or {}).get("items") if isinstance(child_schema, dict) else None
                if list_type == "map" and keys and all(isinstance(item, dict) for item in child):
                    for item in child:
                        walk(item, items_schema, (*here, _key(item, keys)))
                elif list_type == "set":
                    for item in child:
                        found[(*here, "v:" + json.dumps(item, separators=(",", ":")))] = item
                else:
                    found[here] = child
            else:
                found[here] = child

    if isinstance(obj, dict):
        walk(obj, schema, ())
    return found


def _related(path: tuple[str, ...], paths: set[tuple[str, ...]]) -> bool:
    """The path, something inside it or something it is inside of is in paths."""
    return any(path[: len(other)] == other or other[: len(path)] == path for other in paths)


def _owned(entry: dict) -> set[tuple[str, ...]]:
    """An entry's fields as leaves (the deepest paths of its FieldsV1 tree)."""
    every = from_fields_v1(entry.get("fieldsV1") or {})
    return {p for p in every if not any(len(o) > len(p) and o[: len(p)] == p for o in every)}


def _compare(old: dict | None, new: dict, schema) -> tuple[set, set]:
    """(leaves added or changed, leaves removed) from old to new."""
    before = leaves(old, schema) if old else {}
    after = leaves(new, schema)
    changed = {p for p, v in after.items() if p not in before or before[p] != v}
    return changed, set(before) - set(after)


def _entry(
    manager: str, operation: str, api_version: str, now: str, owned: set, subresource: str = ""
) -> dict:
    entry = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": now}
    entry["fieldsType"] = "FieldsV1"
    entry["fieldsV1"] = to_fields_v1(owned)
    if subresource:
        entry["subresource"] = subresource
    return entry


def _sorted(entries: list[dict]) -> list[dict]:
    """Upstream's order (managedfields.go sortEncodedManagedFields): Apply before Update,
    then by time, manager, apiVersion and subresource."""
    return sorted(
        entries,
        key=lambda e: (
            e.get("operation", ""),
            e.get("time") or "",
            e.get("manager", ""),
            e.get("apiVersion", ""),
            e.get("subresource", ""),
        ),
    )


def update(
    entries: list[dict], old: dict | None, new: dict, manager: str, schema, now: str, api_version: str
) -> list[dict]:
    """The managedFields after `manager` creates (old None) or updates an object to `new`
    (structured-merge-diff's Updater.Update): it owns what it added or changed, which the
    other managers lose; what it removed nobody owns; an entry left owning nothing goes."""
    changed, removed = _compare(old, new, schema)
    out: list[dict] = []
    mine: set = set()
    mine_time = now
    for entry in entries:
        owned = _owned(entry)
        if (
            entry.get("manager") == manager
            and entry.get("operation") == "Update"
            and not entry.get("subresource")
        ):
            mine = owned
            mine_time = entry.get("time") or now
            continue
        kept = {p for p in owned if not _related(p, changed | removed)}
        if kept == owned:
            out.append(entry)
        elif kept:
            out.append({**entry, "fieldsV1": to_fields_v1(kept)})
    mine = {p for p in mine if not _related(p, changed | removed)} | changed
    if mine:
        out.append(_entry(manager, "Update", api_version, now if changed else mine_time, mine))
    return _sorted(out)


def path_string(path: tuple[str, ...]) -> str:
    """A field path as structured-merge-diff prints it (fieldpath.Path.String):
    .spec.replicas, .spec.containers[name="web"].image, .metadata.finalizers[="x"]."""
    out = ""
    for segment in path:
        if segment.startswith("f:"):
            out += "." + segment[2:]
        elif segment.startswith("k:"):
            keys = json.loads(segment[2:])
            out += (
                "["
                + ",".join(f"{k}={json.dumps(v, separators=(',', ':'))}" for k, v in sorted(keys.items()))
                + "]"
            )
        elif segment.startswith("v:"):
            out += "[=" + segment[2:] + "]"
    return out


def _manager_text(entry: dict) -> str:
    """How a conflict names a manager (internal/conflict.go printManager)."""
    text = json.dumps(entry.get("manager", ""))
    if entry.get("subresource"):
        text += f" with subresource {json.dumps(entry['subresource'])}"
    if entry.get("operation") == "Update":
        text += f" using {entry.get('apiVersion', '')}"
    return text


def conflict_error(conflicts: list[tuple[dict, tuple[str, ...]]]) -> ApiError:
    """409 Conflict as internal/conflict.go NewConflictError writes it. Upstream lists the
    causes in map order (random); here in the message's order, managers sorted."""
    conflicts = sorted(
        conflicts,
        key=lambda c: (c[0].get("manager", ""), c[0].get("operation", ""), c[0].get("apiVersion", "")),
    )
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f"conflict with {_manager_text(e)}",
            "field": path_string(p),
        }
        for e, p in conflicts
    ]
    if len(conflicts) == 1:
        entry, path = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {_manager_text(entry)}: {path_string(path)}"
    else:
        # Grouped by manager, the managers in the order of their identifiers (manager,
        # operation, apiVersion: BuildManagerIdentifier's JSON), paths as found.
        groups: dict[str, list[str]] = {}
        order: dict[str, tuple] = {}
        for entry, path in conflicts:
            text = _manager_text(entry)
            groups.setdefault(text, []).append(f"- {path_string(path)}")
            order[text] = (entry.get("manager", ""), entry.get("operation", ""), entry.get("apiVersion", ""))
        lines = []
        for text in sorted(groups, key=order.__getitem__):
            lines += [f"conflicts with {text}:", *groups[text]]
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return ApiError(409, "Conflict", message, {"causes": causes})


def apply(
    live: dict, config: dict, manager: str, schema, now: str, api_version: str, force: bool = False
) -> dict:
    """The object after `manager` applies `config` to `live` (structured-merge-diff's
    Updater.Apply): a conflict with another manager's field raises 409 unless forced."""
    applied = paths(config, schema)
    entries = list((live.get("metadata") or {}).get("managedFields") or [])
    mine = next((e for e in entries if e.get("manager") == manager and e.get("operation") == "Apply"), None)
    others_entries = [e for e in entries if e is not mine]
    others: set[tuple[str, ...]] = set()
    for entry in others_entries:
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
    changed, gone = _compare(live, merged, schema)
    conflicts = []
    for entry in others_entries:
        conflicts += [(entry, p) for p in sorted(_owned(entry)) if _related(p, changed)]
    if conflicts and not force:
        raise conflict_error(conflicts)
    taken = {p for _e, p in conflicts}
    kept_entries = []
    for entry in others_entries:
        owned = _owned(entry)
        kept = {p for p in owned if p not in taken and not _related(p, gone)}
        if kept == owned:
            kept_entries.append(entry)
        elif kept:
            kept_entries.append({**entry, "fieldsV1": to_fields_v1(kept)})
    merged["metadata"]["managedFields"] = _sorted([*kept_entries, record(applied, manager, now, api_version)])
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
