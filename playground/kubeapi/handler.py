"""Kubernetes REST semantics over a sandbox's Cluster: paths, verbs, content types, Tables.

`route()` parses a request path; `read()` and `write()` answer it against a Cluster.
The Django view decides how the cluster is loaded and saved (reads through
`sandboxes.view`, writes through `sandboxes.change`), and streams watches and
followed logs by polling the database, so streams work across processes.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from playground.engine import managedfields, manifests, printers, rbac, schema
from playground.engine.errors import ApiError, bad_request, encode_json, forbidden_field, unsupported
from playground.engine.kinds import ResourceType
from playground.engine.quantity import parse as parse_quantity
from playground.engine.util import deep_copy, rfc3339
from playground.kubeapi import apiservices, auth, autoscalingv1, discovery, eventsv1, openapi, protobuf

JSON = "application/json"
MAX_BODY = 3 * 1024 * 1024  # kube-apiserver's own request body limit
TRUE = ("true", "1")


@dataclass
class ApiRequest:
    method: str
    path: str  # below the sandbox's base URL, e.g. "/api/v1/namespaces/default/pods"
    query: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    accept: str = ""
    body: bytes = b""
    base_path: str = ""  # the sandbox's base path, for URLs the server hands out
    server: str = ""
    user: str = "sandbox-learner"  # who the token authenticates as (the kubeconfig's user entry)
    groups: tuple[str, ...] = ("system:masters", "system:authenticated")  # and its groups
    token: str = ""  # the sandbox's token, for TokenReview and service account tokens
    user_agent: str = ""  # names the field manager of a write that names none

    def flag(self, name: str) -> bool:
        return self.query.get(name, "").lower() in TRUE

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def wants_table(self) -> bool:
        first = self.accept.split(",", 1)[0]
        return "as=Table" in first and "g=meta.k8s.io" in first

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == "All"

    @property
    def strict(self) -> bool:
        return self.query.get("fieldValidation", "") == "Strict"


@dataclass
class ApiResponse:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict = field(default_factory=dict)


def respond(obj, status: int = 200, content_type: str = JSON) -> ApiResponse:
    return ApiResponse(status, encode_json(obj), content_type)


def error_response(error: ApiError) -> ApiResponse:
    response = respond(error.status, error.code)
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def not_found_path() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def method_not_allowed() -> ApiError:
    return ApiError(
        405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {}
    )


# Paths that need no cluster ---------------------------------------------------------------


def static(req: ApiRequest, registry=None) -> ApiResponse | None:
    """/version, discovery and OpenAPI: the built-in kinds and ``registry``'s (a cluster's
    ``cluster.api.registry``, with its custom resources; None: the built-in kinds only)."""
    path = req.path.rstrip("/") or "/"
    if req.method != "GET":
        return None
    if path == "/version":
        return respond(discovery.VERSION)
    if path in ("/healthz", "/livez", "/readyz"):
        return ApiResponse(
            200, _health(path[1:], req.flag("verbose") or "verbose" in req.query), "text/plain"
        )
    if path in ("/api", "/apis"):
        if "as=APIGroupDiscoveryList" in req.accept and "v=v2;" in req.accept.replace("v=v2,", "v=v2;") + ";":
            return respond(
                discovery.aggregated(path == "/api", registry=registry), content_type=discovery.AGGREGATED
            )
        if path == "/api":
            return respond(discovery.api_versions(req.server))
        return respond(discovery.api_group_list(registry=registry))
    parts = path.strip("/").split("/")
    if parts[0] == "api" and len(parts) == 2:
        found = discovery.resource_list(parts[1], registry=registry)
        return respond(found) if found else error_response(not_found_path())
    if parts[0] == "apis" and len(parts) == 2:
        group = discovery.api_group(parts[1], registry=registry)
        return respond(group) if group else error_response(not_found_path())
    if parts[0] == "apis" and len(parts) == 3:
        found = discovery.resource_list(f"{parts[1]}/{parts[2]}", registry=registry)
        return respond(found) if found else error_response(not_found_path())
    if path == "/openapi/v3":
        return respond(openapi.index(req.base_path, registry=registry))
    if path.startswith("/openapi/v3/"):
        key = path[len("/openapi/v3/") :]
        gv = key[len("api/") :] if key.startswith("api/") else key[len("apis/") :]
        document = openapi.document(gv, registry=registry) if key.startswith(("api/", "apis/")) else None
        if document is None:
            return error_response(not_found_path())
        return ApiResponse(200, document, JSON, {"Cache-Control": "public, immutable"})
    if path in ("/openapi/v2", "/swagger-2.0.0.pb-v1"):
        if "protobuf" in req.accept or path.endswith("pb-v1"):
            return ApiResponse(200, openapi.swagger_protobuf(registry=registry), openapi.V2_PROTOBUF)
        return respond(openapi.swagger(registry=registry))
    if path.startswith("/openapi/"):
        return error_response(not_found_path())
    return None


def _health(check: str, verbose: bool) -> bytes:
    if not verbose:
        return b"ok"
    checks = ["ping", "log", "etcd", "poststarthook/start-apiextensions-controllers"]
    lines = [f"[+]{name} ok" for name in checks]
    return ("\n".join(lines) + f"\n{check} check passed\n").encode()


NO_PROCESSES = {"exec", "attach", "portforward", "proxy"}


# Resource paths -------------------------------------------------------------------------------


@dataclass
class Target:
    rt: ResourceType
    namespace: str | None
    name: str | None = None
    subresource: str | None = None

    @property
    def virtual(self) -> bool:
        """metrics.k8s.io and access reviews: answered, never stored."""
        return self.rt.kind in discovery.VIRTUAL


def route(path: str, registry=None) -> Target:
    """/api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]] and /apis/G/V/… → Target.

    ``registry``: the cluster's (``cluster.api.registry``), for its custom resources."""
    parts = [unquote(p) for p in path.strip("/").split("/")]
    if parts[0] == "api" and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[0] == "apis" and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise not_found_path()
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    rt = discovery.lookup(group, version, rest[0], registry=registry)
    if rt is None or len(rest) > 3:
        raise not_found_path()
    if namespace is not None and not rt.namespaced:
        raise not_found_path()
    target = Target(rt, namespace, rest[1] if len(rest) > 1 else None, rest[2] if len(rest) > 2 else None)
    if target.subresource in NO_PROCESSES:
        raise bad_request(
            f"the sandbox simulates containers without processes, so {target.subresource} is not available "
            "(kubectl exec, attach, port-forward and proxy); kubectl logs, describe and get events are"
        )
    if target.subresource and target.subresource not in {s.name for s in discovery.subresources(rt)}:
        raise not_found_path()
    if rt.namespaced and target.name and namespace is None:
        raise not_found_path()
    return target


