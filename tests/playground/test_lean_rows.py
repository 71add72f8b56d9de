"""Lean sandbox rows: the state stored compressed without the watch history's old objects,
snapshots made of parts shared with each other, watches still served from any process.

Upstream: a watch from a resourceVersion etcd has compacted away ends with 410 Gone,
``too old resource version: X (Y)`` (k8s.io/apiserver storage/cacher watch_cache.go,
``newTooOldResourceVersionError`` / etcd3 ``mvcc: required revision has been compacted``).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models.functions import Length
from django.test import Client

from playground import sandboxes
from playground.engine import ApiError
from playground.models import Sandbox, Snapshot, StatePart
from tests import postgres

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 10
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
"""


def configmap(name: str, value: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"v": value},
    }


def apply(sandbox, obj, label="change"):
    return sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: c.apply([obj]), label)


def row_bytes(sandbox) -> int:
    return Sandbox.objects.filter(pk=sandbox.pk).annotate(n=Length("state")).values_list("n", flat=True).get()


@pytest.fixture
def sandbox():
    return sandboxes.create("owner", "lean", capped=False)


def test_a_30_pod_sandbox_row_is_at_most_64_kib(sandbox):
    sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: (c.apply(WEB), c.settle()), "web")
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert len(cluster.list("pods")) >= 30
    assert all(p["status"].get("phase") == "Running" for p in cluster.list("pods", namespace="default"))
    assert row_bytes(sandbox) <= 64 * 1024
    # The watch history's objects that are no longer current live in parts, not the row.
    history = orjson.loads(Sandbox.objects.get(pk=sandbox.pk).state)["store"]["history"]
    assert not [row for row in history if type(row[5]) is dict]
    assert any(type(row[5]) is str for row in history)


def test_a_watch_from_an_old_version_is_served_after_a_reload(sandbox):
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    start = cluster.resource_version
    for value in ("one", "two", "three"):
        apply(sandbox, configmap("settings", value))
    # A new load (as any other server process makes) sees every version since `start`.
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    seen = [
        (e["type"], e["object"]["data"]["v"])
        for e in cluster.watch("configmaps", "default", start)
        if e["object"]["metadata"]["name"] == "settings"
    ]
    assert seen == [("ADDED", "one"), ("MODIFIED", "two"), ("MODIFIED", "three")]


@pytest.mark.django_db(transaction=True)
def test_kubectls_watch_from_an_old_version_over_http_after_a_reload():
    client = Client()
    assert client.post("/playground/try/self-healing").status_code == 302
    sandbox = Sandbox.objects.get()
    base = f"/k8s/{sandbox.token}/api/v1/namespaces/default/configmaps"
    start = json.loads(client.get(base).content)["metadata"]["resourceVersion"]
    for value in ("one", "two"):
        apply(sandbox, configmap("settings", value))
    apply(sandbox, configmap("other", "x"))  # "settings" at "one" is an old version now
    # Read until the three events are in (the stream's feed loads the sandbox in a thread of
    # its own, which a busy machine may take a while to run), not for a fixed second.
    response = client.get(base, {"watch": "1", "resourceVersion": start, "timeoutSeconds": "60"})
    seen, buffered = [], b""
    try:
        for chunk in response.streaming_content:
            buffered += chunk
            *lines, buffered = buffered.split(b"\n")
            for line in filter(bytes.strip, lines):
                event = json.loads(line)
                seen.append(
                    (event["type"], event["object"]["metadata"]["name"], event["object"]["data"]["v"])
                )
            if len(seen) >= 3:
                break
    finally:
        response.close()
    assert seen == [("ADDED", "settings", "one"), ("MODIFIED", "settings", "two"), ("ADDED", "other", "x")]


