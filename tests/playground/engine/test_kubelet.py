import pytest

from playground.engine import ApiError, Cluster

from .conftest import pod


def container_state(cluster, name):
    status = cluster.get("pod", name)["status"]["containerStatuses"][0]
    return next(iter(status["state"])), next(iter(status["state"].values())), status


def test_a_pod_goes_pending_creating_running_with_conditions_and_ips(cluster):
    cluster.create(pod("web", nodeName="worker-1"))
    cluster.step()
    cluster.advance(0.1)
    state, detail, _ = container_state(cluster, "web")
    assert (state, detail["reason"]) == ("waiting", "ContainerCreating")
    assert cluster.get("pod", "web")["status"]["phase"] == "Pending"
    cluster.advance(5)
    created = cluster.get("pod", "web")
    assert created["status"]["phase"] == "Running"
    assert created["status"]["hostIP"] == "10.140.0.11"
    assert created["status"]["podIP"].startswith("10.40.1.")
    conditions = {c["type"]: c["status"] for c in created["status"]["conditions"]}
    assert conditions == {
        "PodReadyToStartContainers": "True",
        "Initialized": "True",
        "Ready": "True",
        "ContainersReady": "True",
        "PodScheduled": "True",
    }
    status = created["status"]["containerStatuses"][0]
    assert status["ready"] and status["started"] and status["restartCount"] == 0
    assert status["containerID"].startswith("containerd://") and status["imageID"].startswith(
        "docker.io/library/nginx@sha256:"
    )
    reasons = [e["reason"] for e in cluster.events(name="web")]
    assert reasons == ["Pulling", "Pulled", "Created", "Started"]
    assert cluster.events(name="web")[1]["message"].startswith(
        'Successfully pulled image "nginx:1.27" in 2.5s'
    )


def test_a_second_pod_on_the_node_finds_the_image_present(cluster):
    cluster.create(pod("a", nodeName="worker-1"))
    cluster.settle()
    cluster.create(pod("b", nodeName="worker-1"))
    cluster.settle()
    pulled = [e["message"] for e in cluster.events(name="b") if e["reason"] == "Pulled"]
    assert pulled == ['Container image "nginx:1.27" already present on machine']
    images = cluster.get("node", "worker-1")["status"]["images"]
    assert any("nginx:1.27" in image["names"] for image in images)


def test_an_image_that_cannot_be_pulled(cluster):
    cluster.create(pod("bad", image="nginx:doesnotexist"))
    cluster.advance(3)
    assert container_state(cluster, "bad")[1]["reason"] == "ErrImagePull"
    cluster.advance(20)  # inside the second back-off window (retries at ~11 s and ~32 s)
    state, detail, _ = container_state(cluster, "bad")
    assert (state, detail["reason"], detail["message"]) == (
        "waiting",
        "ImagePullBackOff",
        'Back-off pulling image "nginx:doesnotexist"',
    )
    assert cluster.get("pod", "bad")["status"]["phase"] == "Pending"
    failed = [e["message"] for e in cluster.events(name="bad") if e["reason"] == "Failed"]
    assert "Error: ErrImagePull" in failed and "Error: ImagePullBackOff" in failed
    assert any(
        m.startswith(
            'Failed to pull image "nginx:doesnotexist": failed to pull and unpack image "docker.io/library/nginx:doesnotexist"'
        )
        for m in failed
    )


def _timeline(cluster, name, seconds):
    """(second, STATUS, RESTARTS) each time kubectl's row for the pod changes."""
    from playground.engine.podstatus import pod_display

    rows, last = [], None
    for second in range(1, seconds + 1):
        cluster.advance(1)
        _, restarts, reason, _ = pod_display(cluster.get("pod", name))
        if (reason, restarts) != last:
            rows.append((second, reason, restarts))
            last = (reason, restarts)
    return rows


