"""The store's compact forms: Events kept packed and built when read, pods' equal
parts shared between pods (copy-on-write), and the kubelet's skipped steady resyncs."""

import json

from playground.engine import Cluster
from playground.engine.events import CompactEvent, pack
from playground.engine.util import Sharer

from .conftest import deployment, pod


def _raw(cluster, kind, namespace, name):
    return cluster.store.objects[kind][namespace][name]


def test_an_event_read_back_is_the_object_the_recorder_built(cluster):
    cluster.apply(deployment("web", replicas=2))
    cluster.settle()
    built = {
        obj["metadata"]["name"]: obj
        for _rev, _type, kind, obj in cluster.store.history
        if kind == "Event" and _type == "ADDED"
    }
    assert built
    for name, obj in built.items():
        current = cluster.store.get("Event", obj["metadata"]["namespace"], name)
        if current is None or current["metadata"]["resourceVersion"] != obj["metadata"]["resourceVersion"]:
            continue
        assert isinstance(_raw(cluster, "Event", obj["metadata"]["namespace"], name), CompactEvent)
        assert current == obj
        assert json.dumps(current) == json.dumps(obj)  # same keys in the same order


def test_each_read_of_a_packed_event_is_a_private_copy(cluster):
    cluster.apply(deployment("web", replicas=1))
    cluster.settle()
    event = next(cluster.store.iter("Event"))
    ns, name = event["metadata"]["namespace"], event["metadata"]["name"]
    event["message"] = "changed by a reader"
    event["involvedObject"]["name"] = "other"
    again = cluster.store.get("Event", ns, name)
    assert again["message"] != "changed by a reader"
    assert again["involvedObject"]["name"] != "other"


def test_an_event_of_another_shape_is_stored_as_it_is(cluster):
    body = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "custom", "namespace": "default", "labels": {"a": "b"}},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
        "reason": "Custom",
        "message": "made by hand",
        "type": "Normal",
    }
    created = cluster.api.create(body)
    assert type(_raw(cluster, "Event", "default", "custom")) is dict
    assert cluster.store.get("Event", "default", "custom") == created
    odd = {**created, "reportingInstance": "elsewhere"}
    assert pack(odd) is None


def test_repeated_events_still_aggregate_and_survive_a_save(cluster):
    target = cluster.api.create(pod("p"))
    for _ in range(3):
        cluster.recorder.record(target, "Warning", "BackOff", "again", "kubelet", "worker-1")
    events = [e for e in cluster.events("default") if e["reason"] == "BackOff"]
    assert len(events) == 1 and events[0]["count"] == 3
    saved = cluster.to_dict()
    restored = Cluster.from_dict(json.loads(json.dumps(saved)))
    assert restored.events("default") == cluster.events("default")
    assert json.dumps(restored.to_dict()) == json.dumps(saved)
    # History entries that are still the stored Event are saved as references.
    refs = [h for h in saved["store"]["history"] if h[2] == "Event" and h[5] is None]
    assert refs


def test_pods_of_one_replicaset_share_equal_parts(cluster):
    cluster.apply(deployment("web", replicas=3))
    cluster.settle()
    pods = [p for p in cluster.store.iter("Pod", "default") if p["metadata"]["name"].startswith("web-")]
    assert len(pods) == 3
    first, second = pods[0], pods[1]
    assert first["spec"]["tolerations"] is second["spec"]["tolerations"]
    assert first["spec"]["volumes"][0]["projected"] is second["spec"]["volumes"][0]["projected"]
    assert first["status"]["conditions"][0] is second["status"]["conditions"][0]


def test_a_write_to_one_pod_is_not_seen_by_a_pod_it_shares_with(cluster):
    cluster.apply(deployment("web", replicas=2))
    cluster.settle()
    a, b = sorted(
        (p for p in cluster.store.iter("Pod", "default") if p["metadata"]["name"].startswith("web-")),
        key=lambda p: p["metadata"]["name"],
    )
    assert a["spec"]["containers"][0]["resources"] is b["spec"]["containers"][0]["resources"]
    before = json.dumps(b)
    cluster.api.patch(
        "Pod",
        a["metadata"]["name"],
        "default",
        {"spec": {"containers": [{"name": "main", "image": "nginx:1.28"}]}},
    )
    cluster.settle()
    a_now = cluster.store.get("Pod", "default", a["metadata"]["name"])
    b_now = cluster.store.get("Pod", "default", b["metadata"]["name"])
    assert a_now["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert b_now["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert json.dumps(b) == before


def test_sharer_keeps_values_key_order_and_types():
    sharer = Sharer()
    one = {"a": [1, {"x": True}], "b": 1.0, "c": {"k": "v"}}
    two = {"a": [1, {"x": 1}], "b": 1, "c": {"k": "v"}}
    three = {"c": {"k": "v"}, "a": [1, {"x": True}], "b": 1.0}
    texts = [json.dumps(o) for o in (one, two, three)]
    shared = [sharer.share(o) for o in (one, two, three)]
    assert [json.dumps(o) for o in shared] == texts
    assert shared[0]["c"] is shared[1]["c"] is shared[2]["c"]
    assert shared[0]["a"] is not shared[1]["a"]  # True and 1 are different JSON
    assert shared[2] is not shared[0]  # other key order
    again = sharer.share({"a": [1, {"x": True}], "b": 1.0, "c": {"k": "v"}})
    assert again is shared[0]


def test_the_kubelet_skips_the_resync_of_a_steady_pod_but_not_a_changed_one(cluster):
    cluster.api.create(pod("p"))
    cluster.settle()
    stored = cluster.store.get("Pod", "default", "p")
    assert stored["status"]["phase"] == "Running"
    assert stored["metadata"]["uid"] in cluster.kubelet.steady
    assert cluster.kubelet.reconcile("default/p") is None
    node = stored["spec"]["nodeName"]
    cluster.fail_node(node)
    cluster.advance(60)  # NotReady: the node lifecycle controller marks the pod not ready
    ready = {c["type"]: c["status"] for c in cluster.store.get("Pod", "default", "p")["status"]["conditions"]}
    assert ready["Ready"] == "False"
    cluster.recover_node(node)
    cluster.settle()
    ready = {c["type"]: c["status"] for c in cluster.store.get("Pod", "default", "p")["status"]["conditions"]}
    assert ready["Ready"] == "True"
