"""VM Service (vmoperator.vmware.com/v1alpha5), as the vSphere Supervisor serves it: the
VirtualMachine, VirtualMachineClass, VirtualMachineImage, ClusterVirtualMachineImage and
VirtualMachineService CRDs, and what a vSphere Namespace offers a DevOps user on day one.

Kinds, scopes, short names and printer columns follow vm-operator's api/v1alpha5 types
(virtualmachine_types.go, virtualmachineclass_types.go, virtualmachineimage_types.go,
virtualmachineservice_types.go): v1alpha5 is the version vCenter 9.1 serves. The spec fields
a learner writes are typed (enums and minimums as the kubebuilder markers say); the rest of
a spec, and the status the VM operator writes, are kept open.

``classes(cluster)`` (vSphere profile only) binds the default VM classes to the profile's
vSphere Namespace ``dev-team`` (best-effort-* and guaranteed-*, the sizes VCF documents:
vCPUs and GiB of memory, guaranteed classes reserving all of both) and publishes images from
a content library: namespaced VirtualMachineImages in dev-team (a library bound to the
namespace) and a ClusterVirtualMachineImage (a library shared with every namespace).
The simulated VM operator is ``controllers/vmoperator.py``.
"""

from __future__ import annotations

import hashlib

from playground.engine.addons import common
from playground.engine.text import _
from playground.engine.util import rfc3339

GROUP = "vmoperator.vmware.com"
VERSION = "v1alpha5"
API_VERSION = f"{GROUP}/{VERSION}"
NAMESPACE = "dev-team"  # the profile's vSphere Namespace

# VCF's default VM classes: name suffix -> (vCPUs, memory GiB).
CLASS_SIZES = {
    "xsmall": (2, 2),
    "small": (2, 4),
    "medium": (2, 8),
    "large": (4, 16),
    "xlarge": (4, 32),
}
BOUND_CLASSES = (
    "best-effort-xsmall",
    "best-effort-small",
    "best-effort-medium",
    "best-effort-large",
    "guaranteed-small",
    "guaranteed-medium",
    "guaranteed-large",
)
# Content library items published as images: (display name, OS type, OS version, scope).
IMAGES = (
    ("ubuntu-24.04-server-cloudimg-amd64", "ubuntu64Guest", "24.04", "Namespaced"),
    ("rocky-9.5-x86_64-cloudimg", "rockylinux_64Guest", "9.5", "Namespaced"),
    ("photon-5.0-x86_64", "vmwarePhoton64Guest", "5.0", "Cluster"),
)

_STR = {"type": "string"}
_INT = {"type": "integer"}
_OPEN = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
_POWER_MODE = {"type": "string", "enum": ["Hard", "Soft", "TrySoft"], "default": "TrySoft"}
_AGE = common.AGE
_STATUS = {"status": _OPEN}
_ANNOTATIONS = {"vmoperator.vmware.com/simulated": "true"}


def image_name(display_name: str) -> str:
    """vm-operator names an image ``vmi-`` and 17 hex digits derived from its library item."""
    return "vmi-" + hashlib.sha256(display_name.encode()).hexdigest()[:17]


def _crd(kind, plural, scope, spec, columns, short_names, required=()) -> dict:
    spec_schema = {"type": "object", "properties": spec, "x-kubernetes-preserve-unknown-fields": True}
    if required:
        spec_schema["required"] = list(required)
    return common.crd(
        GROUP,
        kind,
        plural,
        scope,
        {"spec": spec_schema, **_STATUS},
        required=[],
        columns=columns,
        annotations=_ANNOTATIONS,
        description=DESCRIPTIONS[kind],
        short_names=short_names,
        categories=("vmoperator",),
        status=True,
        version=VERSION,
    )


