"""One poller per sandbox per process, shared by every watch stream on that sandbox.

A stream must see changes that any process saves, so it reads the database. Ten
learners' `kubectl get -w` on one sandbox would otherwise load the sandbox ten times
per change; here one thread per process reads the versions of every watched sandbox
in one query every POLL_SECONDS, and one thread per sandbox loads it when its version
moved (or every CLOCK_SECONDS, so simulated time keeps passing); every stream on that
sandbox reads the same loaded cluster, which is never mutated after it is published.
With many sandboxes watched at once, the clock's reloads slow down in proportion
(`_pace`), so that they cost about as much as FULL_RATE_FEEDS sandboxes' would: time
shows up later in watches, ordinary requests keep their CPU. Changes still arrive
within a poll.

On PostgreSQL nothing polls every 20 ms: each saved change sends NOTIFY (in the saving
transaction, so it is delivered at commit and never for a rolled-back change), and the
process's one listener thread, on a connection of its own, wakes the feed the moment the
notification arrives, whichever process saved. It still reads the versions every
SAFETY_SECONDS and after each (re)connect, so a dropped LISTEN connection loses nothing.
SQLite keeps the 20 ms poll.

A notification also carries the change's watch events when they fit in NOTIFY's payload
(sandboxes.delta): a feed whose cluster is the version the change was made on then
publishes those events as a tail after it (a `View`) instead of loading the sandbox
again, so a change reaches the watches in every process at the cost of parsing a few
objects. The full load still comes every CLOCK_SECONDS (and whenever a notification
came without its events, or one is missing), which folds the tail back into a cluster.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from typing import NamedTuple

import orjson
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

from playground import changes, sandboxes
from playground.models import Sandbox

POLL_SECONDS = 0.02
CLOCK_SECONDS = 1.0
IDLE_SECONDS = 1.0  # keep polling this long after the last stream leaves
FULL_RATE_FEEDS = 5  # up to this many sandboxes watched in a process, clocks reload at full rate
WAKE_SECONDS = 0.5  # a feed's thread looks at least this often whether it is still needed
GONE, FAILED = "gone", "failed"  # what the version poller reports instead of a version
CHANNEL = "sandbox_changes"  # PostgreSQL's NOTIFY channel; payload "pk:version"
SAFETY_SECONDS = 1.0  # on PostgreSQL, versions are still read this often, in case a NOTIFY was lost
RECONNECTS = 5  # the listener's attempts to connect again before its feeds end
NOTIFY_BYTES = 7999  # PostgreSQL's limit on a payload: a bigger change is told without its events
TAIL_EVENTS = 200  # past this many events in a tail, the feed loads the sandbox instead

logger = logging.getLogger(__name__)
_feeds: dict[int, Feed] = {}
_lock = threading.Lock()
_poller: threading.Thread | None = None  # the versions' poller, while anything is watched
# What woke feeds in this process (PostgreSQL): a notification, or the safety read; and
# how many changes a feed published from a notification's events, and how many loads it
# made. The listener logs the totals each time it stops, so a test can tell what did the work.
wakes = {"notify": 0, "read": 0, "delta": 0, "load": 0}


class View(NamedTuple):
    """What a feed publishes: a loaded cluster, the watch events saved since (history
    entries, oldest first, from notifications) and the revision and clock they reach.
    Watches read `cluster` up to its revision, then `tail`; printers read `clock`."""

    cluster: object
    tail: tuple = ()
    resource_version: str = ""
    clock: float = 0.0

    @classmethod
    def of(cls, cluster) -> View:
        return cls(cluster, (), cluster.resource_version, cluster.clock)

    def then(self, delta: dict) -> View:
        events = tuple(tuple(entry) for entry in delta["events"])
        return View(self.cluster, self.tail + events, str(delta["revision"]), delta["clock"])


class Feed:
    def __init__(self, sandbox: Sandbox):
        self.owner, self.public_id, self.pk = sandbox.owner, sandbox.public_id, sandbox.pk
        self.changed = threading.Condition()
        self.serial = 0
        self.view: View | None = None
        self.deltas: dict[int, str] = {}  # version -> its change's events (JSON), from notifications
        self.gone = False
        self.streams = 0
        self.idle_since = time.monotonic()
        self.version = None  # the row's version as the poller last read it
        self.moved = threading.Event()  # set by the poller when `version` changed

    def _publish(self, view: View | None = None, gone: bool = False) -> None:
        with self.changed:
            self.view = view if view is not None else self.view
            self.gone = self.gone or gone
            self.serial += 1
            self.changed.notify_all()

    def run(self) -> None:
        try:
            self._poll()
        except DatabaseError:
            # The streams end (their clients reconnect) rather than wait on a dead feed.
            logger.exception("sandbox feed %s stopped", self.pk)
            self._publish(gone=True)
            with _lock:
                if _feeds.get(self.pk) is self:
                    del _feeds[self.pk]
        finally:
            connection.close()  # the thread ends: its connection goes with it

    def _poll(self) -> None:
        seen, next_load = None, 0.0
        while True:
            with _lock:
                if self.streams == 0 and time.monotonic() - self.idle_since > IDLE_SECONDS:
                    del _feeds[self.pk]
                    return
            self.moved.wait(timeout=max(0.0, min(next_load - time.monotonic(), WAKE_SECONDS)))
            self.moved.clear()
            version = self.version
            if version in (GONE, FAILED):
                self._publish(gone=True)  # the streams end; their clients reconnect
                with _lock:
                    if _feeds.get(self.pk) is self:
                        del _feeds[self.pk]
                return
            now = time.monotonic()
            if now < next_load and isinstance(version, int) and isinstance(seen, int) and version > seen:
                if self._follow(seen, version):
                    seen = version
                    continue
            if (version is not None and version != seen) or now >= next_load:
                try:
                    loaded, cluster = sandboxes.view(self.owner, self.public_id)
                except sandboxes.SandboxError:
                    next_load = now + POLL_SECONDS
                    continue
                wakes["load"] += 1
                seen, next_load = loaded.version, now + CLOCK_SECONDS * _pace()
                self._publish(View.of(cluster))
                self._forget(seen)

    def _follow(self, seen: int, version: int) -> bool:
        """Publish versions seen+1 … version from their notifications' events, on the
        published view (which is version `seen`); False, publishing nothing, when one of
        them came without its events or the tail would grow past TAIL_EVENTS."""
        with _lock:
            told = [self.deltas.get(v) for v in range(seen + 1, version + 1)]
        if None in told or self.view is None:
            return False
        view = self.view
        for text in told:
            change = orjson.loads(text)
            if change["base"] != seen:
                return False
            view, seen = view.then(change), seen + 1
        if len(view.tail) > TAIL_EVENTS:
            return False
        wakes["delta"] += len(told)
        self._publish(view)
        self._forget(version)
        return True

    def _forget(self, seen: int) -> None:
        with _lock:
            for v in [v for v in self.deltas if v <= seen]:
                del self.deltas[v]

    def wait(self, serial: int, timeout: float):
        """(serial, view) once a newer view than `serial` is published, or on timeout."""
        with self.changed:
            self.changed.wait_for(lambda: self.serial != serial, timeout=max(timeout, 0))
            return self.serial, self.view


def _pace() -> float:
    """How much slower than full rate each poller goes: 1 up to FULL_RATE_FEEDS sandboxes
    watched in this process, then in proportion to their number."""
    return max(1.0, len(_feeds) / FULL_RATE_FEEDS)


def _poll_versions() -> None:
    """The process's one poller: every watched sandbox's version in one query a tick,
    handed to the feeds whose version moved. Ends when nothing is watched."""
    global _poller
    try:
        while True:
            with _lock:
                watched = list(_feeds.values())
                if not watched:
                    _poller = None
                    return
            found = dict(Sandbox.objects.filter(pk__in=[f.pk for f in watched]).values_list("pk", "version"))
            for feed in watched:
                version = found.get(feed.pk, GONE)
                if version != feed.version:
                    feed.version = version
                    feed.moved.set()
            time.sleep(POLL_SECONDS)
    except Exception:  # noqa: BLE001 - whatever stops the thread, the feeds must not wait on it
        logger.exception("sandbox feeds' poller stopped")
        _fail_all()
    finally:
        # The thread ends: its connection goes with it. (close_old_connections would first
        # ask the connection whether it is still usable, a database access of its own.)
        connection.close()


def _fail_all() -> None:
    """The versions' thread is gone: every feed ends (its streams' clients reconnect)."""
    global _poller
    with _lock:
        _poller = None
        for feed in _feeds.values():
            feed.version = FAILED
            feed.moved.set()


def _notify(pk: int, version: int, delta=lambda: None) -> None:
    """Called inside the saving transaction: PostgreSQL delivers the NOTIFY at commit. The
    payload is "pk:version", then ":" and the change's events when they fit."""
    if connection.vendor == "postgresql":
        payload = f"{pk}:{version}"
        events = delta()
        if events is not None and len(payload) + 1 + len(events) <= NOTIFY_BYTES:
            payload += ":" + events.decode()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])


