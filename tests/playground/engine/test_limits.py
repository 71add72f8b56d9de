"""A sandbox's caps hold on every way an object is written, not only on create.

Each refusal is an upstream-shaped Status: 422 Invalid with the field path, or 403
Forbidden, and the message names the limit. The caps are the Cluster's options
(``max_replicas``, ``max_containers``, ``max_object_bytes``, ``max_events``,
``max_backoff_limit``), set from playground.sandboxes.LIMITS.
"""

import pytest

from playground.engine import ApiError, Cluster
from tests.playground.engine.conftest import deployment, pod

CAPS = {
    "max_replicas": 10,
    "max_objects": 400,
    "max_containers": 4,
    "max_object_bytes": 16 * 1024,
    "max_events": 30,
    "max_backoff_limit": 20,
}


@pytest.fixture
def capped():
    cluster = Cluster.new("minimal", **CAPS)
    cluster.apply(deployment(replicas=2))
    cluster.settle()
    return cluster


def refused(call, code=422) -> ApiError:
    with pytest.raises(ApiError) as error:
        call()
    assert error.value.code == code, error.value.message
    status = error.value.status
    assert status["kind"] == "Status" and status["code"] == code
    return error.value


def _replicas_refused(error: ApiError, field="spec.replicas", value=1000000):
    assert error.reason == "Invalid"
    assert error.message.endswith(
        f"{field}: Invalid value: {value}: must be less than or equal to 10 in this cluster"
    )
    assert error.details["causes"][0]["field"] == field


def test_replace_with_replicas_over_the_cap_is_refused(capped):
    body = capped.get("deployment", "web")
    body["spec"]["replicas"] = 1000000
    _replicas_refused(refused(lambda: capped.replace(body)))
    assert capped.get("deployment", "web")["spec"]["replicas"] == 2


@pytest.mark.parametrize(
    "patch_type,body",
    [
        ("merge", {"spec": {"replicas": 1000000}}),
        ("strategic", {"spec": {"replicas": 1000000}}),
        ("json", [{"op": "replace", "path": "/spec/replicas", "value": 1000000}]),
    ],
)
def test_every_patch_type_is_capped(capped, patch_type, body):
    _replicas_refused(refused(lambda: capped.patch("deployment", "web", body, patch_type=patch_type)))


def test_apply_of_an_existing_deployment_is_capped(capped):
    """The Apply box and `kubectl apply` on an object that exists: an update, capped too."""
    _replicas_refused(refused(lambda: capped.apply(deployment(replicas=1000000))))
    assert len(capped.list("pods")) == 2


def test_scale_subresource_is_capped(capped):
    _replicas_refused(refused(lambda: capped.scale("deployment", "web", 1000000)))


def test_an_unchanged_value_over_a_lowered_cap_does_not_block_other_updates(capped):
    """Like upstream's ratcheting validation: only a value the write changes is checked."""
    capped.limits.max_replicas = 1
    capped.patch("deployment", "web", {"metadata": {"labels": {"tier": "web"}}}, patch_type="merge")
    assert capped.get("deployment", "web")["metadata"]["labels"] == {"tier": "web"}


def test_hpa_max_replicas_is_capped(capped):
    hpa = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 1000000,
        },
    }
    _replicas_refused(refused(lambda: capped.create(hpa)), field="spec.maxReplicas")


def _job(**spec):
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "batch"},
        "spec": {
            **spec,
            "template": {
                "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}
            },
        },
    }


@pytest.mark.parametrize("field", ["parallelism", "completions"])
def test_job_parallelism_and_completions_are_capped(capped, field):
    error = refused(lambda: capped.create(_job(**{field: 1000000000})))
    _replicas_refused(error, field=f"spec.{field}", value=1000000000)
    assert capped.list("jobs") == []


def test_job_backoff_limit_is_capped(capped):
    error = refused(lambda: capped.create(_job(backoffLimit=1000000000)))
    assert error.message.endswith(
        "spec.backoffLimit: Invalid value: 1000000000: must be less than or equal to 20 in this cluster"
    )


def test_cronjob_job_template_is_capped(capped):
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly"},
        "spec": {"schedule": "0 1 * * *", "jobTemplate": {"spec": _job(completions=1000000000)["spec"]}},
    }
    error = refused(lambda: capped.create(cron))
    assert "spec.jobTemplate.spec.completions: Invalid value: 1000000000" in error.message


def test_containers_per_pod_are_capped(capped):
    many = [{"name": f"c{i}", "image": "nginx"} for i in range(10000)]
    body = pod("crowded")
    body["spec"]["containers"] = many
    error = refused(lambda: capped.create(body))
    assert error.message.endswith(
        "spec.containers: Too many: 10000: must have at most 4 items in this cluster"
    )
    assert error.details["causes"][0]["reason"] == "FieldValueTooMany"


def test_init_containers_count_toward_the_cap(capped):
    body = pod("crowded")
    body["spec"]["initContainers"] = [{"name": f"i{i}", "image": "busybox"} for i in range(4)]
    error = refused(lambda: capped.create(body))
    assert "spec.initContainers: Too many: 5: must have at most 4 items in this cluster" in error.message


def test_pod_template_containers_are_capped_on_update(capped):
    many = [{"name": f"c{i}", "image": "nginx"} for i in range(6)]
    patch = {"spec": {"template": {"spec": {"containers": many}}}}
    error = refused(lambda: capped.patch("deployment", "web", patch, patch_type="merge"))
    assert "spec.template.spec.containers: Too many: 6: must have at most 4 items" in error.message


