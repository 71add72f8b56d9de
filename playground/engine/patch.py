"""The three patch formats kubectl and clients send: JSON merge (RFC 7386), JSON patch
(RFC 6902) and strategic merge patch with its directives.
"""

from __future__ import annotations

from playground.engine.errors import ApiError, bad_request
from playground.engine.manifests import MAX_DEPTH, depth
from playground.engine.util import deep_copy

# patchMergeKey per list field name, as declared in the upstream API types. Lists not
# named here are replaced whole by a strategic merge patch (as for atomic lists).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "envFrom": None,
    "ports": "containerPort",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "finalizers": "$primitive",
    "args": None,
    "command": None,
}


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return deep_copy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path) -> list[str]:
    if not isinstance(path, str):
        raise bad_request(f"json: cannot unmarshal {type(path).__name__} into Go value of type string")
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(
            f"the server rejected our request due to an error in our request: invalid JSON pointer {path!r}"
        )
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _container(doc, parts: list[str], path: str):
    node = doc
    for part in parts[:-1]:
        if isinstance(node, dict):
            if part not in node:
                raise _unprocessable(f"jsonpatch: doc is missing path: {path}")
            node = node[part]
        elif isinstance(node, list):
            index = _index(part)
            if index is None or index >= len(node):
                raise _unprocessable(f"jsonpatch: doc is missing path: {path}")
            node = node[index]
        else:
            raise _unprocessable(f"jsonpatch: doc is missing path: {path}")
    return node


def _unprocessable(message: str) -> ApiError:
    return ApiError(422, "Invalid", message)


def _index(part: str) -> int | None:
    """An array index in a JSON pointer: ASCII digits only (str.isdigit also takes '²')."""
    if part.isascii() and part.isdigit() and len(part) < 20:
        return int(part)
    return None


def _root(kind: str, where: str = "doc is missing path") -> ApiError:
    """evanphx/json-patch (as kube-apiserver uses it) finds no container for the root pointer "":
    an operation on the whole document is refused, never a document replaced by a string."""
    quoted = '""' if kind in ("add", "remove") else ""
    return _unprocessable(f"{kind} operation does not apply: {where}: {quoted}: missing value")


