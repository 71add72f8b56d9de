"""kubectl logs POD | TYPE/NAME: what the simulated containers printed.

For a workload (deploy/NAME, rs/, sts/, ds/, job/, svc/) kubectl picks one of the pods its
selector matches, as upstream's logsForObjectWithClient and podutils.ByLogging do, and says
"Found N pods, using pod/NAME" on stderr when there are several; without -c it takes the
first container (or the one its kubectl.kubernetes.io/default-container annotation names)
and, when the pod has others, says "Defaulted container ..." on stderr.
"""

from __future__ import annotations

from playground.engine.errors import ApiError
from playground.kubectl.cmd.registry import OWN_KUBECTL, Flag, Unsupported, Verb, register, usage_error
from playground.kubectl.cmd.util import Command, resource_type
from playground.kubectl.errors import ConsoleError

# The kinds upstream's SelectorsForObject knows a pod selector for.
_SELECTORS = {"ReplicationController", "Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "Job"}

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
    Flag(
        "all-containers",
        type="bool",
        default=False,
        help="Get all containers' logs in the pod(s).",
    ),
)


def run(cluster, command: Command) -> str:
    if not command.args:
        raise ConsoleError("error: expected POD or TYPE/NAME is a required argument for the logs command")
    if len(command.args) > 2:
        raise usage_error("logs", "expected POD or TYPE/NAME, optionally followed by a container name")
    container = command.flag("container") or (command.args[1] if len(command.args) == 2 else "")
    if command.flag("all-containers") and container:
        raise ConsoleError(
            f"error: --all-containers=true should not be specified with container name {container}"
        )
    namespace = command.namespace
    pod, stderr = _pod(cluster, command.args[0], namespace)
    if command.flag("all-containers"):
        names = _init_names(pod) + _names(pod) + _ephemeral_names(pod)
    elif container:
        if container not in _init_names(pod) + _names(pod) + _ephemeral_names(pod):
            raise ConsoleError(
                f"{stderr}error: container {container} is not valid for pod {pod['metadata']['name']} "
                f"out of: {_all_names(pod)}"
            )
        names = [container]
    elif (default := _default_container(pod)) in _init_names(pod) + _names(pod) + _ephemeral_names(pod):
        names = [default]
    else:
        if default:
            stderr += f'Default container name "{default}" not found in pod {pod["metadata"]["name"]}\n'
        names = _names(pod)[:1]
        if (
            len(_names(pod)) > 1
            or pod["spec"].get("initContainers")
            or pod["spec"].get("ephemeralContainers")
        ):
            stderr += f'Defaulted container "{names[0]}" out of: {_all_names(pod)}\n'
    tail = command.flag("tail")
    out = []
    for name in names:
        try:
            out.append(
                cluster.logs(
                    pod["metadata"]["name"],
                    namespace,
                    container=name,
                    tail_lines=tail if tail >= 0 else None,
                    previous=command.flag("previous"),
                )
            )
        except ApiError as error:
            raise ConsoleError(
                f"{stderr}{''.join(out)}Error from server ({error.reason}): {error.message}"
            ) from None
    return stderr + "".join(out)


def _default_container(pod: dict) -> str:
    """The container the pod's kubectl.kubernetes.io/default-container annotation names."""
    return (pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container", "")


def _names(pod: dict) -> list[str]:
    return [c["name"] for c in pod["spec"].get("containers") or []]


def _init_names(pod: dict) -> list[str]:
    return [c["name"] for c in pod["spec"].get("initContainers") or []]


def _ephemeral_names(pod: dict) -> list[str]:
    return [c["name"] for c in pod["spec"].get("ephemeralContainers") or []]


def _all_names(pod: dict) -> str:
    """podcmd.AllContainerNames: the containers, then init ones and ephemeral ones, marked."""
    return ", ".join(
        _names(pod)
        + [f"{n} (init)" for n in _init_names(pod)]
        + [f"{n} (ephem)" for n in _ephemeral_names(pod)]
    )


def _not_found(error: ApiError, namespace: str) -> ConsoleError:
    """What kubectl's resource builder prints for an object that is not there."""
    return ConsoleError(
        f'error: error from server ({error.reason}): {error.message} in namespace "{namespace}"'
    )


def _pod(cluster, arg: str, namespace: str) -> tuple[dict, str]:
    """The pod whose logs kubectl prints for POD or TYPE/NAME, and what it says on stderr."""
    kind, slash, name = arg.partition("/")
    if not slash:
        kind, name = "pods", arg
    rt = resource_type(kind)
    try:
        obj = cluster.get(rt.kind, name, namespace if rt.namespaced else None)
    except ApiError as error:
        if error.code == 404:
            raise _not_found(error, namespace) from None
        raise
    if rt.kind == "Pod":
        return obj, ""
    go_type = (
        f"*{rt.version}.{rt.kind}" if not rt.group or "." not in rt.group else "*unstructured.Unstructured"
    )
    if rt.kind == "Service":
        selector = obj["spec"].get("selector")
        if not selector:
            raise ConsoleError(
                f"error: cannot get the logs from {go_type}: invalid service '{name}': "
                "Service is defined without a selector"
            )
        selector = {"matchLabels": selector}
    elif rt.kind in _SELECTORS:
        selector = obj["spec"].get("selector") or {}
        if rt.kind == "ReplicationController":
            selector = {"matchLabels": selector}
    else:
        raise ConsoleError(
            f"error: cannot get the logs from {go_type}: selector for {go_type} not implemented"
        )
    pods = sorted(cluster.list("Pod", namespace, selector), key=lambda p: p["metadata"]["name"])
    if not pods:
        # kubectl waits --pod-running-timeout (20s) for one to appear; the console answers at once.
        raise ConsoleError("error: timed out waiting for the condition")
    pods.sort(key=_by_logging)
    stderr = f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}\n" if len(pods) > 1 else ""
    return pods[0], stderr


def _ready_since(pod: dict) -> str | None:
    for condition in pod.get("status", {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("lastTransitionTime") if condition.get("status") == "True" else None
    return None


def _by_logging(pod: dict) -> tuple:
    """podutils.ByLogging: scheduled first; Running (and, as Go's map gives 0, Succeeded and
    Failed) before Unknown before Pending; ready first; ready longest first; most restarts
    first; oldest first."""
    status = pod.get("status") or {}
    ready = _ready_since(pod)
    restarts = max((c.get("restartCount", 0) for c in status.get("containerStatuses") or []), default=0)
    created = pod["metadata"].get("creationTimestamp") or "9999"
    return (
        not pod["spec"].get("nodeName"),
        {"Unknown": 1, "Pending": 2}.get(status.get("phase", ""), 0),
        ready is None,
        ready or "9999",
        -restarts,
        created,
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
        ),
    )
)
