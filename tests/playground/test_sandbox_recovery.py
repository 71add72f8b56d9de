"""A sandbox is never bricked and never grows without bound: a state that fails to load
still gets a working page offering Reset and Rewind; a change that would make the saved
state too big is refused and changes nothing; snapshots are bounded in count and bytes;
each request's engine work has a budget."""

import pytest
from django.test import override_settings

from playground import sandboxes
from playground.models import Sandbox, Snapshot
from tests.playground import test_workshops

pytestmark = pytest.mark.django_db

# An instructor signed in, and a workshop of theirs (the workshop tests' fixtures).
instructor = test_workshops.instructor
workshop = test_workshops.workshop

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\ndata: {blob: %s}\n"


@pytest.fixture
def sandbox(client):
    response = client.post("/playground/new", {"name": "mine", "profile": "minimal"})
    assert response.status_code == 302
    return Sandbox.objects.get()


def _corrupt(sandbox, state='{"version": 1, "seed": 0, "store": '):
    Sandbox.objects.filter(pk=sandbox.pk).update(state=state)


@pytest.mark.parametrize(
    "state",
    ['{"version": 1, "seed": 0, "store": ', '{"version": 99}', '{"version": 1}', "null", "[]"],
)
def test_a_state_that_fails_to_load_still_gets_a_page_with_reset_and_rewind(client, sandbox, state):
    base = f"/playground/{sandbox.public_id}"
    client.post(f"{base}/apply", {"manifest": CONFIGMAP % ("one", "x")})
    snapshot = Sandbox.objects.get(pk=sandbox.pk).snapshots.get(label="Apply YAML")
    _corrupt(sandbox, state)
    page = client.get(f"{base}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "could not be loaded" in text
    assert f'action="{base}/reset"' in text
    assert f'action="{base}/rewind"' in text and f'value="{snapshot.pk}"' in text
    # Rewinding from there gives a working sandbox again.
    client.post(f"{base}/rewind", {"snapshot": snapshot.pk})
    assert "could not be loaded" not in client.get(f"{base}/").content.decode()
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert cluster.list("pods") == []


def test_reset_repairs_a_broken_state(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    _corrupt(sandbox)
    assert client.post(f"{base}/reset").status_code == 302
    assert "could not be loaded" not in client.get(f"{base}/").content.decode()


def test_other_requests_to_a_broken_sandbox_answer_a_clear_error(client, sandbox):
    base = f"/playground/{sandbox.public_id}"
    _corrupt(sandbox)
    response = client.post(f"{base}/apply", {"manifest": CONFIGMAP % ("one", "x")})
    assert response.status_code == 403
    assert "could not be loaded" in response.content.decode()
    with pytest.raises(sandboxes.SandboxError) as error:
        sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: None, "nothing")
    assert error.value.status == 403


def test_a_change_past_the_state_cap_is_refused_and_changes_nothing(sandbox):
    before = Sandbox.objects.get(pk=sandbox.pk)
    cap = len(before.state) + 50_000
    with override_settings(SANDBOX_STATE_MAX_BYTES=cap):
        sandboxes.change(
            sandbox.owner, sandbox.public_id, lambda c: c.apply(CONFIGMAP % ("a", "x" * 1000)), "a"
        )
        with pytest.raises(sandboxes.SandboxError) as error:
            sandboxes.change(
                sandbox.owner, sandbox.public_id, lambda c: c.apply(CONFIGMAP % ("b", "x" * 100_000)), "b"
            )
    assert error.value.status == 403
    assert f"at most {cap} bytes" in error.value.message
    after = Sandbox.objects.get(pk=sandbox.pk)
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    names = {c["metadata"]["name"] for c in cluster.list("configmaps")}
    assert "a" in names and "b" not in names
    assert [s.label for s in after.snapshots.all()] == ["a"]


def test_a_change_that_shrinks_an_oversized_state_is_allowed(sandbox):
    sandboxes.change(
        sandbox.owner, sandbox.public_id, lambda c: c.apply(CONFIGMAP % ("a", "x" * 100_000)), "a"
    )
    with override_settings(SANDBOX_STATE_MAX_BYTES=1000):
        sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: c.delete("configmap", "a"), "delete")


