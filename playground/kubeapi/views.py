"""The Kubernetes API endpoint of each sandbox: authentication, loading and streaming.

Reads load the sandbox through `sandboxes.view`, writes go through `sandboxes.change`
(compare-and-swap, a snapshot per change), and watches and `logs -f` poll the database,
so they see changes made by any process. Streams hold a worker thread: serve the app
with a threaded server (`runserver`, or gunicorn's gthread workers with `gunicorn.conf.py`),
and `streams` caps how many are open so that ordinary requests always find a thread.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from playground import sandboxes
from playground.engine import ApiError, rbac
from playground.kubeapi import discovery, feeds, handler, streams
from playground.kubeapi.handler import ApiRequest, ApiResponse
from playground.kubeapi.kubeconfig import base_path, user_name
from playground.models import Sandbox, SandboxIdentity

logger = logging.getLogger(__name__)

BOOKMARK_SECONDS = 5
HEARTBEAT_SECONDS = 5


def _unauthorized() -> HttpResponse:
    return _http(handler.error_response(ApiError(401, "Unauthorized", "Unauthorized")))


def _http(response: ApiResponse) -> HttpResponse:
    http = HttpResponse(response.body, status=response.status, content_type=response.content_type)
    for key, value in response.headers.items():
        http[key] = value
    return http


@dataclass(frozen=True)
class Caller:
    """Who a token authenticates as, in which sandbox: its owner (cluster-admin, in
    ``system:masters`` as kubeadm's admin.conf user) or one of its identities."""

    sandbox: Sandbox
    user: rbac.User

    @property
    def privileged(self) -> bool:
        return rbac.MASTERS in self.user.groups


OWNER_GROUPS = (rbac.MASTERS, rbac.AUTHENTICATED)


def _sandbox(token: str | None) -> Caller | None:
    """The sandbox a token opens and who it is there: the sandbox's own token is its
    owner; an identity's token is that identity in its one sandbox. Compared in constant
    time after the indexed lookup."""
    if not token or len(token) > 64:
        return None
    found = Sandbox.objects.filter(token=token).only("id", "token", "owner", "public_id", "name").first()
    if found is not None:
        if not secrets.compare_digest(found.token, token):
            return None
        return Caller(found, rbac.User(user_name(found.name), OWNER_GROUPS))
    identity = (
        SandboxIdentity.objects.filter(token=token)
        .select_related("sandbox")
        .only(
            "token",
            "username",
            "groups",
            "sandbox__id",
            "sandbox__token",
            "sandbox__owner",
            "sandbox__public_id",
            "sandbox__name",
        )
        .first()
    )
    if identity is None or not secrets.compare_digest(identity.token, token):
        return None
    return Caller(identity.sandbox, identity_user(identity.username, identity.groups))


def identity_user(username: str, groups) -> rbac.User:
    """An identity's user: its groups and ``system:authenticated``, as every
    authenticator adds it (a ServiceAccount's name brings its two groups)."""
    found = [g for g in groups or [] if isinstance(g, str)]
    if username.startswith(rbac.SERVICE_ACCOUNT_PREFIX):
        namespace = username[len(rbac.SERVICE_ACCOUNT_PREFIX) :].split(":", 1)[0]
        found += ["system:serviceaccounts", f"system:serviceaccounts:{namespace}"]
    return rbac.User(username, tuple(dict.fromkeys([*found, rbac.AUTHENTICATED])))


@csrf_exempt
def api_with_bearer(request, rest: str = ""):
    """/k8s/<path> with `Authorization: Bearer <token>` (https kubeconfigs)."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else None
    return _serve(request, _sandbox(token), "/k8s", rest)


@csrf_exempt
def api_at_root(request, rest: str = ""):
    """Absolute paths from `kubectl get --raw`, which drops the sandbox's path prefix."""
    if rest.startswith(("livez", "readyz")):
        verbose = "verbose" in request.GET
        return _http(handler.ApiResponse(200, handler._health(rest.split("/")[0], verbose), "text/plain"))
    header = request.headers.get("Authorization", "")
    sandbox = _sandbox(header[7:].strip()) if header.lower().startswith("bearer ") else None
    if sandbox is None:
        return _http(
            handler.error_response(
                ApiError(
                    401,
                    "Unauthorized",
                    "Unauthorized: this path carries no sandbox token. kubectl get --raw before 1.34 drops the "
                    "path of the server address, so start the raw path with /k8s/<token>/ as in your "
                    "kubeconfig",
                )
            )
        )
    return _serve(request, sandbox, "", rest)


@csrf_exempt
def api_with_token(request, token: str, rest: str = ""):
    """/k8s/<token>/<path>: the secret in the path, which kubectl sends over plain http too."""
    return _serve(request, _sandbox(token), base_path(token), rest)


def _serve(request, sandbox: Caller | None, base: str, rest: str) -> HttpResponse:
    """Every answer a `Status` on failure, as kube-apiserver's: a bug here is logged and
    answered as an InternalError, never as the site's HTML error page."""
    try:
        return _serve_api(request, sandbox, base, rest)
    except Exception:
        logger.exception("unexpected error serving %s %s", request.method, rest[:200])
        return _http(handler.error_response(_internal_error()))


def _internal_error() -> ApiError:
    """kube-apiserver's errors.NewInternalError shape, without our traceback's details."""
    message = "an error on the server that it could not handle; it has been logged"
    return ApiError(
        500, "InternalError", f"Internal error occurred: {message}", {"causes": [{"message": message}]}
    )


def _serve_api(request, caller: Caller | None, base: str, rest: str) -> HttpResponse:
    if caller is None:
        return _unauthorized()
    sandbox = caller.sandbox
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > handler.MAX_BODY:
        return _http(
            handler.error_response(
                ApiError(
                    413, "RequestEntityTooLarge", f"Request entity too large: limit is {handler.MAX_BODY}"
                )
            )
        )
    body = request.read(handler.MAX_BODY + 1) if request.method in ("POST", "PUT", "PATCH", "DELETE") else b""
    req = ApiRequest(
        method=request.method,
        path="/" + rest,
        query={key: value for key, value in request.GET.items()},
        content_type=request.META.get("CONTENT_TYPE", ""),
        accept=request.headers.get("Accept", ""),
        body=body,
        base_path=base,
        server=request.get_host(),
        user=caller.user.name,
        groups=caller.user.groups,
        token=sandbox.token,
        user_agent=request.headers.get("User-Agent", ""),
    )
    try:
        user, loaded = _authorize(request, caller, req)
        req.user, req.groups = user.name, user.groups
        # Discovery and OpenAPI of /apis list the sandbox's custom resources: they need its kinds.
        custom = req.path.startswith(("/apis", "/openapi")) and req.method == "GET"
        static = handler.static(req, registry=_registry(sandbox) if custom else None)
        if static is not None:
            return _http(static)
        try:
            target = handler.route(req.path)
        except ApiError as error:
            if error.code != 404 or not req.path.startswith("/apis/"):
                raise
            target = handler.route(req.path, registry=_registry(sandbox))  # a custom resource's path
        if handler.is_watch(req, target):
            handler.validate_watch(req)
            return _stream(request, sandbox, lambda gone: _watch(sandbox, target, req, gone))
        if handler.is_follow(req, target):
            # The first read happens here, so an error (a container still waiting to
            # start, say) is a Status reply rather than an empty stream.
            _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
            first = handler.read(cluster, target, req).body.decode()
            sent = len(_all_lines(cluster, target, req).splitlines())
            return _stream(
                request, sandbox, lambda gone: _follow(sandbox, target, req, first, sent, gone), "text/plain"
            )
        if handler.is_write(req) and not req.dry_run:
            _sb, _cluster, response = sandboxes.change(
                sandbox.owner,
                sandbox.public_id,
                lambda cluster: handler.write(cluster, target, req),
                label=handler.describe(req, target),
            )
            return _http(_warned(target, response))
        # A read reuses the state authorization loaded (an identity's requests load it first).
        cluster = loaded if loaded is not None else sandboxes.view(sandbox.owner, sandbox.public_id)[1]
        if handler.is_write(req):
            return _http(_warned(target, handler.write(cluster, target, req)))
        return _http(_warned(target, handler.read(cluster, target, req)))
    except ApiError as error:
        return _http(handler.error_response(error))
    except sandboxes.SandboxError as error:
        if error.status == 404:
            return _unauthorized()
        if error.status == 403:  # a paused or ended workshop: read-only, retrying will not help
            return _http(handler.error_response(ApiError(403, "Forbidden", error.message)))
        busy = ApiError(429, "TooManyRequests", error.message, {"retryAfterSeconds": 1}, retry_after=1)
        return _http(handler.error_response(busy))


def _authorize(request, caller: Caller, req: ApiRequest):
    """Impersonation, then authorization, as kube-apiserver's filters run them
    (endpoints/filters/impersonation.go ``WithImpersonation``, then ``WithAuthorization``):
    (the user the request acts as, the sandbox's state if it had to be loaded), or an
    ApiError 403 in upstream's words. The owner (``system:masters``) may do anything; an
    identity only what RBAC allows it."""
    cluster = None

    def store():
        nonlocal cluster
        if cluster is None:
            _sb, cluster = sandboxes.view(caller.sandbox.owner, caller.sandbox.public_id)
        return cluster.store

    def check(user: rbac.User, attributes: rbac.Attributes) -> None:
        if rbac.MASTERS in user.groups:
            return
        decision = rbac.authorize(store(), user, attributes)
        if not decision.allowed:
            raise ApiError(
                403,
                "Forbidden",
                rbac.forbidden_message(user, attributes, decision.reason),
                rbac.forbidden_details(attributes),
            )

    user = _impersonated(request, caller.user, check)
    check(user, rbac.request_attributes(req.method, req.path, req.query))
    return user, cluster


def _header_values(request, name: str) -> list[str]:
    """A header kubectl may send several times (--as-group), which the server joins with commas."""
    raw = request.headers.get(name)
    return [value.strip() for value in raw.split(",") if value.strip()] if raw else []


def _impersonated(request, user: rbac.User, check) -> rbac.User:
    """Impersonate-User and Impersonate-Group: each one checked as the ``impersonate`` verb
    on users, groups or (for a service account's name) serviceaccounts; the new user has
    the groups asked for, or a service account's own, and ``system:authenticated``."""
    names = _header_values(request, "Impersonate-User")
    groups = _header_values(request, "Impersonate-Group")
    if not names:
        if groups:
            raise ApiError(
                500,
                "InternalError",
                f"Internal error occurred: requested {groups} without impersonating a user",
            )
        return user
    name = names[0]
    if name.startswith(rbac.SERVICE_ACCOUNT_PREFIX) and name.count(":") == 3:
        namespace, account = name[len(rbac.SERVICE_ACCOUNT_PREFIX) :].split(":")
        check(
            user,
            rbac.Attributes("impersonate", resource="serviceaccounts", namespace=namespace, name=account),
        )
        if not groups:
            groups = ["system:serviceaccounts", f"system:serviceaccounts:{namespace}"]
    else:
        check(user, rbac.Attributes("impersonate", resource="users", name=name))
    for group in groups:
        check(user, rbac.Attributes("impersonate", resource="groups", name=group))
    if name != "system:anonymous" and not {rbac.AUTHENTICATED, rbac.UNAUTHENTICATED} & set(groups):
        groups = [*groups, rbac.AUTHENTICATED]
    return rbac.User(name, tuple(dict.fromkeys(groups)))


def _warned(target, response: ApiResponse) -> ApiResponse:
    """A deprecated kind's warning (v1 Endpoints), as kube-apiserver adds it to every request."""
    discovery.add_deprecation_warning(target.rt, response.headers)
    return response


def _registry(sandbox: Sandbox):
    """The kinds the sandbox serves: the built-in ones and its CustomResourceDefinitions'."""
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    registry = cluster.api.registry
    # None when it adds no kinds: the built-in documents, cached once for every sandbox.
    return registry if len(registry) > len(registry.parent) else None


def _stream(
    request, sandbox: Sandbox, chunks, content_type: str = "application/json"
) -> StreamingHttpResponse:
    """The stream `chunks(gone)` makes, counted against the caps until the server closes
    it (ApiError 429 past a cap); `gone()` says whether the client has hung up."""
    slot = streams.acquire(request, sandbox.pk)
    sock = request.META.get("gunicorn.socket")
    try:
        body = streams.Stream(chunks(lambda: streams.client_gone(sock)), slot)
    except BaseException:
        slot.release()
        raise
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-cache, private"
    response["X-Accel-Buffering"] = "no"
    return response


def _limit(req: ApiRequest) -> float:
    cap = settings.KUBE_API_WATCH_SECONDS
    try:
        # As in kube-apiserver, 0 means "not set": the server's own limit applies.
        asked = int(req.query.get("timeoutSeconds") or 0) or cap
    except ValueError:
        asked = cap
    return time.monotonic() + max(0, min(asked, cap))


def _watch(sandbox: Sandbox, target, req: ApiRequest, gone):
    """Watch events as NDJSON, one per line, until timeoutSeconds, the server's cap or the
    client hangs up (`gone()`)."""
    deadline = _limit(req)
    since = req.query.get("resourceVersion") or None
    since = None if since == "0" else since
    # A streaming list (client-go's WatchList): the state as ADDED events from any
    # resourceVersion, then a bookmark that marks their end, then the changes.
    initial_events = req.flag("sendInitialEvents")
    since = None if initial_events else since
    bookmarks = req.flag("allowWatchBookmarks")
    first = True
    serial = 0
    last_bookmark = last_write = time.monotonic()
    with feeds.subscribe(sandbox) as feed:
        while True:
            wait = min(deadline, last_write + HEARTBEAT_SECONDS) - time.monotonic()
            newer, view = feed.wait(serial, wait)
            if feed.gone or gone():
                return
            if newer != serial and view is not None:
                serial = newer
                # Never step back: a stream that joined a feed between its last load and
                # a newer save must not replay what the client's list already showed.
                try:
                    events = handler.watch_events(view.cluster, target, req, since)  # checks `since`
                    listed = max(int(since or 0), int(view.cluster.resource_version))
                    later = (
                        handler.watch_events(view.cluster, target, req, str(listed), view.tail)
                        if view.tail
                        else ()
                    )
                except ApiError as error:
                    yield handler.error_event(error)
                    return
                for event in events:
                    yield handler.encode_event(view, target, req, event, first)
                    first = False
                    last_write = time.monotonic()
                since = str(listed)
                if initial_events:
                    yield handler.bookmark(target, since, initial_events_end=True)
                    initial_events = False
                    last_bookmark = last_write = time.monotonic()
                for event in later:  # saved after the cluster, told by notifications
                    yield handler.encode_event(view, target, req, event, first)
                    first = False
                    last_write = time.monotonic()
                since = str(max(listed, int(view.resource_version)))
            if bookmarks and time.monotonic() - last_bookmark >= BOOKMARK_SECONDS and since:
                yield handler.bookmark(target, since)
                last_bookmark = last_write = time.monotonic()
            elif time.monotonic() - last_write >= HEARTBEAT_SECONDS:
                # A bare newline: JSON stream decoders skip it, and writing it is how a
                # worker thread learns that the client went away.
                yield b"\n"
                last_write = time.monotonic()
            if time.monotonic() >= deadline:
                return


def _follow(sandbox: Sandbox, target, req: ApiRequest, first: str, sent: int, gone):
    """`kubectl logs -f`: new lines as the container writes them, until it stops, the cap
    or the client hangs up. The lines come from the sandbox's shared feed, as watches do,
    so a hundred followers cost one load per change rather than one each."""
    deadline = _limit(req)
    yield first.encode()
    serial = 0
    with feeds.subscribe(sandbox) as feed:
        while time.monotonic() < deadline:
            newer, view = feed.wait(serial, min(deadline - time.monotonic(), HEARTBEAT_SECONDS))
            if feed.gone or gone():
                return
            if newer == serial or view is None:
                continue
            serial = newer
            cluster = view.cluster  # a log grows with time, which only loads bring: tails are skipped
            try:
                lines = _all_lines(cluster, target, req).splitlines(keepends=True)
                pod = cluster.api.get("Pod", target.name, target.namespace)
            except ApiError:
                return
            # A feed that joined before the first read may publish an older state: never
            # step back, or the lines already sent would be sent again.
            if len(lines) > sent:
                yield "".join(lines[sent:]).encode()
                sent = len(lines)
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                return


def _all_lines(cluster, target, req: ApiRequest) -> str:
    return cluster.logs(
        target.name,
        target.namespace,
        container=req.query.get("container") or None,
        timestamps=req.flag("timestamps"),
    )
