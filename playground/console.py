"""The in-page kubectl console: a command line run against the sandbox's engine.

It speaks a subset of kubectl and prints what kubectl prints for it, so what a
learner types here works unchanged against a real cluster. Anything outside the
subset is refused by name rather than half-done.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field

import yaml

from playground.engine import printers
from playground.engine.errors import ApiError
from playground.engine.kinds import resolve

READ_ONLY = {"get", "logs", "version", "api-resources"}
WRITING = {"scale", "delete", "cordon", "uncordon", "set", "rollout"}
SUPPORTED = sorted(READ_ONLY | WRITING)
MAX_LINE = 2000


class ConsoleError(Exception):
    """A command kubectl itself would reject before calling the API server."""


@dataclass
class Command:
    verb: str
    args: list[str] = field(default_factory=list)
    namespace: str = "default"
    all_namespaces: bool = False
    output: str = ""
    selector: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def writes(self) -> bool:
        return self.verb in WRITING and not (
            self.verb == "rollout" and self.args[:1] in (["history"], ["status"])
        )


_VALUE_FLAGS = {
    "-n": "namespace",
    "--namespace": "namespace",
    "-o": "output",
    "--output": "output",
    "-l": "selector",
    "--selector": "selector",
    "--replicas": "replicas",
    "-c": "container",
    "--container": "container",
    "--tail": "tail",
    "--to-revision": "to-revision",
}
_BOOL_FLAGS = {
    "-A": "all_namespaces",
    "--all-namespaces": "all_namespaces",
    "-p": "previous",
    "--previous": "previous",
    "--ignore-daemonsets": "ignore-daemonsets",
    "--delete-emptydir-data": "delete-emptydir-data",
    "--force": "force",
    "--now": "now",
}


def parse(line: str) -> Command:
    if len(line) > MAX_LINE:
        raise ConsoleError(f"error: the command is {len(line)} characters; the limit is {MAX_LINE}")
    try:
        words = shlex.split(line)
    except ValueError as error:
        raise ConsoleError(f"error: cannot parse the command line: {error}") from None
    if words[:1] == ["kubectl"]:
        words = words[1:]
    if not words:
        raise ConsoleError("error: type a kubectl command, for example: kubectl get pods")
    verb, rest = words[0], words[1:]
    if verb not in SUPPORTED:
        raise ConsoleError(
            f'error: the console does not run "kubectl {verb}"; it runs: {", ".join(SUPPORTED)}. '
            "Use the Apply YAML box for manifests, or a real kubectl against this sandbox for the rest."
        )
    command = Command(verb)
    i = 0
    while i < len(rest):
        word = rest[i]
        name, _, inline = word.partition("=") if word.startswith("--") else (word, "", "")
        if name in _VALUE_FLAGS:
            if inline:
                value = inline
            elif i + 1 < len(rest):
                i += 1
                value = rest[i]
            else:
                raise ConsoleError(f"error: flag needs an argument: {name}")
            key = _VALUE_FLAGS[name]
            if key in ("namespace", "output", "selector"):
                setattr(command, key, value)
            else:
                command.extra[key] = value
        elif name in _BOOL_FLAGS:
            key = _BOOL_FLAGS[name]
            if key == "all_namespaces":
                command.all_namespaces = True
            else:
                command.extra[key] = True
        elif word.startswith("-") and word != "-":
            raise ConsoleError(f"error: unknown flag: {name}")
        else:
            command.args.append(word)
        i += 1
    if command.output not in ("", "wide", "yaml", "json", "name"):
        raise ConsoleError(
            f'error: unable to match a printer suitable for the output format "{command.output}", '
            "allowed formats are: json,name,wide,yaml"
        )
    return command


def _target(args: list[str], verb: str) -> tuple[str, list[str]]:
    """TYPE NAME..., or TYPE/NAME: the resource type and the names."""
    if not args:
        raise ConsoleError(f"error: You must specify the type of resource to {verb}.")
    if "/" in args[0]:
        kind, _, name = args[0].partition("/")
        return kind, [name, *[a.partition("/")[2] for a in args[1:]]]
    return args[0], args[1:]


def _type(name: str):
    rt = resolve(name)
    if rt is None:
        raise ConsoleError(f'error: the server doesn\'t have a resource type "{name}"')
    return rt


def _ref(rt, name: str) -> str:
    return f"{rt.singular}.{rt.group}/{name}" if rt.group else f"{rt.singular}/{name}"


def run(cluster, command: Command) -> str:
    """The text kubectl prints on stdout; ApiError and ConsoleError carry what it prints on stderr."""
    handler = globals()[f"_{command.verb.replace('-', '_')}"]
    return handler(cluster, command)


def _get(cluster, command: Command) -> str:
    kind, names = _target(command.args, "get")
    rt = _type(kind)
    namespace = None if (command.all_namespaces or not rt.namespaced) else command.namespace
    if names:
        objects = [cluster.get(rt.kind, name, namespace) for name in names]
    else:
        objects = cluster.list(rt.kind, namespace, command.selector or None)
        objects.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        if not objects:
            if namespace:
                raise ConsoleError(f"No resources found in {namespace} namespace.")
            raise ConsoleError("No resources found")
    if command.output == "name":
        return "".join(_ref(rt, o["metadata"]["name"]) + "\n" for o in objects)
    if command.output in ("yaml", "json"):
        for obj in objects:
            obj.setdefault("apiVersion", rt.api_version)
            obj.setdefault("kind", rt.kind)
        document = (
            objects[0]
            if names and len(objects) == 1
            else {"apiVersion": "v1", "items": objects, "kind": "List", "metadata": {"resourceVersion": ""}}
        )
        if command.output == "json":
            return json.dumps(document, indent=4) + "\n"
        return yaml.safe_dump(document, sort_keys=True, default_flow_style=False)
    wide = command.output == "wide"
    show_namespace = command.all_namespaces and rt.namespaced
    header = printers.columns(rt.kind, wide)
    rows = [(["NAMESPACE"] if show_namespace else []) + header]
    for obj in objects:
        cells = printers.row(rt.kind, obj, cluster.clock, wide)
        rows.append(([obj["metadata"]["namespace"]] if show_namespace else []) + cells)
    return printers.render(rows)


def _logs(cluster, command: Command) -> str:
    if not command.args:
        raise ConsoleError("error: expected POD or TYPE/NAME is a required argument for the logs command")
    name = command.args[0].removeprefix("pod/").removeprefix("pods/")
    tail = command.extra.get("tail")
    return cluster.logs(
        name,
        command.namespace,
        container=command.extra.get("container"),
        tail_lines=int(tail) if tail not in (None, "-1") else None,
        previous=bool(command.extra.get("previous")),
    )


def _version(cluster, command: Command) -> str:
    node = next(iter(cluster.list("Node")), None)
    version = ((node or {}).get("status") or {}).get("nodeInfo", {}).get("kubeletVersion", "unknown")
    return f"Server Version: {version}\n"


def _api_resources(cluster, command: Command) -> str:
    from playground.engine.kinds import TYPES

    rows = [["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]]
    for rt in sorted(TYPES, key=lambda t: (t.group, t.plural)):
        rows.append(
            [rt.plural, ",".join(rt.short_names), rt.api_version, str(rt.namespaced).lower(), rt.kind]
        )
    return printers.render(rows)


def _scale(cluster, command: Command) -> str:
    if "replicas" not in command.extra:
        raise ConsoleError('error: required flag(s) "replicas" not set')
    try:
        replicas = int(command.extra["replicas"])
    except ValueError:
        raise ConsoleError(
            f'error: invalid argument "{command.extra["replicas"]}" for "--replicas" flag'
        ) from None
    kind, names = _target(command.args, "scale")
    rt = _type(kind)
    if not names:
        raise ConsoleError("error: resource(s) were provided, but no name was specified")
    out = []
    for name in names:
        cluster.scale(rt.kind, name, replicas, command.namespace)
        out.append(f"{_ref(rt, name)} scaled\n")
    return "".join(out)


def _delete(cluster, command: Command) -> str:
    kind, names = _target(command.args, "delete")
    rt = _type(kind)
    if not names:
        raise ConsoleError("error: resource(s) were provided, but no name was specified")
    grace = 0 if command.extra.get("now") or command.extra.get("force") else None
    out = []
    for name in names:
        cluster.delete(
            rt.kind, name, command.namespace if rt.namespaced else None, grace_period_seconds=grace
        )
        label = f"{rt.singular}.{rt.group}" if rt.group else rt.singular
        out.append(f'{label} "{name}" deleted\n')
    return "".join(out)


def _node_names(command: Command) -> list[str]:
    if not command.args:
        raise ConsoleError(f"error: USAGE: kubectl {command.verb} NODE")
    return [a.removeprefix("node/").removeprefix("nodes/") for a in command.args]


def _cordon(cluster, command: Command) -> str:
    out = []
    for name in _node_names(command):
        before = bool((cluster.get("Node", name).get("spec") or {}).get("unschedulable"))
        cluster.cordon(name)
        out.append(f"node/{name} {'already cordoned' if before else 'cordoned'}\n")
    return "".join(out)


def _uncordon(cluster, command: Command) -> str:
    out = []
    for name in _node_names(command):
        before = bool((cluster.get("Node", name).get("spec") or {}).get("unschedulable"))
        cluster.uncordon(name)
        out.append(f"node/{name} {'uncordoned' if before else 'already uncordoned'}\n")
    return "".join(out)


def _set(cluster, command: Command) -> str:
    if command.args[:1] != ["image"] or len(command.args) < 3:
        raise ConsoleError("error: the console runs: kubectl set image TYPE/NAME CONTAINER=IMAGE ...")
    kind, names = _target(command.args[1:2], "set image")
    rt = _type(kind)
    pairs = command.args[2:] if "/" in command.args[1] else command.args[3:]
    name = names[0] if names else (command.args[2] if len(command.args) > 2 else "")
    images = {}
    for pair in pairs:
        container, sep, image = pair.partition("=")
        if not sep or not image:
            raise ConsoleError(f'error: invalid image update "{pair}": expected CONTAINER=IMAGE')
        images[container] = image
    if not images:
        raise ConsoleError("error: at least one image update is required")
    try:
        cluster.set_image(rt.kind, name, images, command.namespace)
    except ApiError as error:
        if error.reason != "BadRequest":
            raise
        raise ConsoleError(f"error: {error.message}") from None  # kubectl finds this client-side
    return f"{_ref(rt, name)} image updated\n"


def _rollout(cluster, command: Command) -> str:
    if len(command.args) < 2:
        raise ConsoleError(
            "error: the console runs: kubectl rollout history|restart|undo|pause|resume TYPE/NAME"
        )
    action = command.args[0]
    kind, names = _target(command.args[1:], f"rollout {action}")
    rt = _type(kind)
    if not names:
        raise ConsoleError("error: required resource not specified")
    name = names[0]
    if action == "history":
        rows = [["REVISION", "CHANGE-CAUSE"]]
        for entry in cluster.rollout_history(rt.kind, name, command.namespace):
            rows.append([str(entry["revision"]), entry.get("changeCause") or "<none>"])
        return f"{_ref(rt, name)} \n" + printers.render(rows) + "\n"
    if action == "restart":
        cluster.rollout_restart(rt.kind, name, command.namespace)
        return f"{_ref(rt, name)} restarted\n"
    if action == "undo":
        revision = command.extra.get("to-revision")
        result = cluster.rollout_undo(rt.kind, name, command.namespace, int(revision) if revision else None)
        if result["skipped"]:
            return f"{_ref(rt, name)} skipped rollback (current template already matches revision {result['revision']})\n"
        return f"{_ref(rt, name)} rolled back\n"
    if action == "pause":
        cluster.rollout_pause(rt.kind, name, command.namespace)
        return f"{_ref(rt, name)} paused\n"
    if action == "resume":
        cluster.rollout_resume(rt.kind, name, command.namespace)
        return f"{_ref(rt, name)} resumed\n"
    raise ConsoleError(
        f'error: unknown rollout action "{action}"; the console runs history, restart, undo, pause, resume'
    )


def error_text(error: ApiError) -> str:
    return f"Error from server ({error.reason}): {error.message}"
