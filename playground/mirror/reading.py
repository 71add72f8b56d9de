"""What the mirror pages read: the stored objects, loaded into the engine's Store so the
playground's inventory trees, topology and recent tasks work on them unchanged, or, for
a cluster too big for one page, summed up in the database."""

from __future__ import annotations

import re
import time
from datetime import UTC

import orjson
from django.conf import settings
from django.db.models import Count, Sum
from django.utils.translation import gettext, gettext_noop

from concepts.diagrams import DiagramError
from playground.engine import quantity
from playground.engine.store import Store
from playground.inventory import hosts_tree, node_state, recent_tasks, with_urls, workloads_tree
from playground.mirror.informer import BUILTIN
from playground.models import MirroredCluster
from playground.topology import svg as topology_svg

WHOLE_PAGE_LIMIT = 3000  # objects; a bigger cluster is summarised, one namespace at a time in full
RECENT_EVENTS = 200
NODES_PER_PAGE = 100
NOT_RESPONDING_AFTER = 30  # seconds without a word from the cluster
RESOURCE_OF_KIND = {r.kind: r.key for r in BUILTIN}


class Snapshot:
    """The part of the engine's Cluster the inventory and topology functions read."""

    def __init__(self, store: Store):
        self.store = store
        self.down_nodes: dict = {}


def _store(objects: list[dict]) -> Store:
    by_kind: dict[str, list[dict]] = {}
    for obj in objects:
        by_kind.setdefault(obj.get("kind", ""), []).append(obj)
    return Store.from_dict(
        {"revision": 0, "historyLimit": 0, "oldestWatchable": 0, "objects": by_kind, "history": []}
    )


def _load(rows) -> list[dict]:
    return [orjson.loads(data) for data in rows.values_list("data", flat=True)]


def is_large(cluster: MirroredCluster) -> bool:
    return cluster.mirrored.exclude(kind="Event").count() > WHOLE_PAGE_LIMIT


def snapshot(cluster: MirroredCluster, namespace: str | None = None) -> Snapshot:
    """Everything but old events; with a namespace, that namespace and the hosts its pods run on."""
    rows = cluster.mirrored.exclude(kind="Event")
    events = cluster.mirrored.filter(kind="Event")
    if namespace is not None:
        pods_nodes = set(
            cluster.mirrored.filter(kind="Pod", namespace=namespace).values_list("node", flat=True)
        )
        rows = (
            rows.filter(namespace=namespace)
            | rows.filter(kind="Namespace", name=namespace)
            | rows.filter(kind="Node", name__in=pods_nodes - {""})
        )
        events = events.filter(namespace=namespace)
    objects = _load(rows) + _load(events.order_by("-changed")[:RECENT_EVENTS])
    return Snapshot(_store(objects))


# A mirror's and a resource's state words (storage and informer write them in English);
# the pages show them with {% translate %}.
STATES = (
    gettext_noop("starting"),
    gettext_noop("listing"),
    gettext_noop("relisting"),
    gettext_noop("watching"),
    gettext_noop("reconnecting"),
    gettext_noop("synced"),
    gettext_noop("stopped"),
    gettext_noop("not served"),
)


# The mirror process stores its last problem (MirroredCluster.message) in English, as the
# mirror command prints it (informer.py, service.py): "<resource>: <code> <reason>: <detail>"
# when the cluster refused a list or watch, "<resource>: <error>" when a list or watch could
# not reach it, the bare error when the heartbeat or the first /version could not.
_REFUSED = re.compile(
    r"(?P<resource>[a-z0-9.-]+): (?P<code>\d{3}) (?P<reason>\w+): (?P<detail>.*)", re.DOTALL
)
_UNREACHED = re.compile(r"(?P<resource>[a-z0-9.-]+): (?P<error>.*)", re.DOTALL)


def problem(cluster: MirroredCluster) -> str:
    """The mirror's last problem, said in the visitor's language; the error itself (the
    API's or the client library's words, redacted) stays as it was stored."""
    message = cluster.message or ""
    if not message:
        return ""
    if found := _REFUSED.fullmatch(message):
        return (
            gettext(
                "The cluster refused to let the mirror read %(resource)s (%(code)s %(reason)s): %(detail)s"
            )
            % found.groupdict()
        )
    if found := _UNREACHED.fullmatch(message):
        return (
            gettext("The mirror cannot reach the cluster to read %(resource)s: %(error)s") % found.groupdict()
        )
    return gettext("The mirror cannot reach the cluster: %(error)s") % {"error": message}


