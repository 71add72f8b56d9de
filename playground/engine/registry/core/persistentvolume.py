"""v1 PersistentVolume: a VMDK on a datastore."""

from playground.engine import defaults
from playground.engine.printers import access_modes, age
from playground.engine.registry.base import Strategy, no_validation, register


def initial_status(obj: dict) -> None:
    obj["status"] = {"phase": "Available"}


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("claimRef") or {}
    return [
        obj["metadata"].get("name", ""),
        (spec.get("capacity") or {}).get("storage", ""),
        access_modes(spec.get("accessModes") or []),
        spec.get("persistentVolumeReclaimPolicy", ""),
        status.get("phase", ""),
        f"{ref['namespace']}/{ref['name']}" if ref else "",
        spec.get("storageClassName", ""),
        "<unset>",
        status.get("reason", ""),
        age(obj, now),
        spec.get("volumeMode", "Filesystem"),
    ]


register(
    Strategy(
        kind="PersistentVolume",
        group="",
        version="v1",
        plural="persistentvolumes",
        namespaced=False,
        short_names=("pv",),
        subresources=("status",),
        defaulter=defaults.pv,
        validator=no_validation,
        initial_status=initial_status,
        columns=(
            "NAME",
            "CAPACITY",
            "ACCESS MODES",
            "RECLAIM POLICY",
            "STATUS",
            "CLAIM",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "REASON",
            "AGE",
        ),
        wide_columns=("VOLUMEMODE",),
        printer=printer,
        counterpart="VMDK on a datastore",
    )
)
