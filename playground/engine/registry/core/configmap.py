"""v1 ConfigMap: guest customization."""

from playground.engine import validation
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, register


def printer(obj: dict, now: float) -> list[str]:
    count = len(obj.get("data") or {}) + len(obj.get("binaryData") or {})
    return [obj["metadata"].get("name", ""), str(count), age(obj, now)]


register(
    Strategy(
        kind="ConfigMap",
        group="",
        version="v1",
        plural="configmaps",
        namespaced=True,
        short_names=("cm",),
        has_status=False,
        defaulter=no_defaults,
        validator=validation.configmap,
        update_validator=validation.configmap_update,
        columns=("NAME", "DATA", "AGE"),
        printer=printer,
        protobuf="ConfigMap",
        counterpart="guest customization",
    )
)
