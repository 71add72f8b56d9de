"""Facilitator notes (issue 17 §5): timing, common mistakes and what to put on the projector,
validated when a lab loads and shown on the instructor's workshop dashboard only."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from playground.labs import Facilitator, LabError, labs, load
from playground.models import Participant, Workshop

LAB = "title: t\nsummary: s\npairs: [vm-pod]\nminutes: 5\nlevel: beginner\n" + (
    "tasks:\n  - {title: x, instructions: i, hints: [h], explanation: e, solution: {commands: [k]},\n"
    "     check: [{object: {kind: Pod}, says: s}]}\n"
)
NOTES = (
    "facilitator:\n  minutes_in_class: 15\n  mistakes: [Forgets the namespace]\n  projector: The pod list\n"
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "lab.yaml"
    path.write_text(LAB + text)
    return path


def test_notes_load_into_the_lab(tmp_path):
    lab = load(write(tmp_path, NOTES))
    assert lab.facilitator == Facilitator(15, ("Forgets the namespace",), "The pod list")
    assert load(write(tmp_path, "")).facilitator is None


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("facilitator: [a, b]\n", r"lab.yaml: facilitator: must be a mapping"),
        (NOTES + "  timing: 5\n", r"lab.yaml: facilitator: unknown field 'timing'"),
        (NOTES.replace("15", "'fifteen'"), r"lab.yaml: facilitator.minutes_in_class: a whole number"),
        (NOTES.replace("15", "0"), r"facilitator.minutes_in_class"),
        (NOTES.replace("15", "true"), r"facilitator.minutes_in_class"),
        (NOTES.replace("[Forgets the namespace]", "[]"), r"lab.yaml: facilitator.mistakes: a list"),
        (NOTES.replace("[Forgets the namespace]", "Forgets it"), r"facilitator.mistakes: a list"),
        (NOTES.replace("[Forgets the namespace]", "[ok, '  ']"), r"lab.yaml: facilitator.mistakes\[1\]"),
        (NOTES.replace("The pod list", "''"), r"lab.yaml: facilitator.projector: non-empty text"),
        (NOTES.replace("  projector: The pod list\n", ""), r"facilitator.projector"),
    ],
)
def test_a_malformed_facilitator_field_is_refused_naming_the_place(tmp_path, text, place):
    with pytest.raises(LabError, match=place):
        load(write(tmp_path, text))


def test_every_lab_has_facilitator_notes():
    missing = [slug for slug, lab in labs().items() if lab.facilitator is None]
    assert missing == []


# Who sees them --------------------------------------------------------------------------------


def shown(html: str) -> bool:
    return any(heading in html for heading in ("Facilitator notes", "Common mistakes", "On the projector"))


@pytest.fixture
def instructor():
    client = Client()
    User.objects.create_user("ann", password="s3cret-pass")
    assert client.post("/accounts/login/", {"username": "ann", "password": "s3cret-pass"}).status_code == 302
    return client


@pytest.fixture
def workshop(instructor):
    now = timezone.localtime()
    response = instructor.post(
        "/workshops/",
        {
            "title": "Facilitated",
            "labs": ["first-pod"],
            "starts": now.strftime("%Y-%m-%dT%H:%M"),
            "ends": (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "2",
        },
    )
    assert response.status_code == 302
    return Workshop.objects.get()


@pytest.mark.django_db
def test_the_instructor_sees_the_current_labs_notes(instructor, workshop):
    html = instructor.get(f"/workshops/{workshop.public_id}/").content.decode()
    notes = labs()["first-pod"].facilitator
    assert "Facilitator notes: Your first pod" in html
    assert f"<strong>{notes.minutes_in_class} minutes</strong>" in html
    assert shown(html) and "On the projector" in html


@pytest.mark.django_db
def test_the_instructor_sees_them_beside_a_learners_progress(instructor, workshop):
    learner = Client()
    seat = learner.post("/join/", {"code": workshop.code, "name": "Alice"})
    learner.get(learner.get(seat["Location"])["Location"])
    seat_id = Participant.objects.get(name="Alice").public_id
    html = instructor.get(f"/workshops/{workshop.public_id}/learners/{seat_id}/").content.decode()
    assert "Read-only" in html and shown(html)


@pytest.mark.django_db
def test_a_learner_in_the_workshop_does_not(workshop):
    learner = Client()
    seat = learner.post("/join/", {"code": workshop.code, "name": "Alice"})
    lab_url = learner.get(seat["Location"])["Location"]
    page = learner.get(lab_url)
    assert page.status_code == 200 and "Your first pod" in page.content.decode()
    assert not shown(page.content.decode())
    assert learner.get(f"/workshops/{workshop.public_id}/").status_code == 302  # to the login page


@pytest.mark.django_db
def test_an_anonymous_visitor_does_not(client):
    index = client.get("/labs/").content.decode()
    assert "Your first pod" in index and not shown(index)
    started = client.post("/labs/first-pod/start")
    page = client.get(started["Location"]).content.decode()
    assert "Task 1: Run a pod called hello" in page and not shown(page)
