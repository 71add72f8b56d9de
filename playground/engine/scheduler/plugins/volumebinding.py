"""VolumeBinding: a pod's PersistentVolumeClaims must exist and, unless their StorageClass
waits for the first consumer, be bound; the chosen node is written on each unbound
WaitForFirstConsumer claim (the selected-node annotation) before the pod is bound."""

from __future__ import annotations

from playground.engine.scheduler.framework import (
    FILTER,
    PRE_BIND,
    PRE_FILTER,
    RESERVE,
    SKIP,
    UNRESOLVABLE,
    Plugin,
    Status,
)


def claim_names(pod: dict) -> list[str]:
    return [
        name
        for volume in (pod.get("spec") or {}).get("volumes") or []
        if (name := (volume.get("persistentVolumeClaim") or {}).get("claimName"))
    ]


class VolumeBinding(Plugin):
    name = "VolumeBinding"
    extension_points = (PRE_FILTER, FILTER, RESERVE, PRE_BIND)

    def pre_filter(self, state, pod):
        from playground.engine.controllers.volume import claim_class

        names = claim_names(pod)
        if not names:
            return Status(SKIP)
        store = self.handle.cluster.store
        ns = pod["metadata"]["namespace"]
        for name in names:
            claim = store.get("PersistentVolumeClaim", ns, name)
            if claim is None:
                return Status(UNRESOLVABLE, [f'persistentvolumeclaim "{name}" not found'])
            if claim["metadata"].get("deletionTimestamp"):
                return Status(UNRESOLVABLE, [f'persistentvolumeclaim "{name}" is being deleted'])
            if (claim.get("status") or {}).get("phase") != "Bound":
                class_name = claim_class(store, claim)
                sc = store.get("StorageClass", "", class_name) if class_name else None
                if sc is None or sc.get("volumeBindingMode") != "WaitForFirstConsumer":
                    return Status(UNRESOLVABLE, ["pod has unbound immediate PersistentVolumeClaims"])
        return None

    def filter(self, state, pod, info):
        # Bound volumes carry no node affinity in this playground: every node can reach them.
        return None

    def reserve(self, state, pod, node_name):
        """Assume the unbound claims for the node (upstream's AssumePodVolumes)."""
        store = self.handle.cluster.store
        ns = pod["metadata"]["namespace"]
        state[self.name] = [
            name
            for name in claim_names(pod)
            if (claim := store.get("PersistentVolumeClaim", ns, name)) is not None
            and (claim.get("status") or {}).get("phase") != "Bound"
        ]
        return None

    def pre_bind(self, state, pod, node_name):
        from playground.engine.controllers.volume import SELECTED_NODE

        store = self.handle.cluster.store
        ns = pod["metadata"]["namespace"]
        for name in state.get(self.name, []):
            claim = store.get("PersistentVolumeClaim", ns, name)
            if claim is None or (claim.get("status") or {}).get("phase") == "Bound":
                continue
            annotations = {**(claim["metadata"].get("annotations") or {}), SELECTED_NODE: node_name}
            self.handle.cluster.api.commit(
                "PersistentVolumeClaim",
                {**claim, "metadata": {**claim["metadata"], "annotations": annotations}},
                claim,
            )
        return None
