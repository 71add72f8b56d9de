"""Admission in upstream's order: mutating admission, then validation, then the
validating plugins (LimitRanger's bounds, ResourceQuota last)."""

import pytest

from playground.engine import ApiError

from .conftest import pod

LIMITS_AND_QUOTA = """
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: team}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 250m, memory: 128Mi}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: team}
spec:
  hard: {requests.cpu: 800m, limits.cpu: "2"}
"""


@pytest.fixture
def team(cluster):
    cluster.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n")
    cluster.apply(LIMITS_AND_QUOTA)
    return cluster


def test_limitranger_defaults_are_annotated_as_upstream_writes_them(team):
    """``mergePodResourceRequirements`` (plugin/pkg/admission/limitranger/admission.go)
    fills what each container leaves out and records it in ``kubernetes.io/limit-ranger``:
    requests then limits per container, names sorted, joined with "; "."""
    made = team.create(
        pod(
            "p",
            namespace="team",
            containers=[
                {"name": "app", "image": "nginx:1.27"},
                {"name": "side", "image": "busybox:1.36", "resources": {"limits": {"cpu": "100m"}}},
            ],
        )
    )
    app, side = made["spec"]["containers"]
    assert app["resources"] == {
        "requests": {"cpu": "250m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }
    # API defaulting made the request equal to the limit before admission ran.
    assert side["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "100m", "memory": "256Mi"},
    }
    assert made["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app; "
        "memory request for container side; memory limit for container side"
    )


def test_a_request_above_the_defaulted_limit_is_invalid_before_quota_is_asked(team):
    """Mutating admission (LimitRanger's Admit) runs before the pod strategy's Validate
    (``ValidateResourceRequirements`` in pkg/apis/core/validation: "must be less than or
    equal to cpu limit of"), and ResourceQuota, a validating plugin, runs after both: a
    900m request under a 500m default limit is 422 Invalid, not a quota refusal."""
    with pytest.raises(ApiError) as raised:
        team.create(
            pod(
                "big",
                namespace="team",
                containers=[
                    {"name": "app", "image": "nginx:1.27", "resources": {"requests": {"cpu": "900m"}}}
                ],
            )
        )
    assert raised.value.code == 422
    assert raised.value.message == (
        'Pod "big" is invalid: spec.containers[0].resources.requests: Invalid value: "900m": '
        "must be less than or equal to cpu limit of 500m"
    )
    # A valid pod that does not fit the quota is the quota's refusal.
    with pytest.raises(ApiError) as raised:
        team.create(
            pod(
                "fits-limit",
                namespace="team",
                containers=[
                    {"name": "a", "image": "nginx:1.27", "resources": {"requests": {"cpu": "450m"}}},
                    {"name": "b", "image": "nginx:1.27", "resources": {"requests": {"cpu": "450m"}}},
                ],
            )
        )
    assert raised.value.code == 403
    assert raised.value.message == (
        'pods "fits-limit" is forbidden: exceeded quota: compute, requested: requests.cpu=900m, '
        "used: requests.cpu=0, limited: requests.cpu=800m"
    )


def test_a_replicaset_whose_pods_ask_above_the_default_limit_reports_failed_create(team):
    """A controller's create goes through the same admission and validation: the
    ReplicaSet controller's ``FailedCreate`` event carries the API server's error
    (``manageReplicas`` in pkg/controller/replicaset)."""
    team.apply(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: big, namespace: team}\nspec:\n"
        "  replicas: 1\n  selector: {matchLabels: {app: big}}\n  template:\n"
        "    metadata: {labels: {app: big}}\n    spec:\n"
        "      containers: [{name: app, image: nginx:1.27, resources: {requests: {cpu: 900m}}}]\n"
    )
    team.settle()
    assert team.list("pods", namespace="team") == []
    failed = next(e for e in team.events(kind="ReplicaSet") if e["reason"] == "FailedCreate")
    assert failed["message"].startswith('Error creating: Pod "big-')
    assert failed["message"].endswith(
        'is invalid: spec.containers[0].resources.requests: Invalid value: "900m": '
        "must be less than or equal to cpu limit of 500m"
    )
