"""apps/v1 DaemonSet: an agent on every host."""

from playground.engine import defaults, validation
from playground.engine.printers import age, workload_wide
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, STATUS, template_quantities, zero_status


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    node_selector = ((spec.get("template") or {}).get("spec") or {}).get("nodeSelector") or {}
    return [
        obj["metadata"].get("name", ""),
        str(status.get("desiredNumberScheduled", 0)),
        str(status.get("currentNumberScheduled", 0)),
        str(status.get("numberReady", 0)),
        str(status.get("updatedNumberScheduled", 0)),
        str(status.get("numberAvailable", 0)),
        ",".join(f"{k}={v}" for k, v in sorted(node_selector.items())) or "<none>",
        age(obj, now),
        *workload_wide(obj),
    ]


register(
    Strategy(
        kind="DaemonSet",
        group="apps",
        version="v1",
        plural="daemonsets",
        namespaced=True,
        short_names=("ds",),
        categories=ALL,
        subresources=STATUS,
        defaulter=defaults.daemonset,
        validator=validation.daemonset,
        initial_status=zero_status(
            currentNumberScheduled=0, numberMisscheduled=0, desiredNumberScheduled=0, numberReady=0
        ),
        quantities=template_quantities,
        columns=("NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"),
        wide_columns=("CONTAINERS", "IMAGES", "SELECTOR"),
        printer=printer,
        counterpart="agent on every host",
    )
)
