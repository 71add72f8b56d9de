"""Server-Sent Events that tell a sandbox's open pages when to refresh (static/js/live.js).

The pages poll their live regions every 3 s; with a stream open they refresh when told
and poll only as a safety net. A stream reads the sandbox's shared feed
(kubeapi/feeds.py), as watches do, so a hundred open pages on one sandbox cost one load
per change, and it counts against the same caps (kubeapi/streams.py): past one, 429 and
the page keeps polling. A stream holds a server thread, so it ends after
`lifetime()` seconds; EventSource reconnects by itself and sends the last event's id
(`Last-Event-ID`), so no change made in between is lost.

Each change is `id: <resourceVersion>`, `event: changed`, `data: <resourceVersion>`;
a comment line every HEARTBEAT_SECONDS keeps proxies from timing the stream out and
lets a worker thread find out that the client went away.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import connection
from django.http import StreamingHttpResponse

from playground.kubeapi import feeds, streams
from playground.models import Sandbox

LIFETIME_SECONDS = 120  # at most; never longer than a watch may hold a thread
HEARTBEAT_SECONDS = 15
RETRY_MILLISECONDS = 1000  # how soon EventSource reconnects after a stream ended


def lifetime() -> float:
    """How long one stream may hold a thread: LIFETIME_SECONDS, or less when watches are
    capped lower (KUBE_API_WATCH_SECONDS)."""
    return max(1, min(LIFETIME_SECONDS, settings.KUBE_API_WATCH_SECONDS))


def available() -> bool:
    """Whether streams can work here: the feed reads the database from threads of its own,
    which an in-memory SQLite database (the in-process test server's) answers with
    "database table is locked". There, pages poll as before."""
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def since(request, sandbox: Sandbox) -> tuple[str | None, bool]:
    """(the resourceVersion the page shows, whether it is behind). A reconnect names the
    last event's id (`Last-Event-ID`); a first connection names the sandbox row's version
    its page was rendered at (`?version=`): if the row has moved since, the page is behind
    and hears so at once. (None, False): what the stream first sees is what it shows."""
    last = (request.headers.get("Last-Event-ID") or "").strip()[:32]
    if last:
        return last, False
    rendered = request.GET.get("version")
    return None, bool(rendered) and rendered != str(sandbox.version)


def respond(request, key: int, events: Callable[[float, Callable[[], bool]], Iterator[bytes]]):
    """An event stream counted against the stream caps under `key` (ApiError 429 past a
    cap) until `events(deadline, gone)` ends: the sandbox's and the workshop's."""
    slot = streams.acquire(request, key)
    sock = request.META.get("gunicorn.socket")
    try:
        deadline = time.monotonic() + lifetime()
        body = streams.Stream(events(deadline, lambda: streams.client_gone(sock)), slot)
    except BaseException:
        slot.release()
        raise
    response = StreamingHttpResponse(body, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, private"
    response["X-Accel-Buffering"] = "no"
    return response


def stream(request, sandbox: Sandbox) -> StreamingHttpResponse:
    """The sandbox's change events for `request`, from the version its page shows."""
    return respond(
        request, sandbox.pk, lambda deadline, gone: changes(sandbox, *since(request, sandbox), deadline, gone)
    )


def changes(
    sandbox: Sandbox, shown: str | None, behind: bool, deadline: float, gone: Callable[[], bool]
) -> Iterator[bytes]:
    """An event each time the sandbox's resourceVersion differs from what the page shows
    (`shown`; None: the first one seen, which is an event too if the page is `behind`),
    heartbeats between, until `deadline`, the feed ends or the client goes."""
    yield f"retry: {RETRY_MILLISECONDS}\n\n".encode()
    serial = 0
    last_write = time.monotonic()
    with feeds.subscribe(sandbox) as feed:
        while True:
            now = time.monotonic()
            if now >= deadline:
                return
            newer, view = feed.wait(serial, min(deadline, last_write + HEARTBEAT_SECONDS) - now)
            if feed.gone or gone():
                return
            if newer != serial and view is not None:
                serial = newer
                version = view.resource_version  # with the changes notifications told (feeds.View)
                if shown is None and not behind:
                    # The page shows this version. The id alone sets Last-Event-ID for
                    # a reconnect and fires no event.
                    yield f"id: {version}\n\n".encode()
                    last_write = time.monotonic()
                elif version != shown:
                    yield f"id: {version}\nevent: changed\ndata: {version}\n\n".encode()
                    last_write = time.monotonic()
                shown = version
            if time.monotonic() - last_write >= HEARTBEAT_SECONDS:
                yield b": heartbeat\n\n"
                last_write = time.monotonic()
