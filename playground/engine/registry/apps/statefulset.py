"""apps/v1 StatefulSet: VMs with fixed identities."""

from playground.engine import defaults, validation
from playground.engine.printers import age, images
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, STATUS_SCALE, template_quantities, zero_status


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
        initial_status=zero_status(replicas=0, availableReplicas=0),
        quantities=template_quantities,
        columns=("NAME", "READY", "AGE"),
        wide_columns=("CONTAINERS", "IMAGES"),
        printer=printer,
        counterpart="VMs with fixed identities",
    )
)
