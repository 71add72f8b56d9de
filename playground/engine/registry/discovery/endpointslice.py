"""discovery.k8s.io/v1 EndpointSlice: a slice of a Service's pool members."""

from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, no_validation, register


def printer(obj: dict, now: float) -> list[str]:
    ports = ",".join(str(p.get("port")) for p in obj.get("ports") or []) or "<unset>"
    addresses = [a for e in obj.get("endpoints") or [] for a in e.get("addresses") or []]
    shown = ",".join(addresses[:3]) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")
    return [
        obj["metadata"].get("name", ""),
        obj.get("addressType", ""),
        ports,
        shown or "<unset>",
        age(obj, now),
    ]


register(
    Strategy(
        kind="EndpointSlice",
        group="discovery.k8s.io",
        version="v1",
        plural="endpointslices",
        namespaced=True,
        has_status=False,
        defaulter=no_defaults,
        validator=no_validation,
        columns=("NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"),
        printer=printer,
        counterpart=None,
    )
)
