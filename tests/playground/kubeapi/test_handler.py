"""The REST semantics over a Cluster, without HTTP: what kubectl and clients rely on."""

import base64
import copy
import json

import pytest

from playground.engine import ApiError, Cluster
from playground.kubeapi import discovery, handler, openapi, protobuf
from playground.kubeapi.handler import ApiRequest

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"


@pytest.fixture(scope="module")
def base():
    return Cluster.new("default", seed=3)


@pytest.fixture
def cluster(base):
    return Cluster.from_dict(copy.deepcopy(base.to_dict()))  # to_dict shares objects with base


def call(
    cluster, method, path, body=None, content_type="application/json", accept="application/json", **query
):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    req = ApiRequest(method, path, {k: str(v) for k, v in query.items()}, content_type, accept, raw, "/k8s/t")
    static = handler.static(req)
    if static is not None:
        return static.status, json.loads(static.body)
    try:
        target = handler.route(path)
        response = (
            handler.write(cluster, target, req)
            if handler.is_write(req)
            else handler.read(cluster, target, req)
        )
    except ApiError as error:
        response = handler.error_response(error)
    cluster.advance(0)
    if response.content_type == "text/plain":
        return response.status, response.body.decode()
    return response.status, json.loads(response.body)


def web(replicas=2, name="web"):
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
            },
        },
    }


def test_version_and_both_discovery_forms(cluster):
    assert call(cluster, "GET", "/version")[1]["gitVersion"] == "v1.37.1"
    status, groups = call(cluster, "GET", "/apis", accept=AGGREGATED)
    assert status == 200 and groups["kind"] == "APIGroupDiscoveryList"
    names = [g["metadata"]["name"] for g in groups["items"]]
    assert names.index("apps") < names.index("autoscaling") < names.index("batch")
    apps = next(g for g in groups["items"] if g["metadata"]["name"] == "apps")["versions"][0]["resources"]
    deployments = next(r for r in apps if r["resource"] == "deployments")
    assert deployments["shortNames"] == ["deploy"] and deployments["categories"] == ["all"]
    assert {s["subresource"]: s["responseKind"]["kind"] for s in deployments["subresources"]} == {
        "scale": "Scale",
        "status": "Deployment",
    }
    core = call(cluster, "GET", "/api", accept=AGGREGATED)[1]["items"][0]
    assert core["metadata"]["name"] == ""
    pods = next(r for r in core["versions"][0]["resources"] if r["resource"] == "pods")
    eviction = next(s for s in pods["subresources"] if s["subresource"] == "eviction")
    assert eviction["responseKind"] == {"group": "policy", "version": "v1", "kind": "Eviction"}

    assert call(cluster, "GET", "/api")[1]["versions"] == ["v1"]
    legacy = call(cluster, "GET", "/apis")[1]
    assert legacy["kind"] == "APIGroupList" and "metrics.k8s.io" in [g["name"] for g in legacy["groups"]]
    v1 = {r["name"]: r for r in call(cluster, "GET", "/api/v1")[1]["resources"]}
    assert v1["pods/eviction"]["group"] == "policy" and v1["pods/eviction"]["kind"] == "Eviction"
    assert v1["pods/log"]["verbs"] == ["get"] and v1["pods"]["namespaced"] is True
    assert call(cluster, "GET", "/apis/nope/v1")[0] == 404


