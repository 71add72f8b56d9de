import pytest

from playground.engine import ApiError

from .conftest import deployment


def test_deleting_a_namespace_terminates_its_contents_then_itself(cluster):
    cluster.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n")
    cluster.settle()
    assert cluster.get("sa", "default", "team") and cluster.get("cm", "kube-root-ca.crt", "team")
    cluster.apply(deployment(), namespace="team")
    cluster.settle()
    cluster.delete("namespace", "team")
    assert cluster.get("ns", "team")["status"]["phase"] == "Terminating"
    cluster.settle()
    with pytest.raises(ApiError) as error:
        cluster.get("ns", "team")
    assert error.value.message == 'namespaces "team" not found'
    assert cluster.list("pods", namespace="team") == []


def test_system_namespaces_cannot_be_deleted(cluster):
    with pytest.raises(ApiError) as error:
        cluster.delete("namespace", "kube-system")
    assert error.value.code == 403


def test_the_cluster_starts_with_the_standard_namespaces(cluster):
    assert [n["metadata"]["name"] for n in cluster.list("namespaces")] == [
        "default",
        "ingress-nginx",
        "kube-node-lease",
        "kube-public",
        "kube-system",
    ]
    assert cluster.get("ns", "default")["metadata"]["labels"] == {"kubernetes.io/metadata.name": "default"}
