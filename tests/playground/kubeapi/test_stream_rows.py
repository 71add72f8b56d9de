"""The caps per sandbox and per client address count OpenStream rows in the database, so
streams held by other server processes count too; a process refreshes its own rows, and
rows nobody refreshed for three periods (a killed process's) stop counting and go.

Here on SQLite in one process; tests/config/test_shared_limits.py holds the same
rules across two gunicorn servers on PostgreSQL."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from playground.engine import ApiError
from playground.kubeapi import streams
from playground.models import OpenStream

pytestmark = pytest.mark.django_db

REFRESH = 10  # seconds: rows older than 30 s are stale


@pytest.fixture(autouse=True)
def caps(settings, monkeypatch):
    settings.KUBE_API_STREAMS_PER_PROCESS = 5
    settings.KUBE_API_STREAMS_PER_SANDBOX = 3
    settings.KUBE_API_STREAMS_PER_ADDRESS = 4
    settings.KUBE_API_STREAMS_REFRESH_SECONDS = REFRESH
    settings.TRUSTED_PROXY_COUNT = 0
    monkeypatch.setattr(streams, "_pool_cap", None)
    monkeypatch.setattr(streams, "_open", streams.Counter())
    monkeypatch.setattr(streams, "_rows", set())
    # No refresher thread under the test's transaction: the tests call refresh() instead.
    monkeypatch.setattr(streams, "_refresher", streams.threading.current_thread())


def request(address):
    return RequestFactory().get("/k8s/x/api/v1/pods", {"watch": "1"}, REMOTE_ADDR=address)


def elsewhere(sandbox_pk, address, age=0) -> OpenStream:
    """A stream another server process holds, last refreshed `age` seconds ago."""
    when = timezone.now() - timedelta(seconds=age)
    return OpenStream.objects.create(
        sandbox_pk=sandbox_pk, address=address, process="other-host:42", opened=when, alive=when
    )


def refused(sandbox_pk, address) -> str | None:
    """The 429's message, or None when the stream opened (and was closed again)."""
    try:
        streams.acquire(request(address), sandbox_pk).release()
    except ApiError as error:
        assert error.code == 429 and error.reason == "TooManyRequests" and error.retry_after == 1
        return error.message
    return None


def test_streams_held_by_other_processes_count_toward_the_sandbox_cap():
    elsewhere(1, "192.0.2.10")
    elsewhere(1, "192.0.2.11")
    mine = streams.acquire(request("192.0.2.1"), 1)
    assert OpenStream.objects.filter(sandbox_pk=1).count() == 3
    assert "this sandbox has 3 open watch and log streams, its limit" in refused(1, "192.0.2.2")
    assert refused(2, "192.0.2.2") is None  # another sandbox is not affected
    mine.release()
    assert OpenStream.objects.filter(sandbox_pk=1).count() == 2  # the row goes with the stream
    assert refused(1, "192.0.2.2") is None


def test_streams_held_by_other_processes_count_toward_the_address_cap():
    for sandbox_pk in (1, 2, 3):
        elsewhere(sandbox_pk, "192.0.2.1")
    mine = streams.acquire(request("192.0.2.1"), 4)
    assert "your address has 4 open watch and log streams, its limit" in refused(5, "192.0.2.1")
    assert refused(5, "192.0.2.2") is None
    mine.release()
    # An IPv6 client counts by its /64 in the table too.
    for n in range(4):
        streams.acquire(request(f"2001:db8::{n + 1}"), 10 + n)
    assert OpenStream.objects.filter(address="2001:db8::/64").count() == 4
    assert "your address" in refused(20, "2001:db8::99")


def test_a_refused_stream_leaves_no_row_and_gives_its_process_place_back():
    for n in range(3):
        elsewhere(1, f"192.0.2.{10 + n}")
    for _ in range(10):  # more than the process cap of 5, were places kept
        assert "this sandbox" in refused(1, "192.0.2.1")
    assert OpenStream.objects.count() == 3
    held = [streams.acquire(request(f"192.0.2.{n}"), 2 + n) for n in range(5)]
    assert "this server has 5 open watch and log streams" in refused(9, "192.0.2.99")
    for slot in held:
        slot.release()
    assert OpenStream.objects.count() == 3


def test_a_dead_process_rows_stop_counting_once_stale_and_are_deleted():
    # Three streams left by a killed process: refreshed last 31 s ago, past 3 periods of 10 s.
    dead = [elsewhere(1, f"192.0.2.{10 + n}", age=3 * REFRESH + 1) for n in range(3)]
    # One refreshed 29 s ago still counts.
    late = elsewhere(1, "192.0.2.20", age=3 * REFRESH - 1)
    streams.acquire(request("192.0.2.1"), 1)
    streams.acquire(request("192.0.2.2"), 1)
    assert "this sandbox has 3" in refused(1, "192.0.2.3")
    streams.refresh()
    assert not OpenStream.objects.filter(pk__in=[row.pk for row in dead]).exists()
    assert OpenStream.objects.filter(pk=late.pk).exists()


def test_a_process_keeps_its_own_rows_alive_and_no_one_else_s():
    mine = streams.acquire(request("192.0.2.1"), 1)
    released = streams.acquire(request("192.0.2.2"), 1)
    released.release()
    elsewhere(1, "192.0.2.10")
    long_ago = timezone.now() - timedelta(seconds=2 * REFRESH)
    OpenStream.objects.update(alive=long_ago)
    streams.refresh()
    rows = {row.address: row for row in OpenStream.objects.all()}
    assert set(rows) == {"192.0.2.1", "192.0.2.10"}
    assert rows["192.0.2.1"].alive > long_ago + timedelta(seconds=REFRESH)  # refreshed now
    assert rows["192.0.2.10"].alive == long_ago  # another process's to refresh
    mine.release()
    assert not OpenStream.objects.filter(address="192.0.2.1").exists()
