"""VolumeSnapshots in the engine: the snapshot.storage.k8s.io/v1 CRDs the profiles install,
the snapshot controller (kubernetes-csi/external-snapshotter pkg/common-controller:
``createSnapshotContent``, ``getCreateSnapshotInput``, ``SetDefaultSnapshotClass``; the
sidecar's status), its errors in upstream's words, deletion by deletionPolicy, and restoring
into a new claim (external-provisioner ``getSnapshotSource``: the size check)."""

import pytest

from playground import console
from playground.engine.cluster import Cluster
from playground.engine.errors import ApiError

SNAP = "snapshot.storage.k8s.io/v1"


def run(cluster, line):
    return console.run(cluster, console.parse(line))


def claim(name, size="2Gi", ns="default", snapshot=None, storage_class=None):
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if snapshot:
        spec["dataSource"] = {
            "kind": "VolumeSnapshot",
            "apiGroup": "snapshot.storage.k8s.io",
            "name": snapshot,
        }
    if storage_class:
        spec["storageClassName"] = storage_class
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def snapshot(name="snap", pvc="data", ns="default", cls=None):
    spec = {"source": {"persistentVolumeClaimName": pvc}}
    if cls:
        spec["volumeSnapshotClassName"] = cls
    return {
        "apiVersion": SNAP,
        "kind": "VolumeSnapshot",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def events(cluster, name):
    return [
        (e["type"], e["reason"], e["message"])
        for e in cluster.list("Event", "default")
        if e["involvedObject"]["name"] == name
    ]


@pytest.fixture(scope="module")
def base():
    cluster = Cluster.new("default", seed=5)
    cluster.create(claim("data"))
    cluster.settle()
    return cluster


@pytest.fixture
def cluster(base):
    return Cluster.from_dict(base.to_dict())


@pytest.mark.parametrize(
    ("profile", "cls"), [("default", "csi-vsphere-snapclass"), ("vsphere", "volumesnapshotclass-delete")]
)
def test_profiles_install_the_crds_and_a_default_class(profile, cls):
    cluster = Cluster.new(profile, seed=1)
    listing = run(cluster, "kubectl get crd")
    for plural in ("volumesnapshots", "volumesnapshotcontents", "volumesnapshotclasses"):
        assert f"{plural}.snapshot.storage.k8s.io" in listing
    header, row = run(cluster, "kubectl get vsclass").splitlines()
    assert header.split() == ["NAME", "DRIVER", "DELETIONPOLICY", "AGE"]
    assert row.split()[:3] == [cls, "csi.vsphere.vmware.com", "Delete"]


def test_a_snapshot_of_a_bound_claim_is_ready_with_its_content(cluster):
    cluster.create(snapshot())
    cluster.settle()
    snap = cluster.get("VolumeSnapshot", "snap", "default")
    status = snap["status"]
    content_name = f"snapcontent-{snap['metadata']['uid']}"
    assert status["readyToUse"] is True
    assert status["boundVolumeSnapshotContentName"] == content_name
    assert status["restoreSize"] == "2Gi"
    assert status["creationTime"].endswith("Z")
    # The default class of the volume's driver is written into the spec, as upstream does.
    assert snap["spec"]["volumeSnapshotClassName"] == "csi-vsphere-snapclass"
    assert "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection" in snap["metadata"]["finalizers"]
    content = cluster.get("VolumeSnapshotContent", content_name, "")
    pv = cluster.get(
        "PersistentVolume", cluster.get("PersistentVolumeClaim", "data", "default")["spec"]["volumeName"], ""
    )
    assert content["spec"]["deletionPolicy"] == "Delete"
    assert content["spec"]["driver"] == "csi.vsphere.vmware.com"
    assert content["spec"]["source"] == {"volumeHandle": pv["spec"]["csi"]["volumeHandle"]}
    assert content["spec"]["volumeSnapshotRef"]["uid"] == snap["metadata"]["uid"]
    assert content["status"]["readyToUse"] is True
    assert content["status"]["restoreSize"] == 2 * 1024**3
    assert content["status"]["snapshotHandle"].startswith(pv["spec"]["csi"]["volumeHandle"] + "+")
    assert isinstance(content["status"]["creationTime"], int)
    reasons = [r for _t, r, _m in events(cluster, "snap")]
    assert reasons == ["CreatingSnapshot", "SnapshotCreated", "SnapshotReady"]
    header, row = run(cluster, "kubectl get volumesnapshot").splitlines()
    assert header.split() == [
        "NAME",
        "READYTOUSE",
        "SOURCEPVC",
        "SOURCESNAPSHOTCONTENT",
        "RESTORESIZE",
        "SNAPSHOTCLASS",
        "SNAPSHOTCONTENT",
        "CREATIONTIME",
        "AGE",
    ]
    assert row.split()[:7] == ["snap", "true", "data", "<none>", "2Gi", "csi-vsphere-snapclass", content_name]
    header, row = run(cluster, "kubectl get vsc").splitlines()
    assert header.split()[:4] == ["NAME", "READYTOUSE", "RESTORESIZE", "DELETIONPOLICY"]
    assert row.split()[:4] == [content_name, "true", str(2 * 1024**3), "Delete"]


def test_missing_claim_in_upstreams_words(cluster):
    cluster.create(snapshot(pvc="nope", cls="csi-vsphere-snapclass"))
    cluster.settle()
    status = cluster.get("VolumeSnapshot", "snap", "default")["status"]
    message = (
        "Failed to create snapshot content with error failed to get input parameters to create snapshot snap: "
        '"failed to retrieve PVC nope from the lister: \\"persistentvolumeclaim \\\\\\"nope\\\\\\" not found\\""'
    )
    assert status["readyToUse"] is False and status["error"]["message"] == message
    assert ("Warning", "SnapshotContentCreationFailed", message) in events(cluster, "snap")


def test_unbound_claim_waits_then_snapshots_once_bound(cluster):
    """external-snapshotter's ``getClaimFromVolumeSnapshot``: 'the PVC %s is not yet bound to a
    PV, will not attempt to take a snapshot' (wrapped as in its unit test snap7-6)."""
    cluster.create(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {"name": "fast"},
            "provisioner": "csi.vsphere.vmware.com",
            "volumeBindingMode": "WaitForFirstConsumer",
        }
    )
    cluster.create(claim("later", storage_class="fast"))
    cluster.create(snapshot(pvc="later"))
    cluster.settle()
    status = cluster.get("VolumeSnapshot", "snap", "default")["status"]
    assert status["error"]["message"] == (
        "Failed to create snapshot content with error failed to get input parameters to create snapshot snap: "
        '"the PVC later is not yet bound to a PV, will not attempt to take a snapshot"'
    )
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "user", "namespace": "default"},
            "spec": {
                "containers": [{"name": "c", "image": "nginx:1.27"}],
                "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "later"}}],
            },
        }
    )
    cluster.settle()
    # The claim binds; the snapshot controller sees the claim change and tries again.
    assert cluster.get("PersistentVolumeClaim", "later", "default")["status"]["phase"] == "Bound"
    assert cluster.get("VolumeSnapshot", "snap", "default")["status"]["readyToUse"] is True


