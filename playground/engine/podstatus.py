"""Readiness and kubectl's STATUS text, written once for every part that asks.

`pod_ready` is upstream's podutil.IsPodReady (the pod's Ready condition is True);
`node_ready_status` is the node's Ready condition status ("True", "False", "Unknown" or
None when the node has not reported one); `pod_display` is kubectl's printPod
(pkg/printers/internalversion/printers.go): READY, STATUS, RESTARTS and the time of the
last restart, from init container states, waiting and terminated reasons, sidecars
(restartable init containers), SchedulingGated, Terminating and NodeLost.
"""

from __future__ import annotations

from playground.engine.util import parse_time

# node.NodeUnreachablePodReason: the node lifecycle controller's reason on a pod whose
# node stopped answering.
NODE_LOST = "NodeLost"


def condition(obj: dict, cond_type: str) -> dict | None:
    """The object's status condition of that type, if it has one."""
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == cond_type:
            return cond
    return None


def condition_true(obj: dict, cond_type: str) -> bool:
    cond = condition(obj, cond_type)
    return bool(cond) and cond.get("status") == "True"


def pod_ready(pod: dict) -> bool:
    """podutil.IsPodReady: the pod's Ready condition is True."""
    return condition_true(pod, "Ready")


def node_ready_status(node: dict) -> str | None:
    """The node's Ready condition status, or None when it has none."""
    cond = condition(node, "Ready")
    return cond.get("status") if cond else None


def node_ready(node: dict) -> bool:
    return node_ready_status(node) == "True"


def node_status_text(node: dict) -> str:
    """kubectl's STATUS column for a node: Ready, NotReady or Unknown, then
    SchedulingDisabled when the node is cordoned."""
    status = node_ready_status(node)
    text = "Unknown" if status is None else ("Ready" if status == "True" else "NotReady")
    if (node.get("spec") or {}).get("unschedulable"):
        text += ",SchedulingDisabled"
    return text


def _terminated_reason(term: dict, prefix: str = "") -> str:
    if term.get("reason"):
        return prefix + term["reason"]
    if term.get("signal"):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{term.get('exitCode', 0)}"


def _later(current: str, candidate: str) -> str:
    if not candidate:
        return current
    if not current or parse_time(candidate) > parse_time(current):
        return candidate
    return current


def pod_display(pod: dict) -> tuple[str, int, str, str]:
    """printPod: READY ("1/2"), RESTARTS, the STATUS text and the last restart's
    finishedAt ("" when none), as kubectl prints them."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    init_specs = spec.get("initContainers") or []
    sidecars = {c.get("name") for c in init_specs if c.get("restartPolicy") == "Always"}
    total = len(spec.get("containers") or []) + len(sidecars)
    ready = 0
    restarts = sidecar_restarts = 0
    last_restart = sidecar_last = ""
    phase = status.get("phase") or "Pending"
    reason = status.get("reason") or phase
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    initializing = False
    for i, cs in enumerate(status.get("initContainerStatuses") or []):
        state = cs.get("state") or {}
        finished = ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt", "")
        restarts += cs.get("restartCount", 0)
        last_restart = _later(last_restart, finished)
        sidecar = cs.get("name") in sidecars
        if sidecar:
            sidecar_restarts += cs.get("restartCount", 0)
            sidecar_last = _later(sidecar_last, finished)
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and cs.get("started"):
            ready += 1 if cs.get("ready") else 0
            continue
        initializing = True
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        break

    if not initializing or condition_true(pod, "Initialized"):
        restarts, last_restart = sidecar_restarts, sidecar_last
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            state = cs.get("state") or {}
            restarts += cs.get("restartCount", 0)
            last_restart = _later(
                last_restart, ((cs.get("lastState") or {}).get("terminated") or {}).get("finishedAt", "")
            )
            waiting, terminated = state.get("waiting"), state.get("terminated")
            if waiting and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _terminated_reason(terminated)
            elif cs.get("ready") and "running" in state:
                has_running = True
                ready += 1
        # A container still running after another completed: Running again.
        if reason == "Completed" and has_running:
            reason = "Running" if pod_ready(pod) else "NotReady"

    if pod["metadata"].get("deletionTimestamp"):
        if status.get("reason") == NODE_LOST:
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return f"{ready}/{total}", restarts, reason, last_restart if restarts else ""


def pod_status_text(pod: dict) -> str:
    """kubectl's STATUS column for a pod."""
    return pod_display(pod)[2]
