"""VM Service in the vSphere profile: the vmoperator.vmware.com/v1alpha5 CRDs, the vSphere
Namespace's VM classes and content-library images, and the simulated VM operator
(controllers/vmoperator.py), read back through the engine's API and the console's kubectl."""

import pytest

from playground import console
from playground.engine import ApiError, Cluster
from playground.engine.addons import vm_service
from playground.engine.controllers.vmoperator import BOOT_SECONDS

UBUNTU = "ubuntu-24.04-server-cloudimg-amd64"


def vm(name="web-1", class_name="best-effort-small", image=UBUNTU, power=None, labels=None) -> dict:
    spec = {"className": class_name, "imageName": image, "storageClass": "vsan-default-storage-policy"}
    if power:
        spec["powerState"] = power
    return {
        "apiVersion": "vmoperator.vmware.com/v1alpha5",
        "kind": "VirtualMachine",
        "metadata": {"name": name, "namespace": "dev-team", "labels": labels or {"app": "web"}},
        "spec": spec,
    }


def conditions(obj) -> dict:
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in obj["status"]["conditions"]}


def run(cluster, command: str) -> str:
    return console.run(cluster, console.parse(command))


@pytest.fixture
def cluster():
    return Cluster.new("vsphere", seed=1)


def test_only_the_vsphere_profile_has_vm_service():
    assert Cluster.new("default", seed=1).api.registry.get("VirtualMachine") is None
    vsphere = Cluster.new("vsphere", seed=1)
    for kind in ("VirtualMachine", "VirtualMachineClass", "VirtualMachineImage", "VirtualMachineService"):
        assert vsphere.api.registry.get(kind).namespaced
    assert not vsphere.api.registry.get("ClusterVirtualMachineImage").namespaced


def test_the_namespace_offers_vcf_default_classes_and_library_images(cluster):
    """VCF's default classes: best-effort-small is 2 vCPUs and 4 GiB; a guaranteed class
    reserves all of its CPU and memory (vm-operator VirtualMachineClassSpec.policies)."""
    classes = {
        c["metadata"]["name"]: c["spec"] for c in cluster.list("VirtualMachineClass", namespace="dev-team")
    }
    assert classes["best-effort-small"]["hardware"] == {"cpus": 2, "memory": "4Gi"}
    assert classes["best-effort-large"]["hardware"] == {"cpus": 4, "memory": "16Gi"}
    assert classes["guaranteed-medium"]["policies"]["resources"]["requests"] == {"cpu": "2", "memory": "8Gi"}
    assert "policies" not in classes["best-effort-medium"]
    images = {i["status"]["name"]: i for i in cluster.list("VirtualMachineImage", namespace="dev-team")}
    ubuntu = images[UBUNTU]
    assert ubuntu["metadata"]["name"] == vm_service.image_name(UBUNTU)
    assert ubuntu["metadata"]["name"].startswith("vmi-") and len(ubuntu["metadata"]["name"]) == 21
    assert ubuntu["spec"]["providerRef"]["kind"] == "ContentLibraryItem"
    assert conditions(ubuntu)["Ready"][0] == "True"
    shared = [i["status"]["name"] for i in cluster.list("ClusterVirtualMachineImage")]
    assert "photon-5.0-x86_64" in shared
    header = run(cluster, "kubectl get vmi -n dev-team").splitlines()[0].split()
    assert header[:5] == ["NAME", "DISPLAY", "NAME", "TYPE", "IMAGE"]


def test_a_vm_is_created_powered_on_and_gets_an_ip_when_tools_report_it(cluster):
    """vm-operator: conditions VirtualMachineClassReady, VirtualMachineImageReady,
    VirtualMachineCreated (reason "True" as its conditions.MarkTrue sets), the webhook's
    spec.image from spec.imageName, status.powerState, uniqueID, nodeName, and the guest's
    address in status.network.primaryIP4 once VMware Tools runs."""
    cluster.create(vm())
    cluster.step()
    cluster.advance(1)
    got = cluster.get("VirtualMachine", "web-1", "dev-team")
    assert got["spec"]["image"] == {"kind": "VirtualMachineImage", "name": vm_service.image_name(UBUNTU)}
    assert got["spec"]["powerOffMode"] == "TrySoft"  # the CRD's default
    status = got["status"]
    assert status["powerState"] == "PoweredOn"
    assert status["uniqueID"].startswith("vm-")
    assert status["nodeName"].startswith("esx-")
    assert status["class"]["name"] == "best-effort-small"
    assert status["hardwareVersion"] == 21
    assert "network" not in status or not status["network"].get("primaryIP4")  # still booting
    found = conditions(got)
    for kind in ("VirtualMachineClassReady", "VirtualMachineImageReady", "VirtualMachineCreated"):
        assert found[kind] == ("True", "True", "")
    cluster.advance(BOOT_SECONDS)
    got = cluster.get("VirtualMachine", "web-1", "dev-team")
    subnet = cluster.get("Namespace", "dev-team")["metadata"]["annotations"]["ncp/subnet"]
    assert got["status"]["network"]["primaryIP4"].rsplit(".", 1)[0] == subnet.rsplit(".", 1)[0]
    assert conditions(got)["VirtualMachineTools"][:2] == ("True", "VirtualMachineToolsRunning")
    events = [
        e for e in cluster.list("Event", namespace="dev-team") if e["involvedObject"]["name"] == "web-1"
    ]
    assert [(e["type"], e["reason"], e["message"]) for e in events] == [
        ("Normal", "CreateSuccess", "Create success")
    ]
    row = run(cluster, "kubectl get vm web-1 -n dev-team -o wide").splitlines()[1].split()
    assert (
        row[1] == "PoweredOn"
        and row[3] == "best-effort-small"
        and row[5] == got["status"]["network"]["primaryIP4"]
    )


