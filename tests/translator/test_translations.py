"""Both translations of every good fixture: their manifests, the engine's validation, and a
vSphere sandbox where the workload's pods reach Running and the VM Service objects are
stored (simulated) after their CustomResourceDefinitions."""

from pathlib import Path

import pytest
import yaml

from playground.engine import ApiError, Cluster
from translator import service, to_vm_service

SAMPLES = Path(__file__).parent / "samples"
GOOD = ["web01.vmx", "sql01.ovf", "lb-appliance.ovf", "orders-api.ovf", "shop-vapp.ovf", "redis-ovf2.ovf"]


def translate(name):
    return service.translate((SAMPLES / name).read_bytes(), name)


def kinds(objects):
    return [(o["kind"], o["metadata"]["name"]) for o in objects]


def test_web01_workload_manifests():
    t = translate("web01.vmx")
    assert kinds(t.workload) == [("ConfigMap", "web01-config"), ("Deployment", "web01"), ("Service", "web01")]
    container = t.workload[1]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.27"
    assert container["resources"] == {
        "requests": {"cpu": "500m", "memory": "2048Mi"},
        "limits": {"cpu": "2", "memory": "4096Mi"},
    }
    assert container["readinessProbe"]["tcpSocket"] == {"port": 80}
    assert {e["name"] for e in container["env"]} == {"APP_PORT", "APP_ENVIRONMENT"}
    assert t.workload[2]["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": 80, "protocol": "TCP"}
    ]


def test_sql01_vm_service_manifests():
    t = translate("sql01.ovf")
    assert kinds(t.vm) == [
        ("VirtualMachineClass", "guaranteed-large"),
        ("VirtualMachineImage", t.vm[1]["metadata"]["name"]),
        ("PersistentVolumeClaim", "sql01-disk-1"),
        ("PersistentVolumeClaim", "sql01-disk-2"),
        ("VirtualMachine", "sql01"),
        ("VirtualMachineService", "sql01"),
    ]
    assert all(
        o["apiVersion"] == "vmoperator.vmware.com/v1alpha5"
        for o in t.vm
        if o["kind"].startswith("VirtualMachine")
    )
    vm = t.vm[4]["spec"]
    assert vm["className"] == "guaranteed-large" and vm["storageClass"] == "vsan-default-storage-policy"
    assert vm["guestID"] == "windows2019srv_64Guest" and vm["minHardwareVersion"] == 19
    assert vm["volumes"] == [
        {"name": "disk-1", "persistentVolumeClaim": {"claimName": "sql01-disk-1"}},
        {"name": "disk-2", "persistentVolumeClaim": {"claimName": "sql01-disk-2"}},
    ]
    assert t.vm[2]["spec"]["storageClassName"] == "gold-sql-storage-policy"
    assert t.vm[2]["spec"]["resources"]["requests"]["storage"] == "200Gi"
    statefulset = next(o for o in t.workload if o["kind"] == "StatefulSet")
    assert [
        c["spec"]["resources"]["requests"]["storage"] for c in statefulset["spec"]["volumeClaimTemplates"]
    ] == ["200Gi", "50Gi"]


def test_bootstrap_cloud_init_and_vapp_properties():
    web = translate("web01.vmx")
    vm = next(o for o in web.vm if o["kind"] == "VirtualMachine")
    assert vm["spec"]["bootstrap"] == {
        "cloudInit": {"rawCloudConfig": {"name": "web01-cloud-init", "key": "user-data"}}
    }
    secret = next(o for o in web.vm if o["kind"] == "Secret")
    assert secret["stringData"]["user-data"].startswith("#cloud-config")
    api = translate("orders-api.ovf")
    vm = next(o for o in api.vm if o["kind"] == "VirtualMachine")
    assert vm["spec"]["bootstrap"] == {"vAppConfig": {"rawProperties": "orders-api-vapp-properties"}}
    workload_secret = next(o for o in api.workload if o["kind"] == "Secret")
    assert workload_secret["stringData"] == {"app.db_password": "s3cr3t-Orders"}


def test_yaml_round_trips_without_anchors():
    for name in GOOD:
        t = translate(name)
        for target in service.TARGETS:
            text = t.yaml(target)
            assert "&id" not in text and "*id" not in text
            assert [d for d in yaml.safe_load_all(text) if d] == t.objects(target)


