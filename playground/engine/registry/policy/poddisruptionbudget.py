"""policy/v1 PodDisruptionBudget: HA admission control for maintenance."""

from playground.engine import defaults, validation
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import STATUS, zero_status


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [
        obj["metadata"].get("name", ""),
        str(spec["minAvailable"]) if spec.get("minAvailable") is not None else "N/A",
        str(spec["maxUnavailable"]) if spec.get("maxUnavailable") is not None else "N/A",
        str(status.get("disruptionsAllowed", 0)),
        age(obj, now),
    ]


register(
    Strategy(
        kind="PodDisruptionBudget",
        group="policy",
        version="v1",
        plural="poddisruptionbudgets",
        namespaced=True,
        short_names=("pdb",),
        subresources=STATUS,
        defaulter=defaults.pdb,
        validator=validation.pdb,
        generation=True,
        initial_status=zero_status(disruptionsAllowed=0, currentHealthy=0, desiredHealthy=0, expectedPods=0),
        columns=("NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"),
        printer=printer,
        protobuf="PodDisruptionBudget",
        counterpart="HA admission control for maintenance",
    )
)
