"""Read-only by construction: the mirror reaches a cluster only through this module.

Two walls. `ReadOnlyCluster` offers get, list and watch and nothing else. Under it,
`ReadOnlyApiClient` refuses any HTTP method but GET, and any path that proxies into the
cluster (exec, attach, port-forward, proxy), before a byte leaves; so even a typed API
object from the official client built on it cannot write.
"""

from __future__ import annotations

import json
import re

import orjson
from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException

VERBS = ("get", "list", "watch")
# GET on these reaches into nodes and containers; a mirror has no business there.
REACHES_IN = re.compile(r"/(exec|attach|portforward|proxy)(/|$|\?)")


class ReadOnlyError(PermissionError):
    """A write, or a reach into the cluster, that the mirror refuses to send."""


class ApiError(Exception):
    """The cluster answered with an error Status; `code` and `reason` as it said them."""

    def __init__(self, code: int, reason: str, message: str):
        super().__init__(f"{code} {reason}: {message}")
        self.code, self.reason, self.message = code, reason, message


def _check(method: str, url: str) -> None:
    if method.upper() != "GET":
        raise ReadOnlyError(f"the mirror is read-only: {method.upper()} refused before sending")
    if REACHES_IN.search(url.split("?", 1)[0]):
        raise ReadOnlyError(
            f"the mirror does not exec, attach, port-forward or proxy: {url.split('?', 1)[0]}"
        )


class ReadOnlyApiClient(ApiClient):
    """The official ApiClient, refusing everything but GET at its two entry points: its
    ``call_api`` (every typed, dynamic and watch call goes through it) and ``request``, a
    raw call straight to the REST layer under it."""

    def call_api(self, method, url, *args, **kwargs):
        _check(method, url)
        return super().call_api(method, url, *args, **kwargs)

    def request(self, method, url, *args, **kwargs):
        _check(method, url)
        return self.rest_client.request(method, url, *args, **kwargs)


def error_from(exc: ApiException) -> ApiError:
    """The Status message, never the headers or the request (they may carry credentials)."""
    message, reason = "", exc.reason or ""
    try:
        body = json.loads(exc.body or "")
        message, reason = body.get("message", ""), body.get("reason", reason)
    except (TypeError, ValueError, AttributeError):
        message = (exc.body or "")[:200] if isinstance(exc.body, str) else ""
    return ApiError(exc.status or 0, reason or "", message)


class ReadOnlyCluster:
    """get, list and watch on API paths; every call is a GET and returns plain JSON data."""

    def __init__(self, api_client: ApiClient, timeout: float = 30):
        if not isinstance(api_client, ReadOnlyApiClient):
            raise ReadOnlyError("the mirror needs a ReadOnlyApiClient")
        self.api_client = api_client
        self.timeout = timeout

    @property
    def host(self) -> str:
        return self.api_client.configuration.host

    def request(self, verb: str, path: str, params: dict | None = None, read_timeout: float | None = None):
        if verb not in VERBS:
            raise ReadOnlyError(f"the mirror is read-only: {verb!r} is not one of {', '.join(VERBS)}")
        query = [(k, v) for k, v in (params or {}).items() if v is not None]
        if verb == "watch":
            query.append(("watch", "true"))
        client = self.api_client
        method, url, headers, _, _ = client.param_serialize(
            method="GET",
            resource_path=path,
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        try:
            response = client.call_api(
                method,
                url,
                header_params=headers,
                _request_timeout=(min(self.timeout, 10), read_timeout or self.timeout),
            )
            if not 200 <= response.status <= 299:
                response.read()
                raise ApiException.from_response(http_resp=response, body=None, data=None)
        except ApiException as exc:
            raise error_from(exc) from None
        return response.response  # urllib3's, unread: `.data` for a list, streamed for a watch

    def get(self, path: str, **params) -> dict:
        response = self.request("get", path, params)
        return orjson.loads(response.data)

    def list(self, path: str, **params) -> dict:
        return orjson.loads(self.list_raw(path, **params))

    def list_raw(self, path: str, **params) -> bytes:
        """The list response unparsed: a 150,000-pod cluster is about 400 MB of JSON, and
        the caller may parse it elsewhere."""
        return self.request("list", path, params).data

    def watch(self, path: str, read_timeout: float, **params):
        """The open response; iterate its events with `events(response)`."""
        return self.request("watch", path, params, read_timeout=read_timeout)


def events(response, chunk: int = 65536):
    """Watch events from a streaming response, one parsed JSON line at a time."""
    buffer = b""
    try:
        for data in response.stream(chunk, decode_content=True):
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                if line.strip():
                    yield orjson.loads(line)
        if buffer.strip():
            yield orjson.loads(buffer)
    finally:
        response.release_conn()