@pytest.mark.parametrize("name", GOOD)
def test_workload_runs_in_a_vsphere_sandbox(name):
    t = translate(name)
    cluster = Cluster.new("vsphere", seed=1)
    service.apply(cluster, t, "workload")
    cluster.advance(120)
    pods = cluster.list("Pod", namespace="default")
    assert len(pods) == len(t.source.machines)
    assert {p["status"]["phase"] for p in pods} == {"Running"}
    assert all(c["ready"] for p in pods for c in p["status"]["containerStatuses"])


@pytest.mark.parametrize("name", GOOD)
def test_vm_service_objects_power_on_in_a_vsphere_sandbox(name):
    """The vSphere profile serves VM Service's kinds from the engine's own CRDs (no second
    copy is added) and its simulated VM operator powers each VM on with an address. (A
    namespace of its own: sql01's disks are more than dev-team's 200Gi storage quota.)"""
    t = translate(name)
    cluster = Cluster.new("vsphere", seed=1)
    assert cluster.api.registry.get("VirtualMachine") is not None
    done = service.apply(cluster, t, "vm", namespace="vm-team")
    assert not any("CustomResourceDefinitions" in line for line in done)
    assert any(line.startswith("virtualmachine.vmoperator.vmware.com/") for line in done)
    cluster.advance(60)
    vms = cluster.list("VirtualMachine", namespace="vm-team")
    assert sorted(v["metadata"]["name"] for v in vms) == sorted(m.name for m in t.source.machines)
    assert all(v["apiVersion"] == to_vm_service.API_VERSION for v in vms)
    assert {v["status"]["powerState"] for v in vms} == {"PoweredOn"}
    assert all(v["status"]["network"]["primaryIP4"].startswith("10.244.") for v in vms)
    claims = cluster.list("PersistentVolumeClaim", namespace="vm-team")
    assert {c["status"]["phase"] for c in claims} <= {"Bound"}


def test_the_vsphere_namespace_storage_quota_refuses_a_vm_with_too_much_disk():
    """dev-team's storage limit is 200Gi; sql01's data and log disks go over it."""
    t = translate("sql01.ovf")
    cluster = Cluster.new("vsphere", seed=1)
    with pytest.raises(ApiError, match="exceeded quota: dev-team-storagequota"):
        service.apply(cluster, t, "vm", namespace="dev-team")


@pytest.mark.parametrize("name", GOOD[:2])
def test_vm_service_objects_are_stored_in_another_sandbox(name):
    t = translate(name)
    cluster = Cluster.new("default", seed=1)
    assert cluster.api.registry.get("VirtualMachine") is None
    done = service.apply(cluster, t, "vm", namespace="team")
    assert done[0] == "VM Service's CustomResourceDefinitions added (simulated: stored, not run)"
    cluster.advance(30)
    vms = cluster.list("VirtualMachine", namespace="team")
    assert sorted(v["metadata"]["name"] for v in vms) == sorted(m.name for m in t.source.machines)
    assert all("status" not in v or not v["status"] for v in vms)
    # Applying again changes nothing and adds no second set of CRDs.
    again = service.apply(cluster, t, "vm", namespace="team")
    assert not any("CustomResourceDefinitions" in line for line in again)


def test_long_names_and_odd_property_keys_still_apply():
    """Names keep room for their suffixes within DNS-1035's 63 characters; property keys
    become valid ConfigMap keys (upstream IsConfigMapKey: [-._a-zA-Z0-9]+)."""
    text = (SAMPLES / "orders-api.ovf").read_text()
    text = text.replace(
        "<Name>orders-api</Name>",
        "<Name>" + "Orders API Server For The Very Long Department Name 2026" + "</Name>",
    )
    text = text.replace('ovf:key="app.log_level"', 'ovf:key="app log/level"')
    t = service.translate(text.encode(), "long.ovf")
    names = [o["metadata"]["name"] for o in t.workload + t.vm]
    assert max(len(n) for n in names) <= 63
    config = next(o for o in t.workload if o["kind"] == "ConfigMap")
    assert "app_log_level" in config["data"]
    for target in service.TARGETS:
        cluster = Cluster.new("vsphere", seed=1)
        service.apply(cluster, t, target)
    cluster.advance(60)
