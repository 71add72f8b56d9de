"""The translator's front door, shared by the view and the command: read a file, build
both translations and the mapping table, dump YAML, and apply a translation to a cluster.
No Django here; the engine's Cluster is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from playground.engine.addons import vm_service
from translator import mapping, ovf, to_vm_service, to_workload
from translator.model import Source

TARGETS = ("vm", "workload")


def _(text: str) -> str:
    """Marks a text for the message catalogue; the view translates it (no Django here)."""
    return text


SIMULATED = _("simulated: stored, not run")
RUN = "run by the sandbox's simulated VM operator"


@dataclass
class Translation:
    source: Source
    vm: list[dict]
    workload: list[dict]
    rows: list[mapping.Row]

    def objects(self, target: str) -> list[dict]:
        return self.vm if target == "vm" else self.workload

    def yaml(self, target: str) -> str:
        return to_yaml(self.source, self.objects(target), target)


def translate(data: bytes, filename: str) -> Translation:
    """Raises model.TranslateError with a message naming the line or element."""
    source = ovf.read(data, filename)
    return Translation(
        source, to_vm_service.translate(source), to_workload.translate(source), mapping.rows(source)
    )


class _Dumper(yaml.SafeDumper):
    """No &id001 anchors: a reader (and kubectl) sees every object written out in full."""

    def ignore_aliases(self, data):
        return True


def to_yaml(source: Source, objects: list[dict], target: str) -> str:
    what = (
        f"VM Service ({to_vm_service.API_VERSION}): run it as a VM on the Supervisor"
        if target == "vm"
        else "a container workload: re-platformed"
    )
    header = f"# {source.filename} translated to {what}.\n# Made by manage.py translate_vm; review before applying.\n"
    return header + yaml.dump_all(
        objects, Dumper=_Dumper, sort_keys=False, default_flow_style=False, explicit_start=True
    )


def crds() -> list[dict]:
    """VM Service's CRDs: the engine's own, as the vSphere profile installs them."""
    return vm_service.crds()


def apply(cluster, translation: Translation, target: str, namespace: str = "default") -> list[str]:
    """Apply one translation to a cluster; returns what was done, line by line.

    A vSphere-profile sandbox has VM Service's kinds and a simulated VM operator that
    powers the VMs on. Another cluster gets the same CustomResourceDefinitions first, and
    there the objects are only stored: nothing runs them. Storage classes the claims name are made if missing, standing in for the
    storage policies a vSphere admin would assign to the namespace.
    """
    done: list[str] = []
    run = RUN if cluster.options.get("profile") == "vsphere" else SIMULATED
    if target == "vm" and cluster.api.registry.get("VirtualMachine") is None:
        cluster.apply(crds())
        cluster.settle()
        done.append(f"VM Service's CustomResourceDefinitions added ({SIMULATED})")
    if cluster.api.registry.get("Namespace") and not _exists(cluster, "Namespace", namespace, None):
        cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
        done.append(f"namespace/{namespace} created")
    for name in sorted(_storage_classes(translation.objects(target))):
        if not _exists(cluster, "StorageClass", name, None):
            cluster.create(
                {
                    "apiVersion": "storage.k8s.io/v1",
                    "kind": "StorageClass",
                    "metadata": {"name": name, "labels": {"app.kubernetes.io/created-by": "vm-translator"}},
                    "provisioner": "csi.vsphere.vmware.com",
                    "reclaimPolicy": "Delete",
                    "volumeBindingMode": "Immediate",
                    "allowVolumeExpansion": True,
                }
            )
            done.append(f"storageclass.storage.k8s.io/{name} created (standing in for the storage policy)")
    for outcome in cluster.apply(translation.objects(target), namespace=namespace):
        group = f".{outcome['group']}" if outcome["group"] else ""
        note = f" ({run})" if outcome["group"] == vm_service.GROUP else ""
        done.append(f"{outcome['kind'].lower()}{group}/{outcome['name']} {outcome['action']}{note}")
    return done


def _exists(cluster, kind: str, name: str, namespace) -> bool:
    return any(o["metadata"]["name"] == name for o in cluster.list(kind, namespace=namespace))


def _storage_classes(objects: list[dict]) -> set[str]:
    names = set()
    for obj in objects:
        spec = obj.get("spec", {})
        if obj["kind"] == "PersistentVolumeClaim" and spec.get("storageClassName"):
            names.add(spec["storageClassName"])
        for template in spec.get("volumeClaimTemplates", []):
            if template["spec"].get("storageClassName"):
                names.add(template["spec"]["storageClassName"])
        if obj["kind"] == "VirtualMachine" and spec.get("storageClass"):
            names.add(spec["storageClass"])
    return names
