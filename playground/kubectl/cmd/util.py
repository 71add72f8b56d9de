"""What the console's verbs share (upstream's cmdutil): the parsed command line and the
resource-argument helpers."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from playground.engine.kinds import resolve
from playground.kubectl.cmd.registry import Verb
from playground.kubectl.errors import ConsoleError


@dataclass
class Command:
    """One parsed command line: the verb, its positional arguments and the flags given.
    Flags other than namespace, output, selector and all-namespaces are in `extra`, typed."""

    verb: str
    args: list[str] = field(default_factory=list)
    namespace: str = "default"
    all_namespaces: bool = False
    output: str = ""
    selector: str = ""
    extra: dict = field(default_factory=dict)
    stdin: str = ""
    namespace_given: bool = False
    spec: Verb | None = None  # the registered verb or subcommand that runs it
    help: bool = False

    @property
    def writes(self) -> bool:
        return bool(self.spec and self.spec.writes and not self.help)

    def flag(self, name: str):
        """The flag's value as given, else its registered default."""
        if name in self.extra:
            return self.extra[name]
        found = self.spec.long(name) if self.spec else None
        return found.default if found else None


def target(args: list[str], verb: str) -> tuple[str, list[str]]:
    """TYPE NAME..., or TYPE/NAME: the resource type and the names."""
    if not args:
        raise ConsoleError(f"error: You must specify the type of resource to {verb}.")
    if "/" in args[0]:
        kind, _, name = args[0].partition("/")
        return kind, [name, *[a.partition("/")[2] for a in args[1:]]]
    return args[0], args[1:]


# The cluster's kinds while a command runs (console.run sets it): its custom resources too.
REGISTRY: ContextVar = ContextVar("registry", default=None)


def resource_type(name: str):
    rt = resolve(name, registry=REGISTRY.get())
    if rt is None and "." in name:  # TYPE.GROUP with any name of the type (widget.example.com)
        short, _, group = name.partition(".")
        found = resolve(short, registry=REGISTRY.get())
        rt = found if found is not None and found.group == group else None
    if rt is None:
        raise ConsoleError(f'error: the server doesn\'t have a resource type "{name}"')
    return rt


def ref(rt, name: str) -> str:
    """TYPE.GROUP/NAME as kubectl prints an object it acted on."""
    return f"{rt.singular}.{rt.group}/{name}" if rt.group else f"{rt.singular}/{name}"


def node_names(command: Command) -> list[str]:
    if not command.args:
        raise ConsoleError(f"error: USAGE: kubectl {command.verb} NODE")
    return [a.removeprefix("node/").removeprefix("nodes/") for a in command.args]


def no_resources(namespace: str | None) -> ConsoleError:
    return ConsoleError(
        f"No resources found in {namespace} namespace." if namespace else "No resources found"
    )
