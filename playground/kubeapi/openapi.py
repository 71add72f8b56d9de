"""/openapi/v3: one document per group-version, built from the upstream v1.37 schemas.

kubectl needs these for three things: `apply`'s validation check (a PATCH operation
for the kind that declares the `fieldValidation` parameter), strategic merge patch
(the `x-kubernetes-patch-*` extensions, kept from upstream), and `explain`.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache, lru_cache

from playground.engine import schema
from playground.kubeapi.discovery import GIT_VERSION, group_versions, subresources

_PATCH_TYPES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)
_META = "io.k8s.apimachinery.pkg.apis.meta.v1."


V3_REFS = "#/components/schemas/"
V2_REFS = "#/definitions/"


def _convert(node, refs: str = V3_REFS):
    """kubernetes-validate's JSON Schema → OpenAPI's: refs under `refs`, no "null" types,
    no enum on apiVersion and kind (the validator's addition; upstream has none)."""
    if isinstance(node, list):
        return [_convert(item, refs) for item in node]
    if not isinstance(node, dict):
        return node
    if refs == V3_REFS and "$ref" in node and len(node) > 1:
        # A reference with siblings (a field's own description): OpenAPI v3 ignores the
        # siblings of $ref, so upstream wraps the reference in allOf, and so do we.
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {"allOf": [_convert({"$ref": node["$ref"]}, refs)], **_convert(rest, refs)}
    out = {}
    for key, value in node.items():
        if key == "$ref":
            out[key] = refs + value.rsplit("/", 1)[-1]
        elif key == "type" and isinstance(value, list):
            kept = [v for v in value if v != "null"]
            if kept:
                out[key] = kept[0]
        elif key == "properties":
            props = {}
            for name, prop in value.items():
                prop = _convert(prop, refs)
                if name in ("apiVersion", "kind"):
                    prop.pop("enum", None)
                props[name] = prop
            out[key] = props
        else:
            out[key] = _convert(value, refs)
    return out


def _component(name: str) -> dict:
    short = name.rsplit(".", 1)[-1]
    if short == "IntOrString":
        return {
            "description": "IntOrString is a type that can hold an int32 or a string.",
            "type": "string",
            "format": "int-or-string",
        }
    if short == "Quantity":
        return {
            "description": "Quantity is a fixed-point representation of a number.",
            "type": "string",
        }
    return _convert(schema.definitions()[name])


def _refs(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):  # not JSONSchemaProps' own "$ref" property
            name = ref.rsplit("/", 1)[-1]
            if name not in found:
                found.add(name)
                _refs(schema.definitions()[name], found)
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for item in node:
            _refs(item, found)


def _schema_name(kind: str, api_version: str) -> str | None:
    return schema.definition_for(kind, api_version)


def _ref(name: str) -> dict:
    return {"$ref": V3_REFS + name}


def _param(name: str, where: str = "query", kind: str = "string", required: bool = False) -> dict:
    param = {"name": name, "in": where, "schema": {"type": kind, "uniqueItems": True}}
    if required:
        param["required"] = True
    return param


def _operation(action: str, gvk: dict, op_id: str, body: str | None, response: str | None, params) -> dict:
    op = {
        "operationId": op_id,
        "parameters": params,
        "responses": {
            "200": {
                "description": "OK",
                "content": {"application/json": {"schema": _ref(response)}} if response else {},
            },
            "401": {"description": "Unauthorized"},
        },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
    }
    if body:
        types = _PATCH_TYPES if action == "patch" else ("*/*",)
        content_schema = {"type": "object"} if action == "patch" else _ref(body)
        op["requestBody"] = {"content": {t: {"schema": content_schema} for t in types}, "required": True}
    return op


def _write_params(extra=()) -> list[dict]:
    return [_param("dryRun"), _param("fieldManager"), _param("fieldValidation"), *extra]


def document(group_version: str, registry=None) -> bytes | None:
    """The OpenAPI v3 document for one group-version ('v1', 'apps/v1', …); with a
    cluster's ``registry``, its custom resources' group-versions too."""
    if group_version in group_versions():
        return _builtin_document(group_version)
    if registry is None:
        return None
    return _custom_document(registry, registry.revision, group_version)


@cache
def _builtin_document(group_version: str) -> bytes | None:
    return _document(group_version, group_versions().get(group_version), _schema_name, {})


def _document(group_version: str, types, schema_name, custom: dict) -> bytes | None:
    """The document for ``types``; ``schema_name(kind, apiVersion)`` names each kind's
    component, ``custom`` holds the components not among the built-in definitions."""
    if types is None:
        return None
    group, _, version = group_version.rpartition("/")
    prefix = f"/apis/{group_version}" if group else f"/api/{version}"
    wanted: set[str] = set()
    paths: dict[str, dict] = {}
    for rt in types:
        name = schema_name(rt.kind, rt.api_version)
        list_name = schema_name(f"{rt.kind}List", rt.api_version)
        if name is None:
            continue
        wanted.add(name)
        if list_name:
            wanted.add(list_name)
        gvk = {"group": group, "version": version, "kind": rt.kind}
        op_kind = f"{rt.kind}"
        where = "Namespaced" if rt.namespaced else ""
        collection = (
            f"{prefix}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{prefix}/{rt.plural}"
        )
        item = f"{collection}/{{name}}"
        path_params = [_param("namespace", "path", required=True)] if rt.namespaced else []
        list_params = [
            _param("labelSelector"),
            _param("fieldSelector"),
            _param("limit", kind="integer"),
            _param("continue"),
            _param("resourceVersion"),
            _param("timeoutSeconds", kind="integer"),
            _param("watch", kind="boolean"),
            _param("allowWatchBookmarks", kind="boolean"),
        ]
        verbs = set(rt.verbs)
        ops: dict[str, dict] = {"parameters": path_params}
        if "list" in verbs:
            ops["get"] = _operation("list", gvk, f"list{where}{op_kind}", None, list_name, list_params)
        if "create" in verbs:
            ops["post"] = _operation("post", gvk, f"create{where}{op_kind}", name, name, _write_params())
        if "deletecollection" in verbs:
            ops["delete"] = _operation(
                "deletecollection",
                gvk,
                f"deletecollection{where}{op_kind}",
                None,
                _META + "Status",
                list_params,
            )
        paths[collection] = ops
        item_ops: dict[str, dict] = {"parameters": [_param("name", "path", required=True), *path_params]}
        if "get" in verbs:
            item_ops["get"] = _operation("get", gvk, f"read{where}{op_kind}", None, name, [])
        if "update" in verbs:
            item_ops["put"] = _operation("put", gvk, f"replace{where}{op_kind}", name, name, _write_params())
        if "patch" in verbs:
            item_ops["patch"] = _operation(
                "patch",
                gvk,
                f"patch{where}{op_kind}",
                _META + "Patch",
                name,
                _write_params([_param("force", kind="boolean")]),
            )
        if "delete" in verbs:
            item_ops["delete"] = _operation(
                "delete",
                gvk,
                f"delete{where}{op_kind}",
                None,
                _META + "Status",
                [_param("dryRun"), _param("gracePeriodSeconds", kind="integer"), _param("propagationPolicy")],
            )
        paths[item] = item_ops
        if rt.namespaced:
            paths[f"{prefix}/{rt.plural}"] = {
                "get": _operation("list", gvk, f"list{op_kind}ForAllNamespaces", None, list_name, list_params)
            }
        for sub in subresources(rt):
            sub_name = _schema_name(sub.kind, f"{sub.group}/{sub.version}" if sub.group else sub.version)
            if sub.name == "log":
                sub_name = None
            if sub_name:
                wanted.add(sub_name)
            sub_gvk = {"group": sub.group, "version": sub.version, "kind": sub.kind}
            sub_ops: dict[str, dict] = {"parameters": item_ops["parameters"]}
            label = f"{where}{op_kind}{sub.name.capitalize()}"
            if "get" in sub.verbs:
                sub_ops["get"] = _operation("get", sub_gvk, f"read{label}", None, sub_name, [])
            if "update" in sub.verbs:
                sub_ops["put"] = _operation(
                    "put", sub_gvk, f"replace{label}", sub_name, sub_name, _write_params()
                )
            if "patch" in sub.verbs:
                sub_ops["patch"] = _operation(
                    "patch", sub_gvk, f"patch{label}", _META + "Patch", sub_name, _write_params()
                )
            if "create" in sub.verbs:
                sub_ops["post"] = _operation(
                    "post", sub_gvk, f"create{label}", sub_name, sub_name, _write_params()
                )
            paths[f"{item}/{sub.name}"] = sub_ops
    for extra in ("Status", "DeleteOptions", "Patch", "APIResourceList"):
        wanted.add(_META + extra)
    found = set(wanted)
    for name in wanted:
        _refs(custom.get(name) or schema.definitions().get(name, {}), found)
    schemas = {}
    for name in sorted(found):
        if name in custom:
            schemas[name] = custom[name]
        elif name in schema.definitions():
            schemas[name] = _component(name)
    schemas.setdefault(
        _META + "Patch",
        {
            "type": "object",
            "description": "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
        },
    )
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": paths,
        "components": {"schemas": schemas},
    }
    return json.dumps(doc, separators=(",", ":")).encode()


