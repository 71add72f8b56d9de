"""kubectl top pod|node: CPU and memory from the simulated metrics."""

from __future__ import annotations

from playground.engine import printers, quantity
from playground.kubectl.cmd.registry import (
    ALL_NAMESPACES,
    OWN_KUBECTL,
    Unsupported,
    Verb,
    register,
    usage_error,
)
from playground.kubectl.cmd.util import Command, no_resources


def _usage(container_metrics: list[dict]) -> tuple[float, float]:
    cpu = sum(quantity.parse(c["usage"]["cpu"]) for c in container_metrics)
    memory = sum(quantity.parse(c["usage"]["memory"]) for c in container_metrics)
    return cpu, memory


def pods(cluster, command: Command) -> str:
    namespace = None if command.all_namespaces else command.namespace
    metrics = cluster.pod_metrics(namespace)
    if not metrics:
        raise no_resources(namespace)
    rows = [(["NAMESPACE"] if namespace is None else []) + ["NAME", "CPU(cores)", "MEMORY(bytes)"]]
    for m in metrics:
        cpu, memory = _usage(m["containers"])
        row = [m["metadata"]["name"], f"{int(cpu * 1000)}m", f"{int(memory) // (1024 * 1024)}Mi"]
        rows.append(([m["metadata"]["namespace"]] if namespace is None else []) + row)
    return printers.render(rows)


def nodes(cluster, command: Command) -> str:
    usage: dict[str, list] = {}
    by_name = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in cluster.list("Pod")}
    for m in cluster.pod_metrics():
        node = by_name[(m["metadata"]["namespace"], m["metadata"]["name"])]["spec"].get("nodeName")
        cpu, memory = _usage(m["containers"])
        total = usage.setdefault(node, [0, 0])
        total[0] += cpu
        total[1] += memory
    rows = [["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]]
    for node in cluster.list("Node"):
        name = node["metadata"]["name"]
        if cluster.node_is_down(name):
            continue
        cpu, memory = usage.get(name, [0, 0])
        allocatable = node["status"].get("allocatable") or {}
        cpu_total = quantity.parse(allocatable.get("cpu", "1")) or 1
        memory_total = quantity.parse(allocatable.get("memory", "1")) or 1
        rows.append(
            [
                name,
                f"{int(cpu * 1000)}m",
                f"{int(cpu * 100 / cpu_total)}%",
                f"{int(memory) // (1024 * 1024)}Mi",
                f"{int(memory * 100 / memory_total)}%",
            ]
        )
    return printers.render(rows)


def run(cluster, command: Command) -> str:
    """`kubectl top` with no known subcommand: its help, or cobra's refusal."""
    if not command.args:
        return command.spec.help_text()
    raise usage_error("top", f'unknown command "{" ".join(command.args)}"')


register(
    Verb(
        "top",
        run,
        (),
        "kubectl top [flags] [options]",
        "Display resource (CPU/memory) usage.",
    )
)
register(
    Verb(
        "top pod",
        pods,
        (ALL_NAMESPACES,),
        "kubectl top pod [NAME | -l label] [options]",
        "Display resource (CPU/memory) usage of pods.",
        unsupported=(
            Unsupported("selector", "l", "name the pod, or list them all"),
            Unsupported("containers", instead="kubectl describe pod NAME shows each container"),
            Unsupported("sort-by", instead=f"{OWN_KUBECTL} for --sort-by"),
        ),
        aliases=("pods", "po"),
    )
)
register(
    Verb(
        "top node",
        nodes,
        (),
        "kubectl top node [NAME | -l label] [options]",
        "Display resource (CPU/memory) usage of nodes.",
        unsupported=(
            Unsupported("selector", "l", "name the node, or list them all"),
            Unsupported("sort-by", instead=f"{OWN_KUBECTL} for --sort-by"),
        ),
        aliases=("nodes", "no"),
    )
)
