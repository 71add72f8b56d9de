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

READ_ONLY = {"get", "logs", "version", "api-resources", "top", "describe", "explain"}
WRITING = {
    "apply",
    "scale",
    "delete",
    "cordon",
    "uncordon",
    "drain",
    "set",
    "rollout",
    "label",
    "annotate",
    "create",
    "run",
    "expose",
}
# kubectl's own commands the console does not run, each with why and what to use instead.
_REAL_KUBECTL = "the real kubectl with this sandbox's kubeconfig (Download kubeconfig)"
_NO_PROCESSES = (
    "the sandbox simulates containers without processes, so there is nothing to {what}; "
    "use kubectl logs POD for what a container prints, kubectl describe pod POD for its state "
    "and kubectl get events for what happened to it"
)
REFUSALS = {
    "edit": "the console has no editor; print the object with kubectl get TYPE NAME -o yaml, "
    "change it, then paste it after kubectl apply -f - (or into the Apply YAML box)",
    "exec": _NO_PROCESSES.format(what="exec into"),
    "attach": _NO_PROCESSES.format(what="attach to"),
    "debug": _NO_PROCESSES.format(what="debug with an ephemeral container"),
    "cp": _NO_PROCESSES.format(what="copy files from or to"),
    "port-forward": "the sandbox's pods have no network endpoints to forward to; "
    "kubectl get endpointslices and the Network view and trace show where traffic would go",
    "proxy": "the console talks to the API server for you; to serve the API on a local port, "
    f"run kubectl proxy with {_REAL_KUBECTL}",
    "patch": "use kubectl apply -f - with the changed YAML, or kubectl label, annotate, scale or "
    f"set image; kubectl patch works with {_REAL_KUBECTL}",
    "replace": "use kubectl apply -f - with the whole object on the next lines",
    "wait": "the console runs one command and answers at once; run kubectl get or "
    "kubectl rollout status again, or press Settle to run the clock until nothing is due",
    "autoscale": "apply a HorizontalPodAutoscaler with kubectl apply -f - instead",
    "certificate": "the sandbox has no certificate signers; use kubectl get nodes to see its members",
    "cluster-info": "use kubectl get nodes and kubectl version; kubectl cluster-info works with "
    + _REAL_KUBECTL,
    "taint": f"the console does not change taints; kubectl taint works with {_REAL_KUBECTL}, "
    "and kubectl cordon NODE stops new pods landing on a node",
    "events": "use kubectl get events, or kubectl describe TYPE NAME for one object's events",
    "diff": "kubectl apply -f - prints created, configured or unchanged for each object; "
    f"kubectl diff works with {_REAL_KUBECTL}",
    "kustomize": f"paste the rendered YAML after kubectl apply -f -, or run kustomize with {_REAL_KUBECTL}",
    "auth": "the sandbox lets every request through, so there is nothing to check; "
    f"kubectl auth works with {_REAL_KUBECTL}",
    "config": "the console always talks to this sandbox; choose a namespace with -n NAMESPACE on each command, "
    f"and use kubectl config with {_REAL_KUBECTL}",
    "plugin": f"the console runs no plugins; use {_REAL_KUBECTL}",
    "completion": "press Tab in this terminal to complete; kubectl completion is for your own shell",
    "options": "each verb's flags complete with Tab after a -",
    "api-versions": "use kubectl api-resources, which lists every type with its API version",
    "alpha": "the console runs no alpha commands",
}
KUBECTL_VERBS = set(REFUSALS)
# kubectl's commands in the order it registers them, which is the order its
# "Did you mean this?" suggestions come in (kubectl turns off cobra's sorting).
KUBECTL_ORDER = (
    "create expose run set explain get edit delete rollout scale autoscale certificate cluster-info top "
    "cordon uncordon drain taint describe logs attach exec port-forward proxy cp auth debug events diff "
    "apply patch replace wait kustomize label annotate completion config plugin version api-versions "
    "api-resources options"
).split()
SUPPORTED = sorted(READ_ONLY | WRITING)
MAX_LINE = 2000
MAX_STDIN = 256 * 1024


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
    stdin: str = ""
    namespace_given: bool = False

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
    "--image": "image",
    "--port": "port",
    "--target-port": "target-port",
    "--type": "type",
    "--name": "name",
    "--restart": "restart",
    "--labels": "labels",
    "--protocol": "protocol",
    "--grace-period": "grace-period",
    "-f": "filename",
    "--filename": "filename",
    "--hard": "hard",
    "--min-available": "min-available",
    "--max-unavailable": "max-unavailable",
    "--wait": "wait",
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
    "--overwrite": "overwrite",
}