def heard(cluster: MirroredCluster, now: float | None = None) -> dict:
    """When the cluster last answered, and whether that counts as not responding."""
    now = time.time() if now is None else now
    if cluster.last_heard is None:
        return {"ago": None, "text": gettext("never"), "tone": "warn"}
    ago = max(0, int(now - cluster.last_heard.timestamp()))
    text = (
        gettext("%(seconds)s s ago") % {"seconds": ago}
        if ago < 120
        else gettext("%(minutes)s min ago") % {"minutes": ago // 60}
    )
    tone = "ok" if ago <= NOT_RESPONDING_AFTER and cluster.state != "stopped" else "bad"
    return {"ago": ago, "text": text, "tone": tone, "at": cluster.last_heard.astimezone(UTC)}


def listing_progress(cluster: MirroredCluster) -> list[dict]:
    rows = []
    for key, entry in sorted((cluster.progress or {}).items()):
        listed, remaining = entry.get("listed", 0), entry.get("remaining")
        total = listed + remaining if remaining else None
        rows.append(
            {
                "resource": key,
                "state": entry.get("state", ""),
                "listed": listed,
                "total": total,
                "percent": int(100 * listed / total)
                if total
                else (100 if entry.get("state") == "watching" else 0),
            }
        )
    return rows


def counts(cluster: MirroredCluster) -> list[tuple[str, int]]:
    return list(
        cluster.mirrored.values_list("kind").annotate(n=Count("pk")).order_by("kind").values_list("kind", "n")
    )


def allocation(node: dict, cpu_m: int, memory_b: int, pods: int) -> dict:
    """An ESXi host summary for a node: what is reserved (requests) against what it offers."""
    status = node.get("status") or {}
    allocatable = status.get("allocatable") or status.get("capacity") or {}
    capacity = status.get("capacity") or {}

    def share(used, total):
        return min(100, int(100 * used / total)) if total else 0

    cpu_total = _millis(allocatable.get("cpu"))
    mem_total = _bytes(allocatable.get("memory"))
    pod_total = _bytes(allocatable.get("pods"))
    return {
        "cpu": f"{cpu_m / 1000:g} of {cpu_total / 1000:g} cores",
        "cpu_percent": share(cpu_m, cpu_total),
        "memory": f"{_gib(memory_b)} of {_gib(mem_total)} GiB",
        "memory_percent": share(memory_b, mem_total),
        "pods": f"{pods} of {pod_total}",
        "pods_percent": share(pods, pod_total),
        "capacity_cpu": capacity.get("cpu", ""),
        "capacity_memory": capacity.get("memory", ""),
    }


def _millis(value) -> int:
    try:
        return quantity.millis(value) if value is not None else 0
    except (ValueError, TypeError, ArithmeticError):
        return 0


def _bytes(value) -> int:
    try:
        return quantity.to_int(value) if value is not None else 0
    except (ValueError, TypeError, ArithmeticError):
        return 0


def _gib(value: int) -> str:
    return f"{value / 2**30:.1f}"


def host_rows(
    cluster: MirroredCluster, page: int = 1, names: set[str] | None = None
) -> tuple[list[dict], int]:
    """Hosts with their reservations added up in the database: (this page, how many hosts)."""
    nodes = cluster.mirrored.filter(kind="Node")
    if names is not None:
        nodes = nodes.filter(name__in=names)
    total = nodes.count()
    ordered = nodes.order_by("name")
    chosen = list(
        ordered if names is not None else ordered[(page - 1) * NODES_PER_PAGE : page * NODES_PER_PAGE]
    )
    sums = {
        row["node"]: row
        for row in cluster.mirrored.filter(kind="Pod", node__in=[n.name for n in chosen])
        .values("node")
        .annotate(pods=Count("pk"), cpu=Sum("cpu_m"), memory=Sum("memory_b"))
    }
    snap = Snapshot(Store())
    result = []
    for record in chosen:
        node = orjson.loads(record.data)
        text, tone = node_state(snap, node)
        used = sums.get(record.name) or {}
        result.append(
            {
                "name": record.name,
                "state": text,
                "tone": tone,
                "roles": sorted(
                    k.split("/", 1)[1]
                    for k in (node["metadata"].get("labels") or {})
                    if k.startswith("node-role.kubernetes.io/")
                ),
                "pod_count": used.get("pods", 0),
                "allocation": allocation(
                    node, used.get("cpu") or 0, used.get("memory") or 0, used.get("pods", 0)
                ),
                "info": (node.get("status") or {}).get("nodeInfo") or {},
            }
        )
    return result, total


def namespace_rows(cluster: MirroredCluster) -> list[dict]:
    """Namespaces as resource pools: what they hold and their quotas, used against hard."""
    per = {}
    for ns, kind, n in (
        cluster.mirrored.exclude(namespace="")
        .exclude(kind="Event")
        .values_list("namespace", "kind")
        .annotate(n=Count("pk"))
        .values_list("namespace", "kind", "n")
    ):
        per.setdefault(ns, {})[kind] = n
    quotas: dict[str, list] = {}
    for data in cluster.mirrored.filter(kind="ResourceQuota").values_list("data", flat=True):
        quota = orjson.loads(data)
        quotas.setdefault(quota["metadata"].get("namespace", ""), []).append(quota_lines(quota))
    rows = []
    for record in cluster.mirrored.filter(kind="Namespace").order_by("name"):
        held = per.get(record.name, {})
        rows.append(
            {
                "name": record.name,
                "counts": sorted(held.items()),
                "pods": held.get("Pod", 0),
                "quotas": quotas.get(record.name, []),
            }
        )
    return rows


def quota_lines(quota: dict) -> dict:
    status = quota.get("status") or {}
    hard, used = status.get("hard") or (quota.get("spec") or {}).get("hard") or {}, status.get("used") or {}
    return {
        "name": quota["metadata"]["name"],
        "lines": [{"resource": k, "used": used.get(k, "0"), "hard": v} for k, v in sorted(hard.items())],
    }


def custom_resources(cluster: MirroredCluster) -> list[dict]:
    builtin = {r.key for r in BUILTIN} | {"customresourcedefinitions.apiextensions.k8s.io"}
    return [
        {"resource": resource, "kind": kind, "count": n}
        for resource, kind, n in cluster.mirrored.exclude(resource__in=builtin)
        .values_list("resource", "kind")
        .annotate(n=Count("pk"))
        .order_by("resource")
        .values_list("resource", "kind", "n")
    ]


def overview(record: MirroredCluster, namespace: str | None, page: int, url) -> dict:
    """What the cluster page shows: the playground's trees, topology and Recent Tasks for
    a cluster (or one namespace of it) small enough to draw, else sums from the database.
    `url(kind, namespace, name)` gives each item's page."""
    large = is_large(record) and namespace is None
    context = {
        "record": record,
        "heard": heard(record),
        "problem": problem(record),
        "progress": listing_progress(record),
        "counts": counts(record),
        "namespace": namespace,
        "large": large,
        "custom": custom_resources(record),
        "namespaces": sorted(record.mirrored.filter(kind="Namespace").values_list("name", flat=True)),
    }
    if large:
        hosts, total = host_rows(record, page)
        events = _load(record.mirrored.filter(kind="Event").order_by("-changed")[:40])
        context.update(
            hosts=hosts,
            host_pages=range(1, (total - 1) // NODES_PER_PAGE + 2),
            page=page,
            host_total=total,
            pools=namespace_rows(record),
            tasks=recent_tasks(Snapshot(_store(events))),
        )
        return context
    snap = snapshot(record, namespace)
    tree = hosts_tree(snap)
    summaries = {s["name"]: s for s in host_rows(record, names={n["name"] for n in tree})[0]}
    for node in tree:
        node["summary"] = summaries.get(node["name"])
    quotas = {p["name"]: p["quotas"] for p in namespace_rows(record)}
    pools = workloads_tree(snap)
    for pool in pools:
        pool["quota_lines"] = quotas.get(pool["name"], [])
    with_urls(tree, pools, url)
    try:
        diagram, diagram_error = topology_svg(snap, url, settings.GRAPHVIZ_DOT), None
    except DiagramError as error:
        diagram, diagram_error = None, str(error)
    context.update(
        hosts=tree, pools=pools, tasks=recent_tasks(snap), diagram=diagram, diagram_error=diagram_error
    )
    return context
