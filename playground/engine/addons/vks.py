"""VKS clusters: Cluster API's Cluster, ClusterClass and Machine (cluster.x-k8s.io/v1beta1),
as the vSphere Kubernetes Service on a VCF 9 Supervisor takes them, and the ClusterClass
VKS publishes in ``vmware-system-vks-public``.

Kinds, short names and printer columns follow Cluster API's api/v1beta1 types
(cluster_types.go, clusterclass_types.go, machine_types.go). A Cluster with
``spec.topology`` names a ClusterClass, a Kubernetes release and the control-plane and
worker replicas; ``controllers/capi.py`` turns it into Machines backed by VM Service
VirtualMachines in the same vSphere Namespace. The rest of a spec stays open; the ClusterClass
here is a stand-in holding only the names a Cluster refers to (its templates are VKS's own).
"""

from __future__ import annotations

from playground.engine.addons import common, vm_service
from playground.engine.text import _
from playground.engine.util import rfc3339

GROUP = "cluster.x-k8s.io"
VERSION = "v1beta1"
API_VERSION = f"{GROUP}/{VERSION}"
CLASS_NAMESPACE = "vmware-system-vks-public"
CLASS_NAME = "builtin-generic-v3.4.0"
# Kubernetes releases (VKrs) the stand-in class offers, and the node image each boots from.
RELEASES = {"v1.33.3---vmware.1-fips-vkr.1": "ubuntu-2404-amd64-v1.33.3---vmware.1-fips-vkr.1"}

_STR = {"type": "string"}
_INT = {"type": "integer", "format": "int32"}
_OPEN = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
_AGE = common.AGE
_ANNOTATIONS = {"cluster.x-k8s.io/simulated": "true"}


def _crd(kind, plural, spec, columns, short_names) -> dict:
    return common.crd(
        GROUP,
        kind,
        plural,
        "Namespaced",
        {"spec": spec, "status": _OPEN},
        required=[],
        columns=columns,
        annotations=_ANNOTATIONS,
        description=DESCRIPTIONS[kind],
        short_names=short_names,
        categories=("cluster-api",),
        status=True,
        version=VERSION,
    )


def crds() -> list[dict]:
    blocks = {"type": "object", "properties": {"cidrBlocks": {"type": "array", "items": _STR}}}
    machine_deployment = {
        "type": "object",
        "required": ["class", "name"],
        "properties": {"class": _STR, "name": _STR, "replicas": _INT},
        "x-kubernetes-preserve-unknown-fields": True,
    }
    cluster = _crd(
        "Cluster",
        "clusters",
        {
            "type": "object",
            "properties": {
                "paused": {"type": "boolean"},
                "clusterNetwork": {
                    "type": "object",
                    "properties": {
                        "apiServerPort": _INT,
                        "pods": blocks,
                        "services": blocks,
                        "serviceDomain": _STR,
                    },
                },
                "controlPlaneEndpoint": {
                    "type": "object",
                    "properties": {"host": _STR, "port": _INT},
                },
                "topology": {
                    "type": "object",
                    "required": ["class", "version"],
                    "properties": {
                        "class": _STR,
                        "classNamespace": _STR,
                        "version": _STR,
                        "controlPlane": {
                            "type": "object",
                            "properties": {"replicas": _INT},
                            "x-kubernetes-preserve-unknown-fields": True,
                        },
                        "workers": {
                            "type": "object",
                            "properties": {
                                "machineDeployments": {"type": "array", "items": machine_deployment}
                            },
                            "x-kubernetes-preserve-unknown-fields": True,
                        },
                        "variables": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name", "value"],
                                "properties": {
                                    "name": _STR,
                                    "value": {"x-kubernetes-preserve-unknown-fields": True},
                                },
                            },
                        },
                    },
                },
            },
            "x-kubernetes-preserve-unknown-fields": True,
        },
        [
            {"jsonPath": ".spec.topology.class", "name": "ClusterClass", "type": "string"},
            {"jsonPath": ".status.phase", "name": "Phase", "type": "string"},
            _AGE,
            {"jsonPath": ".spec.topology.version", "name": "Version", "type": "string"},
        ],
        ["cl"],
    )
    cluster_class = _crd("ClusterClass", "clusterclasses", _OPEN, [_AGE], ["cc"])
    machine = _crd(
        "Machine",
        "machines",
        {
            "type": "object",
            "required": ["clusterName"],
            "properties": {"clusterName": _STR, "version": _STR, "providerID": _STR},
            "x-kubernetes-preserve-unknown-fields": True,
        },
        [
            {"jsonPath": ".spec.clusterName", "name": "Cluster", "type": "string"},
            {"jsonPath": ".status.nodeRef.name", "name": "NodeName", "type": "string"},
            {"jsonPath": ".spec.providerID", "name": "ProviderID", "type": "string"},
            {"jsonPath": ".status.phase", "name": "Phase", "type": "string"},
            _AGE,
            {"jsonPath": ".spec.version", "name": "Version", "type": "string"},
        ],
        ["ma"],
    )
    return [cluster_class, cluster, machine]


DESCRIPTIONS = {  # _(): kubectl explain prints the English, the workspace shows them translated
    "Cluster": _(
        "Cluster is a whole Kubernetes cluster declared as an object: with spec.topology it names a "
        "ClusterClass, a Kubernetes version and how many control-plane and worker machines it wants."
    ),
    "ClusterClass": _(
        "ClusterClass is a reusable template for whole clusters: the control plane, "
        "infrastructure and worker machine classes a Cluster's topology refers to."
    ),
    "Machine": _(
        "Machine is one node of a Cluster API cluster; on a Supervisor each is a VM Service "
        "VirtualMachine of the same name."
    ),
}


def classes(cluster) -> list[dict]:
    """The namespace VKS publishes its ClusterClass in, the class, and the node images."""
    if cluster.options.get("profile") != "vsphere":
        return []
    images = [
        vm_service.image(display, "ubuntu64Guest", "24.04", "Cluster", rfc3339(cluster.clock))
        for display in RELEASES.values()
    ]
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": CLASS_NAMESPACE}},
        {
            "apiVersion": API_VERSION,
            "kind": "ClusterClass",
            "metadata": {"name": CLASS_NAME, "namespace": CLASS_NAMESPACE},
            "spec": {
                "controlPlane": {"machineInfrastructure": {}},
                "workers": {"machineDeployments": [{"class": "node-pool"}]},
                "variables": [
                    {"name": "vmClass", "required": True},
                    {"name": "storageClass", "required": True},
                ],
            },
        },
        *images,
    ]
