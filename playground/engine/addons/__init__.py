"""Addons a profile installs as API objects: CustomResourceDefinitions and their classes.

Each module holds its CRDs as data, shaped as the upstream bundle's manifests (names,
versions, additionalPrinterColumns, the schema's key fields; the rest of a spec is kept
with ``x-kubernetes-preserve-unknown-fields``), plus the class objects a cluster of that
profile offers. The controllers acting on them live in ``controllers/``.
"""

from __future__ import annotations

from playground.engine.addons import gateway_api, vks, vm_service, volume_snapshots


def install(cluster) -> None:
    """Create the addons' CRDs and default classes (the CRD controller serves them at settle).

    The vSphere profile also gets the Supervisor's own: VM Service and VKS (Cluster API).
    A class given with a status has it written after creation, as its controller would."""
    modules = [gateway_api, volume_snapshots]
    if cluster.options.get("profile") == "vsphere":
        modules += [vm_service, vks]
    for module in modules:
        for crd in module.crds():
            cluster.api.create_internal(crd)
    cluster.settle()
    for module in modules:
        for obj in module.classes(cluster):
            status = obj.pop("status", None)
            created = cluster.api.create_internal(obj)
            if status is not None:
                cluster.api.commit(created["kind"], {**created, "status": status}, created)


def description(group: str, kind: str) -> str | None:
    """What an addon's kind is, in English (its CRD schema's description, which kubectl
    explain prints), or None for a kind no addon defines. The text is marked with the
    engine's _(): the workspace renders it with gettext."""
    return _DESCRIPTIONS.get((group, kind))


_DESCRIPTIONS = {
    (module.GROUP, kind): text
    for module in (gateway_api, vks, vm_service, volume_snapshots)
    for kind, text in module.DESCRIPTIONS.items()
}
