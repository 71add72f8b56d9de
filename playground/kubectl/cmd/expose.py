"""kubectl expose TYPE NAME: a Service selecting the object's pods."""

from __future__ import annotations

from playground.kubectl.cmd.create import port_number
from playground.kubectl.cmd.registry import OUTPUT_UNSUPPORTED, WRITE_UNSUPPORTED, Flag, Verb, register
from playground.kubectl.cmd.util import Command, resource_type, target
from playground.kubectl.errors import ConsoleError

FLAGS = (
    Flag("port", help="The port that the service should serve on."),
    Flag(
        "target-port",
        help="Name or number for the port on the container that the service should direct traffic to.",
    ),
    Flag(
        "type",
        help="Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is 'ClusterIP'.",
        values=("ClusterIP", "LoadBalancer", "NodePort"),
    ),
    Flag("name", help="The name for the newly created object."),
    Flag(
        "protocol",
        help="The network protocol for the service to be created. Default is 'TCP'.",
        values=("SCTP", "TCP", "UDP"),
    ),
)


def run(cluster, command: Command) -> str:
    kind, names = target(command.args, "expose")
    rt = resource_type(kind)
    if not names:
        raise ConsoleError("error: resource(s) were provided, but no name was specified")
    obj = cluster.get(rt.kind, names[0], command.namespace)
    if rt.kind == "Pod":
        selector = obj["metadata"].get("labels") or {}
        containers = obj["spec"]["containers"]
    elif rt.kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"):
        selector = (obj["spec"].get("selector") or {}).get("matchLabels") or {}
        if (obj["spec"].get("selector") or {}).get("matchExpressions"):
            raise ConsoleError(
                f"error: couldn't retrieve selectors via --selector flag or introspection: "
                f"{rt.kind} has a selector with matchExpressions, which a Service cannot express"
            )
        containers = obj["spec"]["template"]["spec"]["containers"]
    elif rt.kind == "Service":
        selector, containers = obj["spec"].get("selector") or {}, []
    else:
        raise ConsoleError(f"error: cannot expose a {rt.kind}")
    if not selector:
        raise ConsoleError(
            f"error: couldn't retrieve selectors via --selector flag or introspection: the {rt.singular} has no labels"
        )
    port = command.flag("port")
    if port is None:
        declared = [p for c in containers for p in c.get("ports") or []]
        if not declared:
            raise ConsoleError("error: couldn't find port via --port flag or introspection")
        port = str(declared[0]["containerPort"])
    target_port = command.flag("target-port") or port
    name = command.flag("name") or names[0]
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": dict(obj["metadata"].get("labels") or {})},
            "spec": {
                "type": command.flag("type") or "ClusterIP",
                "selector": selector,
                "ports": [
                    {
                        "port": port_number(port),
                        "protocol": command.flag("protocol") or "TCP",
                        "targetPort": int(target_port) if str(target_port).isdigit() else target_port,
                    }
                ],
            },
        },
        command.namespace,
    )
    return f"service/{name} exposed\n"


register(
    Verb(
        "expose",
        run,
        FLAGS,
        "kubectl expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] [--type=type] [options]",
        "Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service.",
        unsupported=(*WRITE_UNSUPPORTED, OUTPUT_UNSUPPORTED),
        writes=True,
    )
)
