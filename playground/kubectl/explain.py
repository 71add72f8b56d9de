"""`kubectl explain`: field documentation from the Kubernetes v1.37 schemas the API
server already validates against, laid out like kubectl's plaintext template
(KIND/VERSION, FIELD, DESCRIPTION wrapped at 76 columns, FIELDS with their types).

The schemas come from kubernetes-validate, which derives them from the OpenAPI v2
document, so the enum lines kubectl prints from the v3 document are not shown.
"""

from __future__ import annotations

import textwrap

from playground.engine import schema
from playground.engine.errors import ApiError
from playground.engine.kinds import ResourceType


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
    """The short type kubectl shows in angle brackets: string, []Container, map[string]string, Object."""
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


def explain(rt: ResourceType, path: list[str]) -> str:
    name = schema.definition_for(rt.kind, rt.api_version)
    if name is None:
        raise ApiError(404, "NotFound", f"GVR ({rt.qualified_plural}) not found in OpenAPI schema")
    node: dict = {"$ref": f"#/$defs/{name}"}
    out = []
    if rt.group:
        out.append(f"GROUP:      {rt.group}")
    out += [f"KIND:       {rt.kind}", f"VERSION:    {rt.version}", ""]
    for i, field in enumerate(path):
        properties, _ = _properties(node)
        if field not in properties:
            raise ApiError(400, "BadRequest", f'field "{field}" does not exist')
        node = properties[field]
        if i == len(path) - 1:
            out += [f"FIELD: {field} <{type_guess(node)}>", "", ""]
    description = (_description(node) if path else _resolve(node)[0].get("description", "")) or "<empty>"
    out += ["DESCRIPTION:", _wrap(description, 76, 4), "    "]
    properties, required = _properties(node)
    if properties:
        out.append("FIELDS:")
        for field in sorted(properties):
            sub = properties[field]
            flag = " -required-" if field in required else ""
            out.append(f"  {field}\t<{type_guess(sub)}>{flag}")
            out.append(_wrap(sub.get("description") or "<no description>", 76, 4))
            out.append("")
    return "\n".join(out) + "\n"
