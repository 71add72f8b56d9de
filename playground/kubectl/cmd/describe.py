"""kubectl describe: each object by its kind's describer (playground.kubectl.describe)."""

from __future__ import annotations

from playground.engine.errors import ApiError
from playground.kubectl.cmd.registry import ALL_NAMESPACES, FILENAME_UNSUPPORTED, SELECTOR, Verb, register
from playground.kubectl.cmd.util import Command, no_resources, resource_type, target
from playground.kubectl.describe import describe


def run(cluster, command: Command) -> str:
    kind, names = target(command.args, "describe")
    rt = resource_type(kind)
    namespace = None if (command.all_namespaces or not rt.namespaced) else command.namespace
    objects = []
    if names:
        for name in names:
            try:
                objects.append(cluster.get(rt.kind, name, namespace))
            except ApiError as error:
                # kubectl describe falls back to every object whose name starts with the argument.
                matches = [
                    o for o in cluster.list(rt.kind, namespace) if o["metadata"]["name"].startswith(name)
                ]
                if not matches:
                    raise error from None
                objects += sorted(matches, key=lambda o: o["metadata"]["name"])
    else:
        objects = cluster.list(rt.kind, namespace, command.selector or None)
        objects.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        if not objects:
            raise no_resources(namespace)
    return "\n\n".join(describe(cluster, rt.kind, o).rstrip("\n") for o in objects) + "\n"


register(
    Verb(
        "describe",
        run,
        (ALL_NAMESPACES, SELECTOR),
        "kubectl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]",
        "Show details of a specific resource or group of resources.",
        unsupported=(FILENAME_UNSUPPORTED,),
    )
)
