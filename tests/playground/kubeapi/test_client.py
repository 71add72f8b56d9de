"""The official Python client (kubernetes 32.0.1) against a sandbox over real HTTP."""

import threading
import time

import pytest
import yaml
from kubernetes import client, config, dynamic, utils, watch

WEB = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
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
def api(api_server):
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(api_server.sandbox()), client_configuration=configuration)
    with client.ApiClient(configuration) as api_client:
        yield api_client


def test_typed_apis_create_read_list_patch_delete(api):
    core, apps, batch = client.CoreV1Api(api), client.AppsV1Api(api), client.BatchV1Api(api)
    # The client's own release (37.x) is generated from the 1.37 API the sandbox serves.
    version = client.VersionApi(api).get_code()
    assert (version.git_version, version.major, version.minor) == ("v1.37.1", "1", "37")
    nodes = core.list_node()
    assert {n.metadata.name for n in nodes.items} == {"control-plane", "worker-1", "worker-2", "worker-3"}
    assert all(n.status.node_info.kubelet_version == "v1.37.1" for n in nodes.items)
    # Deprecated and left empty by the kubelet since 1.33 (DisableNodeKubeProxyVersion).
    assert all(n.status.node_info.kube_proxy_version == "" for n in nodes.items)

    made = core.create_namespaced_config_map(
        "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="settings"), data={"colour": "blue"})
    )
    assert made.metadata.uid and int(made.metadata.resource_version) > 0
    patched = core.patch_namespaced_config_map("settings", "default", {"data": {"size": "large"}})
    assert patched.data == {"colour": "blue", "size": "large"}
    json_patched = core.patch_namespaced_config_map(
        "settings", "default", [{"op": "remove", "path": "/data/colour"}]
    )
    assert json_patched.data == {"size": "large"}

    deployment = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=2,
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "web"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.27")]),
            ),
        ),
    )
    apps.create_namespaced_deployment("default", deployment)
    read = apps.read_namespaced_deployment("web", "default")
    assert read.spec.replicas == 2 and read.spec.strategy.type == "RollingUpdate"
    scaled = apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})
    assert scaled.spec.replicas == 3
    assert apps.read_namespaced_deployment_scale("web", "default").spec.replicas == 3

    job = client.V1Job(
        metadata=client.V1ObjectMeta(name="once"),
        spec=client.V1JobSpec(
            template=client.V1PodTemplateSpec(
                spec=client.V1PodSpec(
                    restart_policy="Never",
                    containers=[
                        client.V1Container(
                            name="once", image="busybox:1.36", command=["sh", "-c", "echo done"]
                        )
                    ],
                )
            )
        ),
    )
    batch.create_namespaced_job("default", job)
    deadline = time.monotonic() + 30
    while not batch.read_namespaced_job("once", "default").status.succeeded and time.monotonic() < deadline:
        time.sleep(0.5)
    assert batch.read_namespaced_job("once", "default").status.succeeded == 1
    job_pods = core.list_namespaced_pod("default", label_selector="job-name=once").items
    assert core.read_namespaced_pod_log(job_pods[0].metadata.name, "default") == "done\n"

    page = core.list_pod_for_all_namespaces(limit=3)
    assert len(page.items) == 3 and page.metadata._continue
    rest = core.list_pod_for_all_namespaces(limit=500, _continue=page.metadata._continue)
    everything = core.list_pod_for_all_namespaces()
    assert [p.metadata.name for p in page.items + rest.items] == [p.metadata.name for p in everything.items]

    core.delete_namespaced_config_map("settings", "default")
    with pytest.raises(client.ApiException) as missing:
        core.read_namespaced_config_map("settings", "default")
    assert missing.value.status == 404 and '"reason":"NotFound"' in missing.value.body
    apps.delete_namespaced_deployment("web", "default", propagation_policy="Foreground")
    with pytest.raises(client.ApiException) as duplicate:
        batch.create_namespaced_job("default", job)
    assert duplicate.value.status == 409


def test_watch_streams_the_pods_a_scale_up_creates(api):
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    apps.create_namespaced_deployment("default", WEB)
    listed = core.list_namespaced_pod("default", label_selector="app=web")

    def scale_up():
        time.sleep(1)
        apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})

    threading.Thread(target=scale_up).start()
    seen = {}
    for event in watch.Watch().stream(
        core.list_namespaced_pod,
        "default",
        label_selector="app=web",
        resource_version=listed.metadata.resource_version,
        timeout_seconds=20,
    ):
        seen[event["object"].metadata.name] = event["object"].status.phase
        if len(seen) >= 2 and list(seen.values()).count("Running") >= 2:
            break
    assert len(seen) >= 2 and "Running" in seen.values()


def test_watch_from_an_expired_version_raises_410(api_server):
    """The restaurant scenario's set-up overflows the watch history, so version 1 is gone."""
    configuration = client.Configuration()
    config.load_kube_config(
        config_file=str(api_server.sandbox("restaurant-rating")), client_configuration=configuration
    )
    core = client.CoreV1Api(client.ApiClient(configuration))
    with pytest.raises(client.ApiException) as expired:
        for _ in watch.Watch().stream(
            core.list_namespaced_pod, "default", resource_version="1", timeout_seconds=5
        ):
            pass
    assert expired.value.status == 410 and "too old resource version: 1 (" in str(expired.value)


def test_create_from_yaml_and_server_side_apply(api, tmp_path):
    manifest = tmp_path / "web.yaml"
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }
    manifest.write_text(yaml.safe_dump_all([WEB, service]))
    created = utils.create_from_yaml(api, str(manifest), namespace="default")
    assert [o.metadata.name for group in created for o in group] == ["web", "web"]

    dyn = dynamic.DynamicClient(api)
    configmaps = dyn.resources.get(api_version="v1", kind="ConfigMap")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": "default"}}
    first = configmaps.server_side_apply(body={**body, "data": {"a": "1"}}, field_manager="python-client")
    assert first.data.to_dict() == {"a": "1"}
    second = configmaps.server_side_apply(body={**body, "data": {"b": "2"}}, field_manager="python-client")
    # The key this manager stopped applying is gone, as with a real server's field ownership.
    assert second.data.to_dict() == {"b": "2"} and second.metadata.uid == first.metadata.uid
    assert [m.manager for m in second.metadata.managedFields] == ["python-client"]
    deployments = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.get(name="web", namespace="default").spec.replicas == 1
    assert [d.metadata.name for d in deployments.get(namespace="default").items] == ["web"]


def test_bearer_token_on_the_plain_api_path(api_server):
    """Over https kubeconfigs carry a bearer token; the client sends it over http too."""
    kubeconfig = yaml.safe_load(api_server.sandbox().read_text())
    token = kubeconfig["users"][0]["user"]["token"]
    configuration = client.Configuration(
        host=f"{api_server.url}/k8s", api_key={"authorization": f"Bearer {token}"}
    )
    with client.ApiClient(configuration) as api_client:
        assert len(client.CoreV1Api(api_client).list_node().items) == 4
    wrong = client.Configuration(host=f"{api_server.url}/k8s", api_key={"authorization": "Bearer nope"})
    with client.ApiClient(wrong) as api_client, pytest.raises(client.ApiException) as refused:
        client.CoreV1Api(api_client).list_node()
    assert refused.value.status == 401
