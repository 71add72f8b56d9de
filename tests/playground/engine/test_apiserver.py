"""The API server's contract: upstream messages, defaults, validation, admission, concurrency."""

import pytest

from playground.engine import ApiError

from .conftest import deployment, pod


def error_of(call, *args, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as error:
        call(*args, **kwargs)
    return error.value


def test_not_found_names_the_qualified_resource(cluster):
    error = error_of(cluster.get, "deployment", "web")
    assert (error.code, error.reason, error.message) == (404, "NotFound", 'deployments.apps "web" not found')
    assert error.status["details"] == {"name": "web", "group": "apps", "kind": "deployments"}
    assert error_of(cluster.get, "pod", "nope").message == 'pods "nope" not found'


def test_already_exists(cluster):
    cluster.apply(deployment())
    error = error_of(cluster.create, cluster.get("deploy", "web") | {"metadata": {"name": "web"}})
    assert (error.code, error.reason, error.message) == (
        409,
        "AlreadyExists",
        'deployments.apps "web" already exists',
    )


def test_a_stale_update_is_a_conflict(cluster):
    cluster.apply(deployment())
    stale = cluster.get("deploy", "web")
    cluster.scale("deploy", "web", 4)
    stale["spec"]["replicas"] = 5
    error = error_of(cluster.replace, stale)
    assert error.code == 409 and error.reason == "Conflict"
    assert error.message == (
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_invalid_replicas_is_422_with_a_cause_per_field(cluster):
    cluster.apply(deployment())
    error = error_of(cluster.scale, "deploy", "web", -1)
    assert error.code == 422 and error.reason == "Invalid"
    assert (
        error.message
        == 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    )
    assert error.status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": "Invalid value: -1: must be greater than or equal to 0",
            "field": "spec.replicas",
        }
    ]


def test_several_invalid_fields_are_listed_together(cluster):
    body = pod("Bad_Name", containers=[{"name": "web"}])
    error = error_of(cluster.create, body)
    assert error.message.startswith(
        'Pod "Bad_Name" is invalid: [metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain'
    )
    assert "spec.containers[0].image: Required value" in error.message
    assert [c["field"] for c in error.status["details"]["causes"]] == [
        "metadata.name",
        "spec.containers[0].image",
    ]


def test_selector_must_match_template_labels(cluster):
    text = deployment().replace("labels: {app: web}", "labels: {app: other}")
    error = error_of(cluster.apply, text)
    assert error.message == (
        'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"other"}: `selector` does not match template `labels`'
    )


def test_deployment_selector_is_immutable(cluster):
    cluster.apply(deployment())
    changed = deployment().replace("{app: web}", "{app: web, v: two}")
    error = error_of(cluster.apply, changed)
    assert error.code == 422
    assert (
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"two"}'
        in error.message
    )
    assert error.message.endswith("field is immutable")


def test_unknown_fields_fail_strict_decoding_like_kubectl_apply(cluster):
    error = error_of(cluster.apply, deployment().replace("replicas: 3", "replica: 3"))
    assert error.code == 400 and error.reason == "BadRequest"
    assert (
        error.message
        == 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"'
    )
    assert cluster.list("deploy", namespace="default") == []


def test_a_wrong_type_is_reported_as_the_decoder_does(cluster):
    error = error_of(cluster.apply, deployment().replace("replicas: 3", 'replicas: "3"'))
    assert error.message == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into '
        "Go struct field DeploymentSpec.spec.replicas of type int32"
    )


def test_a_malformed_quantity_is_a_decode_error(cluster):
    error = error_of(cluster.apply, deployment(cpu="lots"))
    assert error.code == 400
    assert "quantities must match the regular expression" in error.message


def test_an_unknown_kind_says_so(cluster):
    error = error_of(cluster.apply, "apiVersion: v1\nkind: Gizmo\nmetadata: {name: g}\n")
    assert (error.code, error.message) == (404, 'no matches for kind "Gizmo" in version "v1"')
    error = error_of(cluster.apply, "apiVersion: apps/v2\nkind: Deployment\nmetadata: {name: g}\n")
    assert error.message == 'no matches for kind "Deployment" in version "apps/v2"'


def test_defaults_are_applied_as_upstream(cluster):
    cluster.apply(deployment(image="nginx"))
    d = cluster.get("deploy", "web")
    assert d["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert d["spec"]["revisionHistoryLimit"] == 10
    assert d["spec"]["progressDeadlineSeconds"] == 600
    pod_spec = d["spec"]["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Always"
    assert pod_spec["terminationGracePeriodSeconds"] == 30
    assert pod_spec["dnsPolicy"] == "ClusterFirst"
    assert pod_spec["schedulerName"] == "default-scheduler"
    assert pod_spec["containers"][0]["imagePullPolicy"] == "Always"  # no tag means :latest
    cluster.create(pod("tagged", image="nginx:1.27"))
    created = cluster.get("pod", "tagged")
    assert created["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert created["spec"]["serviceAccountName"] == "default"
    assert created["spec"]["priority"] == 0
    tolerations = {(t["key"], t["tolerationSeconds"]) for t in created["spec"]["tolerations"]}
    assert tolerations == {("node.kubernetes.io/not-ready", 300), ("node.kubernetes.io/unreachable", 300)}
    assert created["status"]["phase"] == "Pending" and created["status"]["qosClass"] == "BestEffort"


def test_generate_name_gets_a_random_suffix(cluster):
    made = cluster.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "cfg-"}, "data": {"a": "b"}}
    )
    assert made["metadata"]["name"].startswith("cfg-") and len(made["metadata"]["name"]) == 9


