"""Workshops: an instructor creates one, learners join with a code, the grid follows them."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from playground.labs import labs
from playground.models import LabAttempt, Participant, Workshop

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


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
            "title": "Kubernetes for the vSphere team",
            "labs": ["first-pod", "self-healing"],
            "starts": now.strftime("%Y-%m-%dT%H:%M"),
            "ends": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "3",
        },
    )
    assert response.status_code == 302
    return Workshop.objects.get()


def learner(code: str, name: str) -> tuple[Client, str]:
    client = Client()
    response = client.post("/join/", {"code": code.lower(), "name": name})
    assert response.status_code == 302, response.content
    lab = client.get(response["Location"])
    assert lab.status_code == 302
    return client, lab["Location"]


def test_workshops_need_an_instructor_account():
    assert Client().get("/workshops/")["Location"].startswith("/accounts/login/")


def test_the_dashboard_shows_the_code_link_and_qr_code(instructor, workshop):
    html = instructor.get(f"/workshops/{workshop.public_id}/").content.decode()
    assert workshop.code in html and f"/join/{workshop.code}" in html and "<svg" in html
    assert "Nobody has joined yet" in html
    other = Client()
    User.objects.create_user("bob", password="s3cret-pass")
    other.post("/accounts/login/", {"username": "bob", "password": "s3cret-pass"})
    assert other.get(f"/workshops/{workshop.public_id}/").status_code == 404
    assert workshop.title not in other.get("/workshops/").content.decode()


def test_learners_join_solve_and_the_grid_turns_green(instructor, workshop, htmx_headers):
    alice, alice_lab = learner(workshop.code, "Alice")
    bob, bob_lab = learner(workshop.code, "Bob")
    assert alice_lab.startswith("/labs/attempt/")
    page = alice.get(alice_lab).content.decode()
    assert "Kubernetes for the vSphere team" in page and "lab 1 of 2" in page
    alice.post(alice_lab + "tasks/1/solve")
    alice.get(alice_lab)
    grid = instructor.get(f"/workshops/{workshop.public_id}/", **htmx_headers).content.decode()
    assert grid.lstrip().startswith('<section id="grid"')
    alice_row = grid[grid.index("Alice") : grid.index("Bob")]
    bob_row = grid[grid.index("Bob") :]
    assert alice_row.count('class="pass"') == 1 and 'class="pass"' not in bob_row.split("</tr>")[0]

    # A message, then the next lab, reach every learner's page.
    instructor.post(f"/workshops/{workshop.public_id}/message", {"message": "Ten minutes left"})
    assert "Instructor: Ten minutes left" in bob.get(bob_lab, **htmx_headers).content.decode()
    instructor.post(f"/workshops/{workshop.public_id}/next")
    assert "moved on to the next lab" in alice.get(alice_lab, **htmx_headers).content.decode()
    seat = Participant.objects.get(name="Alice")
    second = alice.get(f"/w/{seat.public_id}/")["Location"]
    assert second != alice_lab and LabAttempt.objects.filter(participant=seat, lab="self-healing").exists()

    rows = list(
        csv.reader(
            io.StringIO(instructor.get(f"/workshops/{workshop.public_id}/export.csv").content.decode())
        )
    )
    assert rows[0] == ["learner", "lab", "task", "title", "passed_at", "hints_used", "checks_run"]
    assert any(r[0] == "Alice" and r[1] == "first-pod" and r[2] == "1" and r[4] for r in rows[1:])


def test_each_grid_row_links_to_its_own_learner_and_the_reset_form(instructor, workshop, htmx_headers):
    """The grid's links are reversed once and filled in per learner (workshop_views.rendered_rows):
    each row's still name its own learner, in the grid and in the row a push refetches, and
    each row's Reset button submits the grid's one form, which holds the CSRF token."""
    learner(workshop.code, "Alice")
    learner(workshop.code, "Bob")
    base = f"/workshops/{workshop.public_id}"
    grid = instructor.get(f"{base}/", **htmx_headers).content.decode()
    form = re.search(r'<form id="grid-reset" method="post" action="([^"]+)">(.*?)</form>', grid)
    assert form.group(1) == f"{base}/reset" and 'name="csrfmiddlewaretoken"' in form.group(2)
    assert grid.count("csrfmiddlewaretoken") == 1
    for seat in Participant.objects.all():
        learner_url = f"{base}/learners/{seat.public_id}/"
        row = instructor.get(f"{learner_url}row", **htmx_headers).content.decode()
        for html in (grid[grid.index(f'id="learner-{seat.public_id}"') :].split("</tr>")[0], row):
            assert f'data-live-row="{learner_url}row"' in html
            assert f'<a href="{learner_url}">' in html
            assert f'form="grid-reset" name="learner" value="{seat.public_id}"' in html
        assert instructor.get(learner_url).status_code == 200


def test_pause_freezes_learners_sandboxes_and_reset_starts_them_over(instructor, workshop):
    alice, lab = learner(workshop.code, "Alice")
    instructor.post(f"/workshops/{workshop.public_id}/pause")
    refused = alice.post(lab + "tasks/1/solve")
    assert refused.status_code == 403 and b"paused the workshop" in refused.content
    instructor.post(f"/workshops/{workshop.public_id}/resume")
    assert alice.post(lab + "tasks/1/solve").status_code == 302
    alice.get(lab)
    seat = Participant.objects.get()
    assert LabAttempt.objects.get(participant=seat).passed
    view = instructor.get(f"/workshops/{workshop.public_id}/learners/{seat.public_id}/").content.decode()
    assert "hello" in view and "Read-only" in view
    instructor.post(f"/workshops/{workshop.public_id}/reset", {"learner": str(seat.public_id)})
    attempt = LabAttempt.objects.get(participant=seat)
    assert attempt.passed == {} and "hello" not in alice.get(lab).content.decode().split("Task 1")[0]


def test_capacity_codes_and_the_end_of_a_workshop(instructor, workshop):
    seats = [learner(workshop.code, name) for name in ("A", "B", "C")]
    full = Client().post("/join/", {"code": workshop.code, "name": "D"})
    assert full.status_code == 409 and b"full" in full.content
    assert Client().post("/join/", {"code": "ZZZZZZ", "name": "E"}).status_code == 404
    Workshop.objects.filter(pk=workshop.pk).update(ends=timezone.now() - timedelta(minutes=1))
    assert Client().post("/join/", {"code": workshop.code, "name": "F"}).status_code == 410
    # The learners' sandboxes stay readable and refuse changes.
    client, lab = seats[0]
    assert client.get(lab).status_code == 200
    refused = client.post(lab + "tasks/1/solve")
    assert refused.status_code == 403 and b"read-only" in refused.content
    assert "Kubernetes for the vSphere team" in instructor.get("/workshops/").content.decode()


def test_join_codes_cannot_be_guessed_at_speed(settings):
    from playground import workshops

    client = Client()
    limit = workshops.JOIN_ATTEMPTS
    statuses = [
        client.post("/join/", {"code": f"AAA{i:03d}", "name": "x"}).status_code for i in range(limit + 2)
    ]
    assert statuses[:limit] == [404] * limit and statuses[limit:] == [429, 429]


def test_a_learner_without_progress_for_a_while_looks_stuck(instructor, workshop):
    from playground import workshops

    learner(workshop.code, "Slow")
    learner(workshop.code, "Busy")
    _, rows = workshops.grid(workshop)
    assert [r.stuck for r in rows] == [False, False]
    LabAttempt.objects.filter(participant__name="Slow").update(created=timezone.now() - timedelta(minutes=11))
    LabAttempt.objects.filter(participant__name="Busy").update(checks_run=workshops.STUCK_CHECKS + 1)
    _, rows = workshops.grid(workshop)
    assert {r.seat.name: r.stuck for r in rows} == {"Slow": True, "Busy": True}
    html = instructor.get(f"/workshops/{workshop.public_id}/").content.decode()
    assert html.count("looks stuck") == 2


def test_the_grid_sees_work_done_only_with_kubectl(instructor, workshop):
    """A learner who never looks at the lab page again still turns green on the grid."""
    import json

    learner(workshop.code, "Cli")
    attempt = LabAttempt.objects.get()
    pod = {"metadata": {"name": "hello"}, "spec": {"containers": [{"name": "hello", "image": "nginx:1.27"}]}}
    api = Client()
    token = attempt.sandbox.token
    response = api.post(
        f"/k8s/{token}/api/v1/namespaces/default/pods", json.dumps(pod), content_type="application/json"
    )
    assert response.status_code == 201
    # Let simulated time pass through the API too (a watch or a read catches the clock up).
    from playground import sandboxes

    sandboxes.change(attempt.owner, attempt.sandbox.public_id, lambda c: c.settle(), "settle")
    html = instructor.get(f"/workshops/{workshop.public_id}/").content.decode()
    row = html[html.index("Cli") :].split("</tr>")[0]
    assert row.count('class="pass"') == 1
    assert LabAttempt.objects.get().checked_version == LabAttempt.objects.get().sandbox.version


def test_the_instructor_orders_the_labs_with_a_place_each(instructor):
    page = instructor.get("/workshops/").content.decode()
    # One lab a line, each with its place in the order, numbered 1, 2, … by default.
    assert '<ol class="lab-order">' in page and page.count('<li>\n          <label class="lab-pick">') >= 3
    assert 'name="place-first-pod" value="1"' in page and 'name="place-self-healing"' in page
    now = timezone.localtime()
    form = {
        "title": "Reordered",
        "labs": ["first-pod", "self-healing"],
        "place-first-pod": "2",
        "place-self-healing": "1",
        "starts": now.strftime("%Y-%m-%dT%H:%M"),
        "ends": (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "5",
    }
    assert instructor.post("/workshops/", form).status_code == 302
    assert Workshop.objects.get(title="Reordered").labs == ["self-healing", "first-pod"]

    shared = instructor.post("/workshops/", {**form, "title": "Clash", "place-first-pod": "1"})
    html = shared.content.decode()
    assert shared.status_code == 400 and "Two labs cannot share a place in the order (place 1" in html
    # What was typed is kept.
    assert 'value="Clash"' in html and re.search(r'value="first-pod" checked', html)
    bad = instructor.post("/workshops/", {**form, "title": "Bad", "place-first-pod": "first"})
    assert bad.status_code == 400 and "must be a whole number from 1 up" in bad.content.decode()
    assert not Workshop.objects.filter(title__in=["Clash", "Bad"]).exists()


def test_start_and_end_are_read_and_shown_in_the_stated_time_zone(instructor):
    page = instructor.get("/workshops/").content.decode()
    assert (
        '<label for="starts">Starts (UTC)</label>' in page and '<label for="ends">Ends (UTC)</label>' in page
    )
    response = instructor.post(
        "/workshops/",
        {
            "title": "Zoned",
            "labs": ["first-pod"],
            "starts": "2030-05-01T09:00",
            "ends": "2030-05-01T12:30",
            "capacity": "5",
        },
    )
    workshop = Workshop.objects.get(title="Zoned")
    assert workshop.starts == datetime(2030, 5, 1, 9, 0, tzinfo=UTC)
    dashboard = instructor.get(response["Location"]).content.decode()
    assert "1 May 2030 09:00 UTC" in dashboard and "1 May 2030 12:30 UTC" in dashboard
    assert "1 May 2030 09:00 UTC to 1 May 2030 12:30 UTC" in instructor.get("/workshops/").content.decode()


def test_a_grid_cell_says_its_minutes_and_hints_in_the_learners_language():
    """The grid's cells are worded in Python (workshops.Cell), with the catalogue's
    entries the template used."""
    from django.utils import translation

    from playground.workshops import Cell

    done = Cell(passed=True, hints=2, minutes=7)
    with translation.override("en"):
        assert (done.time_text, done.hints_text, Cell(False, 1, None).hints_text) == (
            "7 min",
            "2 hints",
            "1 hint",
        )
    with translation.override("zh-hans"):
        assert (done.time_text, done.hints_text) == ("7 分钟", "2 个提示")


def test_a_grid_row_escapes_the_learners_name_and_speaks_the_instructors_language(
    instructor, workshop, htmx_headers
):
    """workshop_views builds the rows in Python, not with the template engine: a name
    written as markup stays text, the row's cells and buttons are worded in the page's
    language, and a passed task turns its cell green."""
    name = '<img src=x onerror="alert(1)">&co'
    alice, lab = learner(workshop.code, name)
    base = f"/workshops/{workshop.public_id}/"
    seat = Participant.objects.get()

    def alice_row(prefix=""):
        grid = instructor.get(prefix + base, **htmx_headers).content.decode()
        return grid[grid.index(f'<tr id="learner-{seat.public_id}"') :].split("</tr>")[0] + "</tr>"

    before = alice_row()
    assert "<img" not in before and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;co" in before
    tasks = len(re.findall(r"<td class=", before))
    assert tasks == len(labs()[workshop.labs[0]].tasks) and 'class="pass"' not in before
    assert ">View</a>" in before and ">Reset</button>" in before
    assert alice_row() == before
    assert ">查看</a>" in alice_row("/zh-hans") and ">重置</button>" in alice_row("/zh-hans")
    assert alice_row() == before  # and back in English
    row = instructor.get(f"{base}learners/{seat.public_id}/row", **htmx_headers).content.decode()
    assert row.strip() == before

    alice.post(lab + "tasks/1/solve")
    alice.get(lab)
    after = alice_row()
    assert after.count('class="pass"') == 1 and "✓ 0 min" in after
    assert ">0 分钟" not in after and "✓ 0 分钟" in alice_row("/zh-hans")