def is_watch(req: ApiRequest, target: Target) -> bool:
    return req.method == "GET" and target.name is None and req.flag("watch")


def is_follow(req: ApiRequest, target: Target) -> bool:
    return req.method == "GET" and target.subresource == "log" and req.flag("follow")


def is_write(req: ApiRequest) -> bool:
    return req.method in ("POST", "PUT", "PATCH", "DELETE")


def describe(req: ApiRequest, target: Target) -> str:
    """A Recent Tasks label for a write, as the sandbox's snapshot list shows it."""
    verb = {"POST": "create", "PUT": "replace", "PATCH": "patch", "DELETE": "delete"}[req.method]
    what = target.rt.plural + (f"/{target.name}" if target.name else "")
    if target.subresource:
        what += f"/{target.subresource}"
    return f"kubectl: {verb} {what}"


# Reads -----------------------------------------------------------------------------------------


def read(cluster, target: Target, req: ApiRequest) -> ApiResponse:
    if req.method != "GET":
        raise method_not_allowed()
    if target.virtual and "get" not in target.rt.verbs:  # the reviews: create only
        raise method_not_allowed()
    if target.virtual and target.rt.kind == "APIService":
        return _apiservices(cluster, target, req)
    if target.virtual:
        return respond(_metrics(cluster, target))
    rt = target.rt
    if target.name is None:
        return _list(cluster, target, req)
    obj = cluster.api.get(rt.kind, target.name, target.namespace)
    if target.subresource == "scale":
        return respond(cluster.api.get_scale(rt.kind, target.name, target.namespace))
    if target.subresource == "log":
        return ApiResponse(200, _log_text(cluster, target, req).encode(), "text/plain")
    if target.subresource not in (None, "status", "resize"):
        raise method_not_allowed()
    if req.wants_table:
        return respond(table(cluster, rt, [obj], req, with_columns=True))
    return respond(_typed(rt, obj))


def _apiservices(cluster, target: Target, req: ApiRequest) -> ApiResponse:
    """The read-only APIServices, one per group-version served (kubeapi/apiservices.py)."""
    found = apiservices.lookup(
        cluster, list(discovery.group_versions(registry=cluster.api.registry)), target.name
    )
    if req.wants_table:
        return respond(table(cluster, target.rt, found, req, with_columns=True))
    if target.name is not None:
        return respond(found[0])
    meta = {"resourceVersion": str(cluster.resource_version)}
    return respond(
        {"kind": "APIServiceList", "apiVersion": target.rt.api_version, "metadata": meta, "items": found}
    )


def _typed(rt, obj: dict) -> dict:
    obj = deep_copy(obj)
    if eventsv1.is_v1(rt):  # the stored core Event in the events.k8s.io/v1 field names
        return eventsv1.to_v1(obj)
    if autoscalingv1.is_v1(rt):  # the stored autoscaling/v2 HPA in the v1 form
        return autoscalingv1.to_v1(obj)
    return {
        "kind": rt.kind,
        "apiVersion": rt.api_version,
        **{k: v for k, v in obj.items() if k not in ("kind", "apiVersion")},
    }


