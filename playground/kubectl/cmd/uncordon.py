"""kubectl uncordon NODE: mark it schedulable again."""

from __future__ import annotations

from playground.kubectl.cmd.cordon import NODE_UNSUPPORTED, mark
from playground.kubectl.cmd.registry import Verb, register
from playground.kubectl.cmd.util import Command


def run(cluster, command: Command) -> str:
    return mark(cluster, command, False)


register(
    Verb(
        "uncordon",
        run,
        (),
        "kubectl uncordon NODE [options]",
        "Mark node as schedulable.",
        writes=True,
        unsupported=NODE_UNSUPPORTED,
    )
)
