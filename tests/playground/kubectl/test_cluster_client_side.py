"""The engine's Cluster keeps thin methods for kubectl's client-side commands; the work is in
playground.kubectl, which uses only the API server's public API."""

import inspect
import pathlib

import playground.kubectl
from playground.engine import cluster as cluster_module

KUBECTL = pathlib.Path(playground.kubectl.__file__).parent


def test_cluster_never_calls_the_api_servers_private_update():
    source = inspect.getsource(cluster_module)
    assert "_update(" not in source.replace("update_status(", "")


def test_the_client_side_uses_no_private_engine_api():
    for path in KUBECTL.rglob("*.py"):
        text = path.read_text()
        assert "._update(" not in text and ".store." not in text, path


def test_the_client_side_imports_no_django():
    for path in KUBECTL.rglob("*.py"):
        assert "django" not in path.read_text(), path


def test_the_engine_has_no_describe_or_explain_left():
    engine = pathlib.Path(cluster_module.__file__).parent
    assert not (engine / "describe.py").exists() and not (engine / "explain.py").exists()


def test_cluster_methods_delegate_to_kubectl(cluster):
    for method in ("apply", "drain", "cordon", "uncordon", "set_image", "rollout_undo", "rollout_history"):
        assert "playground.kubectl" in inspect.getsource(getattr(type(cluster), method)), method
    cluster.cordon("worker-2")
    assert cluster.get("Node", "worker-2")["spec"]["unschedulable"] is True
    cluster.uncordon("worker-2")
    assert not cluster.get("Node", "worker-2")["spec"].get("unschedulable")
