"""v1 Endpoints: a Service's pool members."""

from playground.engine.printers import age, endpoints_cell
from playground.engine.registry.base import Strategy, no_defaults, no_validation, register


def printer(obj: dict, now: float) -> list[str]:
    return [obj["metadata"].get("name", ""), endpoints_cell(obj), age(obj, now)]


register(
    Strategy(
        kind="Endpoints",
        group="",
        version="v1",
        plural="endpoints",
        namespaced=True,
        short_names=("ep",),
        has_status=False,
        defaulter=no_defaults,
        validator=no_validation,
        columns=("NAME", "ENDPOINTS", "AGE"),
        printer=printer,
        counterpart=None,
    )
)
