"""What the sandbox page computes from a cluster: every Event the engine emits has its
vSphere analogue (or an explicit "—"), Recent Tasks filter and page, and the Workloads
tree carries what Edit settings opens with."""

import pytest

from playground import sandboxes
from playground.engine import Cluster
from playground.inventory import (
    ANALOGUE_BY_MESSAGE,
    EVENT_ANALOGUES,
    NO_ANALOGUE,
    analogue,
    recent_tasks,
    task_page,
    tasks_pane,
    workloads_tree,
)
from playground.scenarios import scenarios

TROUBLE = """
apiVersion: v1
kind: Pod
metadata: {name: never}
spec:
  containers: [{name: c, image: "redis:7.2", imagePullPolicy: Never}]
---
apiVersion: v1
kind: Pod
metadata: {name: typo}
spec:
  containers: [{name: c, image: "nginx:1.27-typo"}]
---
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers: [{name: c, image: busybox, command: [sh, -c, "exit 1"]}]
---
apiVersion: v1
kind: Pod
metadata: {name: unready}
spec:
  containers:
    - name: c
      image: "nginx:1.27"
      readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 5}
---
apiVersion: v1
kind: Pod
metadata: {name: no-config}
spec:
  containers: [{name: c, image: "nginx:1.27"}]
  volumes: [{name: v, configMap: {name: missing}}]
---
apiVersion: v1
kind: Pod
metadata: {name: huge}
spec:
  containers: [{name: c, image: "nginx:1.27", resources: {requests: {cpu: "64"}}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: slow}
spec:
  activeDeadlineSeconds: 5
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: [sleep, "600"]}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: failing}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox, command: ["false"]}]
"""

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - {name: nginx, image: "nginx:1.27", resources: {requests: {cpu: 100m}}}
        - {name: sidecar, image: "busybox", command: [sleep, infinity]}
