"""Warm clusters (playground/warm.py): a change made through a request keeps its saved
cluster for the sandbox's next change in the process, which then does not load the row.
What goes on must be exactly what the row holds; anything else loads the row."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from playground import sandboxes, warm
from playground.models import Sandbox, Snapshot, StatePart

pytestmark = pytest.mark.django_db

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}}}\ndata: {{i: '{i}'}}\n"
DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx:1.27}]}
"""


@pytest.fixture(autouse=True)
def nothing_kept():
    warm.forget()
    yield
    warm.forget()


@pytest.fixture
def loads(monkeypatch):
    """How many times a change loaded the row."""
    count = [0]
    load = sandboxes._load

    def counted(*args, **kwargs):
        count[0] += 1
        return load(*args, **kwargs)

    monkeypatch.setattr(sandboxes, "_load", counted)
    return count


@pytest.fixture
def sandbox(client):
    assert client.post("/playground/new", {"profile": "default", "name": "warm"}).status_code == 302
    return Sandbox.objects.get()


def apply(client, sandbox, manifest: str):
    response = client.post(
        f"/playground/{sandbox.public_id}/apply", {"manifest": manifest}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    return response


def console(client, sandbox, command: str):
    response = client.post(
        f"/playground/{sandbox.public_id}/kubectl", {"command": command}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    return response


def as_saved(sandbox) -> str:
    """The row's state, packed as a save packs it."""
    row = Sandbox.objects.get(pk=sandbox.pk)
    return sandboxes._pack(sandboxes.loaded(row))[0]


def kept(sandbox):
    (version, _saved_at), _mark, cluster, _parts = warm._kept[str(sandbox.public_id)]
    return version, cluster


def test_the_next_change_goes_on_from_the_kept_cluster_which_is_what_the_row_holds(client, sandbox, loads):
    apply(client, sandbox, DEPLOYMENT)
    steps = [
        lambda: apply(client, sandbox, CONFIGMAP.format(i=1)),
        lambda: console(client, sandbox, "kubectl scale deployment web --replicas=5"),
        lambda: console(client, sandbox, "kubectl delete pod -l app=web --wait=false"),
        lambda: apply(client, sandbox, CONFIGMAP.format(i=2)),
        lambda: console(client, sandbox, "kubectl set image deployment/web web=nginx:1.28"),
    ]
    loads[0] = 0
    for step in steps:
        time.sleep(0.3)  # the clock runs between changes: each catches up first
        step()
        version, cluster = kept(sandbox)
        assert version == Sandbox.objects.get(pk=sandbox.pk).version
        assert sandboxes._pack(cluster)[0] == as_saved(sandbox)
    assert loads[0] == 0
    _sb, viewed = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert len(viewed.list("pods", namespace="default")) >= 5


def test_a_snapshot_taken_from_a_kept_cluster_is_the_one_a_load_takes(client, sandbox, loads):
    apply(client, sandbox, DEPLOYMENT)
    time.sleep(0.3)
    apply(client, sandbox, CONFIGMAP.format(i=1))
    # What a load of the row would keep as the snapshot of the state before the next change.
    row = Sandbox.objects.get(pk=sandbox.pk)
    skeleton, parts = sandboxes._taken(row.state)
    loads[0] = 0
    time.sleep(0.3)
    apply(client, sandbox, CONFIGMAP.format(i=2))
    assert loads[0] == 0  # from the kept cluster
    snapshot = sandbox.snapshots.order_by("-id").first()
    assert snapshot.state == skeleton and snapshot.parts == sorted(parts)
    # Rewinding to it brings back that state: c1 and not c2.
    warm.forget()
    sandboxes.rewind(sandbox.owner, sandbox.public_id, snapshot.pk)
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    names = {c["metadata"]["name"] for c in cluster.list("configmaps", namespace="default")}
    assert "c1" in names and "c2" not in names


def test_a_change_saved_elsewhere_makes_the_kept_cluster_stale(client, sandbox, loads):
    apply(client, sandbox, CONFIGMAP.format(i=1))
    # Another process (or a command outside any request) changes the sandbox.
    sandboxes.change(
        sandbox.owner,
        sandbox.public_id,
        lambda c: c.apply([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "elsewhere"}}]),
        "elsewhere",
    )
    loads[0] = 0
    apply(client, sandbox, CONFIGMAP.format(i=2))
    assert loads[0] == 1  # the row, not the kept cluster
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    names = {c["metadata"]["name"] for c in cluster.list("configmaps", namespace="default")}
    assert {"c1", "elsewhere", "c2"} <= names


def test_a_refused_change_drops_the_kept_cluster(client, sandbox, loads):
    apply(client, sandbox, CONFIGMAP.format(i=1))
    saved = as_saved(sandbox)
    response = client.post(
        f"/playground/{sandbox.public_id}/apply",
        {"manifest": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 99999}]}\n"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code in (200, 422)
    assert not warm.has(sandbox.public_id)  # taken by the refused change, never put back
    assert as_saved(sandbox) == saved
    loads[0] = 0
    apply(client, sandbox, CONFIGMAP.format(i=2))
    assert loads[0] == 1