def test_no_default_class_and_a_missing_class(cluster):
    cluster.delete("VolumeSnapshotClass", "csi-vsphere-snapclass", None)
    cluster.create(snapshot(name="nodefault"))
    cluster.create(snapshot(name="named", cls="gold"))
    cluster.settle()
    assert cluster.get("VolumeSnapshot", "nodefault", "default")["status"]["error"]["message"] == (
        "Failed to set default snapshot class with error cannot find default snapshot class"
    )
    assert cluster.get("VolumeSnapshot", "named", "default")["status"]["error"]["message"] == (
        "Failed to create snapshot content with error failed to get input parameters to create snapshot named: "
        '"failed to retrieve snapshot class gold from the informer: '
        '\\"volumesnapshotclass.snapshot.storage.k8s.io \\\\\\"gold\\\\\\" not found\\""'
    )


def test_schema_refuses_an_unknown_deletion_policy(cluster):
    with pytest.raises(ApiError) as err:
        cluster.create(
            {
                "apiVersion": SNAP,
                "kind": "VolumeSnapshotClass",
                "metadata": {"name": "x"},
                "driver": "csi.vsphere.vmware.com",
                "deletionPolicy": "Keep",
            }
        )
    assert 'deletionPolicy: Unsupported value: "Keep": supported values: "Delete", "Retain"' in str(err.value)


def test_restore_into_a_new_claim_and_the_size_check(cluster):
    cluster.create(snapshot())
    cluster.settle()
    cluster.create(claim("restored", size="2Gi", snapshot="snap"))
    cluster.create(claim("small", size="1Gi", snapshot="snap"))
    cluster.settle()
    restored = cluster.get("PersistentVolumeClaim", "restored", "default")
    assert restored["status"]["phase"] == "Bound" and restored["status"]["capacity"] == {"storage": "2Gi"}
    assert cluster.get("PersistentVolumeClaim", "small", "default")["status"]["phase"] == "Pending"
    assert (
        "Warning",
        "ProvisioningFailed",
        'failed to provision volume with StorageClass "standard": error getting handle for DataSource Type '
        "VolumeSnapshot by Name snap: requested volume size 1073741824 is less than the size 2147483648 "
        "for the source snapshot snap",
    ) in events(cluster, "small")


def test_a_claim_restoring_a_snapshot_not_yet_there_waits_for_it(cluster):
    cluster.create(claim("early", snapshot="snap"))
    cluster.settle()
    assert cluster.get("PersistentVolumeClaim", "early", "default")["status"]["phase"] == "Pending"
    assert any(
        m.endswith(
            'error getting snapshot snap from api server: volumesnapshots.snapshot.storage.k8s.io "snap" not found'
        )
        for _t, _r, m in events(cluster, "early")
    )
    cluster.create(snapshot())
    cluster.settle()
    assert cluster.get("PersistentVolumeClaim", "early", "default")["status"]["phase"] == "Bound"


@pytest.mark.parametrize(("policy", "kept"), [("Delete", False), ("Retain", True)])
def test_deleting_a_snapshot_follows_the_deletion_policy(cluster, policy, kept):
    cluster.create(
        {
            "apiVersion": SNAP,
            "kind": "VolumeSnapshotClass",
            "metadata": {"name": "c"},
            "driver": "csi.vsphere.vmware.com",
            "deletionPolicy": policy,
        }
    )
    cluster.create(snapshot(cls="c"))
    cluster.settle()
    content = cluster.get("VolumeSnapshot", "snap", "default")["status"]["boundVolumeSnapshotContentName"]
    cluster.delete("VolumeSnapshot", "snap", "default")
    cluster.settle()
    assert not cluster.list("VolumeSnapshot", "default")
    assert (
        bool([c for c in cluster.list("VolumeSnapshotContent") if c["metadata"]["name"] == content]) is kept
    )


def test_console_shows_the_snapshot_and_its_error(cluster):
    cluster.create(snapshot(pvc="nope"))
    cluster.settle()
    described = run(cluster, "kubectl describe volumesnapshot snap")
    assert "SetDefaultSnapshotClassFailed" in described or "SnapshotContentCreationFailed" in described
    assert "Ready To Use:  False" in described
