"""Label and field selectors, parsed and matched as upstream does.

Label selectors come as strings (``app=web,tier in (fe,be),!canary``) or as
``LabelSelector`` objects (matchLabels, matchExpressions). Both compile to a list of
requirements, so matching is one code path.
"""

from __future__ import annotations

import re
from functools import lru_cache

from playground.engine.errors import bad_request

# A requirement: (key, operator, values) with operator in =, !=, in, notin, exists, !.
Requirement = tuple[str, str, frozenset]

_TOKEN = re.compile(r"\s*(!=|==|=|\(|\)|,|!|[^\s=!(),]+)")


def _tokens(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise bad_request(f"unable to parse requirement: {text!r}")
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


@lru_cache(maxsize=1024)
def parse_label_selector(text: str) -> tuple[Requirement, ...]:
    """Requirements from a string selector; raises 400 BadRequest when it cannot parse."""
    if text is None or text.strip() == "":
        return ()
    tokens = _tokens(text)
    requirements: list[Requirement] = []
    i = 0

    def fail(detail: str):
        raise bad_request(f"unable to parse requirement: {detail}")

    while i < len(tokens):
        token = tokens[i]
        if token == "!":  # noqa: S105 (a selector operator)
            if i + 1 >= len(tokens):
                fail("missing key after '!'")
            requirements.append((tokens[i + 1], "!", frozenset()))
            i += 2
        else:
            key = token
            op = tokens[i + 1] if i + 1 < len(tokens) else None
            if op in ("=", "==", "!="):
                if i + 2 >= len(tokens) or tokens[i + 2] in (",", "(", ")"):
                    value = ""
                    i += 2
                else:
                    value = tokens[i + 2]
                    i += 3
                requirements.append((key, "!=" if op == "!=" else "=", frozenset([value])))
            elif op in ("in", "notin"):
                if i + 2 >= len(tokens) or tokens[i + 2] != "(":
                    fail(f"expected '(' after {op!r}")
                j, values = i + 3, []
                while j < len(tokens) and tokens[j] != ")":
                    if tokens[j] != ",":
                        values.append(tokens[j])
                    j += 1
                if j >= len(tokens):
                    fail("missing ')'")
                requirements.append((key, op, frozenset(values)))
                i = j + 1
            elif op in (None, ","):
                requirements.append((key, "exists", frozenset()))
                i += 1
            else:
                fail(f"found '{op}', expected: '=', '!=', '==', 'in', notin'")
        if i < len(tokens):
            if tokens[i] != ",":
                fail(f"found '{tokens[i]}', expected: ','")
            i += 1
    return tuple(requirements)


def compile_label_selector(selector: dict | None) -> tuple[Requirement, ...] | None:
    """Requirements from a LabelSelector object. None matches nothing; {} matches everything."""
    if selector is None:
        return None
    requirements: list[Requirement] = []
    for key, value in sorted((selector.get("matchLabels") or {}).items()):
        requirements.append((key, "=", frozenset([str(value)])))
    for expression in selector.get("matchExpressions") or []:
        operator = expression.get("operator")
        key = expression.get("key")
        values = frozenset(expression.get("values") or [])
        mapped = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}.get(operator)
        if mapped is None:
            raise bad_request(f'"{operator}" is not a valid label selector operator')
        requirements.append((key, mapped, values))
    return tuple(requirements)


def matches(requirements: tuple[Requirement, ...] | None, labels: dict | None) -> bool:
    if requirements is None:
        return False
    labels = labels or {}
    for key, op, values in requirements:
        present = key in labels
        if op == "=" or op == "in":
            if not present or labels[key] not in values:
                return False
        elif op == "!=" or op == "notin":
            if present and labels[key] in values:
                return False
        elif op == "exists":
            if not present:
                return False
        elif op == "!":
            if present:
                return False
    return True


