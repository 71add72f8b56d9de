"""The CSI snapshot controller and the vSphere CSI driver's snapshotter sidecar, as one loop.

Upstream (kubernetes-csi/external-snapshotter) splits it: the common snapshot-controller
(pkg/common-controller: syncUnreadySnapshot, createSnapshotContent,
getCreateSnapshotInput, SetDefaultSnapshotClass) binds a VolumeSnapshot to a
VolumeSnapshotContent it creates; the csi-snapshotter sidecar (pkg/sidecar-controller) asks
the driver for the snapshot and fills the content's status. Here, per VolumeSnapshot
(key ``namespace/name``):

* dynamic (``spec.source.persistentVolumeClaimName``): the claim must exist and be Bound;
  the class is ``spec.volumeSnapshotClassName`` or the default class of the volume's CSI
  driver (set into the spec, as upstream does); the content ``snapcontent-<snapshot uid>``
  gets the class's ``deletionPolicy``, the volume's handle as source, and a status with
  ``snapshotHandle``, ``creationTime`` (Unix nanoseconds), ``restoreSize`` (bytes) and
  ``readyToUse``; the snapshot's status gets ``boundVolumeSnapshotContentName``,
  ``creationTime``, ``restoreSize`` (a quantity) and ``readyToUse: true``. The simulated
  driver cuts the snapshot at once.
* pre-provisioned (``spec.source.volumeSnapshotContentName``): bound to that content when it
  exists and points back at the snapshot.
* errors go to ``status.error`` with ``readyToUse: false`` and a Warning Event, worded as
  upstream's (SnapshotValidationError, SnapshotContentCreationFailed,
  SetDefaultSnapshotClassFailed).
* deleted: the bound content goes too when its deletionPolicy is Delete (kept with Retain),
  then the snapshot's finalizers are removed.

``restore_error`` is the external-provisioner's check for a claim whose ``dataSource`` is a
VolumeSnapshot (controller.go getSnapshotSource); the volume controller calls it.
"""

from __future__ import annotations

import json

from playground.engine import quantity
from playground.engine.addons.volume_snapshots import DEFAULT_CLASS, GROUP
from playground.engine.controllers.base import Controller, Result
from playground.engine.errors import ApiError
from playground.engine.text import _, say
from playground.engine.util import deep_copy, rfc3339, split_key

FINALIZERS = [
    "snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection",
    "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection",
]
SOURCE = "snapshot-controller"


def _q(text: str) -> str:
    """Go's %q of a plain string."""
    return json.dumps(text, ensure_ascii=False)


def restore_error(cluster, pvc: dict, class_name: str) -> str | None:
    """Why a claim restoring a VolumeSnapshot cannot be provisioned (None: it can, or it
    restores nothing), as the external-provisioner's ProvisioningFailed message says it."""
    spec = pvc.get("spec") or {}
    source = spec.get("dataSourceRef") or spec.get("dataSource") or {}
    if source.get("kind") != "VolumeSnapshot" or source.get("apiGroup") != GROUP:
        return None
    name = source.get("name", "")
    prefix = (
        f'failed to provision volume with StorageClass "{class_name}": '
        f"error getting handle for DataSource Type VolumeSnapshot by Name {name}: "
    )
    snap = cluster.store.get("VolumeSnapshot", pvc["metadata"]["namespace"], name)
    if snap is None:
        return (
            prefix
            + f'error getting snapshot {name} from api server: volumesnapshots.{GROUP} "{name}" not found'
        )
    status = snap.get("status") or {}
    if not status.get("readyToUse") or not status.get("boundVolumeSnapshotContentName"):
        return prefix + f"snapshot {name} is not Ready"
    requested = quantity.to_int(((spec.get("resources") or {}).get("requests") or {}).get("storage", "0"))
    size = quantity.to_int(status.get("restoreSize") or "0")
    if requested < size:
        return (
            prefix
            + f"requested volume size {requested} is less than the size {size} for the source snapshot {name}"
        )
    return None


