"""`kubectl explain`: field documentation from the Kubernetes v1.37 schemas the API
server already validates against, laid out like kubectl's plaintext template
(KIND/VERSION, FIELD, DESCRIPTION wrapped at 76 columns, FIELDS with their types).

The built-in schemas come from kubernetes-validate, which derives them from the OpenAPI v2
document, so they carry no enums (nor does the sandbox's OpenAPI v3 for them). A custom
resource is explained from its CRD's openAPIV3Schema, as the API server publishes it in
OpenAPI v3 (apiVersion, kind and metadata added) and as kubectl prints it, enums included.
"""

from __future__ import annotations

import textwrap

from playground.engine import schema
from playground.engine.errors import ApiError
from playground.engine.kinds import ResourceType


class FieldNotFound(ApiError):
    """A path with a field the schema lacks; `printed` is what kubectl has already printed on
    stdout by then (the GROUP, KIND and VERSION lines)."""

    def __init__(self, field: str, printed: str):
        super().__init__(400, "BadRequest", f'field "{field}" does not exist')
        self.printed = printed


def _resolve(node: dict) -> tuple[dict, str | None]:
    ref = node.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return schema.definitions()[name], name
    return node, None


def _types(node: dict) -> list[str]:
    value = node.get("type")
    values = value if isinstance(value, list) else [value] if value else []
    return [v for v in values if v != "null"]


def type_guess(node: dict) -> str:
    """The short type kubectl shows in angle brackets: string, []Container, map[string]string,
    Object (a custom resource's int-or-string field too, which has no type of its own)."""
    if node.get("items"):
        return "[]" + type_guess(node["items"])
    if isinstance(node.get("additionalProperties"), dict):
        return "map[string]" + type_guess(node["additionalProperties"])
    if node.get("$ref"):
        target, name = _resolve(node)
        types = _types(target)
        if not types or types == ["object"]:
            return name.rsplit(".", 1)[-1] if name else "Object"
        return types[0]
    types = _types(node)
    if not types or types == ["object"]:
        return "Object"
    return types[0]


def _description(node: dict) -> str:
    """A field's own description, then its type's, as kubectl's template collects them."""
    parts = []
    if node.get("description"):
        parts.append(node["description"])
    if node.get("$ref"):
        target, _ = _resolve(node)
        if target.get("description"):
            parts.append(target["description"])
    elif node.get("items"):
        parts.append(_description(node["items"]))
    elif isinstance(node.get("additionalProperties"), dict):
        parts.append(_description(node["additionalProperties"]))
    return "\n".join(p for p in parts if p)


def _enum(node: dict, custom: bool) -> list:
    """A custom resource field's allowed values (the built-in schemas' enums are not in the
    sandbox's OpenAPI, so kubectl shows none for them)."""
    return [str(v) for v in node.get("enum") or []] if custom else []


def _enum_line(values: list[str]) -> str:
    """kubectl's template lists four values in a field's line, then "...."."""
    return "  enum: " + ", ".join(values[:4] + (["...."] if len(values) > 4 else []))


def _wrap(text: str, width: int, indent: int) -> str:
    lines = []
    for line in text.split("\n"):
        wrapped = textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
        lines += wrapped
    return "\n".join(" " * indent + line for line in lines)


def _properties(node: dict) -> tuple[dict, list[str]]:
    target, _ = _resolve(node)
    if target.get("items"):
        return _properties(target["items"])
    if isinstance(target.get("additionalProperties"), dict) and not target.get("properties"):
        return _properties(target["additionalProperties"])
    return target.get("properties") or {}, target.get("required") or []


# What the API server adds to a custom resource's schema when it publishes it (the CRD
# OpenAPI builder), with the upstream descriptions kubectl prints for them.
_CUSTOM_FIELDS = {
    "apiVersion": {
        "description": "APIVersion defines the versioned schema of this representation of an object. "
        "Servers should convert recognized schemas to the latest internal value, and may reject "
        "unrecognized values. More info: "
        "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "type": "string",
    },
    "kind": {
        "description": "Kind is a string value representing the REST resource this object represents. "
        "Servers may infer this from the endpoint the client submits requests to. Cannot be updated. "
        "In CamelCase. More info: "
        "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string",
    },
    "metadata": {
        "description": "Standard object's metadata. More info: "
        "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        "$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    },
}


def _root(rt: ResourceType) -> dict:
    """The kind's schema: a built-in definition, or the CRD's openAPIV3Schema as published."""
    name = schema.definition_for(rt.kind, rt.api_version)
    if name is not None:
        return {"$ref": f"#/$defs/{name}"}
    custom = (getattr(rt, "schemas", None) or {}).get(rt.version)
    if custom is None:
        raise ApiError(404, "NotFound", f"GVR ({rt.qualified_plural}) not found in OpenAPI schema")
    return {
        **custom,
        "type": custom.get("type") or "object",
        "properties": {**(custom.get("properties") or {}), **_CUSTOM_FIELDS},
    }


def explain(rt: ResourceType, path: list[str]) -> str:
    node: dict = _root(rt)
    custom = "$ref" not in node
    out = []
    if rt.group:
        out.append(f"GROUP:      {rt.group}")
    out += [f"KIND:       {rt.kind}", f"VERSION:    {rt.version}", ""]
    for i, field in enumerate(path):
        properties, _ = _properties(node)
        if field not in properties:
            raise FieldNotFound(field, "\n".join(out[: out.index("") + 1]) + "\n")
        node = properties[field]
        if i == len(path) - 1:
            out.append(f"FIELD: {field} <{type_guess(node)}>")
            if values := _enum(node, custom):
                out += ["ENUM:", *(f"    {v}" for v in values), ""]
            else:
                out += ["", ""]
    description = _description(node) if path else _resolve(node)[0].get("description", "")
    # kubectl's template: the wrapped description and an indented empty line, or <empty> alone.
    out += ["DESCRIPTION:", *([_wrap(description, 76, 4), "    "] if description else ["    <empty>"])]
    properties, required = _properties(node)
    if properties:
        out.append("FIELDS:")
        for field in sorted(properties):
            sub = properties[field]
            flag = " -required-" if field in required else ""
            out.append(f"  {field}\t<{type_guess(sub)}>{flag}")
            if values := _enum(sub, custom):
                out.append(_enum_line(values))
            out.append(_wrap(sub.get("description") or "<no description>", 76, 4))
            out.append("")
    return "\n".join(out) + "\n\n"
