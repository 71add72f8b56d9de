"""certificates.k8s.io/v1 CertificateSigningRequest: a request for a signed certificate.

pkg/registry/certificates/certificates/strategy.go: the status is reset on create, the
spec is immutable, status changes go through ``/status`` and the ``/approval``
subresource (``csrApprovalStrategy``: only the Approved and Denied conditions, with their
timestamps filled in; ValidateCertificateSigningRequestApprovalUpdate). The sandbox runs
no signer: an approved request stays Approved and is never Issued (README).
kubectl's columns as printCertificateSigningRequest."""

import base64
import binascii

from playground.engine.errors import FieldError, invalid, required, unsupported
from playground.engine.printers import age, human_duration
from playground.engine.registry.base import Strategy, no_defaults, register
from playground.engine.registry.common import zero_status
from playground.engine.util import deep_copy

USAGES = [
    "any",
    "cert sign",
    "client auth",
    "code signing",
    "content commitment",
    "crl sign",
    "data encipherment",
    "decipher only",
    "digital signature",
    "email protection",
    "encipher only",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "key agreement",
    "key encipherment",
    "microsoft sgc",
    "netscape sgc",
    "ocsp signing",
    "s/mime",
    "server auth",
    "signing",
    "timestamping",
]
APPROVAL_TYPES = ("Approved", "Denied")


def _validate(obj: dict) -> list:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [required("spec.request")]
    errors: list[FieldError] = []
    request = spec.get("request")
    if not request:
        errors.append(required("spec.request"))
    else:
        try:
            pem = base64.b64decode(request, validate=True)
        except (binascii.Error, ValueError, TypeError):
            pem = b""
        if b"-----BEGIN CERTIFICATE REQUEST-----" not in pem:
            errors.append(invalid("spec.request", "<bytes>", "PEM block type must be CERTIFICATE REQUEST"))
    if not spec.get("signerName"):
        errors.append(required("spec.signerName"))
    expiration = spec.get("expirationSeconds")
    if expiration is not None and (not isinstance(expiration, int) or expiration < 600):
        errors.append(
            invalid(
                "spec.expirationSeconds",
                expiration,
                "may not specify a duration less than 600 seconds (10 minutes)",
            )
        )
    for index, usage in enumerate(spec.get("usages") or []):
        if usage not in USAGES:
            errors.append(unsupported(f"spec.usages[{index}]", usage, USAGES))
    return errors


def _spec_immutable(new: dict, old: dict) -> list:
    if new.get("spec") != old.get("spec"):
        return [invalid("spec", "<spec>", "field is immutable")]
    return []


def _approval(sent: dict, stored: dict) -> tuple[dict, list]:
    """/approval: the Approved and Denied conditions change; nothing else does. A missing
    lastTransitionTime is the condition's lastUpdateTime (kubectl sends that one)."""
    new = deep_copy(stored)
    conditions = deep_copy((sent.get("status") or {}).get("conditions") or [])
    errors: list[FieldError] = []
    seen = set()
    for index, condition in enumerate(conditions):
        kind = condition.get("type")
        if kind in APPROVAL_TYPES:
            condition.setdefault("status", "True")
            if condition["status"] != "True":
                errors.append(
                    unsupported(f"status.conditions[{index}].status", condition["status"], ["True"])
                )
        if kind in seen:
            errors.append(FieldError(f"status.conditions[{index}].type", "Duplicate value", "", kind, True))
        seen.add(kind)
        if condition.get("lastUpdateTime"):
            condition.setdefault("lastTransitionTime", condition["lastUpdateTime"])
    if {"Approved", "Denied"} <= seen:
        errors.append(
            invalid("status.conditions", "Denied", "Approved and Denied conditions are mutually exclusive")
        )
    had = {c.get("type") for c in (stored.get("status") or {}).get("conditions") or []}
    for kind in APPROVAL_TYPES:
        if kind in had and kind not in seen:
            errors.append(
                FieldError(
                    "status.conditions", "Forbidden", f'updates may not remove a condition of type "{kind}"'
                )
            )
    new.setdefault("status", {})["conditions"] = conditions
    if not conditions:
        new["status"].pop("conditions")
    return new, errors


def condition_text(obj: dict) -> str:
    """extractCSRStatus: Denied, else Approved, else Pending; then Failed and Issued."""
    status = obj.get("status") or {}
    kinds = {c.get("type") for c in status.get("conditions") or []}
    text = "Denied" if "Denied" in kinds else "Approved" if "Approved" in kinds else "Pending"
    if "Failed" in kinds:
        text += ",Failed"
    if status.get("certificate"):
        text += ",Issued"
    return text


def printer(obj: dict, now: float) -> list[str]:
    spec = obj.get("spec") or {}
    expiration = spec.get("expirationSeconds")
    return [
        obj["metadata"].get("name", ""),
        age(obj, now),
        spec.get("signerName") or "<none>",
        spec.get("username", ""),
        human_duration(expiration) if isinstance(expiration, int) else "<none>",
        condition_text(obj),
    ]


register(
    Strategy(
        kind="CertificateSigningRequest",
        group="certificates.k8s.io",
        version="v1",
        plural="certificatesigningrequests",
        namespaced=False,
        short_names=("csr",),
        subresources=("status", "approval"),
        subresource_updates={"approval": _approval},
        defaulter=no_defaults,
        validator=_validate,
        update_validator=_spec_immutable,
        initial_status=zero_status(),
        columns=("NAME", "AGE", "SIGNERNAME", "REQUESTOR", "REQUESTEDDURATION", "CONDITION"),
        printer=printer,
        counterpart="a certificate request to the VMCA",
    )
)