@cache
def _hash(group_version: str) -> str:
    return hashlib.sha512(document(group_version) or b"").hexdigest().upper()[:128]


def index(base_path: str, registry=None) -> dict:
    """The /openapi/v3 index; kubectl fetches each serverRelativeURL as an absolute path."""
    paths = {}
    for gv in group_versions(registry=registry):
        if gv.startswith("metrics.k8s.io/"):
            continue
        key = f"apis/{gv}" if "/" in gv else f"api/{gv}"
        if gv in group_versions():
            digest = _hash(gv)
        else:
            digest = hashlib.sha512(document(gv, registry) or b"").hexdigest().upper()[:128]
        paths[key] = {"serverRelativeURL": f"{base_path}/openapi/v3/{key}?hash={digest}"}
    return {"paths": paths}


# OpenAPI v2 (kubectl 1.28 and older, and Debian's 1.20, read only this one) --------------------

# The media type kubectl asks for has an "@", which Go's mime parser rejects in a reply;
# kube-apiserver answers with this spelling.
V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"


def _v2_definition(name: str) -> dict:
    short = name.rsplit(".", 1)[-1]
    if short in ("IntOrString", "Quantity"):
        converted = _component(name)
        return converted
    return _convert(schema.definitions()[name], V2_REFS)


def swagger(registry=None) -> dict:
    """The whole API as one Swagger 2.0 document, from the same paths as the v3 documents;
    with a cluster's ``registry``, its custom resources too."""
    if registry is None or not _custom_group_versions(registry):
        return _builtin_swagger()
    return _custom_swagger(registry, registry.revision)