def parse(text: str) -> Command:
    """The first line is the command; any further lines are its standard input
    (`kubectl apply -f -` followed by YAML, with or without a `<<EOF` heredoc)."""
    line, _, stdin = text.replace("\r\n", "\n").partition("\n")
    if len(stdin.encode()) > MAX_STDIN:
        raise ConsoleError(f"error: the input is {len(stdin.encode())} bytes; the limit is {MAX_STDIN} bytes")
    heredoc = None
    if "<<" in line:
        line, _, marker = line.partition("<<")
        heredoc = marker.strip().strip("'\"-") or None
    if heredoc:
        body = stdin.split("\n")
        if heredoc in (b.strip() for b in body):
            body = body[: [b.strip() for b in body].index(heredoc)]
        stdin = "\n".join(body)
    command = _parse_line(line.strip())
    command.stdin = stdin
    return command


def _parse_line(line: str) -> Command:
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
    if verb not in SUPPORTED and verb not in KUBECTL_VERBS:
        raise ConsoleError(unknown_command(verb))
    if verb not in SUPPORTED:
        raise ConsoleError(f'error: the console does not run "kubectl {verb}": {REFUSALS[verb]}.')
    command = Command(verb)
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--":
            command.args += rest[i:]
            break
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
                command.namespace_given |= key == "namespace"
            else:
                command.extra[key] = value
        elif name in _BOOL_FLAGS:
            key = _BOOL_FLAGS[name]
            if key == "all_namespaces":
                command.all_namespaces = True
            else:
                command.extra[key] = True
        elif word.startswith("-") and word != "-":
            raise ConsoleError(f"error: unknown flag: {name}\nSee 'kubectl {verb} --help' for usage.")
        else:
            command.args.append(word)
        i += 1
    if command.output not in ("", "wide", "yaml", "json", "name"):
        raise ConsoleError(
            f'error: unable to match a printer suitable for the output format "{command.output}", '
            "allowed formats are: json,name,wide,yaml"
        )
    return command


def unknown_command(verb: str) -> str:
    """What kubectl (cobra) prints for a command it does not know, with its suggestions:
    commands within two edits of the word, or starting with it, in kubectl's order."""
    typed = verb.lower()
    near = [c for c in KUBECTL_ORDER if _distance(typed, c) <= 2 or c.startswith(typed)]
    text = f'Error: unknown command "{verb}" for "kubectl"'
    if near:
        text += "\n\nDid you mean this?\n" + "".join(f"\t{c}\n" for c in near)
    return text.rstrip("\n")


