"""Volume snapshots (snapshot.storage.k8s.io/v1), as kubernetes-csi/external-snapshotter
v8 ships them in ``client/config/crd``: VolumeSnapshotClass, VolumeSnapshot and
VolumeSnapshotContent with their short names and printer columns, the fields the snapshot
controller reads validated (deletionPolicy's enum, a source, the content's
volumeSnapshotRef), and a default VolumeSnapshotClass for the profile's CSI driver
(csi.vsphere.vmware.com: the vSphere CSI driver supports CSI snapshots; the Supervisor
creates ``volumesnapshotclass-delete``).
"""

from __future__ import annotations

from playground.engine.addons import common
from playground.engine.text import _

GROUP = "snapshot.storage.k8s.io"
DEFAULT_CLASS = "snapshot.storage.kubernetes.io/is-default-class"
DRIVER = "csi.vsphere.vmware.com"

_STR = {"type": "string"}
_POLICY = {"type": "string", "enum": ["Delete", "Retain"]}
_ERROR = {
    "type": "object",
    "properties": {"message": _STR, "time": {"type": "string", "format": "date-time"}},
}
_AGE = common.AGE


def _crd(
    kind: str,
    plural: str,
    scope: str,
    properties: dict,
    required: list[str],
    columns: list[dict],
    short_names: list[str],
    status: bool,
) -> dict:
    return common.crd(
        GROUP,
        kind,
        plural,
        scope,
        properties,
        required=required,
        columns=columns,
        annotations={
            "api-approved.kubernetes.io": "https://github.com/kubernetes-csi/external-snapshotter/pull/814"
        },
        description=DESCRIPTIONS[kind],
        short_names=short_names,
        status=status,
    )


def crds() -> list[dict]:
    snapshot_class = _crd(
        "VolumeSnapshotClass",
        "volumesnapshotclasses",
        "Cluster",
        {
            "driver": _STR,
            "deletionPolicy": _POLICY,
            "parameters": {"type": "object", "additionalProperties": _STR},
        },
        ["deletionPolicy", "driver"],
        [
            {"jsonPath": ".driver", "name": "Driver", "type": "string"},
            {
                "description": "Determines whether a VolumeSnapshotContent created through the VolumeSnapshotClass should be deleted when its bound VolumeSnapshot is deleted.",
                "jsonPath": ".deletionPolicy",
                "name": "DeletionPolicy",
                "type": "string",
            },
            _AGE,
        ],
        ["vsclass", "vsclasses"],
        status=False,
    )
    snapshot = _crd(
        "VolumeSnapshot",
        "volumesnapshots",
        "Namespaced",
        {
            "spec": {
                "type": "object",
                "required": ["source"],
                "properties": {
                    "source": {
                        "type": "object",
                        "properties": {"persistentVolumeClaimName": _STR, "volumeSnapshotContentName": _STR},
                    },
                    "volumeSnapshotClassName": _STR,
                },
            },
            "status": {
                "type": "object",
                "properties": {
                    "boundVolumeSnapshotContentName": _STR,
                    "creationTime": {"type": "string", "format": "date-time"},
                    "error": _ERROR,
                    "readyToUse": {"type": "boolean"},
                    "restoreSize": {"type": "string"},
                    "volumeGroupSnapshotName": _STR,
                },
            },
        },
        ["spec"],
        [
            {"jsonPath": ".status.readyToUse", "name": "ReadyToUse", "type": "boolean"},
            {"jsonPath": ".spec.source.persistentVolumeClaimName", "name": "SourcePVC", "type": "string"},
            {
                "jsonPath": ".spec.source.volumeSnapshotContentName",
                "name": "SourceSnapshotContent",
                "type": "string",
            },
            {"jsonPath": ".status.restoreSize", "name": "RestoreSize", "type": "string"},
            {"jsonPath": ".spec.volumeSnapshotClassName", "name": "SnapshotClass", "type": "string"},
            {
                "jsonPath": ".status.boundVolumeSnapshotContentName",
                "name": "SnapshotContent",
                "type": "string",
            },
            {"jsonPath": ".status.creationTime", "name": "CreationTime", "type": "date"},
            _AGE,
        ],
        ["vs"],
        status=True,
    )
    ref = {
        "type": "object",
        "properties": {
            k: _STR
            for k in ("apiVersion", "fieldPath", "kind", "name", "namespace", "resourceVersion", "uid")
        },
    }
    content = _crd(
        "VolumeSnapshotContent",
        "volumesnapshotcontents",
        "Cluster",
        {
            "spec": {
                "type": "object",
                "required": ["deletionPolicy", "driver", "source", "volumeSnapshotRef"],
                "properties": {
                    "deletionPolicy": _POLICY,
                    "driver": _STR,
                    "source": {
                        "type": "object",
                        "properties": {"snapshotHandle": _STR, "volumeHandle": _STR},
                    },
                    "sourceVolumeMode": _STR,
                    "volumeSnapshotClassName": _STR,
                    "volumeSnapshotRef": ref,
                },
            },
            "status": {
                "type": "object",
                "properties": {
                    "creationTime": {"type": "integer", "format": "int64"},
                    "error": _ERROR,
                    "readyToUse": {"type": "boolean"},
                    "restoreSize": {"type": "integer", "format": "int64", "minimum": 0},
                    "snapshotHandle": _STR,
                    "volumeGroupSnapshotHandle": _STR,
                },
            },
        },
        ["spec"],
        [
            {"jsonPath": ".status.readyToUse", "name": "ReadyToUse", "type": "boolean"},
            {"jsonPath": ".status.restoreSize", "name": "RestoreSize", "type": "integer"},
            {"jsonPath": ".spec.deletionPolicy", "name": "DeletionPolicy", "type": "string"},
            {"jsonPath": ".spec.driver", "name": "Driver", "type": "string"},
            {"jsonPath": ".spec.volumeSnapshotClassName", "name": "VolumeSnapshotClass", "type": "string"},
            {"jsonPath": ".spec.volumeSnapshotRef.name", "name": "VolumeSnapshot", "type": "string"},
            {
                "jsonPath": ".spec.volumeSnapshotRef.namespace",
                "name": "VolumeSnapshotNamespace",
                "type": "string",
            },
            _AGE,
        ],
        ["vsc", "vscs"],
        status=True,
    )
    return [snapshot_class, content, snapshot]


# What `kubectl explain <kind>` says of each (in our words).
DESCRIPTIONS = {  # _(): kubectl explain prints the English, the workspace shows them translated
    "VolumeSnapshotClass": _(
        "VolumeSnapshotClass names a CSI driver and the parameters and deletionPolicy "
        "its snapshots get, as a StorageClass does for volumes."
    ),
    "VolumeSnapshot": _(
        "VolumeSnapshot asks for a point-in-time copy of a PersistentVolumeClaim's volume "
        "(or binds an existing VolumeSnapshotContent). A new claim restores it with spec.dataSource."
    ),
    "VolumeSnapshotContent": _(
        "VolumeSnapshotContent is a snapshot taken on the storage system, bound to "
        "one VolumeSnapshot, as a PersistentVolume is bound to one claim. It is cluster-scoped."
    ),
}


def classes(cluster) -> list[dict]:
    vsphere = cluster.options.get("profile") == "vsphere"
    return [
        {
            "apiVersion": f"{GROUP}/v1",
            "kind": "VolumeSnapshotClass",
            "metadata": {
                "name": "volumesnapshotclass-delete" if vsphere else "csi-vsphere-snapclass",
                "annotations": {DEFAULT_CLASS: "true"},
            },
            "driver": DRIVER,
            "deletionPolicy": "Delete",
        }
    ]
