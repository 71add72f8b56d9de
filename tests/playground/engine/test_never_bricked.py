"""Whatever the API accepts, the engine's loops, expiry and readers handle: no object a
learner can write makes every later request of the sandbox fail."""

import logging

import pytest

from playground.engine import ApiError, Cluster
from playground.engine.util import rfc3339, rfc3339_micro
from playground.kubectl.console import parse, run
from tests.playground.engine.conftest import deployment, pod

INT64_MAX = 2**63 - 1


@pytest.fixture
def small():
    cluster = Cluster.new("minimal")
    cluster.create(pod("p"))
    cluster.settle()
    return cluster


def _event(name="note", **fields):
    body = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
        "reason": "Hello",
        "message": "written by hand",
        "type": "Normal",
    }
    body.update(fields)
    return body


def test_an_event_without_last_timestamp_is_accepted_and_expires_from_its_creation(small):
    """core/v1 Events need no timestamps (legacyValidateEvent in upstream's
    pkg/apis/core/validation/events.go): the TTL sweep must age such an Event from its
    creation instead of failing on every clock advance."""
    small.create(_event())
    small.advance(120)  # the sweep runs: no KeyError
    assert small.get("event", "note")["reason"] == "Hello"
    small.advance(3600)
    assert all(e["metadata"]["name"] != "note" for e in small.events())
    with pytest.raises(ApiError) as error:
        small.get("event", "note")
    assert error.value.code == 404


def test_any_stored_event_shape_survives_the_sweep_and_the_recorder(small):
    """Even an Event whose times do not parse (written before validation, or by a bug)."""
    small.create(_event("odd"))
    stored = small.store.get("Event", "default", "odd")
    small.store.put("Event", {**stored, "lastTimestamp": "yesterday", "firstTimestamp": 7}, "MODIFIED")
    small.recorder.rebuild()
    small.advance(120)
    small.delete("pod", "p")
    small.advance(3700)
    assert all(e["metadata"]["name"] != "odd" for e in small.events())
    small.list("events")


def test_a_new_style_event_needs_its_reporting_fields(small):
    """legacyValidateEvent: with eventTime set, reportingController, reportingInstance,
    action and reason are required."""
    body = _event(eventTime="2026-01-01T00:00:00.000000Z")
    with pytest.raises(ApiError) as error:
        small.create(body)
    assert error.value.code == 422
    fields = [cause["field"] for cause in error.value.details["causes"]]
    assert fields == ["reportingController", "reportingInstance", "action"]


def test_an_event_namespace_must_match_its_object(small):
    body = _event(involvedObject={"kind": "Pod", "name": "p", "namespace": "kube-system"})
    with pytest.raises(ApiError) as error:
        small.create(body)
    assert error.value.message == (
        'Event "note" is invalid: involvedObject.namespace: Invalid value: "kube-system": '
        "does not match event.namespace"
    )


def test_an_event_needs_a_name(small):
    body = _event()
    del body["metadata"]["name"]
    with pytest.raises(ApiError) as error:
        small.create(body)
    assert error.value.code == 422
    assert "metadata.name: Required value" in error.value.message


def test_pod_status_conditions_are_validated(small):
    """validatePodConditions (ValidatePodStatusUpdate): a condition type that is not a system
    one must be a qualified name; an empty one is refused, so `describe` and the kubelet
    never meet a condition without a type."""
    with pytest.raises(ApiError) as error:
        small.patch("pod", "p", {"status": {"conditions": [{}]}}, patch_type="merge", subresource="status")
    assert error.value.code == 422
    assert error.value.message.startswith(
        'Pod "p" is invalid: [status.conditions[0].Type: Invalid value: "": name part must be non-empty'
    )
    small.patch(
        "pod",
        "p",
        {"status": {"conditions": [{"type": "example.com/Warm", "status": "True"}]}},
        patch_type="merge",
        subresource="status",
    )
    run(small, parse("kubectl describe pod p"))
    run(small, parse("kubectl describe nodes"))