@cache
def _builtin_swagger() -> dict:
    return _swagger(None)


def _swagger(registry) -> dict:
    paths: dict = {}
    names: set[str] = set()
    custom: dict = {}
    for gv in group_versions(registry=registry):
        document_bytes = document(gv, registry)
        if document_bytes is None:
            continue
        doc = json.loads(document_bytes)
        names |= set(doc["components"]["schemas"])
        for name, node in doc["components"]["schemas"].items():
            if name not in schema.definitions():
                custom[name] = _v3_to_v2(node)
        for path, item in doc["paths"].items():
            converted = {}
            for method, op in item.items():
                if method == "parameters":
                    converted["parameters"] = [_v2_param(p) for p in op]
                    continue
                params = [_v2_param(p) for p in op.get("parameters", [])]
                body = op.get("requestBody")
                if body:
                    ref = next(iter(body["content"].values()))["schema"]
                    params.append({"name": "body", "in": "body", "required": True, "schema": _v2_ref(ref)})
                response = op["responses"]["200"].get("content", {}).get("application/json", {}).get("schema")
                new_op = {
                    "operationId": op["operationId"],
                    "consumes": list(body["content"]) if body else ["*/*"],
                    "produces": [
                        "application/json",
                        "application/yaml",
                        "application/vnd.kubernetes.protobuf",
                    ],
                    "parameters": params,
                    "responses": {
                        "200": {"description": "OK", **({"schema": _v2_ref(response)} if response else {})}
                    },
                    "x-kubernetes-action": op["x-kubernetes-action"],
                    "x-kubernetes-group-version-kind": op["x-kubernetes-group-version-kind"],
                }
                converted[method] = new_op
            paths[path] = converted
    definitions = {
        name: custom[name] if name in custom else _v2_definition(name)
        for name in sorted(names)
        if name in custom or name in schema.definitions()
    }
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": GIT_VERSION},
        "paths": paths,
        "definitions": definitions,
    }