def test_power_off_and_on_again(cluster):
    cluster.create(vm())
    cluster.advance(BOOT_SECONDS + 1)
    off = cluster.get("VirtualMachine", "web-1", "dev-team")
    off["spec"]["powerState"] = "PoweredOff"
    cluster.api.update(off)
    cluster.settle()
    got = cluster.get("VirtualMachine", "web-1", "dev-team")
    assert got["status"]["powerState"] == "PoweredOff"
    assert "network" not in got["status"]
    assert conditions(got)["VirtualMachineTools"][:2] == ("False", "VirtualMachineToolsNotRunning")
    got["spec"]["powerState"] = "PoweredOn"
    cluster.api.update(got)
    cluster.advance(BOOT_SECONDS + 1)
    again = cluster.get("VirtualMachine", "web-1", "dev-team")
    assert again["status"]["powerState"] == "PoweredOn" and again["status"]["network"]["primaryIP4"]
    assert again["status"]["uniqueID"] == got["status"]["uniqueID"]  # the same VM, not a new one


def test_unknown_class_and_image_in_upstreams_words(cluster):
    """vm-operator's GetVirtualMachineClass and GetVirtualMachineImageSpecAndStatus
    (pkg/providers/vsphere/vmprovider_vm_utils.go): NotFound, with the API server's message
    for a class and "no VM image exists ..." for an image named without its kind."""
    cluster.create(vm(name="a", class_name="best-effort-huge"))
    cluster.create(vm(name="b", image="windows-2025"))
    cluster.settle()
    a = cluster.get("VirtualMachine", "a", "dev-team")
    assert conditions(a) == {
        "VirtualMachineClassReady": (
            "False",
            "NotFound",
            'virtualmachineclasses.vmoperator.vmware.com "best-effort-huge" not found',
        )
    }
    assert "powerState" not in a["status"]
    b = cluster.get("VirtualMachine", "b", "dev-team")
    assert conditions(b)["VirtualMachineImageReady"] == (
        "False",
        "NotFound",
        'no VM image exists for "windows-2025" in namespace or cluster scope',
    )
    warnings = {e["reason"] for e in cluster.list("Event", namespace="dev-team") if e["type"] == "Warning"}
    assert warnings == {"CreateFailure"}
    # The class appears (the admin binds it to the namespace): the VM is created.
    cluster.create(
        {
            "apiVersion": "vmoperator.vmware.com/v1alpha5",
            "kind": "VirtualMachineClass",
            "metadata": {"name": "best-effort-huge", "namespace": "dev-team"},
            "spec": {"hardware": {"cpus": 16, "memory": "64Gi"}},
        }
    )
    cluster.settle()
    assert conditions(cluster.get("VirtualMachine", "a", "dev-team"))["VirtualMachineCreated"][0] == "True"


def test_schema_refuses_a_power_state_upstream_does_not_know(cluster):
    with pytest.raises(ApiError) as error:
        cluster.create(vm(power="Running"))
    assert 'spec.powerState: Unsupported value: "Running"' in str(error.value)


