"""Custom resources through the official Python client (CustomObjectsApi, the DynamicClient's
server-side apply) and an operator written with kopf, all against a sandbox over real HTTP."""

import os
import subprocess
import sys
import textwrap
import time

import pytest
from kubernetes import client, config, dynamic

GADGETS = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "gadgets.example.com"},
    "spec": {
        "group": "example.com",
        "scope": "Namespaced",
        "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget", "shortNames": ["gd"]},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "properties": {
                                    "size": {"type": "integer", "minimum": 1},
                                    "color": {"type": "string", "default": "red"},
                                },
                            },
                            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                        },
                    }
                },
            }
        ],
    },
}


@pytest.fixture
def sandbox(api_server):
    return api_server.sandbox()


@pytest.fixture
def api(sandbox):
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(sandbox), client_configuration=configuration)
    with client.ApiClient(configuration) as api_client:
        yield api_client


def _established(api, name: str) -> None:
    extensions = client.ApiextensionsV1Api(api)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        crd = extensions.read_custom_resource_definition(name)
        if any(c.type == "Established" and c.status == "True" for c in crd.status.conditions or []):
            return
        time.sleep(0.2)
    raise AssertionError(f"{name} was not established")


def test_custom_objects_api_and_dynamic_server_side_apply(api):
    extensions = client.ApiextensionsV1Api(api)
    made = extensions.create_custom_resource_definition(GADGETS)
    assert made.metadata.name == "gadgets.example.com"
    _established(api, "gadgets.example.com")

    custom = client.CustomObjectsApi(api)
    gadget = {
        "apiVersion": "example.com/v1",
        "kind": "Gadget",
        "metadata": {"name": "g1"},
        "spec": {"size": 2},
    }
    created = custom.create_namespaced_custom_object("example.com", "v1", "default", "gadgets", gadget)
    assert created["spec"] == {"size": 2, "color": "red"}
    assert created["metadata"]["generation"] == 1
    listed = custom.list_namespaced_custom_object("example.com", "v1", "default", "gadgets")
    assert listed["kind"] == "GadgetList" and [i["metadata"]["name"] for i in listed["items"]] == ["g1"]
    patched = custom.patch_namespaced_custom_object(
        "example.com", "v1", "default", "gadgets", "g1", {"spec": {"size": 5}}
    )
    assert patched["spec"]["size"] == 5 and patched["metadata"]["generation"] == 2
    status = custom.patch_namespaced_custom_object_status(
        "example.com", "v1", "default", "gadgets", "g1", {"status": {"phase": "Ready"}}
    )
    assert status["status"] == {"phase": "Ready"} and status["metadata"]["generation"] == 2
    with pytest.raises(client.ApiException) as refused:
        custom.create_namespaced_custom_object(
            "example.com",
            "v1",
            "default",
            "gadgets",
            {**gadget, "metadata": {"name": "g0"}, "spec": {"size": 0}},
        )
    assert refused.value.status == 422
    assert "spec.size in body should be greater than or equal to 1" in refused.value.body

    dyn = dynamic.DynamicClient(api)
    gadgets = dyn.resources.get(api_version="example.com/v1", kind="Gadget")
    assert gadgets.namespaced and "gd" in gadgets.short_names
    applied = gadgets.server_side_apply(
        body={
            "apiVersion": "example.com/v1",
            "kind": "Gadget",
            "metadata": {"name": "g2"},
            "spec": {"size": 3},
        },
        namespace="default",
        field_manager="pytest",
    )
    assert applied.spec.size == 3 and applied.spec.color == "red"
    assert [m.manager for m in applied.metadata.managedFields] == ["pytest"]
    again = gadgets.server_side_apply(
        body={
            "apiVersion": "example.com/v1",
            "kind": "Gadget",
            "metadata": {"name": "g2"},
            "spec": {"size": 4},
        },
        namespace="default",
        field_manager="pytest",
    )
    assert again.spec.size == 4
    assert sorted(i.metadata.name for i in gadgets.get(namespace="default").items) == ["g1", "g2"]

    custom.delete_namespaced_custom_object("example.com", "v1", "default", "gadgets", "g1")
    assert [
        i["metadata"]["name"]
        for i in custom.list_namespaced_custom_object("example.com", "v1", "default", "gadgets")["items"]
    ] == ["g2"]
    extensions.delete_custom_resource_definition("gadgets.example.com")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            extensions.read_custom_resource_definition("gadgets.example.com")
        except client.ApiException as gone:
            assert gone.status == 404
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the CRD was not deleted")


