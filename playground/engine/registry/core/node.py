"""v1 Node: an ESXi host."""

from playground.engine import defaults
from playground.engine.podstatus import node_status_text
from playground.engine.printers import age, node_address, node_roles
from playground.engine.registry.base import Strategy, no_validation, register


def printer(obj: dict, now: float) -> list[str]:
    info = (obj.get("status") or {}).get("nodeInfo") or {}
    return [
        obj["metadata"].get("name", ""),
        node_status_text(obj),
        node_roles(obj),
        age(obj, now),
        info.get("kubeletVersion", ""),
        node_address(obj, "InternalIP"),
        node_address(obj, "ExternalIP"),
        info.get("osImage", "<unknown>"),
        info.get("kernelVersion", "<unknown>"),
        info.get("containerRuntimeVersion", "<unknown>"),
    ]


register(
    Strategy(
        kind="Node",
        group="",
        version="v1",
        plural="nodes",
        namespaced=False,
        short_names=("no",),
        subresources=("status", "proxy"),
        defaulter=defaults.node,
        validator=no_validation,
        create_keeps_status=True,  # a kubelet registers its node with the status filled in
        columns=("NAME", "STATUS", "ROLES", "AGE", "VERSION"),
        wide_columns=("INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"),
        printer=printer,
        counterpart="ESXi host",
    )
)
