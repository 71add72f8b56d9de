"""Caps on open API streams (watches and `kubectl logs -f`), so no visitor can starve the site.

An open stream holds a server thread (gunicorn's gthread workers, or runserver's thread
per connection) for up to KUBE_API_WATCH_SECONDS. So each server process holds at most
KUBE_API_STREAMS_PER_PROCESS streams, and under gunicorn never more than its thread pool
less a reserve (`gunicorn.conf.py` reports the pool), which keeps threads free for
ordinary requests however many streams are asked for. Caps per sandbox and per client
address keep one visitor from taking a process's whole share. The counts are this
process's own: with several workers, each counts its streams.

Beyond a cap the answer is kube-apiserver's for too many requests in flight: 429, a
`TooManyRequests` Status and a Retry-After header (client-go waits and retries).
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
from collections import Counter

from django.conf import settings

from config.clientip import address_key, client_address
from playground.engine.errors import too_many_requests

RETRY_AFTER_SECONDS = 1  # as kube-apiserver's max-in-flight filter

_lock = threading.Lock()
_open: Counter = Counter()
_pool_cap: int | None = None  # set under gunicorn, from its thread pool


def fit_thread_pool(threads: int) -> None:
    """Keep a reserve of a pool of `threads` for ordinary requests: an eighth, at least 2."""
    global _pool_cap
    _pool_cap = max(0, threads - max(2, threads // 8))


def process_cap() -> int | None:
    """How many streams this process may hold at once (None: no cap)."""
    caps = [cap for cap in (settings.KUBE_API_STREAMS_PER_PROCESS or None, _pool_cap) if cap is not None]
    return min(caps) if caps else None


class Slot:
    """One open stream's place in the counts, given back once (`release`)."""

    def __init__(self, keys: list[tuple[str, object]]):
        self._keys = keys
        self._released = False

    def release(self) -> None:
        with _lock:
            if self._released:
                return
            self._released = True
            for key in self._keys:
                _open[key] -= 1
                if _open[key] <= 0:
                    del _open[key]


def acquire(request, sandbox_pk: int) -> Slot:
    """A slot for a new stream of `request` on the sandbox, or ApiError 429 past a cap."""
    address = address_key(client_address(request))
    limits = [
        (("process", ""), process_cap(), "this server has {} open watch and log streams, its limit"),
        (
            ("sandbox", sandbox_pk),
            settings.KUBE_API_STREAMS_PER_SANDBOX or None,
            "this sandbox has {} open watch and log streams, its limit",
        ),
        (
            ("address", address),
            settings.KUBE_API_STREAMS_PER_ADDRESS or None,
            "your address has {} open watch and log streams, its limit",
        ),
    ]
    with _lock:
        for key, cap, why in limits:
            if cap is not None and _open[key] >= cap:
                raise too_many_requests(
                    f"Too many requests: {why.format(cap)}; close one and try again later",
                    retry_after=RETRY_AFTER_SECONDS,
                )
        for key, _cap, _why in limits:
            _open[key] += 1
    return Slot([key for key, _cap, _why in limits])


class Stream:
    """A stream's chunks that give its slot back when the server closes the response,
    which it does however the stream ended: finished, timed out, failed or the client
    went away (even before the first chunk, when the generator never started)."""

    def __init__(self, chunks, slot: Slot):
        self._chunks, self._slot = chunks, slot

    def __iter__(self):
        try:
            yield from self._chunks
        finally:
            self.close()

    def close(self) -> None:
        self._slot.release()
        self._chunks.close()


def client_gone(sock) -> bool:
    """Whether the client closed the connection: readable with nothing to read. Only for
    a plain socket (gunicorn's `gunicorn.socket`); otherwise the next write finds out."""
    if not isinstance(sock, socket.socket) or isinstance(sock, ssl.SSLSocket):
        return False
    try:
        poller = select.poll()
        poller.register(sock, select.POLLIN | select.POLLHUP | select.POLLERR)
        if not poller.poll(0):
            return False
        return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
    except BlockingIOError:
        return False
    except (OSError, ValueError):
        return True
