"""The controller contract: routing by watched kind, Result, rate-limited retries."""

import json
from pathlib import Path

import pytest

from playground.engine import Cluster
from playground.engine.controllers.base import ALL, Controller, Result
from playground.engine.controllers.registry import CONTROLLERS
from playground.engine.controllers.workqueue import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    default_controller_rate_limiter,
)

from .conftest import deployment

LEGACY_STATE = Path(__file__).with_name("legacy_state_v1.json")


# The rate limiters ---------------------------------------------------------------------


def test_item_exponential_doubles_from_5ms_to_the_1000s_cap():
    limiter = ItemExponentialFailureRateLimiter(0.005, 1000.0)
    delays = [limiter.when("a", 0.0) for _ in range(22)]
    assert delays[:4] == [0.005, 0.01, 0.02, 0.04]
    assert delays[17] == pytest.approx(0.005 * 2**17)  # 655.36 s
    assert delays[18:] == [1000.0] * 4
    assert limiter.num_requeues("a") == 22
    assert limiter.when("b", 0.0) == 0.005  # per item


def test_forget_resets_the_back_off():
    limiter = default_controller_rate_limiter()
    for _ in range(5):
        limiter.when("a", 0.0)
    assert limiter.num_requeues("a") == 5
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a", 100.0) == 0.005


def test_bucket_allows_a_burst_of_100_then_10_per_second():
    bucket = BucketRateLimiter(qps=10, burst=100)
    assert [bucket.when(str(i), 0.0) for i in range(100)] == [0.0] * 100
    assert bucket.when("x", 0.0) == pytest.approx(0.1)
    assert bucket.when("y", 0.0) == pytest.approx(0.2)
    # Tokens come back at 10 a second, up to the burst.
    assert bucket.when("z", 10.0) == 0.0
    assert bucket.tokens == pytest.approx(100 - 2 - 1 + 0 - 0, abs=2)


def test_default_limiter_takes_the_longer_of_item_and_bucket():
    limiter = default_controller_rate_limiter()
    # 100 different items fail at once: each waits 5 ms; the 101st waits for a token.
    assert {limiter.when(f"k{i}", 0.0) for i in range(100)} == {0.005}
    assert limiter.when("k100", 0.0) == pytest.approx(0.1)
    assert limiter.num_requeues("k0") == 1


# The registry and routing --------------------------------------------------------------


def test_every_registered_controller_declares_what_it_watches():
    names = [c.name for c in CONTROLLERS]
    assert len(names) == len(set(names))
    for controller_class in CONTROLLERS:
        assert issubclass(controller_class, Controller)
        assert controller_class.name
        assert controller_class.watches, controller_class.__name__
        assert controller_class.watches is ALL or all(
            isinstance(kind, str) and kind[0].isupper() for kind in controller_class.watches
        )


def test_the_cluster_runs_the_registered_controllers():
    cluster = Cluster.new("minimal")
    expected = {c.name for c in CONTROLLERS if c.enabled(cluster.options)}
    assert expected <= set(cluster.controllers)
    assert "ncp" not in cluster.controllers
    assert "ncp" in Cluster(options={"ncp": True}).controllers


def _spy(cluster, monkeypatch):
    calls = []
    for name, controller in cluster.controllers.items():
        original = controller.on_event

        def spy(etype, kind, old, new, name=name, original=original):
            calls.append((name, kind))
            original(etype, kind, old, new)

        monkeypatch.setattr(controller, "on_event", spy)
    cluster._routes.clear()
    return calls


def test_a_configmap_write_wakes_no_deployment_controller(monkeypatch):
    cluster = Cluster.new("minimal")
    cluster.apply(deployment(name="web", replicas=1))
    cluster.settle()
    calls = _spy(cluster, monkeypatch)
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "b"}})
    woken = {name for name, kind in calls}
    assert "deployment" not in woken
    assert "replicaset" not in woken
    assert "kubelet" in woken  # pods may wait for a ConfigMap to mount
    assert ("deployment", "ConfigMap") not in calls
    assert not any(item[0] == "deployment" for item in cluster.queue)