def test_creating_in_a_missing_namespace_is_404_on_the_namespace(cluster):
    error = error_of(cluster.create, pod("p", namespace="nowhere"))
    assert (error.code, error.message) == (404, 'namespaces "nowhere" not found')


def test_creating_in_a_terminating_namespace_is_forbidden(cluster):
    cluster.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: going}\n")
    cluster.apply(deployment(), namespace="going")
    cluster.delete("namespace", "going")
    error = error_of(cluster.create, pod("late", namespace="going"))
    assert error.code == 403
    assert (
        error.message
        == 'pods "late" is forbidden: unable to create new content in namespace going because it is being terminated'
    )


def test_quota_demands_requests_and_counts_usage(cluster):
    cluster.apply(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n---\n"
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: compute, namespace: team}\n"
        "spec: {hard: {requests.cpu: '1', requests.memory: 1Gi, pods: '2'}}\n"
    )
    error = error_of(cluster.create, pod("bare", namespace="team"))
    assert (
        error.message
        == 'pods "bare" is forbidden: failed quota: compute: must specify requests.cpu,requests.memory'
    )
    sized = [
        {"name": "main", "image": "nginx:1.27", "resources": {"requests": {"cpu": "600m", "memory": "256Mi"}}}
    ]
    cluster.create(pod("one", namespace="team", containers=sized))
    error = error_of(cluster.create, pod("two", namespace="team", containers=sized))
    assert error.code == 403
    assert error.message == (
        'pods "two" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, '
        "used: requests.cpu=600m, limited: requests.cpu=1"
    )
    cluster.settle()
    status = cluster.get("quota", "compute", "team")["status"]
    assert status["used"] == {"requests.cpu": "600m", "requests.memory": "256Mi", "pods": "1"}


def test_limitrange_fills_defaults_and_enforces_bounds(cluster):
    cluster.apply(
        "apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr}\n"
        "spec: {limits: [{type: Container, defaultRequest: {cpu: 100m}, default: {cpu: 500m}, max: {cpu: '1'}}]}\n"
    )
    made = cluster.create(pod("d"))
    assert made["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "100m"},
        "limits": {"cpu": "500m"},
    }
    big = [{"name": "main", "image": "nginx:1.27", "resources": {"limits": {"cpu": "2"}}}]
    error = error_of(cluster.create, pod("big", containers=big))
    assert error.message == 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2'


def test_patch_types(cluster):
    cluster.apply(deployment())
    cluster.patch("deploy", "web", {"metadata": {"labels": {"a": "1"}}}, patch_type="merge")
    cluster.patch(
        "deploy", "web", [{"op": "add", "path": "/metadata/labels/b", "value": "2"}], patch_type="json"
    )
    cluster.patch(
        "deploy",
        "web",
        {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "busybox:1.36"}]}}}},
    )
    d = cluster.get("deploy", "web")
    assert d["metadata"]["labels"] == {"a": "1", "b": "2"}
    # strategic merge adds a container by name instead of replacing the list
    assert [c["name"] for c in d["spec"]["template"]["spec"]["containers"]] == ["main", "side"]
    cluster.patch(
        "deploy",
        "web",
        {"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}},
    )
    assert [c["name"] for c in cluster.get("deploy", "web")["spec"]["template"]["spec"]["containers"]] == [
        "main"
    ]
    error = error_of(cluster.patch, "deploy", "web", [{"op": "remove", "path": "/nope"}], patch_type="json")
    assert error.code == 422


def test_graceful_pod_deletion_keeps_the_pod_terminating_for_the_grace_period(cluster):
    cluster.create(
        pod("slow", containers=[{"name": "main", "image": "busybox:1.36", "command": ["sleep", "3600"]}])
    )
    cluster.settle()
    cluster.delete("pod", "slow")
    terminating = cluster.get("pod", "slow")
    assert terminating["metadata"]["deletionGracePeriodSeconds"] == 30
    deleted_at = cluster.parse_time(terminating["metadata"]["deletionTimestamp"])
    assert deleted_at == int(cluster.clock) + 30
    cluster.advance(29)
    assert cluster.get("pod", "slow")["metadata"]["deletionTimestamp"]  # a shell ignores SIGTERM
    cluster.advance(2)
    with pytest.raises(ApiError):
        cluster.get("pod", "slow")


def test_a_server_that_handles_sigterm_stops_early(cluster):
    cluster.create(pod("fast"))
    cluster.settle()
    cluster.delete("pod", "fast")
    cluster.advance(2)
    with pytest.raises(ApiError):
        cluster.get("pod", "fast")


def test_binding_a_bound_pod_is_a_conflict(cluster):
    cluster.create(pod("p"))
    cluster.settle()
    error = error_of(cluster.api.bind, "p", "default", "worker-1")
    assert error.code == 409
    assert "is already assigned to node" in error.message


def test_scale_subresource(cluster):
    cluster.apply(deployment())
    scale = cluster.api.get_scale("Deployment", "web", "default")
    assert scale["kind"] == "Scale" and scale["spec"] == {"replicas": 3}
    assert scale["status"]["selector"] == "app=web"