def test_a_watch_older_than_the_history_bound_is_410_gone(sandbox):
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    start = int(cluster.resource_version)
    limit = cluster.store.history_limit

    def many(c):
        for i in range(limit + 5):
            c.apply([configmap(f"cm-{i}", "v")])

    sandboxes.change(sandbox.owner, sandbox.public_id, many, "many")
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    with pytest.raises(ApiError) as gone:
        list(cluster.watch("configmaps", "default", str(start)))
    oldest = cluster.store.oldest_watchable
    assert gone.value.code == 410 and gone.value.reason == "Expired"
    assert gone.value.message == f"too old resource version: {start} ({oldest + 1})"
    # From the oldest version kept, it is served.
    assert list(cluster.watch("configmaps", "default", str(oldest)))


def test_a_part_compacted_after_the_row_was_read_is_410_not_a_gap(sandbox):
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    start = cluster.resource_version
    apply(sandbox, configmap("settings", "one"))
    apply(sandbox, configmap("settings", "two"))
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    StatePart.objects.filter(sandbox=sandbox).delete()  # as a newer save's clean-up would
    with pytest.raises(ApiError) as gone:
        list(cluster.watch("configmaps", "default", start))
    assert gone.value.code == 410 and gone.value.message.startswith(f"too old resource version: {start} (")


def test_a_snapshot_costs_what_changed(sandbox):
    sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: (c.apply(WEB), c.settle()), "web")
    Sandbox.objects.filter(pk=sandbox.pk).update(paused=True)  # no clock: only these changes
    apply(sandbox, configmap("small", "x"), "small")  # the first snapshot of 30 pods: all new
    first = sandboxes.snapshot_bytes(sandbox.pk)
    apply(sandbox, configmap("small", "y"), "small again")
    apply(sandbox, configmap("small", "z"), "and again")
    small = sandboxes.snapshot_bytes(sandbox.pk) - first
    whole = len(Sandbox.objects.get(pk=sandbox.pk).state.encode())
    assert Snapshot.objects.filter(sandbox=sandbox).count() == 4
    # Two more snapshots of a 30-pod sandbox: far less than one copy of its state each,
    # and less than one compressed row (64 KiB at most, above).
    assert small < whole / 8
    assert small < row_bytes(sandbox)
    # A change of a large object costs about that object.
    before = sandboxes.snapshot_bytes(sandbox.pk)
    apply(sandbox, configmap("big", os.urandom(20_000).hex()), "big")
    apply(sandbox, configmap("big", "gone"), "big again")
    grew = sandboxes.snapshot_bytes(sandbox.pk) - before
    assert 40_000 <= grew < 40_000 + small * 2


def test_a_new_sandboxs_first_change_stores_only_what_it_changed(sandbox):
    """Its objects were stored as parts when it was made, which its first snapshot names."""
    Sandbox.objects.filter(pk=sandbox.pk).update(paused=True)  # no clock: only this change
    made = set(sandbox.parts.values_list("digest", flat=True))
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert len(made) >= sum(len(objs) for objs in cluster.to_dict()["store"]["objects"].values())
    apply(sandbox, configmap("first", "x"), "first")
    snap = Snapshot.objects.get(sandbox=sandbox, label="first")
    assert set(snap.parts) <= made  # the state before the change: all there already
    # The new ConfigMap lives in the row; the snapshot before it needed nothing new.
    assert set(sandbox.parts.values_list("digest", flat=True)) == made
    sandboxes.rewind(sandbox.owner, sandbox.public_id, snap.pk)
    _sb, back = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert _objects(back)["objects"] == _objects(cluster)["objects"]


def _objects(cluster) -> dict:
    data = cluster.to_dict()
    return {
        "objects": data["store"]["objects"],
        "revision": data["store"]["revision"],
        "clock": data["clock"],
    }


