"""kubectl apply -f -: the YAML after the command line, applied client-side
(playground.kubectl.apply)."""

from __future__ import annotations

from playground.kubectl.apply import apply
from playground.kubectl.cmd.registry import (
    DRY_RUN,
    OUTPUT_UNSUPPORTED,
    OWN_KUBECTL,
    Flag,
    Unsupported,
    Verb,
    register,
)
from playground.kubectl.cmd.util import Command
from playground.kubectl.errors import ConsoleError

FILENAME = Flag(
    "filename",
    "f",
    help="The files that contain the configurations to apply; - is standard input.",
    values=("-",),
)


def applied(outcome: list[dict]) -> list[str]:
    """kubectl apply's lines: 'deployment.apps/web created', 'configmap/settings unchanged'."""
    return [
        f"{(o['kind'].lower() + '.' + o['group']) if o['group'] else o['kind'].lower()}/{o['name']} {o['action']}"
        for o in outcome
    ]


def run(cluster, command: Command) -> str:
    if command.flag("filename") != "-":
        raise ConsoleError(
            "error: the console applies what you paste: type kubectl apply -f - and put the YAML on the next lines"
        )
    if not command.stdin.strip():
        raise ConsoleError("error: no objects passed to apply")
    outcome = apply(cluster, command.stdin, command.namespace if command.namespace_given else None)
    return "".join(line + "\n" for line in applied(outcome))


register(
    Verb(
        "apply",
        run,
        (FILENAME,),
        "kubectl apply (-f FILENAME | -k DIRECTORY) [options]",
        "Apply a configuration to a resource by file name or stdin.",
        unsupported=(
            DRY_RUN,
            OUTPUT_UNSUPPORTED,
            Unsupported(
                "server-side", instead=f"the console applies client-side; {OWN_KUBECTL} for --server-side"
            ),
            Unsupported(
                "kustomize",
                "k",
                f"paste the rendered YAML (kubectl kustomize DIR prints it), or {OWN_KUBECTL}",
            ),
            Unsupported(
                "prune", instead=f"delete what you no longer want by name, or {OWN_KUBECTL} for --prune"
            ),
        ),
        writes=True,
    )
)
