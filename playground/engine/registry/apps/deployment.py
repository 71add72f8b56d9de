"""apps/v1 Deployment: a vApp with FT/HA and rolling upgrades."""

from playground.engine import defaults, validation
from playground.engine.printers import age, workload_wide
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, STATUS_SCALE, empty_status, template_quantities


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [
        obj["metadata"].get("name", ""),
        f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
        str(status.get("updatedReplicas", 0)),
        str(status.get("availableReplicas", 0)),
        age(obj, now),
        *workload_wide(obj),
    ]


register(
    Strategy(
        kind="Deployment",
        group="apps",
        version="v1",
        plural="deployments",
        namespaced=True,
        short_names=("deploy",),
        categories=ALL,
        subresources=STATUS_SCALE,
        defaulter=defaults.deployment,
        validator=validation.deployment,
        update_validator=validation.selector_immutable_update,
        generation=True,
        initial_status=empty_status,
        quantities=template_quantities,
        columns=("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"),
        wide_columns=("CONTAINERS", "IMAGES", "SELECTOR"),
        printer=printer,
        protobuf="Deployment",
        counterpart="vApp with FT/HA (rolling upgrades)",
    )
)
