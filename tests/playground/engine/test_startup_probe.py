"""Startup probes, as the kubelet's prober runs them (pkg/kubelet/prober/worker.go doProbe):
liveness and readiness wait until the startup probe has succeeded, the container's
`started` turns true then, and a startup probe that fails failureThreshold times in a row
has the container killed and restarted ("Container main failed startup probe, will be
restarted")."""

from .conftest import pod


def _status(cluster, name):
    return cluster.get("Pod", name)["status"]["containerStatuses"][0]


def _ready(cluster, name):
    conditions = cluster.get("Pod", name)["status"]["conditions"]
    return next(c["status"] for c in conditions if c["type"] == "Ready")


def test_a_passing_startup_probe_holds_started_and_ready_until_it_succeeds(cluster):
    startup = {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 30, "periodSeconds": 10}
    container = {"name": "main", "image": "nginx:1.27", "startupProbe": startup}
    cluster.create(pod("slow", containers=[container]))
    cluster.advance(10)
    status = _status(cluster, "slow")
    assert "running" in status["state"]
    assert status["started"] is False and status["ready"] is False and _ready(cluster, "slow") == "False"
    cluster.advance(40)
    status = _status(cluster, "slow")
    assert status["started"] is True and status["ready"] is True and _ready(cluster, "slow") == "True"
    assert status["restartCount"] == 0


def test_a_failing_startup_probe_restarts_the_container_and_keeps_liveness_off(cluster):
    startup = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 5, "failureThreshold": 3}
    # A liveness probe that would fail sooner is not run before the startup probe succeeds.
    liveness = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1, "failureThreshold": 1}
    container = {"name": "main", "image": "nginx:1.27", "startupProbe": startup, "livenessProbe": liveness}
    cluster.create(pod("never", containers=[container]))
    cluster.advance(10)
    status = _status(cluster, "never")
    assert status["started"] is False and status["restartCount"] == 0
    cluster.advance(20)
    status = _status(cluster, "never")
    assert status["restartCount"] >= 1 and status["lastState"]["terminated"]["exitCode"] == 137
    events = cluster.events(name="never")
    kills = [e["message"] for e in events if e["reason"] == "Killing"]
    assert kills and set(kills) == {"Container main failed startup probe, will be restarted"}
    unhealthy = [e["message"] for e in events if e["reason"] == "Unhealthy"]
    assert unhealthy and all(m.startswith("Startup probe failed: Get ") for m in unhealthy)
