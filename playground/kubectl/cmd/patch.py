"""kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json] [--subresource NAME], as
k8s.io/kubectl/pkg/cmd/patch (PatchOptions.Validate, RunPatch): the patch is JSON or YAML,
sent to the object or one of its subresources (status, scale, a pod's resize), and the
answer is "patched" or "patched (no change)"."""

from __future__ import annotations

import yaml

from playground.kubectl.cmd.registry import (
    OUTPUT_UNSUPPORTED,
    WRITE_UNSUPPORTED,
    Flag,
    Unsupported,
    Verb,
    register,
)
from playground.kubectl.cmd.util import Command, ref, resource_type, target
from playground.kubectl.errors import ConsoleError

TYPES = {"json": "json", "merge": "merge", "strategic": "strategic"}
PATCH = Flag("patch", "p", help="The patch to be applied to the resource JSON file.")
TYPE = Flag(
    "type",
    default="strategic",
    help="The type of patch being provided; one of [json merge strategic]",
    values=("json", "merge", "strategic"),
)
SUBRESOURCE = Flag(
    "subresource",
    help="If specified, patch will operate on the subresource of the requested object.",
    values=("resize", "scale", "status"),
)


def run(cluster, command: Command) -> str:
    text = command.extra.get("patch") or ""
    if not text:
        raise ConsoleError("error: must specify --patch or --patch-file containing the contents of the patch")
    kind = command.extra.get("type") or "strategic"
    if kind.lower() not in TYPES:
        raise ConsoleError(f'error: --type must be one of [json merge strategic], not "{kind}"')
    try:
        body = yaml.safe_load(text)  # JSON is YAML; kubectl turns either into JSON
    except yaml.YAMLError as error:
        problem = getattr(error, "problem", None) or error
        raise ConsoleError(f'error: unable to parse "{text}": yaml: {problem}') from None
    kind_name, names = target(command.args, "patch")
    rt = resource_type(kind_name)
    if not names:
        raise ConsoleError("error: resource(s) were provided, but no name was specified")
    namespace = command.namespace if rt.namespaced else None
    out = []
    for name in names:
        before = cluster.get(rt.kind, name, namespace)
        after = cluster.patch(
            rt.kind, name, body, namespace, TYPES[kind.lower()], command.extra.get("subresource") or None
        )
        changed = _unversioned(before) != _unversioned(after)
        out.append(f"{ref(rt, name)} patched{'' if changed else ' (no change)'}\n")
    return "".join(out)


def _unversioned(obj: dict) -> dict:
    """The object without what every write stamps: an API server that finds nothing changed
    keeps the resourceVersion, so kubectl's before-and-after comparison sees no change."""
    meta = {k: v for k, v in obj["metadata"].items() if k not in ("resourceVersion", "managedFields")}
    return {**obj, "metadata": meta}


register(
    Verb(
        "patch",
        run,
        (PATCH, TYPE, SUBRESOURCE),
        "kubectl patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [options]",
        "Update fields of a resource using strategic merge patch, a JSON merge patch, or a JSON patch.",
        unsupported=(
            *WRITE_UNSUPPORTED,
            OUTPUT_UNSUPPORTED,
            Unsupported("patch-file", instead="give the patch on the command line with -p"),
            Unsupported(
                "local", instead="patch the object in the sandbox, or use your own kubectl for --local"
            ),
        ),
        writes=True,
    )
)
