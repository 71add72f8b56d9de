"""kubectl scale TYPE NAME --replicas=N, through the scale subresource."""

from __future__ import annotations

from playground.kubectl.cmd.registry import (
    ALL_UNSUPPORTED,
    SELECTOR_UNSUPPORTED,
    WRITE_UNSUPPORTED,
    Flag,
    Unsupported,
    Verb,
    register,
)
from playground.kubectl.cmd.util import Command, ref, resource_type, target
from playground.kubectl.errors import ConsoleError

REPLICAS = Flag("replicas", type="int", default=0, help="The new desired number of replicas. Required.")


def run(cluster, command: Command) -> str:
    if "replicas" not in command.extra:
        raise ConsoleError('error: required flag(s) "replicas" not set')
    replicas = command.extra["replicas"]
    kind, names = target(command.args, "scale")
    rt = resource_type(kind)
    if not names:
        raise ConsoleError("error: resource(s) were provided, but no name was specified")
    out = []
    for name in names:
        cluster.scale(rt.kind, name, replicas, command.namespace)
        out.append(f"{ref(rt, name)} scaled\n")
    return "".join(out)


register(
    Verb(
        "scale",
        run,
        (REPLICAS,),
        "kubectl scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT (-f FILENAME | TYPE NAME) [options]",
        "Set a new size for a deployment, replica set, replication controller, or stateful set.",
        unsupported=(
            *WRITE_UNSUPPORTED,
            ALL_UNSUPPORTED,
            SELECTOR_UNSUPPORTED,
            Unsupported("current-replicas", instead="check the current count first with kubectl get"),
        ),
        writes=True,
    )
)