def test_a_crashing_container_restarts_at_once_then_backs_off_exponentially(cluster):
    """``doBackOff`` (pkg/kubelet/kuberuntime/kuberuntime_manager.go) on
    flowcontrol.Backoff with ``backOffPeriod`` 10 s and ``MaxContainerBackOff`` 5 min
    (pkg/kubelet/kubelet.go): the first exit has no back-off entry, so the restart is
    immediate (the next relist's sync); each later exit waits out a back-off that doubles
    from 10 s. Between an exit and that sync the status is the terminated state (kubectl
    prints its reason, Error); while backing off it is waiting, CrashLoopBackOff; the
    restart count counts the restarts made."""
    crash = [{"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "echo boom; sleep 2; exit 3"]}]
    cluster.create(pod("crash", containers=crash))
    rows = _timeline(cluster, "crash", 700)
    restarts_at = [second for second, reason, _ in rows if reason == "Running"][1:]
    exits_at = [second for second, reason, _ in rows if reason == "Error"]
    # Restart n waits 0 s (the relist), then 10, 20, 40, 80, 160, 300 s after its exit.
    assert [start - stop for stop, start in zip(exits_at, restarts_at)] == [1, 10, 20, 40, 80, 160, 300]
    assert [(reason, restarts) for _, reason, restarts in rows[:7]] == [
        ("ContainerCreating", 0),
        ("Running", 0),
        ("Error", 0),
        ("Running", 1),
        ("Error", 1),
        ("CrashLoopBackOff", 1),
        ("Running", 2),
    ]
    state, detail, status = container_state(cluster, "crash")
    assert (state, detail["reason"]) == ("waiting", "CrashLoopBackOff")
    assert detail["message"].startswith("back-off 5m0s restarting failed container=main pod=crash_default(")
    assert status["restartCount"] == 7
    assert status["lastState"]["terminated"]["exitCode"] == 3
    assert status["lastState"]["terminated"]["reason"] == "Error"
    assert cluster.get("pod", "crash")["status"]["phase"] == "Running"
    assert cluster.logs("crash") == "boom\n"
    backoffs = [e for e in cluster.events(name="crash") if e["reason"] == "BackOff"]
    assert backoffs[0]["message"].startswith(
        "Back-off restarting failed container main in pod crash_default("
    )


def test_an_exited_container_shows_its_exit_and_the_one_before(cluster):
    """Between an exit and the restart (convertToAPIContainerStatuses keeps the
    terminated state until the back-off is recorded) the state is the new termination
    and lastState the previous one."""
    crash = [{"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 2; exit 3"]}]
    cluster.create(pod("crash", containers=crash))
    rows = _timeline(cluster, "crash", 30)
    second_exit = [second for second, reason, restarts in rows if reason == "Error" and restarts == 1][0]
    assert second_exit < 30
    cluster2 = Cluster.new()
    cluster2.create(pod("crash", containers=crash))
    cluster2.advance(second_exit)
    state, detail, status = container_state(cluster2, "crash")
    assert (state, detail["reason"], detail["exitCode"]) == ("terminated", "Error", 3)
    assert status["lastState"]["terminated"]["finishedAt"] < detail["finishedAt"]


def test_the_back_off_starts_over_after_ten_minutes_of_running(cluster):
    """flowcontrol.Backoff forgets an entry an exit more than twice the maximum (10 min)
    after its last update (``hasExpired``): a container that ran that long restarts at once."""
    slow = [{"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 700; exit 1"]}]
    cluster.create(pod("slow", containers=slow))
    rows = _timeline(cluster, "slow", 1500)
    assert [(reason, restarts) for _, reason, restarts in rows] == [
        ("ContainerCreating", 0),
        ("Running", 0),
        ("Error", 0),
        ("Running", 1),
        ("Error", 1),
        ("Running", 2),
    ]


