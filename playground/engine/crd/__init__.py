"""Structural schemas of CustomResourceDefinitions: validation, defaulting, pruning.

What apiextensions-apiserver does to a custom resource with the ``openAPIV3Schema`` of
its version (pkg/apiserver/schema/{defaulting,pruning}, pkg/apiserver/validation and
kube-openapi's validator), with the same field paths and messages:

    errors = validate(obj, schema)       # [FieldError], e.g.
        # spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"
    apply_defaults(obj, schema)          # fills ``default:`` values in place
    unknown = prune(obj, schema)         # drops undeclared fields, returns their paths
    errors = structural_errors(schema, "spec.versions[0].schema.openAPIV3Schema")

and ``jsonpath(obj, ".spec.size")`` for additionalPrinterColumns and the scale paths.
"""

from __future__ import annotations

import json
import re

from playground.engine.errors import FieldError, duplicate, invalid, required, too_long, unsupported
from playground.engine.util import deep_copy

_META_KEYS = ("apiVersion", "kind", "metadata")


def _go_number(value) -> str:
    """Go's %v of a float64 bound from the schema: 1 not 1.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_ok(expected: str, value) -> bool:
    actual = json_type(value)
    if expected == "number":
        return actual in ("integer", "number")
    return actual == expected


class _Invalid(FieldError):
    """A field error whose value is shown exactly as given (Go's rendering of a map)."""

    def __init__(self, field: str, kind: str, shown: str, detail: str = ""):
        super().__init__(field, kind, detail, shown, has_value=True)
        self.shown = shown

    def body(self) -> str:
        text = f"{self.kind}: {self.shown}"
        return f"{text}: {self.detail}" if self.detail else text


def _type_invalid(path: str, expected: str, value) -> FieldError:
    actual = json_type(value)
    name = path or "."
    return invalid(path, actual, f'{name} in body must be of type {expected}: "{actual}"')


def _go_map(value: dict) -> str:
    inner = ", ".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in value.items())
    return "map[string]interface {}{" + inner + "}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate(value, schema: dict, path: str = "") -> list[FieldError]:
    """The schema's errors for a value, as kube-openapi reports them through apiextensions."""
    if not isinstance(schema, dict):
        return []
    errors: list[FieldError] = []
    if value is None:
        if schema.get("nullable") or (
            not schema.get("type") and not schema.get("x-kubernetes-int-or-string")
        ):
            return []
        return [_type_invalid(path, schema.get("type", "string"), value)]
    if schema.get("x-kubernetes-int-or-string"):
        if json_type(value) not in ("integer", "string"):
            return [_type_invalid(path, "integer,string", value)]
    expected = schema.get("type")
    if expected and not _type_ok(expected, value):
        return [_type_invalid(path, expected, value)]
    name = path or "."
    if "enum" in schema and value not in schema["enum"]:
        shown = [v if isinstance(v, str) else json.dumps(v) for v in schema["enum"]]
        errors.append(unsupported(path, value, shown))
    if isinstance(value, str):
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(too_long(path, schema["maxLength"]))
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(
                invalid(path, value, f"{name} in body should be at least {schema['minLength']} chars long")
            )
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(invalid(path, value, f"{name} in body should match '{schema['pattern']}'"))
    if json_type(value) in ("integer", "number"):
        if "maximum" in schema:
            bound = schema["maximum"]
            if schema.get("exclusiveMaximum") and value >= bound:
                errors.append(invalid(path, value, f"{name} in body should be less than {_go_number(bound)}"))
            elif value > bound:
                errors.append(
                    invalid(
                        path, value, f"{name} in body should be less than or equal to {_go_number(bound)}"
                    )
                )
        if "minimum" in schema:
            bound = schema["minimum"]
            if schema.get("exclusiveMinimum") and value <= bound:
                errors.append(
                    invalid(path, value, f"{name} in body should be greater than {_go_number(bound)}")
                )
            elif value < bound:
                errors.append(
                    invalid(
                        path, value, f"{name} in body should be greater than or equal to {_go_number(bound)}"
                    )
                )
        if schema.get("multipleOf"):
            if (value / schema["multipleOf"]) % 1:
                errors.append(
                    invalid(
                        path,
                        value,
                        f"{name} in body should be a multiple of {_go_number(schema['multipleOf'])}",
                    )
                )
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(
                FieldError(
                    path,
                    "Too many",
                    f"must have at most {schema['maxItems']} items",
                    len(value),
                    has_value=True,
                )
            )
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(
                invalid(path, len(value), f"{name} in body should have at least {schema['minItems']} items")
            )
        if schema.get("uniqueItems"):
            seen = [json.dumps(v, sort_keys=True) for v in value]
            if len(set(seen)) != len(seen):
                errors.append(invalid(path, value, f"{name} in body shouldn't contain duplicates"))
        items = schema.get("items")
        for index, item in enumerate(value):
            if isinstance(items, dict):
                errors += validate(item, items, f"{path}[{index}]")
        errors += _list_type_errors(value, schema, path)
    if isinstance(value, dict):
        for key in schema.get("required") or []:
            if key not in value:
                errors.append(required(_join(path, key), ""))
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            errors.append(
                FieldError(
                    path,
                    "Too many",
                    f"must have at most {schema['maxProperties']} items",
                    len(value),
                    has_value=True,
                )
            )
        if "minProperties" in schema and len(value) < schema["minProperties"]:
            errors.append(
                invalid(
                    path,
                    len(value),
                    f"{name} in body should have at least {schema['minProperties']} properties",
                )
            )
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if not path and key in _META_KEYS:
                continue
            if key in props:
                errors += validate(item, props[key], _join(path, key))
            elif isinstance(extra, dict):
                errors += validate(item, extra, _join(path, key))
    return errors