def test_rewind_brings_back_exactly_the_state_before(sandbox):
    sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: (c.apply(WEB), c.settle()), "web")
    Sandbox.objects.filter(pk=sandbox.pk).update(paused=True)
    _sb, before = sandboxes.view(sandbox.owner, sandbox.public_id)
    start = str(int(before.resource_version) - 3)
    history_before = [(e["type"], e["object"]) for e in before.watch("pods", None, start)]
    sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: c.scale("deployment", "web", 2), "scale")
    snap = Snapshot.objects.filter(sandbox=sandbox, label="scale").get()
    sandboxes.rewind(sandbox.owner, sandbox.public_id, snap.pk)
    _sb, after = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert _objects(after) == _objects(before)
    # The controllers' states too, though the snapshot keeps the large ones as parts.
    assert type(orjson.loads(snap.state)["controllers"]["scheduler"]) is str
    assert after.to_dict()["controllers"] == before.to_dict()["controllers"]
    assert [(e["type"], e["object"]) for e in after.watch("pods", None, start)] == history_before
    # Going back is itself a snapshot: rewinding to it brings the scaled-down state back.
    undo = Snapshot.objects.filter(sandbox=sandbox, label="Before going back to: scale").get()
    sandboxes.rewind(sandbox.owner, sandbox.public_id, undo.pk)
    _sb, again = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert again.get("deployment", "web", "default")["spec"]["replicas"] == 2


def test_reset_keeps_the_old_state_as_a_snapshot_and_starts_fresh(sandbox):
    apply(sandbox, configmap("mine", "x"))
    _sb, before = sandboxes.view(sandbox.owner, sandbox.public_id)
    sandboxes.reset(sandbox.owner, sandbox.public_id)
    _sb, fresh = sandboxes.view(sandbox.owner, sandbox.public_id)
    names = {c["metadata"]["name"] for c in fresh.list("configmaps", namespace="default")}
    assert "mine" not in names
    snap = Snapshot.objects.filter(sandbox=sandbox, label="Reset").get()
    sandboxes.rewind(sandbox.owner, sandbox.public_id, snap.pk)
    _sb, back = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert _objects(back)["objects"] == _objects(before)["objects"]


def test_parts_nothing_names_are_deleted(sandbox, settings):
    settings.SANDBOX_SNAPSHOTS_KEPT = 2
    for i in range(6):
        apply(sandbox, configmap("c", os.urandom(3000).hex()), f"c{i}")
    StatePart.objects.create(sandbox=sandbox, digest="0" * 32, data=b"")  # named by nothing
    live = [row[5] for row in orjson.loads(Sandbox.objects.get(pk=sandbox.pk).state)["store"]["history"]]
    sandboxes._collect(sandbox.pk, [d for d in live if type(d) is str])
    named = set().union(*Snapshot.objects.filter(sandbox=sandbox).values_list("parts", flat=True))
    named |= {d for d in live if type(d) is str}
    assert set(sandbox.parts.values_list("digest", flat=True)) == named
    # Without the live history's, only the two snapshots' parts stay; the state still loads.
    sandboxes._collect(sandbox.pk, [])
    assert set(sandbox.parts.values_list("digest", flat=True)) == set().union(
        *Snapshot.objects.filter(sandbox=sandbox).values_list("parts", flat=True)
    )
    _sb, cluster = sandboxes.view("owner", sandbox.public_id)
    assert cluster.get("configmap", "c", "default")


def test_a_copy_of_a_sandbox_keeps_its_watch_history(sandbox):
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    start = cluster.resource_version
    apply(sandbox, configmap("settings", "one"))
    apply(sandbox, configmap("settings", "two"))
    copy = sandboxes.duplicate("owner", sandbox.public_id)
    _sb, cluster = sandboxes.view("owner", copy.public_id)
    values = [e["object"]["data"]["v"] for e in cluster.watch("configmaps", "default", start)]
    assert values == ["one", "two"]