def test_object_size_is_capped(capped):
    big = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "big"},
        "data": {"blob": "x" * (20 * 1024)},
    }
    error = refused(lambda: capped.create(big))
    assert "Too long: must have at most 16384 bytes in this cluster" in error.message
    small = {**big, "data": {"blob": "x"}}
    capped.create(small)
    error = refused(
        lambda: capped.patch("configmap", "big", {"data": {"blob": "y" * 20000}}, patch_type="merge")
    )
    assert "16384 bytes" in error.message
    assert capped.get("configmap", "big")["data"] == {"blob": "x"}


def test_object_size_is_capped_on_status_writes(capped):
    name = capped.list("pods")[0]["metadata"]["name"]
    patch = {"status": {"message": "x" * 20000}}
    error = refused(lambda: capped.patch("pod", name, patch, patch_type="merge", subresource="status"))
    assert "16384 bytes" in error.message


def _event(name, **extra):
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
        "reason": "Test",
        "message": "hello",
        "firstTimestamp": "2026-01-01T00:00:00Z",
        "lastTimestamp": "2026-01-01T00:00:00Z",
        "count": 1,
        "type": "Normal",
        "source": {"component": "learner"},
        **extra,
    }


def test_api_created_events_are_capped(capped):
    for event in list(capped.store.iter("Event")):
        capped.store.remove("Event", event)
    for i in range(30):
        capped.create(_event(f"e{i}"))
    error = refused(lambda: capped.create(_event("one-too-many")), code=403)
    assert error.message == 'events "one-too-many" is forbidden: this cluster allows at most 30 events'


def test_the_recorder_drops_the_oldest_events_at_the_cap(capped):
    """Controllers' events are never refused: the oldest make room, as the TTL would."""
    for event in list(capped.store.iter("Event")):
        capped.store.remove("Event", event)
    for i in range(30):
        capped.create(
            _event(f"old-{i}", firstTimestamp="2025-12-31T23:00:00Z", lastTimestamp="2025-12-31T23:00:00Z")
        )
    capped.scale("deployment", "web", 5)
    capped.settle()
    events = list(capped.store.iter("Event"))
    assert len(events) <= 30
    reasons = {e["reason"] for e in events}
    assert "ScalingReplicaSet" in reasons and "SuccessfulCreate" in reasons
    assert sum(e["metadata"]["name"].startswith("old-") for e in events) < 30


def test_objects_cap_still_refuses_and_events_do_not_count(capped):
    capped.limits.max_objects = capped.limits.object_count() + 1
    capped.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "last"}})
    error = refused(
        lambda: capped.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "over"}}), 403
    )
    assert "this cluster allows at most" in error.message and "objects" in error.message


def test_caps_survive_a_save_and_old_states_load_without_the_new_keys(capped):
    state = capped.to_dict()
    again = Cluster.from_dict(state)
    assert again.limits.to_dict() == capped.limits.to_dict()
    for key in ("max_containers", "max_object_bytes", "max_events", "max_backoff_limit"):
        state["options"].pop(key)
    old = Cluster.from_dict(state)
    assert old.limits.max_containers is None and old.limits.max_replicas == 10
    old.scale("deployment", "web", 3)


def test_a_work_budget_spreads_a_big_backlog_over_several_calls():
    """A Deployment scaled to the cap: each call runs at most the budget's steps and leaves
    the rest queued; later calls finish the work, with nothing lost."""
    from playground.engine.cluster import WorkBudget

    cluster = Cluster.new("minimal", max_replicas=50)
    cluster.apply(deployment(replicas=40))
    calls = []
    for _ in range(200):
        cluster.budget = WorkBudget(steps=25)
        calls.append(cluster.advance(1))
        cluster.budget = None
        if cluster.backlog() == 0 and cluster.get("deployment", "web")["status"].get("readyReplicas") == 40:
            break
    assert max(calls) <= 25
    assert len(calls) > 4
    assert cluster.get("deployment", "web")["status"]["readyReplicas"] == 40


def test_a_work_budget_bounds_wall_time_with_a_fake_clock():
    from playground.engine.cluster import WorkBudget

    cluster = Cluster.new("minimal", max_replicas=50)
    cluster.apply(deployment(replicas=40))
    now = [0.0]

    def timer():
        now[0] += 0.1  # each look at the clock: a tenth of a second of work
        return now[0]

    cluster.budget = WorkBudget(seconds=1.0, timer=timer)
    done = cluster.settle()
    assert 0 < done <= 10
    assert cluster.backlog() > 0
    cluster.budget = None
    cluster.settle()
    assert cluster.backlog() == 0
    assert len(cluster.list("pods")) == 40


def test_the_budget_is_not_saved_and_advance_still_reaches_its_target():
    from playground.engine.cluster import WorkBudget

    cluster = Cluster.new("minimal", max_replicas=50)
    cluster.apply(deployment(replicas=40))
    start = cluster.clock
    cluster.budget = WorkBudget(steps=5)
    cluster.advance(600)
    assert cluster.clock == start + 600
    again = Cluster.from_dict(cluster.to_dict())
    assert again.budget is None and again.backlog() == cluster.backlog() > 0
    again.advance(1)
    assert again.backlog() == 0


def test_a_pod_already_past_the_containers_cap_may_still_be_edited(capped):
    """Saved under an older, higher cap: an update that adds no container is let through."""
    body = pod("crowded")
    body["spec"]["containers"] = [{"name": f"c{i}", "image": "nginx"} for i in range(6)]
    capped.limits.max_containers = None
    capped.create(body)
    capped.limits.max_containers = 4
    capped.patch("pod", "crowded", {"metadata": {"labels": {"still": "editable"}}}, patch_type="merge")
    assert capped.get("pod", "crowded")["metadata"]["labels"] == {"still": "editable"}
