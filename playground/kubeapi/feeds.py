"""One poller per sandbox per process, shared by every watch stream on that sandbox.

A stream must see changes that any process saves, so it reads the database. Ten
learners' `kubectl get -w` on one sandbox would otherwise load the sandbox ten times
per change; here one thread per process polls the row's version and loads the
sandbox when it moved (or every CLOCK_SECONDS, so simulated time keeps passing), and
every stream on that sandbox reads the same loaded cluster, which is never mutated
after it is published. With many sandboxes watched at once, each poller slows down in
proportion (`_pace`), so that the process's polling costs about as much as
FULL_RATE_FEEDS sandboxes' would: delivery gets slower, ordinary requests keep their CPU.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager

from django.db import DatabaseError, close_old_connections

from playground import sandboxes
from playground.models import Sandbox

POLL_SECONDS = 0.02
CLOCK_SECONDS = 1.0
IDLE_SECONDS = 1.0  # keep polling this long after the last stream leaves
FULL_RATE_FEEDS = 10  # up to this many sandboxes watched in a process, each polls at full rate

logger = logging.getLogger(__name__)
_feeds: dict[int, Feed] = {}
_lock = threading.Lock()


class Feed:
    def __init__(self, sandbox: Sandbox):
        self.owner, self.public_id, self.pk = sandbox.owner, sandbox.public_id, sandbox.pk
        self.changed = threading.Condition()
        self.serial = 0
        self.cluster = None
        self.gone = False
        self.streams = 0
        self.idle_since = time.monotonic()

    def _publish(self, cluster=None, gone: bool = False) -> None:
        with self.changed:
            self.cluster = cluster if cluster is not None else self.cluster
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
            close_old_connections()

    def _poll(self) -> None:
        seen, next_load = None, 0.0
        while True:
            with _lock:
                if self.streams == 0 and time.monotonic() - self.idle_since > IDLE_SECONDS:
                    del _feeds[self.pk]
                    return
            version = Sandbox.objects.filter(pk=self.pk).values_list("version", flat=True).first()
            if version is None:
                self._publish(gone=True)
                with _lock:
                    _feeds.pop(self.pk, None)
                return
            now = time.monotonic()
            pace = _pace()
            if version != seen or now >= next_load:
                try:
                    loaded, cluster = sandboxes.view(self.owner, self.public_id)
                except sandboxes.SandboxError:
                    time.sleep(POLL_SECONDS * pace)
                    continue
                seen, next_load = loaded.version, now + CLOCK_SECONDS * pace
                self._publish(cluster)
            time.sleep(POLL_SECONDS * pace)

    def wait(self, serial: int, timeout: float):
        """(serial, cluster) once a newer cluster than `serial` is published, or on timeout."""
        with self.changed:
            self.changed.wait_for(lambda: self.serial != serial, timeout=max(timeout, 0))
            return self.serial, self.cluster


def _pace() -> float:
    """How much slower than full rate each poller goes: 1 up to FULL_RATE_FEEDS sandboxes
    watched in this process, then in proportion to their number."""
    return max(1.0, len(_feeds) / FULL_RATE_FEEDS)


@contextmanager
def subscribe(sandbox: Sandbox):
    with _lock:
        feed = _feeds.get(sandbox.pk)
        start = feed is None
        if start:
            feed = _feeds[sandbox.pk] = Feed(sandbox)
        feed.streams += 1
    if start:
        threading.Thread(target=feed.run, name=f"feed-{sandbox.pk}", daemon=True).start()
    try:
        yield feed
    finally:
        with _lock:
            feed.streams -= 1
            if feed.streams == 0:
                feed.idle_since = time.monotonic()