def selected(cluster, target: Target, req: ApiRequest) -> list[dict]:
    rt = target.rt
    items = cluster.api.list(
        rt.kind,
        target.namespace,
        req.query.get("labelSelector") or None,
        _field_selector(target, req),
    )
    return items


def _field_selector(target: Target, req: ApiRequest) -> str | None:
    text = req.query.get("fieldSelector") or None
    return eventsv1.field_selector(text) if eventsv1.is_v1(target.rt) else text


def _list(cluster, target: Target, req: ApiRequest) -> ApiResponse:
    rt = target.rt
    query_int(req, "timeoutSeconds")
    current = int(cluster.resource_version)
    wanted = req.query.get("resourceVersion", "")
    if wanted not in ("", "0"):
        try:
            number = int(wanted)
        except ValueError:
            raise bad_request(f'invalid resource version "{wanted}"') from None
        if number > current:
            raise ApiError(
                504,
                "Timeout",
                f"Too large resource version: {number}, current: {current}",
                {
                    "causes": [
                        {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
                    ],
                    "retryAfterSeconds": 1,
                },
            )
    items = selected(cluster, target, req)
    meta: dict = {"resourceVersion": str(current)}
    items = _page(items, req, meta, current)
    if req.wants_table:
        result = table(cluster, rt, items, req, with_columns=True)
        result["metadata"] = meta
        return respond(result)
    return respond(
        {
            "kind": getattr(rt, "list_kind", "") or f"{rt.kind}List",  # a CRD names its own
            "apiVersion": rt.api_version,
            "metadata": meta,
            "items": [_typed(rt, o) for o in items],
        }
    )


def _page(items: list[dict], req: ApiRequest, meta: dict, current: int) -> list[dict]:
    """limit/continue: the token says where the previous page stopped."""
    token = req.query.get("continue")
    if token:
        try:
            state = json.loads(base64.urlsafe_b64decode(token.encode() + b"=="))
            after = (state["ns"], state["name"])
            if not all(isinstance(part, str) for part in after):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise bad_request(
                "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
            ) from None
        items = [o for o in items if (o["metadata"].get("namespace", ""), o["metadata"]["name"]) > after]
    try:
        limit = int(req.query.get("limit") or 0)
    except ValueError:
        raise bad_request(f"limit: Invalid value: {req.query.get('limit')!r}") from None
    if limit > 0 and len(items) > limit:
        last = items[limit - 1]["metadata"]
        state = {"v": "meta.k8s.io/v1", "rv": current, "ns": last.get("namespace", ""), "name": last["name"]}
        meta["continue"] = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
        meta["remainingItemCount"] = len(items) - limit
        items = items[:limit]
    return items


def _log_text(cluster, target: Target, req: ApiRequest) -> str:
    tail = req.query.get("tailLines")
    try:
        tail_lines = int(tail) if tail not in (None, "") else None
    except ValueError:
        raise bad_request(f"tailLines: Invalid value: {tail!r}") from None
    return cluster.logs(
        target.name,
        target.namespace,
        container=req.query.get("container") or None,
        tail_lines=tail_lines,
        previous=req.flag("previous"),
        timestamps=req.flag("timestamps"),
    )


# Table output ---------------------------------------------------------------------------------


def columns(kind: str, rt=None) -> list[dict]:
    """Column definitions: ``rt``'s own when given (a custom resource's served version)."""
    narrow = rt.table_columns() if hasattr(rt, "table_columns") else printers.columns(kind)
    wide = rt.table_columns(wide=True) if hasattr(rt, "table_columns") else printers.columns(kind, wide=True)
    found = []
    for index, name in enumerate(wide):
        found.append(
            {
                "name": name.title() if name not in ("NAME",) else "Name",
                "type": "string",
                "format": "name" if name == "NAME" else "",
                "description": "",
                "priority": 0 if index < len(narrow) else 1,
            }
        )
    return found


def table(cluster, rt, objects: list[dict], req: ApiRequest, with_columns: bool) -> dict:
    include = req.query.get("includeObject", "Metadata")
    rows = []
    for obj in objects:
        if hasattr(rt, "row"):
            cells = rt.row(obj, cluster.clock, wide=True)
        else:
            cells = printers.row(rt.kind, obj, cluster.clock, wide=True)
        row = {"cells": cells}
        if include == "Object":
            row["object"] = _typed(rt, obj)
        elif include != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": deep_copy(obj["metadata"]),
            }
        rows.append(row)
    result = {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": cluster.resource_version},
    }
    if with_columns:
        result["columnDefinitions"] = columns(rt.kind, rt)
    result["rows"] = rows
    return result


# Watch ------------------------------------------------------------------------------------------


