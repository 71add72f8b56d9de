"""When `manage.py mirror` says "synced in": once every resource is listed and watching
and what the lists queued has been written, even if the cluster keeps the queue busy."""

from types import SimpleNamespace

import pytest

from playground.mirror import storage
from playground.mirror.informer import BUILTIN
from playground.mirror.service import Running


def running(sink, resources):
    mirror = object.__new__(Running)
    mirror.sink = sink
    mirror.mirror = SimpleNamespace(reflectors={r.key: SimpleNamespace(resource=r) for r in resources})
    mirror._listed_through = None
    return mirror


@pytest.mark.django_db
def test_synced_once_the_lists_are_written_though_changes_keep_coming():
    sink = storage.DatabaseSink(storage.register("busy", "https://127.0.0.1:6443"), decoders=0)
    pods, nodes = BUILTIN[:2]
    mirror = running(sink, [pods, nodes])
    sink.replace(pods, set())
    sink.progress(pods, "watching")
    assert not mirror.synced()  # nodes still listing
    sink.replace(nodes, set())
    sink.progress(nodes, "watching")
    assert not mirror.synced()  # both lists queued, not yet written
    listed = [sink.queue.get_nowait(), sink.queue.get_nowait()]
    sink.upsert(pods, [{"metadata": {"name": "web", "namespace": "default"}}])  # a watch event
    sink._taken(listed)
    assert not sink.queue.empty()
    assert mirror.synced()
    sink.progress(nodes, "relisting")
    assert not mirror.synced()
