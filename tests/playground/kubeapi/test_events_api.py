"""Events as real clients read them (issue 15, §3c): the core Event field selectors and
the events.k8s.io/v1 API, with the real kubectl 1.37."""

import json

import pytest

from playground.engine import Cluster
from playground.engine.errors import ApiError
from playground.kubeapi import discovery, eventsv1, handler
from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl

WEB = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    },
}


@pytest.fixture
def cluster():
    cluster = Cluster.new("default", seed=1)
    cluster.create(WEB)
    cluster.settle()
    return cluster


def _get(cluster, path, **query):
    req = handler.ApiRequest("GET", path, query=query)
    return json.loads(handler.read(cluster, handler.route(req.path), req).body)


def test_every_selectable_event_field_filters(cluster):
    """pkg/registry/core/event/strategy.go ``ToSelectableFields``: involvedObject's kind,
    namespace, name, uid, apiVersion, resourceVersion and fieldPath, reason,
    reportingComponent, source (the source's component, else the reporting controller)
    and type, besides metadata.name and metadata.namespace."""
    pulled = next(e for e in cluster.list("Event", "default") if e["reason"] == "Pulled")
    involved = pulled["involvedObject"]
    for field in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion"):
        found = cluster.list("Event", "default", field_selector=f"involvedObject.{field}={involved[field]}")
        assert pulled in found and all(e["involvedObject"][field] == involved[field] for e in found)
    assert (
        cluster.list("Event", "default", field_selector="involvedObject.fieldPath=spec.containers{nope}")
        == []
    )
    kubelet = cluster.list("Event", "default", field_selector="reportingComponent=kubelet")
    assert kubelet and {e["reportingComponent"] for e in kubelet} == {"kubelet"}
    assert cluster.list("Event", "default", field_selector="source=kubelet") == kubelet
    deployment = cluster.list(
        "Event",
        "default",
        field_selector="involvedObject.kind=Deployment,involvedObject.name=web,involvedObject.apiVersion=apps/v1",
    )
    assert [e["reason"] for e in deployment] == ["ScalingReplicaSet"]
    assert cluster.list("Event", "default", field_selector="type!=Normal,reason=Pulled") == []


def test_events_k8s_io_v1_serves_the_same_objects_in_its_own_field_names(cluster):
    """pkg/apis/events/v1/conversion.go (Convert_core_Event_To_v1_Event): involvedObject is
    regarding, message is note, reportingComponent is reportingController, source,
    firstTimestamp, lastTimestamp and count are the deprecated* fields; the storage is the
    core Event registry's (pkg/registry/events/rest/storage_events.go)."""
    core = _get(cluster, "/api/v1/namespaces/default/events", fieldSelector="reason=ScalingReplicaSet")
    v1 = _get(
        cluster, "/apis/events.k8s.io/v1/namespaces/default/events", fieldSelector="reason=ScalingReplicaSet"
    )
    assert v1["kind"] == "EventList" and v1["apiVersion"] == "events.k8s.io/v1"
    [old], [new] = core["items"], v1["items"]
    assert new["metadata"] == old["metadata"] and new["apiVersion"] == "events.k8s.io/v1"
    assert new["regarding"] == old["involvedObject"] and new["note"] == old["message"]
    assert new["reportingController"] == old["reportingComponent"]
    assert new["deprecatedSource"] == old["source"] and new["deprecatedCount"] == old["count"]
    assert new["deprecatedFirstTimestamp"] == old["firstTimestamp"]
    assert new["deprecatedLastTimestamp"] == old["lastTimestamp"]
    assert "involvedObject" not in new and "message" not in new
    one = _get(cluster, f"/apis/events.k8s.io/v1/namespaces/default/events/{old['metadata']['name']}")
    assert one == new