"""


def _ended_stories() -> list[Cluster]:
    """Every scenario played out, and a cluster put through the usual trouble: a failed and
    recovered host, a drained one, pods that cannot pull, crash, are unready, lack config
    or fit nowhere, and Jobs that time out or fail."""
    clusters = []
    for scenario in scenarios().values():
        cluster = sandboxes.build(scenario.profile, 7, scenario)
        cluster.advance(900)
        clusters.append(cluster)
    cluster = Cluster.new(seed=3)
    cluster.apply(WEB)
    cluster.settle()
    cluster.apply(TROUBLE)
    cluster.scale("deployment", "web", 4)
    cluster.advance(60)
    cluster.fail_node("worker-1")
    cluster.advance(400)
    cluster.recover_node("worker-1")
    cluster.advance(60)
    cluster.drain("worker-2", ignore_daemonsets=True, delete_emptydir_data=True, force=True)
    cluster.uncordon("worker-2")
    cluster.scale("deployment", "web", 1)
    cluster.advance(120)
    clusters.append(cluster)
    return clusters


@pytest.fixture(scope="module")
def stories():
    return _ended_stories()


def test_every_event_reason_the_engine_emits_has_an_analogue_or_an_explicit_dash(stories):
    emitted = {e["reason"] for cluster in stories for e in cluster.store.iter("Event")}
    # The stories are not vacuous: they reach the scheduler, kubelet, controllers and NCP.
    assert {
        "Scheduled",
        "FailedScheduling",
        "Pulling",
        "Pulled",
        "Created",
        "Started",
        "Killing",
        "BackOff",
        "Failed",
        "Unhealthy",
        "SuccessfulCreate",
        "SuccessfulDelete",
        "ScalingReplicaSet",
        "NodeNotReady",
        "NodeReady",
        "TaintManagerEviction",
        "ErrImageNeverPull",
        "FailedMount",
        "DeadlineExceeded",
        "BackoffLimitExceeded",
        "SegmentCreated",
        "ProvisioningSucceeded",
    } <= emitted
    missing = sorted(emitted - EVENT_ANALOGUES.keys())
    assert missing == [], f"add these reasons to inventory.EVENT_ANALOGUES: {missing}"
    for cluster in stories:
        for task in recent_tasks(cluster, limit=10_000):
            assert task["analogue"], task


def test_analogues_are_the_ones_a_vsphere_admin_expects():
    assert analogue("Scheduled") == "DRS initial placement"
    assert analogue("Killing", "Stopping container nginx") == "Power off VM"
    assert analogue("NodeNotReady") == "Host not responding"
    assert analogue("Preempted") == NO_ANALOGUE  # vSphere has nothing like it
    assert analogue("SomethingNew") == NO_ANALOGUE
    # Where the message says which kind of back-off or probe, the analogue follows it.
    assert analogue("BackOff", 'Back-off pulling image "x"') == "Retry copying the template"
    assert (
        analogue("BackOff", "Back-off restarting failed container c in pod p")
        == "HA VM Monitoring: reset loop"
    )
    assert (
        analogue("Unhealthy", "Readiness probe failed: HTTP probe failed")
        == "Load balancer health check failing"
    )
    assert (
        analogue("Unhealthy", "Liveness probe failed: HTTP probe failed")
        == "HA VM Monitoring: heartbeat lost"
    )
    for reason in ANALOGUE_BY_MESSAGE:
        assert reason in EVENT_ANALOGUES
    assert all(text.strip() for text in EVENT_ANALOGUES.values())


def test_recent_tasks_filter_by_object_reason_and_type_and_page_newest_first(stories):
    cluster = stories[-1]
    everything = task_page(cluster, per_page=10_000)
    times = [t["time"] for t in everything["rows"]]
    assert times == sorted(times, reverse=True)
    assert everything["total"] == len(list(cluster.store.iter("Event")))

    first = task_page(cluster, per_page=5)
    second = task_page(cluster, page=2, per_page=5)
    assert first["page"] == 1 and first["newer"] is None and first["older"] == 2
    assert second["newer"] == 1 and first["rows"] == everything["rows"][:5]
    assert second["rows"] == everything["rows"][5:10]
    beyond = task_page(cluster, page=999, per_page=5)
    assert beyond["page"] == beyond["pages"] and beyond["older"] is None and beyond["rows"]

    warnings = task_page(cluster, etype="Warning", per_page=10_000)["rows"]
    assert warnings and {t["type"] for t in warnings} == {"Warning"}
    crash = task_page(cluster, object_text="pod/CRASH", per_page=10_000)["rows"]
    assert crash and {t["object"] for t in crash} == {"Pod/crash"}
    in_default = task_page(cluster, object_text="default/typo", per_page=10_000)["rows"]
    assert {t["object"] for t in in_default} == {"Pod/typo"}
    failed = task_page(cluster, reason="failed", per_page=10_000)["rows"]
    assert {t["reason"] for t in failed} >= {"Failed", "FailedScheduling", "FailedMount"}
    assert "FailedScheduling" in everything["reasons"] and everything["reasons"] == sorted(
        everything["reasons"]
    )


def test_the_pane_reads_its_query_and_keeps_the_filter_in_the_pager_links(stories):
    cluster = stories[-1]
    pane = tasks_pane(cluster, {"object": " Pod/ ", "type": "Normal", "reason": "", "page": "2"})
    assert pane["filters"] == {"object": "Pod/", "reason": "", "type": "Normal"} and pane["filtered"]
    assert pane["page"] == 2 and pane["newer_query"] == "object=Pod%2F&type=Normal&page=1"
    assert all(t["type"] == "Normal" and t["kind"] == "Pod" for t in pane["rows"])
    odd = tasks_pane(cluster, {"type": "Bogus", "page": "-3"})
    assert odd["filters"]["type"] == "" and odd["page"] == 1 and not odd["filtered"]


def test_workloads_carry_the_replicas_and_first_image_edit_settings_opens_with():
    cluster = Cluster.new(seed=1)
    cluster.apply(WEB)
    cluster.settle()
    default = next(ns for ns in workloads_tree(cluster) if ns["name"] == "default")
    web = next(w for w in default["workloads"] if w["name"] == "web")
    assert web["replicas"] == 3 and web["image"] == "nginx:1.27"
