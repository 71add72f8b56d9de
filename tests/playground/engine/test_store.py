import json

import pytest

from playground.engine import ApiError, Cluster

from .conftest import deployment, pod


def test_every_write_bumps_the_global_revision_and_resource_version(cluster):
    before = cluster.store.revision
    created = cluster.create(pod("a"))
    assert int(created["metadata"]["resourceVersion"]) == before + 1
    updated = cluster.patch("pod", "a", {"metadata": {"labels": {"x": "y"}}})
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    assert created["metadata"]["uid"] == updated["metadata"]["uid"]
    assert created["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"


def test_generation_bumps_on_spec_changes_only(cluster):
    cluster.apply(deployment())
    assert cluster.get("deploy", "web")["metadata"]["generation"] == 1
    cluster.patch("deploy", "web", {"metadata": {"labels": {"team": "a"}}})
    assert cluster.get("deploy", "web")["metadata"]["generation"] == 1
    cluster.scale("deploy", "web", 5)
    assert cluster.get("deploy", "web")["metadata"]["generation"] == 2


def test_watch_yields_events_after_a_revision(cluster):
    start = cluster.resource_version
    cluster.create(pod("a"))
    cluster.delete("pod", "a", grace_period_seconds=0)
    events = list(cluster.watch("pods", namespace="default", resource_version=start))
    assert [e["type"] for e in events] == ["ADDED", "DELETED"]
    assert events[0]["object"]["metadata"]["name"] == "a"


def test_watch_from_zero_lists_current_objects_as_added(cluster):
    cluster.create(pod("a"))
    events = list(cluster.watch("pods", namespace="default", resource_version="0"))
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "a")]


def test_watch_filters_by_label_and_field(cluster):
    start = cluster.resource_version
    cluster.create({**pod("a"), "metadata": {"name": "a", "labels": {"app": "x"}}})
    cluster.create(pod("b"))
    assert [
        e["object"]["metadata"]["name"]
        for e in cluster.watch("pods", resource_version=start, label_selector="app=x")
    ] == ["a"]
    assert [
        e["object"]["metadata"]["name"]
        for e in cluster.watch("pods", resource_version=start, field_selector="metadata.name=b")
    ] == ["b"]


def test_a_revision_older_than_history_is_410_expired():
    cluster = Cluster.new(watch_history=20)
    old = cluster.resource_version
    for i in range(30):
        cluster.create(pod(f"p{i}"))
    with pytest.raises(ApiError) as error:
        list(cluster.watch("pods", resource_version=old))
    assert error.value.code == 410
    assert error.value.reason == "Expired"
    assert error.value.message.startswith("too old resource version")


def test_state_round_trips_exactly_through_json(cluster, restaurant):
    cluster.apply(restaurant)
    cluster.advance(1)
    data = json.loads(json.dumps(cluster.to_dict()))
    again = Cluster.from_dict(data)
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(data, sort_keys=True)
    # and the copy carries on exactly like the original
    cluster.settle()
    again.settle()
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(cluster.to_dict(), sort_keys=True)
