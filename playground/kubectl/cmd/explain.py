"""kubectl explain TYPE[.FIELD...]: the field documentation (playground.kubectl.explain)."""

from __future__ import annotations

from playground.engine.errors import ApiError
from playground.kubectl.cmd.registry import OUTPUT_UNSUPPORTED, Unsupported, Verb, register
from playground.kubectl.cmd.util import Command, resource_type
from playground.kubectl.errors import ConsoleError
from playground.kubectl.explain import explain


def run(cluster, command: Command) -> str:
    if not command.args:
        raise ConsoleError("error: You must specify the type of resource to explain.")
    kind, *path = command.args[0].split(".")
    try:
        rt = resource_type(kind)
    except ConsoleError as error:  # explain prints the mapper's error without "error: "
        raise ConsoleError(str(error).removeprefix("error: ")) from None
    try:
        return explain(rt, path)
    except ApiError as error:
        raise ConsoleError(f"{getattr(error, 'printed', '')}error: {error.message}") from None


register(
    Verb(
        "explain",
        run,
        (),
        "kubectl explain TYPE [--recursive=FALSE|TRUE] [--api-version=api-version-group] [-o|--output=plaintext|plaintext-openapiv2] [options]",
        "Describe fields and structure of various resources.",
        unsupported=(
            Unsupported("recursive", instead="open one level at a time: kubectl explain pod.spec.containers"),
            Unsupported("api-version", instead="the console explains the version each kind is served in"),
            OUTPUT_UNSUPPORTED,
        ),
    )
)
