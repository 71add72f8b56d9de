"""kubectl label and kubectl annotate: KEY=VALUE to set, KEY- to remove, --overwrite to change."""

from __future__ import annotations

from playground.kubectl.cmd.registry import (
    ALL_UNSUPPORTED,
    OVERWRITE,
    SELECTOR_UNSUPPORTED,
    WRITE_UNSUPPORTED,
    Unsupported,
    Verb,
    register,
)
from playground.kubectl.cmd.util import Command, ref, resource_type
from playground.kubectl.errors import ConsoleError


def change_metadata(cluster, command: Command, field: str, verb: str) -> str:
    if len(command.args) < 2:
        raise ConsoleError(
            "error: one or more resources must be specified as <resource> <name> or <resource>/<name>"
        )
    first = command.args[0]
    if "/" in first:
        kind, name, changes = first.split("/", 1)[0], first.split("/", 1)[1], command.args[1:]
    else:
        kind, name, changes = first, command.args[1], command.args[2:]
    rt = resource_type(kind)
    if not changes:
        raise ConsoleError(f"error: at least one {field[:-1]} update is required")
    namespace = command.namespace if rt.namespaced else None
    current = cluster.get(rt.kind, name, namespace)["metadata"].get(field) or {}
    patch: dict = {}
    for change in changes:
        if change.endswith("-") and "=" not in change:
            patch[change[:-1]] = None
            continue
        key, sep, value = change.partition("=")
        if not sep:
            raise ConsoleError(f'error: invalid {field[:-1]} spec "{change}"; expected KEY=VALUE or KEY-')
        if key in current and current[key] != value and not command.flag("overwrite"):
            if field == "labels":
                raise ConsoleError(
                    f"error: '{key}' already has a value ({current[key]}), and --overwrite is false"
                )
            raise ConsoleError(
                "error: --overwrite is false but found the following declared annotation(s): "
                f"'{key}' already has a value ({current[key]})"
            )
        patch[key] = value
    cluster.patch(rt.kind, name, {"metadata": {field: patch}}, namespace, "merge")
    return f"{ref(rt, name)} {verb}\n"


def run(cluster, command: Command) -> str:
    return change_metadata(cluster, command, "labels", "labeled")


register(
    Verb(
        "label",
        run,
        (OVERWRITE,),
        "kubectl label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]",
        "Update the labels on a resource.",
        unsupported=(
            *WRITE_UNSUPPORTED,
            ALL_UNSUPPORTED,
            SELECTOR_UNSUPPORTED,
            Unsupported("list", instead="kubectl describe TYPE NAME lists them"),
        ),
        writes=True,
    )
)
