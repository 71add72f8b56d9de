"""Caps on open API streams (watches and `kubectl logs -f`), so no visitor can starve the site.

An open stream holds a server thread (gunicorn's gthread workers, or runserver's thread
per connection) for up to KUBE_API_WATCH_SECONDS. So each server process holds at most
KUBE_API_STREAMS_PER_PROCESS streams, and under gunicorn never more than its thread pool
less a reserve (`gunicorn.conf.py` reports the pool), which keeps threads free for
ordinary requests however many streams are asked for: that count is the process's own.
Caps per sandbox and per client address keep one visitor from taking everyone's share,
so they are counted in the database (one OpenStream row per stream) and hold across
every worker and every app server: two gunicorn workers do not give a visitor twice the
cap. Opening a stream costs a lock, a count and an insert in one transaction; a thread
per process refreshes its rows (one UPDATE per KUBE_API_STREAMS_REFRESH_SECONDS), so a
killed process's rows stop counting once stale (three periods) and are deleted then.

Beyond a cap the answer is kube-apiserver's for too many requests in flight: 429, a
`TooManyRequests` Status and a Retry-After header (client-go waits and retries).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import select
import socket
import ssl
import threading
import time
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import Now

from config.clientip import address_key, client_address
from playground.engine.errors import too_many_requests
from playground.models import OpenStream

RETRY_AFTER_SECONDS = 1  # as kube-apiserver's max-in-flight filter
STALE_PERIODS = 3  # a row not refreshed for this many periods belongs to a dead process

logger = logging.getLogger(__name__)
_lock = threading.Lock()
# SQLite's write lock is not fair: a burst of threads waiting on it can starve one past
# its busy timeout. So on SQLite a process's stream writes go one at a time, and only
# the processes compete for the lock.
_sqlite_writes = threading.Lock()
_open: Counter = Counter()  # this process's streams (key "process")
_rows: set[int] = set()  # this process's OpenStream rows, refreshed while open
_refresher: threading.Thread | None = None  # refreshes `_rows` while there are any
_pool_cap: int | None = None  # set under gunicorn, from its thread pool


def fit_thread_pool(threads: int) -> None:
    """Keep a reserve of a pool of `threads` for ordinary requests: an eighth, at least 2."""
    global _pool_cap
    _pool_cap = max(0, threads - max(2, threads // 8))


def process_cap() -> int | None:
    """How many streams this process may hold at once (None: no cap)."""
    caps = [cap for cap in (settings.KUBE_API_STREAMS_PER_PROCESS or None, _pool_cap) if cap is not None]
    return min(caps) if caps else None


def _refresh_seconds() -> float:
    return max(0.1, settings.KUBE_API_STREAMS_REFRESH_SECONDS)


def _stale_before():
    """The database's clock (the same for every app server) less the time to be stale."""
    return Now() - timedelta(seconds=STALE_PERIODS * _refresh_seconds())


class Slot:
    """One open stream's place in the counts, given back once (`release`)."""

    def __init__(self, row: int | None):
        self._row = row
        self._released = False

    def release(self) -> None:
        with _lock:
            if self._released:
                return
            self._released = True
            _open["process"] -= 1
            _rows.discard(self._row)
        if self._row is not None:
            try:
                with _writes():
                    OpenStream.objects.filter(pk=self._row).delete()
            except DatabaseError:  # no longer refreshed, the row stops counting when stale
                logger.warning("could not delete open stream %s", self._row, exc_info=True)


def _too_many(why: str, cap: int):
    return too_many_requests(
        f"Too many requests: {why.format(cap)}; close one and try again later",
        retry_after=RETRY_AFTER_SECONDS,
    )


def acquire(request, sandbox_pk: int) -> Slot:
    """A slot for a new stream of `request` on the sandbox, or ApiError 429 past a cap."""
    cap = process_cap()
    with _lock:
        if cap is not None and _open["process"] >= cap:
            raise _too_many("this server has {} open watch and log streams, its limit", cap)
        _open["process"] += 1
    try:
        with _writes():
            row = _claim(sandbox_pk, address_key(client_address(request)))
    except OperationalError as error:  # the database is busy (or away): later, as upstream's overload
        logger.warning("could not count an open stream: %s", error)
        with _lock:
            _open["process"] -= 1
        raise too_many_requests(
            "Too many requests, please try again later.", retry_after=RETRY_AFTER_SECONDS
        ) from None
    except BaseException:
        with _lock:
            _open["process"] -= 1
        raise
    return Slot(row)


