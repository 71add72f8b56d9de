"""coordination.k8s.io/v1 Lease: a heartbeat or a lock."""

from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, no_validation, register


def printer(obj: dict, now: float) -> list[str]:
    return [obj["metadata"].get("name", ""), (obj.get("spec") or {}).get("holderIdentity", ""), age(obj, now)]


register(
    Strategy(
        kind="Lease",
        group="coordination.k8s.io",
        version="v1",
        plural="leases",
        namespaced=True,
        has_status=False,
        defaulter=no_defaults,
        validator=no_validation,
        columns=("NAME", "HOLDER", "AGE"),
        printer=printer,
        counterpart=None,
    )
)
