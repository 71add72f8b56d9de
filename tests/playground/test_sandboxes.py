"""The sandbox service: ownership, compare-and-swap, history, limits."""

import pytest

from playground import sandboxes
from playground.engine import ApiError
from playground.models import Sandbox

pytestmark = pytest.mark.django_db

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.27"}]}
"""


def test_a_scenario_sandbox_starts_with_its_objects():
    sandbox = sandboxes.create("alice", "", scenario="self-healing")
    assert sandbox.name == "Self-healing replicas" and sandbox.scenario == "self-healing"
    _, cluster = sandboxes.view("alice", sandbox.public_id)
    assert cluster.get("deploy", "web", "default")["status"]["readyReplicas"] == 3


def test_nobody_else_can_see_or_change_a_sandbox():
    sandbox = sandboxes.create("alice", "mine")
    with pytest.raises(sandboxes.SandboxError) as error:
        sandboxes.view("mallory", sandbox.public_id)
    assert error.value.status == 404
    with pytest.raises(sandboxes.SandboxError):
        sandboxes.change("mallory", sandbox.public_id, lambda c: c.apply(WEB), "apply")


def test_a_change_is_saved_with_a_new_version_and_a_snapshot():
    sandbox = sandboxes.create("alice", "mine")
    _, cluster, results = sandboxes.change("alice", sandbox.public_id, lambda c: c.apply(WEB), "Apply YAML")
    assert [r["action"] for r in results] == ["created"]
    stored = Sandbox.objects.get(pk=sandbox.pk)
    assert stored.version == 2
    assert [s.label for s in stored.snapshots.all()] == ["Apply YAML"]
    assert sandboxes.restore(stored.state).get("deploy", "web", "default")


def test_a_concurrent_save_is_not_lost_the_change_is_replayed():
    sandbox = sandboxes.create("alice", "mine")
    calls = []

    def slow_apply(cluster):
        calls.append(1)
        if len(calls) == 1:
            # Another tab saves while this change is in flight.
            sandboxes.change(
                "alice",
                sandbox.public_id,
                lambda c: c.apply(WEB.replace("name: web", "name: other")),
                "other tab",
            )
        return cluster.apply(WEB)

    sandboxes.change("alice", sandbox.public_id, slow_apply, "this tab")
    assert len(calls) == 2  # the first attempt lost the compare-and-swap and was replayed
    cluster = sandboxes.restore(Sandbox.objects.get(pk=sandbox.pk).state)
    assert cluster.get("deploy", "web", "default") and cluster.get("deploy", "other", "default")


def test_a_failed_change_saves_nothing():
    sandbox = sandboxes.create("alice", "mine")
    with pytest.raises(ApiError):
        sandboxes.change(
            "alice", sandbox.public_id, lambda c: c.apply(WEB.replace("replicas: 2", "replicas: -1")), "bad"
        )
    stored = Sandbox.objects.get(pk=sandbox.pk)
    assert stored.version == 1 and not stored.snapshots.exists()


def test_rewind_goes_back_to_before_an_action():
    sandbox = sandboxes.create("alice", "mine")
    sandboxes.change("alice", sandbox.public_id, lambda c: c.apply(WEB), "Apply web")
    snapshot = Sandbox.objects.get(pk=sandbox.pk).snapshots.get(label="Apply web")
    sandboxes.rewind("alice", sandbox.public_id, snapshot.pk)
    stored = Sandbox.objects.get(pk=sandbox.pk)
    assert stored.paused
    with pytest.raises(ApiError):
        sandboxes.restore(stored.state).get("deploy", "web", "default")


def test_the_clock_follows_wall_time_at_the_sandbox_speed():
    from datetime import timedelta

    sandbox = sandboxes.create("alice", "mine")
    start = sandboxes.restore(sandbox.state).clock
    Sandbox.objects.filter(pk=sandbox.pk).update(
        synced_at=sandbox.synced_at - timedelta(seconds=10), speed=60
    )
    _, cluster = sandboxes.view("alice", sandbox.public_id)
    # Ten seconds at 60x are ten minutes, plus 60x whatever wall time the test itself took
    # (a busy machine can take a good part of a second between create and view).
    from django.utils import timezone

    took = (timezone.now() - sandbox.synced_at).total_seconds()
    assert 600 - 1 <= cluster.clock - start <= 600 + 60 * took + 1
    Sandbox.objects.filter(pk=sandbox.pk).update(paused=True)
    before = cluster.clock
    _, again = sandboxes.view("alice", sandbox.public_id)
    assert again.clock == pytest.approx(before, abs=1)


def test_limits_per_visitor_and_per_sandbox():
    for i in range(sandboxes.MAX_SANDBOXES_PER_VISITOR):
        sandboxes.create("alice", f"s{i}", profile="minimal")
    with pytest.raises(sandboxes.SandboxError) as error:
        sandboxes.create("alice", "one too many", profile="minimal")
    assert error.value.status == 429
    sandbox = Sandbox.objects.filter(owner="alice").first()
    with pytest.raises(ApiError) as error:
        sandboxes.change(
            "alice",
            sandbox.public_id,
            lambda c: c.apply(WEB.replace("replicas: 2", "replicas: 500")),
            "too big",
        )
    assert "must be less than or equal to 50 in this cluster" in error.value.message


def test_reset_duplicate_rename_delete():
    sandbox = sandboxes.create("alice", "mine", scenario="self-healing")
    sandboxes.change(
        "alice", sandbox.public_id, lambda c: c.delete("deployment", "web", "default"), "delete web"
    )
    sandboxes.reset("alice", sandbox.public_id)
    _, cluster = sandboxes.view("alice", sandbox.public_id)
    assert cluster.get("deploy", "web", "default")
    copy = sandboxes.duplicate("alice", sandbox.public_id)
    assert copy.name == "mine (copy)" and copy.public_id != sandbox.public_id
    assert sandboxes.rename("alice", copy.public_id, "  Second  ").name == "Second"
    sandboxes.delete("alice", copy.public_id)
    assert not Sandbox.objects.filter(pk=copy.pk).exists()


def test_unknown_profile_or_scenario():
    with pytest.raises(sandboxes.SandboxError, match="Unknown profile"):
        sandboxes.create("alice", "x", profile="nope")
    with pytest.raises(sandboxes.SandboxError, match="Unknown scenario"):
        sandboxes.create("alice", "x", scenario="nope")
