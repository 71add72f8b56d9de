"""What the workspace shows around a sandbox: its tabs, the Summary tab's figures, the
Network tab's Services and the status line of the clock. Plain functions over the engine,
so the views stay thin and the page and its poll agree."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.translation import gettext, gettext_noop, ngettext

from playground.inventory import node_state, pod_state

# The cluster's tabs, as the vSphere Client shows them for an inventory object, each with
# the partial its panel renders.
TABS = (  # labels translated by the template ({% translate label %})
    ("summary", gettext_noop("Summary"), "playground/_live_summary.html"),
    ("hosts", gettext_noop("Hosts and Clusters"), "playground/_live_hosts.html"),
    ("workloads", gettext_noop("Workloads"), "playground/_live_workloads.html"),
    ("topology", gettext_noop("Topology"), "playground/_live_topology.html"),
    ("network", gettext_noop("Network"), "playground/_live_network.html"),
    ("monitor", gettext_noop("Monitor"), "playground/_tasks_pane.html"),
    ("yaml", gettext_noop("YAML"), "playground/_apply.html"),
)
TAB_KEYS = tuple(key for key, _label, _panel in TABS)
# Pieces the poll can bring back (Monitor and YAML refresh themselves or never change).
LIVE_PARTS = ("summary", "hosts", "workloads", "topology", "network")
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")


def tab(value: str | None, default: str = "summary") -> str:
    return value if value in TAB_KEYS else default


def parts(value: str | None) -> set[str]:
    """The live pieces a poll asked for; the summary always comes."""
    asked = {p.strip() for p in (value or "").split(",")}
    return {p for p in asked if p in LIVE_PARTS} | {"summary"}


def clock_text(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def work_status(cluster) -> str:
    """What Step would do next, in words: queued reconciles, else the next timed work."""
    queued = cluster.pending()
    if queued:
        return ngettext(
            "%(count)s reconcile queued: Step runs the next one.",
            "%(count)s reconciles queued: Step runs the next one.",
            queued,
        ) % {"count": queued}
    due = cluster.next_timer()
    if due is None:
        return gettext("Nothing is waiting: the cluster is settled.")
    wait = max(0.0, due - cluster.clock)
    if wait < 1:
        return gettext("Timed work is due now: Step runs it.")
    return gettext("Next timed work in %(wait)s of cluster time: Step jumps the clock to it.") % {
        "wait": _duration(wait)
    }


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def summary(cluster) -> dict:
    nodes = list(cluster.store.iter("Node"))
    states = [node_state(cluster, n) for n in nodes]
    pods = [pod_state(p) for p in cluster.store.iter("Pod")]
    return {
        "nodes": len(nodes),
        "nodes_ready": sum(
            1 for text, _tone in states if text.startswith("Ready") and "not responding" not in text
        ),
        "nodes_cordoned": sum(1 for n in nodes if (n.get("spec") or {}).get("unschedulable")),
        "pods_running": sum(1 for text, tone in pods if tone == "ok"),
        "pods_pending": sum(1 for text, tone in pods if tone == "warn"),
        "pods_failing": sum(1 for text, tone in pods if tone == "bad"),
        "workloads": sum(sum(1 for _ in cluster.store.iter(kind)) for kind in WORKLOAD_KINDS),
        "services": sum(1 for _ in cluster.store.iter("Service")),
        "namespaces": sum(1 for _ in cluster.store.iter("Namespace")),
    }


def services(cluster) -> list[dict]:
    rows = []
    for svc in sorted(
        cluster.store.iter("Service"), key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"])
    ):
        spec = svc.get("spec") or {}
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        rows.append(
            {
                "name": svc["metadata"]["name"],
                "namespace": svc["metadata"]["namespace"],
                "type": spec.get("type"),
                "clusterIP": spec.get("clusterIP"),
                "ports": spec.get("ports") or [],
                "external": [i.get("ip") for i in ingress if i.get("ip")],
            }
        )
    return rows


def try_commands(cluster) -> list[str]:
    """First commands worth typing, chosen from what the sandbox holds."""
    lines = ["kubectl get nodes -o wide", "kubectl get pods -A -o wide"]
    deployments = sorted(
        (d["metadata"]["namespace"], d["metadata"]["name"]) for d in cluster.store.iter("Deployment")
    )
    user = [(ns, name) for ns, name in deployments if ns not in ("kube-system",)]
    if user:
        ns, name = user[0]
        flag = "" if ns == "default" else f" -n {ns}"
        lines += [
            f"kubectl describe deployment {name}{flag}",
            f"kubectl scale deployment {name}{flag} --replicas=5",
        ]
    else:
        lines += [
            "kubectl create deployment web --image=nginx:1.27 --replicas=3",
            "kubectl expose deployment web --port=80 --type=LoadBalancer",
        ]
    lines.append("kubectl get events")
    return lines
