"""The kinds added for older tutorials and client fixtures (issue 15, §3e), in the engine."""

import base64

import pytest

from playground.engine import Cluster
from playground.engine.errors import ApiError

RC = {
    "apiVersion": "v1",
    "kind": "ReplicationController",
    "metadata": {"name": "nginx", "namespace": "default"},
    "spec": {
        "replicas": 3,
        "template": {
            "metadata": {"labels": {"app": "nginx"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
        },
    },
}


@pytest.fixture
def cluster():
    return Cluster.new("default", seed=1)


def _live(cluster, selector):
    return [p for p in cluster.list("Pod", "default", selector) if not p["metadata"].get("deletionTimestamp")]


def test_replication_controller_defaults_selector_and_labels_from_the_template(cluster):
    """SetDefaults_ReplicationController (pkg/apis/core/v1/defaults.go): an empty selector
    and empty labels are the template's labels; replicas defaults to 1; status starts at
    ``replicas: 0`` (ReplicationControllerStatus.replicas has no omitempty)."""
    rc = cluster.create({**RC, "spec": {k: v for k, v in RC["spec"].items() if k != "replicas"}})
    assert rc["spec"]["selector"] == {"app": "nginx"} and rc["metadata"]["labels"] == {"app": "nginx"}
    assert rc["spec"]["replicas"] == 1 and rc["status"] == {"replicas": 0}
    assert rc["metadata"]["generation"] == 1


def test_replication_controller_validation(cluster):
    """ValidateReplicationControllerSpec: a selector is required (a template without labels
    cannot default it) and must match the template's labels."""
    bare = {**RC, "spec": {"template": {"spec": RC["spec"]["template"]["spec"]}}}
    with pytest.raises(ApiError) as missing:
        cluster.create(bare)
    assert "spec.selector: Required value" in missing.value.status["message"]
    mismatched = {**RC, "spec": {**RC["spec"], "selector": {"app": "other"}}}
    with pytest.raises(ApiError) as mismatch:
        cluster.create(mismatched)
    assert "`selector` does not match template `labels`" in mismatch.value.status["message"]


def test_the_replication_manager_keeps_replicas_like_the_replicaset_controller(cluster):
    """pkg/controller/replication: NewReplicationManager is the ReplicaSet controller for
    ReplicationControllers, recording as ``replication-controller``: it creates, adopts,
    scales down and reports status as a ReplicaSet's."""
    cluster.create(RC)
    cluster.settle()
    pods = _live(cluster, "app=nginx")
    assert len(pods) == 3
    assert {
        (p["metadata"]["ownerReferences"][0]["kind"], p["metadata"]["ownerReferences"][0]["apiVersion"])
        for p in pods
    } == {("ReplicationController", "v1")}
    status = cluster.get("ReplicationController", "nginx", "default")["status"]
    assert (status["replicas"], status["readyReplicas"], status["availableReplicas"]) == (3, 3, 3)
    events = [
        e for e in cluster.list("Event", "default") if e["involvedObject"]["kind"] == "ReplicationController"
    ]
    assert {e["source"]["component"] for e in events} == {"replication-controller"}
    assert [e["reason"] for e in events].count("SuccessfulCreate") == 3
    # The scale subresource's selector is the label map as a selector string
    # (pkg/registry/core/replicationcontroller/storage: ScaleREST, SelectorFromSet).
    assert cluster.api.get_scale("ReplicationController", "nginx", "default")["status"] == {
        "replicas": 3,
        "selector": "app=nginx",
    }
    cluster.api.scale("ReplicationController", "nginx", "default", 1)
    cluster.settle()
    assert len(_live(cluster, "app=nginx")) == 1
    # A pod deleted by hand is replaced.
    victim = _live(cluster, "app=nginx")[0]["metadata"]["name"]
    cluster.api.delete("Pod", victim, "default")
    cluster.settle()
    survivors = _live(cluster, "app=nginx")
    assert len(survivors) == 1 and survivors[0]["metadata"]["name"] != victim
    # Deleting the RC deletes its pods (garbage collector, background propagation).
    cluster.api.delete("ReplicationController", "nginx", "default")
    cluster.settle()
    assert _live(cluster, "app=nginx") == []


def test_pod_template_is_defaulted_and_validated(cluster):
    """pkg/registry/core/podtemplate: the template's pod defaults; ValidatePodTemplate."""
    made = cluster.create(
        {
            "apiVersion": "v1",
            "kind": "PodTemplate",
            "metadata": {"name": "t", "namespace": "default"},
            "template": {
                "metadata": {"labels": {"a": "b"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        }
    )
    assert made["template"]["spec"]["restartPolicy"] == "Always"
    with pytest.raises(ApiError) as refused:
        cluster.create(
            {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "u", "namespace": "default"}}
        )
    assert "template: Required value" in refused.value.status["message"]


REQUEST = base64.b64encode(
    b"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"
).decode()


def test_csr_approval_subresource(cluster):
    """The /approval strategy (pkg/registry/certificates/certificates/strategy.go) and
    ValidateCertificateSigningRequestApprovalUpdate: Approved and Denied exclude each other,
    an approval cannot be taken back; the status starts empty and no signer issues one."""
    csr = cluster.create(
        {
            "apiVersion": "certificates.k8s.io/v1",
            "kind": "CertificateSigningRequest",
            "metadata": {"name": "jane"},
            "spec": {
                "request": REQUEST,
                "signerName": "kubernetes.io/kube-apiserver-client",
                "usages": ["client auth"],
            },
        }
    )
    assert csr["status"] == {}
    approved = {
        "type": "Approved",
        "status": "True",
        "reason": "KubectlApprove",
        "lastUpdateTime": "2026-01-01T00:00:00Z",
    }
    csr["status"] = {"conditions": [approved]}
    updated = cluster.api.update(csr, None, subresource="approval")
    assert updated["status"]["conditions"][0]["lastTransitionTime"] == "2026-01-01T00:00:00Z"
    both = {**updated, "status": {"conditions": [approved, {**approved, "type": "Denied"}]}}
    with pytest.raises(ApiError) as exclusive:
        cluster.api.update(both, None, subresource="approval")
    assert "Approved and Denied conditions are mutually exclusive" in exclusive.value.status["message"]
    with pytest.raises(ApiError) as removed:
        cluster.api.update({**updated, "status": {}}, None, subresource="approval")
    assert 'updates may not remove a condition of type "Approved"' in removed.value.status["message"]
    cluster.settle()
    assert "certificate" not in cluster.get("CertificateSigningRequest", "jane")["status"]
    with pytest.raises(ApiError) as not_pem:
        cluster.create(
            {
                "apiVersion": "certificates.k8s.io/v1",
                "kind": "CertificateSigningRequest",
                "metadata": {"name": "bad"},
                "spec": {"request": base64.b64encode(b"hello").decode(), "signerName": "example.com/x"},
            }
        )
    assert "PEM block type must be CERTIFICATE REQUEST" in not_pem.value.status["message"]


def test_admission_configuration_kinds_are_defaulted_and_validated(cluster):
    """SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook and the webhook checks of
    ValidateMutatingWebhookConfiguration; a ValidatingAdmissionPolicy needs validations and
    matchConstraints. All are stored only."""
    webhook = {
        "name": "a.b.c",
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
        "clientConfig": {"url": "https://x"},
    }
    made = cluster.create(
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration",
            "metadata": {"name": "m"},
            "webhooks": [webhook],
        }
    )
    assert {
        k: made["webhooks"][0][k]
        for k in ("failurePolicy", "matchPolicy", "timeoutSeconds", "reinvocationPolicy")
    } == {
        "failurePolicy": "Fail",
        "matchPolicy": "Equivalent",
        "timeoutSeconds": 10,
        "reinvocationPolicy": "Never",
    }
    with pytest.raises(ApiError) as refused:
        cluster.create(
            {
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingWebhookConfiguration",
                "metadata": {"name": "v"},
                "webhooks": [{"name": "short"}],
            }
        )
    message = refused.value.status["message"]
    assert "webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun" in message
    assert "webhooks[0].clientConfig: Required value: exactly one of url or service is required" in message
    with pytest.raises(ApiError) as empty:
        cluster.create(
            {
                "apiVersion": "admissionregistration.k8s.io/v1",
                "kind": "ValidatingAdmissionPolicy",
                "metadata": {"name": "p"},
                "spec": {},
            }
        )
    assert (
        "spec.validations: Required value: validations or auditAnnotations must contain at least one item"
        in empty.value.status["message"]
    )
    assert "spec.matchConstraints: Required value" in empty.value.status["message"]


def test_runtime_class_and_csidriver(cluster):
    """ValidateRuntimeClass (handler a DNS label, immutable) and SetDefaults_CSIDriver."""
    with pytest.raises(ApiError):
        cluster.create(
            {
                "apiVersion": "node.k8s.io/v1",
                "kind": "RuntimeClass",
                "metadata": {"name": "x"},
                "handler": "Not_A_Label",
            }
        )
    rc = cluster.create(
        {
            "apiVersion": "node.k8s.io/v1",
            "kind": "RuntimeClass",
            "metadata": {"name": "gvisor"},
            "handler": "runsc",
        }
    )
    with pytest.raises(ApiError) as immutable:
        cluster.api.update({**rc, "handler": "kata"}, None)
    assert 'handler: Invalid value: "kata": field is immutable' in immutable.value.status["message"]
    driver = cluster.create(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "CSIDriver",
            "metadata": {"name": "d.example.com"},
            "spec": {},
        }
    )
    assert driver["spec"]["attachRequired"] is True and driver["spec"]["volumeLifecycleModes"] == [
        "Persistent"
    ]
    assert driver["spec"]["fsGroupPolicy"] == "ReadWriteOnceWithFSType"
