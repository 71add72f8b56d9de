"""The stream caps in process: a slot is given back however a stream ends (finished or
timed out, failed, or closed by the server before its first chunk because the client
had gone), and a process never lets streams take its whole thread pool."""

import pytest
from django.test import RequestFactory

from playground.engine import ApiError
from playground.kubeapi import streams


@pytest.fixture(autouse=True)
def caps(settings, monkeypatch):
    settings.KUBE_API_STREAMS_PER_PROCESS = 3
    settings.KUBE_API_STREAMS_PER_SANDBOX = 0  # off
    settings.KUBE_API_STREAMS_PER_ADDRESS = 0
    settings.TRUSTED_PROXY_COUNT = 0
    monkeypatch.setattr(streams, "_pool_cap", None)
    monkeypatch.setattr(streams, "_open", streams.Counter())
    monkeypatch.setattr(streams, "_rows", set())
    # No refresher thread under a test's transaction: test_stream_rows.py calls refresh().
    monkeypatch.setattr(streams, "_refresher", streams.threading.current_thread())


def request(address="192.0.2.1"):
    return RequestFactory().get("/k8s/x/api/v1/pods", {"watch": "1"}, REMOTE_ADDR=address)


def full() -> bool:
    try:
        streams.acquire(request(), 1).release()
    except ApiError as error:
        assert error.code == 429 and error.reason == "TooManyRequests" and error.retry_after == 1
        return True
    return False


def chunks(fail=False):
    yield b"one\n"
    if fail:
        raise RuntimeError("the engine broke")
    yield b"two\n"


def test_every_way_a_stream_ends_gives_its_slot_back():
    finished = streams.Stream(chunks(), streams.acquire(request(), 1))
    failed = streams.Stream(chunks(fail=True), streams.acquire(request(), 1))
    never_started = streams.Stream(chunks(), streams.acquire(request(), 1))
    assert full()
    assert list(finished) == [b"one\n", b"two\n"]  # the end of a watch, or its timeout
    finished.close()  # the server closes it after the last chunk: once is enough
    assert not full()
    streams.acquire(request(), 1)  # the place is taken again
    assert full()
    with pytest.raises(RuntimeError):
        list(failed)
    assert not full()
    streams.acquire(request(), 1)
    never_started.close()  # the client went away before the first chunk was written
    assert not full()


@pytest.mark.django_db
def test_the_caps_per_sandbox_and_address_are_separate(settings):
    settings.KUBE_API_STREAMS_PER_PROCESS = 0
    settings.KUBE_API_STREAMS_PER_SANDBOX = 2
    settings.KUBE_API_STREAMS_PER_ADDRESS = 3
    streams.acquire(request("192.0.2.1"), 1)
    streams.acquire(request("192.0.2.2"), 1)
    with pytest.raises(ApiError, match="this sandbox has 2 open watch and log streams"):
        streams.acquire(request("192.0.2.3"), 1)
    streams.acquire(request("192.0.2.1"), 2)
    streams.acquire(request("192.0.2.1"), 3)
    with pytest.raises(ApiError, match="your address has 3 open watch and log streams"):
        streams.acquire(request("192.0.2.1"), 4)
    # An IPv6 client counts by its /64, where new addresses cost nothing.
    streams.acquire(request("2001:db8::1"), 5)
    streams.acquire(request("2001:db8::2"), 6)
    streams.acquire(request("2001:db8::3"), 7)
    with pytest.raises(ApiError, match="your address"):
        streams.acquire(request("2001:db8::4"), 8)


def test_a_thread_pool_keeps_an_eighth_for_ordinary_requests(settings):
    settings.KUBE_API_STREAMS_PER_PROCESS = 200
    streams.fit_thread_pool(232)  # gunicorn.conf.py's default: 200 streams fit
    assert streams.process_cap() == 200
    streams.fit_thread_pool(16)
    assert streams.process_cap() == 14
    streams.fit_thread_pool(1)  # a sync worker: a stream would hold the only thread
    assert streams.process_cap() == 0
    assert full()
