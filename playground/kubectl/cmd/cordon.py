"""kubectl cordon NODE: mark it unschedulable (playground.kubectl.drain.cordon)."""

from __future__ import annotations

from playground.kubectl import drain
from playground.kubectl.cmd.registry import DRY_RUN, Unsupported, Verb, register
from playground.kubectl.cmd.util import Command, node_names


def mark(cluster, command: Command, unschedulable: bool) -> str:
    """cordon/uncordon, saying 'already' when the node is in that state, as kubectl does."""
    verb = "cordoned" if unschedulable else "uncordoned"
    out = []
    for name in node_names(command):
        before = bool((cluster.get("Node", name).get("spec") or {}).get("unschedulable"))
        (drain.cordon if unschedulable else drain.uncordon)(cluster, name)
        out.append(f"node/{name} {'already ' if before == unschedulable else ''}{verb}\n")
    return "".join(out)


def run(cluster, command: Command) -> str:
    return mark(cluster, command, True)


# Real kubectl flags of cordon and uncordon the console leaves out.
NODE_UNSUPPORTED = (DRY_RUN, Unsupported("selector", "l", "name the nodes: kubectl get nodes lists them"))

register(
    Verb(
        "cordon",
        run,
        (),
        "kubectl cordon NODE [options]",
        "Mark node as unschedulable.",
        writes=True,
        unsupported=NODE_UNSUPPORTED,
    )
)
