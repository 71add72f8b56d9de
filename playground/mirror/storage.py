"""The mirror's copy in the database, so any number of web processes can show it.

Reflector threads report into a queue; one writer thread drains it in batches, one
transaction per batch, because SQLite has one writer and PostgreSQL likes few commits.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from playground.mirror.informer import Resource, Sink
from playground.mirror.rows import COLUMNS, KEY, decode_page, values
from playground.models import MirroredCluster, MirroredObject

BATCH = 5000
logger = logging.getLogger(__name__)
POOL_ABOVE = 256 * 1024  # bytes of a list page worth sending to a decoder process
MAX_QUEUED = 4000  # objects waiting for the writer; reflectors wait beyond this
STATUS_EVERY = 0.5  # seconds between writes of progress and last-heard
CHUNK = 500  # rows per statement


def _upsert_sql() -> str:
    """INSERT ... ON CONFLICT DO UPDATE: one statement for SQLite (3.24+) and PostgreSQL.
    Raw SQL because the ORM's bulk_create costs more than the rest of the write."""
    table = MirroredObject._meta.db_table
    columns = ", ".join(COLUMNS)
    values = ", ".join(["%s"] * len(COLUMNS))
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in KEY)
    return f"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {updates}"  # noqa: S608


UPSERT = _upsert_sql()