def watch_events(cluster, target: Target, req: ApiRequest, since: str | None, entries=None) -> list[dict]:
    """The watch events after `since` (all objects as ADDED when None), with raw objects;
    `entries` as for Cluster.watch."""
    rt = target.rt
    if target.virtual and rt.kind == "APIService":  # computed: all there at once, never changing
        found = (
            []
            if since or entries is not None
            else apiservices.lookup(
                cluster, list(discovery.group_versions(registry=cluster.api.registry)), None
            )
        )
        return [{"type": "ADDED", "object": obj} for obj in found]
    return list(
        cluster.watch(
            rt.kind,
            target.namespace,
            since,
            req.query.get("labelSelector") or None,
            _field_selector(target, req),
            entries,
        )
    )


def encode_event(cluster, target: Target, req: ApiRequest, event: dict, first: bool) -> bytes:
    """One watch event's line; `cluster` gives the Table's clock and resourceVersion (only
    `.clock` and `.resource_version` are read: a feed's View stands for it)."""
    obj = event["object"]
    if req.wants_table and event["type"] in ("ADDED", "MODIFIED", "DELETED"):
        obj = table(cluster, target.rt, [obj], req, with_columns=first)
    elif event["type"] in ("ADDED", "MODIFIED", "DELETED"):
        obj = _typed(target.rt, obj)
    return json.dumps({"type": event["type"], "object": obj}, separators=(",", ":")).encode() + b"\n"


def bookmark(target: Target, resource_version: str, initial_events_end: bool = False) -> bytes:
    rt = target.rt
    metadata: dict = {"resourceVersion": resource_version}
    if initial_events_end:  # a watch-list's initial state is all sent (KEP-3157)
        metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
    obj = {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": metadata}
    return json.dumps({"type": "BOOKMARK", "object": obj}, separators=(",", ":")).encode() + b"\n"


_GO_INT = re.compile(r"[+-]?[0-9]+")
INT64_MAX = 2**63 - 1


def query_int(req: ApiRequest, name: str) -> int | None:
    """An integer query parameter (None when absent or empty), parsed as the apiserver's
    query-parameter conversion does with Go's strconv.ParseInt: anything else is a 400."""
    text = req.query.get(name, "").strip()
    if not text:
        return None
    if not _GO_INT.fullmatch(text) or len(text) > 20:
        reason = "invalid syntax" if not _GO_INT.fullmatch(text) else "value out of range"
        raise bad_request(f'strconv.ParseInt: parsing "{text[:100]}": {reason}')
    value = int(text)
    if not -INT64_MAX - 1 <= value <= INT64_MAX:
        raise bad_request(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def validate_watch(req: ApiRequest) -> None:
    """ListOptions a watch may not combine, refused as kube-apiserver's ValidateListOptions
    does (the WatchList feature on, as from 1.32): a streaming list (sendInitialEvents, which
    client-go 1.34 and later informers send) needs resourceVersionMatch=NotOlderThan.
    Before that, as its query-parameter decoding does, a timeoutSeconds that is not an
    integer is a 400 BadRequest rather than silently the server's cap."""
    query_int(req, "timeoutSeconds")
    match = req.query.get("resourceVersionMatch", "")
    errors = []
    if "sendInitialEvents" in req.query and match != "NotOlderThan":
        errors.append(
            forbidden_field(
                "resourceVersionMatch",
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            )
        )
    if match:
        if "sendInitialEvents" not in req.query:
            errors.append(
                forbidden_field(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
                )
            )
        if match != "NotOlderThan":
            errors.append(unsupported("resourceVersionMatch", match, ["NotOlderThan"]))
        if req.query.get("continue"):
            errors.append(
                forbidden_field(
                    "resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"
                )
            )
    if errors:
        summary = str(errors[0]) if len(errors) == 1 else "[" + ", ".join(str(e) for e in errors) + "]"
        details = {"group": "meta.k8s.io", "kind": "ListOptions", "causes": [e.cause() for e in errors]}
        raise ApiError(422, "Invalid", f'ListOptions.meta.k8s.io "" is invalid: {summary}', details)


def error_event(error: ApiError) -> bytes:
    return json.dumps({"type": "ERROR", "object": error.status}, separators=(",", ":")).encode() + b"\n"


# Writes --------------------------------------------------------------------------------------------


def decode_body(req: ApiRequest, target: Target):
    if len(req.body) > MAX_BODY:
        raise ApiError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {MAX_BODY}")
    media = req.media_type
    if media == "application/vnd.kubernetes.protobuf":
        decoded = protobuf.decode(req.body)
        manifests.check_depth(decoded)
        return decoded
    if media in ("application/json", ""):
        try:
            return manifests.loads_json(req.body or b"null")
        except ValueError as error:
            raise bad_request(f"couldn't get version/kind; json parse error: {error}") from None
    if media == "application/yaml":
        documents = manifests.load(req.body)
        if len(documents) != 1:
            raise bad_request("the body must hold exactly one object")
        return documents[0]
    raise ApiError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
    )


def _with_type(rt, body) -> dict:
    """Fill kind/apiVersion from the URL, as the apiserver's decoder defaults them."""
    if not isinstance(body, dict):
        raise bad_request(
            "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"
        )
    body = dict(body)
    if body.get("apiVersion") and body["apiVersion"] != rt.api_version:
        raise bad_request(
            f"the API version in the data ({body['apiVersion']}) does not match the expected API version ({rt.api_version})"
        )
    if body.get("kind") and body["kind"] != rt.kind:
        raise bad_request(
            f"the kind in the data ({body['kind']}) does not match the expected kind ({rt.kind})"
        )
    body["apiVersion"], body["kind"] = rt.api_version, rt.kind
    if autoscalingv1.is_v1(rt):
        return autoscalingv1.to_v2(body)
    return eventsv1.to_core(body) if eventsv1.is_v1(rt) else body


def write(cluster, target: Target, req: ApiRequest) -> ApiResponse:
    """A write; its warnings come back as Warning headers: the unknown fields it dropped
    (unless fieldValidation=Ignore) and admission's (PodSecurity's, whatever the validation)."""
    cluster.api.warnings = []
    response = _write(cluster, target, req)
    warnings = cluster.api.warnings
    if req.query.get("fieldValidation", "") == "Ignore":
        warnings = [w for w in warnings if not w.startswith('unknown field "')]
    if warnings:
        response.headers["Warning"] = ", ".join(
            f"299 - {json.dumps(warning)}" for warning in dict.fromkeys(warnings)
        )
    return response


def _write(cluster, target: Target, req: ApiRequest) -> ApiResponse:
    if target.virtual and target.rt.kind == "SelfSubjectAccessReview" and req.method == "POST":
        return _access_review(cluster, req, decode_body(req, target))
    if target.virtual and target.rt.kind in auth.REVIEWS and req.method == "POST":
        body = decode_body(req, target)
        return respond(auth.review(cluster, target.rt.kind, body, req.user, req.token, req.groups), 201)
    if target.virtual:
        raise method_not_allowed()
    rt = target.rt
    method = req.method
    if target.subresource:
        return _write_subresource(cluster, target, req)
    if method == "POST":
        if target.name is not None:
            raise method_not_allowed()
        body = _with_type(rt, decode_body(req, target))
        if rt.kind == "CertificateSigningRequest":  # PrepareForCreate: the requester is who asks
            auth.stamp_requester(body, req.user, req.groups)
        _record_update(rt, req, body, None, cluster.api.now())
        created = cluster.api.create(body, target.namespace, dry_run=req.dry_run, strict=req.strict)
        return respond(_typed(rt, created), 201)
    if method == "DELETE" and target.name is None:
        return _delete_collection(cluster, target, req)
    if target.name is None:
        raise method_not_allowed()
    if method == "PUT":
        body = _with_type(rt, decode_body(req, target))
        _check_name(body, target)
        _record_update(rt, req, body, _live(cluster, rt, target), cluster.api.now())
        updated = cluster.api.update(
            body, target.namespace, dry_run=req.dry_run, strict=req.strict, skip_unchanged=True
        )
        return respond(_typed(rt, updated))
    if method == "PATCH":
        return _patch(cluster, target, req)
    if method == "DELETE":
        return _delete(cluster, target, req)
    raise method_not_allowed()


def _check_name(body: dict, target: Target) -> None:
    name = (body.get("metadata") or {}).get("name")
    if name and name != target.name:
        raise bad_request(
            f"the name of the object ({name}) does not match the name on the URL ({target.name})"
        )


PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
}


