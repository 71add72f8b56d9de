"""One exception family carrying a Kubernetes ``Status``, with upstream's messages.

The wording of every message matches kube-apiserver's, so what a learner reads here
is what they will read on a real cluster.
"""

from __future__ import annotations

import json

from playground.engine.kinds import ResourceType


class ApiError(Exception):
    """An API failure shaped as a ``meta/v1 Status``."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retry_after = retry_after

    @property
    def status(self) -> dict:
        """The Status in metav1.Status's field order (TypeMeta, ListMeta, status, message,
        reason, details, code), which is the order its JSON encoding writes."""
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        if self.details is not None:
            status["details"] = self.details
        status["code"] = self.code
        return status

    def __repr__(self) -> str:
        return f"ApiError({self.code}, {self.reason!r}, {self.message!r})"


# Go's encoding/json escapes these even inside strings (HTMLEscape, and the two line
# separators JavaScript cannot hold in a string literal).
_GO_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def encode_json(obj) -> bytes:
    """An object as kube-apiserver's JSON serializer writes it: json.NewEncoder(w).Encode
    (k8s.io/apimachinery/pkg/runtime/serializer/json.Serializer.doEncode): compact, UTF-8
    rather than \\u escapes, HTML characters escaped, and a trailing newline."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    if any(c in text for c in "<>&\u2028\u2029"):
        text = text.translate(_GO_ESCAPES)
    return text.encode("utf-8", "replace") + b"\n"


def _details(rt: ResourceType | None, name: str | None, **extra) -> dict:
    details: dict = {}
    if name:
        details["name"] = name
    if rt is not None:
        if rt.group:
            details["group"] = rt.group
        details["kind"] = rt.plural
    details.update(extra)
    return details


def not_found(rt: ResourceType, name: str) -> ApiError:
    return ApiError(404, "NotFound", f'{rt.qualified_plural} "{name}" not found', _details(rt, name))


def already_exists(rt: ResourceType, name: str) -> ApiError:
    return ApiError(
        409, "AlreadyExists", f'{rt.qualified_plural} "{name}" already exists', _details(rt, name)
    )


def conflict(rt: ResourceType, name: str, why: str | None = None) -> ApiError:
    why = why or "the object has been modified; please apply your changes to the latest version and try again"
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {rt.qualified_plural} "{name}": {why}',
        _details(rt, name),
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def forbidden(rt: ResourceType, name: str, why: str) -> ApiError:
    subject = f'{rt.qualified_plural} "{name}"' if name else rt.qualified_plural
    return ApiError(403, "Forbidden", f"{subject} is forbidden: {why}", _details(rt, name))


def too_many_requests(message: str, causes: list[dict] | None = None, retry_after: int = 0) -> ApiError:
    details: dict = {}
    if causes:
        details["causes"] = causes
    if retry_after:
        details["retryAfterSeconds"] = retry_after
    return ApiError(429, "TooManyRequests", message, details or None, retry_after=retry_after or None)


def expired(message: str = "too old resource version") -> ApiError:
    return ApiError(410, "Expired", message)


def not_registered(kind: str, api_version: str | None = None) -> ApiError:
    if api_version:
        message = f'no matches for kind "{kind}" in version "{api_version}"'
    else:
        message = f'the server doesn\'t have a resource type "{kind}"'
    return ApiError(404, "NotFound", message)


# Field errors, formatted as k8s.io/apimachinery/pkg/util/validation/field.


def format_value(value) -> str:
    """Go's %#v-ish rendering used in 'Invalid value: …' messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        inner = ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(value.items()))
        return "map[string]string{" + inner + "}"
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


class FieldError:
    __slots__ = ("field", "kind", "value", "detail", "has_value", "__dict__")

    REASONS = {
        "Required value": "FieldValueRequired",
        "Invalid value": "FieldValueInvalid",
        "Unsupported value": "FieldValueNotSupported",
        "Forbidden": "FieldValueForbidden",
        "Duplicate value": "FieldValueDuplicate",
        "Too long": "FieldValueTooLong",
        "Too many": "FieldValueTooMany",
        "Not found": "FieldValueNotFound",
    }

    def __init__(self, field: str, kind: str, detail: str = "", value=None, has_value: bool = False):
        self.field = field
        self.kind = kind
        self.value = value
        self.detail = detail
        self.has_value = has_value

    def body(self) -> str:
        text = self.kind
        if self.has_value:
            text += f": {format_value(self.value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"

    def cause(self) -> dict:
        return {"reason": self.REASONS[self.kind], "message": self.body(), "field": self.field}


def required(field: str, detail: str = "") -> FieldError:
    return FieldError(field, "Required value", detail)


def invalid(field: str, value, detail: str) -> FieldError:
    return FieldError(field, "Invalid value", detail, value, has_value=True)


def unsupported(field: str, value, supported: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(json.dumps(s) for s in supported)
    return FieldError(field, "Unsupported value", detail, value, has_value=True)


def forbidden_field(field: str, detail: str) -> FieldError:
    return FieldError(field, "Forbidden", detail)


def duplicate(field: str, value) -> FieldError:
    return FieldError(field, "Duplicate value", "", value, has_value=True)


def too_long(field: str, limit: int) -> FieldError:
    return FieldError(field, "Too long", f"must have at most {limit} bytes")


def invalid_object(rt: ResourceType, name: str, errors: list[FieldError]) -> ApiError:
    """422 Invalid: 'Deployment.apps "web" is invalid: spec.replicas: Invalid value: …'."""
    if len(errors) == 1:
        summary = str(errors[0])
    else:
        summary = "[" + ", ".join(str(e) for e in errors) + "]"
    message = f'{rt.qualified_kind} "{name}" is invalid: {summary}'
    details = {"name": name}
    if rt.group:
        details["group"] = rt.group
    details["kind"] = rt.kind
    details["causes"] = [e.cause() for e in errors]
    return ApiError(422, "Invalid", message, details)
