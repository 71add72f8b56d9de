"""node.k8s.io/v1 RuntimeClass: which container runtime handler runs a pod.

pkg/registry/node/runtimeclass/strategy.go with ValidateRuntimeClass (``handler`` a
DNS label, immutable); kubectl's columns as printRuntimeClass (NAME, HANDLER, AGE)."""

from playground.engine.errors import invalid, required
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, register
from playground.engine.validation import DNS1123_LABEL, LABEL_MSG


def _validate(obj: dict) -> list:
    handler = obj.get("handler")
    if not handler:
        return [required("handler")]
    if not isinstance(handler, str) or len(handler) > 63 or not DNS1123_LABEL.fullmatch(handler):
        return [invalid("handler", handler, LABEL_MSG)]
    return []


def _immutable_handler(new: dict, old: dict) -> list:
    if new.get("handler") != old.get("handler"):
        return [invalid("handler", new.get("handler"), "field is immutable")]
    return []


def printer(obj: dict, now: float) -> list[str]:
    return [obj["metadata"].get("name", ""), obj.get("handler", ""), age(obj, now)]


register(
    Strategy(
        kind="RuntimeClass",
        group="node.k8s.io",
        version="v1",
        plural="runtimeclasses",
        namespaced=False,
        has_status=False,
        defaulter=no_defaults,
        validator=_validate,
        update_validator=_immutable_handler,
        columns=("NAME", "HANDLER", "AGE"),
        printer=printer,
        counterpart=None,
    )
)
