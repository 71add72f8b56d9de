"""Client-side apply: created, configured, unchanged, the last-applied annotation and the
three-way merge, directly and through the console and the Cluster's thin method."""

import json

import pytest

from playground import console
from playground.engine import ApiError
from playground.kubectl.apply import LAST_APPLIED, apply, three_way_patch

CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, labels: {tier: web, team: a}}
data: {colour: blue, size: large}
"""


def test_apply_creates_then_reports_unchanged_then_configured(cluster):
    [created] = apply(cluster, CONFIG)
    assert (created["action"], created["kind"], created["name"], created["group"]) == (
        "created",
        "ConfigMap",
        "settings",
        "",
    )
    stored = cluster.get("ConfigMap", "settings", "default")
    last = json.loads(stored["metadata"]["annotations"][LAST_APPLIED])
    assert last["data"] == {"colour": "blue", "size": "large"} and LAST_APPLIED not in last["metadata"].get(
        "annotations", {}
    )
    assert [o["action"] for o in apply(cluster, CONFIG)] == ["unchanged"]
    changed = CONFIG.replace("size: large", "size: small")
    assert [o["action"] for o in apply(cluster, changed)] == ["configured"]
    assert cluster.get("ConfigMap", "settings", "default")["data"]["size"] == "small"


def test_three_way_merge_removes_what_was_dropped_and_keeps_what_others_added(cluster):
    apply(cluster, CONFIG)
    cluster.patch("ConfigMap", "settings", {"metadata": {"labels": {"owner": "ops"}}}, "default")
    apply(cluster, CONFIG.replace(", team: a", "").replace(", size: large", ""))
    stored = cluster.get("ConfigMap", "settings", "default")
    assert stored["metadata"]["labels"] == {"tier": "web", "owner": "ops"}
    assert stored["data"] == {"colour": "blue"}


def test_three_way_patch_deletes_list_items_by_merge_key():
    previous = {"spec": {"containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}
    config = {"spec": {"containers": [{"name": "a", "image": "z"}]}}
    patch = three_way_patch(previous, config)
    assert patch["spec"]["containers"] == [{"name": "a", "image": "z"}, {"name": "b", "$patch": "delete"}]
    assert patch["spec"]["$setElementOrder/containers"] == [{"name": "a"}]
    assert three_way_patch({"a": 1, "b": 2}, {"a": 1}) == {"b": None}


def test_a_broken_document_applies_nothing(cluster):
    broken = CONFIG + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndata: {x: 1}\n"
    with pytest.raises(ApiError):
        apply(cluster, broken)
    with pytest.raises(ApiError, match="not found"):
        cluster.get("ConfigMap", "settings", "default")


def test_dry_run_changes_nothing_and_a_namespace_created_in_the_same_manifest_counts(cluster):
    text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n" + CONFIG.replace(
        "name: settings", "name: settings, namespace: shop"
    )
    assert [o["action"] for o in apply(cluster, text, dry_run=True)] == ["created", "created"]
    assert "shop" not in [n["metadata"]["name"] for n in cluster.list("Namespace")]
    assert [o["action"] for o in apply(cluster, text)] == ["created", "created"]


def test_the_cluster_method_and_the_console_apply_the_same_way(cluster):
    assert [o["action"] for o in cluster.apply(CONFIG)] == ["created"]
    command = console.parse("kubectl apply -f -\n" + CONFIG.replace("blue", "green"))
    assert command.writes
    assert console.run(cluster, command) == "configmap/settings configured\n"
    assert console.run(cluster, console.parse("kubectl apply -f - <<EOF\n" + CONFIG + "EOF")) == (
        "configmap/settings configured\n"
    )
    with pytest.raises(console.ConsoleError, match="no objects passed to apply"):
        console.run(cluster, console.parse("kubectl apply -f -"))
    with pytest.raises(console.ConsoleError, match="type kubectl apply -f -"):
        console.run(cluster, console.parse("kubectl apply -f web.yaml"))