def _patch_body(req: ApiRequest):
    if len(req.body) > MAX_BODY:
        raise ApiError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {MAX_BODY}")
    media = req.media_type
    if media == "application/apply-patch+yaml":
        documents = manifests.load(req.body)
        if len(documents) != 1:
            raise bad_request("the apply patch must hold exactly one object")
        return "apply", documents[0]
    if media not in PATCH_TYPES:
        raise ApiError(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json",
        )
    try:
        return PATCH_TYPES[media], manifests.loads_json(req.body or b"null")
    except ValueError as error:
        raise bad_request(f"error decoding patch: {error}") from None


def _custom_patch_type(rt, kind: str) -> None:
    """Custom resources have no strategic merge patch (their schema names no patch strategies)."""
    if kind == "strategic" and hasattr(rt, "crd_name"):
        raise ApiError(
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: "
            "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
        )


def _patch(cluster, target: Target, req: ApiRequest) -> ApiResponse:
    rt = target.rt
    kind, body = _patch_body(req)
    _custom_patch_type(rt, kind)
    if kind == "apply":
        return _server_side_apply(cluster, target, req, _with_type(rt, body))
    if eventsv1.is_v1(rt) or autoscalingv1.is_v1(rt):  # a patch of the v1 form: applied to it
        return _patch_converted(cluster, target, req, kind, body)
    body = _patch_with_managed_fields(cluster, target, req, kind, body)
    patched = cluster.api.patch(
        rt.kind,
        target.name,
        target.namespace,
        body,
        kind,
        None,
        req.dry_run,
        strict=req.strict,
        skip_unchanged=True,
    )
    return respond(_typed(rt, patched))


