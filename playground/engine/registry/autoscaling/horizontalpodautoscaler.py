"""autoscaling/v2 HorizontalPodAutoscaler: a DRS-like scale-out rule."""

from playground.engine import defaults, validation
from playground.engine.printers import age, hpa_targets
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, STATUS, zero_status


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    return [
        obj["metadata"].get("name", ""),
        f"{ref.get('kind')}/{ref.get('name')}",
        hpa_targets(obj),
        str(spec.get("minReplicas", 1)),
        str(spec.get("maxReplicas")),
        str(status.get("currentReplicas", 0)),
        age(obj, now),
    ]


register(
    Strategy(
        kind="HorizontalPodAutoscaler",
        group="autoscaling",
        version="v2",
        plural="horizontalpodautoscalers",
        namespaced=True,
        short_names=("hpa",),
        categories=ALL,
        subresources=STATUS,
        defaulter=defaults.hpa,
        validator=validation.hpa,
        initial_status=zero_status(currentMetrics=None, desiredReplicas=0),
        columns=("NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"),
        printer=printer,
        protobuf="HorizontalPodAutoscaler",
        counterpart="DRS-like scale-out rule",
    )
)
