"""apps/v1 ControllerRevision: a DaemonSet's or StatefulSet's saved template."""

from playground.engine.printers import name_age
from playground.engine.registry.base import Strategy, no_defaults, no_validation, register

register(
    Strategy(
        kind="ControllerRevision",
        group="apps",
        version="v1",
        plural="controllerrevisions",
        namespaced=True,
        has_status=False,
        defaulter=no_defaults,
        validator=no_validation,
        columns=("NAME", "AGE"),
        printer=name_age,
        counterpart=None,
    )
)
