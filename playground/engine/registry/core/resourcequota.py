"""v1 ResourceQuota: a resource pool's limits."""

from playground.engine import validation
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, register
from playground.engine.registry.common import STATUS, empty_status


def quantities(obj: dict):
    yield from ((obj.get("spec") or {}).get("hard") or {}).values()


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    hard, used = (status.get("hard") or spec.get("hard") or {}), (status.get("used") or {})
    request = ", ".join(
        f"{k}: {used.get(k, '0')}/{v}" for k, v in sorted(hard.items()) if not k.startswith("limits.")
    )
    limit = ", ".join(
        f"{k}: {used.get(k, '0')}/{v}" for k, v in sorted(hard.items()) if k.startswith("limits.")
    )
    return [obj["metadata"].get("name", ""), age(obj, now), request, limit]


register(
    Strategy(
        kind="ResourceQuota",
        group="",
        version="v1",
        plural="resourcequotas",
        namespaced=True,
        short_names=("quota",),
        subresources=STATUS,
        defaulter=no_defaults,
        validator=validation.resourcequota,
        initial_status=empty_status,
        quantities=quantities,
        columns=("NAME", "AGE", "REQUEST", "LIMIT"),
        printer=printer,
        protobuf="ResourceQuota",
        counterpart="resource pool limits",
    )
)