OPERATOR = textwrap.dedent(
    """
    import kopf
    import kubernetes


    @kopf.on.startup()
    def configure(settings, **_):
        settings.watching.server_timeout = 10
        settings.watching.client_timeout = 15


    @kopf.on.create("example.com", "v1", "gadgets")
    def make_configmap(spec, name, namespace, body, **_):
        kubernetes.config.load_kube_config()
        data = {"size": str(spec.get("size")), "color": spec.get("color", "")}
        configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"{name}-settings"}, "data": data}
        kopf.adopt(configmap, owner=body)
        kubernetes.client.CoreV1Api().create_namespaced_config_map(namespace, configmap)
        return {"configmap": configmap["metadata"]["name"]}
    """
)


def test_a_kopf_operator_reconciles_a_custom_resource(api, sandbox, tmp_path):
    client.ApiextensionsV1Api(api).create_custom_resource_definition(GADGETS)
    _established(api, "gadgets.example.com")
    operator = tmp_path / "operator.py"
    operator.write_text(OPERATOR)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
    env["KUBECONFIG"] = str(sandbox)
    process = subprocess.Popen(
        [sys.executable, "-m", "kopf", "run", "--standalone", "--namespace", "default", str(operator)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        custom = client.CustomObjectsApi(api)
        custom.create_namespaced_custom_object(
            "example.com",
            "v1",
            "default",
            "gadgets",
            {
                "apiVersion": "example.com/v1",
                "kind": "Gadget",
                "metadata": {"name": "lamp"},
                "spec": {"size": 3},
            },
        )
        core = client.CoreV1Api(api)
        deadline = time.monotonic() + 45
        configmap = None
        while time.monotonic() < deadline and configmap is None and process.poll() is None:
            try:
                configmap = core.read_namespaced_config_map("lamp-settings", "default")
            except client.ApiException as missing:
                assert missing.status == 404
                time.sleep(0.5)
        assert configmap is not None, f"the operator made no ConfigMap:\n{_output(process)}"
        assert configmap.data == {"size": "3", "color": "red"}
        assert configmap.metadata.owner_references[0].kind == "Gadget"
        # kopf records its handler's result in the status (the status subresource).
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            lamp = custom.get_namespaced_custom_object("example.com", "v1", "default", "gadgets", "lamp")
            if (lamp.get("status") or {}).get("make_configmap"):
                break
            time.sleep(0.5)
        assert lamp["status"]["make_configmap"] == {"configmap": "lamp-settings"}
        # The garbage collector removes the ConfigMap with its owner.
        custom.delete_namespaced_custom_object("example.com", "v1", "default", "gadgets", "lamp")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                core.read_namespaced_config_map("lamp-settings", "default")
            except client.ApiException as gone:
                assert gone.status == 404
                break
            time.sleep(0.5)
        else:
            raise AssertionError(f"the ConfigMap outlived its Gadget:\n{_output(process)}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _output(process: subprocess.Popen) -> str:
    process.terminate()
    try:
        out, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out[-6000:]


@pytest.mark.django_db
def test_the_sandbox_page_lists_custom_resources_and_their_object_page(client):
    import re

    import yaml

    from playground.models import Sandbox

    assert client.post("/playground/try/self-healing").status_code == 302
    sandbox = Sandbox.objects.get()
    apply = f"/playground/{sandbox.public_id}/apply"
    assert (
        "created"
        in client.post(apply, {"manifest": yaml.safe_dump(GADGETS)}, HTTP_HX_REQUEST="true").content.decode()
    )
    gadget = "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: lamp}\nspec: {size: 2}\n"
    assert (
        "gadget.example.com/lamp created"
        in client.post(apply, {"manifest": gadget}, HTTP_HX_REQUEST="true").content.decode()
    )
    page = client.get(f"/playground/{sandbox.public_id}/").content.decode()
    assert "Custom resources" in page
    url = re.search(r'href="(/playground/[^"]+/objects/Gadget/default/lamp/)"', page).group(1)
    html = client.get(url).content.decode()
    assert "kind: Gadget" in html and "color: red" in html
