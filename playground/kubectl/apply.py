"""`kubectl apply`: client-side apply, as k8s.io/kubectl/pkg/cmd/apply does it.

Each object is created when it is missing; when it exists, kubectl computes a three-way
patch from the last configuration it applied (kept in the last-applied annotation), the
configuration given now and the live object, and sends it as a strategic merge patch.
Everything goes through the API server's public API.

The console's apply checks every document (a server dry run) before it changes anything,
so a broken manifest applies nothing.
"""

from __future__ import annotations

import json

from playground.engine import manifests, schema
from playground.engine.errors import ApiError, invalid, invalid_object
from playground.engine.kinds import ResourceType
from playground.engine.patch import MERGE_KEYS, strategic_merge_patch
from playground.engine.registry.autoscaling import hpa_v1
from playground.engine.util import deep_copy

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def apply(cluster, text_or_objects, namespace: str | None = None, dry_run: bool = False) -> list[dict]:
    """Create what is missing, three-way merge what exists; one outcome per object:
    {"action": "created"|"configured"|"unchanged", "kind", "name", "namespace", "group", "object"}."""
    api = cluster.api
    if isinstance(text_or_objects, str | bytes):
        documents = manifests.load(text_or_objects)
    elif isinstance(text_or_objects, dict):
        documents = [text_or_objects]
    else:
        documents = list(text_or_objects)
    decoded = []
    for doc in documents:
        if hpa_v1.is_v1_body(doc):  # merged in the stored autoscaling/v2 form
            doc = hpa_v1.to_v2(doc)
        rt, obj = api.decode(doc, namespace)
        decoded.append((rt, doc, obj))
    # Validate everything first (dry run), then apply for real.
    checked = []
    try:
        for rt, doc, obj in decoded:
            checked.append(_apply_one(api, rt, doc, obj, dry_run=True))
            if rt.kind == "Namespace":
                api.assumed_namespaces.add(obj["metadata"]["name"])
    finally:
        api.assumed_namespaces.clear()
    if dry_run:
        return checked
    return [_apply_one(api, rt, doc, obj, dry_run=False) for rt, doc, obj in decoded]


def _outcome(action: str, rt: ResourceType, name: str, namespace: str, obj: dict) -> dict:
    return {
        "action": action,
        "kind": rt.kind,
        "name": name,
        "namespace": namespace,
        "group": rt.group,
        "object": deep_copy(obj),
    }


def _live(api, rt: ResourceType, name: str, namespace: str) -> dict | None:
    try:
        return api.get(rt.kind, name, namespace or None)
    except ApiError as error:
        if error.code == 404:
            return None
        raise


def _apply_one(api, rt: ResourceType, doc: dict, obj: dict, dry_run: bool) -> dict:
    meta = obj["metadata"]
    name = meta.get("name")
    ns = meta.get("namespace", "")
    if not name:
        raise invalid_object(rt, "", [invalid("metadata.name", "", "name is required for apply")])
    config = deep_copy(doc)
    config.setdefault("metadata", {})
    if rt.namespaced:
        config["metadata"]["namespace"] = config["metadata"].get("namespace") or ns
    last_applied = json.dumps(without_last_applied(config), sort_keys=True, separators=(",", ":"))
    current = _live(api, rt, name, ns)
    if current is None:
        body = deep_copy(config)
        body["metadata"].setdefault("annotations", {})[LAST_APPLIED] = last_applied + "\n"
        return _outcome("created", rt, name, ns, api.create(body, ns or None, dry_run=dry_run))
    previous = (current["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    try:
        previous_config = json.loads(previous) if previous else {}
    except ValueError:
        previous_config = {}
    patch = three_way_patch(previous_config, without_last_applied(config))
    patch.setdefault("metadata", {}).setdefault("annotations", {})[LAST_APPLIED] = last_applied + "\n"
    merged = strategic_merge_patch(current, patch, schema.root(rt.kind, rt.api_version))
    merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
    merged.setdefault("apiVersion", rt.api_version)
    merged.setdefault("kind", rt.kind)
    candidate = api.update(deep_copy(merged), ns or None, dry_run=True, strict=False)
    if same(candidate, current):
        return _outcome("unchanged", rt, name, ns, current)
    if dry_run:
        return _outcome("configured", rt, name, ns, candidate)
    return _outcome("configured", rt, name, ns, api.update(merged, ns or None, strict=False))


def without_last_applied(config: dict) -> dict:
    config = deep_copy(config)
    annotations = (config.get("metadata") or {}).get("annotations")
    if annotations and LAST_APPLIED in annotations:
        del annotations[LAST_APPLIED]
        if not annotations:
            del config["metadata"]["annotations"]
    return config


def three_way_patch(previous, config):
    """The patch kubectl's apply sends: what changed in the config, with removals as deletions."""
    if not isinstance(config, dict) or not isinstance(previous, dict):
        return deep_copy(config)
    patch = {}
    for key, value in config.items():
        old = previous.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            sub = three_way_patch(old, value)
            if sub:
                patch[key] = sub
            elif value != old:
                patch[key] = deep_copy(value)
        elif (
            isinstance(value, list)
            and isinstance(old, list)
            and MERGE_KEYS.get(key) not in (None, "$primitive")
        ):
            merge_key = MERGE_KEYS[key]
            items = []
            current_keys = {item.get(merge_key) for item in value if isinstance(item, dict)}
            for item in value:
                match = next(
                    (
                        o
                        for o in old
                        if isinstance(o, dict)
                        and isinstance(item, dict)
                        and o.get(merge_key) == item.get(merge_key)
                    ),
                    None,
                )
                if match is None:
                    items.append(deep_copy(item))
                else:
                    sub = three_way_patch(match, item)
                    sub[merge_key] = item.get(merge_key)
                    items.append(sub)
            for item in old:
                if isinstance(item, dict) and item.get(merge_key) not in current_keys:
                    items.append({merge_key: item.get(merge_key), "$patch": "delete"})
            if value != old:
                patch[key] = items
                patch[f"$setElementOrder/{key}"] = [
                    {merge_key: item.get(merge_key)} for item in value if isinstance(item, dict)
                ]
        elif value != old:
            patch[key] = deep_copy(value)
    for key in previous:
        if key not in config:
            patch[key] = None
    return patch


def same(a: dict, b: dict) -> bool:
    """Equal apart from what the server bumps on every write (resourceVersion, generation,
    managedFields) and the status."""

    def strip(obj):
        obj = dict(obj)
        meta = dict(obj.get("metadata") or {})
        for field in ("resourceVersion", "generation", "managedFields"):
            meta.pop(field, None)
        obj["metadata"] = meta
        obj.pop("status", None)
        return obj

    return strip(a) == strip(b)
