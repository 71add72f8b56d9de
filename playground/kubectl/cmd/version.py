"""kubectl version: the server's version, as its nodes' kubelets report it."""

from __future__ import annotations

from playground.kubectl.cmd.registry import OUTPUT_UNSUPPORTED, Unsupported, Verb, register
from playground.kubectl.cmd.util import Command


def run(cluster, command: Command) -> str:
    node = next(iter(cluster.list("Node")), None)
    version = ((node or {}).get("status") or {}).get("nodeInfo", {}).get("kubeletVersion", "unknown")
    return f"Server Version: {version}\n"


register(
    Verb(
        "version",
        run,
        (),
        "kubectl version [flags] [options]",
        "Print the client and server version information for the current context.",
        unsupported=(
            Unsupported("client", instead="the console prints the client and the server version together"),
            OUTPUT_UNSUPPORTED,
        ),
    )
)