def _field_manager(req: ApiRequest) -> str:
    return req.query.get("fieldManager") or managedfields.manager_from_user_agent(req.user_agent)


def _live(cluster, rt, target: Target) -> dict | None:
    try:
        return cluster.api.get(rt.kind, target.name, target.namespace)
    except ApiError:
        return None  # the write itself answers the 404


def _record_update(rt, req: ApiRequest, body: dict, live: dict | None, now: str) -> None:
    """An Update entry for the writer in the body's managedFields (create and replace).
    Managed fields the client sent and changed are the ones kept (upstream's
    decodeLiveOrNew); otherwise the stored object's."""
    manager = _field_manager(req)
    meta = body.get("metadata")
    if not manager or not isinstance(meta, dict):
        return
    stored = ((live or {}).get("metadata") or {}).get("managedFields") or []
    sent = meta.get("managedFields")
    entries = sent if isinstance(sent, list) and sent and sent != stored else stored
    root = schema.root(rt.kind, rt.api_version)
    meta["managedFields"] = managedfields.update(entries, live, body, manager, root, now, rt.api_version)


def _patch_with_managed_fields(cluster, target: Target, req: ApiRequest, kind: str, body):
    """The patch plus the managedFields its result will have (the writer's Update entry),
    worked out on the stored object with the same patch functions the engine applies."""
    from playground.engine import patch as patching

    rt = target.rt
    live = _live(cluster, rt, target)
    manager = _field_manager(req)
    if live is None or not manager:
        return body
    root = schema.root(rt.kind, rt.api_version)
    try:
        if kind == "json":
            result = patching.json_patch(live, body)
        elif kind == "merge":
            result = patching.merge_patch(live, body)
        else:
            result = patching.strategic_merge_patch(live, body, root)
    except (ApiError, ValueError, TypeError, KeyError, IndexError):
        return body  # the engine's own patch answers the error
    if not isinstance(result, dict) or not isinstance(body, dict | list):
        return body
    stored = (live.get("metadata") or {}).get("managedFields") or []
    entries = managedfields.update(stored, live, result, manager, root, cluster.api.now(), rt.api_version)
    if kind == "json":
        return [*body, {"op": "add", "path": "/metadata/managedFields", "value": entries}]
    return {**body, "metadata": {**(body.get("metadata") or {}), "managedFields": entries}}


def _patch_converted(cluster, target: Target, req: ApiRequest, kind: str, body) -> ApiResponse:
    from playground.engine import patch as patching

    current = _typed(target.rt, cluster.api.get(target.rt.kind, target.name, target.namespace))
    if kind == "json":
        patched = patching.json_patch(current, body)
    else:  # neither v1 form has a list to merge, so a strategic merge patch is a merge patch
        patched = patching.merge_patch(current, body)
    updated = cluster.api.update(
        _with_type(target.rt, patched),
        target.namespace,
        dry_run=req.dry_run,
        strict=req.strict,
        skip_unchanged=True,
    )
    return respond(_typed(target.rt, updated))


def _server_side_apply(cluster, target: Target, req: ApiRequest, body: dict) -> ApiResponse:
    """application/apply-patch+yaml: create when missing, else apply with field ownership."""
    rt = target.rt
    _check_name(body, target)
    body.setdefault("metadata", {})["name"] = target.name
    manager = req.query.get("fieldManager") or ""
    if not manager:
        raise bad_request("PATCH, application/apply-patch+yaml requests must have a fieldManager parameter")
    root = schema.root(rt.kind, rt.api_version)
    try:
        live = cluster.api.get(rt.kind, target.name, target.namespace)
    except ApiError as error:
        if error.code != 404:
            raise
        config = deep_copy(body)
        config["metadata"]["managedFields"] = [
            managedfields.record(managedfields.paths(body, root), manager, cluster.api.now(), rt.api_version)
        ]
        created = cluster.api.create(config, target.namespace, dry_run=req.dry_run, strict=True)
        return respond(_typed(rt, created), 201)
    merged = managedfields.apply(
        live, body, manager, root, cluster.api.now(), rt.api_version, force=req.flag("force")
    )
    updated = cluster.api.update(
        merged, target.namespace, dry_run=req.dry_run, strict=True, skip_unchanged=True
    )
    return respond(_typed(rt, updated))