def test_status_conditions_of_other_kinds_must_be_objects_with_a_type(small):
    small.apply(deployment(replicas=1))
    small.settle()
    with pytest.raises(ApiError) as error:
        small.patch(
            "deployment", "web", {"status": {"conditions": [{}]}}, patch_type="merge", subresource="status"
        )
    assert error.value.code == 422
    assert "status.conditions[0].type: Required value" in error.value.message
    run(small, parse("kubectl describe deployment web"))


def test_a_huge_grace_period_does_not_make_a_pod_undeletable(small):
    """terminationGracePeriodSeconds is an int64 that upstream only requires to be
    non-negative; the deadline it makes is clamped when written as a timestamp (Go's
    time.Time stops at year 9999 in RFC 3339 too)."""
    small.create(pod("slow", terminationGracePeriodSeconds=1000000000000000000))
    small.settle()
    node = small.get("pod", "slow")["spec"]["nodeName"]
    deleted = small.delete("pod", "slow")
    assert deleted["metadata"]["deletionTimestamp"] == "9999-12-31T23:59:59Z"
    small.advance(60)
    assert "slow" not in [p["metadata"]["name"] for p in small.list("pods")]
    small.create(pod("slow2", terminationGracePeriodSeconds=1000000000000000000))
    small.settle()
    small.drain(node, ignore_daemonsets=True, force=True, timeout_seconds=5)
    small.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "tmp"}})
    small.create(pod("slow3", namespace="tmp", terminationGracePeriodSeconds=1000000000000000000))
    small.advance(5)
    small.delete("namespace", "tmp")
    small.advance(120)
    assert small.list("pods", namespace="tmp") == []


def test_integers_beyond_int64_are_refused_when_decoding(small):
    """Upstream's JSON decoder cannot put such a number in an int64 field: 400 BadRequest."""
    with pytest.raises(ApiError) as error:
        small.create(pod("huge", terminationGracePeriodSeconds=INT64_MAX + 1))
    assert error.value.code == 400
    assert "cannot unmarshal number 9223372036854775808" in error.value.message


def test_pod_active_deadline_is_bounded_as_upstream():
    """validatePodSpec: activeDeadlineSeconds between 1 and math.MaxInt32."""
    cluster = Cluster.new("minimal")
    with pytest.raises(ApiError) as error:
        cluster.create(pod("late", activeDeadlineSeconds=2147483648))
    assert error.value.message.endswith(
        "spec.activeDeadlineSeconds: Invalid value: 2147483648: must be between 1 and 2147483647, inclusive"
    )


def test_long_durations_everywhere_leave_the_cluster_working(small):
    """Big (valid) seconds in every duration field: each loop computes its deadline
    without overflowing, so the sandbox keeps answering."""
    big = 2147483647
    small.create(pod("deadline", activeDeadlineSeconds=big))
    probe = {"exec": {"command": ["true"]}, "initialDelaySeconds": big, "periodSeconds": big}
    body = pod("probed")
    body["spec"]["containers"][0]["livenessProbe"] = probe
    small.create(body)
    small.apply(deployment(name="slow", replicas=1, extra_spec=f"\n  progressDeadlineSeconds: {big}"))
    small.create(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "once"},
            "spec": {
                "ttlSecondsAfterFinished": big,
                "activeDeadlineSeconds": INT64_MAX,
                "template": {
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "busybox"}]}
                },
            },
        }
    )
    small.settle()
    small.advance(3600)
    run(small, parse("kubectl get all -A"))
    run(small, parse("kubectl describe pods"))
    for name in ("deadline", "probed"):
        small.delete("pod", name)
    small.advance(60)


def test_timestamps_are_clamped_to_what_rfc3339_can_write():
    assert rfc3339(1e30) == "9999-12-31T23:59:59Z"
    assert rfc3339_micro(1e30) == "9999-12-31T23:59:59.000000Z"
    assert rfc3339(-1e30) == "0001-01-01T00:00:00Z"


