"""A loopback API (recorded responses, or a live sandbox behind the app's facade) and an
in-memory sink, so the informer is tested through real HTTP and the official client."""

from __future__ import annotations

import threading
import time

import pytest
from kubernetes.client import Configuration

from playground.mirror.informer import BUILTIN, Sink
from playground.mirror.readonly import ReadOnlyApiClient, ReadOnlyCluster
from tests.playground.mirror.fakeapi import FakeApi


class MemorySink(Sink):
    def __init__(self):
        self.lock = threading.Lock()
        self.objects: dict[str, dict[tuple[str, str], dict]] = {}
        self.states: dict[str, str] = {}
        self.listed: dict[str, list] = {}
        self.heard_count = 0
        self.problems: list[str] = []

    def upsert(self, resource, objects):
        with self.lock:
            bucket = self.objects.setdefault(resource.key, {})
            for obj in objects:
                bucket[(obj["metadata"].get("namespace", ""), obj["metadata"]["name"])] = obj

    def delete(self, resource, objects):
        with self.lock:
            for obj in objects:
                self.objects.get(resource.key, {}).pop(
                    (obj["metadata"].get("namespace", ""), obj["metadata"]["name"]), None
                )

    def replace(self, resource, keys):
        with self.lock:
            bucket = self.objects.setdefault(resource.key, {})
            for key in list(bucket):
                if key not in keys:
                    del bucket[key]

    def progress(self, resource, state, listed=0, remaining=None):
        with self.lock:
            self.states[resource.key] = state
            self.listed.setdefault(resource.key, []).append((state, listed, remaining))

    def heard(self):
        self.heard_count += 1

    def unreachable(self, message):
        self.problems.append(message)

    def get(self, key, namespace, name):
        with self.lock:
            return self.objects.get(key, {}).get((namespace, name))

    def names(self, key, namespace=None):
        with self.lock:
            return sorted(n for ns, n in self.objects.get(key, {}) if namespace in (None, ns))


def wait_for(predicate, timeout: float = 15, message: str = "condition", interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {message}")


def read_only_client(url: str, token: str = "fake-token-not-a-secret") -> ReadOnlyCluster:  # noqa: S107
    configuration = Configuration(host=url)
    configuration.api_key = {"authorization": f"Bearer {token}"}
    configuration.connection_pool_maxsize = 32
    configuration.retries = 0  # as sources.connect sets it: the reflector's back-off decides
    return ReadOnlyCluster(ReadOnlyApiClient(configuration), timeout=10)


@pytest.fixture
def fake():
    api = FakeApi()
    api.load_recorded()
    for resource in BUILTIN:  # a real cluster serves every built-in type, if only an empty list
        if resource.path not in api.lists:
            api.serve(resource.path, f"{resource.kind}List", resource.api_version)
    api.start()
    yield api
    api.stop()


class DbMirror:
    """A Mirror whose sink is the database, written from the test's own thread."""

    def __init__(self, url: str, name: str = "lab"):
        from playground.mirror.informer import Mirror
        from playground.mirror.storage import DatabaseSink, register

        self.record = register(name, url)
        self.sink = DatabaseSink(self.record)
        self.mirror = Mirror(read_only_client(url), self.sink, watch_seconds=5, heartbeat=0.5)
        self.mirror.start()

    def settle(self, until=lambda: True, timeout: float = 15):
        """Write what the reflectors report until they all watch and `until()` holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sink.flush_now()
            states = {k: v.get("state") for k, v in self.sink.progress_by.items()}
            if (
                len(states) >= len(self.mirror.reflectors)
                and all(s in ("watching", "not served", "removed") for s in states.values())
                and self.sink.queue.empty()
                and until()
            ):
                self.record.refresh_from_db()
                return self.record
            time.sleep(0.05)
        raise AssertionError(f"the mirror did not settle: {self.sink.progress_by}")

    def close(self):
        self.mirror.close()
        self.sink.flush_now()


@pytest.fixture
def mirrored(fake, db):
    m = DbMirror(fake.url)
    m.settle()
    yield m
    m.close()


def mirror_viewer(client, username: str = "ops"):
    """`client` signed in as a new user who may view the mirror (playground.view_mirror)."""
    from django.contrib.auth.models import Permission, User

    user = User.objects.create_user(username, password="pw-for-tests-only")  # noqa: S106
    user.user_permissions.add(Permission.objects.get(codename="view_mirror"))
    client.force_login(user)
    return client
