"""networking.k8s.io/v1 Ingress: an in-line L7 load balancer."""

from playground.engine import validation
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, register
from playground.engine.registry.common import STATUS, load_balancer_status


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    hosts = ",".join(r.get("host") or "*" for r in spec.get("rules") or []) or "*"
    address = ",".join(
        i.get("ip") or i.get("hostname", "")
        for i in ((status.get("loadBalancer") or {}).get("ingress") or [])
    )
    ports = "80, 443" if spec.get("tls") else "80"
    return [
        obj["metadata"].get("name", ""),
        spec.get("ingressClassName") or "<none>",
        hosts,
        address,
        ports,
        age(obj, now),
    ]


register(
    Strategy(
        kind="Ingress",
        group="networking.k8s.io",
        version="v1",
        plural="ingresses",
        namespaced=True,
        short_names=("ing",),
        subresources=STATUS,
        defaulter=no_defaults,
        validator=validation.ingress,
        initial_status=load_balancer_status,
        columns=("NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"),
        printer=printer,
        counterpart="in-line L7 load balancer",
    )
)
