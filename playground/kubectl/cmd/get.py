"""kubectl get: tables, -o wide|name|yaml|json, several types at once, categories (`get all`,
a CRD's own), --show-labels and -L/--label-columns, and -w as one snapshot with a note."""

from __future__ import annotations

import json

import yaml

from playground.engine import printers
from playground.engine.registry import discovery_order
from playground.kubectl.cmd.registry import (
    ALL_NAMESPACES,
    FIELD_SELECTOR,
    FILENAME_UNSUPPORTED,
    OUTPUT,
    OWN_KUBECTL,
    SELECTOR,
    WATCH_ONLY,
    Flag,
    Unsupported,
    Verb,
    register,
)
from playground.kubectl.cmd.util import REGISTRY, Command, ref, resource_type, target
from playground.kubectl.errors import ConsoleError

SHOW_LABELS = Flag(
    "show-labels",
    type="bool",
    default=False,
    help="When printing, show all labels as the last column (default hide labels column)",
)
LABEL_COLUMNS = Flag(
    "label-columns",
    "L",
    "strings",
    help="Accepts a comma separated list of labels that are going to be presented as columns.",
)
WATCH = Flag(
    "watch",
    "w",
    "bool",
    False,
    "After listing/getting the requested object, watch for changes (the console prints one snapshot).",
)
# Where the page tells a learner how to point their own kubectl at the sandbox
# (templates/playground/_apply.html).
WATCH_NOTE = (
    "\nThe console shows one snapshot and does not stream; -w streams changes with your own kubectl: "
    'under "Use your own kubectl" on this page, Download kubeconfig, then run: {line}\n'
)


def category(name: str) -> list | None:
    """The resource types a category names (`all`, `gateway-api`, a CRD's own), in discovery
    order, one version of each, as kubectl's category expander takes them from discovery;
    None when no type lists it."""
    found, seen = [], set()
    for rt in discovery_order.served(REGISTRY.get()):
        if name in rt.categories and (rt.group, rt.plural) not in seen:
            seen.add((rt.group, rt.plural))
            found.append(rt)
    return found or None


def format_labels(labels: dict | None) -> str:
    """labels.FormatLabels: key=value pairs sorted by key, comma-joined; <none> when empty."""
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "<none>"


def label_headers(command: Command) -> list[str]:
    """printers' formatLabelHeaders: each -L key's last path segment upper-cased, then LABELS."""
    keys = command.flag("label-columns") or []
    return [k.split("/")[-1].upper() for k in keys] + (["LABELS"] if command.flag("show-labels") else [])


def label_cells(command: Command, obj: dict) -> list[str]:
    """printers' appendLabelCells: each -L key's value (empty when unset), then all labels."""
    labels = obj["metadata"].get("labels") or {}
    cells = [labels.get(k, "") for k in command.flag("label-columns") or []]
    return cells + ([format_labels(labels)] if command.flag("show-labels") else [])


def render(rows: list[list[str]]) -> str:
    """kubectl's tabwriter (minimum cell width 6, padding 3): a cell followed by another is
    padded to its column's width, so an empty last label column leaves the padding before it."""
    widths: dict[int, int] = {}
    for r in rows:
        for i, cell in enumerate(r[:-1]):
            widths[i] = max(widths.get(i, 6), len(cell) + 3)
    return "".join("".join(c.ljust(widths[i]) for i, c in enumerate(r[:-1])) + r[-1] + "\n" for r in rows)


def _table(rows: list[list[str]], command: Command) -> str:
    return render(rows) if label_headers(command) else printers.render(rows)


def _watch_line(command: Command) -> str:
    words = ["kubectl", "get", *command.args]
    if command.all_namespaces:
        words.append("-A")
    elif command.namespace_given:
        words += ["-n", command.namespace]
    if command.selector:
        words += ["-l", command.selector]
    return " ".join([*words, "-w"])


def _print(document: dict, output: str) -> str:
    if output == "json":
        return json.dumps(document, indent=4) + "\n"
    return yaml.safe_dump(document, sort_keys=True, default_flow_style=False)


def _list(items: list[dict]) -> dict:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def run(cluster, command: Command) -> str:
    if not command.flag("watch"):
        return _get(cluster, command)
    try:
        table = _get(cluster, command)
    except ConsoleError as error:
        if not str(error).startswith("No resources found"):
            raise
        table = f"{error}\n"
    return table + WATCH_NOTE.format(line=_watch_line(command))


def _get(cluster, command: Command) -> str:
    kind, names = target(command.args, "get")
    if "," in kind or category(kind):
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
    header = printers.columns(rt.kind, wide, registry=cluster.api.registry) + label_headers(command)
    rows = [(["NAMESPACE"] if show_namespace else []) + header]
    for obj in objects:
        cells = printers.row(rt.kind, obj, cluster.clock, wide, registry=cluster.api.registry)
        cells += label_cells(command, obj)
        rows.append(([obj["metadata"]["namespace"]] if show_namespace else []) + cells)
    return _table(rows, command)


def _get_many(cluster, command: Command, kinds: str, names: list[str]) -> str:
    """`get all`, a CRD's category and `get pods,svc`: one table per type, names as
    TYPE.GROUP/NAME, a blank line between, types without objects left out."""
    if names:
        raise ConsoleError("error: the console lists several types only without names: kubectl get pods,svc")
    types = []
    for part in kinds.split(","):
        types += category(part) or [resource_type(part)]
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
            + label_headers(command)
        ]
        for obj in objects:
            cells = printers.row(rt.kind, obj, cluster.clock, wide, registry=cluster.api.registry)
            cells[0] = ref(rt, cells[0]) if len(types) > 1 else cells[0]
            cells += label_cells(command, obj)
            rows.append(([obj["metadata"].get("namespace", "")] if show_namespace else []) + cells)
        blocks.append(_table(rows, command))
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
        (ALL_NAMESPACES, OUTPUT, SELECTOR, SHOW_LABELS, LABEL_COLUMNS, WATCH),
        "kubectl get [(-o|--output=)json|yaml|name|wide] (TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags] [options]",
        "Display one or many resources.",
        unsupported=(
            WATCH_ONLY,
            FIELD_SELECTOR,
            FILENAME_UNSUPPORTED,
            Unsupported("sort-by", instead=f"{OWN_KUBECTL} for --sort-by"),
            Unsupported("no-headers", instead=f"{OWN_KUBECTL} for --no-headers"),
        ),
    )
)
