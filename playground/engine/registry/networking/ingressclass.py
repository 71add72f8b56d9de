"""networking.k8s.io/v1 IngressClass: which controller serves an Ingress."""

from playground.engine import defaults
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_validation, register


def printer(obj: dict, now: float) -> list[str]:
    return [
        obj["metadata"].get("name", ""),
        (obj.get("spec") or {}).get("controller", ""),
        "<none>",
        age(obj, now),
    ]


register(
    Strategy(
        kind="IngressClass",
        group="networking.k8s.io",
        version="v1",
        plural="ingressclasses",
        namespaced=False,
        has_status=False,
        defaulter=defaults.ingressclass,
        validator=no_validation,
        columns=("NAME", "CONTROLLER", "PARAMETERS", "AGE"),
        printer=printer,
        counterpart=None,
    )
)
