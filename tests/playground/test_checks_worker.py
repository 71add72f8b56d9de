"""The check worker cleans up after itself: a check's queue row is deleted some time after
it ran (a failed one later), so a long class does not grow the queue table without end."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from playground import checks_worker

pytestmark = pytest.mark.django_db


def _row(status, finished_minutes_ago=None, task_path=None):
    now = timezone.now()
    return DBTaskResult.objects.create(
        task_path=task_path or checks_worker.check_attempt.module_path,
        args_kwargs={"args": [1], "kwargs": {}},
        status=status,
        finished_at=None if finished_minutes_ago is None else now - timedelta(minutes=finished_minutes_ago),
        backend_name="default",
        run_after=now,
    )


def test_finished_checks_are_pruned_after_their_keeping_time_and_nothing_else():
    old_ok = _row(TaskResultStatus.SUCCESSFUL, 11)
    new_ok = _row(TaskResultStatus.SUCCESSFUL, 9)
    old_failed = _row(TaskResultStatus.FAILED, 25 * 60)
    new_failed = _row(TaskResultStatus.FAILED, 60)  # kept a day for its traceback
    waiting = _row(TaskResultStatus.READY)
    running = _row(TaskResultStatus.RUNNING)
    other_task = _row(TaskResultStatus.SUCCESSFUL, 60 * 24 * 30, task_path="somewhere.else")

    assert checks_worker.prune_finished() == 2

    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert old_ok.pk not in left and old_failed.pk not in left
    assert {new_ok.pk, new_failed.pk, waiting.pk, running.pk, other_task.pk} <= left


def test_the_worker_prunes_every_hundredth_check(settings, monkeypatch):
    settings.TASKS_BACKEND = "database"
    monkeypatch.setattr(checks_worker, "_checks_run", itertools.count(1))
    stale = _row(TaskResultStatus.SUCCESSFUL, 30)
    for _ in range(checks_worker.PRUNE_EVERY - 1):
        checks_worker.check_attempt.call(10**9)  # no such attempt: nothing to check
    assert DBTaskResult.objects.filter(pk=stale.pk).exists()
    checks_worker.check_attempt.call(10**9)
    assert not DBTaskResult.objects.filter(pk=stale.pk).exists()


def test_without_a_worker_checks_do_not_touch_the_queue_table(settings, monkeypatch):
    settings.TASKS_BACKEND = "immediate"
    monkeypatch.setattr(checks_worker, "PRUNE_EVERY", 1)
    stale = _row(TaskResultStatus.SUCCESSFUL, 30)
    checks_worker.check_attempt.call(10**9)
    assert DBTaskResult.objects.filter(pk=stale.pk).exists()


def _learner_poll(settings):
    """A workshop learner's lab (first-pod), checked once by the worker; the learner's
    client and the URL its task list polls."""
    from django.contrib.auth.models import User
    from django.test import Client

    from playground import lab_attempts, workshops
    from playground.models import LabAttempt, Participant

    settings.TASKS_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = User.objects.create_user("ann", password="s3cret-pass")
    now = timezone.now()
    workshop = workshops.create(user, "W", ["first-pod"], now, now + timedelta(hours=1), 5)
    seat = Participant.objects.create(workshop=workshop, owner="learner", name="Cli")
    attempt = workshops.current_attempt(seat)
    lab_attempts.record(LabAttempt.objects.select_related("sandbox").get(pk=attempt.pk))
    client = Client()
    session = client.session
    session["visitor"] = "learner"
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client, f"/labs/attempt/{attempt.sandbox.public_id}/", attempt


def _waiting() -> int:
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=checks_worker.check_attempt.module_path
    ).count()


def test_a_poll_of_a_current_record_reads_no_queue_and_says_no_check_waits(
    settings, django_assert_max_num_queries
):
    client, url, _attempt = _learner_poll(settings)
    # The session, then the attempt with its sandbox and workshop seat: nothing else, and
    # not the queue (a record as new as its sandbox is what a waiting check would find).
    with django_assert_max_num_queries(2) as queries:
        html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert not any("dbtaskresult" in q["sql"] for q in queries.captured_queries)
    assert 'id="tasks"' in html and "checking…" not in html and "Instructor" not in html
    assert "lab 1 of 1" in html  # the workshop banner, from the same query
    assert _waiting() == 0


def test_a_poll_of_a_record_behind_its_sandbox_enqueues_one_check_and_says_so(settings):
    client, url, attempt = _learner_poll(settings)
    from playground import sandboxes

    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "hello"},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    sandboxes.change("learner", attempt.sandbox.public_id, lambda c: c.apply(pod), "pod")
    DBTaskResult.objects.all().delete()  # what the change enqueued: the poll must see its record is behind
    first = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    second = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "checking…" in first and "checking…" in second
    assert _waiting() == 1  # one check, not one per poll