def test_a_liveness_probe_kill_is_a_restart(cluster):
    """A failed liveness probe (``computePodActions``): the kubelet kills the container
    ("Container main failed liveness probe, will be restarted") and starts it again in the
    same sync, subject to the same back-off: RESTARTS 1 at once, CrashLoopBackOff after
    the second kill."""
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5}
    cluster.create(pod("live", containers=[{"name": "main", "image": "nginx:1.27", "livenessProbe": probe}]))
    rows = _timeline(cluster, "live", 40)
    assert [(reason, restarts) for _, reason, restarts in rows] == [
        ("ContainerCreating", 0),
        ("Running", 0),
        ("Running", 1),
        ("CrashLoopBackOff", 1),
    ]
    # The prober's Unhealthy event for each of the failureThreshold (3) failed probes.
    [unhealthy] = [e for e in cluster.events(name="live") if e["reason"] == "Unhealthy"]
    assert unhealthy["count"] == 6 and unhealthy["message"].startswith("Liveness probe failed: Get ")
    [kill] = [e for e in cluster.events(name="live") if e["reason"] == "Killing"]
    assert (kill["message"], kill["count"]) == ("Container main failed liveness probe, will be restarted", 2)


def test_back_off_caps_at_five_minutes(cluster):
    from playground.engine.kubelet import backoff_delay

    assert [backoff_delay(n) for n in range(1, 9)] == [10, 20, 40, 80, 160, 300, 300, 300]


