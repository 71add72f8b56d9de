"""The persistent volume controller and a provisioner standing in for the vSphere CSI driver.

Claims bind to matching volumes, or get one provisioned from their StorageClass
(at once for `Immediate`, once a pod is scheduled for `WaitForFirstConsumer`).
Released volumes are deleted or kept by their reclaim policy.
"""

from __future__ import annotations

from playground.engine import quantity
from playground.engine.controllers.base import Controller, Result
from playground.engine.controllers.snapshot import restore_error
from playground.engine.text import _, say
from playground.engine.util import rfc3339, split_key

SELECTED_NODE = "volume.kubernetes.io/selected-node"
DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def default_class(store) -> dict | None:
    for sc in sorted(store.iter("StorageClass"), key=lambda s: s["metadata"]["name"]):
        if (sc["metadata"].get("annotations") or {}).get(DEFAULT_CLASS) == "true":
            return sc
    return None


def claim_class(store, pvc: dict) -> str | None:
    name = (pvc.get("spec") or {}).get("storageClassName")
    if name is None:
        sc = default_class(store)
        return sc["metadata"]["name"] if sc else None
    return name


class VolumeController(Controller):
    name = "persistentvolume"
    event_source = "persistentvolume-controller"
    watches = ("PersistentVolumeClaim", "PersistentVolume", "Pod")

    def on_event(self, etype, kind, old, new):
        obj = new or old
        if kind == "PersistentVolumeClaim":
            self.enqueue(f"pvc:{obj['metadata']['namespace']}/{obj['metadata']['name']}")
            if new is None and (old.get("spec") or {}).get("volumeName"):
                self.enqueue(f"pv:{old['spec']['volumeName']}")
        elif kind == "Pod" and new is None:
            for volume in (old.get("spec") or {}).get("volumes") or []:
                claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
                if claim:
                    self.enqueue(f"pvc:{old['metadata']['namespace']}/{claim}")
        elif kind == "Pod" and (new.get("status") or {}).get("phase") == "Running":
            # A claim whose file system waits to grow grows once a running pod mounts it.
            ns = new["metadata"]["namespace"]
            for volume in (new.get("spec") or {}).get("volumes") or ():
                claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
                if claim:
                    pvc = self.cluster.store.get("PersistentVolumeClaim", ns, claim)
                    if pvc is not None and (pvc.get("status") or {}).get("allocatedResourceStatuses"):
                        self.enqueue(f"pvc:{ns}/{claim}")
        elif kind == "PersistentVolume":
            self.enqueue(f"pv:{obj['metadata']['name']}")
            if new is not None and new.get("status", {}).get("phase") == "Available":
                for pvc in self.cluster.store.iter("PersistentVolumeClaim"):
                    if (pvc.get("status") or {}).get("phase") == "Pending":
                        self.enqueue(f"pvc:{pvc['metadata']['namespace']}/{pvc['metadata']['name']}")

    def reconcile(self, key: str) -> Result:
        kind, ref = key.split(":", 1)
        if kind == "pv":
            return Result.of(self._volume(ref))
        ns, name = split_key(ref)
        return Result.of(self._claim(ns, name))

    def _claim(self, ns: str, name: str) -> dict | None:
        cluster = self.cluster
        store = cluster.store
        pvc = store.get("PersistentVolumeClaim", ns, name)
        if pvc is None:
            return None
        if pvc["metadata"].get("deletionTimestamp"):
            return self._protect(pvc)
        if (pvc.get("status") or {}).get("phase") == "Bound":
            return self._expand(pvc)
        spec = pvc.get("spec") or {}
        class_name = claim_class(store, pvc)
        if spec.get("storageClassName") is None and class_name:
            # The DefaultStorageClass admission would have set it; do it as the claim is seen.
            pvc = cluster.api.commit(
                "PersistentVolumeClaim", {**pvc, "spec": {**spec, "storageClassName": class_name}}, pvc
            )
            spec = pvc["spec"]
        wanted = quantity.parse(((spec.get("resources") or {}).get("requests") or {}).get("storage", "0"))
        modes = set(spec.get("accessModes") or [])
        # 1. An existing volume that fits (static provisioning, or one pre-bound to this claim).
        candidates = []
        for pv in store.iter("PersistentVolume"):
            pv_spec = pv.get("spec") or {}
            ref = pv_spec.get("claimRef")
            if ref and (ref.get("namespace"), ref.get("name")) == (ns, name):
                candidates = [(0, pv)]
                break
            if ref or (pv.get("status") or {}).get("phase") != "Available":
                continue
            if (pv_spec.get("storageClassName") or "") != (class_name or ""):
                continue
            if spec.get("volumeName") and spec["volumeName"] != pv["metadata"]["name"]:
                continue
            capacity = quantity.parse((pv_spec.get("capacity") or {}).get("storage", "0"))
            if capacity >= wanted and modes <= set(pv_spec.get("accessModes") or []):
                candidates.append((capacity, pv))
        if candidates:
            candidates.sort(key=lambda c: (c[0], c[1]["metadata"]["name"]))
            return self._bind(pvc, candidates[0][1])
        # 2. Dynamic provisioning.
        sc = store.get("StorageClass", "", class_name) if class_name else None
        if sc is None:
            if class_name:
                message = f'storageclass.storage.k8s.io "{class_name}" not found'
                cluster.recorder.record(pvc, "Warning", "ProvisioningFailed", message, self.event_source)
            else:
                cluster.recorder.record(
                    pvc,
                    "Normal",
                    "FailedBinding",
                    "no persistent volumes available for this claim and no storage class is set",
                    self.event_source,
                )
            return None
        annotations = pvc["metadata"].get("annotations") or {}
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and SELECTED_NODE not in annotations:
            cluster.recorder.record(
                pvc,
                "Normal",
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding",
                self.event_source,
            )
            return None
        provisioner = sc.get("provisioner")
        refused = restore_error(cluster, pvc, class_name)  # a dataSource VolumeSnapshot to restore
        if refused:
            cluster.recorder.record(
                pvc, "Warning", "ProvisioningFailed", refused, f"{provisioner}_csi-controller"
            )
            return None
        cluster.recorder.record(
            pvc,
            "Normal",
            "ExternalProvisioning",
            f"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. "
            "If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
            "persistentvolume-controller",
        )
        pv_name = f"pvc-{pvc['metadata']['uid']}"
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        cluster.recorder.record(
            pvc,
            "Normal",
            "Provisioning",
            f'External provisioner is provisioning volume for claim "{ns}/{name}"',
            f"{provisioner}_csi-controller",
        )
        volume = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {
                "name": pv_name,
                "annotations": {"pv.kubernetes.io/provisioned-by": provisioner},
                "finalizers": ["kubernetes.io/pv-protection"],
            },
            "spec": {
                "accessModes": sorted(modes),
                "capacity": {"storage": size},
                "claimRef": {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "name": name,
                    "namespace": ns,
                    "uid": pvc["metadata"]["uid"],
                    "resourceVersion": pvc["metadata"]["resourceVersion"],
                },
                "csi": {
                    "driver": provisioner,
                    "fsType": "ext4",
                    "volumeHandle": cluster.rng.uid(),
                    "volumeAttributes": {
                        "type": "vSphere CNS Block Volume",
                        **{k: str(v) for k, v in (sc.get("parameters") or {}).items()},
                    },
                },
                "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                "storageClassName": class_name,
                "volumeMode": spec.get("volumeMode", "Filesystem"),
            },
        }
        pv = cluster.api.create_internal(volume)
        cluster.recorder.record(
            pvc,
            "Normal",
            "ProvisioningSucceeded",
            f"Successfully provisioned volume {pv_name}",
            f"{provisioner}_csi-controller",
        )
        return self._bind(pvc, pv)

    def _bind(self, pvc: dict, pv: dict) -> dict:
        cluster = self.cluster
        ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
        pv_spec = dict(pv.get("spec") or {})
        pv_spec["claimRef"] = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "name": name,
            "namespace": ns,
            "uid": pvc["metadata"]["uid"],
            "resourceVersion": pvc["metadata"]["resourceVersion"],
        }
        pv = cluster.api.commit("PersistentVolume", {**pv, "spec": pv_spec, "status": {"phase": "Bound"}}, pv)
        annotations = {
            **(pvc["metadata"].get("annotations") or {}),
            "pv.kubernetes.io/bind-completed": "yes",
            "pv.kubernetes.io/bound-by-controller": "yes",
        }
        current = cluster.store.get("PersistentVolumeClaim", ns, name)
        status = {
            "phase": "Bound",
            "accessModes": pv_spec.get("accessModes"),
            "capacity": dict(pv_spec.get("capacity") or {}),
        }
        new = {
            **current,
            "metadata": {
                **current["metadata"],
                "annotations": annotations,
                "finalizers": sorted(
                    set(current["metadata"].get("finalizers") or []) | {"kubernetes.io/pvc-protection"}
                ),
            },
            "spec": {**current["spec"], "volumeName": pv["metadata"]["name"]},
            "status": status,
        }
        cluster.api.commit("PersistentVolumeClaim", new, current)
        # Pods waiting for this claim can be scheduled now.
        cluster.scheduler.requeue_unschedulable()
        return self.record(
            "Bound",
            new,
            say(
                _("PersistentVolumeClaim %(name)s bound to %(volume)s"),
                name=f"{ns}/{name}",
                volume=pv["metadata"]["name"],
            ),
        )

    def _expand(self, pvc: dict) -> dict | None:
        """Volume expansion as a CSI driver does it: kube-controller-manager's volume_expand
        hands the claim to the external resizer, which grows the volume (ControllerExpandVolume)
        and leaves the file system to the kubelet (NodeExpandVolume) on the node where a pod
        mounts it, online; until such a pod runs the claim says FileSystemResizePending."""
        spec, status = pvc.get("spec") or {}, pvc.get("status") or {}
        wanted_text = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        capacity_text = (status.get("capacity") or {}).get("storage")
        if not wanted_text or not capacity_text:
            return None
        wanted = quantity.parse(wanted_text)
        allocated = (status.get("allocatedResources") or {}).get("storage")
        if wanted > quantity.parse(capacity_text) and (
            allocated is None or quantity.parse(allocated) != wanted
        ):
            return self._controller_expand(pvc, wanted_text)
        if (status.get("allocatedResourceStatuses") or {}).get("storage") == "NodeResizePending":
            return self._node_expand(pvc)
        return None

    def _controller_expand(self, pvc: dict, size: str) -> dict:
        cluster = self.cluster
        pv = cluster.store.get("PersistentVolume", "", pvc["spec"].get("volumeName") or "")
        if pv is None:
            return None
        driver = ((pv.get("spec") or {}).get("csi") or {}).get("driver", "csi.vsphere.vmware.com")
        cluster.recorder.record(
            pvc,
            "Normal",
            "ExternalExpanding",
            "waiting for an external controller to expand this PVC",
            "volume_expand",
        )
        cluster.recorder.record(
            pvc,
            "Normal",
            "Resizing",
            f"External resizer is resizing volume {pv['metadata']['name']}",
            f"external-resizer {driver}",
        )
        cluster.api.commit(
            "PersistentVolume",
            {**pv, "spec": {**pv["spec"], "capacity": {**pv["spec"]["capacity"], "storage": size}}},
            pv,
        )
        now = rfc3339(cluster.clock)
        status = {
            **pvc["status"],
            "allocatedResources": {"storage": size},
            "allocatedResourceStatuses": {"storage": "NodeResizePending"},
            "conditions": [
                {
                    "type": "FileSystemResizePending",
                    "status": "True",
                    "lastProbeTime": None,
                    "lastTransitionTime": now,
                    "message": "Waiting for user to (re-)start a pod to finish file system resize of volume on node.",
                }
            ],
        }
        pvc = cluster.api.commit("PersistentVolumeClaim", {**pvc, "status": status}, pvc)
        cluster.recorder.record(
            pvc,
            "Normal",
            "FileSystemResizeRequired",
            "Require file system resize of volume on node",
            f"external-resizer {driver}",
        )
        return self._node_expand(pvc) or self.record(
            "ControllerExpandVolume",
            pvc,
            say(_("%(volume)s grown to %(size)s"), volume=pv["metadata"]["name"], size=size),
        )

    def _node_expand(self, pvc: dict) -> dict | None:
        cluster = self.cluster
        ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
        node = next(
            (
                pod["spec"].get("nodeName")
                for pod in cluster.store.iter("Pod", ns)
                if (pod.get("status") or {}).get("phase") == "Running"
                and any(
                    (v.get("persistentVolumeClaim") or {}).get("claimName") == name
                    for v in pod["spec"].get("volumes") or ()
                )
            ),
            None,
        )
        if node is None:
            return None
        status = {
            k: v for k, v in pvc["status"].items() if k not in ("allocatedResourceStatuses", "conditions")
        }
        status["capacity"] = {
            **status.get("capacity", {}),
            "storage": status["allocatedResources"]["storage"],
        }
        pvc = cluster.api.commit("PersistentVolumeClaim", {**pvc, "status": status}, pvc)
        volume = pvc["spec"].get("volumeName")
        cluster.recorder.record(
            pvc,
            "Normal",
            "FileSystemResizeSuccessful",
            f'MountVolume.NodeExpandVolume succeeded for volume "{volume}" {node}',
            "kubelet",
            node,
        )
        return self.record(
            "NodeExpandVolume",
            pvc,
            say(
                _("%(claim)s file system grown to %(size)s"),
                claim=f"{ns}/{name}",
                size=status["capacity"]["storage"],
            ),
        )

    def _protect(self, pvc: dict) -> dict | None:
        """pvc-protection: a claim in use by a pod stays until the pod is gone."""
        ns, name = pvc["metadata"]["namespace"], pvc["metadata"]["name"]
        users = [
            p
            for p in self.cluster.store.iter("Pod", ns)
            if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            and any(
                (v.get("persistentVolumeClaim") or {}).get("claimName") == name
                for v in (p.get("spec") or {}).get("volumes") or []
            )
        ]
        if users or "kubernetes.io/pvc-protection" not in (pvc["metadata"].get("finalizers") or []):
            return None
        meta = {
            **pvc["metadata"],
            "finalizers": [f for f in pvc["metadata"]["finalizers"] if f != "kubernetes.io/pvc-protection"],
        }
        self.cluster.api.commit("PersistentVolumeClaim", {**pvc, "metadata": meta}, pvc)
        volume = (pvc.get("spec") or {}).get("volumeName")
        if volume:
            self.enqueue(f"pv:{volume}")
        return self.record(
            "Deleted",
            pvc,
            say(
                _("PersistentVolumeClaim %(name)s is no longer used by any pod and has been deleted"),
                name=f"{ns}/{name}",
            ),
        )

    def _volume(self, name: str) -> dict | None:
        """A bound volume whose claim is gone is Released, then deleted or kept."""
        cluster = self.cluster
        pv = cluster.store.get("PersistentVolume", "", name)
        if pv is None:
            return None
        ref = (pv.get("spec") or {}).get("claimRef")
        phase = (pv.get("status") or {}).get("phase")
        if pv["metadata"].get("deletionTimestamp"):
            if phase != "Bound" and "kubernetes.io/pv-protection" in (pv["metadata"].get("finalizers") or []):
                meta = {
                    **pv["metadata"],
                    "finalizers": [
                        f for f in pv["metadata"]["finalizers"] if f != "kubernetes.io/pv-protection"
                    ],
                }
                cluster.api.commit("PersistentVolume", {**pv, "metadata": meta}, pv)
            return None
        if not ref or phase != "Bound":
            return None
        claim = cluster.store.get("PersistentVolumeClaim", ref.get("namespace"), ref.get("name"))
        if (
            claim is not None
            and claim["metadata"]["uid"] == ref.get("uid")
            and not claim["metadata"].get("deletionTimestamp")
        ):
            return None
        if (pv.get("spec") or {}).get("persistentVolumeReclaimPolicy") == "Delete":
            cluster.api.commit("PersistentVolume", {**pv, "status": {"phase": "Released"}}, pv)
            pv = cluster.store.get("PersistentVolume", "", name)
            meta = {**pv["metadata"], "finalizers": [], "deletionTimestamp": rfc3339(cluster.clock)}
            cluster.store.put(
                "PersistentVolume",
                {**pv, "metadata": {**meta, "resourceVersion": str(cluster.store.next_revision())}},
                "MODIFIED",
            )
            cluster.store.remove("PersistentVolume", cluster.store.get("PersistentVolume", "", name))
            return self.record(
                "Deleted",
                pv,
                say(_("PersistentVolume %(name)s deleted with its claim (reclaim policy Delete)"), name=name),
            )
        cluster.api.commit("PersistentVolume", {**pv, "status": {"phase": "Released"}}, pv)
        return self.record(
            "Released",
            pv,
            say(
                _("PersistentVolume %(name)s is Released and keeps its data (reclaim policy Retain)"),
                name=name,
            ),
        )