def heard(payload: str) -> None:
    """A notification: wake its sandbox's feed, handing it the change's events if it came with them."""
    pk, _, rest = payload.partition(":")
    version, _, events = rest.partition(":")
    feed = _feeds.get(int(pk))
    if feed is None:
        return
    if events:
        with _lock:
            feed.deltas[int(version)] = events
            while len(feed.deltas) > TAIL_EVENTS:  # a feed that stopped reading: keep the newest
                del feed.deltas[min(feed.deltas)]
    _move(feed, int(version), "notify")


changes.listen(_notify)


def _move(feed: Feed, version, by: str) -> None:
    """Hand `version` to the feed if it is newer than what it has (notifications and
    reads may arrive in either order); a feed's first version is not counted as a wake."""
    current = feed.version
    if current in (GONE, FAILED) or version == current:
        return
    if isinstance(current, int) and isinstance(version, int) and version < current:
        return
    feed.version = version
    if current is not None:
        wakes[by] += 1
    feed.moved.set()


def _listen_versions() -> None:
    """The process's one listener (PostgreSQL): LISTEN on a connection of its own, read
    the versions once connected and every SAFETY_SECONDS, wake a feed at its
    notification. Connects again when the connection drops; ends when nothing is watched."""
    global _poller
    failures = 0
    try:
        while True:
            try:
                if _listen_until_idle():
                    return
                failures = 0
            except DatabaseError:
                failures += 1
                logger.warning("sandbox feeds' listener lost its connection (%d)", failures, exc_info=True)
                if failures > RECONNECTS:
                    raise
                time.sleep(min(1.0, 0.1 * 2**failures))
    except Exception:  # noqa: BLE001 - whatever stops the thread, the feeds must not wait on it
        logger.exception("sandbox feeds' listener stopped")
        _fail_all()
    finally:
        logger.info(
            "sandbox feeds' listener stopped: %d wake-ups by NOTIFY, %d by reading versions; "
            "%d changes published from their notification, %d loads",
            wakes["notify"],
            wakes["read"],
            wakes["delta"],
            wakes["load"],
        )


