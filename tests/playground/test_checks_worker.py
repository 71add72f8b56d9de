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