def _v2_ref(node: dict) -> dict:
    ref = node.get("$ref")
    return {"$ref": V2_REFS + ref.rsplit("/", 1)[-1]} if ref else {"type": "object"}


def _v2_param(param: dict) -> dict:
    return {
        "name": param["name"],
        "in": param["in"],
        "type": param["schema"]["type"],
        "uniqueItems": True,
        **({"required": True} if param.get("required") else {}),
    }


# A minimal protobuf writer for gnostic's openapi_v2.Document (OpenAPIv2.proto).


def _key(number: int, wire: int) -> bytes:
    return _varint((number << 3) | wire)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes(number: int, data: bytes) -> bytes:
    return _key(number, 2) + _varint(len(data)) + data


def _str(number: int, text: str) -> bytes:
    return _bytes(number, text.encode()) if text else b""


def _bool(number: int, value: bool) -> bytes:
    return _key(number, 0) + b"\x01" if value else b""


def _any(value) -> bytes:
    """gnostic's Any: the value as YAML text (field 2)."""
    import yaml

    return _str(2, yaml.safe_dump(value, default_flow_style=False))


def _extensions(number: int, node: dict) -> bytes:
    out = b""
    for key, value in node.items():
        if key.startswith("x-"):
            out += _bytes(number, _str(1, key) + _bytes(2, _any(value)))
    return out


def _pb_schema(node: dict) -> bytes:
    out = _str(1, node.get("$ref", "")) + _str(2, node.get("format", ""))
    out += _str(3, node.get("title", "")) + _str(4, node.get("description", ""))
    for name in node.get("required", []):
        out += _str(19, name)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        out += _bytes(21, _bytes(1, _pb_schema(extra)))
    elif isinstance(extra, bool):
        out += _bytes(21, _key(2, 0) + (b"\x01" if extra else b"\x00"))
    if node.get("type"):
        out += _bytes(22, _str(1, node["type"]))
    if isinstance(node.get("items"), dict):
        out += _bytes(23, _bytes(1, _pb_schema(node["items"])))
    for part in node.get("allOf", []):
        out += _bytes(24, _pb_schema(part))
    if node.get("properties"):
        props = b"".join(
            _bytes(1, _str(1, name) + _bytes(2, _pb_schema(prop)))
            for name, prop in node["properties"].items()
        )
        out += _bytes(25, props)
    return out + _extensions(31, node)


def _pb_param(param: dict) -> bytes:
    if param["in"] == "body":
        body = (
            _str(2, param["name"]) + _str(3, "body") + _bool(4, True) + _bytes(5, _pb_schema(param["schema"]))
        )
        return _bytes(1, _bytes(1, body))
    sub = _bool(1, param.get("required", False)) + _str(2, param["in"]) + _str(4, param["name"])
    sub += _str(6 if param["in"] == "query" else 5, param["type"])
    number = 3 if param["in"] == "query" else 4
    return _bytes(1, _bytes(2, _bytes(number, sub)))


def _pb_operation(op: dict) -> bytes:
    out = _str(5, op["operationId"])
    for media in op["produces"]:
        out += _str(6, media)
    for media in op["consumes"]:
        out += _str(7, media)
    for param in op["parameters"]:
        out += _bytes(8, _pb_param(param))
    response = op["responses"]["200"]
    schema_item = _bytes(2, _bytes(1, _pb_schema(response["schema"]))) if "schema" in response else b""
    named = _str(1, "200") + _bytes(2, _bytes(1, _str(1, response["description"]) + schema_item))
    out += _bytes(9, _bytes(1, named))
    return out + _extensions(13, op)


_METHODS = {"get": 2, "put": 3, "post": 4, "delete": 5, "patch": 8}


def swagger_protobuf(registry=None) -> bytes:
    if registry is None or not _custom_group_versions(registry):
        return _builtin_swagger_protobuf()
    return _swagger_protobuf(swagger(registry))


@cache
def _builtin_swagger_protobuf() -> bytes:
    return _swagger_protobuf(swagger())