def test_events_k8s_io_v1_field_selectors_use_the_v1_names(cluster):
    """AddFieldLabelConversionsForEvent (pkg/apis/events/v1/conversion.go): regarding.* and
    reportingController map to the core fields; the core spellings are not v1 labels."""
    listed = _get(
        cluster,
        "/apis/events.k8s.io/v1/namespaces/default/events",
        fieldSelector="regarding.kind=Deployment,regarding.name=web,reportingController=deployment-controller",
    )
    assert [e["reason"] for e in listed["items"]] == ["ScalingReplicaSet"]
    with pytest.raises(ApiError) as refused:
        _get(
            cluster,
            "/apis/events.k8s.io/v1/namespaces/default/events",
            fieldSelector="involvedObject.name=web",
        )
    assert refused.value.code == 400
    assert refused.value.status["message"] == "field label not supported: involvedObject.name"


def test_events_k8s_io_v1_create_is_stored_as_a_core_event(cluster):
    """A v1 Event written through events.k8s.io is read back through the core API."""
    body = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "note-1"},
        "eventTime": "2026-01-01T00:00:05.000000Z",
        "reportingController": "example.com/checker",
        "reportingInstance": "checker-1",
        "action": "Checked",
        "reason": "Checked",
        "regarding": {"kind": "Deployment", "name": "web", "namespace": "default", "apiVersion": "apps/v1"},
        "note": "all good",
        "type": "Normal",
    }
    req = handler.ApiRequest(
        "POST", "/apis/events.k8s.io/v1/namespaces/default/events", body=json.dumps(body).encode()
    )
    response = handler.write(cluster, handler.route(req.path), req)
    assert response.status == 201 and json.loads(response.body)["note"] == "all good"
    core = cluster.get("Event", "note-1", "default")
    assert core["message"] == "all good" and core["involvedObject"]["name"] == "web"
    assert core["reportingComponent"] == "example.com/checker"


def test_discovery_lists_events_k8s_io_v1():
    group = discovery.api_group("events.k8s.io")
    assert group["preferredVersion"] == {"groupVersion": "events.k8s.io/v1", "version": "v1"}
    [resource] = discovery.resource_list("events.k8s.io/v1")["resources"]
    assert (resource["name"], resource["kind"], resource["namespaced"]) == ("events", "Event", True)
    assert eventsv1.RESOURCE in discovery.group_versions()["events.k8s.io/v1"]


@pytest.fixture
def kubectl(api_server, tmp_path):
    if "1.37" not in KUBECTLS:
        pytest.fail("kubectl 1.37 missing from .cache/test-assets: run scripts/fetch-test-assets")
    return Kubectl(KUBECTLS["1.37"], api_server.sandbox(), tmp_path / "cache")


def test_kubectl_events_for_a_deployment(kubectl):
    """`kubectl events --for deployment/web` (kubectl's events command selects
    involvedObject.kind, .name and .apiVersion) prints the deployment's events only."""
    kubectl.ok("create", "deployment", "web", "--image=nginx:1.27")
    kubectl.ok("rollout", "status", "deployment/web", "--timeout=60s")
    out = kubectl.ok("events", "--for", "deployment/web")
    lines = out.strip().splitlines()
    assert lines[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert len(lines) == 2 and "ScalingReplicaSet" in lines[1] and "Deployment/web" in lines[1]
    assert "Scaled up replica set web-" in lines[1]
    pods = kubectl.ok("events", "--types=Normal", "--for", "pod/" + _pod_name(kubectl))
    assert "Scheduled" in pods and "ScalingReplicaSet" not in pods


def _pod_name(kubectl) -> str:
    return kubectl.ok("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}")


def test_kubectl_reads_events_k8s_io_v1(kubectl):
    """`kubectl get events.events.k8s.io` lists the same events through the v1 API, and
    `-o yaml` shows the v1 field names."""
    kubectl.ok("create", "deployment", "web2", "--image=nginx:1.27")
    listed = kubectl.ok("get", "events.events.k8s.io", "--field-selector", "regarding.name=web2")
    assert "ScalingReplicaSet" in listed and "deployment/web2" in listed
    items = json.loads(
        kubectl.ok("get", "events.v1.events.k8s.io", "--field-selector", "regarding.name=web2", "-o", "json")
    )["items"]
    assert items and items[0]["apiVersion"] == "events.k8s.io/v1"
    assert items[0]["regarding"]["kind"] == "Deployment" and items[0]["note"].startswith("Scaled up")
