import pytest

from playground.engine import ApiError

from .conftest import deployment


def web_objects(cluster):
    return (
        len(cluster.list("rs", namespace="default")),
        len(
            [
                p
                for p in cluster.list("pods", namespace="default")
                if not p["metadata"].get("deletionTimestamp")
            ]
        ),
    )


def test_background_deletion_removes_replicasets_and_pods(cluster):
    cluster.apply(deployment())
    cluster.settle()
    cluster.delete("deployment", "web")
    cluster.settle()
    assert web_objects(cluster) == (0, 0)


def test_orphan_deletion_leaves_the_replicaset_and_pods(cluster):
    cluster.apply(deployment())
    cluster.settle()
    cluster.delete("deployment", "web", propagation_policy="Orphan")
    cluster.settle()
    with pytest.raises(ApiError):
        cluster.get("deploy", "web")
    assert web_objects(cluster) == (1, 3)
    assert "ownerReferences" not in cluster.list("rs", namespace="default")[0]["metadata"]


def test_foreground_deletion_keeps_the_owner_until_dependents_are_gone(cluster):
    cluster.apply(deployment())
    cluster.settle()
    cluster.delete("deployment", "web", propagation_policy="Foreground")
    owner = cluster.get("deploy", "web")
    assert owner["metadata"]["deletionTimestamp"] and owner["metadata"]["finalizers"] == [
        "foregroundDeletion"
    ]
    cluster.settle()
    with pytest.raises(ApiError):
        cluster.get("deploy", "web")
    assert web_objects(cluster) == (0, 0)
