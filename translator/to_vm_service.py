"""Run a VM as a VM on the Supervisor: VM Service objects (vmoperator.vmware.com/v1alpha5).

v1alpha5 is the API version of VM Service in vCenter 9.1 (VCF 9.1): vm-operator's
release/vc-9.1.0 branch serves it, and Broadcom's VM Service API reference
(developer.broadcom.com/xapis/vm-service) documents it. The field names below follow
vm-operator's api/v1alpha5 types (VirtualMachineSpec, VirtualMachineClassSpec,
VirtualMachineServiceSpec, VirtualMachineBootstrapSpec).

Out: a VirtualMachineClass that fits the CPU and memory, a VirtualMachineImage standing
for the content library item made from this OVF, a claim per extra disk (the storage
class named after the storage policy), a Secret with cloud-init user data or the vApp
properties, the VirtualMachine, and a VirtualMachineService for its ports.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from translator import to_workload
from translator.model import Machine, Source, data_key, dns_name, gib, storage_class_name

API_VERSION = "vmoperator.vmware.com/v1alpha5"
DEFAULT_STORAGE_CLASS = "vsan-default-storage-policy"
# The default VM classes a Supervisor offers (best-effort-* and guaranteed-*): vCPUs, GiB.
CLASS_SIZES = (
    ("xsmall", 2, 2),
    ("small", 2, 4),
    ("medium", 2, 8),
    ("large", 4, 16),
    ("xlarge", 4, 32),
    ("2xlarge", 8, 64),
    ("4xlarge", 16, 128),
    ("8xlarge", 32, 128),
)


@dataclass
class Plan:
    name: str
    vm_class: str
    class_cpus: int
    class_memory_gib: int
    image: str
    library_item: str
    storage_class: str
    bootstrap: str  # "cloudInit", "vAppConfig" or ""
    secret: str
    fits: bool  # False when the VM is bigger than the largest default class (a custom class is made)


def _hash(text: str, length: int = 17) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def plan(machine: Machine) -> Plan:
    guaranteed = machine.cpu_reservation_mhz > 0 or machine.memory_reservation_mib > 0
    memory_gib = -(-machine.memory_mib // 1024)
    size = next(((n, c, m) for n, c, m in CLASS_SIZES if c >= machine.cpus and m >= memory_gib), None)
    fits = size is not None
    if size is None:
        size = (f"custom-{machine.cpus}c{memory_gib}g", machine.cpus, memory_gib)
    boot = machine.boot_disk
    policy = boot.storage_policy if boot else ""
    bootstrap = "cloudInit" if machine.cloud_init else ("vAppConfig" if machine.properties else "")
    return Plan(
        name=machine.name,
        vm_class=f"{'guaranteed' if guaranteed else 'best-effort'}-{size[0]}",
        class_cpus=size[1],
        class_memory_gib=size[2],
        image=f"vmi-{_hash(machine.display_name + machine.guest_os)}",
        library_item=f"clitem-{_hash(machine.display_name + machine.guest_os)}",
        storage_class=storage_class_name(policy) if policy else DEFAULT_STORAGE_CLASS,
        bootstrap=bootstrap,
        secret=f"{machine.name}-{'cloud-init' if bootstrap == 'cloudInit' else 'vapp-properties'}",
        fits=fits,
    )


def claim_name(machine: Machine, disk_name: str) -> str:
    return f"{machine.name}-{disk_name}"[:63]


def translate(source: Source) -> list[dict]:
    objects: list[dict] = []
    classes: set[str] = set()
    for machine in source.machines:
        p = plan(machine)
        if p.vm_class not in classes:
            classes.add(p.vm_class)
            objects.append(_vm_class(p))
        objects.extend(_machine(machine, p, source.name))
    return objects


def _vm_class(p: Plan) -> dict:
    memory = f"{p.class_memory_gib}Gi"
    spec: dict = {"hardware": {"cpus": p.class_cpus, "memory": memory}}
    if p.vm_class.startswith("guaranteed"):
        spec["policies"] = {
            "resources": {"requests": {"cpu": f"{p.class_cpus * to_workload.CORE_MHZ}m", "memory": memory}}
        }
    return {
        "apiVersion": API_VERSION,
        "kind": "VirtualMachineClass",
        "metadata": {"name": p.vm_class},
        "spec": spec,
    }


def _machine(machine: Machine, p: Plan, vapp: str) -> list[dict]:
    labels = {"app.kubernetes.io/name": machine.name}
    if vapp:
        labels["app.kubernetes.io/part-of"] = dns_name(vapp)
    objects: list[dict] = [
        {
            "apiVersion": API_VERSION,
            "kind": "VirtualMachineImage",
            "metadata": {
                "name": p.image,
                "annotations": {"vmoperator.vmware.com/image-display-name": machine.display_name},
            },
            "spec": {
                "providerRef": {
                    "apiVersion": "imageregistry.vmware.com/v1alpha1",
                    "kind": "ContentLibraryItem",
                    "name": p.library_item,
                }
            },
        }
    ]
    volumes = []
    for disk in machine.data_disks:
        claim = claim_name(machine, disk.name)
        size = gib(disk.capacity_bytes) if disk.capacity_bytes else to_workload.ASSUMED_DISK
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": claim, "labels": labels},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "storageClassName": storage_class_name(disk.storage_policy)
                    if disk.storage_policy
                    else p.storage_class,
                    "resources": {"requests": {"storage": size}},
                },
            }
        )
        volumes.append({"name": disk.name, "persistentVolumeClaim": {"claimName": claim}})
    spec: dict = {
        "className": p.vm_class,
        "imageName": p.image,
        "storageClass": p.storage_class,
        "powerState": "PoweredOn",
    }
    if machine.guest_id:
        spec["guestID"] = machine.guest_id
    if machine.hardware_version:
        spec["minHardwareVersion"] = machine.hardware_version
    if machine.nics:
        spec["network"] = {
            "interfaces": [
                {"name": nic.name, "network": {"name": dns_name(nic.network, "network")}}
                for nic in machine.nics
            ]
        }
    if volumes:
        spec["volumes"] = volumes
    if p.bootstrap == "cloudInit":
        objects.append(_secret(p.secret, labels, {"user-data": machine.cloud_init}))
        spec["bootstrap"] = {"cloudInit": {"rawCloudConfig": {"name": p.secret, "key": "user-data"}}}
    elif p.bootstrap == "vAppConfig":
        objects.append(
            _secret(p.secret, labels, {data_key(prop.key): prop.value for prop in machine.properties})
        )
        spec["bootstrap"] = {"vAppConfig": {"rawProperties": p.secret}}
    if machine.tools:
        spec["readinessProbe"] = {"guestHeartbeat": {"thresholdStatus": "green"}}
    objects.append(
        {
            "apiVersion": API_VERSION,
            "kind": "VirtualMachine",
            "metadata": {"name": machine.name, "labels": labels},
            "spec": spec,
        }
    )
    ports = to_workload.plan(machine).ports
    objects.append(
        {
            "apiVersion": API_VERSION,
            "kind": "VirtualMachineService",
            "metadata": {"name": machine.name, "labels": labels},
            "spec": {
                "type": "ClusterIP",
                "selector": {"app.kubernetes.io/name": machine.name},
                "ports": [
                    {"name": to_workload.port_name(n)[:15], "protocol": "TCP", "port": n, "targetPort": n}
                    for n, _ in ports
                ],
            },
        }
    )
    return objects


def _secret(name: str, labels: dict, data: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "labels": labels},
        "type": "Opaque",
        "stringData": data,
    }