def json_patch(doc, operations) -> dict:
    if not isinstance(operations, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = deep_copy(doc)
    for op in operations:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request("the server rejected our request due to an error in our request")
        kind, path = op["op"], op["path"]
        parts = _pointer(path)
        if kind in ("add", "remove", "replace") and not parts:
            raise _root(kind)
        if kind == "test" and not parts:
            raise _root(kind, "is missing path")
        if kind == "test":
            if _get(doc, parts, path) != op.get("value"):
                raise _unprocessable(f"testing value {path} failed: test failed")
            continue
        if kind in ("move", "copy"):
            source = _pointer(op.get("from"))
            if not source:
                raise _root(kind, "doc is missing from path")
            if not parts:
                raise _root(kind, "doc is missing destination path")
            value = deep_copy(_get(doc, source, op["from"]))
            if kind == "move":
                doc = _remove(doc, _pointer(op["from"]), op["from"])
            doc = _add(doc, parts, value, path)
            continue
        if kind == "add":
            doc = _add(doc, parts, deep_copy(op.get("value")), path)
        elif kind == "remove":
            doc = _remove(doc, parts, path)
        elif kind == "replace":
            _get(doc, parts, path)
            doc = _remove(doc, parts, path)
            doc = _add(doc, parts, deep_copy(op.get("value")), path)
        else:
            raise bad_request(f"Unexpected kind: {kind}")
    if depth(doc) > MAX_DEPTH:  # each operation may add a level
        raise _unprocessable(f"the patched object exceeded max depth of {MAX_DEPTH}")
    return doc


def _get(doc, parts, path):
    node = doc
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and _index(part) is not None and _index(part) < len(node):
            node = node[_index(part)]
        else:
            raise _unprocessable(f"jsonpatch: doc is missing path: {path}")
    return node


def _add(doc, parts, value, path):
    if not parts:
        return value
    parent = _container(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        else:
            try:
                index = int(last)
            except ValueError:
                raise _unprocessable(f"jsonpatch: doc is missing path: {path}") from None
            if index > len(parent):
                raise _unprocessable(f"jsonpatch: add operation does not apply: doc is missing path: {path}")
            parent.insert(index, value)
    else:
        raise _unprocessable(f"jsonpatch: doc is missing path: {path}")
    return doc


def _remove(doc, parts, path):
    parent = _container(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        del parent[last]
    elif isinstance(parent, list) and _index(last) is not None and _index(last) < len(parent):
        del parent[_index(last)]
    else:
        raise _unprocessable(f"jsonpatch: doc is missing path: {path}")
    return doc


def resolve_schema(node):
    """The schema node itself: a $ref followed to its definition, a lone allOf unwrapped."""
    from playground.engine import schema as schemas

    while isinstance(node, dict) and "$ref" in node:
        node = schemas.definitions().get(node["$ref"].rsplit("/", 1)[-1])
    if isinstance(node, dict) and "allOf" in node and len(node["allOf"]) == 1:
        node = resolve_schema(node["allOf"][0])
    return node


def _property(node, key: str):
    node = resolve_schema(node)
    if not isinstance(node, dict):
        return None
    properties = node.get("properties")
    if properties is not None:
        return properties.get(key)
    extra = node.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def _list_rules(field: str, field_schema, typed: bool):
    """(merge key, or "$primitive", or None for an atomic list; the items' schema).

    With the object's schema known, upstream's extensions decide (Service `ports` merge
    on `port`, container `ports` on `containerPort`, a list without a patch strategy is
    atomic); without it, the field's name does.
    """
    if typed and isinstance(field_schema, dict):
        strategies = (field_schema.get("x-kubernetes-patch-strategy") or "").split(",")
        if "merge" not in strategies:
            return None, field_schema.get("items")
        return field_schema.get("x-kubernetes-patch-merge-key") or "$primitive", field_schema.get("items")
    return MERGE_KEYS.get(field), None


def strategic_merge_patch(original, patch, schema=None):
    """Strategic merge: lists with a merge key merge element by element; directives honoured.

    `schema` is the object's definition in the upstream schemas, when the kind is known.
    """
    if not isinstance(patch, dict):
        return deep_copy(patch)
    if patch.get("$patch") == "replace":
        return {k: deep_copy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    typed = schema is not None
    result = dict(original) if isinstance(original, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list):
                result[field] = [v for v in result[field] if v not in (value or [])]
            continue
        if value is None:
            result.pop(key, None)
            continue
        current = result.get(key)
        field_schema = _property(schema, key) if typed else None
        if isinstance(value, list):
            merge_key, item_schema = _list_rules(key, field_schema, typed)
            result[key] = _merge_list(merge_key, current, value, item_schema)
        elif isinstance(value, dict):
            merged = strategic_merge_patch(current, value, field_schema)
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        else:
            result[key] = value
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain or k not in (original or {})}
        for k in list(result):
            if k not in retain and k in (original or {}) and k not in patch:
                del result[k]
    for key, order in patch.items():
        if key.startswith("$setElementOrder/"):
            field = key.split("/", 1)[1]
            merge_key, _ = _list_rules(field, _property(schema, field) if typed else None, typed)
            result[field] = _apply_order(merge_key, result.get(field), order)
    return result


def _merge_list(merge_key, current, patch_list: list, item_schema=None):
    if merge_key is None or not isinstance(current, list):
        if any(isinstance(item, dict) and item.get("$patch") for item in patch_list):
            return [
                deep_copy({k: v for k, v in i.items() if k != "$patch"})
                for i in patch_list
                if i.get("$patch") != "delete"
            ]
        return deep_copy(patch_list)
    if merge_key == "$primitive":
        merged = list(current)
        for item in patch_list:
            if item not in merged:
                merged.append(item)
        return merged
    if any(isinstance(item, dict) and item.get("$patch") == "replace" for item in patch_list):
        return [
            deep_copy({k: v for k, v in i.items() if k != "$patch"})
            for i in patch_list
            if i.get("$patch") != "replace"
        ]
    merged = [dict(item) if isinstance(item, dict) else item for item in current]
    for item in patch_list:
        if not isinstance(item, dict) or merge_key not in item:
            merged.append(deep_copy(item))
            continue
        position = next(
            (
                i
                for i, existing in enumerate(merged)
                if isinstance(existing, dict) and existing.get(merge_key) == item[merge_key]
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if position is not None:
                del merged[position]
            continue
        if position is None:
            merged.append(deep_copy(item))
        else:
            merged[position] = strategic_merge_patch(merged[position], item, item_schema)
    return merged


def _apply_order(key, items, order):
    if not isinstance(items, list) or not isinstance(order, list):
        return items
    if not key or key == "$primitive":
        return items
    rank = {entry.get(key): i for i, entry in enumerate(order) if isinstance(entry, dict)}
    return sorted(
        items, key=lambda item: rank.get(item.get(key) if isinstance(item, dict) else None, len(rank))
    )
