"""scheduling.k8s.io/v1 PriorityClass: which pods go first, and which may be preempted."""

from playground.engine import defaults, validation
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, register


def printer(obj: dict, now: float) -> list[str]:
    return [
        obj["metadata"].get("name", ""),
        str(obj.get("value", 0)),
        str(bool(obj.get("globalDefault"))).lower(),
        age(obj, now),
        obj.get("preemptionPolicy", ""),
    ]


register(
    Strategy(
        kind="PriorityClass",
        group="scheduling.k8s.io",
        version="v1",
        plural="priorityclasses",
        namespaced=False,
        short_names=("pc",),
        has_status=False,
        defaulter=defaults.priorityclass,
        validator=validation.priorityclass,
        update_validator=validation.priorityclass_update,
        generation=True,
        columns=("NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"),
        printer=printer,
        protobuf="PriorityClass",
        counterpart=None,
    )
)
