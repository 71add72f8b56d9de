"""The one pod readiness, node readiness and STATUS text (kubectl's printPod)."""

import pytest

from playground.engine import podstatus
from playground.inventory import pod_state


def _pod(status: dict, spec: dict | None = None, **meta) -> dict:
    return {
        "metadata": {"name": "p", "namespace": "default", **meta},
        "spec": spec or {"containers": [{"name": "c"}]},
        "status": status,
    }


READY = {"type": "Ready", "status": "True"}
RUNNING = {"name": "c", "ready": True, "restartCount": 0, "state": {"running": {}}}


@pytest.mark.parametrize(
    ("status", "text"),
    [
        ({"phase": "Pending"}, "Pending"),
        (
            {"phase": "Pending", "conditions": [{"type": "PodScheduled", "reason": "SchedulingGated"}]},
            "SchedulingGated",
        ),
        ({"phase": "Running", "conditions": [READY], "containerStatuses": [RUNNING]}, "Running"),
        (
            {
                "phase": "Running",
                "containerStatuses": [{"state": {"waiting": {"reason": "CrashLoopBackOff"}}}],
            },
            "CrashLoopBackOff",
        ),
        (
            {"phase": "Failed", "containerStatuses": [{"state": {"terminated": {"exitCode": 2}}}]},
            "ExitCode:2",
        ),
        ({"phase": "Failed", "containerStatuses": [{"state": {"terminated": {"signal": 9}}}]}, "Signal:9"),
        ({"phase": "Failed", "reason": "Evicted"}, "Evicted"),
        (
            {"phase": "Succeeded", "containerStatuses": [{"state": {"terminated": {"reason": "Completed"}}}]},
            "Completed",
        ),
    ],
)
def test_status_text_follows_kubectl(status, text):
    assert podstatus.pod_status_text(_pod(status)) == text


def test_init_containers_then_sidecars_count_as_kubectl_counts_them():
    spec = {
        "initContainers": [{"name": "setup"}, {"name": "proxy", "restartPolicy": "Always"}],
        "containers": [{"name": "c"}],
    }
    status = {
        "phase": "Pending",
        "initContainerStatuses": [
            {"name": "setup", "state": {"terminated": {"exitCode": 0}}, "restartCount": 1},
            {"name": "proxy", "state": {"waiting": {"reason": "PodInitializing"}}},
        ],
    }
    assert podstatus.pod_display(_pod(status, spec))[:3] == ("0/2", 1, "Init:1/2")
    status["initContainerStatuses"][1] = {
        "name": "proxy",
        "started": True,
        "ready": True,
        "state": {"running": {}},
    }
    status.update(phase="Running", conditions=[READY, {"type": "Initialized", "status": "True"}])
    status["containerStatuses"] = [RUNNING]
    # Initialised: only the sidecar's restarts and the app containers' count.
    assert podstatus.pod_display(_pod(status, spec))[:3] == ("2/2", 0, "Running")


def test_terminating_and_node_lost():
    now = "2026-01-01T00:00:00Z"
    running = {"phase": "Running", "conditions": [READY], "containerStatuses": [RUNNING]}
    assert podstatus.pod_status_text(_pod(running, deletionTimestamp=now)) == "Terminating"
    lost = {**running, "reason": "NodeLost"}
    assert podstatus.pod_status_text(_pod(lost, deletionTimestamp=now)) == "Unknown"
    done = {"phase": "Succeeded", "containerStatuses": [{"state": {"terminated": {"reason": "Completed"}}}]}
    assert podstatus.pod_status_text(_pod(done, deletionTimestamp=now)) == "Completed"


def test_readiness_and_node_status():
    assert podstatus.pod_ready(_pod({"conditions": [READY]}))
    assert not podstatus.pod_ready(_pod({"conditions": [{"type": "Ready", "status": "False"}]}))
    node = {"metadata": {"name": "n"}, "spec": {"unschedulable": True}, "status": {"conditions": [READY]}}
    assert podstatus.node_ready(node) and podstatus.node_status_text(node) == "Ready,SchedulingDisabled"
    assert podstatus.node_ready_status({"metadata": {"name": "n"}}) is None
    assert podstatus.node_status_text({"metadata": {"name": "n"}}) == "Unknown"


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ({"phase": "Running", "conditions": [READY], "containerStatuses": [RUNNING]}, ("Running", "ok")),
        ({"phase": "Running", "containerStatuses": [{**RUNNING, "ready": False}]}, ("Running", "warn")),
        ({"phase": "Pending"}, ("Pending", "warn")),
        (
            {
                "phase": "Pending",
                "containerStatuses": [{"state": {"waiting": {"reason": "ContainerCreating"}}}],
            },
            ("ContainerCreating", "warn"),
        ),
        (
            {"phase": "Pending", "containerStatuses": [{"state": {"waiting": {"reason": "ErrImagePull"}}}]},
            ("ErrImagePull", "bad"),
        ),
        (
            {"phase": "Succeeded", "containerStatuses": [{"state": {"terminated": {"reason": "Completed"}}}]},
            ("Completed", "muted"),
        ),
    ],
)
def test_the_inventory_shows_kubectls_text_with_a_tone(status, state):
    assert pod_state(_pod(status)) == state
