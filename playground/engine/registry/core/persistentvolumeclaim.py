"""v1 PersistentVolumeClaim: a VMDK request."""

from playground.engine import defaults, validation
from playground.engine.printers import age, pvc_cells
from playground.engine.registry.base import Strategy, register


def initial_status(obj: dict) -> None:
    obj["status"] = {"phase": "Pending"}


def printer(obj: dict, now: float) -> list[str]:
    spec = obj.get("spec") or {}
    phase, volume, capacity, modes = pvc_cells(obj)
    return [
        obj["metadata"].get("name", ""),
        phase,
        volume,
        capacity,
        modes,
        spec.get("storageClassName") or "",
        "<unset>",
        age(obj, now),
        spec.get("volumeMode", "Filesystem"),
    ]


register(
    Strategy(
        kind="PersistentVolumeClaim",
        group="",
        version="v1",
        plural="persistentvolumeclaims",
        namespaced=True,
        short_names=("pvc",),
        subresources=("status",),
        defaulter=defaults.pvc,
        validator=validation.pvc,
        initial_status=initial_status,
        columns=(
            "NAME",
            "STATUS",
            "VOLUME",
            "CAPACITY",
            "ACCESS MODES",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "AGE",
        ),
        wide_columns=("VOLUMEMODE",),
        printer=printer,
        counterpart="VMDK request",
    )
)
