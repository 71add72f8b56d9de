"""More built-in kinds with the real kubectl 1.37 (issue 15, §3e): ReplicationControllers,
PodTemplates, APIServices, RuntimeClass, CSIDriver, CertificateSigningRequests and the
admission configuration kinds."""

import base64
import json
import time

import pytest

from tests.playground.kubeapi.conftest import KUBECTLS, Kubectl

RC = """\
apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx
spec:
  replicas: 3
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""

REQUEST = base64.b64encode(
    b"-----BEGIN CERTIFICATE REQUEST-----\nMIIBMzCB2gIBADBPMQ0wCwYDVQQDDARqYW5l\n-----END CERTIFICATE REQUEST-----\n"
).decode()
CSR = f"""\
apiVersion: certificates.k8s.io/v1
kind: CertificateSigningRequest
metadata:
  name: jane
spec:
  request: {REQUEST}
  signerName: kubernetes.io/kube-apiserver-client
  expirationSeconds: 86400
  usages: [client auth]
"""

STORED = """\
apiVersion: v1
kind: PodTemplate
metadata:
  name: web-template
template:
  metadata:
    labels: {app: web}
  spec:
    containers:
    - name: web
      image: nginx:1.27
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: gvisor
handler: runsc
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata:
  name: csi.vsphere.vmware.com
spec:
  attachRequired: true
  podInfoOnMount: false
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: policy-check
webhooks:
- name: check.policy.example.com
  sideEffects: None
  admissionReviewVersions: [v1]
  clientConfig:
    url: https://policy.example.com/check
  rules:
  - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE], resources: [deployments]}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: injector
webhooks:
- name: inject.sidecar.example.com
  sideEffects: None
  admissionReviewVersions: [v1]
  clientConfig:
    url: https://sidecar.example.com/inject
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: max-replicas
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: object.spec.replicas <= 5
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: max-replicas
spec:
  policyName: max-replicas
  validationActions: [Deny]
