"""kubectl drain NODE: cordon, then evict (playground.kubectl.drain), printed as kubectl does."""

from __future__ import annotations

from playground.kubectl import drain, duration
from playground.kubectl.cmd.registry import DRY_RUN, Flag, Unsupported, Verb, register
from playground.kubectl.cmd.util import Command, node_names
from playground.kubectl.errors import ConsoleError

FLAGS = (
    Flag("ignore-daemonsets", type="bool", default=False, help="Ignore DaemonSet-managed pods."),
    Flag(
        "delete-emptydir-data",
        type="bool",
        default=False,
        help="Continue even if there are pods using emptyDir (local data that will be deleted when the node is drained).",
    ),
    Flag(
        "force",
        type="bool",
        default=False,
        help="Continue even if there are pods that do not declare a controller.",
    ),
    Flag(
        "grace-period",
        type="int",
        default=-1,
        help="Period of time in seconds given to each pod to terminate gracefully. If negative, the default value specified in the pod will be used.",
    ),
    Flag(
        "timeout",
        type="duration",
        default=0,
        help="The length of time to wait before giving up, zero means infinite",
    ),
)


def run(cluster, command: Command) -> str:
    name = node_names(command)[0]
    grace = command.flag("grace-period")
    result = drain.drain(
        cluster,
        name,
        ignore_daemonsets=command.flag("ignore-daemonsets"),
        delete_emptydir_data=command.flag("delete-emptydir-data"),
        force=command.flag("force"),
        grace_period_seconds=grace if grace >= 0 else None,
        timeout_seconds=command.flag("timeout") / 1e9,
    )
    out = [f"node/{name} cordoned"]
    out += [f"Warning: {w}" for w in result["warnings"]]
    if result["errors"]:
        out.append(
            f'error: unable to drain node "{name}" due to error: {", ".join(result["errors"])}, continuing command...'
        )
        out += ["There are pending nodes to be drained:", f" {name}", *result["errors"]]
        raise ConsoleError("\n".join(out))
    if result["timedOut"]:
        _timed_out(name, result, duration.format(command.flag("timeout")), out)
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


register(
    Verb(
        "drain",
        run,
        FLAGS,
        "kubectl drain NODE [options]",
        "Drain node in preparation for maintenance.",
        unsupported=(
            DRY_RUN,
            Unsupported("selector", "l", "name the node: kubectl drain NODE"),
            Unsupported("pod-selector", instead="the console drains every pod the node runs"),
            Unsupported(
                "disable-eviction", instead="the console evicts, so PodDisruptionBudgets are honoured"
            ),
        ),
        writes=True,
    )
)


def _timed_out(name: str, result: dict, timeout: str, out: list[str]) -> None:
    """kubectl's lines when evictions a budget refuses are still refused at --timeout."""
    blocked = [b["pod"] for b in result["blocked"]]
    out += [f"evicting pod {ref}" for ref in sorted(result["evicted"] + blocked)]
    out += [b["message"] for b in result["blocked"]]
    out += [f"pod/{ref.split('/', 1)[1]} evicted" for ref in result["evicted"]]
    errors = []
    for ref in blocked:
        namespace, pod = ref.split("/", 1)
        errors.append(f'error when evicting pods/"{pod}" -n "{namespace}": global timeout reached: {timeout}')
    error = errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]"
    out.append(f'There are pending pods in node "{name}" when an error occurred: {error}')
    out += [f"pod/{ref.split('/', 1)[1]}" for ref in blocked]
    out.append(f'error: unable to drain node "{name}" due to error: {error}, continuing command...')
    out += ["There are pending nodes to be drained:", f" {name}", f"error: {error}"]
    raise ConsoleError("\n".join(out))