def test_a_pod_write_wakes_its_replicasets_key(monkeypatch):
    cluster = Cluster.new("minimal")
    cluster.apply(deployment(name="web", replicas=2))
    cluster.settle()
    rs = next(cluster.store.iter("ReplicaSet", "default"))
    pod = next(p for p in cluster.store.iter("Pod", "default"))
    calls = _spy(cluster, monkeypatch)
    cluster.api.delete("Pod", pod["metadata"]["name"], "default")
    assert ("replicaset", f"default/{rs['metadata']['name']}") in cluster.queue
    assert ("deployment", "Pod") not in calls
    assert ("replicaset", "Pod") in calls
    cluster.settle()
    assert (
        len([p for p in cluster.store.iter("Pod", "default") if not p["metadata"].get("deletionTimestamp")])
        == 2
    )


# Failures and retries ------------------------------------------------------------------


class Flaky(Controller):
    """Raises on its first `failures` reconciles of a key, then succeeds."""

    name = "flaky"
    watches = ("ConfigMap",)

    def __init__(self, cluster, failures=3):
        super().__init__(cluster)
        self.failures = failures
        self.attempts: list[float] = []

    def on_event(self, etype, kind, old, new):
        if new is not None:
            self.enqueue(f"{new['metadata']['namespace']}/{new['metadata']['name']}")

    def reconcile(self, key):
        self.attempts.append(self.cluster.clock)
        if len(self.attempts) <= self.failures:
            raise RuntimeError("the simulated NSX manager is unreachable")
        return Result.of({**self._blank(key), "action": "Synced", "message": f"synced {key}"})

    def _blank(self, key):
        ns, name = key.split("/", 1)
        return {"component": "test (flaky)", "kind": "ConfigMap", "namespace": ns, "name": name}


def _with_flaky(cluster, failures=3):
    flaky = Flaky(cluster, failures)
    cluster.controllers["flaky"] = flaky
    cluster.limiters["flaky"] = flaky.rate_limiter()
    cluster._routes.clear()
    return flaky


def test_a_controller_that_raises_is_retried_with_back_off_and_others_keep_running():
    cluster = Cluster.new("minimal")
    flaky = _with_flaky(cluster, failures=3)
    start = cluster.clock
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}})
    cluster.apply(deployment(name="web", replicas=2))
    cluster.settle()
    # Other controllers were not held up: the Deployment's pods run.
    running = [p for p in cluster.store.iter("Pod", "default") if p["status"].get("phase") == "Running"]
    assert len(running) == 2
    # 3 failures, retried 5 ms, 10 ms and 20 ms later, then success.
    assert len(flaky.attempts) == 4
    gaps = [round(b - a, 6) for a, b in zip(flaky.attempts, flaky.attempts[1:], strict=False)]
    assert gaps == [0.005, 0.01, 0.02]
    assert flaky.attempts[0] == start
    errors = [s for s in cluster.steps if s["action"] == "ReconcileError"]
    assert len(errors) == 3
    assert errors[0]["controller"] == "flaky"
    assert "RuntimeError: the simulated NSX manager is unreachable" in errors[0]["message"]
    assert "retrying in 0.005s" in errors[0]["message"]
    assert any(s["action"] == "Synced" for s in cluster.steps)
    # Success forgets the failures: the next failure starts at 5 ms again.
    assert cluster.limiters["flaky"].num_requeues("default/cfg") == 0


def test_an_always_failing_controller_backs_off_to_the_cap_without_stalling_the_loop():
    cluster = Cluster.new("minimal")
    flaky = _with_flaky(cluster, failures=10**9)
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}})
    cluster.advance(3 * 3600)
    gaps = [b - a for a, b in zip(flaky.attempts, flaky.attempts[1:], strict=False)]
    assert gaps[:3] == pytest.approx([0.005, 0.01, 0.02], abs=1e-6)  # a float clock near 1.7e9 s
    assert max(gaps) == pytest.approx(1000.0)
    assert len(flaky.attempts) < 40  # back-off, not a hot loop
    # Time-based work elsewhere still happens: the node's lease keeps being renewed.
    lease = next(cluster.store.iter("Lease", "kube-node-lease"))
    assert cluster.parse_time(lease["spec"]["renewTime"]) >= cluster.clock - 10


