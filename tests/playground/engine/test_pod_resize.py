"""In-place pod resize (KEP-1287, GA in 1.35): the ``resize`` subresource, the kubelet's
allocation, and the status it reports."""

import pytest

from playground.engine import ApiError

POD = """
apiVersion: v1
kind: Pod
metadata: {name: r}
spec:
  nodeName: worker-1
  containers:
  - name: c
    image: nginx:1.27
    resources: {requests: {cpu: 200m, memory: 64Mi}, limits: {cpu: "1", memory: 128Mi}}
"""


def resize(cluster, body, name="r"):
    return cluster.api.patch("Pod", name, "default", body, "strategic", "resize")


def cpu_request(cpu):
    return {"spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu}}}]}}


def refusal(call, *args) -> str:
    with pytest.raises(ApiError) as raised:
        call(*args)
    assert raised.value.code == 422
    return raised.value.message


def status_of(cluster, name="r"):
    status = cluster.get("pod", name)["status"]
    conditions = {c["type"]: c for c in status["conditions"]}
    return status["containerStatuses"][0], conditions


@pytest.fixture
def running(cluster):
    cluster.apply(POD)
    cluster.settle()
    return cluster


def test_a_resize_is_allocated_then_applied_without_a_restart(running):
    """``podResizeStrategy`` stores the new requests; the kubelet (``canResizePod``)
    allocates them (``allocatedResources``), PodResizeInProgress while the runtime applies
    them, then ``status.containerStatuses[].resources`` shows them; NotRequired (the
    default resizePolicy) keeps the container running."""
    container, conditions = status_of(running)
    assert container["allocatedResources"] == {"cpu": "200m", "memory": "64Mi"}
    assert container["resources"] == {
        "requests": {"cpu": "200m", "memory": "64Mi"},
        "limits": {"cpu": "1", "memory": "128Mi"},
    }
    assert "PodResizeInProgress" not in conditions and "PodResizePending" not in conditions
    patched = resize(running, cpu_request("800m"))
    assert patched["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "800m", "memory": "64Mi"}
    running.advance(0.5)
    container, conditions = status_of(running)
    assert container["allocatedResources"] == {"cpu": "800m", "memory": "64Mi"}
    assert container["resources"]["requests"]["cpu"] == "200m"
    assert conditions["PodResizeInProgress"]["status"] == "True"
    running.settle()
    container, conditions = status_of(running)
    assert container["resources"]["requests"] == {"cpu": "800m", "memory": "64Mi"}
    assert "PodResizeInProgress" not in conditions
    assert container["restartCount"] == 0 and "running" in container["state"]


def test_a_resize_beyond_the_node_is_infeasible_and_beyond_its_free_room_deferred(running):
    """``canResizePod`` (pkg/kubelet/allocation/allocation_manager.go): requests above the
    node's allocatable are Infeasible ("Node didn't have enough capacity"), above what the
    other pods leave free Deferred ("Node didn't have enough resource", the scheduler's
    InsufficientResourceError), retried when a pod leaves the node."""
    cpu = running.get("node", "worker-1")["status"]["allocatable"]["cpu"]
    resize(
        running,
        {
            "spec": {
                "containers": [{"name": "c", "resources": {"requests": {"cpu": "5"}, "limits": {"cpu": "5"}}}]
            }
        },
    )
    running.settle()
    container, conditions = status_of(running)
    pending = conditions["PodResizePending"]
    assert (pending["status"], pending["reason"]) == ("True", "Infeasible")
    assert (
        pending["message"]
        == f"Node didn't have enough capacity: cpu, requested: 5000, capacity: {int(cpu) * 1000}"
    )
    assert container["allocatedResources"]["cpu"] == "200m"
    # Another pod takes most of the node; a resize that fits the node but not beside it waits.
    running.apply(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: big}\nspec:\n  nodeName: worker-1\n  containers:\n"
        "  - {name: c, image: nginx:1.27, resources: {requests: {cpu: 2500m}}}\n"
    )
    running.settle()
    resize(
        running,
        {
            "spec": {
                "containers": [
                    {"name": "c", "resources": {"requests": {"cpu": "1500m"}, "limits": {"cpu": "2"}}}
                ]
            }
        },
    )
    running.settle()
    container, conditions = status_of(running)
    pending = conditions["PodResizePending"]
    assert pending["reason"] == "Deferred"
    assert pending["message"].startswith("Node didn't have enough resource: cpu, requested: 1500, used: ")
    assert container["allocatedResources"]["cpu"] == "200m"
    running.delete("pod", "big")
    running.settle(timeout=120)
    container, conditions = status_of(running)
    assert "PodResizePending" not in conditions
    assert container["allocatedResources"]["cpu"] == "1500m"
    assert container["resources"]["limits"]["cpu"] == "2"


def test_restart_container_resize_policy_restarts_the_container(running):
    """``resizePolicy`` RestartContainer for memory: the container restarts to take it."""
    running.apply(
        POD.replace("name: r}", "name: m}").replace(
            "    resources:",
            "    resizePolicy: [{resourceName: memory, restartPolicy: RestartContainer}]\n    resources:",
        )
    )
    running.settle()
    resize(
        running,
        {"spec": {"containers": [{"name": "c", "resources": {"limits": {"memory": "256Mi"}}}]}},
        name="m",
    )
    running.settle()
    container, _ = status_of(running, "m")
    assert container["restartCount"] == 1 and "running" in container["state"]
    assert container["resources"]["limits"]["memory"] == "256Mi"


def test_resize_validation_as_upstream(running):
    """``ValidatePodResize``: requests stay within limits, only cpu and memory change, the
    QoS class stays, nothing is removed; a plain update of resources stays forbidden."""
    assert refusal(resize, running, cpu_request("2")) == (
        'Pod "r" is invalid: spec.containers[0].resources.requests: Invalid value: "2": '
        "must be less than or equal to cpu limit of 1"
    )
    guaranteed = {
        "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1", "memory": "128Mi"}}}]}
    }
    assert refusal(resize, running, guaranteed) == (
        'Pod "r" is invalid: spec: Invalid value: "Burstable": Pod QOS Class may not change as a result of resizing'
    )
    storage = {"spec": {"containers": [{"name": "c", "resources": {"limits": {"ephemeral-storage": "1Gi"}}}]}}
    assert (
        refusal(resize, running, storage)
        == 'Pod "r" is invalid: spec: Forbidden: only cpu and memory resources are mutable'
    )
    assert refusal(running.api.patch, "Pod", "r", "default", cpu_request("300m"), "strategic").startswith(
        'Pod "r" is invalid: spec: Forbidden: pod updates may not change fields other than '
        "`spec.containers[*].image`,`spec.initContainers[*].image`"
    )
    # Other spec fields sent to resize are dropped, not applied (dropNonResizeUpdates).
    patched = resize(
        running,
        {
            "spec": {
                "containers": [
                    {"name": "c", "image": "nginx:1.28", "resources": {"requests": {"cpu": "300m"}}}
                ]
            }
        },
    )
    assert patched["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert patched["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "300m"


def test_a_resize_is_charged_to_the_namespace_quota(running):
    """ResourceQuota admits pods/resize too (plugin/pkg/admission/resourcequota with the pod
    evaluator's usage): what the resize adds must fit, with upstream's message."""
    running.apply(
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: compute}\n"
        "spec: {hard: {requests.cpu: '1', limits.cpu: '2'}}\n"
    )
    running.settle()
    resize(running, cpu_request("900m"))  # 200m -> 900m: 700m more, 900m of 1 used
    with pytest.raises(ApiError) as raised:
        resize(
            running,
            {
                "spec": {
                    "containers": [
                        {"name": "c", "resources": {"requests": {"cpu": "1200m"}, "limits": {"cpu": "2"}}}
                    ]
                }
            },
        )
    assert raised.value.code == 403
    assert raised.value.message == (
        'pods "r" is forbidden: exceeded quota: compute, requested: requests.cpu=300m, '
        "used: requests.cpu=900m, limited: requests.cpu=1"
    )