def _list_type_errors(value: list, schema: dict, path: str) -> list[FieldError]:
    list_type = schema.get("x-kubernetes-list-type")
    errors: list[FieldError] = []
    if list_type == "set":
        seen: list[str] = []
        for index, item in enumerate(value):
            key = json.dumps(item, sort_keys=True)
            if key in seen:
                errors.append(duplicate(f"{path}[{index}]", item))
            seen.append(key)
    elif list_type == "map":
        keys = schema.get("x-kubernetes-list-map-keys") or []
        seen_keys: list[tuple] = []
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                continue
            key = tuple(json.dumps(item.get(k)) for k in keys)
            if key in seen_keys:
                shown = _go_map({k: item.get(k) for k in keys if k in item})
                errors.append(_Invalid(f"{path}[{index}]", "Duplicate value", shown))
            seen_keys.append(key)
    return errors


# Defaulting ------------------------------------------------------------------------------------


def apply_defaults(value, schema: dict) -> None:
    """Upstream's structural defaulting: a missing property with a ``default`` gets it."""
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        for key, prop in props.items():
            if key not in value and isinstance(prop, dict) and "default" in prop:
                value[key] = deep_copy(prop["default"])
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in props:
                apply_defaults(item, props[key])
            elif isinstance(extra, dict):
                apply_defaults(item, extra)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            apply_defaults(item, schema["items"])


# Pruning ---------------------------------------------------------------------------------------


def prune(obj: dict, schema: dict) -> list[str]:
    """Drop the fields the schema does not declare; the dropped paths, for warnings or Strict."""
    dropped: list[str] = []
    _prune(obj, schema, "", dropped, root=True)
    return dropped


def _prune(value, schema, path: str, dropped: list[str], root: bool = False) -> None:
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        preserve = schema.get("x-kubernetes-preserve-unknown-fields")
        embedded = schema.get("x-kubernetes-embedded-resource")
        for key in list(value):
            if (root or embedded) and key in _META_KEYS:
                continue
            if key in props:
                _prune(value[key], props[key], _join(path, key), dropped)
            elif isinstance(extra, dict):
                _prune(value[key], extra, _join(path, key), dropped)
            elif extra is True or preserve:
                continue
            else:
                dropped.append(_join(path, key))
                del value[key]
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _prune(item, schema["items"], f"{path}[{index}]", dropped)


def unknown_fields(obj: dict, schema: dict) -> list[str]:
    """The paths prune() would drop, leaving obj as it is."""
    return prune(deep_copy(obj), schema)


# Structural schema checks (a CRD's spec.versions[*].schema.openAPIV3Schema) --------------------

_TYPES = ("array", "boolean", "integer", "number", "object", "string")


