"""Table cells as kubectl prints them, driven by real engine state where it matters."""

import pytest

from playground.engine import podstatus, printers

from .conftest import deployment


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-0.5, "0s"),
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (125, "2m5s"),
        (600, "10m"),
        (179 * 60, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 30 * 60, "3h30m"),
        (8 * 3600, "8h"),
        (47 * 3600, "47h"),
        (2 * 86400, "2d"),
        (2 * 86400 + 5 * 3600, "2d5h"),
        (10 * 86400, "10d"),
        (730 * 86400, "2y"),
        (731 * 86400, "2y1d"),
        (9 * 365 * 86400, "9y"),
    ],
)
def test_human_duration_matches_apimachinery(seconds, text):
    assert printers.human_duration(seconds) == text


def test_render_pads_columns_with_three_spaces():
    text = printers.render([["NAME", "READY"], ["web-1", "1/1"], ["a", "0/1"]])
    assert text == "NAME    READY\nweb-1   1/1\na       0/1\n"


def _pod(cluster, prefix):
    return next(p for p in cluster.list("Pod", "default") if p["metadata"]["name"].startswith(prefix))


def test_pod_status_follows_a_crash_loop(cluster):
    cluster.apply(deployment("loop", replicas=1, image="busybox:1.36"))
    cluster.advance(120)
    ready, restarts, status, last = podstatus.pod_display(_pod(cluster, "loop-"))
    assert (ready, status) == ("0/1", "CrashLoopBackOff") and restarts >= 2 and last
    row = printers.row("Pod", _pod(cluster, "loop-"), cluster.clock)
    assert row[3].startswith(f"{restarts} (") and row[3].endswith(" ago)")


def test_pod_status_shows_image_pull_back_off_and_terminating(cluster):
    cluster.apply(deployment("typo", replicas=1, image="nginx:doesnotexist"))
    cluster.advance(60)
    assert podstatus.pod_display(_pod(cluster, "typo-"))[2] == "ImagePullBackOff"
    cluster.apply(deployment("web", replicas=1))
    cluster.settle()
    pod = _pod(cluster, "web-")
    assert podstatus.pod_display(pod)[:3] == ("1/1", 0, "Running")
    cluster.delete("Pod", pod["metadata"]["name"], "default")
    assert podstatus.pod_display(cluster.get("Pod", pod["metadata"]["name"], "default"))[2] == "Terminating"


def test_pod_status_reports_init_containers():
    pod = {
        "metadata": {"name": "p"},
        "spec": {"initContainers": [{"name": "a"}, {"name": "b"}], "containers": [{"name": "c"}]},
        "status": {
            "phase": "Pending",
            "initContainerStatuses": [
                {"state": {"terminated": {"exitCode": 0}}},
                {"state": {"running": {}}},
            ],
            "containerStatuses": [{"state": {"waiting": {"reason": "PodInitializing"}}}],
        },
    }
    assert podstatus.pod_display(pod)[2] == "Init:1/2"
    pod["status"]["initContainerStatuses"][1] = {"state": {"terminated": {"exitCode": 1, "reason": "Error"}}}
    assert podstatus.pod_display(pod)[2] == "Init:Error"


def test_wide_columns_for_nodes_and_services(cluster):
    node = cluster.get("Node", "worker-1")
    assert printers.columns("Node", wide=True)[-5:] == [
        "INTERNAL-IP",
        "EXTERNAL-IP",
        "OS-IMAGE",
        "KERNEL-VERSION",
        "CONTAINER-RUNTIME",
    ]
    cells = printers.row("Node", node, cluster.clock, wide=True)
    assert cells[1] == "Ready" and cells[2] == "<none>" and cells[5].count(".") == 3
    cluster.cordon("worker-1")
    assert (
        printers.row("Node", cluster.get("Node", "worker-1"), cluster.clock)[1] == "Ready,SchedulingDisabled"
    )
    lb = cluster.get("Service", "ingress-nginx-controller", "ingress-nginx")
    cells = printers.row("Service", lb, cluster.clock)
    assert cells[1] == "LoadBalancer" and cells[3].startswith("192.168.50.")
    assert cells[4].startswith("80:") and "/TCP,443:" in cells[4]


def test_init_container_restarts_print_when_they_were(cluster):
    """printPod (pkg/printers/internalversion/printers.go) adds init containers' restarts
    and their last termination's finishedAt to RESTARTS while the pod initialises, "N (Xs
    ago)" as for app containers; the STATUS names the init container's state (Init:Error
    between its exit and the restart, then Init:CrashLoopBackOff)."""
    from playground import console

    cluster.apply(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: i}\nspec:\n"
        '  initContainers: [{name: setup, image: "busybox:1.36", command: [sh, -c, "sleep 2; exit 1"]}]\n'
        '  containers: [{name: main, image: "nginx:1.27"}]\n'
    )
    seen = []
    for _ in range(30):
        cluster.advance(1)
        row = console.run(cluster, console.parse("kubectl get pod i")).splitlines()[1].split(None, 3)
        seen.append((row[2], row[3].rsplit(None, 1)[0]))
    assert ("Init:Error", "0") in seen
    assert ("Init:CrashLoopBackOff", "1 (1s ago)") in seen
    assert any(status == "Init:0/1" and restarts.startswith("2 (") for status, restarts in seen)


def test_events_of_one_object_list_in_the_order_they_happened(cluster):
    """record.makeEvent names an Event "<object>.<UnixNano in hex>", so the API (and
    ``kubectl get events``, which prints the list as it comes) gives an object's events in
    the order they happened, those within one second included."""
    from playground import console

    cluster.apply(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx:1.27}]}\n"
    )
    cluster.settle()
    names = [e["metadata"]["name"] for e in cluster.list("Event", namespace="default")]
    assert all(name.startswith("p.") and int(name[2:], 16) > 0 for name in names)
    printed = console.run(cluster, console.parse("kubectl get events")).splitlines()[1:]
    assert [line.split()[2] for line in printed] == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