def _listen_until_idle() -> bool:
    """One connection's life; True once nothing is watched (and the thread may end)."""
    global _poller
    wrapper = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with wrapper.wrap_database_errors:
            wrapper.ensure_connection()
            raw = wrapper.connection
            raw.execute("SET application_name = 'sandbox-feeds'")  # to be told apart in pg_stat_activity
            raw.execute(f"LISTEN {CHANNEL}")
            select = "SELECT id, version FROM playground_sandbox WHERE id = ANY(%s)"
            next_read = 0.0
            while True:
                with _lock:
                    watched = {feed.pk: feed for feed in _feeds.values()}
                    if not watched:
                        _poller = None
                        return True
                now = time.monotonic()
                if now >= next_read:
                    found = dict(raw.execute(select, [list(watched)]).fetchall())
                    for pk, feed in watched.items():
                        _move(feed, found.get(pk, GONE), "read")
                    next_read = now + SAFETY_SECONDS
                wait = max(0.0, min(next_read - time.monotonic(), WAKE_SECONDS))
                for note in raw.notifies(timeout=wait, stop_after=1):
                    heard(note.payload)
    finally:
        wrapper.close()


@contextmanager
def subscribe(sandbox: Sandbox):
    global _poller
    with _lock:
        feed = _feeds.get(sandbox.pk)
        start = feed is None
        if start:
            feed = _feeds[sandbox.pk] = Feed(sandbox)
        feed.streams += 1
        if _poller is None:
            target = _listen_versions if connection.vendor == "postgresql" else _poll_versions
            _poller = threading.Thread(target=target, name="feed-versions", daemon=True)
            _poller.start()
    if start:
        threading.Thread(target=feed.run, name=f"feed-{sandbox.pk}", daemon=True).start()
    try:
        yield feed
    finally:
        with _lock:
            feed.streams -= 1
            if feed.streams == 0:
                feed.idle_since = time.monotonic()
