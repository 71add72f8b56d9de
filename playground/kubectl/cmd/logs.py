"""kubectl logs POD: what the simulated containers printed."""

from __future__ import annotations

from playground.kubectl.cmd.registry import OWN_KUBECTL, Flag, Unsupported, Verb, register
from playground.kubectl.cmd.util import Command
from playground.kubectl.errors import ConsoleError

FLAGS = (
    Flag("container", "c", help="Print the logs of this container"),
    Flag(
        "tail",
        type="int",
        default=-1,
        help="Lines of recent log file to display. Defaults to -1, showing all log lines.",
    ),
    Flag(
        "previous",
        "p",
        "bool",
        False,
        "If true, print the logs for the previous instance of the container in a pod if it exists.",
    ),
)


def run(cluster, command: Command) -> str:
    if not command.args:
        raise ConsoleError("error: expected POD or TYPE/NAME is a required argument for the logs command")
    name = command.args[0].removeprefix("pod/").removeprefix("pods/")
    tail = command.flag("tail")
    return cluster.logs(
        name,
        command.namespace,
        container=command.flag("container"),
        tail_lines=tail if tail >= 0 else None,
        previous=command.flag("previous"),
    )


register(
    Verb(
        "logs",
        run,
        FLAGS,
        "kubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]",
        "Print the logs for a container in a pod or specified resource.",
        unsupported=(
            Unsupported(
                "follow",
                "f",
                f"the console prints the lines so far; run it again for new ones, or {OWN_KUBECTL} for kubectl logs -f",
            ),
            Unsupported("selector", "l", "name one pod: kubectl get pods -l KEY=VALUE lists them"),
            Unsupported("since", instead="use --tail=N for the last N lines"),
            Unsupported("timestamps", instead=f"{OWN_KUBECTL} for --timestamps"),
            Unsupported("all-containers", instead="name each container with -c/--container"),
        ),
    )
)