def test_a_finite_command_completes(cluster):
    job = [{"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "echo done; sleep 5"]}]
    cluster.create(pod("once", containers=job, restartPolicy="Never"))
    cluster.advance(15)
    created = cluster.get("pod", "once")
    assert created["status"]["phase"] == "Succeeded"
    terminated = created["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (0, "Completed")
    ready = [c for c in created["status"]["conditions"] if c["type"] == "Ready"][0]
    assert (ready["status"], ready["reason"]) == ("False", "PodCompleted")


def test_a_failing_command_with_restart_never_fails_the_pod(cluster):
    cluster.create(
        pod(
            "fail",
            containers=[{"name": "main", "image": "busybox:1.36", "command": ["false"]}],
            restartPolicy="Never",
        )
    )
    cluster.advance(10)
    assert cluster.get("pod", "fail")["status"]["phase"] == "Failed"


def test_a_failing_readiness_probe_keeps_the_pod_not_ready(cluster):
    probe = {"httpGet": {"path": "/healthz", "port": 8080}}
    cluster.create(
        pod("unready", containers=[{"name": "main", "image": "nginx:1.27", "readinessProbe": probe}])
    )
    cluster.advance(30)
    created = cluster.get("pod", "unready")
    assert created["status"]["phase"] == "Running"
    ready = [c for c in created["status"]["conditions"] if c["type"] == "Ready"][0]
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False",
        "ContainersNotReady",
        "containers with unready status: [main]",
    )
    unhealthy = [e["message"] for e in cluster.events(name="unready") if e["reason"] == "Unhealthy"]
    assert unhealthy and unhealthy[0].startswith('Readiness probe failed: Get "http://10.40.')


def test_a_passing_readiness_probe_waits_for_its_initial_delay(cluster):
    probe = {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 20}
    cluster.create(pod("slow", containers=[{"name": "main", "image": "nginx:1.27", "readinessProbe": probe}]))
    cluster.advance(10)
    assert not cluster.get("pod", "slow")["status"]["containerStatuses"][0]["ready"]
    cluster.advance(20)
    assert cluster.get("pod", "slow")["status"]["containerStatuses"][0]["ready"]


def test_init_containers_run_first(cluster):
    init = [{"name": "setup", "image": "busybox:1.36", "command": ["sh", "-c", "echo preparing; sleep 10"]}]
    cluster.create(pod("staged", initContainers=init))
    cluster.advance(5)
    created = cluster.get("pod", "staged")
    assert created["status"]["phase"] == "Pending"
    assert created["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    initialized = [c for c in created["status"]["conditions"] if c["type"] == "Initialized"][0]
    assert (initialized["status"], initialized["reason"]) == ("False", "ContainersNotInitialized")
    cluster.advance(20)
    created = cluster.get("pod", "staged")
    assert created["status"]["phase"] == "Running"
    assert created["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
    assert cluster.logs("staged", container="setup") == "preparing\n"


def test_a_missing_configmap_is_create_container_config_error(cluster):
    env = [{"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "level"}}}]
    cluster.create(pod("cfg", containers=[{"name": "main", "image": "nginx:1.27", "env": env}]))
    cluster.advance(10)
    _, detail, _ = container_state(cluster, "cfg")
    assert (detail["reason"], detail["message"]) == (
        "CreateContainerConfigError",
        'configmap "settings" not found',
    )
    cluster.apply(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"level": "info"}}
    )
    cluster.enqueue("kubelet", "default/cfg")
    cluster.advance(5)
    assert container_state(cluster, "cfg")[0] == "running"


def test_logs_need_a_container_name_when_there_are_several(cluster):
    two = [{"name": "a", "image": "nginx:1.27"}, {"name": "b", "image": "redis:7.4"}]
    cluster.create(pod("two", containers=two))
    cluster.settle()
    with pytest.raises(ApiError) as error:
        cluster.logs("two")
    assert error.value.message == "a container name must be specified for pod two, choose one of: [a b]"
    assert "Ready to accept connections tcp" in cluster.logs("two", container="b")
    assert cluster.logs("two", container="b", tail_lines=1) == "Ready to accept connections tcp\n"


def test_logs_of_a_container_not_started_yet(cluster):
    cluster.create(pod("bad", image="nginx:doesnotexist"))
    cluster.advance(3)
    with pytest.raises(ApiError) as error:
        cluster.logs("bad")
    assert error.value.message == 'container "main" in pod "bad" is waiting to start: image can\'t be pulled'


def test_static_pods_use_the_node_address():
    cluster = Cluster.new()
    apiserver = cluster.get("pod", "kube-apiserver-control-plane", "kube-system")
    assert apiserver["status"]["podIP"] == apiserver["status"]["hostIP"] == "10.140.0.10"


SIDECAR_POD = """
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  initContainers:
  - {name: setup, image: "busybox:1.36", command: [sh, -c, "sleep 3"]}
  - {name: proxy, image: "nginx:1.27", restartPolicy: Always}
  containers:
  - {name: main, image: "nginx:1.27"}
"""


def _rows(cluster, name, seconds):
    from playground.engine.podstatus import pod_display

    rows, last = [], None
    for _ in range(seconds):
        cluster.advance(1)
        ready, restarts, reason, _ = pod_display(cluster.get("pod", name))
        if (ready, reason, restarts) != last:
            rows.append((ready, reason, restarts))
            last = (ready, reason, restarts)
    return rows


def test_a_sidecar_starts_before_the_app_and_keeps_running(cluster):
    """Native sidecars (KEP-753, ``computeInitContainerActions`` in
    pkg/kubelet/kuberuntime/kuberuntime_container.go): an init container with
    ``restartPolicy: Always`` starts in its turn, lets the next one start once it runs,
    and keeps running beside the app; it counts in READY (printPod) and in the pod's
    Ready condition."""
    cluster.apply(SIDECAR_POD)
    assert _rows(cluster, "app", 20) == [
        ("0/2", "Init:0/2", 0),
        ("0/2", "Init:1/2", 0),
        ("2/2", "Running", 0),
    ]
    status = cluster.get("pod", "app")["status"]
    setup, proxy = status["initContainerStatuses"]
    assert "terminated" in setup["state"] and setup["state"]["terminated"]["reason"] == "Completed"
    assert "running" in proxy["state"] and proxy["started"] and proxy["ready"]
    [main] = status["containerStatuses"]
    assert proxy["state"]["running"]["startedAt"] <= main["state"]["running"]["startedAt"]
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions["Initialized"] == conditions["Ready"] == "True"
    assert status["phase"] == "Running"


def test_a_sidecar_that_exits_is_restarted_and_its_restarts_count(cluster):
    """A restartable init container restarts whatever the pod's restartPolicy, with the
    crash-loop back-off; kubectl adds its restarts to the app containers'."""
    cluster.apply(
        SIDECAR_POD.replace(
            '{name: proxy, image: "nginx:1.27", restartPolicy: Always}',
            '{name: proxy, image: "busybox:1.36", restartPolicy: Always, command: [sh, -c, "sleep 10; exit 1"]}',
        )
    )
    rows = _rows(cluster, "app", 40)
    # printPod reads the init containers first: a sidecar that is not running names the
    # pod's STATUS ("Init:" and its reason) even though the pod is initialised.
    assert rows[2:7] == [
        ("2/2", "Running", 0),
        ("1/2", "Init:Error", 0),
        ("2/2", "Running", 1),
        ("1/2", "Init:Error", 1),
        ("1/2", "Init:CrashLoopBackOff", 1),
    ]
    proxy = cluster.get("pod", "app")["status"]["initContainerStatuses"][1]
    assert proxy["restartCount"] >= 2 and proxy["lastState"]["terminated"]["exitCode"] == 1
    assert cluster.get("pod", "app")["status"]["phase"] == "Running"


def test_a_job_pod_completes_when_its_app_container_does_despite_a_sidecar(cluster):
    """getPhase (pkg/kubelet/kubelet_pods.go) ignores stopped sidecars: once the app
    containers of a restartPolicy Never pod have finished, the kubelet stops the sidecars
    (a shell ignoring SIGTERM takes the 30 s grace period, then exit 137) and the pod
    Succeeds, so its Job completes."""
    cluster.apply("""
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers:
      - {name: log, image: "busybox:1.36", restartPolicy: Always, command: [sh, -c, "sleep infinity"]}
      containers:
      - {name: main, image: "busybox:1.36", command: [sh, -c, "sleep 5"]}
""")
    cluster.step()
    [p] = cluster.list("pods", namespace="default", label_selector="job-name=j")
    name = p["metadata"]["name"]
    assert _rows(cluster, name, 45) == [
        ("0/2", "Init:0/1", 0),
        ("2/2", "Running", 0),
        ("1/2", "Completed", 0),
        ("0/2", "Completed", 0),
    ]
    done = cluster.get("pod", name)["status"]
    assert done["phase"] == "Succeeded"
    log = done["initContainerStatuses"][0]["state"]["terminated"]
    main = done["containerStatuses"][0]["state"]["terminated"]
    assert (log["exitCode"], main["exitCode"]) == (137, 0)
    assert main["finishedAt"] < log["finishedAt"]
    assert any(e["message"] == "Stopping container log" for e in cluster.events(name=name))
    assert cluster.get("job", "j")["status"]["succeeded"] == 1


def test_deleting_a_pod_stops_the_app_containers_then_the_sidecars(cluster):
    """Termination order with sidecars: the app containers, then the restartable init
    containers in reverse order."""
    cluster.apply(SIDECAR_POD)
    cluster.advance(20)
    cluster.delete("pod", "app")
    cluster.advance(1)
    kills = [e["message"] for e in cluster.events(name="app") if e["reason"] == "Killing"]
    assert kills == ["Stopping container main", "Stopping container proxy"]


def test_app_containers_of_a_pod_with_init_containers_wait_as_pod_initializing(cluster):
    """convertToAPIContainerStatuses (pkg/kubelet/kubelet_pods.go): a container that has
    not started waits with reason PodInitializing when the pod has init containers (its
    image pull included), so kubectl prints PodInitializing once the init containers are
    done and until the app container runs."""
    cluster.apply(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        '  initContainers: [{name: setup, image: "busybox:1.36", command: [sh, -c, "sleep 2"]}]\n'
        '  containers: [{name: main, image: "nginx:1.27"}]\n'
    )
    rows = _rows(cluster, "p", 15)
    assert rows == [("0/1", "Init:0/1", 0), ("0/1", "PodInitializing", 0), ("1/1", "Running", 0)]
    assert cluster.events(name="p")[-1]["reason"] == "Started"
