"""v1 Service: a one-armed load balancer (VIP)."""

from playground.engine import defaults, validation
from playground.engine.printers import age, external_ip, service_ports
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, load_balancer_status


def printer(obj: dict, now: float) -> list[str]:
    spec = obj.get("spec") or {}
    return [
        obj["metadata"].get("name", ""),
        spec.get("type", "ClusterIP"),
        spec.get("clusterIP") or "<none>",
        external_ip(obj),
        service_ports(obj),
        age(obj, now),
        ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items())) or "<none>",
    ]


register(
    Strategy(
        kind="Service",
        group="",
        version="v1",
        plural="services",
        namespaced=True,
        short_names=("svc",),
        categories=ALL,
        subresources=("status", "proxy"),
        label_name=True,
        defaulter=defaults.service,
        validator=validation.service,
        update_validator=validation.service_update,
        initial_status=load_balancer_status,
        columns=("NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"),
        wide_columns=("SELECTOR",),
        printer=printer,
        protobuf="Service",
        counterpart="one-armed load balancer (VIP)",
    )
)