def _distance(a: str, b: str) -> int:
    """Levenshtein distance, as cobra computes it for suggestions."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


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


ALL = (
    "Pod",
    "Service",
    "DaemonSet",
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "HorizontalPodAutoscaler",
    "CronJob",
    "Job",
)


def _get(cluster, command: Command) -> str:
    kind, names = _target(command.args, "get")
    if kind == "all" or "," in kind:
        return _get_many(cluster, command, kind, names)
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


def _get_many(cluster, command: Command, kinds: str, names: list[str]) -> str:
    """`get all` and `get pods,svc`: one table per type, names as TYPE/NAME, blank line between."""
    if names:
        raise ConsoleError("error: the console lists several types only without names: kubectl get pods,svc")
    types = []
    for part in kinds.split(","):
        types += [_type(k) for k in ALL] if part == "all" else [_type(part)]
    blocks, items = [], []
    show_namespace = command.all_namespaces
    wide = command.output == "wide"
    for rt in types:
        namespace = None if (command.all_namespaces or not rt.namespaced) else command.namespace
        objects = cluster.list(rt.kind, namespace, command.selector or None)
        objects.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        if not objects:
            continue
        items += [{"apiVersion": rt.api_version, "kind": rt.kind, **o} for o in objects]
        if command.output == "name":
            blocks.append("".join(_ref(rt, o["metadata"]["name"]) + "\n" for o in objects))
            continue
        rows = [(["NAMESPACE"] if show_namespace else []) + printers.columns(rt.kind, wide)]
        for obj in objects:
            cells = printers.row(rt.kind, obj, cluster.clock, wide)
            cells[0] = _ref(rt, cells[0])
            rows.append(([obj["metadata"].get("namespace", "")] if show_namespace else []) + cells)
        blocks.append(printers.render(rows))
    if not blocks:
        raise ConsoleError(
            "No resources found"
            if command.all_namespaces
            else f"No resources found in {command.namespace} namespace."
        )
    if command.output in ("yaml", "json"):
        document = {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
        if command.output == "json":
            return json.dumps(document, indent=4) + "\n"
        return yaml.safe_dump(document, sort_keys=True, default_flow_style=False)
    return ("" if command.output == "name" else "\n").join(blocks)


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
    if not names and command.selector:
        namespace = command.namespace if rt.namespaced else None
        names = [o["metadata"]["name"] for o in cluster.list(rt.kind, namespace, command.selector)]
        if not names:
            return "No resources found\n"
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


def _mark_schedulable(cluster, command: Command, unschedulable: bool) -> str:
    """cordon/uncordon, saying 'already' when the node is in that state, as kubectl does."""
    verb = "cordoned" if unschedulable else "uncordoned"
    out = []
    for name in _node_names(command):
        before = bool((cluster.get("Node", name).get("spec") or {}).get("unschedulable"))
        (cluster.cordon if unschedulable else cluster.uncordon)(name)
        out.append(f"node/{name} {'already ' if before == unschedulable else ''}{verb}\n")
    return "".join(out)


def _cordon(cluster, command: Command) -> str:
    return _mark_schedulable(cluster, command, True)


def _uncordon(cluster, command: Command) -> str:
    return _mark_schedulable(cluster, command, False)


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
    if action == "status":
        return _rollout_status(cluster.get(rt.kind, name, command.namespace))
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


def _rollout_status(d: dict) -> str:
    """kubectl's DeploymentStatusViewer, reporting once instead of watching."""
    if d["kind"] != "Deployment":
        raise ConsoleError("error: the console reports rollout status for Deployments")
    name, spec, status = d["metadata"]["name"], d["spec"], d.get("status") or {}
    if d["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...\n"
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            raise ConsoleError(f'error: deployment "{name}" exceeded its progress deadline')
    wanted, updated = spec.get("replicas", 1), status.get("updatedReplicas", 0)
    prefix = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < wanted:
        return prefix + f"{updated} out of {wanted} new replicas have been updated...\n"
    if status.get("replicas", 0) > updated:
        return prefix + f"{status['replicas'] - updated} old replicas are pending termination...\n"
    if status.get("availableReplicas", 0) < updated:
        return (
            prefix + f"{status.get('availableReplicas', 0)} of {updated} updated replicas are available...\n"
        )
    return f'deployment "{name}" successfully rolled out\n'


def _describe(cluster, command: Command) -> str:
    from playground.engine.describe import describe

    kind, names = _target(command.args, "describe")
    rt = _type(kind)
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
            raise ConsoleError(
                f"No resources found in {namespace} namespace." if namespace else "No resources found"
            )
    return "\n\n".join(describe(cluster, rt.kind, o).rstrip("\n") for o in objects) + "\n"


def _explain(cluster, command: Command) -> str:
    from playground.engine.explain import explain

    if not command.args:
        raise ConsoleError("error: You must specify the type of resource to explain.")
    kind, *path = command.args[0].split(".")
    rt = resolve(kind)
    if rt is None:
        raise ConsoleError(f'error: the server doesn\'t have a resource type "{kind}"')
    try:
        return explain(rt, path)
    except ApiError as error:
        raise ConsoleError(f"error: {error.message}") from None


def _apply(cluster, command: Command) -> str:
    if command.extra.get("filename") != "-":
        raise ConsoleError(
            "error: the console applies what you paste: type kubectl apply -f - and put the YAML on the next lines"
        )
    if not command.stdin.strip():
        raise ConsoleError("error: no objects passed to apply")
    outcome = cluster.apply(command.stdin, command.namespace if command.namespace_given else None)
    return "".join(line + "\n" for line in applied(outcome))


def applied(outcome: list[dict]) -> list[str]:
    """kubectl apply's lines: 'deployment.apps/web created', 'configmap/settings unchanged'."""
    return [
        f"{(o['kind'].lower() + '.' + o['group']) if o['group'] else o['kind'].lower()}/{o['name']} {o['action']}"
        for o in outcome
    ]


def _drain(cluster, command: Command) -> str:
    (name,) = _node_names(command)[:1]
    grace = command.extra.get("grace-period")
    result = cluster.drain(
        name,
        ignore_daemonsets=bool(command.extra.get("ignore-daemonsets")),
        delete_emptydir_data=bool(command.extra.get("delete-emptydir-data")),
        force=bool(command.extra.get("force")),
        grace_period_seconds=int(grace) if grace not in (None, "-1") else None,
    )
    out = [f"node/{name} cordoned"]
    out += [f"Warning: {w}" for w in result["warnings"]]
    if result["errors"]:
        out.append(
            f'error: unable to drain node "{name}" due to error: {", ".join(result["errors"])}, continuing command...'
        )
        out += ["There are pending nodes to be drained:", f" {name}", *result["errors"]]
        raise ConsoleError("\n".join(out))
    for ref in result["evicted"]:
        out.append(f"evicting pod {ref}")
    for ref in result["evicted"]:
        out.append(f"pod/{ref.split('/', 1)[1]} evicted")
    if result["blocked"]:
        out += [b["message"] for b in result["blocked"]]
        out.append(
            "(kubectl keeps retrying these evictions until the budget allows them; "
            "run the drain again after the replacements are ready)"
        )
        raise ConsoleError("\n".join(out))
    out.append(f"node/{name} drained")
    return "\n".join(out) + "\n"


def _metadata_change(cluster, command: Command, field: str, verb: str) -> str:
    if len(command.args) < 2:
        raise ConsoleError(
            "error: one or more resources must be specified as <resource> <name> or <resource>/<name>"
        )
    first = command.args[0]
    if "/" in first:
        kind, name, changes = first.split("/", 1)[0], first.split("/", 1)[1], command.args[1:]
    else:
        kind, name, changes = first, command.args[1], command.args[2:]
    rt = _type(kind)
    if not changes:
        raise ConsoleError(f"error: at least one {field[:-1]} update is required")
    obj = cluster.get(rt.kind, name, command.namespace if rt.namespaced else None)
    current = obj["metadata"].get(field) or {}
    patch: dict = {}
    for change in changes:
        if change.endswith("-") and "=" not in change:
            patch[change[:-1]] = None
            continue
        key, sep, value = change.partition("=")
        if not sep:
            raise ConsoleError(f'error: invalid {field[:-1]} spec "{change}"; expected KEY=VALUE or KEY-')
        if key in current and current[key] != value and not command.extra.get("overwrite"):
            if field == "labels":
                raise ConsoleError(
                    f"error: '{key}' already has a value ({current[key]}), and --overwrite is false"
                )
            raise ConsoleError(
                "error: --overwrite is false but found the following declared annotation(s): "
                f"'{key}' already has a value ({current[key]})"
            )
        patch[key] = value
    cluster.patch(
        rt.kind, name, {"metadata": {field: patch}}, command.namespace if rt.namespaced else None, "merge"
    )
    return f"{_ref(rt, name)} {verb}\n"


def _label(cluster, command: Command) -> str:
    return _metadata_change(cluster, command, "labels", "labeled")


def _annotate(cluster, command: Command) -> str:
    return _metadata_change(cluster, command, "annotations", "annotated")


def _container_name(image: str) -> str:
    """kubectl create deployment names the container after the image's last path part."""
    base = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    return "".join(ch if ch.isalnum() else "-" for ch in base.lower()).strip("-") or "container"


def _port(value: str, flag: str = "port") -> int:
    try:
        return int(value)
    except ValueError:
        raise ConsoleError(f'error: invalid argument "{value}" for "--{flag}" flag') from None


def _create(cluster, command: Command) -> str:
    what = command.args[:1]
    if what in (["namespace"], ["ns"], ["quota"], ["resourcequota"], ["pdb"], ["poddisruptionbudget"]):
        return _create_other(cluster, command)
    if what != ["deployment"] and what != ["deploy"]:
        raise ConsoleError(
            "error: the console runs: kubectl create deployment|namespace|quota|pdb NAME …; "
            "use the Apply YAML box for other objects"
        )
    if len(command.args) < 2:
        raise ConsoleError("error: exactly one NAME is required, got 0")
    name, image = command.args[1], command.extra.get("image")
    if not image:
        raise ConsoleError('error: required flag(s) "image" not set')
    container = {"name": _container_name(image), "image": image, "resources": {}}
    if command.extra.get("port"):
        container["ports"] = [{"containerPort": _port(command.extra["port"])}]
    replicas = int(command.extra.get("replicas", 1))
    cluster.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "strategy": {},
                "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}},
            },
        },
        command.namespace,
    )
    return f"deployment.apps/{name} created\n"