def crds() -> list[dict]:
    quantity = {"x-kubernetes-int-or-string": True}
    resources = {"type": "object", "properties": {"cpu": quantity, "memory": quantity}}
    vm = _crd(
        "VirtualMachine",
        "virtualmachines",
        "Namespaced",
        {
            "className": _STR,
            "imageName": _STR,
            "image": {
                "type": "object",
                "required": ["kind", "name"],
                "properties": {
                    "kind": {"type": "string", "enum": ["VirtualMachineImage", "ClusterVirtualMachineImage"]},
                    "name": _STR,
                },
            },
            "storageClass": _STR,
            "powerState": {"type": "string", "enum": ["PoweredOff", "PoweredOn", "Suspended"]},
            "powerOffMode": _POWER_MODE,
            "suspendMode": _POWER_MODE,
            "restartMode": _POWER_MODE,
            "nextRestartTime": _STR,
            "guestID": _STR,
            "minHardwareVersion": {"type": "integer", "minimum": 13},
            "bootstrap": _OPEN,
            "network": _OPEN,
            "volumes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": _STR},
                    "x-kubernetes-preserve-unknown-fields": True,
                },
            },
            "readinessProbe": _OPEN,
            "advanced": _OPEN,
        },
        [
            {"jsonPath": ".status.powerState", "name": "Power-State", "type": "string"},
            {"jsonPath": ".spec.className", "name": "Class", "priority": 1, "type": "string"},
            {"jsonPath": ".spec.image.name", "name": "Image", "priority": 1, "type": "string"},
            {
                "jsonPath": ".status.network.primaryIP4",
                "name": "Primary-IP4",
                "priority": 1,
                "type": "string",
            },
            _AGE,
        ],
        ["vm"],
    )
    vm_class = _crd(
        "VirtualMachineClass",
        "virtualmachineclasses",
        "Namespaced",
        {
            "controllerName": _STR,
            "description": _STR,
            "hardware": {
                "type": "object",
                "properties": {"cpus": {"type": "integer", "format": "int64"}, "memory": quantity},
                "x-kubernetes-preserve-unknown-fields": True,
            },
            "policies": {
                "type": "object",
                "properties": {
                    "resources": {
                        "type": "object",
                        "properties": {"requests": resources, "limits": resources},
                    }
                },
            },
            "configSpec": _OPEN,
        },
        [
            {"jsonPath": ".spec.hardware.cpus", "name": "CPU", "type": "string"},
            {"jsonPath": ".spec.hardware.memory", "name": "Memory", "type": "string"},
            {"jsonPath": ".status.capabilities", "name": "Capabilities", "priority": 1, "type": "string"},
        ],
        ["vmclass"],
    )
    image_spec = {
        "providerRef": {
            "type": "object",
            "properties": {"apiVersion": _STR, "kind": _STR, "name": _STR},
        }
    }
    image_columns = [
        {"jsonPath": ".status.name", "name": "Display Name", "type": "string"},
        {"jsonPath": ".status.type", "name": "Type", "type": "string"},
        {"jsonPath": ".status.productInfo.version", "name": "Image Version", "type": "string"},
        {"jsonPath": ".status.osInfo.type", "name": "OS Name", "type": "string"},
        {"jsonPath": ".status.osInfo.version", "name": "OS Version", "type": "string"},
        {"jsonPath": ".status.hardwareVersion", "name": "Hardware Version", "type": "string"},
    ]
    image = _crd(
        "VirtualMachineImage",
        "virtualmachineimages",
        "Namespaced",
        image_spec,
        [*image_columns, {"jsonPath": ".status.capabilities", "name": "Capabilities", "type": "string"}],
        ["vmi", "vmimage"],
    )
    cluster_image = _crd(
        "ClusterVirtualMachineImage",
        "clustervirtualmachineimages",
        "Cluster",
        image_spec,
        image_columns,
        ["cvmi", "cvmimage", "clustervmi", "clustervmimage"],
    )
    port = {
        "type": "object",
        "required": ["name", "port", "protocol", "targetPort"],
        "properties": {"name": _STR, "protocol": _STR, "port": _INT, "targetPort": _INT},
    }
    service = _crd(
        "VirtualMachineService",
        "virtualmachineservices",
        "Namespaced",
        {
            "type": {"type": "string", "enum": ["ClusterIP", "LoadBalancer", "ExternalName"]},
            "ports": {"type": "array", "items": port},
            "selector": {"type": "object", "additionalProperties": _STR},
            "loadBalancerIP": _STR,
            "loadBalancerSourceRanges": {"type": "array", "items": _STR},
            "clusterIP": _STR,
            "externalName": _STR,
        },
        [
            {"jsonPath": ".spec.type", "name": "Type", "type": "string"},
            _AGE,
        ],
        ["vmservice"],
        required=["type"],
    )
    return [vm_class, image, cluster_image, vm, service]