"""


@pytest.fixture
def kubectl(api_server, tmp_path):
    if "1.37" not in KUBECTLS:
        pytest.fail("kubectl 1.37 missing from .cache/test-assets: run scripts/fetch-test-assets")
    return Kubectl(KUBECTLS["1.37"], api_server.sandbox(), tmp_path / "cache")


def _rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()]


def _until(check, seconds=60):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def test_a_replication_controller_runs_scales_and_prints_like_upstream(kubectl):
    """pkg/controller/replication (the ReplicaSet controller over ReplicationControllers):
    three pods owned by the RC, `kubectl scale rc` through the scale subresource, and the
    columns of printReplicationController (NAME DESIRED CURRENT READY AGE; -o wide adds
    CONTAINERS IMAGES SELECTOR)."""
    assert kubectl.ok("create", "-f", "-", stdin=RC) == "replicationcontroller/nginx created\n"

    def ready(count):
        rows = _rows(kubectl.ok("get", "rc", "nginx"))
        return rows[1][:4] == ["nginx", str(count), str(count), str(count)]

    _until(lambda: ready(3))
    rows = _rows(kubectl.ok("get", "rc", "-o", "wide"))
    assert rows[0] == ["NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert rows[1][5:] == ["nginx", "nginx:1.27", "app=nginx"]
    pods = json.loads(kubectl.ok("get", "pods", "-l", "app=nginx", "-o", "json"))["items"]
    assert len(pods) == 3
    assert {p["metadata"]["ownerReferences"][0]["kind"] for p in pods} == {"ReplicationController"}
    assert kubectl.ok("scale", "rc", "nginx", "--replicas=1") == "replicationcontroller/nginx scaled\n"
    _until(lambda: ready(1))
    events = kubectl.ok("events", "--for", "replicationcontroller/nginx")
    assert "SuccessfulCreate" in events and "SuccessfulDelete" in events
    assert "replicationcontroller" in kubectl.ok("get", "all")


def test_apiservices_are_the_served_group_versions_local_and_available(kubectl):
    """kube-aggregator's autoregistered APIServices (apiServicePriorities): one per built-in
    group-version, SERVICE Local and AVAILABLE True; writes are refused."""
    rows = _rows(kubectl.ok("get", "apiservices"))
    assert rows[0] == ["NAME", "SERVICE", "AVAILABLE", "AGE"]
    by_name = {row[0]: row[1:3] for row in rows[1:]}
    for name in ("v1.", "v1.apps", "v2.autoscaling", "v1.events.k8s.io", "v1.apiregistration.k8s.io"):
        assert by_name[name] == ["Local", "True"], name
    one = json.loads(kubectl.ok("get", "apiservice", "v1.apps", "-o", "json"))
    assert one["spec"] == {
        "group": "apps",
        "version": "v1",
        "groupPriorityMinimum": 17800,
        "versionPriority": 15,
    }
    assert one["status"]["conditions"][0]["reason"] == "Local"
    refused = kubectl.fails("delete", "apiservice", "v1.apps")
    assert "MethodNotAllowed" in refused or "method" in refused.lower()


def test_certificate_signing_request_approved_but_never_issued(kubectl):
    """pkg/registry/certificates/certificates/strategy.go: the requester is who asked, the
    /approval subresource takes kubectl's Approved condition (kubectl certificate approve);
    extractCSRStatus prints Approved, without Issued, since the sandbox has no signer."""
    assert kubectl.ok("create", "-f", "-", stdin=CSR) == (
        "certificatesigningrequest.certificates.k8s.io/jane created\n"
    )
    rows = _rows(kubectl.ok("get", "csr", "jane"))
    assert rows[0] == ["NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"]
    assert rows[1][2:] == ["kubernetes.io/kube-apiserver-client", kubectl_user(kubectl), "24h", "Pending"]
    assert kubectl.ok("certificate", "approve", "jane") == (
        "certificatesigningrequest.certificates.k8s.io/jane approved\n"
    )
    assert _rows(kubectl.ok("get", "csr", "jane"))[1][-1] == "Approved"
    csr = json.loads(kubectl.ok("get", "csr", "jane", "-o", "json"))
    [approved] = csr["status"]["conditions"]
    assert (approved["type"], approved["status"], approved["reason"]) == (
        "Approved",
        "True",
        "KubectlApprove",
    )
    assert "certificate" not in csr["status"]
    # kubectl's own check (pkg/cmd/certificates: modifyCertificateCondition) reads the condition.
    assert (
        kubectl.fails("certificate", "deny", "jane")
        == 'error: certificate signing request "jane" is already Approved\n'
    )


def kubectl_user(kubectl) -> str:
    return json.loads(kubectl.ok("auth", "whoami", "-o", "json"))["status"]["userInfo"]["username"]


def test_stored_kinds_create_and_print_as_kubectl_does(kubectl):
    """PodTemplate (printPodTemplate), RuntimeClass (printRuntimeClass), CSIDriver
    (printCSIDriver, SetDefaults_CSIDriver), the webhook configurations (printValidatingWebhook,
    printMutatingWebhook) and ValidatingAdmissionPolicy and its binding: stored with
    upstream's defaults; nothing calls a webhook or evaluates a policy."""
    out = kubectl.ok("create", "-f", "-", stdin=STORED)
    assert out.splitlines() == [
        "podtemplate/web-template created",
        "runtimeclass.node.k8s.io/gvisor created",
        "csidriver.storage.k8s.io/csi.vsphere.vmware.com created",
        "validatingwebhookconfiguration.admissionregistration.k8s.io/policy-check created",
        "mutatingwebhookconfiguration.admissionregistration.k8s.io/injector created",
        "validatingadmissionpolicy.admissionregistration.k8s.io/max-replicas created",
        "validatingadmissionpolicybinding.admissionregistration.k8s.io/max-replicas created",
    ]
    assert _rows(kubectl.ok("get", "podtemplates"))[1] == ["web-template", "web", "nginx:1.27", "app=web"]
    assert _rows(kubectl.ok("get", "runtimeclass"))[1][:2] == ["gvisor", "runsc"]
    csidriver = _rows(kubectl.ok("get", "csidrivers"))
    assert csidriver[0][:7] == [
        "NAME",
        "ATTACHREQUIRED",
        "PODINFOONMOUNT",
        "STORAGECAPACITY",
        "TOKENREQUESTS",
        "REQUIRESREPUBLISH",
        "MODES",
    ]
    assert csidriver[1][:7] == [
        "csi.vsphere.vmware.com",
        "true",
        "false",
        "false",
        "<unset>",
        "false",
        "Persistent",
    ]
    assert _rows(kubectl.ok("get", "validatingwebhookconfigurations"))[1][:2] == ["policy-check", "1"]
    assert _rows(kubectl.ok("get", "mutatingwebhookconfigurations"))[1][:2] == ["injector", "1"]
    webhook = json.loads(kubectl.ok("get", "mutatingwebhookconfiguration", "injector", "-o", "json"))[
        "webhooks"
    ][0]
    assert (webhook["failurePolicy"], webhook["timeoutSeconds"], webhook["reinvocationPolicy"]) == (
        "Fail",
        10,
        "Never",
    )
    assert _rows(kubectl.ok("get", "validatingadmissionpolicies"))[1][:3] == ["max-replicas", "1", "<unset>"]
    assert _rows(kubectl.ok("get", "validatingadmissionpolicybindings"))[1][:3] == [
        "max-replicas",
        "max-replicas",
        "<unset>",
    ]
    # Not evaluated: a Deployment the policy would deny is created.
    kubectl.ok("create", "deployment", "big", "--image=nginx:1.27", "--replicas=6")


def test_a_watch_on_apiservices_lists_them_once():
    """A watch (kubectl get apiservices -w, informers) gets every APIService as ADDED and
    then nothing: they are computed from what the sandbox serves and never change."""
    from playground.engine import Cluster
    from playground.kubeapi import handler

    cluster = Cluster.new("default", seed=1)
    req = handler.ApiRequest("GET", "/apis/apiregistration.k8s.io/v1/apiservices", query={"watch": "1"})
    target = handler.route(req.path)
    first = handler.watch_events(cluster, target, req, None)
    assert {e["type"] for e in first} == {"ADDED"}
    assert "v1.apps" in {e["object"]["metadata"]["name"] for e in first}
    assert handler.watch_events(cluster, target, req, cluster.resource_version) == []
    line = json.loads(handler.encode_event(cluster, target, req, first[0], True))
    assert line["object"]["kind"] == "APIService"
