"""A web worker's start: its threads open their database connections before the first
request (config/warmup.py), and a database that does not answer never stops the start."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from config import warmup


@pytest.mark.django_db(transaction=True)
def test_each_of_the_pool_threads_opens_its_own_connection(monkeypatch):
    seen = []

    class Recording(threading.Barrier):
        def wait(self, timeout=None):
            seen.append(threading.get_ident())
            return super().wait(timeout)

    monkeypatch.setattr(warmup.threading, "Barrier", Recording)
    with ThreadPoolExecutor(max_workers=3) as pool:
        assert warmup.connect_threads(pool, 3) == 3
    assert len(set(seen)) == 3 and threading.get_ident() not in seen


@pytest.mark.django_db(transaction=True)
def test_a_database_that_fails_leaves_the_worker_starting(monkeypatch, caplog):
    def refuse(*_args, **_kwargs):
        raise OSError("connection refused")

    # Every thread's connection is of this class; a closed one must open and cannot.
    monkeypatch.setattr(type(connections["default"]), "ensure_connection", refuse)
    with ThreadPoolExecutor(max_workers=2) as pool:
        assert warmup.connect_threads(pool, 2, timeout=5) == 0
    assert caplog.text.count("could not open its database connection") == 2
    assert "connection refused" in caplog.text


def test_a_pool_smaller_than_asked_is_not_waited_for_past_the_timeout():
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert warmup.connect_threads(pool, 2, timeout=0.2) == 0
