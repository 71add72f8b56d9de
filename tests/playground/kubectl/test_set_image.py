"""kubectl set image: directly, through the Cluster's thin method and the console."""

import pytest

from playground import console
from playground.engine import ApiError
from playground.kubectl.set_image import set_image


def _containers(cluster):
    return cluster.get("Deployment", "web", "default")["spec"]["template"]["spec"]["containers"]


def test_set_image_patches_the_named_container(cluster):
    set_image(cluster, "deploy", "web", {"main": "nginx:1.28"})
    assert [c["image"] for c in _containers(cluster)] == ["nginx:1.28"]
    cluster.set_image("Deployment", "web", {"*": "nginx:1.29"})
    assert [c["image"] for c in _containers(cluster)] == ["nginx:1.29"]
    with pytest.raises(ApiError, match='unable to find container named "web"'):
        set_image(cluster, "Deployment", "web", {"web": "nginx:1"})


def test_set_image_on_a_pod(cluster):
    name = cluster.list("Pod", "default")[0]["metadata"]["name"]
    set_image(cluster, "pod", name, {"main": "nginx:1.28"})
    assert cluster.get("Pod", name, "default")["spec"]["containers"][0]["image"] == "nginx:1.28"


def test_set_image_through_the_console(cluster):
    line = "kubectl set image deployment web main=nginx:1.28"
    assert console.parse(line).writes
    assert console.run(cluster, console.parse(line)) == "deployment.apps/web image updated\n"
    with pytest.raises(console.ConsoleError, match='^error: invalid image update "main": expected'):
        console.run(cluster, console.parse("set image deploy/web main"))
    with pytest.raises(console.ConsoleError, match="^error: the console runs: kubectl set image"):
        console.run(cluster, console.parse("set env deploy/web A=b"))
    with pytest.raises(console.ConsoleError) as raised:
        console.run(cluster, console.parse("set frob"))
    assert str(raised.value) == "error: unknown command \"frob\"\nSee 'kubectl set -h' for help and examples"
