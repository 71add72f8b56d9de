"""v1 Pod: a VM."""

from playground.engine import defaults, validation
from playground.engine.podstatus import pod_display
from playground.engine.printers import age, restarts_cell
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, pod_quantities


def initial_status(obj: dict) -> None:
    from playground.engine.resources import qos_class

    obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj)}


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ready, restarts, reason, last = pod_display(obj)
    return [
        obj["metadata"].get("name", ""),
        ready,
        reason,
        restarts_cell(restarts, last, now),
        age(obj, now),
        status.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        "<none>",
    ]


register(
    Strategy(
        kind="Pod",
        group="",
        version="v1",
        plural="pods",
        namespaced=True,
        short_names=("po",),
        categories=ALL,
        subresources=("status", "binding", "eviction", "log", "exec", "ephemeralcontainers"),
        defaulter=defaults.pod,
        validator=validation.pod,
        update_validator=validation.pod_update,
        initial_status=initial_status,
        # Admission set these on create; an update that leaves them out keeps them.
        spec_kept_on_update=(
            "serviceAccountName",
            "serviceAccount",
            "priority",
            "preemptionPolicy",
            "enableServiceLinks",
        ),
        quantities=pod_quantities,
        columns=("NAME", "READY", "STATUS", "RESTARTS", "AGE"),
        wide_columns=("IP", "NODE", "NOMINATED NODE", "READINESS GATES"),
        printer=printer,
        counterpart="VM",
    )
)