def test_openapi_v3_declares_field_validation_and_patch_types():
    index = openapi.index("/k8s/t")
    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/k8s/t/openapi/v3/apis/apps/v1?hash=")
    doc = json.loads(openapi.document("apps/v1"))
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "apps",
        "version": "v1",
        "kind": "Deployment",
    }
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]
    assert "application/strategic-merge-patch+json" in patch["requestBody"]["content"]
    spec = doc["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert spec["x-kubernetes-patch-merge-key"] == "name"
    strategy = doc["components"]["schemas"]["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]
    assert strategy["allOf"] == [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}]
    assert "null" not in json.dumps(doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"])


def test_openapi_v2_protobuf_starts_with_the_swagger_version():
    data = openapi.swagger_protobuf()
    assert data[:5] == b"\x0a\x032.0"  # field 1 (swagger), length 3, "2.0"
    assert b"io.k8s.api.apps.v1.Deployment" in data and b"x-kubernetes-group-version-kind" in data


def test_create_get_list_as_table_and_paging(cluster):
    status, created = call(
        cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web(), fieldValidation="Strict"
    )
    assert status == 201 and created["metadata"]["uid"] and created["kind"] == "Deployment"
    assert (
        call(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web())[1]["reason"]
        == "AlreadyExists"
    )
    cluster.settle()
    status, table = call(
        cluster, "GET", "/api/v1/namespaces/default/pods", accept=TABLE, labelSelector="app=web"
    )
    assert table["kind"] == "Table" and [c["name"] for c in table["columnDefinitions"][:5]] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
    ]
    assert [c["priority"] for c in table["columnDefinitions"]] == [0] * 5 + [1] * 4
    assert len(table["rows"]) == 2 and table["rows"][0]["cells"][1:3] == ["1/1", "Running"]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"

    first = call(cluster, "GET", "/api/v1/pods", limit=4)[1]
    assert len(first["items"]) == 4 and first["metadata"]["remainingItemCount"] > 0
    rest = call(cluster, "GET", "/api/v1/pods", limit=500, **{"continue": first["metadata"]["continue"]})[1]
    everything = call(cluster, "GET", "/api/v1/pods")[1]
    assert [p["metadata"]["name"] for p in first["items"] + rest["items"]] == [
        p["metadata"]["name"] for p in everything["items"]
    ]
    assert (
        everything["kind"] == "PodList"
        and everything["metadata"]["resourceVersion"] == cluster.resource_version
    )
    on_worker = call(cluster, "GET", "/api/v1/pods", fieldSelector="spec.nodeName=worker-1")[1]["items"]
    assert {p["spec"]["nodeName"] for p in on_worker} == {"worker-1"}
    assert call(cluster, "GET", "/api/v1/pods", fieldSelector="spec.colour=red")[0] == 400
    assert call(cluster, "GET", "/api/v1/pods", resourceVersion="999999")[1]["code"] == 504


def test_replace_conflicts_on_a_stale_version(cluster):
    made = call(
        cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "c"}, "data": {"a": "1"}},
    )[1]
    call(
        cluster,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/c",
        {"data": {"a": "2"}},
        "application/merge-patch+json",
    )
    status, error = call(cluster, "PUT", "/api/v1/namespaces/default/configmaps/c", made)
    assert status == 409 and error["reason"] == "Conflict"
    assert error["details"] == {"name": "c", "kind": "configmaps"}
    wrong = {**made, "metadata": {**made["metadata"], "name": "d"}}
    assert (
        "does not match the name on the URL"
        in call(cluster, "PUT", "/api/v1/namespaces/default/configmaps/c", wrong)[1]["message"]
    )


def test_the_four_patch_types_and_apply_creating(cluster):
    path = "/apis/apps/v1/namespaces/default/deployments/web"
    call(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web())
    json_patch = [{"op": "replace", "path": "/spec/replicas", "value": 3}]
    assert call(cluster, "PATCH", path, json_patch, "application/json-patch+json")[1]["spec"]["replicas"] == 3
    merged = call(
        cluster, "PATCH", path, {"metadata": {"labels": {"tier": "fe"}}}, "application/merge-patch+json"
    )[1]
    assert merged["metadata"]["labels"] == {"tier": "fe"}
    smp = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "web"}, {"name": "sidecar"}],
                    "containers": [
                        {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "infinity"]}
                    ],
                }
            }
        }
    }
    patched = call(cluster, "PATCH", path, smp, "application/strategic-merge-patch+json")[1]
    assert [c["name"] for c in patched["spec"]["template"]["spec"]["containers"]] == ["web", "sidecar"]
    status, error = call(cluster, "PATCH", path, {"spec": {}}, "application/cbor")
    assert status == 415 and error["reason"] == "UnsupportedMediaType"

    applied = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: '1'\n"
    status, created = call(
        cluster,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/ssa",
        applied,
        "application/apply-patch+yaml",
        fieldManager="kubectl",
    )
    assert status == 201 and created["data"] == {"a": "1"}
    status, updated = call(
        cluster,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/ssa",
        applied.replace(b"'1'", b"'2'"),
        "application/apply-patch+yaml",
        fieldManager="kubectl",
    )
    assert status == 200 and updated["data"] == {"a": "2"}
    bomb = b"a: &a [x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    status, error = call(
        cluster,
        "PATCH",
        "/api/v1/namespaces/default/configmaps/ssa",
        bomb * 4,
        "application/apply-patch+yaml",
    )
    assert status == 400 and "alias" in error["message"]


