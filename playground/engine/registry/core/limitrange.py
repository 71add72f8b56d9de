"""v1 LimitRange: default VM sizing."""

from playground.engine import defaults, validation
from playground.engine.printers import name_age
from playground.engine.registry.base import Strategy, register

SECTIONS = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")


def quantities(obj: dict):
    for item in (obj.get("spec") or {}).get("limits") or []:
        for section in SECTIONS:
            yield from ((item or {}).get(section) or {}).values()


register(
    Strategy(
        kind="LimitRange",
        group="",
        version="v1",
        plural="limitranges",
        namespaced=True,
        short_names=("limits",),
        has_status=False,
        defaulter=defaults.limitrange,
        validator=validation.limitrange,
        quantities=quantities,
        columns=("NAME", "AGE"),
        printer=name_age,
        counterpart="default VM sizing",
    )
)
