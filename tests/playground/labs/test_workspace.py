"""The lab's task list as the workspace shows it: latched passes, must_hold tasks that come
undone, the Lab complete panel with the way on, level and prerequisites, Run this buttons."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from playground import console, sandboxes
from playground.labs import CONTENT, labs
from playground.models import LabAttempt, Workshop

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def start(client, slug: str) -> LabAttempt:
    response = client.post(f"/labs/{slug}/start")
    assert response.status_code == 302, response.content
    return LabAttempt.objects.filter(lab=slug).latest("created")


def tasks(client, attempt) -> str:
    """The task list fragment, as the page polls it."""
    response = client.get(f"/labs/attempt/{attempt.sandbox.public_id}/", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="tasks"') and "<html" not in html
    return html


def task(html: str, number: int) -> str:
    """One task's <li>, with its class attribute."""
    found = re.search(
        rf'<li class="panel lab-task (\w+)" id="task-{number}">(.*?)</li>\s*(?=<li class="panel|</ol>)',
        html,
        re.S,
    )
    assert found, f"task {number} not in the fragment"
    return found.group(1) + " " + found.group(2)


def solve(client, attempt, *numbers):
    for number in numbers:
        response = client.post(f"/labs/attempt/{attempt.sandbox.public_id}/tasks/{number}/solve")
        assert response.status_code == 302
        tasks(client, attempt)  # the learner's page polls: passes are recorded as they happen


def kubectl(attempt, line: str):
    sandboxes.change(
        attempt.owner,
        attempt.sandbox.public_id,
        lambda cluster: console.run(cluster, console.parse(line)),
        line,
    )


# Latching and must_hold ------------------------------------------------------------------------


def test_a_passed_task_stays_passed_when_a_later_task_changes_the_state(client):
    attempt = start(client, "first-pod")
    solve(client, attempt, 1, 2, 3)  # task 3 deletes the pod that tasks 1 and 2 checked
    html = tasks(client, attempt)
    for number in (1, 2, 3):
        assert task(html, number).startswith("passed "), number
    first = task(html, 1)
    attempt.refresh_from_db()
    passed_at = timezone.localtime(datetime.fromisoformat(attempt.passed["1"])).strftime("%H:%M")
    assert "✓ Passed at <time" in first and f">{passed_at}</time>" in first
    assert "Not yet" not in first and "What happened, in vSphere terms." in first
    assert "Lab complete" in html


def test_a_must_hold_task_that_is_undone_says_so_and_the_lab_is_not_complete(client):
    attempt = start(client, "tags-labels")
    assert labs()["tags-labels"].tasks[0].must_hold
    solve(client, attempt, 1, 2)
    html = tasks(client, attempt)
    assert task(html, 1).startswith("passed ") and 'role="status" aria-labelledby="lab-complete-h"' in html
    attempt.refresh_from_db()
    completed = attempt.completed
    assert completed is not None

    kubectl(attempt, "kubectl label node worker-3 disktype-")
    html = tasks(client, attempt)
    undone = task(html, 1)
    assert undone.startswith("undone ")
    assert "Passed, then undone: worker-3 has no label disktype=ssd." in undone
    assert 'aria-label="passed, then undone"' in undone and "✓ Passed at" not in undone
    assert "Not yet" not in undone
    assert "Lab complete" not in html
    attempt.refresh_from_db()
    assert attempt.completed == completed  # the first completion is kept, for the time taken

    kubectl(attempt, "kubectl label node worker-3 disktype=ssd")
    html = tasks(client, attempt)
    assert task(html, 1).startswith("passed ") and "Lab complete" in html


def test_a_task_that_need_not_hold_stays_passed_when_undone(client):
    attempt = start(client, "first-pod")
    assert not labs()["first-pod"].tasks[0].must_hold
    solve(client, attempt, 1)
    kubectl(attempt, "kubectl delete pod hello")
    html = tasks(client, attempt)
    assert task(html, 1).startswith("passed ") and "Passed, then undone" not in html


# Lab complete and the next lab ------------------------------------------------------------------


def test_completing_a_lab_on_the_first_day_path_offers_the_next_lab_of_the_path(client):
    attempt = start(client, "first-pod")
    html = tasks(client, attempt)
    assert "Lab complete" not in html
    solve(client, attempt, 1, 2, 3)
    html = tasks(client, attempt)
    panel = html[html.index('class="panel lab-complete"') : html.index('<ol class="lab-tasks">')]
    assert 'role="status"' in panel and "Lab complete" in panel
    assert re.search(r"You completed every task in (less than a minute|\d+ minutes?)\.", panel)
    assert "Next on the path “A vSphere admin&#x27;s first day with Kubernetes”" in panel
    assert 'action="/labs/self-healing/start"' in panel and 'name="csrfmiddlewaretoken"' in panel
    assert "Start the next lab: Self-healing replicas" in panel
    assert LabAttempt.objects.get(pk=attempt.pk).completed is not None

    # The button starts that lab; afterwards the panel opens the attempt instead of another.
    following = start(client, "self-healing")
    html = tasks(client, attempt)
    assert f'href="/labs/attempt/{following.sandbox.public_id}/"' in html
    assert "Continue the next lab: Self-healing replicas" in html and "/labs/self-healing/start" not in html