def test_delete_returns_status_or_the_terminating_object(cluster):
    call(cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "c"}})
    status, gone = call(
        cluster, "DELETE", "/api/v1/namespaces/default/configmaps/c", {"propagationPolicy": "Background"}
    )
    assert status == 200 and gone["kind"] == "Status" and gone["status"] == "Success"
    assert gone["details"]["name"] == "c" and gone["details"]["kind"] == "configmaps"
    assert call(cluster, "GET", "/api/v1/namespaces/default/configmaps/c")[0] == 404
    call(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web(1))
    cluster.settle()
    pod = call(cluster, "GET", "/api/v1/namespaces/default/pods", labelSelector="app=web")[1]["items"][0]
    status, terminating = call(
        cluster, "DELETE", f"/api/v1/namespaces/default/pods/{pod['metadata']['name']}"
    )
    assert status == 200 and terminating["kind"] == "Pod" and terminating["metadata"]["deletionTimestamp"]
    for name in ("a", "b", "c"):
        call(
            cluster,
            "POST",
            "/api/v1/namespaces/default/configmaps",
            {"metadata": {"name": name, "labels": {"x": "y"}}},
        )
    status, deleted = call(cluster, "DELETE", "/api/v1/namespaces/default/configmaps", labelSelector="x=y")
    assert status == 200 and [d["metadata"]["name"] for d in deleted["items"]] == ["a", "b", "c"]
    assert (
        call(cluster, "GET", "/api/v1/namespaces/default/configmaps", labelSelector="x=y")[1]["items"] == []
    )


def test_dry_run_changes_nothing(cluster):
    status, made = call(
        cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "dry"}}, dryRun="All"
    )
    assert status == 201 and made["metadata"]["name"] == "dry"
    assert call(cluster, "GET", "/api/v1/namespaces/default/configmaps/dry")[0] == 404


def test_subresources_scale_status_eviction_log_binding(cluster):
    call(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web(1))
    scale_path = "/apis/apps/v1/namespaces/default/deployments/web/scale"
    scale = call(cluster, "GET", scale_path)[1]
    assert (
        scale["kind"] == "Scale"
        and scale["apiVersion"] == "autoscaling/v1"
        and scale["spec"]["replicas"] == 1
    )
    assert call(cluster, "PUT", scale_path, {**scale, "spec": {"replicas": 2}})[1]["spec"]["replicas"] == 2
    assert call(cluster, "PUT", scale_path, {**scale, "spec": {"replicas": 3}})[1]["reason"] == "Conflict"
    assert (
        call(cluster, "GET", "/apis/apps/v1/namespaces/default/deployments/web/status")[1]["kind"]
        == "Deployment"
    )
    cluster.settle()
    pod = call(cluster, "GET", "/api/v1/namespaces/default/pods", labelSelector="app=web")[1]["items"][0]
    name = pod["metadata"]["name"]
    log = call(cluster, "GET", f"/api/v1/namespaces/default/pods/{name}/log", tailLines=1)[1]
    assert log.count("\n") == 1
    eviction = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": "default"},
    }
    status, result = call(cluster, "POST", f"/api/v1/namespaces/default/pods/{name}/eviction", eviction)
    assert status == 201 and result["status"] == "Success"
    assert call(cluster, "POST", f"/api/v1/namespaces/default/pods/{name}/eviction", eviction)[0] in (
        201,
        404,
    )
    assert call(cluster, "GET", "/api/v1/namespaces/default/pods/x/exec")[0] == 400
    assert call(cluster, "PUT", "/api/v1/namespaces/default/pods/x/log", {})[0] == 405

    manual = {
        "metadata": {"name": "manual"},
        "spec": {"schedulerName": "my-scheduler", "containers": [{"name": "c", "image": "nginx:1.27"}]},
    }
    call(cluster, "POST", "/api/v1/namespaces/default/pods", manual)
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "manual"},
        "target": {"name": "worker-2"},
    }
    assert call(cluster, "POST", "/api/v1/namespaces/default/pods/manual/binding", binding)[0] == 201
    assert call(cluster, "GET", "/api/v1/namespaces/default/pods/manual")[1]["spec"]["nodeName"] == "worker-2"
    again = call(cluster, "POST", "/api/v1/namespaces/default/pods/manual/binding", binding)[1]
    assert again["reason"] == "Conflict" and 'is already assigned to node "worker-2"' in again["message"]


