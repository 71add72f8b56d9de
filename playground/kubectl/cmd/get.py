"""kubectl get: tables, -o wide|name|yaml|json, several types at once and `get all`."""

from __future__ import annotations

import json

import yaml

from playground.engine import printers
from playground.kubectl.cmd.registry import (
    ALL_NAMESPACES,
    FIELD_SELECTOR,
    FILENAME_UNSUPPORTED,
    OUTPUT,
    OWN_KUBECTL,
    SELECTOR,
    WATCH,
    WATCH_ONLY,
    Unsupported,
    Verb,
    register,
)
from playground.kubectl.cmd.util import Command, ref, resource_type, target
from playground.kubectl.errors import ConsoleError

# The types `kubectl get all` lists.
ALL = (
    "Pod",
    "Service",
    "DaemonSet",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "HorizontalPodAutoscaler",
    "CronJob",
    "Job",
)


def _print(document: dict, output: str) -> str:
    if output == "json":
        return json.dumps(document, indent=4) + "\n"
    return yaml.safe_dump(document, sort_keys=True, default_flow_style=False)


def _list(items: list[dict]) -> dict:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def run(cluster, command: Command) -> str:
    kind, names = target(command.args, "get")
    if kind == "all" or "," in kind:
        return _get_many(cluster, command, kind, names)
    rt = resource_type(kind)
    namespace = None if (command.all_namespaces or not rt.namespaced) else command.namespace
    if names:
        objects = [cluster.get(rt.kind, name, namespace) for name in names]
    else:
        objects = cluster.list(rt.kind, namespace, command.selector or None)
        objects.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        if not objects:
            if namespace:
                raise ConsoleError(f"No resources found in {namespace} namespace.")
            raise ConsoleError("No resources found")
    if command.output == "name":
        return "".join(ref(rt, o["metadata"]["name"]) + "\n" for o in objects)
    if command.output in ("yaml", "json"):
        for obj in objects:
            obj.setdefault("apiVersion", rt.api_version)
            obj.setdefault("kind", rt.kind)
        return _print(objects[0] if names and len(objects) == 1 else _list(objects), command.output)
    wide = command.output == "wide"
    show_namespace = command.all_namespaces and rt.namespaced
    header = printers.columns(rt.kind, wide, registry=cluster.api.registry)
    rows = [(["NAMESPACE"] if show_namespace else []) + header]
    for obj in objects:
        cells = printers.row(rt.kind, obj, cluster.clock, wide, registry=cluster.api.registry)
        rows.append(([obj["metadata"]["namespace"]] if show_namespace else []) + cells)
    return printers.render(rows)


def _get_many(cluster, command: Command, kinds: str, names: list[str]) -> str:
    """`get all` and `get pods,svc`: one table per type, names as TYPE/NAME, blank line between."""
    if names:
        raise ConsoleError("error: the console lists several types only without names: kubectl get pods,svc")
    types = []
    for part in kinds.split(","):
        types += [resource_type(k) for k in ALL] if part == "all" else [resource_type(part)]
    blocks, items = [], []
    show_namespace = command.all_namespaces
    wide = command.output == "wide"
    for rt in types:
        namespace = None if (command.all_namespaces or not rt.namespaced) else command.namespace
        objects = cluster.list(rt.kind, namespace, command.selector or None)
        objects.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        if not objects:
            continue
        items += [{"apiVersion": rt.api_version, "kind": rt.kind, **o} for o in objects]
        if command.output == "name":
            blocks.append("".join(ref(rt, o["metadata"]["name"]) + "\n" for o in objects))
            continue
        rows = [
            (["NAMESPACE"] if show_namespace else [])
            + printers.columns(rt.kind, wide, registry=cluster.api.registry)
        ]
        for obj in objects:
            cells = printers.row(rt.kind, obj, cluster.clock, wide, registry=cluster.api.registry)
            cells[0] = ref(rt, cells[0])
            rows.append(([obj["metadata"].get("namespace", "")] if show_namespace else []) + cells)
        blocks.append(printers.render(rows))
    if not blocks:
        raise ConsoleError(
            "No resources found"
            if command.all_namespaces
            else f"No resources found in {command.namespace} namespace."
        )
    if command.output in ("yaml", "json"):
        return _print(_list(items), command.output)
    return ("" if command.output == "name" else "\n").join(blocks)


register(
    Verb(
        "get",
        run,
        (ALL_NAMESPACES, OUTPUT, SELECTOR),
        "kubectl get [(-o|--output=)json|yaml|name|wide] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]",
        "Display one or many resources.",
        unsupported=(
            WATCH,
            WATCH_ONLY,
            FIELD_SELECTOR,
            FILENAME_UNSUPPORTED,
            Unsupported("show-labels", instead="kubectl describe TYPE NAME lists the labels"),
            Unsupported("label-columns", "L", "kubectl describe TYPE NAME lists the labels"),
            Unsupported("sort-by", instead=f"{OWN_KUBECTL} for --sort-by"),
            Unsupported("no-headers", instead=f"{OWN_KUBECTL} for --no-headers"),
        ),
    )
)
