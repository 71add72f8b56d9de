"""The Cluster facade: time, determinism, limits, apply semantics, isolation from Django."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from playground.engine import ApiError, Cluster

from .conftest import deployment, pod

ROOT = Path(__file__).resolve().parents[3]


def test_the_default_profile_matches_the_kubenet_picture(cluster):
    nodes = {n["metadata"]["name"]: n for n in cluster.list("nodes")}
    assert list(nodes) == ["control-plane", "worker-1", "worker-2", "worker-3"]
    assert nodes["control-plane"]["spec"]["taints"] == [
        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
    ]
    worker = nodes["worker-1"]
    assert worker["spec"]["podCIDR"] == "10.40.1.0/24"
    assert worker["status"]["addresses"][0] == {"type": "InternalIP", "address": "10.140.0.11"}
    assert worker["status"]["capacity"]["cpu"] == "4" and worker["status"]["allocatable"]["pods"] == "110"
    assert [c["type"] for c in worker["status"]["conditions"]] == [
        "MemoryPressure",
        "DiskPressure",
        "PIDPressure",
        "Ready",
    ]
    assert cluster.get("lease", "worker-1", "kube-node-lease")["spec"]["holderIdentity"] == "worker-1"
    system = [p["metadata"]["name"] for p in cluster.list("pods", namespace="kube-system")]
    assert "kube-apiserver-control-plane" in system and sum(n.startswith("coredns-") for n in system) == 2
    assert cluster.events() == []  # a fresh cluster has a clean task list


def test_step_runs_exactly_one_unit_of_work_and_says_what_happened(cluster):
    cluster.create(pod("p"))
    record = cluster.step()
    assert record["component"] == "kube-scheduler" and record["action"] == "Scheduled"
    assert record["message"].startswith("Successfully assigned default/p to worker-")
    record = cluster.step()
    assert record["component"].startswith("kubelet (worker-")
    assert "is pulling nginx:1.27" in record["message"]


def test_advance_moves_the_clock_and_runs_what_falls_due(cluster):
    start = cluster.clock
    cluster.create(pod("p"))
    cluster.advance(1)
    assert cluster.clock == start + 1
    assert cluster.get("pod", "p")["status"]["phase"] == "Pending"
    cluster.advance(5)
    assert cluster.get("pod", "p")["status"]["phase"] == "Running"
    with pytest.raises(ValueError):
        cluster.advance(-1)


def test_settle_stops_when_nothing_falls_within_the_timeout(cluster):
    crash = [{"name": "main", "image": "busybox:1.36", "command": ["false"]}]
    cluster.create(pod("crash", containers=crash))
    start = cluster.clock
    cluster.settle(timeout=60)
    assert cluster.clock <= start + 60
    assert cluster.next_timer() > start + 60


def run_script(seed):
    cluster = Cluster.new(seed=seed)
    cluster.apply(deployment(replicas=5))
    cluster.settle()
    cluster.fail_node("worker-1")
    cluster.advance(400)
    cluster.set_image("deployment", "web", {"main": "nginx:1.28"})
    cluster.settle()
    return json.dumps(cluster.to_dict(), sort_keys=True)


def test_the_same_seed_and_calls_give_byte_identical_state():
    assert run_script(7) == run_script(7)
    assert run_script(7) != run_script(8)


def test_from_dict_refuses_an_unknown_state_version(cluster):
    data = cluster.to_dict()
    data["version"] = 99
    with pytest.raises(ValueError, match="unsupported cluster state version 99"):
        Cluster.from_dict(data)


def test_limits_fail_with_a_clear_error():
    cluster = Cluster.new(max_nodes=4, max_replicas=10, max_objects=110)
    with pytest.raises(ApiError) as error:
        cluster.add_node()
    assert error.value.code == 403 and "this cluster allows at most 4 nodes" in error.value.message
    with pytest.raises(ApiError) as error:
        cluster.apply(deployment(replicas=11))
    assert error.value.message == (
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: 11: must be less than or equal to 10 in this cluster'
    )
    cluster.apply(deployment(replicas=2))
    with pytest.raises(ApiError) as error:
        cluster.scale("deployment", "web", 50)
    assert error.value.code == 422
    with pytest.raises(ApiError) as error:
        for i in range(50):
            cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{i}"}})
    assert "this cluster allows at most 110 objects" in error.value.message


def test_apply_reports_created_unchanged_configured(cluster):
    text = deployment()
    assert [r["action"] for r in cluster.apply(text)] == ["created"]
    assert [r["action"] for r in cluster.apply(text)] == ["unchanged"]
    assert [r["action"] for r in cluster.apply(text.replace("nginx:1.27", "nginx:1.28"))] == ["configured"]
    annotation = cluster.get("deploy", "web")["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"
    ]
    assert json.loads(annotation)["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"


def test_apply_removes_what_the_config_no_longer_says_and_keeps_what_others_set(cluster):
    cluster.apply(
        deployment().replace(
            "metadata:\n  name: web", "metadata:\n  name: web\n  labels: {team: a, tier: fe}"
        )
    )
    cluster.scale("deployment", "web", 5)  # somebody else's change to a field the config also sets
    cluster.patch("deploy", "web", {"metadata": {"annotations": {"owner": "ops"}}})
    cluster.apply(
        deployment().replace("metadata:\n  name: web", "metadata:\n  name: web\n  labels: {team: a}")
    )
    d = cluster.get("deploy", "web")
    assert d["metadata"]["labels"] == {"team": "a"}
    assert d["metadata"]["annotations"]["owner"] == "ops"
    # The config did not change replicas since the last apply, so the live value stays.
    assert d["spec"]["replicas"] == 5


def test_a_broken_document_in_a_multi_document_apply_changes_nothing(cluster):
    good = deployment(name="good")
    bad = deployment(name="bad").replace("replicas: 3", "replicas: -2")
    before = cluster.resource_version
    with pytest.raises(ApiError) as error:
        cluster.apply(good + "\n---\n" + bad)
    assert error.value.code == 422
    assert cluster.resource_version == before
    assert cluster.list("deploy", namespace="default") == []


def test_apply_creates_a_namespace_and_its_contents_together(cluster):
    text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n" + deployment().replace(
        "name: web\nspec", "name: web\n  namespace: shop\nspec"
    )
    assert [r["action"] for r in cluster.apply(text)] == ["created", "created"]


def test_the_engine_imports_nothing_from_django():
    code = (
        "import sys, playground.engine; print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
