"""A paused or ended workshop: every learner write to its sandboxes is refused, and no
learner action can take the results away from the instructor."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from playground import workshops
from playground.models import LabAttempt, Sandbox, Workshop

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def seat():
    """(instructor, workshop, learner client, the learner's sandbox) in a running workshop."""
    instructor = Client()
    User.objects.create_user("ann", password="s3cret-pass")
    instructor.post("/accounts/login/", {"username": "ann", "password": "s3cret-pass"})
    now = timezone.localtime()
    instructor.post(
        "/workshops/",
        {
            "title": "Read-only rules",
            "labs": ["first-pod"],
            "starts": now.strftime("%Y-%m-%dT%H:%M"),
            "ends": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "5",
        },
    )
    workshop = Workshop.objects.get()
    learner = Client()
    joined = learner.post("/join/", {"code": workshop.code, "name": "Alice"})
    assert learner.get(joined["Location"]).status_code == 302
    sandbox = LabAttempt.objects.get().sandbox
    # Some history, so rewind has a snapshot to go back to.
    assert learner.post(f"/playground/{sandbox.public_id}/clock", {"do": "settle"}).status_code == 302
    return instructor, workshop, learner, Sandbox.objects.get(pk=sandbox.pk)


WRITES = {
    "apply": ("apply", {"manifest": "apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n"}),
    "console write": ("kubectl", {"command": "kubectl create namespace extra"}),
    "host action": ("nodes/worker-1/fail", {}),
    "add host": ("add-node", {}),
    "clock pause": ("clock", {"do": "pause"}),
    "clock speed": ("clock", {"do": "speed", "speed": "60"}),
    "clock step": ("clock", {"do": "step"}),
    "edit settings": ("workloads/Deployment/default/web/edit", {"replicas": "2"}),
    "resource settings": ("namespaces/default/resources", {"pods": "3"}),
    "scheduler config": ("scheduler", {"config": ""}),
    "rename": ("rename", {"name": "mine now"}),
    "rewind": ("rewind", {"snapshot": "SNAPSHOT"}),
    "reset": ("reset", {}),
    "duplicate": ("duplicate", {}),
    "delete": ("delete", {}),
}


def _pause(workshop):
    workshops.set_paused(workshop, True)


def _end(workshop):
    Workshop.objects.filter(pk=workshop.pk).update(ends=timezone.now() - timedelta(minutes=1))


@pytest.mark.parametrize("stop", [_pause, _end], ids=["paused", "ended"])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("write", list(WRITES), ids=list(WRITES))
def test_every_learner_write_is_refused_while_paused_and_after_the_end(seat, stop, htmx, write):
    _instructor, workshop, learner, sandbox = seat
    path, data = WRITES[write]
    if data.get("snapshot"):
        data = {"snapshot": str(sandbox.snapshots.values_list("pk", flat=True).first())}
    stop(workshop)
    count = Sandbox.objects.count()
    response = learner.post(f"/playground/{sandbox.public_id}/{path}", data, **(HTMX if htmx else {}))
    assert response.status_code == 403, (write, response.status_code)
    text = response.content.decode()
    assert "paused the workshop" in text or "read-only" in text or "cannot be deleted" in text
    if htmx:  # shown in place, beside the control (errors.js)
        assert "inband-error" in response["HX-Trigger"]
    after = Sandbox.objects.get(pk=sandbox.pk)
    assert (after.version, after.name, after.state) == (sandbox.version, sandbox.name, sandbox.state)
    assert Sandbox.objects.count() == count and LabAttempt.objects.count() == 1


@pytest.mark.parametrize("stop", [_pause, _end], ids=["paused", "ended"])
def test_hints_and_the_kubernetes_api_are_refused_too(seat, stop):
    _instructor, workshop, learner, sandbox = seat
    stop(workshop)
    hint = learner.post(f"/labs/attempt/{sandbox.public_id}/tasks/1/hint")
    assert hint.status_code == 403 and LabAttempt.objects.get().hints == {}
    pod = {"metadata": {"name": "late"}, "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
    response = Client().post(
        f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods",
        json.dumps(pod),
        content_type="application/json",
    )
    status = response.json()
    assert response.status_code == 403, response.content
    assert status["kind"] == "Status" and status["reason"] == "Forbidden" and status["code"] == 403
    assert "retryAfterSeconds" not in (status.get("details") or {})
    assert "paused the workshop" in status["message"] or "read-only" in status["message"]
    # Reading still works.
    assert Client().get(f"/k8s/{sandbox.token}/api/v1/namespaces/default/pods").status_code == 200


def test_a_learner_cannot_delete_a_workshop_sandbox_even_while_it_runs(seat):
    instructor, workshop, learner, sandbox = seat
    learner.post(f"/labs/attempt/{sandbox.public_id}/tasks/1/solve")
    before = instructor.get(f"/workshops/{workshop.public_id}/export.csv").content.decode()
    response = learner.post(f"/playground/{sandbox.public_id}/delete")
    assert response.status_code == 403 and b"cannot be deleted" in response.content
    assert Sandbox.objects.filter(pk=sandbox.pk).exists() and LabAttempt.objects.count() == 1
    _end(workshop)
    assert learner.post(f"/playground/{sandbox.public_id}/delete").status_code == 403
    after = instructor.get(f"/workshops/{workshop.public_id}/export.csv").content.decode()
    assert after == before and len(list(csv.reader(io.StringIO(after)))) == 1 + 3  # header, 3 tasks
    # While it runs, the learner still changes their own sandbox.
    Workshop.objects.filter(pk=workshop.pk).update(ends=timezone.now() + timedelta(hours=1))
    assert learner.post(f"/playground/{sandbox.public_id}/rename", {"name": "ok"}).status_code == 302


def test_a_visitors_own_sandbox_is_still_deleted():
    client = Client()
    assert client.post("/playground/new", {"name": "own"}).status_code == 302
    sandbox = Sandbox.objects.get()
    assert client.post(f"/playground/{sandbox.public_id}/delete").status_code == 302
    assert not Sandbox.objects.exists()


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_look_like_formulas_are_neutralised(seat, name):
    from playground.models import Participant

    instructor, workshop, _learner, _sandbox = seat
    Participant.objects.update(name=name)
    rows = list(csv.reader(io.StringIO(workshops.export_csv(workshop))))
    assert rows[1][0] == "'" + name
    assert rows[1][2] == "1"  # numbers stay numbers


def test_csv_plain_names_are_unchanged(seat):
    _instructor, workshop, _learner, _sandbox = seat
    rows = list(csv.reader(io.StringIO(workshops.export_csv(workshop))))
    assert rows[1][0] == "Alice"
