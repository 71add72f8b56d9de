"""Running mirrors: one context each, with its reflectors and its database writer."""

from __future__ import annotations

import threading
import time

from django.db import close_old_connections
from django.utils import timezone
from urllib3.exceptions import HTTPError as TransportError

from playground.mirror import redact, sources
from playground.mirror.informer import Mirror
from playground.mirror.readonly import ApiError
from playground.mirror.storage import DatabaseSink, register, run_writer
from playground.models import MirroredCluster, MirroredObject


class Running:
    def __init__(self, name: str, watch_seconds: int = 300, heartbeat: float = 10, max_backoff: float = 30):
        self.name = name
        self.client = sources.connect(name)
        server = next((c.server for c in sources.contexts() if c.name == name), "")
        self.record = register(name, server or sources._public(self.client.host))
        self.sink = DatabaseSink(self.record, decoders=1)
        try:
            version = self.client.get("/version").get("gitVersion", "")
            MirroredCluster.objects.filter(pk=self.record.pk).update(kubernetes_version=version[:64])
        except (ApiError, TransportError, OSError, ValueError) as error:
            # Unreachable from the start: say so on /mirror/ at once, then back off and retry
            # as after any later failure (the reflectors and the heartbeat keep trying).
            self.sink.unreachable(redact.short(error, *redact.secrets_of(self.client.host)))
            self.sink.write_status(force=True, state="reconnecting")
        self.mirror = Mirror(
            self.client, self.sink, watch_seconds=watch_seconds, heartbeat=heartbeat, max_backoff=max_backoff
        )
        self.stopping = threading.Event()
        self.started = time.monotonic()
        self._listed_through: int | None = None
        self.mirror.start()
        self.writer = run_writer(self.sink, self.stopping)

    def synced(self) -> bool:
        """Every resource listed and watching, and what the lists queued written.

        A busy cluster keeps the queue from ever being empty at the moment this is
        asked, so the lists' own ops are counted rather than waiting for an idle queue."""
        reflectors = list(self.mirror.reflectors.values())
        progress = dict(self.sink.progress_by)
        watching = bool(reflectors) and all(
            (progress.get(r.resource.key) or {}).get("state") in ("watching", "not served")
            for r in reflectors
        )
        if not watching:
            self._listed_through = None
            return False
        if self._listed_through is None:
            self._listed_through = self.sink.put_count
        return self.sink.taken_count >= self._listed_through

    def stop(self) -> None:
        self.mirror.close()
        self.stopping.set()
        self.writer.join(30)
        self.sink.close()
        close_old_connections()
        self.sink.write_status(force=True, state="stopped")
        MirroredCluster.objects.filter(pk=self.record.pk).update(stopped=timezone.now())


def forget(name: str) -> int:
    """Remove a mirrored cluster's copy from the database."""
    deleted, _ = MirroredObject.objects.filter(cluster__name=name).delete()
    MirroredCluster.objects.filter(name=name).delete()
    return deleted