def test_metrics_for_top(cluster):
    call(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web(2))
    cluster.settle()
    pods = call(cluster, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods")[1]
    assert pods["kind"] == "PodMetricsList" and len(pods["items"]) == 2
    assert pods["items"][0]["containers"][0]["usage"]["cpu"].endswith("n")
    nodes = call(cluster, "GET", "/apis/metrics.k8s.io/v1beta1/nodes")[1]
    assert {n["metadata"]["name"] for n in nodes["items"]} == {
        "control-plane",
        "worker-1",
        "worker-2",
        "worker-3",
    }
    assert call(cluster, "GET", "/apis/metrics.k8s.io/v1beta1/nodes/nope")[0] == 404
    assert call(cluster, "DELETE", "/apis/metrics.k8s.io/v1beta1/nodes/worker-1")[0] == 405


def test_watch_events_table_rows_and_expiry(cluster):
    target = handler.route("/api/v1/namespaces/default/pods")
    req = ApiRequest(
        "GET", "/api/v1/namespaces/default/pods", {"watch": "True", "labelSelector": "app=web"}, accept=TABLE
    )
    since = cluster.resource_version
    call(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web(2))
    events = handler.watch_events(cluster, target, req, since)
    assert [e["type"] for e in events][:2] == ["ADDED", "ADDED"]
    first = json.loads(handler.encode_event(cluster, target, req, events[0], True))
    later = json.loads(handler.encode_event(cluster, target, req, events[1], False))
    assert first["object"]["kind"] == "Table" and "columnDefinitions" in first["object"]
    assert "columnDefinitions" not in later["object"] and len(later["object"]["rows"]) == 1
    assert handler.is_watch(req, target)
    for i in range(120):
        call(cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": f"c{i}"}})
    with pytest.raises(ApiError) as expired:
        handler.watch_events(cluster, target, req, "1")
    assert expired.value.code == 410 and expired.value.reason == "Expired"
    line = json.loads(handler.error_event(expired.value))
    assert line["type"] == "ERROR" and line["object"]["code"] == 410


def test_bad_bodies_are_refused_with_a_reason(cluster):
    status, error = call(cluster, "POST", "/api/v1/namespaces/default/configmaps", b"{not json")
    assert status == 400 and "json parse error" in error["message"]
    status, error = call(
        cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        {"apiVersion": "apps/v1", "metadata": {"name": "x"}},
    )
    assert status == 400 and "does not match the expected API version (v1)" in error["message"]
    status, error = call(
        cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "x"}, "spec": {}},
        fieldValidation="Strict",
    )
    assert status == 400 and 'unknown field "spec"' in error["message"]
    lenient = call(
        cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "x"}, "spec": {}}
    )
    assert lenient[0] == 201 and "spec" not in lenient[1]
    status, error = call(
        cluster, "POST", "/api/v1/namespaces/default/configmaps", b"x" * (handler.MAX_BODY + 1)
    )
    assert status == 413 and error["reason"] == "RequestEntityTooLarge"
    assert call(cluster, "GET", "/api/v1/namespaces/default/widgets")[1]["message"] == (
        "the server could not find the requested resource"
    )
    assert call(cluster, "PATCH", "/api/v1/namespaces/default/configmaps", {})[0] == 405


# Protobuf request bodies --------------------------------------------------------------------


def _field(number: int, payload: bytes) -> bytes:
    return openapi._bytes(number, payload)


def _proto_body(kind: str, api_version: str, raw: bytes) -> bytes:
    type_meta = openapi._str(1, api_version) + openapi._str(2, kind)
    return protobuf.MAGIC + _field(1, type_meta) + _field(2, raw)