def _delete_options(req: ApiRequest) -> dict:
    options: dict = {}
    if req.media_type == "application/vnd.kubernetes.protobuf":
        options = protobuf.decode_options(req.body)
    elif req.body.strip():
        try:
            options = manifests.loads_json(req.body)
        except ValueError as error:
            raise bad_request(f"couldn't get version/kind; json parse error: {error}") from None
        if not isinstance(options, dict):
            raise bad_request("the DeleteOptions body must be an object")
    for key in ("propagationPolicy", "gracePeriodSeconds", "orphanDependents"):
        if key in req.query and key not in options:
            options[key] = req.query[key]
    if "gracePeriodSeconds" in options and options["gracePeriodSeconds"] is not None:
        try:
            options["gracePeriodSeconds"] = int(options["gracePeriodSeconds"])
        except (TypeError, ValueError):
            raise bad_request("gracePeriodSeconds: Invalid value: must be an integer") from None
    if str(options.get("orphanDependents", "")).lower() in TRUE and not options.get("propagationPolicy"):
        options["propagationPolicy"] = "Orphan"
    return options


# Kinds whose registry store sets ReturnDeletedObject (pkg/registry/core/{pod,service,
# serviceaccount}/storage and storage/storageclass/storage): a delete that removes the object
# at once answers with the object, not a Status (typed clients decode it as that kind).
RETURNS_DELETED_OBJECT = {
    ("", "Pod"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("storage.k8s.io", "StorageClass"),
}


def _delete_one(cluster, rt, name: str, namespace: str | None, options: dict, dry_run: bool) -> dict:
    before = cluster.api.get(rt.kind, name, namespace)
    result = cluster.api.delete(
        rt.kind,
        name,
        namespace,
        options.get("propagationPolicy"),
        options.get("gracePeriodSeconds"),
        options.get("preconditions"),
        dry_run or "All" in (options.get("dryRun") or []),
    )
    return result or before


def _delete(cluster, target: Target, req: ApiRequest) -> ApiResponse:
    rt = target.rt
    options = _delete_options(req)
    uid = cluster.api.get(rt.kind, target.name, target.namespace)["metadata"]["uid"]
    result = _delete_one(cluster, rt, target.name, target.namespace, options, req.dry_run)
    try:
        still = cluster.api.get(rt.kind, target.name, target.namespace)
    except ApiError:
        still = None
    if still is not None and still["metadata"].get("uid") == uid:
        # Graceful deletion (pods, finalizers, foreground): the object is returned as it now is.
        return respond(_typed(rt, still if not req.dry_run else result))
    if (rt.group, rt.kind) in RETURNS_DELETED_OBJECT:
        return respond(_typed(rt, result))
    details = {"name": target.name, "kind": rt.plural, "uid": uid}
    if rt.group:
        details = {"name": target.name, "group": rt.group, "kind": rt.plural, "uid": uid}
    return respond(
        {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
    )


def _delete_collection(cluster, target: Target, req: ApiRequest) -> ApiResponse:
    rt = target.rt
    options = _delete_options(req)
    deleted = []
    for obj in selected(cluster, target, req):
        meta = obj["metadata"]
        deleted.append(_delete_one(cluster, rt, meta["name"], meta.get("namespace"), options, req.dry_run))
    return respond(
        {
            "kind": getattr(rt, "list_kind", "") or f"{rt.kind}List",  # a CRD names its own
            "apiVersion": rt.api_version,
            "metadata": {"resourceVersion": cluster.resource_version},
            "items": [_typed(rt, o) for o in deleted],
        }
    )


def _write_subresource(cluster, target: Target, req: ApiRequest) -> ApiResponse:
    rt, sub = target.rt, target.subresource
    allowed = {s.name: s for s in discovery.subresources(rt)}[sub].verbs
    verb = {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(req.method)
    if verb not in allowed:
        raise method_not_allowed()
    if sub == "eviction":
        body = decode_body(req, target) or {}
        options = (body.get("deleteOptions") or {}) if isinstance(body, dict) else {}
        name = ((body.get("metadata") or {}).get("name") if isinstance(body, dict) else None) or target.name
        if name != target.name:
            raise bad_request("name in URL does not match name in Eviction object")
        dry = req.dry_run or "All" in (options.get("dryRun") or [])
        cluster.api.evict(target.name, target.namespace, dry, options.get("gracePeriodSeconds"))
        return respond(
            {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}, 201
        )
    if sub == "token":
        reply, warnings = auth.token_request(
            cluster, target.namespace, target.name, decode_body(req, target), req.token
        )
        cluster.api.warnings.extend(warnings)
        return respond(reply, 201)
    if sub == "binding":
        body = decode_body(req, target) or {}
        node = ((body.get("target") or {}).get("name")) if isinstance(body, dict) else None
        if not node:
            raise bad_request("a Binding needs target.name")
        cluster.api.bind(target.name, target.namespace, node)
        return respond(
            {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}, 201
        )
    if sub == "scale":
        current = cluster.api.get_scale(rt.kind, target.name, target.namespace)
        if req.method == "PUT":
            body = decode_body(req, target)
            scale = body if isinstance(body, dict) else {}
        else:
            kind, patch = _patch_body(req)
            from playground.engine import patch as patching

            if kind == "json":
                scale = patching.json_patch(deep_copy(current), patch)
            elif kind in ("merge", "apply"):
                scale = patching.merge_patch(deep_copy(current), patch)
            else:
                scale = patching.strategic_merge_patch(deep_copy(current), patch)
        replicas = (scale.get("spec") or {}).get("replicas", 0)
        rv = (scale.get("metadata") or {}).get("resourceVersion") if req.method == "PUT" else None
        if not req.dry_run:
            cluster.api.scale(rt.kind, target.name, target.namespace, replicas, rv)
        return respond(
            cluster.api.get_scale(rt.kind, target.name, target.namespace)
            if not req.dry_run
            else {**current, "spec": {"replicas": replicas}}
        )
    if sub == "status" or sub in getattr(rt, "subresource_updates", {}):
        if req.method == "PUT":
            body = _with_type(rt, decode_body(req, target))
            _check_name(body, target)
            updated = cluster.api.update(
                body,
                target.namespace,
                subresource=sub,
                dry_run=req.dry_run,
                strict=req.strict,
                skip_unchanged=True,
            )
            return respond(_typed(rt, updated))
        kind, body = _patch_body(req)
        _custom_patch_type(rt, kind)
        if kind == "apply":
            body = {k: v for k, v in body.items() if k not in ("apiVersion", "kind")}
            kind = "merge"
        patched = cluster.api.patch(
            rt.kind,
            target.name,
            target.namespace,
            body,
            kind,
            sub,
            req.dry_run,
            strict=req.strict,
            skip_unchanged=True,
        )
        return respond(_typed(rt, patched))
    raise method_not_allowed()


def _access_review(cluster, req: ApiRequest, body) -> ApiResponse:
    """`kubectl auth can-i`: the asker's answer from the sandbox's RBAC (rbac.access_review_status)."""
    spec = (body or {}).get("spec") if isinstance(body, dict) else None
    if not isinstance(spec, dict) or not (
        spec.get("resourceAttributes") or spec.get("nonResourceAttributes")
    ):
        raise ApiError(
            422,
            "Invalid",
            'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: '
            'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
        )
    review = {
        "kind": "SelfSubjectAccessReview",
        "apiVersion": "authorization.k8s.io/v1",
        "metadata": {},
        "spec": spec,
        "status": rbac.access_review_status(cluster.store, rbac.User(req.user, tuple(req.groups)), spec),
    }
    return respond(review, 201)


# metrics.k8s.io ---------------------------------------------------------------------------------


def _metrics(cluster, target: Target) -> dict:
    rt = target.rt
    if rt.kind == "PodMetrics":
        items = cluster.pod_metrics(target.namespace)
    else:
        items = _node_metrics(cluster)
    for item in items:
        item["metadata"].setdefault("creationTimestamp", rfc3339(cluster.clock))
        item["metadata"].setdefault("labels", {})
    if target.name is not None:
        for item in items:
            if item["metadata"]["name"] == target.name:
                return {"kind": rt.kind, "apiVersion": rt.api_version, **item}
        raise ApiError(
            404,
            "NotFound",
            f'{rt.plural}.metrics.k8s.io "{target.name}" not found',
            {"name": target.name, "group": "metrics.k8s.io", "kind": rt.plural},
        )
    return {
        "kind": getattr(rt, "list_kind", "") or f"{rt.kind}List",  # a CRD names its own
        "apiVersion": rt.api_version,
        "metadata": {},
        "items": [{"kind": rt.kind, "apiVersion": rt.api_version, **item} for item in items],
    }


def _node_metrics(cluster) -> list[dict]:
    """Per node: its running pods' usage plus what the system daemons take."""
    usage: dict[str, list[int]] = {}
    pods = {(p["metadata"]["namespace"], p["metadata"]["name"]): p for p in cluster.store.iter("Pod")}
    for item in cluster.pod_metrics():
        pod = pods.get((item["metadata"]["namespace"], item["metadata"]["name"]))
        node = (pod or {}).get("spec", {}).get("nodeName")
        if not node:
            continue
        total = usage.setdefault(node, [0, 0])
        for c in item["containers"]:
            total[0] += int(parse_quantity(c["usage"]["cpu"]) * 1_000_000_000)
            total[1] += int(parse_quantity(c["usage"]["memory"]))
    items = []
    for node in sorted(cluster.store.iter("Node"), key=lambda n: n["metadata"]["name"]):
        name = node["metadata"]["name"]
        if cluster.node_is_down(name):
            continue
        cpu, memory = usage.get(name, [0, 0])
        items.append(
            {
                "metadata": {"name": name},
                "timestamp": rfc3339(cluster.clock),
                "window": "20s",
                "usage": {
                    "cpu": f"{cpu + 60_000_000}n",
                    "memory": f"{(memory + 700 * 1024 * 1024) // 1024}Ki",
                },
            }
        )
    return items
