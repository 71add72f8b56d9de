"""v1 Secret: a credential store item."""

from playground.engine import defaults, validation
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, register


def printer(obj: dict, now: float) -> list[str]:
    return [
        obj["metadata"].get("name", ""),
        obj.get("type", "Opaque"),
        str(len(obj.get("data") or {})),
        age(obj, now),
    ]


register(
    Strategy(
        kind="Secret",
        group="",
        version="v1",
        plural="secrets",
        namespaced=True,
        has_status=False,
        defaulter=defaults.secret,
        validator=validation.secret,
        update_validator=validation.secret_update,
        columns=("NAME", "TYPE", "DATA", "AGE"),
        printer=printer,
        protobuf="Secret",
        counterpart="credential store item",
    )
)