class SnapshotController(Controller):
    name = "snapshot"
    component = "snapshot-controller"
    event_source = SOURCE
    watches = ("VolumeSnapshot", "VolumeSnapshotContent", "VolumeSnapshotClass", "PersistentVolumeClaim")

    def on_event(self, etype, kind, old, new):
        obj = new or old
        if kind == "VolumeSnapshot":
            self.enqueue(f"{obj['metadata']['namespace']}/{obj['metadata']['name']}")
        elif kind == "VolumeSnapshotContent":
            ref = (obj.get("spec") or {}).get("volumeSnapshotRef") or {}
            if ref.get("name"):
                self.enqueue(f"{ref.get('namespace')}/{ref['name']}")
        else:
            # A claim (or class) changed: the snapshots still waiting on it try again.
            namespace = obj["metadata"].get("namespace") if kind == "PersistentVolumeClaim" else None
            for snap in self.cluster.store.iter("VolumeSnapshot", namespace):
                if not (snap.get("status") or {}).get("readyToUse"):
                    self.enqueue(f"{snap['metadata']['namespace']}/{snap['metadata']['name']}")

    def _fail(self, snap: dict, reason: str, message: str) -> Result:
        cluster = self.cluster
        status = {
            **(snap.get("status") or {}),
            "readyToUse": False,
            "error": {"message": message, "time": rfc3339(cluster.clock)},
        }
        old_error = ((snap.get("status") or {}).get("error") or {}).get("message")
        if old_error == message:
            return Result()
        cluster.api.commit("VolumeSnapshot", {**snap, "status": status}, snap)
        cluster.recorder.record(snap, "Warning", reason, message, SOURCE)
        return Result.of(self.record(reason, snap, message))

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns, name = split_key(key)
        snap = cluster.store.get("VolumeSnapshot", ns, name)
        if snap is None:
            return Result()
        if snap["metadata"].get("deletionTimestamp"):
            return self._delete(snap)
        source = (snap.get("spec") or {}).get("source") or {}
        claim, content_name = source.get("persistentVolumeClaimName"), source.get("volumeSnapshotContentName")
        if bool(claim) == bool(content_name):
            return self._fail(
                snap,
                "SnapshotValidationError",
                "Exactly one of PersistentVolumeClaimName and VolumeSnapshotContentName should be specified",
            )
        status = snap.get("status") or {}
        if status.get("readyToUse") and status.get("boundVolumeSnapshotContentName"):
            return Result()
        if content_name:
            return self._bind_existing(snap, content_name)
        return self._create(snap, claim)

    def _bind_existing(self, snap: dict, content_name: str) -> Result:
        cluster = self.cluster
        content = cluster.store.get("VolumeSnapshotContent", "", content_name)
        ref = ((content or {}).get("spec") or {}).get("volumeSnapshotRef") or {}
        if content is None or (ref.get("namespace"), ref.get("name")) != (
            snap["metadata"]["namespace"],
            snap["metadata"]["name"],
        ):
            return self._fail(
                snap,
                "SnapshotContentMissing",
                f"VolumeSnapshotContent {content_name} is missing or does not point back at the snapshot",
            )
        if not ref.get("uid"):
            new_content = deep_copy(content)
            new_content["spec"]["volumeSnapshotRef"]["uid"] = snap["metadata"]["uid"]
            content = cluster.api.commit("VolumeSnapshotContent", new_content, content)
        content_status = content.get("status") or {}
        return self._ready(snap, content, content_status.get("restoreSize", 0))

    def _create(self, snap: dict, claim_name: str) -> Result:
        cluster = self.cluster
        ns, name = snap["metadata"]["namespace"], snap["metadata"]["name"]
        wrap = f"Failed to create snapshot content with error failed to get input parameters to create snapshot {name}: "
        pvc = cluster.store.get("PersistentVolumeClaim", ns, claim_name)
        if pvc is None:
            inner = f"failed to retrieve PVC {claim_name} from the lister: {_q(f'persistentvolumeclaim {_q(claim_name)} not found')}"
            return self._fail(snap, "SnapshotContentCreationFailed", wrap + _q(inner))
        if (pvc.get("status") or {}).get("phase") != "Bound":
            inner = f"the PVC {claim_name} is not yet bound to a PV, will not attempt to take a snapshot"
            return self._fail(snap, "SnapshotContentCreationFailed", wrap + _q(inner))
        pv = cluster.store.get("PersistentVolume", "", pvc["spec"].get("volumeName", ""))
        csi = ((pv or {}).get("spec") or {}).get("csi") or {}
        class_name = snap["spec"].get("volumeSnapshotClassName")
        if class_name:
            snap_class = cluster.store.get("VolumeSnapshotClass", "", class_name)
            if snap_class is None:
                err = f'volumesnapshotclass.{GROUP} "{class_name}" not found'
                inner = f"failed to retrieve snapshot class {class_name} from the informer: {_q(err)}"
                return self._fail(snap, "SnapshotContentCreationFailed", wrap + _q(inner))
        else:
            defaults = [
                c
                for c in cluster.store.iter("VolumeSnapshotClass", "")
                if (c["metadata"].get("annotations") or {}).get(DEFAULT_CLASS) == "true"
                and c.get("driver") == csi.get("driver")
            ]
            if len(defaults) != 1:
                problem = (
                    "cannot find default snapshot class"
                    if not defaults
                    else f"{len(defaults)} default snapshot classes were found"
                )
                return self._fail(
                    snap,
                    "SetDefaultSnapshotClassFailed",
                    f"Failed to set default snapshot class with error {problem}",
                )
            snap_class = defaults[0]
            new = deep_copy(snap)
            new["spec"]["volumeSnapshotClassName"] = snap_class["metadata"]["name"]
            snap = cluster.api.commit("VolumeSnapshot", new, snap)
        if snap_class.get("driver") != csi.get("driver"):
            inner = (
                f"failed to take snapshot of the volume {pv['metadata']['name'] if pv else ''}: "
                f'"snapshot class driver {snap_class.get("driver")} does not match volume driver {csi.get("driver")}"'
            )
            return self._fail(snap, "SnapshotContentCreationFailed", wrap + _q(inner))
        if FINALIZERS[0] not in (snap["metadata"].get("finalizers") or []):
            new = deep_copy(snap)
            new["metadata"]["finalizers"] = [*(new["metadata"].get("finalizers") or []), *FINALIZERS]
            snap = cluster.api.commit("VolumeSnapshot", new, snap)
        cluster.recorder.record(
            snap,
            "Normal",
            "CreatingSnapshot",
            f"Waiting for a snapshot {ns}/{name} to be created by the CSI driver.",
            SOURCE,
        )
        content_name = f"snapcontent-{snap['metadata']['uid']}"
        content = cluster.store.get("VolumeSnapshotContent", "", content_name)
        if content is None:
            content = cluster.api.create_internal(
                {
                    "apiVersion": f"{GROUP}/v1",
                    "kind": "VolumeSnapshotContent",
                    "metadata": {"name": content_name},
                    "spec": {
                        "deletionPolicy": snap_class.get("deletionPolicy", "Delete"),
                        "driver": csi.get("driver"),
                        "source": {"volumeHandle": csi.get("volumeHandle")},
                        "sourceVolumeMode": pv["spec"].get("volumeMode", "Filesystem"),
                        "volumeSnapshotClassName": snap_class["metadata"]["name"],
                        "volumeSnapshotRef": {
                            "apiVersion": f"{GROUP}/v1",
                            "kind": "VolumeSnapshot",
                            "name": name,
                            "namespace": ns,
                            "resourceVersion": snap["metadata"]["resourceVersion"],
                            "uid": snap["metadata"]["uid"],
                        },
                    },
                }
            )
        size = quantity.to_int((pv["spec"].get("capacity") or {}).get("storage", "0"))
        content_status = {
            "creationTime": int(cluster.clock * 1_000_000_000),
            "readyToUse": True,
            "restoreSize": size,
            "snapshotHandle": f"{csi.get('volumeHandle')}+{cluster.rng.uid()}",
        }
        content = cluster.api.commit("VolumeSnapshotContent", {**content, "status": content_status}, content)
        cluster.recorder.record(
            snap,
            "Normal",
            "SnapshotCreated",
            f"Snapshot {ns}/{name} was successfully created by the CSI driver.",
            f"csi-snapshotter {csi.get('driver')}",
        )
        return self._ready(snap, content, size)

    def _ready(self, snap: dict, content: dict, size: int) -> Result:
        cluster = self.cluster
        ns, name = snap["metadata"]["namespace"], snap["metadata"]["name"]
        content_status = content.get("status") or {}
        created = content_status.get("creationTime")
        status = {
            "boundVolumeSnapshotContentName": content["metadata"]["name"],
            "creationTime": rfc3339(created / 1_000_000_000 if created else cluster.clock),
            "readyToUse": bool(content_status.get("readyToUse")),
            "restoreSize": quantity.format(size, binary=True),
        }
        snap = cluster.store.get("VolumeSnapshot", ns, name)
        cluster.api.commit("VolumeSnapshot", {**snap, "status": status}, snap)
        if status["readyToUse"]:
            cluster.recorder.record(
                snap, "Normal", "SnapshotReady", f"Snapshot {ns}/{name} is ready to use.", SOURCE
            )
            # Claims waiting to restore it can be provisioned now.
            volumes = cluster.controllers.get("persistentvolume")
            for pvc in cluster.store.iter("PersistentVolumeClaim", ns):
                source = (pvc.get("spec") or {}).get("dataSource") or {}
                if (
                    source.get("kind") == "VolumeSnapshot"
                    and source.get("name") == name
                    and volumes is not None
                ):
                    volumes.enqueue(f"pvc:{ns}/{pvc['metadata']['name']}")
        return Result.of(
            self.record(
                "SnapshotReady",
                snap,
                say(
                    _(
                        "VolumeSnapshot %(name)s bound to %(content)s, restoreSize %(size)s, readyToUse %(ready)s"
                    ),
                    name=f"{ns}/{name}",
                    content=content["metadata"]["name"],
                    size=status["restoreSize"],
                    ready=str(status["readyToUse"]).lower(),
                ),
            )
        )

    def _delete(self, snap: dict) -> Result:
        cluster = self.cluster
        if not set(FINALIZERS) & set(snap["metadata"].get("finalizers") or []):
            return Result()
        bound = (snap.get("status") or {}).get("boundVolumeSnapshotContentName")
        content = cluster.store.get("VolumeSnapshotContent", "", bound) if bound else None
        note = say(_("no content"))
        if content is not None:
            policy = content["spec"].get("deletionPolicy")
            if policy == "Delete":
                try:
                    cluster.api.delete("VolumeSnapshotContent", bound, None)
                except ApiError:
                    pass
                note = say(_("%(content)s deleted (deletionPolicy Delete)"), content=bound)
            else:
                note = say(_("%(content)s kept (deletionPolicy %(policy)s)"), content=bound, policy=policy)
        new = deep_copy(snap)
        new["metadata"]["finalizers"] = [
            f for f in new["metadata"].get("finalizers") or [] if f not in FINALIZERS
        ]
        cluster.api.commit("VolumeSnapshot", new, snap)
        return Result.of(
            self.record(
                "Deleted",
                snap,
                say(_("VolumeSnapshot %(name)s deleted: %(note)s"), name=key_text(snap), note=note),
            )
        )


def key_text(obj: dict) -> str:
    return f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"