class DatabaseSink(Sink):
    """Queues what reflectors report; `write()` (or the writer thread) stores it."""

    def __init__(self, cluster: MirroredCluster, max_queued: int = MAX_QUEUED, decoders: int = 0):
        self.cluster_id = cluster.pk
        # Worker processes that parse big list pages on another core (0: parse in-thread).
        self.pool = (
            ProcessPoolExecutor(decoders, mp_context=multiprocessing.get_context("spawn"))
            if decoders
            else None
        )
        self.queue: queue.Queue = queue.Queue()
        # Bounded by objects, not operations: a list page holds 500 objects, an event one.
        self.max_queued = max_queued
        self.queued = 0
        self.put_count = 0  # ops handed to the writer, and ops it has written
        self.taken_count = 0
        self._room = threading.Condition()
        self.progress_by: dict[str, dict] = dict(cluster.progress or {})
        self.heard_at: float | None = None
        self.problem: str | None = None
        self.problem_at = 0.0
        self._status_written = 0.0
        self._lock = threading.Lock()
        self.fatal: str | None = None  # set when the writer gave up

    # Sink: called from reflector threads ------------------------------------

    def _put(self, op: tuple) -> None:
        weight = _weight(op)
        with self._room:
            while self.queued and self.queued + weight > self.max_queued:
                self._room.wait(1)
            self.queued += weight
            self.put_count += 1
        self.queue.put(op)

    def _taken(self, ops: list) -> None:
        with self._room:
            self.queued -= sum(_weight(op) for op in ops)
            self.taken_count += len(ops)
            self._room.notify_all()

    def upsert(self, resource, objects):
        self._put(("upsert", resource, objects))

    def delete(self, resource, objects):
        self._put(("delete", resource, objects))

    def decode_page(self, resource, raw):
        if self.pool is None or len(raw) < POOL_ABOVE:
            return super().decode_page(resource, raw)
        args = (raw, self.cluster_id, resource.key, resource.kind, resource.api_version, time.time())
        meta, keys, rows = self.pool.submit(decode_page, *args).result()
        return meta, keys, ("rows", rows)

    def upsert_page(self, resource, payload):
        if isinstance(payload, tuple) and payload[0] == "rows":
            if payload[1]:
                self._put(("rows", resource, payload[1]))
        elif payload:
            self.upsert(resource, payload)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def replace(self, resource, keys):
        self._put(("replace", resource, keys))

    def progress(self, resource, state, listed=0, remaining=None):
        with self._lock:
            relists = (self.progress_by.get(resource.key) or {}).get("relists", 0)
            if state == "relisting":
                relists += (
                    1  # after a 410 Expired: worth seeing when a cluster compacts faster than we keep up
                )
            entry = {"state": state, "listed": listed}
            if remaining is not None:
                entry["remaining"] = remaining
            if relists:
                entry["relists"] = relists
            self.progress_by[resource.key] = entry

    def heard(self):
        self.heard_at = time.time()
        if self.problem:
            self.problem = None

    def unreachable(self, message):
        self.problem, self.problem_at = message, time.time()

    # Writer -----------------------------------------------------------------

    def write(self, ops: list) -> None:
        """Store a batch in one transaction, merging neighbouring upserts."""
        now = time.time()
        with transaction.atomic():
            pending: dict[tuple[str, str, str], tuple] = {}
            resources: dict[str, Resource] = {}

            def flush():
                rows = list(pending.values())
                if rows:
                    with connection.cursor() as cursor:
                        cursor.executemany(UPSERT, rows)
                pending.clear()

            for op, resource, payload in ops:
                resources[resource.key] = resource
                if op == "upsert":
                    for obj in payload:
                        item = values(
                            self.cluster_id, resource.key, resource.kind, resource.api_version, obj, now
                        )
                        pending[(item[1], item[4], item[5])] = item
                    continue
                if op == "rows":
                    for item in payload:
                        pending[(item[1], item[4], item[5])] = item
                    continue
                flush()
                if op == "delete":
                    for obj in payload:
                        meta = obj.get("metadata") or {}
                        MirroredObject.objects.filter(
                            cluster_id=self.cluster_id,
                            resource=resource.key,
                            namespace=meta.get("namespace", ""),
                            name=meta.get("name", ""),
                        ).delete()
                elif op == "replace":
                    gone = [
                        pk
                        for pk, ns, name in MirroredObject.objects.filter(
                            cluster_id=self.cluster_id, resource=resource.key
                        ).values_list("pk", "namespace", "name")
                        if (ns, name) not in payload
                    ]
                    for start in range(0, len(gone), CHUNK):
                        MirroredObject.objects.filter(pk__in=gone[start : start + CHUNK]).delete()
            flush()
            MirroredCluster.objects.filter(pk=self.cluster_id).update(version=F("version") + 1)

    def write_status(self, force: bool = False, state: str | None = None) -> None:
        now = time.time()
        if not force and now - self._status_written < STATUS_EVERY:
            return
        self._status_written = now
        with self._lock:
            progress = dict(self.progress_by)
        states = {entry["state"] for entry in progress.values()}
        if state is None:
            if self.problem or "reconnecting" in states:
                state = "reconnecting"
            elif states & {"listing", "relisting"} or not progress:
                state = "listing"
            else:
                state = "synced"
        fields = {"progress": progress, "state": state, "message": (self.problem or "")[:500]}
        if self.heard_at:
            fields["last_heard"] = datetime.fromtimestamp(self.heard_at, UTC)
        MirroredCluster.objects.filter(pk=self.cluster_id).update(**fields)

    def drain(self, stop: threading.Event | None = None, idle: float = 0.2) -> None:
        """The writer loop: until stop is set and the queue is empty."""
        if connection.vendor == "sqlite" and not connection.in_atomic_block:
            # WAL lets the web processes read while the mirror writes (and stays set on the
            # file); NORMAL syncs at checkpoints, not at every commit.
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
                # The indexes of a 150,000-pod table outgrow SQLite's 2 MB default cache.
                cursor.execute("PRAGMA cache_size=-262144")
        try:
            while True:
                try:
                    first = self.queue.get(timeout=idle)
                except queue.Empty:
                    self.write_status()
                    if stop is not None and stop.is_set():
                        return
                    continue
                ops, count = [first], _weight(first)
                while count < BATCH:
                    try:
                        op = self.queue.get_nowait()
                    except queue.Empty:
                        break
                    ops.append(op)
                    count += _weight(op)
                self._write_retrying(ops)
                self._taken(ops)
                self.write_status()
        except DatabaseError as error:
            # Given up: say so where the command looks, instead of hanging with a full queue.
            self.fatal = f"database: {error}"
            logger.exception("mirror writer stopped")
            with self._room:
                self.queued = 0
                self._room.notify_all()
        finally:
            connection.close()

    def _write_retrying(self, ops: list, attempts: int = 5) -> None:
        """A locked SQLite file or a PostgreSQL failover is worth a few retries."""
        for attempt in range(attempts):
            try:
                self.write(ops)
                return
            except DatabaseError:
                if attempt == attempts - 1:
                    raise
                logger.warning("mirror write failed; retrying", exc_info=True)
                connection.close()
                time.sleep(1 + attempt)

    def flush_now(self) -> None:
        """Write whatever is queued, in this thread (tests and the one-shot command)."""
        ops = []
        while True:
            try:
                ops.append(self.queue.get_nowait())
            except queue.Empty:
                break
        if ops:
            self.write(ops)
            self._taken(ops)
        self.write_status(force=True)


def _weight(op: tuple) -> int:
    return 1 if op[0] == "replace" else len(op[2])


def register(name: str, server: str) -> MirroredCluster:
    cluster, _ = MirroredCluster.objects.update_or_create(
        name=name,
        defaults={
            "server": server,
            "state": "starting",
            "started": timezone.now(),
            "stopped": None,
            "message": "",
        },
    )
    return cluster


def run_writer(sink: DatabaseSink, stop: threading.Event) -> threading.Thread:
    def target():
        close_old_connections()
        sink.drain(stop)

    thread = threading.Thread(target=target, name="mirror writer", daemon=True)
    thread.start()
    return thread
