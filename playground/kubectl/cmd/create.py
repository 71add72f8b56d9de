"""kubectl create deployment|namespace|quota|poddisruptionbudget NAME, each with its flags."""

from __future__ import annotations

from playground.kubectl.cmd.registry import DRY_RUN, OWN_KUBECTL, Flag, Unsupported, Verb, register
from playground.kubectl.cmd.util import Command
from playground.kubectl.errors import ConsoleError


def container_name(image: str) -> str:
    """kubectl create deployment names the container after the image's last path part."""
    base = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0]
    return "".join(ch if ch.isalnum() else "-" for ch in base.lower()).strip("-") or "container"


def port_number(value: str, flag: str = "port") -> int:
    try:
        return int(value)
    except ValueError:
        raise ConsoleError(f'error: invalid argument "{value}" for "--{flag}" flag') from None


def _name(command: Command) -> str:
    if len(command.args) != 1:
        raise ConsoleError(f"error: exactly one NAME is required, got {len(command.args)}")
    return command.args[0]


def run(cluster, command: Command) -> str:
    """`kubectl create` without a subcommand the console runs."""
    raise ConsoleError(
        "error: the console runs: kubectl create deployment|namespace|quota|pdb NAME …; "
        "use the Apply YAML box for other objects"
    )


def deployment(cluster, command: Command) -> str:
    name = _name(command)
    image = command.flag("image")
    if not image:
        raise ConsoleError('error: required flag(s) "image" not set')
    container = {"name": container_name(image), "image": image, "resources": {}}
    if command.flag("port") >= 0:
        container["ports"] = [{"containerPort": command.flag("port")}]
    cluster.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {
                "replicas": command.flag("replicas"),
                "selector": {"matchLabels": {"app": name}},
                "strategy": {},
                "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}},
            },
        },
        command.namespace,
    )
    return f"deployment.apps/{name} created\n"


def namespace(cluster, command: Command) -> str:
    name = _name(command)
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    return f"namespace/{name} created\n"


def quota(cluster, command: Command) -> str:
    name = _name(command)
    hard = {}
    for pair in (command.flag("hard") or "").split(","):
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConsoleError(f"error: invalid resource quota: --hard={command.flag('hard') or ''}")
        hard[key] = value
    body = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name}, "spec": {"hard": hard}}
    cluster.create(body, command.namespace)
    return f"resourcequota/{name} created\n"


def pdb(cluster, command: Command) -> str:
    name = _name(command)
    if not command.selector:
        raise ConsoleError('error: required flag(s) "selector" not set')
    spec = {"selector": {"matchLabels": dict(p.partition("=")[::2] for p in command.selector.split(","))}}
    for flag, key in (("min-available", "minAvailable"), ("max-unavailable", "maxUnavailable")):
        value = command.flag(flag)
        if value:
            spec[key] = int(value) if value.isdigit() else value
    if ("minAvailable" in spec) == ("maxUnavailable" in spec):
        raise ConsoleError("error: exactly one of min-available or max-unavailable must be specified")
    body = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": spec,
    }
    cluster.create(body, command.namespace)
    return f"poddisruptionbudget.policy/{name} created\n"


# Real kubectl flags of the create subcommands the console leaves out.
CREATE_UNSUPPORTED = (
    DRY_RUN,
    Unsupported(
        "output",
        "o",
        "create it, then kubectl get TYPE NAME -o yaml shows the object "
        f"(or {OWN_KUBECTL} for --dry-run=client -o yaml)",
    ),
)

register(
    Verb(
        "create",
        run,
        (),
        "kubectl create -f FILENAME [options]",
        "Create a resource from a file or from stdin.",
        unsupported=(
            DRY_RUN,
            Unsupported(
                "filename",
                "f",
                "paste the YAML and run kubectl apply -f, or use a subcommand (kubectl create deployment ...)",
            ),
        ),
    )
)
register(
    Verb(
        "create deployment",
        deployment,
        (
            Flag("image", help="Image name to run."),
            Flag("port", type="int", default=-1, help="The containerPort that this deployment exposes."),
            Flag("replicas", "r", "int", 1, "Number of replicas to create. Default is 1."),
        ),
        "kubectl create deployment NAME --image=image -- [COMMAND] [args...] [options]",
        "Create a deployment with the specified name.",
        unsupported=CREATE_UNSUPPORTED,
        writes=True,
        aliases=("deploy",),
    )
)
register(
    Verb(
        "create namespace",
        namespace,
        (),
        "kubectl create namespace NAME [--dry-run=server|client|none] [options]",
        "Create a namespace with the specified name.",
        unsupported=CREATE_UNSUPPORTED,
        writes=True,
        aliases=("ns",),
    )
)
register(
    Verb(
        "create quota",
        quota,
        (Flag("hard", help="A comma-delimited set of resource=quantity pairs that define a hard limit."),),
        "kubectl create quota NAME [--hard=key1=value1,key2=value2] [--scopes=Scope1,Scope2] [--dry-run=server|client|none] [options]",
        "Create a quota with the specified name.",
        unsupported=CREATE_UNSUPPORTED,
        writes=True,
        aliases=("resourcequota",),
    )
)
register(
    Verb(
        "create poddisruptionbudget",
        pdb,
        (
            Flag("selector", help="A label selector to use for this budget."),
            Flag(
                "min-available",
                help="The minimum number or percentage of available pods this budget requires.",
            ),
            Flag(
                "max-unavailable",
                help="The maximum number or percentage of unavailable pods this budget requires.",
            ),
        ),
        "kubectl create poddisruptionbudget NAME --selector=SELECTOR --min-available=N [--dry-run=server|client|none] [options]",
        "Create a pod disruption budget with the specified name.",
        unsupported=CREATE_UNSUPPORTED,
        writes=True,
        aliases=("pdb",),
    )
)
