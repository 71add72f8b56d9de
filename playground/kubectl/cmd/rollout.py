"""kubectl rollout status|history|restart|undo|pause|resume (playground.kubectl.rollout)."""

from __future__ import annotations

from playground.kubectl import rollout
from playground.kubectl.cmd.registry import (
    DRY_RUN,
    SELECTOR_UNSUPPORTED,
    Flag,
    Unsupported,
    Verb,
    register,
    usage_error,
)
from playground.kubectl.cmd.util import Command, ref, resource_type, target
from playground.kubectl.describe import tabwrite
from playground.kubectl.errors import ConsoleError

TYPES = ("daemonsets", "deployments", "statefulsets")


def _object(command: Command, action: str):
    if not command.args:
        raise ConsoleError("error: required resource not specified")
    kind, names = target(command.args, f"rollout {action}")
    rt = resource_type(kind)
    if not names:
        raise ConsoleError("error: required resource not specified")
    return rt, names[0]


def run(cluster, command: Command) -> str:
    """`kubectl rollout` without a known subcommand: its help, or cobra's refusal."""
    if not command.args:
        return command.spec.help_text()
    raise usage_error("rollout", f'unknown command "{" ".join(command.args)}"')


def status(cluster, command: Command) -> str:
    rt, name = _object(command, "status")
    return rollout.status(cluster.get(rt.kind, name, command.namespace))


def history(cluster, command: Command) -> str:
    rt, name = _object(command, "history")
    # kubectl's history viewer: a tabwriter with two spaces of padding.
    lines = ["REVISION\tCHANGE-CAUSE"]
    for entry in rollout.history(cluster, rt.kind, name, command.namespace):
        lines.append(f"{entry['revision']}\t{entry.get('changeCause') or '<none>'}")
    return f"{ref(rt, name)} \n" + tabwrite(lines) + "\n"


def restart(cluster, command: Command) -> str:
    rt, name = _object(command, "restart")
    rollout.restart(cluster, rt.kind, name, command.namespace)
    return f"{ref(rt, name)} restarted\n"


def undo(cluster, command: Command) -> str:
    rt, name = _object(command, "undo")
    result = rollout.undo(cluster, rt.kind, name, command.namespace, command.flag("to-revision") or None)
    if result["skipped"]:
        return (
            f"{ref(rt, name)} skipped rollback "
            f"(current template already matches revision {result['revision']})\n"
        )
    return f"{ref(rt, name)} rolled back\n"


def pause(cluster, command: Command) -> str:
    rt, name = _object(command, "pause")
    rollout.pause(cluster, rt.kind, name, command.namespace)
    return f"{ref(rt, name)} paused\n"


def resume(cluster, command: Command) -> str:
    rt, name = _object(command, "resume")
    rollout.resume(cluster, rt.kind, name, command.namespace)
    return f"{ref(rt, name)} resumed\n"


register(
    Verb(
        "rollout",
        run,
        (),
        "kubectl rollout SUBCOMMAND [options]",
        "Manage the rollout of one or many resources.",
    )
)
# Real kubectl flags of the rollout subcommands the console leaves out.
ROLLOUT_UNSUPPORTED = {
    "status": (
        Unsupported(
            "watch",
            "w",
            "the console reports the rollout once; run it again, or watch the page, which updates live",
        ),
    ),
    "undo": (DRY_RUN,),
    "restart": (SELECTOR_UNSUPPORTED,),
}

for leaf, function, flags, summary, writes in (
    ("history", history, (), "View rollout history.", False),
    ("pause", pause, (), "Mark the provided resource as paused.", True),
    ("restart", restart, (), "Restart a resource.", True),
    ("resume", resume, (), "Resume a paused resource.", True),
    ("status", status, (), "Show the status of the rollout.", False),
    (
        "undo",
        undo,
        (
            Flag(
                "to-revision",
                type="int",
                default=0,
                help="The revision to rollback to. Default to 0 (last revision).",
            ),
        ),
        "Undo a previous rollout.",
        True,
    ),
):
    register(
        Verb(
            f"rollout {leaf}",
            function,
            flags,
            f"kubectl rollout {leaf} (TYPE NAME | TYPE/NAME) [flags] [options]",
            summary,
            writes=writes,
            unsupported=ROLLOUT_UNSUPPORTED.get(leaf, ()),
        )
    )
