"""v1 Namespace: a resource pool."""

from playground.engine import defaults
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_validation, register


def initial_status(obj: dict) -> None:
    obj["status"] = {"phase": "Active"}


def printer(obj: dict, now: float) -> list[str]:
    return [obj["metadata"].get("name", ""), (obj.get("status") or {}).get("phase", "Active"), age(obj, now)]


register(
    Strategy(
        kind="Namespace",
        group="",
        version="v1",
        plural="namespaces",
        namespaced=False,
        short_names=("ns",),
        subresources=("status", "finalize"),
        label_name=True,
        defaulter=defaults.namespace,
        validator=no_validation,
        initial_status=initial_status,
        columns=("NAME", "STATUS", "AGE"),
        printer=printer,
        protobuf="Namespace",
        counterpart="resource pool",
    )
)
