"""Growing a claim as upstream does: ValidatePersistentVolumeClaimUpdate (pkg/apis/core/
validation: the spec frozen but for a bound claim's storage request; a request lowered again
never to status.capacity or below, RecoverVolumeExpansionFailure), the PersistentVolumeClaimResize
admission plugin (plugin/pkg/admission/storage/persistentvolume/resize: only a dynamically
provisioned claim whose StorageClass allows expansion), kube-controller-manager's volume_expand
(ExternalExpanding), the CSI external-resizer (Resizing, FileSystemResizeRequired,
allocatedResources/allocatedResourceStatuses) and the kubelet's online NodeExpandVolume
(FileSystemResizeSuccessful), with the claim FileSystemResizePending until a pod mounts it."""

import copy

import pytest

from playground import console
from playground.engine.cluster import Cluster
from playground.engine.errors import ApiError


def run(cluster, line):
    return console.run(cluster, console.parse(line))


def claim(name="data", size="1Gi", storage_class=None):
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if storage_class:
        spec["storageClassName"] = storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def pod_using(claim_name="data"):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "db", "namespace": "default"},
        "spec": {
            "containers": [
                {"name": "db", "image": "nginx:1.27", "volumeMounts": [{"name": "d", "mountPath": "/d"}]}
            ],
            "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim_name}}],
        },
    }


def resized(cluster, size, name="data"):
    pvc = copy.deepcopy(cluster.get("PersistentVolumeClaim", name, "default"))
    pvc["spec"]["resources"]["requests"]["storage"] = size
    return cluster.replace(pvc)


def reasons(cluster, name="data"):
    return [e["reason"] for e in cluster.list("Event", "default") if e["involvedObject"]["name"] == name]


@pytest.fixture(scope="module")
def base():
    cluster = Cluster.new("default", seed=3)
    cluster.create(claim())
    cluster.settle()
    assert cluster.get("PersistentVolumeClaim", "data", "default")["status"]["phase"] == "Bound"
    return cluster


@pytest.fixture
def cluster(base):
    return Cluster.from_dict(base.to_dict())


def test_a_claim_mounted_by_a_running_pod_grows_online(cluster):
    cluster.create(pod_using())
    cluster.settle()
    resized(cluster, "5Gi")
    cluster.settle()
    pvc = cluster.get("PersistentVolumeClaim", "data", "default")
    pv = cluster.get("PersistentVolume", pvc["spec"]["volumeName"], "")
    assert pv["spec"]["capacity"]["storage"] == "5Gi"
    assert pvc["status"]["capacity"]["storage"] == "5Gi"
    assert pvc["status"]["allocatedResources"] == {"storage": "5Gi"}
    assert "conditions" not in pvc["status"] and "allocatedResourceStatuses" not in pvc["status"]
    seen = reasons(cluster)
    assert seen[-4:] == [
        "ExternalExpanding",
        "Resizing",
        "FileSystemResizeRequired",
        "FileSystemResizeSuccessful",
    ]
    assert "CAPACITY" in run(cluster, "kubectl get pvc data") and "5Gi" in run(
        cluster, "kubectl get pvc data"
    )


def test_without_a_pod_the_file_system_waits_for_one(cluster):
    resized(cluster, "3Gi")
    cluster.settle()
    pvc = cluster.get("PersistentVolumeClaim", "data", "default")
    # The volume grew; the claim's capacity waits for the node side.
    assert (
        cluster.get("PersistentVolume", pvc["spec"]["volumeName"], "")["spec"]["capacity"]["storage"] == "3Gi"
    )
    assert pvc["status"]["capacity"]["storage"] == "1Gi"
    assert pvc["status"]["allocatedResourceStatuses"] == {"storage": "NodeResizePending"}
    [condition] = pvc["status"]["conditions"]
    assert condition["type"] == "FileSystemResizePending" and condition["status"] == "True"
    assert (
        condition["message"]
        == "Waiting for user to (re-)start a pod to finish file system resize of volume on node."
    )
    assert "FileSystemResizeSuccessful" not in reasons(cluster)
    # A pod that mounts it finishes the resize.
    cluster.create(pod_using())
    cluster.settle()
    pvc = cluster.get("PersistentVolumeClaim", "data", "default")
    assert pvc["status"]["capacity"]["storage"] == "3Gi"
    assert "conditions" not in pvc["status"]
    assert reasons(cluster)[-1] == "FileSystemResizeSuccessful"


