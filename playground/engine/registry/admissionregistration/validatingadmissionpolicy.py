"""admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy: stored, never evaluated.

SetDefaults_ValidatingAdmissionPolicySpec and SetDefaults_MatchResources
(pkg/apis/admissionregistration/v1/defaults.go): failurePolicy Fail, matchPolicy
Equivalent, empty namespace and object selectors, rules' scope "*";
ValidateValidatingAdmissionPolicy's first checks (validations or auditAnnotations,
matchConstraints). The sandbox does not evaluate CEL: a policy changes no admission
(README). kubectl's columns as printValidatingAdmissionPolicy."""

from playground.engine.errors import required
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import STATUS, zero_status


def _default(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("failurePolicy", "Fail")
    match = spec.get("matchConstraints")
    if isinstance(match, dict):
        match.setdefault("matchPolicy", "Equivalent")
        match.setdefault("namespaceSelector", {})
        match.setdefault("objectSelector", {})
        for rule in match.get("resourceRules") or []:
            if isinstance(rule, dict):
                rule.setdefault("scope", "*")


def _validate(obj: dict) -> list:
    spec = obj.get("spec") or {}
    errors = []
    if not spec.get("validations") and not spec.get("auditAnnotations"):
        errors.append(
            required("spec.validations", "validations or auditAnnotations must contain at least one item")
        )
    if not spec.get("matchConstraints"):
        errors.append(required("spec.matchConstraints"))
    for index, validation in enumerate(spec.get("validations") or []):
        if isinstance(validation, dict) and not validation.get("expression"):
            errors.append(required(f"spec.validations[{index}].expression"))
    return errors


def printer(obj: dict, now: float) -> list[str]:
    spec = obj.get("spec") or {}
    param = spec.get("paramKind")
    return [
        obj["metadata"].get("name", ""),
        str(len(spec.get("validations") or [])),
        f"{param.get('apiVersion', '')}/{param.get('kind', '')}" if isinstance(param, dict) else "<unset>",
        age(obj, now),
    ]


register(
    Strategy(
        kind="ValidatingAdmissionPolicy",
        group="admissionregistration.k8s.io",
        version="v1",
        plural="validatingadmissionpolicies",
        namespaced=False,
        subresources=STATUS,
        defaulter=_default,
        validator=_validate,
        generation=True,
        initial_status=zero_status(),
        columns=("NAME", "VALIDATIONS", "PARAMKIND", "AGE"),
        printer=printer,
        counterpart=None,
    )
)