def test_snapshots_are_bounded_in_count_and_bytes(sandbox):
    with override_settings(SANDBOX_SNAPSHOTS_KEPT=5):
        for i in range(8):
            sandboxes.change(
                sandbox.owner,
                sandbox.public_id,
                lambda c, i=i: c.apply(CONFIGMAP % (f"c{i}", f"v{i}")),
                f"c{i}",
            )
    assert [s.label for s in Snapshot.objects.filter(sandbox=sandbox)] == ["c7", "c6", "c5", "c4", "c3"]
    Snapshot.objects.create(sandbox=sandbox, label="Reset", state="{}")
    # Snapshots share their unchanged objects (sandboxes.snapshot_bytes): the cap is what
    # they store now, which one more snapshot passes.
    cap = sandboxes.snapshot_bytes(sandbox.pk)
    with override_settings(SANDBOX_SNAPSHOTS_MAX_BYTES=cap):
        sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: c.apply(CONFIGMAP % ("d", "y")), "d")
    kept = [s.label for s in Snapshot.objects.filter(sandbox=sandbox)]
    # The oldest automatic snapshots went; the one the learner's Reset made stays.
    assert kept[0] == "d" and "Reset" in kept and "c3" not in kept
    assert sandboxes.snapshot_bytes(sandbox.pk) <= cap


def test_each_request_has_a_work_budget(sandbox):
    """A change that sets much in motion runs at most the budget's steps in that request;
    what is left stays queued and later visits finish it."""
    deployment = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 30\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: c, image: nginx}]}\n"
    )
    with override_settings(ENGINE_STEPS_PER_REQUEST=20):
        _sb, cluster, _ = sandboxes.change(
            sandbox.owner, sandbox.public_id, lambda c: c.apply(deployment), "web"
        )
        assert cluster.backlog() > 0
        for _ in range(100):
            _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
            Sandbox.objects.filter(pk=sandbox.pk).update(synced_at=_sb.synced_at - _one_minute())
            if cluster.backlog() == 0 and len(cluster.list("pods")) == 30:
                break
    assert len(cluster.list("pods")) == 30


def _one_minute():
    from datetime import timedelta

    return timedelta(seconds=60)


def test_a_state_saved_before_the_new_caps_loads_with_todays(sandbox):
    import orjson

    stored = Sandbox.objects.get(pk=sandbox.pk)
    data = orjson.loads(stored.state)
    for key in ("max_containers", "max_object_bytes", "max_events", "max_backoff_limit"):
        data["options"].pop(key)
    Sandbox.objects.filter(pk=sandbox.pk).update(state=orjson.dumps(data).decode())
    _sb, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    assert cluster.limits.max_containers == sandboxes.LIMITS["max_containers"]
    assert cluster.limits.max_events == sandboxes.LIMITS["max_events"]


def test_a_learners_broken_state_does_not_break_the_instructors_pages(instructor, workshop, htmx_headers):
    from playground.models import LabAttempt

    _alice, _lab = test_workshops.learner(workshop.code, "Alice")
    attempt = LabAttempt.objects.get()
    Sandbox.objects.filter(pk=attempt.sandbox_id).update(state="{", version=attempt.sandbox.version + 1)
    grid = instructor.get(f"/workshops/{workshop.public_id}/", **htmx_headers)
    assert grid.status_code == 200 and "Alice" in grid.content.decode()
    seat = attempt.participant
    detail = instructor.get(f"/workshops/{workshop.public_id}/learners/{seat.public_id}/")
    assert detail.status_code == 403
    assert "could not be loaded" in detail.content.decode()
