"""Upstream's API schemas (Kubernetes v1.37), used for strict decoding.

kube-apiserver rejects a body whose field has the wrong JSON type, and with kubectl's
default ``fieldValidation=Strict`` it rejects unknown fields too. Learners' typos
(``replica:`` for ``replicas:``) must fail here exactly as they fail there, so the
check walks the object against the real definitions shipped by the
``kubernetes-validate`` package.
"""

from __future__ import annotations

import json
import os
from functools import cache

import kubernetes_validate

SCHEMA_VERSION = "v1.37.0"
_PATH = os.path.join(
    os.path.dirname(kubernetes_validate.__file__),
    "kubernetes-json-schema",
    f"{SCHEMA_VERSION}-local",
    "_definitions.json",
)


@cache
def definitions() -> dict[str, dict]:
    with open(_PATH, encoding="utf-8") as handle:
        return json.load(handle)["$defs"]


@cache
def definition_for(kind: str, api_version: str) -> str | None:
    for name, schema in definitions().items():
        props = schema.get("properties") or {}
        kinds = (props.get("kind") or {}).get("enum")
        versions = (props.get("apiVersion") or {}).get("enum")
        if kinds and kind in kinds and versions and api_version in versions:
            return name
    return None


def root(kind: str, api_version: str) -> dict | None:
    """The definition of a kind, for schema-aware strategic merge patch."""
    name = definition_for(kind, api_version)
    return definitions()[name] if name else None


def _resolve(schema: dict) -> tuple[dict, str | None]:
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return definitions()[name], name
    return schema, None


def _types(schema: dict) -> set[str]:
    if "oneOf" in schema:
        found: set[str] = set()
        for option in schema["oneOf"]:
            found |= _types(_resolve(option)[0])
        return found
    value = schema.get("type")
    if value is None:
        return set()
    return set(value) if isinstance(value, list) else {value}


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _go_type(schema: dict, name: str | None) -> str:
    if name:
        short = name.rsplit(".", 1)[-1]
        if short in ("Quantity",):
            return "resource.Quantity"
        if short == "IntOrString":
            return "intstr.IntOrString"
        if short == "Time":
            return "v1.Time"
        return f"v1.{short}"
    types = _types(schema) - {"null"}
    if types == {"integer"}:
        return schema.get("format") or "int"
    if types == {"number"}:
        return "float64"
    if types == {"boolean"}:
        return "bool"
    if types == {"string"}:
        return "string"
    if types == {"array"}:
        item, item_name = _resolve(schema.get("items") or {})
        return "[]" + _go_type(item, item_name)
    if "additionalProperties" in schema:
        value, value_name = _resolve(schema["additionalProperties"])
        return "map[string]" + _go_type(value, value_name)
    return "map[string]interface {}"


def _accepts(types: set[str], value) -> bool:
    if not types:
        return True
    if value is None:
        return True  # null means "unset" to the decoder
    if isinstance(value, bool):
        return "boolean" in types
    if isinstance(value, int):
        return bool(types & {"integer", "number"})
    if isinstance(value, float):
        return "number" in types or ("integer" in types and value.is_integer())
    if isinstance(value, str):
        return "string" in types
    if isinstance(value, list):
        return "array" in types
    if isinstance(value, dict):
        return "object" in types or not (types - {"null"})
    return False


class DecodeError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check(obj: dict, kind: str, api_version: str) -> list[str]:
    """Unknown field paths; raises DecodeError for a value of the wrong JSON type."""
    root_name = definition_for(kind, api_version)
    if root_name is None:
        return []
    unknown: list[str] = []
    _walk(obj, definitions()[root_name], root_name, "", unknown)
    return unknown


def _walk(value, schema: dict, struct: str | None, path: str, unknown: list[str]) -> None:
    schema, ref_name = _resolve(schema)
    struct = ref_name or struct
    types = _types(schema)
    if not _accepts(types, value):
        parent = (struct or "").rsplit(".", 1)[-1]
        raise DecodeError(
            f"json: cannot unmarshal {_json_type(value)} into Go struct field {parent}.{path} "
            f"of type {_go_type(schema, ref_name)}"
        )
    if isinstance(value, (int, float)) and not isinstance(value, bool) and types - {"null"} == {"integer"}:
        bits = 32 if schema.get("format") == "int32" else 64
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            parent = (struct or "").rsplit(".", 1)[-1]
            shown = str(value) if len(str(value)) <= 40 else f"{str(value)[:40]}..."
            raise DecodeError(
                f"json: cannot unmarshal number {shown} into Go struct field {parent}.{path} of type int{bits}"
            )
    if isinstance(value, dict):
        properties = schema.get("properties")
        if properties is not None:
            for key, item in value.items():
                child = f"{path}.{key}" if path else key
                if key not in properties:
                    unknown.append(child)
                    continue
                _walk(item, properties[key], struct, child, unknown)
        elif isinstance(schema.get("additionalProperties"), dict):
            for key, item in value.items():
                _walk(item, schema["additionalProperties"], struct, f"{path}[{key}]", unknown)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            _walk(item, schema["items"], struct, f"{path}[{index}]", unknown)