def format_selector(selector: dict | None) -> str:
    """A LabelSelector as kubectl prints it: 'app=web,tier in (fe)'."""
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        op = expr.get("operator")
        values = ",".join(sorted(expr.get("values") or []))
        if op == "In":
            parts.append(f"{expr['key']} in ({values})")
        elif op == "NotIn":
            parts.append(f"{expr['key']} notin ({values})")
        elif op == "Exists":
            parts.append(expr["key"])
        elif op == "DoesNotExist":
            parts.append(f"!{expr['key']}")
    return ",".join(parts)


# Field selectors: only the fields the API server supports per kind.
FIELD_GETTERS = {
    "metadata.name": lambda o: o["metadata"].get("name", ""),
    "metadata.namespace": lambda o: o["metadata"].get("namespace", ""),
    "spec.nodeName": lambda o: (o.get("spec") or {}).get("nodeName", ""),
    "status.phase": lambda o: (o.get("status") or {}).get("phase", ""),
    "spec.schedulerName": lambda o: (o.get("spec") or {}).get("schedulerName", ""),
    "spec.serviceAccountName": lambda o: (o.get("spec") or {}).get("serviceAccountName", ""),
    "status.podIP": lambda o: (o.get("status") or {}).get("podIP", ""),
    "status.nominatedNodeName": lambda o: (o.get("status") or {}).get("nominatedNodeName", ""),
    "spec.unschedulable": lambda o: str(bool((o.get("spec") or {}).get("unschedulable", False))).lower(),
    "involvedObject.kind": lambda o: (o.get("involvedObject") or {}).get("kind", ""),
    "involvedObject.name": lambda o: (o.get("involvedObject") or {}).get("name", ""),
    "involvedObject.namespace": lambda o: (o.get("involvedObject") or {}).get("namespace", ""),
    "involvedObject.uid": lambda o: (o.get("involvedObject") or {}).get("uid", ""),
    "involvedObject.apiVersion": lambda o: (o.get("involvedObject") or {}).get("apiVersion", ""),
    "involvedObject.resourceVersion": lambda o: (o.get("involvedObject") or {}).get("resourceVersion", ""),
    "involvedObject.fieldPath": lambda o: (o.get("involvedObject") or {}).get("fieldPath", ""),
    "reason": lambda o: o.get("reason", ""),
    "type": lambda o: o.get("type", ""),
    # ToSelectableFields: the source's component, else the reporting controller.
    "source": lambda o: (o.get("source") or {}).get("component") or o.get("reportingComponent") or "",
    "reportingComponent": lambda o: o.get("reportingComponent") or "",
    "status.phase@Namespace": lambda o: (o.get("status") or {}).get("phase", ""),
    "type@Secret": lambda o: o.get("type", ""),
}
_ALLOWED_FIELDS = {
    "Pod": {
        "metadata.name",
        "metadata.namespace",
        "spec.nodeName",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    },
    "Node": {"metadata.name", "spec.unschedulable"},
    "Event": {
        "metadata.name",
        "metadata.namespace",
        "involvedObject.kind",
        "involvedObject.name",
        "involvedObject.namespace",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "type",
        "source",
    },
    "Namespace": {"metadata.name", "status.phase"},
    "Secret": {"metadata.name", "metadata.namespace", "type"},
}


@lru_cache(maxsize=512)
def parse_field_selector(kind: str, text: str) -> tuple[tuple[str, bool, str], ...]:
    """(field, equal?, value) triples; unsupported fields are a 400 like upstream's."""
    if not text:
        return ()
    allowed = _ALLOWED_FIELDS.get(kind, {"metadata.name", "metadata.namespace"})
    result = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "!=" in part:
            field, value = part.split("!=", 1)
            equal = False
        elif "==" in part:
            field, value = part.split("==", 1)
            equal = True
        elif "=" in part:
            field, value = part.split("=", 1)
            equal = True
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        field = field.strip()
        if field not in allowed:
            raise bad_request(f'"{field}" is not a known field selector: only "{", ".join(sorted(allowed))}"')
        result.append((field, equal, value.strip()))
    return tuple(result)


def field_matches(requirements, obj: dict) -> bool:
    for field, equal, value in requirements:
        actual = FIELD_GETTERS[field](obj)
        if (actual == value) != equal:
            return False
    return True
