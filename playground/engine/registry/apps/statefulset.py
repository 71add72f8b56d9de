"""apps/v1 StatefulSet: VMs with fixed identities."""

from playground.engine import defaults, validation
from playground.engine.printers import age, images
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, STATUS_SCALE, empty_status, template_quantities


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [
        obj["metadata"].get("name", ""),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        age(obj, now),
        *images(obj),
    ]


register(
    Strategy(
        kind="StatefulSet",
        group="apps",
        version="v1",
        plural="statefulsets",
        namespaced=True,
        short_names=("sts",),
        categories=ALL,
        subresources=STATUS_SCALE,
        defaulter=defaults.statefulset,
        validator=validation.statefulset,
        update_validator=validation.statefulset_update,
        initial_status=empty_status,
        quantities=template_quantities,
        columns=("NAME", "READY", "AGE"),
        wide_columns=("CONTAINERS", "IMAGES"),
        printer=printer,
        counterpart="VMs with fixed identities",
    )
)