def test_completing_a_lab_off_the_path_offers_the_next_lab_in_curriculum_order(client):
    order = list(labs())
    following = labs()[order[order.index("tags-labels") + 1]]
    assert following.level == "intermediate"  # the beginner labs come first
    attempt = start(client, "tags-labels")
    solve(client, attempt, 1, 2)
    html = tasks(client, attempt)
    assert f"Next in the labs: <strong>{escape(following.title)}</strong> (intermediate" in html
    assert f'action="/labs/{following.slug}/start"' in html


def test_the_last_lab_of_the_path_goes_on_in_curriculum_order(client):
    attempt = start(client, "rolling-update")
    solve(client, attempt, 1, 2)
    html = tasks(client, attempt)
    assert 'action="/labs/tags-labels/start"' in html and "Next in the labs" in html


def test_a_workshop_lab_leads_to_the_next_lab_of_the_workshop_through_the_seat(client):
    cache.clear()
    now = timezone.now()
    workshop = Workshop.objects.create(
        instructor=User.objects.create_user("ann"),
        title="vSphere team day",
        labs=["first-pod", "storage"],
        starts=now - timedelta(minutes=5),
        ends=now + timedelta(hours=2),
        capacity=5,
    )
    joined = client.post("/join/", {"code": workshop.code, "name": "Bea"})
    assert joined.status_code == 302
    seat_url = joined["Location"]
    assert client.get(seat_url).status_code == 302
    attempt = LabAttempt.objects.get(participant__workshop=workshop)
    solve(client, attempt, 1, 2, 3)
    html = tasks(client, attempt)
    assert "Next in vSphere team day: <strong>Storage, from datastore to claim</strong>" in html
    assert "Your instructor opens it for everyone" in html and "next-lab" not in html
    assert "/labs/self-healing/start" not in html  # not the path's next lab

    Workshop.objects.filter(pk=workshop.pk).update(current=1)
    html = tasks(client, attempt)
    assert f'class="button button-primary next-lab" href="{seat_url}"' in html
    assert "Open the next lab: Storage, from datastore to claim" in html


# Missing objects, level, prerequisites, Run this ---------------------------------------------------


def test_checks_name_the_missing_object_before_it_exists(client):
    attempt = start(client, "first-pod")
    html = tasks(client, attempt)
    for number in (1, 2, 3):
        assert "Not yet: There is no pod hello yet." in task(html, number)
    assert "kubelet has not stopped" not in html
    solve(client, attempt, 1)
    html = tasks(client, attempt)
    assert "Not yet: The pod hello has no label tier=web." in task(html, 2)
    assert "Not yet: The pod hello still exists." in task(html, 3)


def test_the_lab_shows_its_level_and_prerequisites(client):
    attempt = start(client, "nodeport-loadbalancer")
    html = tasks(client, attempt)
    assert '<span class="lab-level level-intermediate">Intermediate</span>' in html
    assert (
        'Builds on <a href="/labs/#lab-clusterip-service">A one-armed load balancer as a ClusterIP Service</a>'
        in html
    )


def test_every_solution_line_has_a_run_this_button(client):
    attempt = start(client, "restaurant-rating")
    html = tasks(client, attempt)
    for line in labs()["restaurant-rating"].tasks[1].commands:
        assert f'<button type="button" class="run-this" data-run="{line}">Run this</button>' in html
    # A multi-line command (a manifest piped to kubectl apply) is one button, escaped.
    first = labs()["restaurant-rating"].tasks[0].commands[0]
    assert "\n" in first and html.count('class="run-this"') == sum(
        len(t.commands) for t in labs()["restaurant-rating"].tasks
    )


# The labs index ---------------------------------------------------------------------------------


def test_the_labs_index_is_a_curriculum_with_levels_prerequisites_and_status(client):
    html = client.get("/labs/").content.decode()
    cards = re.findall(r'<li class="card" id="lab-([\w-]+)">', html)
    files = sorted(path.stem for path in CONTENT.glob("*.yaml"))
    assert cards == list(labs()) and cards[0] == "first-pod" and sorted(cards) == files
    rank = {"beginner": 0, "intermediate": 1, "advanced": 2}
    levels = [rank[labs()[slug].level] for slug in cards]
    assert levels == sorted(levels)
    for position, slug in enumerate(cards):
        for prerequisite in labs()[slug].prerequisites:
            assert cards.index(prerequisite) < position, (slug, prerequisite)
    card = html[html.index('id="lab-self-healing"') :]
    card = card[: card.index("</li>")]
    assert "Beginner" in card and "15 minutes" in card
    assert '<a href="#lab-first-pod">Your first pod, and how it differs from your first VM</a>' in card
    assert "lab-status" not in html

    done = start(client, "first-pod")
    solve(client, done, 1, 2, 3)
    busy = start(client, "self-healing")
    html = client.get("/labs/").content.decode()
    first = html[html.index('id="lab-first-pod"') :]
    assert "✓ Passed" in first[: first.index("</li>")]
    assert f'href="/labs/attempt/{done.sandbox.public_id}/"' in first[: first.index("</li>")]
    second = html[html.index('id="lab-self-healing"') :]
    assert "In progress" in second[: second.index("</li>")]
    assert f'href="/labs/attempt/{busy.sandbox.public_id}/">Continue' in second[: second.index("</li>")]
    assert "In progress" not in Client().get("/labs/").content.decode()
