"""kubectl delete TYPE NAME... or -l SELECTOR."""

from __future__ import annotations

from playground.kubectl.cmd.registry import (
    ALL_UNSUPPORTED,
    FIELD_SELECTOR,
    OWN_KUBECTL,
    SELECTOR,
    WRITE_UNSUPPORTED,
    Flag,
    Unsupported,
    Verb,
    register,
)
from playground.kubectl.cmd.util import Command, resource_type, target
from playground.kubectl.errors import ConsoleError

FLAGS = (
    SELECTOR,
    Flag(
        "now",
        type="bool",
        default=False,
        help="If true, resources are signaled for immediate shutdown (same as --grace-period=1).",
    ),
    Flag(
        "force",
        type="bool",
        default=False,
        help="If true, immediately remove resources from API and bypass graceful deletion.",
    ),
    Flag(
        "grace-period",
        type="int",
        default=-1,
        help="Period of time in seconds given to the resource to terminate gracefully. Ignored if negative.",
    ),
    Flag("wait", type="bool", default=True, help="If true, wait for resources to be gone before returning."),
)


def run(cluster, command: Command) -> str:
    kind, names = target(command.args, "delete")
    rt = resource_type(kind)
    if not names and command.selector:
        namespace = command.namespace if rt.namespaced else None
        names = [o["metadata"]["name"] for o in cluster.list(rt.kind, namespace, command.selector)]
        if not names:
            return "No resources found\n"
    if not names:
        raise ConsoleError("error: resource(s) were provided, but no name was specified")
    grace = command.flag("grace-period")
    grace = 0 if command.flag("now") or command.flag("force") else (grace if grace >= 0 else None)
    out = []
    for name in names:
        cluster.delete(
            rt.kind, name, command.namespace if rt.namespaced else None, grace_period_seconds=grace
        )
        label = f"{rt.singular}.{rt.group}" if rt.group else rt.singular
        out.append(f'{label} "{name}" deleted\n')
    return "".join(out)


register(
    Verb(
        "delete",
        run,
        FLAGS,
        "kubectl delete ([-f FILENAME] | [-k DIRECTORY] | TYPE [(NAME | -l label | --all)]) [options]",
        "Delete resources by file names, stdin, resources and names, or by resources and label selector.",
        unsupported=(
            *WRITE_UNSUPPORTED,
            ALL_UNSUPPORTED,
            FIELD_SELECTOR,
            Unsupported(
                "all-namespaces", "A", "delete in one namespace at a time, named with -n/--namespace"
            ),
            Unsupported(
                "cascade",
                instead="the console deletes dependents in the background, as kubectl's default "
                f"--cascade=background does; {OWN_KUBECTL} for foreground or orphan",
            ),
        ),
        writes=True,
    )
)
