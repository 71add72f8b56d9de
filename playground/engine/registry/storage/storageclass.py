"""storage.k8s.io/v1 StorageClass: a storage policy."""

from playground.engine import defaults
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_validation, register

DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def printer(obj: dict, now: float) -> list[str]:
    meta = obj["metadata"]
    default = " (default)" if (meta.get("annotations") or {}).get(DEFAULT_CLASS) == "true" else ""
    return [
        meta.get("name", "") + default,
        obj.get("provisioner", ""),
        obj.get("reclaimPolicy", "Delete"),
        obj.get("volumeBindingMode", "Immediate"),
        str(bool(obj.get("allowVolumeExpansion"))).lower(),
        age(obj, now),
    ]


register(
    Strategy(
        kind="StorageClass",
        group="storage.k8s.io",
        version="v1",
        plural="storageclasses",
        namespaced=False,
        short_names=("sc",),
        has_status=False,
        defaulter=defaults.storageclass,
        validator=no_validation,
        columns=("NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"),
        printer=printer,
        counterpart="storage policy",
    )
)
