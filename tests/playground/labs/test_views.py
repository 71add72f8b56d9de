"""Lab pages: start a lab, see tasks checked live, reveal hints, apply a solution."""

import pytest
from django.test import Client

from playground.models import LabAttempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(client):
    response = client.post("/labs/first-pod/start")
    assert response.status_code == 302
    return LabAttempt.objects.get()


def test_the_labs_index_offers_every_lab(client):
    html = client.get("/labs/").content.decode()
    assert "Your first pod, and how it differs from your first VM" in html
    assert html.count('action="/labs/') >= 7 and 'name="csrfmiddlewaretoken"' in html


def test_a_lab_page_as_full_page_and_as_fragment(client, attempt, htmx_headers):
    url = f"/labs/attempt/{attempt.sandbox.public_id}/"
    html = client.get(url).content.decode()
    assert "<html" in html and "Task 1: Run a pod called hello" in html
    assert "Not yet: There is no pod hello yet." in html
    assert f'href="/playground/{attempt.sandbox.public_id}/kubeconfig"' in html
    assert "Check now" in html
    fragment = client.get(url, **htmx_headers).content.decode()
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="tasks"')


def test_hints_are_revealed_one_at_a_time_and_counted(client, attempt, htmx_headers):
    url = f"/labs/attempt/{attempt.sandbox.public_id}/tasks/1/hint"
    fragment = client.post(url, **htmx_headers).content.decode()
    assert "Think of the nginx image as the template" in fragment and "1 of 3 shown" in fragment
    assert "kubectl run NAME --image=IMAGE" not in fragment  # the second hint waits for the next click
    for _ in range(3):
        client.post(url)
    attempt.refresh_from_db()
    assert attempt.hints == {"1": 3}


def test_applying_a_solution_passes_the_task_and_records_when(client, attempt, htmx_headers):
    response = client.post(f"/labs/attempt/{attempt.sandbox.public_id}/tasks/1/solve")
    assert response.status_code == 302
    html = client.get(f"/labs/attempt/{attempt.sandbox.public_id}/", **htmx_headers).content.decode()
    assert 'lab-task passed" id="task-1"' in html and 'lab-task pending" id="task-2"' in html
    assert "What happened, in vSphere terms." in html
    attempt.refresh_from_db()
    assert set(attempt.passed) == {"1"} and attempt.checks_run >= 1


def test_a_change_made_through_the_kubernetes_api_counts(client, attempt, htmx_headers):
    import json

    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "hello", "labels": {"tier": "web"}},
        "spec": {"containers": [{"name": "hello", "image": "nginx:1.27"}]},
    }
    token = attempt.sandbox.token
    created = client.post(
        f"/k8s/{token}/api/v1/namespaces/default/pods", json.dumps(pod), content_type="application/json"
    )
    assert created.status_code == 201
    assert client.post(f"/playground/{attempt.sandbox.public_id}/clock", {"do": "settle"}).status_code == 302
    html = client.get(f"/labs/attempt/{attempt.sandbox.public_id}/", **htmx_headers).content.decode()
    assert 'lab-task passed" id="task-1"' in html and 'lab-task passed" id="task-2"' in html


def test_another_visitor_cannot_open_or_change_the_attempt(attempt):
    stranger = Client()
    base = f"/labs/attempt/{attempt.sandbox.public_id}"
    assert stranger.get(f"{base}/").status_code == 404
    assert stranger.post(f"{base}/tasks/1/hint").status_code == 404
    assert stranger.post(f"{base}/tasks/1/solve").status_code == 404


def test_unknown_labs_and_tasks(client, attempt):
    assert client.post("/labs/nope/start").status_code == 404
    assert client.post(f"/labs/attempt/{attempt.sandbox.public_id}/tasks/9/hint").status_code == 404