def _create_other(cluster, command: Command) -> str:
    """kubectl create namespace, quota (--hard) and pdb (--selector, --min-available or
    --max-unavailable), with kubectl's own output line."""
    if len(command.args) != 2:
        raise ConsoleError(f"error: exactly one NAME is required, got {len(command.args) - 1}")
    what, name = command.args
    if what in ("namespace", "ns"):
        cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
        return f"namespace/{name} created\n"
    if what in ("quota", "resourcequota"):
        hard = {}
        for pair in (command.extra.get("hard") or "").split(","):
            key, sep, value = pair.partition("=")
            if not sep or not key:
                raise ConsoleError(f"error: invalid resource quota: --hard={command.extra.get('hard', '')}")
            hard[key] = value
        quota = {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": name},
            "spec": {"hard": hard},
        }
        cluster.create(quota, command.namespace)
        return f"resourcequota/{name} created\n"
    if not command.selector:
        raise ConsoleError('error: required flag(s) "selector" not set')
    spec = {"selector": {"matchLabels": dict(p.partition("=")[::2] for p in command.selector.split(","))}}
    for flag, key in (("min-available", "minAvailable"), ("max-unavailable", "maxUnavailable")):
        if flag in command.extra:
            value = command.extra[flag]
            spec[key] = int(value) if value.isdigit() else value
    if ("minAvailable" in spec) == ("maxUnavailable" in spec):
        raise ConsoleError("error: exactly one of min-available or max-unavailable must be specified")
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name}, "spec": spec}
    cluster.create(pdb, command.namespace)
    return f"poddisruptionbudget.policy/{name} created\n"


