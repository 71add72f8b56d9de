"""v1 ServiceAccount."""

from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, no_validation, register


def printer(obj: dict, now: float) -> list[str]:
    return [obj["metadata"].get("name", ""), str(len(obj.get("secrets") or [])), age(obj, now)]


register(
    Strategy(
        kind="ServiceAccount",
        group="",
        version="v1",
        plural="serviceaccounts",
        namespaced=True,
        short_names=("sa",),
        has_status=False,
        subresources=("token",),  # TokenRequest, answered by the API facade (kubeapi/auth.py)
        defaulter=no_defaults,
        validator=no_validation,
        columns=("NAME", "SECRETS", "AGE"),
        printer=printer,
        protobuf="ServiceAccount",
        counterpart=None,
    )
)