def test_protobuf_namespace_and_configmap_bodies_decode():
    meta = _field(1, openapi._str(1, "team-a") + _field(11, openapi._str(1, "env") + openapi._str(2, "lab")))
    namespace = protobuf.decode(_proto_body("Namespace", "v1", meta + _field(2, b"") + _field(3, b"")))
    assert namespace == {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "team-a", "labels": {"env": "lab"}},
        "spec": {},
        "status": {},
    }
    secret = (
        _field(1, openapi._str(1, "pw"))
        + _field(2, openapi._str(1, "password") + _field(2, b"s3cret"))
        + openapi._str(3, "Opaque")
    )
    decoded = protobuf.decode(_proto_body("Secret", "v1", secret))
    assert (
        decoded["data"] == {"password": base64.b64encode(b"s3cret").decode()} and decoded["type"] == "Opaque"
    )


def test_protobuf_refuses_what_it_cannot_read():
    with pytest.raises(ApiError) as unknown_kind:
        protobuf.decode(_proto_body("Widget", "example.com/v1", b""))
    assert unknown_kind.value.code == 415 and "kubectl apply -f -" in unknown_kind.value.message
    with pytest.raises(ApiError) as unknown_field:
        protobuf.decode(_proto_body("ConfigMap", "v1", _field(99, b"x")))
    assert unknown_field.value.code == 400 and "field number 99 of ConfigMap" in unknown_field.value.message
    with pytest.raises(ApiError) as truncated:
        protobuf.decode(protobuf.MAGIC + b"\x0a\x50")
    assert truncated.value.code == 400
    with pytest.raises(ApiError):
        protobuf.decode(b"{}")


def test_protobuf_delete_options_as_client_go_sends_them(cluster):
    """client-go 1.34 and later (kubectl, Helm 4) send a delete's DeleteOptions as protobuf,
    typed under the resource's group version; an empty one is Helm's release delete."""
    empty = _proto_body("DeleteOptions", "v1", b"")
    assert protobuf.decode_options(empty) == {}
    orphan = (
        openapi._key(1, 0)
        + openapi._varint(0)
        + _field(2, openapi._str(2, "42"))
        + openapi._str(4, "Orphan")
        + openapi._str(5, "All")
    )
    assert protobuf.decode_options(_proto_body("DeleteOptions", "apps/v1", orphan)) == {
        "gracePeriodSeconds": 0,
        "preconditions": {"resourceVersion": "42"},
        "propagationPolicy": "Orphan",
        "dryRun": ["All"],
    }
    with pytest.raises(ApiError) as wrong:
        protobuf.decode_options(_proto_body("ConfigMap", "v1", b""))
    assert wrong.value.code == 400
    call(cluster, "POST", "/api/v1/namespaces/default/secrets", {"metadata": {"name": "s"}})
    protobuf_type = "application/vnd.kubernetes.protobuf"
    status, gone = call(cluster, "DELETE", "/api/v1/namespaces/default/secrets/s", empty, protobuf_type)
    assert status == 200 and gone["kind"] == "Status" and gone["status"] == "Success"
    assert call(cluster, "GET", "/api/v1/namespaces/default/secrets/s")[0] == 404


def test_route_refuses_impossible_paths():
    for path in (
        "/api/v1/namespaces/default/nodes/x",
        "/api/v1/pods/x",
        "/apis/apps/v1/deployments/x/y/z",
        "/foo",
    ):
        with pytest.raises(ApiError) as error:
            handler.route(path)
        assert error.value.code == 404
    assert discovery.lookup("apps", "v1", "deployments").kind == "Deployment"


APPLIED = b"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {tier: fe, team: a}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: nginx:1.27}
      - {name: side, image: busybox:1.36, command: [sleep, infinity]}
