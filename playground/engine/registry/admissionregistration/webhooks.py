"""Shared parts of the two webhook configuration kinds (stored, never called).

SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook
(pkg/apis/admissionregistration/v1/defaults.go) and the checks of
ValidateValidatingWebhookConfiguration / ValidateMutatingWebhookConfiguration
(pkg/apis/admissionregistration/validation/validation.go) a learner meets first."""

from playground.engine.errors import FieldError, invalid, required, unsupported
from playground.engine.printers import age

SIDE_EFFECTS = ["None", "NoneOnDryRun"]
REVIEW_VERSIONS = ["v1", "v1beta1"]


def default_webhooks(obj: dict, mutating: bool) -> None:
    for webhook in obj.get("webhooks") or []:
        if not isinstance(webhook, dict):
            continue
        webhook.setdefault("failurePolicy", "Fail")
        webhook.setdefault("matchPolicy", "Equivalent")
        webhook.setdefault("namespaceSelector", {})
        webhook.setdefault("objectSelector", {})
        webhook.setdefault("timeoutSeconds", 10)
        if mutating:
            webhook.setdefault("reinvocationPolicy", "Never")
        for rule in webhook.get("rules") or []:
            if isinstance(rule, dict):
                rule.setdefault("scope", "*")
        service = (webhook.get("clientConfig") or {}).get("service")
        if isinstance(service, dict):
            service.setdefault("port", 443)


def validate_webhooks(obj: dict) -> list:
    errors: list[FieldError] = []
    names = set()
    for index, webhook in enumerate(obj.get("webhooks") or []):
        path = f"webhooks[{index}]"
        if not isinstance(webhook, dict):
            errors.append(required(path))
            continue
        name = webhook.get("name") or ""
        if not name:
            errors.append(required(f"{path}.name"))
        elif name.count(".") < 2:
            errors.append(
                invalid(
                    f"{path}.name", name, "should be a domain with at least three segments separated by dots"
                )
            )
        elif name in names:
            errors.append(FieldError(f"{path}.name", "Duplicate value", "", name, True))
        names.add(name)
        effects = webhook.get("sideEffects")
        if effects is None:
            errors.append(required(f"{path}.sideEffects", "must specify one of None, NoneOnDryRun"))
        elif effects not in SIDE_EFFECTS:
            errors.append(unsupported(f"{path}.sideEffects", effects, SIDE_EFFECTS))
        versions = webhook.get("admissionReviewVersions")
        if not versions:
            errors.append(required(f"{path}.admissionReviewVersions", "must specify one of v1, v1beta1"))
        elif not set(versions) & set(REVIEW_VERSIONS):
            errors.append(
                invalid(
                    f"{path}.admissionReviewVersions", versions, "must include at least one of v1, v1beta1"
                )
            )
        config = webhook.get("clientConfig") or {}
        if bool(config.get("url")) == bool(config.get("service")):
            errors.append(required(f"{path}.clientConfig", "exactly one of url or service is required"))
    return errors


def printer(obj: dict, now: float) -> list[str]:
    return [obj["metadata"].get("name", ""), str(len(obj.get("webhooks") or [])), age(obj, now)]