def test_a_virtualmachineservice_gets_a_load_balancer_and_endpoints(cluster):
    """vm-operator's VirtualMachineService controller: a Service of the same name without
    a selector, Endpoints with the selected VMs' addresses, the load balancer's address
    copied into the VirtualMachineService's status."""
    cluster.create(vm(name="web-1"))
    cluster.create(vm(name="web-2"))
    cluster.create(vm(name="db", labels={"app": "db"}))
    cluster.create(
        {
            "apiVersion": "vmoperator.vmware.com/v1alpha5",
            "kind": "VirtualMachineService",
            "metadata": {"name": "web", "namespace": "dev-team"},
            "spec": {
                "type": "LoadBalancer",
                "selector": {"app": "web"},
                "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}],
            },
        }
    )
    cluster.advance(BOOT_SECONDS + 1)
    svc = cluster.get("Service", "web", "dev-team")
    assert svc["spec"]["type"] == "LoadBalancer" and "selector" not in svc["spec"]
    assert svc["metadata"]["ownerReferences"][0]["kind"] == "VirtualMachineService"
    ingress = svc["status"]["loadBalancer"]["ingress"][0]["ip"]
    vmsvc = cluster.get("VirtualMachineService", "web", "dev-team")
    assert vmsvc["status"]["loadBalancer"]["ingress"][0]["ip"] == ingress
    endpoints = cluster.get("Endpoints", "web", "dev-team")
    ips = {a["ip"] for a in endpoints["subsets"][0]["addresses"]}
    web_ips = {
        cluster.get("VirtualMachine", n, "dev-team")["status"]["network"]["primaryIP4"]
        for n in ("web-1", "web-2")
    }
    assert ips == web_ips
    assert endpoints["subsets"][0]["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    # Deleting the VirtualMachineService takes its Service with it (owner reference).
    cluster.delete("VirtualMachineService", "web", "dev-team")
    cluster.settle()
    assert not [s for s in cluster.list("Service", namespace="dev-team") if s["metadata"]["name"] == "web"]


def test_the_operator_state_survives_save_and_load(cluster):
    cluster.create(vm())
    cluster.advance(5)
    loaded = Cluster.from_dict(cluster.to_dict())
    loaded.advance(BOOT_SECONDS)
    assert loaded.get("VirtualMachine", "web-1", "dev-team")["status"]["network"]["primaryIP4"]


def claim(name: str, size: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "dev-team"},
        "spec": {
            "storageClassName": "vsan-default-storage-policy",
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": size}},
        },
    }


def test_the_vsphere_namespace_storage_quota_counts_claims_per_storage_class(cluster):
    """The vSphere Namespace's storage limit is a ResourceQuota per StorageClass; the quota
    evaluator charges claims to requests.storage and <class>.storageclass.storage.k8s.io/
    requests.storage (kubernetes pkg/quota/v1/evaluator/core/persistent_volume_claims.go),
    and the admission refuses a claim that would go over it, in upstream's words."""
    cluster.create(claim("data", "150Gi"))
    cluster.settle()
    used = cluster.get("ResourceQuota", "dev-team-storagequota", "dev-team")["status"]["used"]
    assert used == {
        "requests.storage": "150Gi",
        "vsan-default-storage-policy.storageclass.storage.k8s.io/requests.storage": "150Gi",
    }
    with pytest.raises(ApiError) as refused:
        cluster.create(claim("more", "60Gi"))
    assert refused.value.code == 403
    assert (
        "exceeded quota: dev-team-storagequota, requested: requests.storage=60Gi,"
        "vsan-default-storage-policy.storageclass.storage.k8s.io/requests.storage=60Gi, "
        "used: requests.storage=150Gi,vsan-default-storage-policy.storageclass.storage.k8s.io/requests.storage=150Gi, "
        "limited: requests.storage=200Gi,vsan-default-storage-policy.storageclass.storage.k8s.io/requests.storage=200Gi"
    ) in refused.value.message


def test_images_by_kind_and_an_image_that_is_not_ready(cluster):
    """spec.image with a kind looks only there (GetVirtualMachineImageSpecAndStatus: the
    kind's not-found message); an image whose Ready condition is not True leaves the VM
    with VirtualMachineImageReady False, reason NotReady."""
    photon = vm_service.image_name("photon-5.0-x86_64")
    shared = vm(name="shared")
    shared["spec"]["image"] = {"kind": "ClusterVirtualMachineImage", "name": photon}
    del shared["spec"]["imageName"]
    wrong_kind = vm(name="wrong-kind")
    wrong_kind["spec"]["image"] = {"kind": "VirtualMachineImage", "name": photon}
    del wrong_kind["spec"]["imageName"]
    cluster.create(shared)
    cluster.create(wrong_kind)
    cluster.settle()
    assert (
        conditions(cluster.get("VirtualMachine", "shared", "dev-team"))["VirtualMachineCreated"][0] == "True"
    )
    assert conditions(cluster.get("VirtualMachine", "wrong-kind", "dev-team"))[
        "VirtualMachineImageReady"
    ] == (
        "False",
        "NotFound",
        f'virtualmachineimages.vmoperator.vmware.com "{photon}" not found',
    )
    image = cluster.get("VirtualMachineImage", vm_service.image_name(UBUNTU), "dev-team")
    image["status"]["conditions"][0]["status"] = "False"
    cluster.api.update(image, subresource="status")
    cluster.create(vm(name="waits"))
    cluster.settle()
    assert conditions(cluster.get("VirtualMachine", "waits", "dev-team"))["VirtualMachineImageReady"] == (
        "False",
        "NotReady",
        "VirtualMachineImage is not ready",
    )
