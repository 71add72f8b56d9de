"""apps/v1 ReplicaSet: an HA/FT group of identical VMs."""

from playground.engine import defaults, validation
from playground.engine.printers import age, workload_wide
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, STATUS_SCALE, template_quantities, zero_status


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [
        obj["metadata"].get("name", ""),
        str(spec.get("replicas", 1)),
        str(status.get("replicas", 0)),
        str(status.get("readyReplicas", 0)),
        age(obj, now),
        *workload_wide(obj),
    ]


register(
    Strategy(
        kind="ReplicaSet",
        group="apps",
        version="v1",
        plural="replicasets",
        namespaced=True,
        short_names=("rs",),
        categories=ALL,
        subresources=STATUS_SCALE,
        defaulter=defaults.replicaset,
        validator=validation.replicaset,
        update_validator=validation.selector_immutable_update,
        generation=True,
        initial_status=zero_status(replicas=0),
        quantities=template_quantities,
        columns=("NAME", "DESIRED", "CURRENT", "READY", "AGE"),
        wide_columns=("CONTAINERS", "IMAGES", "SELECTOR"),
        printer=printer,
        counterpart="HA/FT group of identical VMs",
    )
)