def _swagger_protobuf(doc: dict) -> bytes:
    out = _str(1, doc["swagger"]) + _bytes(2, _str(1, doc["info"]["title"]) + _str(2, doc["info"]["version"]))
    paths = b""
    for path, item in doc["paths"].items():
        value = b""
        for method, number in _METHODS.items():
            if method in item:
                value += _bytes(number, _pb_operation(item[method]))
        for param in item.get("parameters", []):
            value += _bytes(9, _pb_param(param))
        paths += _bytes(2, _str(1, path) + _bytes(2, value))
    out += _bytes(8, paths)
    definitions = b"".join(
        _bytes(1, _str(1, name) + _bytes(2, _pb_schema(node))) for name, node in doc["definitions"].items()
    )
    return out + _bytes(9, definitions)


# Custom resources (a CRD's group-versions) ----------------------------------------------------------


def _custom_group_versions(registry) -> list[str]:
    return [gv for gv in group_versions(registry=registry) if gv not in group_versions()]


def _reversed_group(group: str) -> str:
    return ".".join(reversed(group.split(".")))


def custom_schema_name(kind: str, api_version: str) -> str:
    """Upstream's component name for a custom kind: com.example.v1.Widget for example.com/v1."""
    group, _, version = api_version.rpartition("/")
    return f"{_reversed_group(group)}.{version}.{kind}"


def _custom_components(rt) -> dict:
    """The kind's and its list's components, as the CRD OpenAPI builder publishes them."""
    gvk = [{"group": rt.group, "kind": rt.kind, "version": rt.version}]
    body = json.loads(json.dumps(rt.schemas.get(rt.version) or {}))
    body.setdefault("type", "object")
    props = body.setdefault("properties", {})
    props["apiVersion"] = {
        "description": "APIVersion defines the versioned schema of this representation of an object. "
        "Servers should convert recognized schemas to the latest internal value, and may reject "
        "unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
        "type": "string",
    }
    props["kind"] = {
        "description": "Kind is a string value representing the REST resource this object represents. "
        "Servers may infer this from the endpoint the client submits requests to. Cannot be updated. "
        "In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
        "type": "string",
    }
    props["metadata"] = {
        "description": "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
        "allOf": [_ref(_META + "ObjectMeta")],
    }
    body["x-kubernetes-group-version-kind"] = gvk
    name = custom_schema_name(rt.kind, rt.api_version)
    list_kind = getattr(rt, "list_kind", "") or f"{rt.kind}List"
    listing = {
        "description": f"{list_kind} is a list of {rt.kind}",
        "type": "object",
        "required": ["items"],
        "properties": {
            "apiVersion": props["apiVersion"],
            "items": {
                "description": f"List of {rt.plural}. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md",
                "type": "array",
                "items": _ref(name),
            },
            "kind": props["kind"],
            "metadata": {
                "description": "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
                "allOf": [_ref(_META + "ListMeta")],
            },
        },
        "x-kubernetes-group-version-kind": [{"group": rt.group, "kind": list_kind, "version": rt.version}],
    }
    return {name: body, custom_schema_name(f"{rt.kind}List", rt.api_version): listing}


@lru_cache(maxsize=64)
def _custom_document(registry, revision: int, group_version: str) -> bytes | None:
    types = group_versions(registry=registry).get(group_version)
    if not types:
        return None
    custom: dict = {}
    for rt in types:
        custom.update(_custom_components(rt))

    def name_for(kind: str, api_version: str) -> str | None:
        name = custom_schema_name(kind, api_version)
        return name if name in custom else None

    return _document(group_version, types, name_for, custom)


@lru_cache(maxsize=16)
def _custom_swagger(registry, revision: int) -> dict:
    return _swagger(registry)


def _v3_to_v2(node):
    """A custom component in Swagger 2.0's terms: refs under #/definitions/."""
    if isinstance(node, list):
        return [_v3_to_v2(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = V2_REFS + value.rsplit("/", 1)[-1]
        elif key == "allOf" and len(value) == 1 and "$ref" in value[0]:
            out["$ref"] = V2_REFS + value[0]["$ref"].rsplit("/", 1)[-1]
        else:
            out[key] = _v3_to_v2(value)
    return out
