"""kubectl run NAME --image=IMAGE [-- ARGS...]: one bare pod."""

from __future__ import annotations

from playground.kubectl.cmd.create import port_number
from playground.kubectl.cmd.registry import (
    DRY_RUN,
    OUTPUT_UNSUPPORTED,
    OWN_KUBECTL,
    Flag,
    Unsupported,
    Verb,
    register,
)
from playground.kubectl.cmd.util import Command
from playground.kubectl.errors import ConsoleError

FLAGS = (
    Flag("image", help="The image for the container to run."),
    Flag("port", help="The port that this container exposes."),
    Flag("labels", "l", help="Comma separated labels to apply to the pod(s)."),
    Flag(
        "restart",
        default="Always",
        help="The restart policy for this Pod.  Legal values [Always, OnFailure, Never].",
        values=("Always", "Never", "OnFailure"),
    ),
)


def run(cluster, command: Command) -> str:
    if not command.args:
        raise ConsoleError("error: NAME is required for run")
    name, image = command.args[0], command.flag("image")
    if not image:
        raise ConsoleError('error: required flag(s) "image" not set')
    labels = {"run": name}
    if command.flag("labels"):
        labels = dict(pair.partition("=")[::2] for pair in command.flag("labels").split(","))
    container = {"name": name, "image": image, "resources": {}}
    if command.flag("port"):
        container["ports"] = [{"containerPort": port_number(command.flag("port"))}]
    args = command.args[1:]
    if args[:1] == ["--"]:
        args = args[1:]
    if args:
        container["args"] = args
    restart = command.flag("restart")
    if restart not in ("Always", "OnFailure", "Never"):
        raise ConsoleError(f"error: invalid restart policy: {restart}")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [container], "restartPolicy": restart, "dnsPolicy": "ClusterFirst"},
    }
    cluster.create(pod, command.namespace)
    return f"pod/{name} created\n"


register(
    Verb(
        "run",
        run,
        FLAGS,
        'kubectl run NAME --image=image [--env="key=value"] [--port=port] [--dry-run=server|client] [--overrides=inline-json] [--command] -- [COMMAND] [args...] [options]',
        "Create and run a particular image in a pod.",
        unsupported=(
            DRY_RUN,
            OUTPUT_UNSUPPORTED,
            Unsupported(
                "stdin", "i", f"the console cannot attach to a container; {OWN_KUBECTL} for kubectl run -i"
            ),
            Unsupported(
                "tty", "t", f"the console cannot attach to a container; {OWN_KUBECTL} for kubectl run -t"
            ),
            Unsupported("rm", instead="delete the pod when you are done: kubectl delete pod NAME"),
            Unsupported("env", instead="write the pod's YAML with env: and run kubectl apply -f"),
        ),
        writes=True,
    )
)
