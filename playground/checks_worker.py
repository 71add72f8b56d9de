"""Lab checks as tasks (issue 18 §4): the instructor's grid only reads results.

`check_attempt` runs one lab attempt's checks against its sandbox as of now and records
them (lab_attempts.record: passed tasks, checks_run, checked_version, completion). It runs
through the tasks framework's backport (django-tasks; Django 6's django.tasks, so moving
to 6.x is an import change): with the immediate backend (the default) at once, in the
process that enqueues it, so pages behave as they always did; with the database backend
(TASKS_BACKEND=database) a `manage.py db_worker` process runs it and requests only read.

`enqueue_stale` is how changes feed the worker: a sandbox changed since its attempt's last
check (checked_version behind the sandbox's version) gets one check enqueued, never a
second while one is still waiting.
"""

from __future__ import annotations

from django.conf import settings
from django_tasks import task

from playground import lab_attempts, sandboxes
from playground.models import LabAttempt


@task()
def check_attempt(attempt_id: int) -> None:
    attempt = LabAttempt.objects.select_related("sandbox").filter(pk=attempt_id).first()
    if attempt is None:
        return  # the attempt went with its sandbox
    try:
        lab_attempts.record(attempt)
    except sandboxes.BrokenState:
        return  # the learner's own page offers Reset and Rewind


def queued() -> bool:
    """Whether checks wait for a worker (the database backend) rather than run at once."""
    return settings.TASKS_BACKEND == "database"


def pending(attempt_ids) -> set[int]:
    """Of these attempts, those with a check enqueued and not yet started."""
    if not queued():
        return set()
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    wanted = set(attempt_ids)
    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=check_attempt.module_path
    ).values_list("args_kwargs", flat=True)
    return {args["args"][0] for args in waiting if args["args"] and args["args"][0] in wanted}


def enqueue_stale(attempts) -> int:
    """Enqueue a check for each of these attempts that has none waiting; how many were."""
    attempts = list(attempts)
    waiting = pending(a.pk for a in attempts)
    count = 0
    for attempt in attempts:
        if attempt.pk not in waiting:
            check_attempt.enqueue(attempt.pk)
            count += 1
    return count
