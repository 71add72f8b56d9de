"""Pieces several kinds' strategies share."""

from __future__ import annotations

from playground.engine.util import deep_copy

ALL = ("all",)
STATUS = ("status",)
STATUS_SCALE = ("status", "scale")


def empty_status(obj: dict) -> None:
    """A controller fills the status in: a new object starts with an empty one."""
    obj.setdefault("status", {})


def zero_status(**fields):
    """PrepareForCreate's empty status as upstream serialises it: the status struct's fields
    without ``omitempty`` are always on the wire (ReplicaSetStatus.replicas: 0), so typed
    clients that require them (the official Python client's models) can read a new object."""

    def initial(obj: dict) -> None:
        obj["status"] = {name: deep_copy(value) for name, value in fields.items()}

    return initial


def load_balancer_status(obj: dict) -> None:
    obj["status"] = {"loadBalancer": {}}


def _container_quantities(pod_spec):
    if not isinstance(pod_spec, dict):
        return
    for key in ("containers", "initContainers"):
        for c in pod_spec.get(key) or []:
            if isinstance(c, dict):
                for section in ("requests", "limits"):
                    yield from ((c.get("resources") or {}).get(section) or {}).values()


def pod_quantities(obj: dict):
    """The containers' requests and limits of a Pod."""
    yield from _container_quantities(obj.get("spec") or {})


def _values(section):
    return section.values() if isinstance(section, dict) else ()


def claim_quantities(obj: dict):
    """A PersistentVolumeClaim's storage requests and limits."""
    resources = (obj.get("spec") or {}).get("resources") if isinstance(obj.get("spec"), dict) else None
    if isinstance(resources, dict):
        yield from _values(resources.get("requests"))
        yield from _values(resources.get("limits"))


def template_quantities(obj: dict):
    """The containers' requests and limits of spec.template (workloads)."""
    template = (obj.get("spec") or {}).get("template")
    if isinstance(template, dict):
        yield from _container_quantities(template.get("spec") or {})
