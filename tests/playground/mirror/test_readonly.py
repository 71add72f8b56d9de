"""Read-only by construction: writes raise before any request leaves the process."""

import pytest
from kubernetes import client

from playground.mirror.readonly import ReadOnlyCluster, ReadOnlyError
from tests.playground.mirror.conftest import read_only_client


def sent(fake) -> list:
    return list(fake.requests)


@pytest.mark.parametrize(
    "write",
    [
        lambda api: client.CoreV1Api(api).delete_namespace("shop"),
        lambda api: client.CoreV1Api(api).create_namespace({"metadata": {"name": "x"}}),
        lambda api: client.AppsV1Api(api).patch_namespaced_deployment_scale(
            "web", "shop", {"spec": {"replicas": 0}}
        ),
        lambda api: client.CoreV1Api(api).replace_node("kind-worker", {"metadata": {"name": "kind-worker"}}),
        lambda api: client.CoreV1Api(api).create_namespaced_pod_eviction(
            "x", "shop", {"metadata": {"name": "x"}}
        ),
        lambda api: client.CoreV1Api(api).delete_collection_namespaced_pod("shop"),
        lambda api: client.CoreV1Api(api).connect_get_namespaced_pod_exec("web", "shop", command=["sh"]),
        lambda api: client.CoreV1Api(api).connect_get_namespaced_service_proxy("web", "shop"),
        lambda api: api.request("POST", api.configuration.host + "/api/v1/namespaces", body={}),
    ],
    ids=["delete", "create", "scale", "replace", "evict", "deletecollection", "exec", "proxy", "raw-post"],
)
def test_the_official_client_on_the_read_only_api_client_cannot_write(fake, write):
    cluster = read_only_client(fake.url)
    before = len(sent(fake))
    with pytest.raises(ReadOnlyError):
        write(cluster.api_client)
    assert len(sent(fake)) == before, "a request left the process"


def test_the_mirror_interface_offers_get_list_watch_only(fake):
    cluster = read_only_client(fake.url)
    for verb in ("create", "update", "patch", "delete", "deletecollection", "escalate"):
        with pytest.raises(ReadOnlyError, match="read-only"):
            cluster.request(verb, "/api/v1/namespaces")
    assert sent(fake) == []
    assert cluster.get("/version")["gitVersion"] == "v1.31.2"
    assert [n["metadata"]["name"] for n in cluster.list("/api/v1/nodes")["items"]][0] == "kind-control-plane"
    assert [m for m, *_ in sent(fake)] == ["GET", "GET"]


def test_reads_still_work_through_typed_apis(fake):
    cluster = read_only_client(fake.url)
    nodes = client.CoreV1Api(cluster.api_client).list_node()
    assert [n.metadata.name for n in nodes.items] == ["kind-control-plane", "kind-worker", "kind-worker2"]


def test_a_writable_client_is_refused():
    with pytest.raises(ReadOnlyError):
        ReadOnlyCluster(client.ApiClient(client.Configuration(host="http://127.0.0.1:9")))
