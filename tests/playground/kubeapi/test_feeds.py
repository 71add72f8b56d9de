"""A sandbox feed told a change's events (issue 18 §2): it publishes them after the cluster
it holds instead of loading the sandbox, and a watch reading that view gets exactly what it
would have got from a load. The change's events are `sandboxes.delta`; PostgreSQL carries
them in the NOTIFY payload (tested across two servers in test_feeds_postgres)."""

import orjson
import pytest
import yaml

from playground import changes, sandboxes
from playground.kubeapi import feeds, handler

pytestmark = pytest.mark.django_db

WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
"""
CRD = """apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crontabs.stable.example.com}
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
"""


def configmap(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}}


@pytest.fixture
def told():
    """The (pk, version, delta JSON) of each saved change, as its listeners hear it."""
    heard = []

    def listener(pk, version, delta):
        heard.append((pk, version, delta()))

    changes.listen(listener)
    yield heard
    changes._listeners.remove(listener)


@pytest.fixture
def sandbox():
    return sandboxes.create("owner", "feed", capped=False)


@pytest.fixture
def held(sandbox, told, monkeypatch):
    """(the sandbox as a feed loaded it, that cluster, the feed): a feed of this process
    holding the sandbox's current version, as notifications find it; `told` starts empty."""
    first, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    feed = feeds.Feed(first)
    feed._publish(feeds.View.of(cluster))
    monkeypatch.setitem(feeds._feeds, sandbox.pk, feed)
    told.clear()
    return first, cluster, feed


def tell(told) -> None:
    """Each saved change's notification, with its events, as the listener hears it."""
    for pk, version, delta in told:
        feeds.heard(f"{pk}:{version}:{delta.decode()}")


def change(sandbox, docs):
    return sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: c.apply(docs), "change")


def test_a_change_is_told_with_the_events_it_made_on_the_version_it_was_made_on(sandbox, told):
    before, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    base_version, base_revision = before.version, int(cluster.resource_version)
    told.clear()
    after, cluster, _ = change(sandbox, [configmap("told")])
    [(pk, version, delta)] = told
    body = orjson.loads(delta)
    assert (pk, version, body["base"]) == (sandbox.pk, after.version, base_version)
    assert body["revision"] == int(cluster.resource_version) and body["clock"] == cluster.clock
    [(rev, kind_of_event, kind, obj)] = body["events"]
    assert (rev, kind_of_event, kind) == (base_revision + 1, "ADDED", "ConfigMap")
    assert obj == cluster.get("configmaps", "told", namespace="default")


def test_a_change_to_the_kinds_served_or_past_the_history_is_told_without_events(sandbox, told):
    told.clear()
    change(sandbox, list(yaml.safe_load_all(CRD)))
    assert told[-1][2] is None  # every process loads the sandbox: its API changed
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    limit = cluster.store.history_limit
    told.clear()
    change(sandbox, [configmap(f"many-{i}") for i in range(limit + 1)])
    assert told[-1][2] is None  # some events fell out of the watch history


def test_a_feed_publishes_told_changes_after_its_cluster_without_loading(sandbox, told, held, monkeypatch):
    first, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    since = cluster.resource_version
    feed = feeds.Feed(first)
    feed._publish(feeds.View.of(cluster))
    monkeypatch.setitem(feeds._feeds, sandbox.pk, feed)
    told.clear()
    change(sandbox, [configmap("one")])
    change(sandbox, list(yaml.safe_load_all(WEB)))  # a Deployment: pods, a ReplicaSet, Events
    tell(told)
    last = told[-1][1]

    def no_load(*_args):
        raise AssertionError("the feed loaded the sandbox")

    monkeypatch.setattr(sandboxes, "view", no_load)
    assert feed._follow(first.version, last)
    view = feed.view
    assert view.cluster is cluster and view.tail
    monkeypatch.undo()
    _sb, loaded = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert view.resource_version == loaded.resource_version
    for kind in ("ConfigMap", "Pod", "ReplicaSet", "Event"):
        from_tail = list(
            view.cluster.watch(kind, "default", view.cluster.resource_version, entries=view.tail)
        )
        assert from_tail == list(loaded.watch(kind, "default", since)), kind
    assert feed.deltas == {}  # what was published is forgotten


