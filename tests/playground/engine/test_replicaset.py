from .conftest import names, pod

RS = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: main, image: "nginx:1.27"}]
"""


def owned(cluster):
    return [
        p
        for p in cluster.list("pods", namespace="default", label_selector="app=web")
        if not p["metadata"].get("deletionTimestamp")
    ]


def test_it_creates_pods_with_owner_references_and_events(cluster):
    cluster.apply(RS)
    cluster.settle()
    pods = owned(cluster)
    assert len(pods) == 3
    rs = cluster.get("rs", "web")
    for p in pods:
        assert p["metadata"]["name"].startswith("web-") and len(p["metadata"]["name"]) == 9
        [ref] = p["metadata"]["ownerReferences"]
        assert ref == {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "name": "web",
            "uid": rs["metadata"]["uid"],
            "controller": True,
            "blockOwnerDeletion": True,
        }
    assert rs["status"] == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "observedGeneration": 1,
    }
    created = [e["message"] for e in cluster.events(kind="ReplicaSet") if e["reason"] == "SuccessfulCreate"]
    assert sorted(created) == sorted(f"Created pod: {n}" for n in names(pods))


def test_a_deleted_pod_is_replaced(cluster):
    cluster.apply(RS)
    cluster.settle()
    victim = names(owned(cluster))[0]
    cluster.delete("pod", victim)
    cluster.settle()
    assert len(owned(cluster)) == 3 and victim not in names(owned(cluster))


def test_scaling_down_deletes_unscheduled_then_newest_first(cluster):
    cluster.apply(RS)
    cluster.settle()
    oldest = names(owned(cluster))
    cluster.advance(60)
    cluster.scale("rs", "web", 5)
    cluster.settle()
    cluster.scale("rs", "web", 3)
    cluster.settle()
    assert names(owned(cluster)) == oldest
    deleted = [e for e in cluster.events(kind="ReplicaSet") if e["reason"] == "SuccessfulDelete"]
    assert len(deleted) == 2


def test_it_adopts_orphans_and_releases_pods_that_stop_matching(cluster):
    cluster.create({**pod("orphan"), "metadata": {"name": "orphan", "labels": {"app": "web"}}})
    cluster.apply(RS)
    cluster.settle()
    assert "orphan" in names(owned(cluster))
    assert cluster.get("pod", "orphan")["metadata"]["ownerReferences"][0]["name"] == "web"
    cluster.patch("pod", "orphan", {"metadata": {"labels": {"app": "debug"}}})
    cluster.settle()
    released = cluster.get("pod", "orphan")
    assert "ownerReferences" not in released["metadata"]
    assert len(owned(cluster)) == 3


def test_a_quota_failure_is_reported_on_the_replicaset(cluster):
    cluster.apply("apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: few}\nspec: {hard: {pods: '2'}}\n")
    cluster.settle()
    cluster.apply(RS)
    cluster.settle(timeout=30)
    assert len(owned(cluster)) == 2
    failures = [e["message"] for e in cluster.events(kind="ReplicaSet") if e["reason"] == "FailedCreate"]
    assert failures[0].startswith('Error creating: pods "web-')
    assert failures[0].endswith(
        "is forbidden: exceeded quota: few, requested: pods=1, used: pods=2, limited: pods=2"
    )
    condition = cluster.get("rs", "web")["status"]["conditions"][0]
    assert (condition["type"], condition["reason"]) == ("ReplicaFailure", "FailedCreate")
    cluster.delete("quota", "few")
    cluster.settle(timeout=400)
    assert len(owned(cluster)) == 3
    assert "conditions" not in cluster.get("rs", "web")["status"]
