"""admissionregistration.k8s.io/v1 MutatingWebhookConfiguration: stored, never called.

The sandbox keeps the configuration (defaults and validation as upstream's, in
webhooks.py) but calls no webhook: its admission is the built-in plugins only (README).
kubectl's columns as printMutatingWebhook (NAME, WEBHOOKS, AGE)."""

from playground.engine.registry.admissionregistration.webhooks import (
    default_webhooks,
    printer,
    validate_webhooks,
)
from playground.engine.registry.base import Strategy, register

register(
    Strategy(
        kind="MutatingWebhookConfiguration",
        group="admissionregistration.k8s.io",
        version="v1",
        plural="mutatingwebhookconfigurations",
        namespaced=False,
        has_status=False,
        defaulter=lambda obj: default_webhooks(obj, mutating=True),
        validator=validate_webhooks,
        generation=True,
        columns=("NAME", "WEBHOOKS", "AGE"),
        printer=printer,
        counterpart=None,
    )
)