def test_a_feed_missing_one_change_of_a_run_loads_instead(sandbox, told, held):
    first, cluster, feed = held
    change(sandbox, [configmap("one")])
    change(sandbox, [configmap("two")])
    (pk, v1, _d1), (_pk, v2, d2) = told
    feeds.heard(f"{pk}:{v1}")  # too big for a notification: told without its events
    feeds.heard(f"{pk}:{v2}:{d2.decode()}")
    assert not feed._follow(first.version, v2)
    assert feed.view.tail == ()  # nothing published: the feed's loop loads the sandbox


def test_a_feed_does_not_apply_events_made_on_another_version(sandbox, told, held):
    first, cluster, feed = held
    change(sandbox, [configmap("one")])
    [(pk, version, delta)] = told
    body = orjson.loads(delta)
    body["base"] = first.version - 1  # as if made on an older state
    feeds.heard(f"{pk}:{version}:{orjson.dumps(body).decode()}")
    assert not feed._follow(first.version, version)


def test_the_notification_carries_the_events_only_when_they_fit(monkeypatch):
    sent = []

    class Cursor:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, _sql, params):
            sent.append(params[1])

    monkeypatch.setattr(feeds.connection, "vendor", "postgresql")
    monkeypatch.setattr(feeds.connection, "cursor", Cursor)
    small = orjson.dumps({"events": []})
    feeds._notify(7, 12, lambda: small)
    feeds._notify(7, 13, lambda: b"x" * feeds.NOTIFY_BYTES)
    feeds._notify(7, 14, lambda: None)
    assert sent == [f"7:12:{small.decode()}", "7:13", "7:14"]


def test_a_told_change_prints_as_kubectl_get_w_prints_it_after_a_load(sandbox, told, held):
    """`kubectl get -w` asks for Table rows: a tail's event is printed with the change's
    clock and resourceVersion (an AGE that is not in the future), as after a load."""
    first, cluster, feed = held
    sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: c.advance(90), "later", snapshot=False)
    change(sandbox, [configmap("printed")])
    tell(told)
    assert feed._follow(first.version, told[-1][1])
    view = feed.view
    _sb, loaded = sandboxes.view(sandbox.owner, sandbox.public_id)
    path = "/api/v1/namespaces/default/configmaps"
    req = handler.ApiRequest(
        "GET", path, {"watch": "1"}, accept="application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    )
    target = handler.route(path)
    since = cluster.resource_version
    [from_tail] = handler.watch_events(view.cluster, target, req, since, view.tail)
    [after_load] = handler.watch_events(loaded, target, req, since)
    printed = handler.encode_event(view, target, req, from_tail, True)
    assert printed == handler.encode_event(loaded, target, req, after_load, True)
    assert b'"printed"' in printed and b'"0s"' in printed


def _versions_read_fails(monkeypatch, error) -> None:
    """SQLite's poller: its read of the versions raises."""

    class Broken:
        def filter(self, **_):
            raise error

    monkeypatch.setattr(feeds.Sandbox, "objects", Broken())


def _listener_fails(monkeypatch, error) -> None:
    """PostgreSQL's listener: one connection's life raises (a database error only after
    its reconnects run out)."""

    def broken():
        raise error

    monkeypatch.setattr(feeds, "_listen_until_idle", broken)
    monkeypatch.setattr(feeds.time, "sleep", lambda _: None)


@pytest.mark.parametrize("error", [feeds.DatabaseError("gone"), RuntimeError("not a database error")])
@pytest.mark.parametrize(
    ("thread", "fails"),
    [(feeds._poll_versions, _versions_read_fails), (feeds._listen_versions, _listener_fails)],
)
def test_a_versions_thread_stopped_by_any_error_ends_every_feed_and_lets_the_next_start(
    sandbox, held, monkeypatch, error, thread, fails
):
    """Had the thread died on an error it did not expect while still registered as the
    process's poller, every watch in the process would wait on it for ever: every feed is
    told to end (its streams' clients reconnect) and the next subscriber starts a thread."""
    _, _, feed = held
    fails(monkeypatch, error)
    monkeypatch.setattr(feeds, "_poller", "the running thread")
    thread()
    assert feed.version == feeds.FAILED and feed.moved.is_set()
    assert feeds._poller is None
