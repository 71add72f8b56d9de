"""kubectl describe's registry: a describer per kind, the generic one for the rest."""

from playground import console
from playground.kubectl.describe import DESCRIBERS, describe, describer


def test_each_kind_with_its_own_layout_is_registered():
    assert set(DESCRIBERS) >= {"Pod", "Deployment", "Node", "Service", "ConfigMap", "Secret"}


def test_a_registered_describer_is_used_for_its_kind(cluster):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    cluster.create(cm, "default")
    saved = DESCRIBERS.pop("ConfigMap")
    try:
        generic = describe(cluster, "ConfigMap", cluster.get("ConfigMap", "c", "default"))
        assert "API Version:  v1" in generic  # the generic describer

        @describer("ConfigMap")
        def _short(cluster, obj):
            return [f"Name:\t{obj['metadata']['name']}", "Custom:\tyes"]

        assert describe(cluster, "ConfigMap", cluster.get("ConfigMap", "c", "default")) == (
            "Name:    c\nCustom:  yes\n"
        )
    finally:
        DESCRIBERS["ConfigMap"] = saved


def test_node_lists_its_pods_through_the_public_api(cluster):
    node = cluster.list("Pod", "default")[0]["spec"]["nodeName"]
    text = console.run(cluster, console.parse(f"kubectl describe node {node}"))
    pods = cluster.list("Pod", None, None, f"spec.nodeName={node}")
    assert f"Non-terminated Pods:          ({len(pods)} in total)" in text
    assert all(p["metadata"]["name"] in text for p in pods)


def test_describe_through_the_console_by_prefix(cluster):
    text = console.run(cluster, console.parse("describe pods web"))
    assert text.count("\nName:") + text.startswith("Name:") == 2