@pytest.mark.django_db(transaction=True)
def test_a_row_in_the_old_format_loads_after_migrating():
    executor = MigrationExecutor(connection)
    executor.migrate([("playground", "0009_sandbox_identity")])
    old = executor.loader.project_state([("playground", "0009_sandbox_identity")]).apps
    cluster = sandboxes.build("minimal", 7)
    cluster.apply([configmap("settings", "one")])
    cluster.apply([configmap("settings", "two")])  # an old version inline in the history
    state = sandboxes.dump(cluster)
    from django.utils import timezone

    row = old.get_model("playground", "Sandbox").objects.create(
        owner="owner", name="old", profile="minimal", state=state, synced_at=timezone.now(), paused=True
    )
    old.get_model("playground", "Snapshot").objects.create(sandbox_id=row.pk, label="before", state=state)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    sandbox = Sandbox.objects.get(pk=row.pk)
    assert sandbox.state == state  # the same text, stored compressed
    assert row_bytes(sandbox) < len(state) / 3
    _sb, loaded = sandboxes.view("owner", sandbox.public_id)
    assert _objects(loaded) == _objects(cluster)
    values = [
        e["object"]["data"]["v"]
        for e in loaded.watch("configmaps", "default", "1", field_selector="metadata.name=settings")
    ]
    assert values[-2:] == ["one", "two"]
    # The old snapshot (objects inline) rewinds as before; the next change moves the
    # history's old versions into parts.
    sandboxes.rewind("owner", sandbox.public_id, Snapshot.objects.get(label="before").pk)
    apply(sandbox, configmap("settings", "three"))
    history = orjson.loads(Sandbox.objects.get(pk=row.pk).state)["store"]["history"]
    assert (
        not [r for r in history if type(r[5]) is dict]
        and StatePart.objects.filter(sandbox_id=row.pk).exists()
    )


@pytest.mark.django_db(transaction=True)
def test_migrating_back_puts_the_parts_inline_for_the_old_code():
    """A sandbox and a snapshot in the new format (objects as digests of parts) survive a
    downgrade to 0009: the text columns come back filled, every object inline."""
    sandbox = sandboxes.create("owner", "downgrade", capped=False)
    for value in ("one", "two", "three"):  # each change keeps the state before it
        apply(sandbox, configmap("settings", value), label=value)
    _sb, before = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert StatePart.objects.filter(sandbox_id=sandbox.pk).exists()
    executor = MigrationExecutor(connection)
    executor.migrate([("playground", "0009_sandbox_identity")])
    old = executor.loader.project_state([("playground", "0009_sandbox_identity")]).apps
    for model in ("Sandbox", "Snapshot"):
        for state in old.get_model("playground", model).objects.values_list("state", flat=True):
            store = json.loads(state)["store"]
            assert all(type(o) is dict for objs in store["objects"].values() for o in objs)
            assert all(type(row[5]) is not str for row in store["history"])
            assert all(type(c) is dict for c in json.loads(state)["controllers"].values())
    old_row = old.get_model("playground", "Sandbox").objects.get(pk=sandbox.pk)
    settings_cm = [
        o
        for o in json.loads(old_row.state)["store"]["objects"]["ConfigMap"]
        if o["metadata"]["name"] == "settings"
    ]
    assert settings_cm[0]["data"] == {"v": "three"}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    _sb, after = sandboxes.view(sandbox.owner, sandbox.public_id)
    # The same objects at the same revision (the sandbox's clock runs on meanwhile).
    assert {k: v for k, v in _objects(after).items() if k != "clock"} == {
        k: v for k, v in _objects(before).items() if k != "clock"
    }
    sandboxes.rewind(sandbox.owner, sandbox.public_id, Snapshot.objects.get(label="three").pk)
    _sb, rewound = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert rewound.get("configmap", "settings", "default")["data"] == {"v": "two"}