"""


def ssa(cluster, body: bytes, manager: str = "me"):
    path = "/apis/apps/v1/namespaces/default/deployments/web"
    return call(cluster, "PATCH", path, body, "application/apply-patch+yaml", fieldManager=manager)


def test_server_side_apply_removes_what_the_manager_stopped_applying(cluster):
    status, created = ssa(cluster, APPLIED)
    assert status == 201
    (entry,) = created["metadata"]["managedFields"]
    assert entry["manager"] == "me" and entry["operation"] == "Apply" and entry["fieldsType"] == "FieldsV1"
    containers = entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert set(containers) == {'k:{"name":"side"}', 'k:{"name":"web"}'}

    smaller = APPLIED.replace(b", team: a", b"").replace(b"  replicas: 3\n", b"")
    smaller = smaller.replace(b"      - {name: side, image: busybox:1.36, command: [sleep, infinity]}\n", b"")
    status, applied = ssa(cluster, smaller.replace(b"nginx:1.27", b"nginx:1.28"))
    assert status == 200
    assert applied["metadata"]["labels"] == {"tier": "fe"}
    assert applied["spec"]["replicas"] == 1  # dropped from the config, so defaulted again
    assert [c["name"] for c in applied["spec"]["template"]["spec"]["containers"]] == ["web"]
    assert applied["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"

    # A field another manager also applies stays when one of them lets go of it (both
    # apply the image "me" set last: another value would be a conflict).
    smaller = smaller.replace(b"nginx:1.27", b"nginx:1.28")
    ssa(cluster, smaller.replace(b"{tier: fe}", b"{tier: fe, owner: b}"), manager="other")
    status, shared = ssa(cluster, smaller.replace(b"{tier: fe}", b"{}"))
    assert shared["metadata"]["labels"] == {"tier": "fe", "owner": "b"}
    assert sorted(m["manager"] for m in shared["metadata"]["managedFields"]) == ["me", "other"]
    # Writes that are not applies keep the ownership records.
    merged = call(
        cluster,
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web",
        {"metadata": {"labels": {"x": "y"}}},
        "application/merge-patch+json",
    )[1]
    assert len(merged["metadata"]["managedFields"]) == 2
    assert ssa(cluster, APPLIED, manager="")[1]["message"].endswith("must have a fieldManager parameter")


# Malformed input: a Status, never a 500 (issue 16) -------------------------------------------


def configmap_json(middle: str) -> bytes:
    return ('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},' + middle + "}").encode()


@pytest.mark.parametrize(
    "body, content_type",
    [
        (b"[" * 100_000 + b"]" * 100_000, "application/json"),
        (configmap_json('"data":{},"x":' + '{"a":' * 1000 + "1" + "}" * 1000), "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/yaml"),
        (b"kind: ConfigMap\ndata: " + b"[" * 5000 + b"]" * 5000, "application/yaml"),
    ],
    ids=["json-100k", "json-1000-in-an-object", "yaml-flow-as-json", "yaml-flow"],
)
def test_deeply_nested_bodies_are_a_400_naming_the_depth(cluster, body, content_type):
    """sigs.k8s.io/json (maxNestingDepth) and go-yaml (max_flow_level) answer "exceeded max
    depth"; ours stops at manifests.MAX_DEPTH, before Python's own recursion limit would."""
    status, answer = call(cluster, "POST", "/api/v1/namespaces/default/configmaps", body, content_type)
    assert status == 400 and answer["reason"] == "BadRequest"
    line = 2 if body.startswith(b"kind") else 1
    assert f"line {line}: exceeded max depth of 100" in answer["message"]


