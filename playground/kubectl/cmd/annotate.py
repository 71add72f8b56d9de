"""kubectl annotate: as label, for annotations."""

from __future__ import annotations

from playground.kubectl.cmd.label import change_metadata
from playground.kubectl.cmd.registry import (
    ALL_UNSUPPORTED,
    OVERWRITE,
    SELECTOR_UNSUPPORTED,
    WRITE_UNSUPPORTED,
    Unsupported,
    Verb,
    register,
)
from playground.kubectl.cmd.util import Command


def run(cluster, command: Command) -> str:
    return change_metadata(cluster, command, "annotations", "annotated")


register(
    Verb(
        "annotate",
        run,
        (OVERWRITE,),
        "kubectl annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [options]",
        "Update the annotations on a resource.",
        unsupported=(
            *WRITE_UNSUPPORTED,
            ALL_UNSUPPORTED,
            SELECTOR_UNSUPPORTED,
            Unsupported("list", instead="kubectl describe TYPE NAME lists them"),
        ),
        writes=True,
    )
)
