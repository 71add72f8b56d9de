"""The mirror's copy in the database: one row per object, the columns pages add up on."""

import threading
import time

import orjson
from django.db.models import Count

from playground.models import MirroredCluster, MirroredObject
from tests.playground.mirror.conftest import DbMirror


def test_a_synced_mirror_holds_every_object_without_managed_fields(mirrored, fake):
    record = mirrored.record
    assert record.state == "synced" and record.last_heard is not None
    kinds = dict(record.mirrored.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    assert (
        kinds["Pod"] == 8
        and kinds["Node"] == 3
        and kinds["Certificate"] == 1
        and kinds["CustomResourceDefinition"] == 1
    )
    etcd = record.mirrored.get(kind="Pod", name="etcd-kind-control-plane")
    data = orjson.loads(etcd.data)
    assert "managedFields" not in data["metadata"] and data["metadata"]["uid"] == etcd.uid
    assert (etcd.node, etcd.cpu_m, etcd.memory_b) == ("kind-control-plane", 100, 100 * 2**20)
    assert etcd.related_uid == "8f6f0c3a-4d5e-4a61-9c0b-2f7e5b1d3a01"  # its Node, as for every static pod
    event = record.mirrored.get(kind="Event", name__startswith="kind-worker2.")
    assert event.related_uid == "c3e5f7a9-2b4d-4f6b-9c8e-0d1f2a3b4c05"
    assert record.progress["pods"] == {"state": "watching", "listed": 8, "remaining": 0}


def test_changes_deletes_and_relists_reach_the_database(mirrored, fake):
    pod = orjson.loads(mirrored.record.mirrored.get(name="web-6d4cf56db6-2lq7f").data)
    fake.change(
        "/api/v1/pods", "MODIFIED", {**pod, "spec": {**pod["spec"], "nodeName": "kind-control-plane"}}
    )
    fake.change(
        "/api/v1/pods", "DELETED", {"metadata": {"name": "kindnet-q8w5m", "namespace": "kube-system"}}
    )
    version = mirrored.record.version
    mirrored.settle(lambda: not MirroredObject.objects.filter(name="kindnet-q8w5m").exists())
    assert MirroredObject.objects.get(name="web-6d4cf56db6-2lq7f").node == "kind-control-plane"
    assert mirrored.record.version > version
    with fake.lock:
        fake.lists["/api/v1/nodes"]["items"].pop(("", "kind-worker2"))
    fake.expire("/api/v1/nodes")
    mirrored.settle(lambda: not MirroredObject.objects.filter(kind="Node", name="kind-worker2").exists())


def test_two_clusters_are_kept_apart(mirrored, fake):
    other = DbMirror(fake.url, name="second")
    try:
        other.settle()
        assert MirroredCluster.objects.count() == 2
        assert other.record.mirrored.count() == mirrored.record.mirrored.count()
        fake.change("/api/v1/namespaces", "DELETED", {"metadata": {"name": "local-path-storage"}})
        for m in (mirrored, other):
            m.settle(
                lambda r=m.record: not r.mirrored.filter(kind="Namespace", name="local-path-storage").exists()
            )
    finally:
        other.close()


def test_an_outage_is_recorded_then_cleared(mirrored, fake):
    port = fake.port
    fake.stop()
    mirrored.sink.write_status(force=True)
    deadline = time.monotonic() + 10
    while not mirrored.sink.problem and time.monotonic() < deadline:
        time.sleep(0.05)
    mirrored.sink.write_status(force=True)
    mirrored.record.refresh_from_db()
    assert mirrored.record.state == "reconnecting" and mirrored.record.message
    fake.start(port)
    record = mirrored.settle(lambda: mirrored.sink.problem is None)
    mirrored.sink.write_status(force=True)
    record.refresh_from_db()
    assert record.state == "synced" and record.message == ""


def test_big_pages_decoded_in_a_worker_process_store_the_same_rows(fake, db, monkeypatch):
    """The command parses big list pages in a separate process; the rows must not differ."""
    from playground.mirror import storage

    def rows(record):
        return sorted(
            record.mirrored.values_list(
                "resource", "namespace", "name", "node", "cpu_m", "related_uid", "data"
            )
        )

    plain = DbMirror(fake.url, name="in-thread")
    plain.settle()
    plain.close()
    monkeypatch.setattr(storage, "POOL_ABOVE", 0)
    record = storage.register("pooled", fake.url)
    sink = storage.DatabaseSink(record, decoders=1)
    pooled = DbMirror.__new__(DbMirror)
    pooled.record, pooled.sink = record, sink
    from playground.mirror.informer import Mirror
    from tests.playground.mirror.conftest import read_only_client

    pooled.mirror = Mirror(read_only_client(fake.url), sink, watch_seconds=5, heartbeat=0.5)
    pooled.mirror.start()
    try:
        pooled.settle(timeout=60)
    finally:
        pooled.close()
        sink.close()
    assert rows(record) == rows(plain.record) and len(rows(record)) > 30


def test_forget_deletes_a_stored_copy(mirrored, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    monkeypatch.setenv("KUBECONFIG", "/nonexistent")  # forgetting needs no kubeconfig
    out = StringIO()
    count = mirrored.record.mirrored.count()
    mirrored.close()
    call_command("mirror", "lab", "--forget", stdout=out)
    assert out.getvalue() == f"lab: {count:,} objects deleted\n"
    assert not MirroredCluster.objects.filter(name="lab").exists() and not MirroredObject.objects.exists()


def test_a_failing_write_is_retried_then_reported_as_fatal(mirrored, monkeypatch):
    from django.db import DatabaseError

    from playground.mirror import storage

    monkeypatch.setattr(storage.time, "sleep", lambda seconds: None)
    sink = mirrored.sink
    calls = []
    real = sink.write

    def flaky(ops):
        calls.append(len(ops))
        if len(calls) < 3:
            raise DatabaseError("database is locked")
        real(ops)

    monkeypatch.setattr(sink, "write", flaky)
    sink._write_retrying([])
    assert len(calls) == 3
    monkeypatch.setattr(sink, "write", lambda ops: (_ for _ in ()).throw(DatabaseError("disk I/O error")))
    monkeypatch.setattr(storage.connection, "close", lambda: None)  # the test's own connection stays
    sink.queue.put(("replace", mirrored.mirror.reflectors["pods"].resource, set()))
    stop = threading.Event()
    stop.set()
    sink.drain(stop, idle=0.01)
    assert sink.fatal == "database: disk I/O error" and sink.queued == 0
