"""The console's kubectl commands, one module per verb (as k8s.io/kubectl/pkg/cmd/<verb>).

Importing the package registers every verb, with its flags, in registry.VERBS.
"""

from playground.kubectl.cmd import (  # noqa: F401  (each module registers its verb)
    annotate,
    api_resources,
    apply,
    cordon,
    create,
    delete,
    describe,
    drain,
    explain,
    expose,
    get,
    label,
    logs,
    patch,
    rollout,
    run,
    scale,
    set,
    top,
    uncordon,
    version,
)
from playground.kubectl.cmd.registry import GLOBAL_FLAGS, VERBS, Flag, Verb

__all__ = ["GLOBAL_FLAGS", "VERBS", "Flag", "Verb"]