def test_a_deep_pod_spec_and_a_deep_patch_are_refused(cluster):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}
    deep: dict = {}
    node = deep
    for _ in range(900):
        node["a"] = {}
        node = node["a"]
    pod["spec"]["x"] = deep
    status, answer = call(cluster, "POST", "/api/v1/namespaces/default/pods", pod)
    assert status == 400 and "exceeded max depth" in answer["message"]
    # A JSON patch adds one level per operation: the result is bounded, not only the body.
    ops = [{"op": "add", "path": "/metadata/labels", "value": {}}]
    ops += [{"op": "add", "path": "/data", "value": {}}]
    path = "/data"
    for _ in range(120):
        ops.append({"op": "add", "path": path + "/a", "value": {}})
        path += "/a"
    call(cluster, "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "c"}})
    status, answer = call(
        cluster, "PATCH", "/api/v1/namespaces/default/configmaps/c", ops, "application/json-patch+json"
    )
    assert status == 422 and "exceeded max depth of 100" in answer["message"]


def test_a_lone_surrogate_escape_decodes_as_go_does_to_the_replacement_character(cluster):
    """Go's encoding/json (so kube-apiserver) turns an unpaired \\ud800 into U+FFFD; a
    Python str holding a lone surrogate could not be encoded again (a 500 on the write)."""
    body = configmap_json('"data":{"a":"x\\ud800y","b":"\\udc00\\ud83d\\ude00"}')
    status, created = call(cluster, "POST", "/api/v1/namespaces/default/configmaps", body)
    assert status == 201
    assert created["data"] == {"a": "x\ufffdy", "b": "\ufffd\U0001f600"}
    status, answer = call(
        cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        b'kind: ConfigMap\nmetadata: {name: y}\ndata: {a: "\\ud800"}\n',
        "application/yaml",
    )
    # go-yaml's scanner: "found invalid Unicode character escape code".
    assert status == 400 and "line 3: found invalid Unicode character escape code" in answer["message"]


@pytest.mark.parametrize(
    "body",
    [
        configmap_json('"data":{"a":"b"},"x":' + "9" * 5000),
        configmap_json('"data":{"a":"b"},"x":1e400'),
        configmap_json('"data":{"a":"b"},"x":NaN'),
    ],
    ids=["5000-digits", "float-overflow", "nan"],
)
def test_numbers_go_cannot_hold_are_a_400(cluster, body):
    status, answer = call(cluster, "POST", "/api/v1/namespaces/default/configmaps", body)
    assert status == 400 and answer["reason"] == "BadRequest"


def test_an_int32_field_out_of_its_go_range_is_a_decode_error(cluster):
    """json: cannot unmarshal number … of type int32, as the typed decoder answers."""
    status, answer = call(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web(2**31))
    assert status == 400
    assert answer["message"].endswith(
        "json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32"
    )


def test_a_5000_digit_quantity_is_capped_as_resource_quantity_caps_it(cluster):
    """resource.ParseQuantity caps a value at the largest int64 (maxAllowed) rather than
    failing; Python's int-string limit (4300 digits) must not turn that into a 500."""
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "q"},
        "spec": {"hard": {"pods": "9" * 5000, "requests.cpu": "1e5000"}},
    }
    status, _ = call(cluster, "POST", "/api/v1/namespaces/default/resourcequotas", quota)
    assert status == 201
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "huge"},
        "spec": {
            "containers": [{"name": "a", "image": "nginx", "resources": {"requests": {"cpu": "9" * 5000}}}]
        },
    }
    status, _ = call(cluster, "POST", "/api/v1/namespaces/default/pods", pod)
    assert status == 201
    status, _ = call(cluster, "GET", "/api/v1/namespaces/default/resourcequotas/q")
    assert status == 200


@pytest.mark.parametrize(
    "op, message",
    [
        (
            {"op": "remove", "path": ""},
            'remove operation does not apply: doc is missing path: "": missing value',
        ),
        (
            {"op": "replace", "path": "", "value": "x"},
            "replace operation does not apply: doc is missing path: : missing value",
        ),
        (
            {"op": "add", "path": "", "value": {}},
            'add operation does not apply: doc is missing path: "": missing value',
        ),
        (
            {"op": "move", "from": "", "path": "/x"},
            "move operation does not apply: doc is missing from path: : missing value",
        ),
    ],
)
def test_a_json_patch_on_the_root_is_refused_as_evanphx_json_patch_refuses_it(cluster, op, message):
    """evanphx/json-patch's findObject gives no container for the pointer "", and
    kube-apiserver answers its error as a 422."""
    call(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web())
    status, answer = call(
        cluster,
        "PATCH",
        "/apis/apps/v1/namespaces/default/deployments/web",
        [op],
        "application/json-patch+json",
    )
    assert (status, answer["reason"], answer["message"]) == (422, "Invalid", message)


def test_json_patch_indices_are_ascii_digits_only(cluster):
    call(cluster, "POST", "/apis/apps/v1/namespaces/default/deployments", web())
    for path in ("/spec/template/spec/containers/²", "/spec/template/spec/containers/" + "9" * 5000):
        status, _ = call(
            cluster,
            "PATCH",
            "/apis/apps/v1/namespaces/default/deployments/web",
            [{"op": "remove", "path": path}],
            "application/json-patch+json",
        )
        assert status == 422