DESCRIPTIONS = {  # _(): kubectl explain prints the English, the workspace shows them translated
    "VirtualMachine": _(
        "VirtualMachine is a vSphere VM declared in a vSphere Namespace: its class (CPU and "
        "memory), its image (from a content library), its storage class and power state. VM Service creates it."
    ),
    "VirtualMachineClass": _(
        "VirtualMachineClass is a VM size bound to the namespace by the vSphere admin: "
        "virtual CPUs, memory and, for guaranteed classes, reservations."
    ),
    "VirtualMachineImage": _(
        "VirtualMachineImage is a VM template (an OVF or ISO) published from a content "
        "library associated with this namespace."
    ),
    "ClusterVirtualMachineImage": _(
        "ClusterVirtualMachineImage is a VM template from a content library "
        "shared with every namespace of the Supervisor."
    ),
    "VirtualMachineService": _(
        "VirtualMachineService gives VirtualMachines selected by label a Service: "
        "a cluster address or, with type LoadBalancer, an address from the Supervisor's load balancer."
    ),
}


def _vm_class(name: str) -> dict:
    guaranteed = name.startswith("guaranteed-")
    cpus, memory = CLASS_SIZES[name.rpartition("-")[2]]
    spec: dict = {
        "controllerName": "vmoperator.vmware.com/vsphere",
        "description": f"{'Guaranteed' if guaranteed else 'Best effort'} {name.rpartition('-')[2]} VM class",
        "hardware": {"cpus": cpus, "memory": f"{memory}Gi"},
    }
    if guaranteed:
        spec["policies"] = {
            "resources": {
                "requests": {"cpu": str(cpus), "memory": f"{memory}Gi"},
                "limits": {"cpu": str(cpus), "memory": f"{memory}Gi"},
            }
        }
    return {
        "apiVersion": API_VERSION,
        "kind": "VirtualMachineClass",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": spec,
        "status": {"ready": True},
    }


def image(display: str, os_type: str, os_version: str, scope: str, now: str) -> dict:
    name = image_name(display)
    item = "clitem-" + name[4:]
    metadata: dict = {
        "name": name,
        # The labels vm-operator adds from an image's status (api/v1alpha5 image types).
        "labels": {
            f"os.image.{GROUP}/type": os_type,
            f"os.image.{GROUP}/version": os_version,
            f"capability.image.{GROUP}/cloud-init": "",
            f"image.{GROUP}/type": "OVF",
        },
    }
    kind = "ClusterVirtualMachineImage" if scope == "Cluster" else "VirtualMachineImage"
    if scope != "Cluster":
        metadata["namespace"] = NAMESPACE
    return {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": metadata,
        "spec": {
            "providerRef": {
                "apiVersion": "imageregistry.vmware.com/v1alpha1",
                "kind": "ClusterContentLibraryItem" if scope == "Cluster" else "ContentLibraryItem",
                "name": item,
            }
        },
        "status": {
            "name": display,
            "type": "OVF",
            "capabilities": ["cloud-init"],
            "firmware": "efi",
            "hardwareVersion": 21,
            "osInfo": {"type": os_type, "version": os_version},
            "productInfo": {"version": os_version},
            "providerContentVersion": "1",
            "providerItemID": item,
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "True",
                    "message": "",
                    "lastTransitionTime": now,
                }
            ],
        },
    }


def classes(cluster) -> list[dict]:
    """The VM classes and images of the profile's vSphere Namespace (vSphere profile only);
    their status is written after they are created."""
    if cluster.options.get("profile") != "vsphere":
        return []
    now = rfc3339(cluster.clock)
    return [_vm_class(name) for name in BOUND_CLASSES] + [image(*item, now) for item in IMAGES]