def test_result_error_is_retried_like_an_exception_without_an_error_step():
    cluster = Cluster.new("minimal")
    flaky = _with_flaky(cluster, failures=0)
    results = iter([Result(error="not yet"), Result(error="not yet"), Result()])

    def reconcile(key):
        flaky.attempts.append(cluster.clock)
        return next(results)

    flaky.reconcile = reconcile
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}})
    cluster.settle()
    assert len(flaky.attempts) == 3
    assert not [s for s in cluster.steps if s["action"] == "ReconcileError"]


def test_reconcile_must_return_a_result():
    cluster = Cluster.new("minimal")
    flaky = _with_flaky(cluster)
    flaky.reconcile = lambda key: None
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}})
    with pytest.raises(TypeError, match="not a Result"):
        cluster.settle()


def test_requeue_after_runs_the_key_again_then():
    cluster = Cluster.new("minimal")
    flaky = _with_flaky(cluster, failures=0)

    def reconcile(key):
        flaky.attempts.append(cluster.clock)
        return Result(requeue_after=30) if len(flaky.attempts) < 3 else Result()

    flaky.reconcile = reconcile
    cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}})
    cluster.settle()
    assert [round(t - flaky.attempts[0]) for t in flaky.attempts] == [0, 30, 60]


# The ReplicaSet's quota retries (a failure, not a timer of its own) --------------------

QUOTA = """
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
spec: {hard: {pods: "2"}}
"""


def test_a_quota_blocked_replicaset_retries_5s_doubling_and_stops_once_it_succeeds():
    cluster = Cluster.new("minimal")
    cluster.apply(QUOTA)
    cluster.settle()
    cluster.apply(deployment(name="web", replicas=3))
    cluster.settle(timeout=1)
    rs = next(cluster.store.iter("ReplicaSet", "default"))
    key = f"default/{rs['metadata']['name']}"
    assert cluster.limiters["replicaset"].num_requeues(key) >= 1
    assert rs["status"]["conditions"][0]["reason"] == "FailedCreate"
    failed_at = [s["time"] for s in cluster.steps if s["action"] == "FailedCreate"]
    cluster.advance(200)
    failed_at = [cluster.parse_time(s["time"]) for s in cluster.steps if s["action"] == "FailedCreate"]
    assert len(failed_at) >= 4
    # Lifting the quota lets it finish, and success forgets the failures.
    cluster.patch("ResourceQuota", "q", {"spec": {"hard": {"pods": "10"}}})
    cluster.settle()
    assert cluster.limiters["replicaset"].num_requeues(key) == 0
    assert cluster.store.get("ReplicaSet", "default", rs["metadata"]["name"])["status"].get("replicas") == 3


# State ---------------------------------------------------------------------------------


def test_limiter_state_round_trips():
    cluster = Cluster.new("minimal")
    cluster.apply(QUOTA)
    cluster.apply(deployment(name="web", replicas=4))
    cluster.settle(timeout=30)
    data = json.loads(json.dumps(cluster.to_dict()))
    assert data["rateLimiters"]["replicaset"]
    again = Cluster.from_dict(data)
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(data, sort_keys=True)


def test_a_sandbox_saved_before_the_contract_still_loads_and_runs():
    data = json.loads(LEGACY_STATE.read_text())
    assert "rateLimiters" not in data
    assert data["controllers"]["replicaset"]["failures"]
    cluster = Cluster.from_dict(data)
    # The ReplicaSets' failure counts moved into the work queue's rate limiter.
    for key, count in data["controllers"]["replicaset"]["failures"].items():
        assert cluster.limiters["replicaset"].num_requeues(key) == count
    assert "failures" not in cluster.to_dict()["controllers"]["replicaset"]
    cluster.advance(600)
    # Same outcome as the code that saved it: the quota (3 pods) holds web at 3 and api at 0.
    pods = [p for p in cluster.store.iter("Pod", "default") if p["status"].get("phase") == "Running"]
    assert sorted(p["metadata"]["name"].rsplit("-", 2)[0] for p in pods) == ["web", "web", "web"]
    rs = {
        r["metadata"]["name"].rsplit("-", 1)[0]: r["status"]
        for r in cluster.store.iter("ReplicaSet", "default")
    }
    assert rs["web"]["replicas"] == 3 and rs["web"]["availableReplicas"] == 3
    assert rs["api"]["replicas"] == 0
    assert rs["api"]["conditions"][0]["reason"] == "FailedCreate"
