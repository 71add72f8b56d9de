"""networking.k8s.io/v1 NetworkPolicy: a distributed firewall rule."""

from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, no_validation, register
from playground.engine.selectors import format_selector


def printer(obj: dict, now: float) -> list[str]:
    selector = (obj.get("spec") or {}).get("podSelector")
    return [
        obj["metadata"].get("name", ""),
        format_selector(selector) if selector else "<none>",
        age(obj, now),
    ]


register(
    Strategy(
        kind="NetworkPolicy",
        group="networking.k8s.io",
        version="v1",
        plural="networkpolicies",
        namespaced=True,
        short_names=("netpol",),
        has_status=False,
        defaulter=no_defaults,
        validator=no_validation,
        columns=("NAME", "POD-SELECTOR", "AGE"),
        printer=printer,
        counterpart="distributed firewall rule",
    )
)