def test_a_failing_controller_reports_and_skips_the_object(small, caplog):
    """One malformed object makes its controller fail on that key only: it is logged and
    recorded as a step, the request that set it off still answers, and other objects
    are still reconciled."""

    deployments = small.controllers["deployment"]
    original = deployments.reconcile

    def broken(key):
        if key.endswith("/bad"):
            raise KeyError("spec")
        return original(key)

    deployments.reconcile = broken
    with caplog.at_level(logging.WARNING):
        small.apply(deployment(name="bad", replicas=1))
        small.apply(deployment(name="good", replicas=1))
        small.settle()
    assert len([p for p in small.list("pods") if p["metadata"]["name"].startswith("good-")]) == 1
    assert any(step["action"] == "ReconcileError" and "bad" in step["name"] for step in small.steps)


def test_owner_references_are_validated(small):
    """ValidateOwnerReferences: a reference without its name (which the ReplicaSet
    controller's watch follows) is refused, and so are two controller references."""
    body = pod("orphan")
    body["metadata"]["ownerReferences"] = [{"controller": True, "kind": "ReplicaSet"}]
    with pytest.raises(ApiError) as error:
        small.create(body)
    assert error.value.code == 422
    fields = [cause["field"] for cause in error.value.details["causes"]]
    assert fields == [
        "metadata.ownerReferences.apiVersion",
        "metadata.ownerReferences.name",
        "metadata.ownerReferences.uid",
    ]
    ref = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "uid": "u", "controller": True}
    body["metadata"]["ownerReferences"] = [{**ref, "name": "a"}, {**ref, "name": "b"}]
    with pytest.raises(ApiError) as error:
        small.create(body)
    assert (
        'Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b'
        in error.value.message
    )


def test_a_watch_handler_that_raises_does_not_fail_the_write(small, caplog):
    """A controller's on_event failing on some object is logged and shown as a step; the
    write that stored the object still succeeds and the other controllers still see it."""
    deployments = small.controllers["deployment"]

    def broken(etype, kind, old, new):
        raise KeyError("name")

    deployments.on_event = broken
    small._routes.clear()
    with caplog.at_level(logging.WARNING):
        small.apply(deployment(replicas=1))
    assert any(step["action"] == "WatchError" and step["kind"] == "Deployment" for step in small.steps)
    assert "could not handle a Deployment event" in caplog.text


@pytest.mark.parametrize(
    "kind,name,status,expected",
    [
        (
            "node",
            "worker-1",
            {"conditions": [{"type": "Ready"}]},
            "status.conditions[0].status: Required value",
        ),
        (
            "node",
            "worker-1",
            {"addresses": [{}]},
            "status.addresses[0].type: Required value, status.addresses[0].address: Required value",
        ),
        (
            "service",
            "lb",
            {"loadBalancer": {"ingress": [{}]}},
            "status.loadBalancer.ingress[0]: Required value: must specify an ip or a hostname",
        ),
    ],
)
def test_status_lists_the_loops_and_printers_index_are_validated(kind, name, status, expected):
    """Each of these, once accepted, made `kubectl describe nodes` or `get all` raise."""
    cluster = Cluster.new("default")
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "lb"},
            "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]},
        }
    )
    cluster.settle()
    with pytest.raises(ApiError) as error:
        cluster.patch(kind, name, {"status": status}, patch_type="merge", subresource="status")
    assert error.value.code == 422 and expected in error.value.message
    run(cluster, parse("kubectl get all -A"))
    run(cluster, parse("kubectl describe nodes"))


def test_a_time_field_that_is_not_a_time_is_refused_when_decoding(small):
    """metav1.Time decodes RFC 3339 only: 400, as the decoder answers; a Job with
    `completionTime: y` made `kubectl get all` raise."""
    small.create(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "j"},
            "spec": {
                "template": {
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "m", "image": "busybox"}]}
                }
            },
        }
    )
    with pytest.raises(ApiError) as error:
        small.patch("job", "j", {"status": {"completionTime": "y"}}, patch_type="merge", subresource="status")
    assert error.value.code == 400
    assert 'parsing time "y" as "2006-01-02T15:04:05Z07:00"' in error.value.message
    run(small, parse("kubectl get all -A"))