def test_a_cluster_changed_after_its_save_is_not_kept(client, sandbox, monkeypatch):
    render = sandboxes.change

    def change_then_advance(*args, **kwargs):
        found = render(*args, **kwargs)
        found[1].advance(60)  # as if rendering had moved its clock: no longer what was saved
        return found

    monkeypatch.setattr(sandboxes, "change", change_then_advance)
    apply(client, sandbox, CONFIGMAP.format(i=1))
    assert not warm.has(sandbox.public_id)


def test_a_row_saved_again_with_the_same_version_is_not_taken_for_the_kept_one(client, sandbox, loads):
    """A version number can come back: a save rolled back with its transaction, then
    another. The kept cluster is told apart by when it was saved."""
    apply(client, sandbox, CONFIGMAP.format(i=1))
    version, _cluster = kept(sandbox)
    Sandbox.objects.filter(pk=sandbox.pk).update(synced_at=timezone.now() + timedelta(seconds=1))
    loads[0] = 0
    apply(client, sandbox, CONFIGMAP.format(i=2))
    assert loads[0] == 1


def test_at_most_the_setting_s_number_of_sandboxes_are_kept_the_least_recent_go(client, settings):
    settings.SANDBOX_CLUSTERS_KEPT = 2
    made = []
    for name in ("a", "b", "c"):
        assert client.post("/playground/new", {"profile": "minimal", "name": name}).status_code == 302
        made.append(Sandbox.objects.get(name=name))
        apply(client, made[-1], CONFIGMAP.format(i=1))
    assert [warm.has(s.public_id) for s in made] == [False, True, True]
    settings.SANDBOX_CLUSTERS_KEPT = 0
    apply(client, made[0], CONFIGMAP.format(i=2))
    assert not warm.has(made[0].public_id)


def test_nothing_is_kept_outside_a_request(sandbox):
    sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: c.apply([]), "nothing")
    assert not warm.has(sandbox.public_id)


def test_another_visitor_cannot_reach_a_kept_cluster(client, sandbox):
    apply(client, sandbox, CONFIGMAP.format(i=1))
    assert warm.has(sandbox.public_id)
    with pytest.raises(sandboxes.SandboxError):
        sandboxes.change("someone-else", sandbox.public_id, lambda c: c.apply([]), "stranger")
    assert warm.has(sandbox.public_id)  # the refusal came before the kept cluster was taken


def stored_parts(sandbox) -> dict:
    from django.db.models.functions import Length

    rows = StatePart.objects.filter(sandbox_id=sandbox.pk).annotate(n=Length("data"))
    return dict(rows.values_list("digest", "n"))


def test_a_kept_cluster_knows_the_parts_stored_so_its_next_save_reads_none(
    client, sandbox, monkeypatch, settings
):
    """What the sandbox stores as parts goes on with the kept cluster (sandboxes.Known):
    the next change neither reads every digest to know which parts to write nor adds up
    their sizes to trim snapshots. It must be exactly what the table holds, parts written
    and collected included."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # A short watch history and one snapshot kept: old versions soon are named by nothing.
    sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: setattr(c.store, "history_limit", 3), "")
    settings.SANDBOX_SNAPSHOTS_KEPT = 1
    apply(client, sandbox, CONFIGMAP.format(i=0))
    table = f'FROM "{StatePart._meta.db_table}"'
    collected = 0
    for i in range(1, 10):
        collecting = i % 3 == 0
        monkeypatch.setattr(sandboxes, "COLLECT_EVERY", 1 if collecting else 10**12)
        before = stored_parts(sandbox)
        with CaptureQueriesContext(connection) as queries:
            apply(client, sandbox, CONFIGMAP.format(i=i % 2))
        known = warm._kept[str(sandbox.public_id)][3]
        assert known.stored == stored_parts(sandbox)
        collected += len(set(before) - set(known.stored))
        reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and table in q["sql"]]
        # Only a collection reads the parts table (which parts nothing names).
        assert len(reads) == (1 if collecting else 0), reads
    assert collected  # the collections did delete parts


def test_snapshots_stay_within_their_byte_cap_on_the_kept_path(client, sandbox, settings):
    """The cap on what snapshots store is kept with the parts' sizes the kept cluster
    carries, as with the ones a load adds up."""
    for i in range(4):
        apply(client, sandbox, CONFIGMAP.format(i=i))
    cap = sandboxes.snapshot_bytes(sandbox.pk)
    settings.SANDBOX_SNAPSHOTS_MAX_BYTES = cap
    for i in range(4, 8):
        apply(client, sandbox, CONFIGMAP.format(i=i))
        assert warm.has(sandbox.public_id)
        assert sandboxes.snapshot_bytes(sandbox.pk) <= cap
    labels = list(Snapshot.objects.filter(sandbox=sandbox).values_list("label", flat=True))
    assert labels and len(labels) < 8