def _run(cluster, command: Command) -> str:
    if not command.args:
        raise ConsoleError("error: NAME is required for run")
    name, image = command.args[0], command.extra.get("image")
    if not image:
        raise ConsoleError('error: required flag(s) "image" not set')
    labels = {"run": name}
    if command.extra.get("labels"):
        labels = dict(pair.partition("=")[::2] for pair in command.extra["labels"].split(","))
    container = {"name": name, "image": image, "resources": {}}
    if command.extra.get("port"):
        container["ports"] = [{"containerPort": _port(command.extra["port"])}]
    args = command.args[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if args:
        container["args"] = args
    restart = command.extra.get("restart", "Always")
    if restart not in ("Always", "OnFailure", "Never"):
        raise ConsoleError(f"error: invalid restart policy: {restart}")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [container], "restartPolicy": restart, "dnsPolicy": "ClusterFirst"},
    }
    cluster.create(pod, command.namespace)
    return f"pod/{name} created\n"


def _expose(cluster, command: Command) -> str:
    kind, names = _target(command.args, "expose")
    rt = _type(kind)
    if not names:
        raise ConsoleError("error: resource(s) were provided, but no name was specified")
    obj = cluster.get(rt.kind, names[0], command.namespace)
    if rt.kind == "Pod":
        selector = obj["metadata"].get("labels") or {}
        containers = obj["spec"]["containers"]
    elif rt.kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        selector = (obj["spec"].get("selector") or {}).get("matchLabels") or {}
        if (obj["spec"].get("selector") or {}).get("matchExpressions"):
            raise ConsoleError(
                f"error: couldn't retrieve selectors via --selector flag or introspection: "
                f"{rt.kind} has a selector with matchExpressions, which a Service cannot express"
            )
        containers = obj["spec"]["template"]["spec"]["containers"]
    elif rt.kind == "Service":
        selector, containers = obj["spec"].get("selector") or {}, []
    else:
        raise ConsoleError(f"error: cannot expose a {rt.kind}")
    if not selector:
        raise ConsoleError(
            f"error: couldn't retrieve selectors via --selector flag or introspection: the {rt.singular} has no labels"
        )
    port = command.extra.get("port")
    if port is None:
        declared = [p for c in containers for p in c.get("ports") or []]
        if not declared:
            raise ConsoleError("error: couldn't find port via --port flag or introspection")
        port = str(declared[0]["containerPort"])
    target = command.extra.get("target-port", port)
    service_type = command.extra.get("type", "ClusterIP")
    name = command.extra.get("name", names[0])
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": dict(obj["metadata"].get("labels") or {})},
            "spec": {
                "type": service_type,
                "selector": selector,
                "ports": [
                    {
                        "port": _port(port),
                        "protocol": command.extra.get("protocol", "TCP"),
                        "targetPort": int(target) if str(target).isdigit() else target,
                    }
                ],
            },
        },
        command.namespace,
    )
    return f"service/{name} exposed\n"