def structural_errors(schema, path: str) -> list[FieldError]:
    """What upstream's structural-schema check refuses, a subset with its messages."""
    if not isinstance(schema, dict):
        return [required(path, "")]
    errors: list[FieldError] = []
    if (
        not schema.get("type")
        and not schema.get("x-kubernetes-int-or-string")
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        errors.append(required(f"{path}.type", "must not be empty at the root"))
    elif schema.get("type") and schema["type"] != "object":
        errors.append(invalid(f"{path}.type", schema["type"], "must be object at the root"))
    meta = (schema.get("properties") or {}).get("metadata")
    if isinstance(meta, dict):
        for key in meta.get("properties") or {}:
            if key not in ("name", "generateName"):
                errors.append(
                    FieldError(
                        f"{path}.properties[metadata]",
                        "Forbidden",
                        "must not specify anything other than name and generateName, but metadata is implicitly specified",
                    )
                )
                break
    errors += _node_errors(schema, path, root=True)
    return errors


def _node_errors(schema: dict, path: str, root: bool = False) -> list[FieldError]:
    errors: list[FieldError] = []
    kind = schema.get("type")
    if kind and kind not in _TYPES:
        errors.append(unsupported(f"{path}.type", kind, list(_TYPES)))
    if (
        not root
        and not kind
        and not schema.get("x-kubernetes-int-or-string")
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        errors.append(required(f"{path}.type", "must not be empty for specified object fields"))
    if schema.get("properties") and schema.get("additionalProperties") not in (None, False):
        errors.append(
            FieldError(
                f"{path}.additionalProperties",
                "Forbidden",
                "additionalProperties and properties are mutual exclusive",
            )
        )
    if kind == "array" and not isinstance(schema.get("items"), dict):
        errors.append(required(f"{path}.items", "must be specified"))
    list_type = schema.get("x-kubernetes-list-type")
    if list_type is not None and list_type not in ("atomic", "set", "map"):
        errors.append(unsupported(f"{path}.x-kubernetes-list-type", list_type, ["atomic", "set", "map"]))
    if list_type == "map" and not schema.get("x-kubernetes-list-map-keys"):
        errors.append(
            required(
                f"{path}.x-kubernetes-list-map-keys",
                "must not be empty if x-kubernetes-list-type is map",
            )
        )
    map_type = schema.get("x-kubernetes-map-type")
    if map_type is not None and map_type not in ("granular", "atomic"):
        errors.append(unsupported(f"{path}.x-kubernetes-map-type", map_type, ["granular", "atomic"]))
    for key, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            errors += _node_errors(prop, f"{path}.properties[{key}]")
    if isinstance(schema.get("items"), dict):
        errors += _node_errors(schema["items"], f"{path}.items")
    if isinstance(schema.get("additionalProperties"), dict):
        errors += _node_errors(schema["additionalProperties"], f"{path}.additionalProperties")
    if "default" in schema and isinstance(schema.get("default"), object):
        for error in validate(schema["default"], {k: v for k, v in schema.items() if k != "default"}, ""):
            errors.append(invalid(f"{path}.default", schema["default"], str(error)))
    return errors


# JSONPath, as additionalPrinterColumns and the scale subresource use it -----------------------

_STEP = re.compile(
    r"\.([A-Za-z0-9_\-/]+)|\[(\d+|\*)\]|\[\?\(@\.([A-Za-z0-9_\.]+)\s*==\s*[\"']([^\"']*)[\"']\)\]|\['([^']+)'\]"
)


def jsonpath(obj, path: str):
    """The value at a simple JSONPath (.a.b, [0], [*], ['k'], [?(@.type=="Ready")]); None if absent."""
    text = path.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if text.startswith("$"):
        text = text[1:]
    values = [obj]
    pos = 0
    while pos < len(text):
        match = _STEP.match(text, pos)
        if match is None:
            return None
        pos = match.end()
        field, index, filter_key, filter_value, quoted = match.groups()
        next_values = []
        for value in values:
            if (field or quoted) is not None:
                if isinstance(value, dict) and (field or quoted) in value:
                    next_values.append(value[field or quoted])
            elif index == "*":  # every item (a Table cell shows the first, as upstream's)
                if isinstance(value, list):
                    next_values.extend(value)
            elif index is not None:
                if isinstance(value, list) and int(index) < len(value):
                    next_values.append(value[int(index)])
            elif filter_key is not None and isinstance(value, list):
                for item in value:
                    found = jsonpath(item, "." + filter_key)
                    if found is not None and str(found) == filter_value:
                        next_values.append(item)
        values = next_values
        if not values:
            return None
    return values[0] if values else None


def valid_jsonpath(path: str) -> bool:
    text = path.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    if not text.startswith("."):
        return False
    pos = 0
    while pos < len(text):
        match = _STEP.match(text, pos)
        if match is None:
            return False
        pos = match.end()
    return True