def test_a_claim_cannot_shrink_to_its_capacity(cluster):
    with pytest.raises(ApiError) as refused:
        resized(cluster, "512Mi")
    assert refused.value.code == 422
    assert refused.value.message == (
        'PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: '
        "Forbidden: field can not be less than status.capacity"
    )
    # The same size in other units is no change at all.
    resized(cluster, "1024Mi")


def test_the_rest_of_the_spec_is_frozen(cluster):
    pvc = copy.deepcopy(cluster.get("PersistentVolumeClaim", "data", "default"))
    pvc["spec"]["accessModes"] = ["ReadWriteMany"]
    with pytest.raises(ApiError) as refused:
        cluster.replace(pvc)
    assert refused.value.message == (
        'PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation '
        "except resources.requests and volumeAttributesClassName for bound claims"
    )


def test_an_unbound_claim_cannot_change_its_request():
    cluster = Cluster.new("default", seed=3)
    cluster.create(claim("later", storage_class="missing"))
    cluster.settle()
    with pytest.raises(ApiError) as refused:
        resized(cluster, "2Gi", name="later")
    assert "spec: Forbidden: spec is immutable after creation" in refused.value.message


def test_a_class_without_allow_volume_expansion_refuses_to_grow(cluster):
    cluster.create(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "fixed"},
            "provisioner": "csi.vsphere.vmware.com",
        }
    )
    cluster.create(claim("fixed-data", storage_class="fixed"))
    cluster.settle()
    with pytest.raises(ApiError) as refused:
        resized(cluster, "2Gi", name="fixed-data")
    assert refused.value.code == 403
    assert refused.value.message == (
        'persistentvolumeclaims "fixed-data" is forbidden: only dynamically provisioned pvc can be '
        "resized and the storageclass that provisions the pvc must support resize"
    )
    pvc = cluster.get("PersistentVolumeClaim", "fixed-data", "default")
    assert pvc["spec"]["resources"]["requests"]["storage"] == "1Gi"


def test_growing_is_charged_to_the_namespace_quota(cluster):
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "storage", "namespace": "default"},
            "spec": {"hard": {"requests.storage": "4Gi"}},
        }
    )
    cluster.settle()
    with pytest.raises(ApiError) as refused:
        resized(cluster, "8Gi")
    assert refused.value.code == 403
    assert "exceeded quota: storage, requested: requests.storage=7Gi" in refused.value.message
    resized(cluster, "4Gi")


def test_a_data_source_in_the_core_group_can_only_be_a_claim(cluster):
    """validateDataSource: a VolumeSnapshot named without its apiGroup is refused."""
    bad = claim("restored")
    bad["spec"]["dataSource"] = {"kind": "VolumeSnapshot", "name": "snap"}
    with pytest.raises(ApiError) as refused:
        cluster.create(bad)
    assert refused.value.message == (
        'PersistentVolumeClaim "restored" is invalid: [spec.dataSource: Invalid value: "VolumeSnapshot": '
        "must be 'PersistentVolumeClaim' when referencing the default apiGroup, spec.dataSourceRef: "
        "Invalid value: \"VolumeSnapshot\": must be 'PersistentVolumeClaim' when referencing the default apiGroup]"
    )
    assert [c["metadata"]["name"] for c in cluster.list("PersistentVolumeClaim", "default")] == ["data"]


def test_the_two_data_source_fields_are_made_one_on_create(cluster):
    """normalizeDataSources (PrepareForCreate): dataSource is copied into dataSourceRef."""
    clone = claim("clone")
    clone["spec"]["dataSource"] = {"kind": "PersistentVolumeClaim", "name": "data"}
    created = cluster.create(clone)
    assert created["spec"]["dataSourceRef"] == {"kind": "PersistentVolumeClaim", "name": "data"}
    mismatched = claim("odd")
    mismatched["spec"]["dataSource"] = {"kind": "PersistentVolumeClaim", "name": "data"}
    mismatched["spec"]["dataSourceRef"] = {"kind": "PersistentVolumeClaim", "name": "other"}
    with pytest.raises(ApiError) as refused:
        cluster.create(mismatched)
    assert (
        "spec.dataSource: Invalid value" in refused.value.message
        and "must match dataSourceRef" in refused.value.message
    )
