"""A mirrored cluster copied into a sandbox: the same hosts, the workloads rebuilt by the
sandbox's own controllers, nothing server-written carried over."""

import orjson
import pytest

from playground import sandboxes
from playground.mirror.copy import CopyError, clean, copy, plan
from playground.models import Sandbox


def test_clean_strips_what_the_server_wrote():
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "report",
            "namespace": "shop",
            "uid": "u",
            "resourceVersion": "9",
            "generation": 1,
            "creationTimestamp": "t",
            "managedFields": [{}],
            "labels": {"job-name": "report", "team": "web", "batch.kubernetes.io/controller-uid": "u"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "note": "keep"},
        },
        "spec": {
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}},
            "template": {
                "metadata": {"labels": {"controller-uid": "u", "app": "report"}},
                "spec": {"containers": []},
            },
        },
        "status": {"succeeded": 1},
    }
    cleaned = clean(job)
    assert cleaned["metadata"] == {
        "name": "report",
        "namespace": "shop",
        "labels": {"team": "web"},
        "annotations": {"note": "keep"},
    }
    assert "selector" not in cleaned["spec"] and cleaned["spec"]["template"]["metadata"]["labels"] == {
        "app": "report"
    }
    assert "status" not in cleaned
    service = clean(
        {
            "kind": "Service",
            "metadata": {"name": "s"},
            "spec": {"clusterIP": "10.0.0.1", "clusterIPs": ["10.0.0.1"], "ports": [{"port": 80}]},
        }
    )
    assert service["spec"] == {"ports": [{"port": 80}]}


def test_plan_takes_workloads_not_what_controllers_or_kubelets_make(mirrored):
    nodes, manifests, notes = plan(mirrored.record, None)
    assert [n["metadata"]["name"] for n in nodes] == ["kind-control-plane", "kind-worker", "kind-worker2"]
    made = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert (
        ("Deployment", "web") in made
        and ("Service", "web") in made
        and ("ResourceQuota", "shop-pool") in made
    )
    assert ("ConfigMap", "web-settings") in made  # the pods' envFrom needs it; created empty
    assert not [m for m in made if m[0] in ("ReplicaSet", "Pod")]
    assert ("Deployment", "coredns") not in made  # kube-system stays out unless chosen
    assert (
        made.index(("Namespace", "shop"))
        < made.index(("ResourceQuota", "shop-pool"))
        < made.index(("Deployment", "web"))
    )
    assert any("created empty" in note for note in notes)
    _, with_system, _ = plan(mirrored.record, ["kube-system"])
    chosen = [(m["kind"], m["metadata"]["name"]) for m in with_system]
    assert ("Deployment", "coredns") in chosen and ("DaemonSet", "kube-proxy") in chosen
    assert not any(name.startswith("etcd-") for _, name in chosen)  # static pods belong to the kubelet


def test_the_copy_runs_in_a_sandbox_where_hosts_can_fail(mirrored, db):
    sandbox, notes = copy("visitor-1", mirrored.record, None)
    cluster = sandboxes.restore(sandbox.state)
    node = cluster.get("Node", "kind-worker")
    assert (
        node["status"]["capacity"]["cpu"] == "8"
        and node["metadata"]["labels"]["kubernetes.io/hostname"] == "kind-worker"
    )
    assert cluster.get("Node", "kind-control-plane")["spec"]["taints"] == [
        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
    ]
    assert "kind-worker2" in cluster.down_nodes  # it was not responding in the real cluster
    web = cluster.get("Deployment", "web", "shop")
    assert web["status"]["readyReplicas"] == 2
    pods = [p for p in cluster.list("Pod", "shop") if p["status"]["phase"] == "Running"]
    assert {p["spec"]["nodeName"] for p in pods} <= {
        "kind-worker"
    }  # the control plane is tainted, worker2 down
    assert cluster.get("ResourceQuota", "shop-pool", "shop")["status"]["used"]["pods"] == "2"
    assert "uid" not in orjson.dumps(web["spec"]).decode()
    assert sandbox.snapshots.get().label == "As copied from lab"
    # The real cluster is untouched, and the sandbox is the learner's to break.
    sandboxes.change("visitor-1", sandbox.public_id, lambda c: c.fail_node("kind-worker"), "fail")


def test_too_many_hosts_is_refused_with_the_reason(mirrored, db, monkeypatch):
    monkeypatch.setitem(sandboxes.LIMITS, "max_nodes", 2)
    with pytest.raises(CopyError, match="has 3 nodes; a sandbox holds at most 2"):
        copy("visitor-1", mirrored.record, None)


def test_what_the_engine_refuses_is_named_and_reset_goes_back_to_the_empty_profile(mirrored, db, monkeypatch):
    monkeypatch.setitem(sandboxes.LIMITS, "max_replicas", 1)
    sandbox, notes = copy("visitor-1", mirrored.record, ["shop"])
    assert any(note.startswith("Deployment shop/web:") and "replicas" in note for note in notes), notes
    cluster = sandboxes.restore(sandbox.state)
    assert cluster.get("Service", "web", "shop")  # the rest of the namespace came over
    sandboxes.reset("visitor-1", sandbox.public_id)
    reset = sandboxes.restore(Sandbox.objects.get(pk=sandbox.pk).state)
    assert [n["metadata"]["name"] for n in reset.list("Node")] == ["worker-1"]
    assert sandbox.snapshots.filter(label="As copied from lab").exists()


def test_custom_resources_come_with_their_definitions(mirrored, db):
    _, manifests, _ = plan(mirrored.record, ["shop"])
    made = [(m["kind"], m["metadata"]["name"]) for m in manifests]
    assert made.index(("CustomResourceDefinition", "certificates.cert-manager.io")) < made.index(
        ("Namespace", "shop")
    )
    assert made[-1] == ("Certificate", "web-tls")  # after its definition and its namespace
    crd = next(m for m in manifests if m["kind"] == "CustomResourceDefinition")
    assert "status" not in crd and "uid" not in crd["metadata"]
    _, without, notes = plan(mirrored.record, ["kube-system"])
    assert not [m for m in without if m["kind"] in ("CustomResourceDefinition", "Certificate")]
    assert any("CustomResourceDefinition(s) with no custom resources" in note for note in notes)
    sandbox, notes = copy("visitor-1", mirrored.record, ["shop"])
    cluster = sandboxes.restore(sandbox.state)
    certificate = cluster.get("certs", "web-tls", "shop")  # served by its short name, as there
    assert certificate["spec"]["dnsNames"] == ["shop.example.com"] and "status" not in certificate
    established = cluster.get("CustomResourceDefinition", "certificates.cert-manager.io")["status"][
        "conditions"
    ]
    assert {c["type"]: c["status"] for c in established}["Established"] == "True"