def stored_state(sandbox) -> bytes:
    """The row's state column as stored (compressed)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT state FROM {Sandbox._meta.db_table} WHERE id = %s", [sandbox.pk])
        return bytes(cursor.fetchone()[0])


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def test_rows_and_parts_packed_by_zlib_before_zstd_still_load(sandbox):
    """Rows and parts were zlib-compressed before Zstandard: a database from then reads
    as it did (a watch reaching back into the parts too), and the next save writes
    Zstandard."""
    import zlib

    from playground.models import unpack

    start = sandboxes.view(sandbox.owner, sandbox.public_id)[1].resource_version
    for value in ("one", "two", "three"):
        apply(sandbox, configmap("settings", value))
    assert stored_state(sandbox)[:4] == ZSTD_MAGIC
    Sandbox.objects.filter(pk=sandbox.pk).update(
        state=zlib.compress(Sandbox.objects.get(pk=sandbox.pk).state.encode(), 3)
    )
    parts = StatePart.objects.filter(sandbox_id=sandbox.pk)
    assert parts.count() >= 2
    for pk, data in parts.values_list("pk", "data"):
        assert bytes(data[:4]) == ZSTD_MAGIC
        StatePart.objects.filter(pk=pk).update(data=zlib.compress(unpack(data), 3))
    assert stored_state(sandbox)[:1] == b"\x78"  # zlib's header: the old format in place

    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    values = [
        e["object"]["data"]["v"]
        for e in cluster.watch("configmaps", "default", start, field_selector="metadata.name=settings")
    ]
    assert values == ["one", "two", "three"]
    apply(sandbox, configmap("settings", "four"))
    assert stored_state(sandbox)[:4] == ZSTD_MAGIC
    # The snapshot before "four" names parts packed by zlib: going back reads them.
    rewound = Snapshot.objects.filter(sandbox_id=sandbox.pk).order_by("-id").first()
    sandboxes.rewind(sandbox.owner, sandbox.public_id, rewound.pk)
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert cluster.get("configmap", "settings", "default")["data"] == {"v": "three"}


def test_dumpdata_and_loaddata_carry_the_state_as_text(sandbox):
    from django.core import serializers

    dumped = serializers.serialize("json", [Sandbox.objects.get(pk=sandbox.pk)])
    assert json.loads(dumped)[0]["fields"]["state"] == Sandbox.objects.get(pk=sandbox.pk).state
    Sandbox.objects.filter(pk=sandbox.pk).update(state="{}")
    for restored in serializers.deserialize("json", dumped):
        restored.save()
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert cluster.get("node", "worker-1")


POSTGRES_SCRIPT = """
import django, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models.functions import Length
from django.utils import timezone
from playground import sandboxes
from playground.models import Sandbox, Snapshot

call_command("migrate", "playground", "0009_sandbox_identity", verbosity=0)
executor = MigrationExecutor(connection)
old = executor.loader.project_state([("playground", "0009_sandbox_identity")]).apps
cluster = sandboxes.build("minimal", 7)
cluster.apply([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s", "namespace": "default"}, "data": {"v": "1"}}])
state = sandboxes.dump(cluster)
row = old.get_model("playground", "Sandbox").objects.create(owner="o", name="old", profile="minimal", state=state, synced_at=timezone.now())
call_command("migrate", verbosity=0)
sandbox = Sandbox.objects.get(pk=row.pk)
assert sandbox.state == state
_sb, c = sandboxes.view("o", sandbox.public_id)
start = c.resource_version
for v in ("2", "3"):
    sandboxes.change("o", sandbox.public_id, lambda c, v=v: c.apply([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s", "namespace": "default"}, "data": {"v": v}}]), v)
_sb, c = sandboxes.view("o", sandbox.public_id)
print("watch", ",".join(e["object"]["data"]["v"] for e in c.watch("configmaps", "default", start)))
snap = Snapshot.objects.get(sandbox=sandbox, label="3")
sandboxes.rewind("o", sandbox.public_id, snap.pk)
_sb, c = sandboxes.view("o", sandbox.public_id)
print("rewound", c.get("configmap", "s", "default")["data"]["v"])
print("bytes", Sandbox.objects.filter(pk=sandbox.pk).annotate(n=Length("state")).values_list("n", flat=True).get(), len(state))
"""


def test_the_same_on_postgresql():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    with postgres.running() as url:
        env["DATABASE_URL"] = url
        result = subprocess.run(
            [sys.executable, "-c", POSTGRES_SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["watch"] == "2,3" and lines["rewound"] == "2"
    stored, text = (int(n) for n in lines["bytes"].split())
    assert stored < text / 3
