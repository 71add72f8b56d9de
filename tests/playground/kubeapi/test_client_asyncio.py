"""kubernetes-asyncio (an asyncio Kubernetes client, generated from the same OpenAPI as the
official one) against a sandbox served on loopback: create, watch, patch, scale, delete.

Upstream: the flow a controller written with it runs; the watch is the API server's
watch (k8s.io/apiserver/pkg/endpoints/handlers/watch.go serveWatch: one JSON event a line,
ADDED, MODIFIED, DELETED), the scale is the deployment's scale subresource
(pkg/registry/apps/deployment/storage ScaleREST), the patch a strategic merge patch.
"""

import asyncio

from kubernetes_asyncio import client, config, watch

WEB = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web"}},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        },
    },
}


async def _flow(kubeconfig: str) -> dict:
    configuration = client.Configuration()
    await config.load_kube_config(config_file=kubeconfig, client_configuration=configuration)
    async with client.ApiClient(configuration) as api:
        apps = client.AppsV1Api(api)
        created = await apps.create_namespaced_deployment("default", WEB)
        seen: list[tuple[str, int, int]] = []
        deleted = asyncio.Event()

        async def follow():
            stream = watch.Watch()
            async with stream:
                async for event in stream.stream(
                    apps.list_namespaced_deployment,
                    "default",
                    field_selector="metadata.name=web",
                    resource_version=created.metadata.resource_version,
                    timeout_seconds=60,
                ):
                    obj = event["object"]
                    seen.append((event["type"], obj.spec.replicas, obj.status.ready_replicas or 0))
                    if event["type"] == "DELETED":
                        deleted.set()
                        return

        watcher = asyncio.create_task(follow())

        async def until(check, seconds: float = 60):
            for _ in range(int(seconds * 4)):
                found = await apps.read_namespaced_deployment("web", "default")
                if check(found):
                    return found
                await asyncio.sleep(0.25)
            raise AssertionError(f"web never got there: {found.status}")

        await until(lambda d: d.status.ready_replicas == 1)
        patched = await apps.patch_namespaced_deployment(
            "web",
            "default",
            {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}},
        )
        scaled = await apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})
        scale = await apps.read_namespaced_deployment_scale("web", "default")
        done = await until(lambda d: d.status.ready_replicas == 3 and d.status.updated_replicas == 3)
        status = await apps.delete_namespaced_deployment("web", "default")
        await asyncio.wait_for(deleted.wait(), 60)
        await watcher
        try:
            await apps.read_namespaced_deployment("web", "default")
            missing = None
        except client.ApiException as error:
            missing = error.status
        return {
            "created": created,
            "patched": patched,
            "scaled": scaled,
            "scale": scale,
            "done": done,
            "deleted": status,
            "missing": missing,
            "seen": seen,
        }


def test_create_watch_patch_scale_delete(api_server):
    result = asyncio.run(_flow(str(api_server.sandbox())))
    created, patched = result["created"], result["patched"]
    assert created.metadata.uid and created.spec.strategy.type == "RollingUpdate"
    assert created.status.replicas is None
    assert patched.spec.template.spec.containers[0].image == "nginx:1.28"
    assert patched.metadata.generation == 2
    assert result["scaled"].kind == "Scale" and result["scaled"].spec.replicas == 3
    assert result["scale"].spec.replicas == 3 and result["scale"].status.selector == "app=web"
    done = result["done"]
    assert done.status.observed_generation == done.metadata.generation == 3
    assert done.spec.template.spec.containers[0].image == "nginx:1.28"
    assert (result["deleted"].status, result["deleted"].details.name) == ("Success", "web")
    assert result["missing"] == 404
    types = [t for t, _r, _ready in result["seen"]]
    assert types[-1] == "DELETED" and "MODIFIED" in types and types.count("DELETED") == 1
    # The watch saw the scale to 3 and all three ready before the delete.
    assert (("MODIFIED", 3, 3) in result["seen"]) or any(
        r == 3 and ready == 3 for _t, r, ready in result["seen"]
    )