def _top(cluster, command: Command) -> str:
    from playground.engine import quantity

    what = command.args[:1]
    if what in (["pod"], ["pods"], ["po"]):
        namespace = None if command.all_namespaces else command.namespace
        metrics = cluster.pod_metrics(namespace)
        if not metrics:
            raise ConsoleError(
                f"No resources found in {namespace} namespace." if namespace else "No resources found"
            )
        rows = [(["NAMESPACE"] if namespace is None else []) + ["NAME", "CPU(cores)", "MEMORY(bytes)"]]
        for m in metrics:
            cpu = sum(quantity.parse(c["usage"]["cpu"]) for c in m["containers"])
            memory = sum(quantity.parse(c["usage"]["memory"]) for c in m["containers"])
            row = [m["metadata"]["name"], f"{int(cpu * 1000)}m", f"{int(memory) // (1024 * 1024)}Mi"]
            rows.append(([m["metadata"]["namespace"]] if namespace is None else []) + row)
        return printers.render(rows)
    if what in (["node"], ["nodes"], ["no"]):
        usage: dict[str, list] = {}
        pods = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in cluster.list("Pod")}
        for m in cluster.pod_metrics():
            node = pods[(m["metadata"]["namespace"], m["metadata"]["name"])]["spec"].get("nodeName")
            cpu = sum(quantity.parse(c["usage"]["cpu"]) for c in m["containers"])
            memory = sum(quantity.parse(c["usage"]["memory"]) for c in m["containers"])
            total = usage.setdefault(node, [0, 0])
            total[0] += cpu
            total[1] += memory
        rows = [["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]]
        for node in cluster.list("Node"):
            name = node["metadata"]["name"]
            if cluster.node_is_down(name):
                continue
            cpu, memory = usage.get(name, [0, 0])
            allocatable = node["status"].get("allocatable") or {}
            cpu_total = quantity.parse(allocatable.get("cpu", "1")) or 1
            memory_total = quantity.parse(allocatable.get("memory", "1")) or 1
            rows.append(
                [
                    name,
                    f"{int(cpu * 1000)}m",
                    f"{int(cpu * 100 / cpu_total)}%",
                    f"{int(memory) // (1024 * 1024)}Mi",
                    f"{int(memory * 100 / memory_total)}%",
                ]
            )
        return printers.render(rows)
    raise ConsoleError("error: the console runs: kubectl top pod|node")


# Completion ------------------------------------------------------------------------------------

_NAMESPACE_FLAGS = ("-n", "--namespace")
VERB_FLAGS = {
    "get": (*_NAMESPACE_FLAGS, "-A", "--all-namespaces", "-o", "--output", "-l", "--selector"),
    "describe": (*_NAMESPACE_FLAGS, "-A", "--all-namespaces", "-l", "--selector"),
    "explain": (),
    "logs": (*_NAMESPACE_FLAGS, "-c", "--container", "--tail", "-p", "--previous"),
    "version": (),
    "api-resources": (),
    "top": (*_NAMESPACE_FLAGS, "-A", "--all-namespaces"),
    "apply": (*_NAMESPACE_FLAGS, "-f", "--filename"),
    "scale": (*_NAMESPACE_FLAGS, "--replicas"),
    "delete": (*_NAMESPACE_FLAGS, "-l", "--selector", "--now", "--force", "--grace-period"),
    "cordon": (),
    "uncordon": (),
    "drain": ("--ignore-daemonsets", "--delete-emptydir-data", "--force", "--grace-period"),
    "set": _NAMESPACE_FLAGS,
    "rollout": (*_NAMESPACE_FLAGS, "--to-revision"),
    "label": (*_NAMESPACE_FLAGS, "--overwrite"),
    "annotate": (*_NAMESPACE_FLAGS, "--overwrite"),
    "create": (
        *_NAMESPACE_FLAGS,
        "--image",
        "--replicas",
        "--port",
        "--hard",
        "-l",
        "--selector",
        "--min-available",
        "--max-unavailable",
    ),
    "run": (*_NAMESPACE_FLAGS, "--image", "--port", "--labels", "--restart"),
    "expose": (*_NAMESPACE_FLAGS, "--port", "--target-port", "--type", "--name", "--protocol"),
}
FLAG_VALUES = {
    "output": ("json", "name", "wide", "yaml"),
    "filename": ("-",),
    "type": ("ClusterIP", "LoadBalancer", "NodePort"),
    "restart": ("Always", "Never", "OnFailure"),
    "protocol": ("SCTP", "TCP", "UDP"),
}
ROLLOUT_ACTIONS = ("history", "pause", "restart", "resume", "status", "undo")
ROLLOUT_TYPES = ("daemonsets", "deployments", "statefulsets")
CREATE_WHAT = ("deployment", "namespace", "poddisruptionbudget", "quota")
TOP_WHAT = ("node", "pod")
# Verbs whose first word is a resource type and the next ones that type's object names.
_TYPE_THEN_NAMES = {"get", "describe", "delete", "scale", "expose", "label", "annotate"}


def complete(cluster, line: str) -> dict:
    """Tab completion for the text left of the cursor: {"candidates": [...], "replace": n},
    where the last `n` characters of the line are the word being completed and each
    candidate is a whole replacement for it. Namespace-aware (-n, -A) and read-only."""
    words = line.split()
    partial = "" if not line or line[-1].isspace() else words.pop()
    prefix = ""
    if partial.startswith("--") and "=" in partial:  # --output=ya
        flag, _, partial = partial.partition("=")
        candidates = _flag_values(cluster, flag, words)
        return _answer([c for c in candidates if c.startswith(partial)], partial)
    if words[:1] == ["kubectl"]:
        words = words[1:]
    elif not words:
        # The first word: kubectl itself, or a verb typed without it (the console takes both).
        return _answer([c for c in ["kubectl", *SUPPORTED] if c.startswith(partial)], partial)
    if not words:
        return _answer([v for v in SUPPORTED if v.startswith(partial)], partial)
    verb, rest = words[0], words[1:]
    if verb not in VERB_FLAGS:
        return _answer([], partial)
    if rest and _takes_value(rest[-1]):
        return _answer([c for c in _flag_values(cluster, rest[-1], rest) if c.startswith(partial)], partial)
    if partial.startswith("-"):
        flags = sorted(VERB_FLAGS[verb], key=lambda f: (f.startswith("--"), f))
        return _answer([f for f in flags if f.startswith(partial)], partial)
    positional = _positional(rest)
    namespace, everywhere = _namespace(rest)
    if "/" in partial:
        kind, _, name_part = partial.partition("/")
        prefix = kind + "/"
        names = _object_names(cluster, kind, namespace, everywhere)
        return _answer([prefix + n for n in names if n.startswith(name_part)], partial)
    alias = resolve(partial) if partial else None  # `po` completes to `pods`, `svc` to `services`
    candidates = _positional_candidates(cluster, verb, positional, namespace, everywhere, partial)
    return _answer([c for c in candidates if c.startswith(partial) or (alias and c == alias.plural)], partial)


def _answer(candidates: list[str], partial: str) -> dict:
    return {"candidates": list(dict.fromkeys(candidates)), "replace": len(partial)}


def _takes_value(word: str) -> bool:
    return word in _VALUE_FLAGS


def _positional(rest: list[str]) -> list[str]:
    """The words that are not flags or flag values."""
    out, skip = [], False
    for word in rest:
        if skip:
            skip = False
        elif word in _VALUE_FLAGS:
            skip = True
        elif not word.startswith("-") or word == "-":
            out.append(word)
    return out


def _namespace(rest: list[str]) -> tuple[str, bool]:
    namespace, everywhere = "default", False
    for i, word in enumerate(rest):
        if word in _NAMESPACE_FLAGS and i + 1 < len(rest):
            namespace = rest[i + 1]
        elif word.startswith("--namespace="):
            namespace = word.partition("=")[2]
        elif word in ("-A", "--all-namespaces"):
            everywhere = True
    return namespace, everywhere


def _flag_values(cluster, flag: str, rest: list[str]) -> list[str]:
    key = _VALUE_FLAGS.get(flag)
    if key == "namespace":
        return sorted(o["metadata"]["name"] for o in cluster.list("Namespace"))
    if key == "container":
        namespace, _ = _namespace(rest)
        pods = [w.removeprefix("pod/").removeprefix("pods/") for w in _positional(rest)]
        names = []
        for pod in cluster.list("Pod", namespace):
            if not pods or pod["metadata"]["name"] in pods:
                names += [c["name"] for c in pod["spec"].get("containers") or []]
        return sorted(set(names))
    return list(FLAG_VALUES.get(key, ()))


def _types(partial: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Resource types by plural; a short name, singular or Kind typed in full completes to its
    plural (`po` → `pods`, `deploy` → `deployments`)."""
    from playground.engine.kinds import TYPES

    plurals = sorted(rt.plural for rt in TYPES if not allowed or rt.plural in allowed)
    rt = resolve(partial) if partial else None
    if rt is not None and rt.plural in plurals:
        return [rt.plural]
    return plurals


def _object_names(cluster, kind: str, namespace: str, everywhere: bool) -> list[str]:
    rt = resolve(kind)
    if rt is None:
        return []
    ns = None if (everywhere or not rt.namespaced) else namespace
    return sorted({o["metadata"]["name"] for o in cluster.list(rt.kind, ns)})


def _positional_candidates(cluster, verb, positional, namespace, everywhere, partial) -> list[str]:
    n = len(positional)
    if verb in _TYPE_THEN_NAMES or verb == "explain":
        if n == 0:
            types = _types(partial)
            return ["all", *types] if verb == "get" and len(types) > 1 else types
        if verb == "explain" or "/" in positional[0] or "," in positional[0]:
            return []
        if verb in ("label", "annotate") and n >= 2:
            return []
        return _object_names(cluster, positional[0], namespace, everywhere)
    if verb == "logs":
        return _object_names(cluster, "pods", namespace, everywhere) if n == 0 else []
    if verb in ("cordon", "uncordon", "drain"):
        return _object_names(cluster, "nodes", namespace, everywhere)
    if verb == "rollout":
        if n == 0:
            return list(ROLLOUT_ACTIONS)
        if n == 1:
            return _types(partial, ROLLOUT_TYPES)
        return _object_names(cluster, positional[1], namespace, everywhere) if n == 2 else []
    if verb == "set":
        if n == 0:
            return ["image"]
        if n == 1:
            return _types(partial, ROLLOUT_TYPES)
        target = positional[1]
        if "/" not in target and n == 2:
            return _object_names(cluster, target, namespace, everywhere)
        return _containers_of(cluster, positional[1:3], namespace)
    if verb == "create":
        return list(CREATE_WHAT) if n == 0 else []
    if verb == "top":
        return list(TOP_WHAT) if n == 0 else []
    return []


def _containers_of(cluster, target: list[str], namespace: str) -> list[str]:
    """`kubectl set image deploy/web <Tab>`: CONTAINER= for each container of the object."""
    if "/" in target[0]:
        kind, _, name = target[0].partition("/")
    elif len(target) == 2:
        kind, name = target
    else:
        return []
    rt = resolve(kind)
    if rt is None:
        return []
    try:
        obj = cluster.get(rt.kind, name, namespace if rt.namespaced else None)
    except ApiError:
        return []
    spec = obj.get("spec") or {}
    pod_spec = (spec.get("template") or {}).get("spec") or spec
    return [c["name"] + "=" for c in pod_spec.get("containers") or []]


def typeable(text: str) -> str:
    """The kubectl command in a concept table's cell, without its trailing remark:
    'kubectl get svc (CLUSTER-IP)' → 'kubectl get svc'; '' when there is none."""
    start = text.find("kubectl ")
    if start < 0:
        return ""
    command = text[start:].split(" (", 1)[0].strip()
    return command if len(command) <= MAX_LINE and "\n" not in command else ""
