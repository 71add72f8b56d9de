"""Addons a profile installs as API objects: CustomResourceDefinitions and their classes.

Each module holds its CRDs as data, shaped as the upstream bundle's manifests (names,
versions, additionalPrinterColumns, the schema's key fields; the rest of a spec is kept
with ``x-kubernetes-preserve-unknown-fields``), plus the class objects a cluster of that
profile offers. The controllers acting on them live in ``controllers/``.
"""

from __future__ import annotations

from playground.engine.addons import gateway_api, volume_snapshots


def install(cluster) -> None:
    """Create the addons' CRDs and default classes (the CRD controller serves them at settle)."""
    for module in (gateway_api, volume_snapshots):
        for crd in module.crds():
            cluster.api.create_internal(crd)
    cluster.settle()
    for module in (gateway_api, volume_snapshots):
        for obj in module.classes(cluster):
            cluster.api.create_internal(obj)