@pytest.mark.parametrize(
    "value", ["abc", "²", "9" * 5000, "1.5"], ids=["letters", "superscript", "5000-digits", "decimal"]
)
def test_a_timeout_seconds_that_is_not_an_integer_is_a_400(cluster, value):
    """The apiserver decodes ListOptions from the query with strconv.ParseInt and answers a
    failure as BadRequest, for a watch (validate_watch) as for a list."""
    req = ApiRequest("GET", "/api/v1/pods", {"watch": "1", "timeoutSeconds": value})
    with pytest.raises(ApiError) as error:
        handler.validate_watch(req)
    assert error.value.code == 400 and error.value.message.startswith("strconv.ParseInt: parsing")
    status, answer = call(cluster, "GET", "/api/v1/namespaces/default/pods", timeoutSeconds=value)
    assert status == 400 and answer["reason"] == "BadRequest"
    handler.validate_watch(ApiRequest("GET", "/api/v1/pods", {"watch": "1", "timeoutSeconds": " 30 "}))


def test_yaml_scalars_become_json_values_as_sigs_k8s_io_yaml_makes_them(cluster):
    """Timestamps stay strings, a month 13 is not a crash, 5,000 digits is a string, .inf is refused."""
    body = (
        b"kind: ConfigMap\nmetadata:\n  name: y\n  annotations:\n    when: 2024-01-01T00:00:00Z\n"
        b"    bad: 2024-13-45\ndata:\n  a: b\n"
    )
    status, created = call(cluster, "POST", "/api/v1/namespaces/default/configmaps", body, "application/yaml")
    assert status == 201
    assert created["metadata"]["annotations"] == {"when": "2024-01-01T00:00:00Z", "bad": "2024-13-45"}
    for value in (b"9" * 5000, b".inf"):
        body = b"kind: ConfigMap\nmetadata:\n  name: z\n  generation: " + value + b"\n"
        status, answer = call(
            cluster, "POST", "/api/v1/namespaces/default/configmaps", body, "application/yaml"
        )
        assert status == 400, answer


def test_a_namespace_without_a_name_is_invalid_not_a_crash(cluster):
    """SetDefaults_Namespace labels only a named namespace; validation then wants the name
    (found by the API fuzzer: POST /api/v1/namespaces with {} was a 500)."""
    status, answer = call(cluster, "POST", "/api/v1/namespaces", {})
    assert status == 422 and "metadata.name: Required value" in answer["message"]


def test_a_write_that_changes_nothing_is_not_a_write(cluster):
    """The storage layer (GuaranteedUpdate) skips an update whose object equals the stored
    one: the resourceVersion stays and no watch event is sent, so kubectl prints
    'patched (no change)'. The same for PUT, every patch type and server-side apply."""
    path = "/api/v1/namespaces/default/configmaps/c"
    made = call(
        cluster,
        "POST",
        "/api/v1/namespaces/default/configmaps",
        {"metadata": {"name": "c"}, "data": {"a": "1"}},
    )[1]
    rv = made["metadata"]["resourceVersion"]
    assert (
        call(cluster, "PATCH", path, {"data": {"a": "1"}}, "application/merge-patch+json")[1]["metadata"][
            "resourceVersion"
        ]
        == rv
    )
    assert (
        call(cluster, "PATCH", path, {"data": {"a": "1"}}, "application/strategic-merge-patch+json")[1][
            "metadata"
        ]["resourceVersion"]
        == rv
    )
    same = [{"op": "replace", "path": "/data/a", "value": "1"}]
    assert (
        call(cluster, "PATCH", path, same, "application/json-patch+json")[1]["metadata"]["resourceVersion"]
        == rv
    )
    assert call(cluster, "PUT", path, made)[1]["metadata"]["resourceVersion"] == rv
    events = list(cluster.watch("ConfigMap", "default", rv))
    assert [e for e in events if e["object"]["metadata"]["name"] == "c"] == []
    # A change is still a write.
    changed = call(cluster, "PATCH", path, {"data": {"a": "2"}}, "application/merge-patch+json")[1]
    assert int(changed["metadata"]["resourceVersion"]) > int(rv)
