"""admissionregistration.k8s.io/v1 ValidatingAdmissionPolicyBinding: stored, never evaluated.

ValidateValidatingAdmissionPolicyBinding's first checks (policyName, at least one
validation action of Deny, Warn, Audit); kubectl's columns as
printValidatingAdmissionPolicyBinding (NAME, POLICYNAME, PARAMREF, AGE)."""

from playground.engine.errors import required, unsupported
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, register

ACTIONS = ["Audit", "Deny", "Warn"]


def _default(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    match = spec.get("matchResources") if isinstance(spec, dict) else None
    if isinstance(match, dict):
        match.setdefault("matchPolicy", "Equivalent")
        match.setdefault("namespaceSelector", {})
        match.setdefault("objectSelector", {})


def _validate(obj: dict) -> list:
    spec = obj.get("spec") or {}
    errors = []
    if not spec.get("policyName"):
        errors.append(required("spec.policyName"))
    actions = spec.get("validationActions") or []
    if not actions:
        errors.append(required("spec.validationActions", "at least one validation action is required"))
    for index, action in enumerate(actions):
        if action not in ACTIONS:
            errors.append(unsupported(f"spec.validationActions[{index}]", action, ACTIONS))
    return errors


def _param(spec: dict) -> str:
    ref = spec.get("paramRef")
    if not isinstance(ref, dict):
        return "<unset>"
    if ref.get("name"):
        return f"{ref.get('namespace') or '*'}/{ref['name']}"
    selector = ref.get("selector") or {}
    return ",".join(f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())) or "<unset>"


def printer(obj: dict, now: float) -> list[str]:
    spec = obj.get("spec") or {}
    return [obj["metadata"].get("name", ""), spec.get("policyName", ""), _param(spec), age(obj, now)]


register(
    Strategy(
        kind="ValidatingAdmissionPolicyBinding",
        group="admissionregistration.k8s.io",
        version="v1",
        plural="validatingadmissionpolicybindings",
        namespaced=False,
        has_status=False,
        defaulter=_default,
        validator=_validate,
        generation=True,
        columns=("NAME", "POLICYNAME", "PARAMREF", "AGE"),
        printer=printer,
        counterpart=None,
    )
)