def _writes():
    """The turn of this process's thread to write stream rows (SQLite), else nothing."""
    return _sqlite_writes if connection.vendor == "sqlite" else contextlib.nullcontext()


def _claim(sandbox_pk: int, address: str) -> int | None:
    """The OpenStream row counted for a new stream (None with both caps off), or ApiError
    429 when the sandbox's or the address's live rows are at their cap."""
    per_sandbox = settings.KUBE_API_STREAMS_PER_SANDBOX or None
    per_address = settings.KUBE_API_STREAMS_PER_ADDRESS or None
    if per_sandbox is None and per_address is None:
        return None
    with transaction.atomic():
        _serialise([f"sandbox:{sandbox_pk}", f"address:{address}"])
        counts = OpenStream.objects.filter(
            Q(sandbox_pk=sandbox_pk) | Q(address=address), alive__gte=_stale_before()
        ).aggregate(
            sandbox=Count("pk", filter=Q(sandbox_pk=sandbox_pk)),
            address=Count("pk", filter=Q(address=address)),
        )
        if per_sandbox is not None and counts["sandbox"] >= per_sandbox:
            raise _too_many("this sandbox has {} open watch and log streams, its limit", per_sandbox)
        if per_address is not None and counts["address"] >= per_address:
            raise _too_many("your address has {} open watch and log streams, its limit", per_address)
        row = OpenStream.objects.create(
            sandbox_pk=sandbox_pk, address=address, process=_process_name(), opened=Now(), alive=Now()
        )
    _keep_alive(row.pk)
    return row.pk


def _serialise(keys: list[str]) -> None:
    """Make openings on the same keys take turns until the transaction ends, so two
    processes cannot both count one place free and both take it. PostgreSQL: an advisory
    lock per key, taken in one order (no deadlock). SQLite has one writer at a time: a
    first write (dropping stale rows) takes its lock before the count."""
    if connection.vendor == "postgresql":
        ids = sorted(
            int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)
            for key in keys
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(["pg_advisory_xact_lock(%s)"] * len(ids)), ids)
    else:
        OpenStream.objects.filter(alive__lt=_stale_before()).delete()


def _process_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def _keep_alive(row: int) -> None:
    """Count the row among this process's, and start the refresher if it is not running."""
    global _refresher
    with _lock:
        _rows.add(row)
        if _refresher is None or not _refresher.is_alive():
            _refresher = threading.Thread(target=_refresh_loop, name="stream-refresher", daemon=True)
            _refresher.start()


def _refresh_loop() -> None:
    """Every period: mark this process's rows alive, drop everyone's stale ones; end when
    the process holds no stream (the next one starts it again)."""
    global _refresher
    try:
        while True:
            time.sleep(_refresh_seconds())
            with _lock:
                if not _rows:
                    _refresher = None
                    return
            refresh()
    finally:
        connection.close()  # this thread's own connection


def refresh() -> None:
    """One refresh: this process's open streams are alive; stale rows (a killed
    process's) are deleted."""
    with _lock:
        rows = list(_rows)
    try:
        with _writes():
            if rows:
                OpenStream.objects.filter(pk__in=rows).update(alive=Now())
            OpenStream.objects.filter(alive__lt=_stale_before()).delete()
    except DatabaseError:
        logger.warning("could not refresh open streams", exc_info=True)
        connection.close()  # a fresh connection next time


class Stream:
    """A stream's chunks that give its slot back when the server closes the response,
    which it does however the stream ended: finished, timed out, failed or the client
    went away (even before the first chunk, when the generator never started)."""

    def __init__(self, chunks, slot: Slot):
        self._chunks, self._slot = chunks, slot

    def __iter__(self):
        if not connection.in_atomic_block:
            # The view and the middleware are done with this thread's database connection,
            # and the stream's feed reads in threads of its own: kept, it would sit idle for
            # the stream's whole life, one per open watch or page on PostgreSQL (200
            # watches would be 200 connections). Anything the stream still reads (history
            # parts, its slot's release) opens one again.
            connection.close()
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
