"""kubectl set image TYPE/NAME CONTAINER=IMAGE... (playground.kubectl.set_image)."""

from __future__ import annotations

from playground.engine.errors import ApiError
from playground.kubectl.cmd.registry import (
    ALL_UNSUPPORTED,
    SELECTOR_UNSUPPORTED,
    WRITE_UNSUPPORTED,
    Verb,
    register,
    usage_error,
)
from playground.kubectl.cmd.util import Command, ref, resource_type, target
from playground.kubectl.errors import ConsoleError
from playground.kubectl.set_image import set_image

# kubectl's other `set` commands, which the console does not run.
OTHERS = ("env", "resources", "selector", "serviceaccount", "subject")


def run(cluster, command: Command) -> str:
    """`kubectl set` without `image`: its help, the console's refusal, or cobra's."""
    if not command.args:
        return command.spec.help_text()
    if command.args[0] in OTHERS:
        raise ConsoleError("error: the console runs: kubectl set image TYPE/NAME CONTAINER=IMAGE ...")
    raise usage_error("set", f'unknown command "{" ".join(command.args)}"')


def image(cluster, command: Command) -> str:
    if len(command.args) < 2:
        raise ConsoleError("error: the console runs: kubectl set image TYPE/NAME CONTAINER=IMAGE ...")
    kind, names = target(command.args[:1], "set image")
    rt = resource_type(kind)
    pairs = command.args[1:] if "/" in command.args[0] else command.args[2:]
    name = names[0] if names else command.args[1]
    images = {}
    for pair in pairs:
        container, sep, value = pair.partition("=")
        if not sep or not value:
            raise ConsoleError(f'error: invalid image update "{pair}": expected CONTAINER=IMAGE')
        images[container] = value
    if not images:
        raise ConsoleError("error: at least one image update is required")
    try:
        set_image(cluster, rt.kind, name, images, command.namespace)
    except ApiError as error:
        if error.reason != "BadRequest":
            raise
        raise ConsoleError(f"error: {error.message}") from None  # kubectl finds this client-side
    return f"{ref(rt, name)} image updated\n"


register(Verb("set", run, (), "kubectl set SUBCOMMAND [options]", "Configure application resources."))
register(
    Verb(
        "set image",
        image,
        (),
        "kubectl set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... CONTAINER_NAME_N=CONTAINER_IMAGE_N [options]",
        "Update the image of a pod template.",
        unsupported=(*WRITE_UNSUPPORTED, ALL_UNSUPPORTED, SELECTOR_UNSUPPORTED),
        writes=True,
    )
)
