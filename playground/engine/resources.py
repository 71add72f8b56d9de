"""Resource arithmetic on pods: effective requests and limits, QoS class."""

from __future__ import annotations

from playground.engine import quantity


def _container_sum(containers, section: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for c in containers or []:
        values = ((c.get("resources") or {}).get(section)) or {}
        for name, value in values.items():
            amount = quantity.millis(value) if name == "cpu" else quantity.to_int(value)
            totals[name] = totals.get(name, 0) + amount
    return totals


def pod_resources(pod: dict, section: str = "requests") -> dict[str, int]:
    """max(sum of app containers, largest init container), per resource; cpu in millicores."""
    spec = pod.get("spec") or {}
    totals = _container_sum(spec.get("containers"), section)
    for init in spec.get("initContainers") or []:
        for name, value in _container_sum([init], section).items():
            if init.get("restartPolicy") == "Always":
                totals[name] = totals.get(name, 0) + value
            elif value > totals.get(name, 0):
                totals[name] = value
    for name, value in ((spec.get("overhead")) or {}).items():
        amount = quantity.millis(value) if name == "cpu" else quantity.to_int(value)
        totals[name] = totals.get(name, 0) + amount
    return totals


def qos_class(pod: dict) -> str:
    containers = list((pod.get("spec") or {}).get("containers") or []) + list(
        (pod.get("spec") or {}).get("initContainers") or []
    )
    any_set = False
    guaranteed = True
    for c in containers:
        resources = c.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        if requests or limits:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in limits or quantity.parse(requests.get(name, limits[name])) != quantity.parse(
                limits[name]
            ):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def is_terminal(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
