"""Lab checks as tasks (issue 18 §4): off the request path, fed by sandbox changes.

`check_attempt` runs one lab attempt's checks against its sandbox as of now and records
them (lab_attempts.record: passed tasks, checks_run, checked_version, what each task
says, when the clock next has work due, completion). It runs through the tasks
framework's backport (django-tasks; Django 6's django.tasks, so moving to 6.x is an
import change): with the immediate backend (the default) at once, in the process that
enqueues it, so pages behave as they always did and checks run when pages ask; with the
database backend (TASKS_BACKEND=database) a `manage.py db_worker` process runs it.

With the database backend every saved sandbox change enqueues a check of each open
attempt on it (`_changed`, a playground.changes listener, inside the saving transaction
so the check commits with the change), and pages only read what was recorded (`read`),
showing "checking…" while one waits. Time moves without a save: a check records when the
sandbox's clock next has work due (a pod to become Ready), and a page reading the attempt
after then enqueues another (`lab_attempts.due`), so progress that needs only time is
checked while someone looks.
"""

from __future__ import annotations

import contextlib
import itertools
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from playground import changes, lab_attempts, sandboxes
from playground.labs import Lab, labs
from playground.labs.runner import TaskStatus
from playground.models import LabAttempt


@task()
def check_attempt(attempt_id: int) -> None:
    _check(attempt_id)
    if queued() and next(_checks_run) % PRUNE_EVERY == 0:
        prune_finished()


def _check(attempt_id: int) -> None:
    # On PostgreSQL the attempt's row is locked for the check, so two workers checking one
    # attempt (one started before a change, one after) record in turn, never over each
    # other's passes; the sandbox's row is not locked (its writers hold that one).
    locking = connection.features.has_select_for_update
    with transaction.atomic() if locking else contextlib.nullcontext():
        query = LabAttempt.objects.select_related("sandbox").filter(pk=attempt_id)
        if locking:
            query = query.select_for_update(of=("self",))
        attempt = query.first()
        if attempt is None:
            return  # the attempt went with its sandbox
        try:
            lab_attempts.record(attempt)
        except sandboxes.BrokenState:
            return  # the learner's own page offers Reset and Rewind


# A check's queue row says nothing once it has run (the attempt holds what it found), but
# every saved change adds one per open attempt: a class of 200 adds thousands an hour. So
# the worker deletes its finished rows as it goes, one pass every PRUNE_EVERY checks it
# runs; a failed one is kept a day, for its traceback.
PRUNE_EVERY = 100
KEEP_SUCCESSFUL = timedelta(minutes=10)
KEEP_FAILED = timedelta(days=1)
_checks_run = itertools.count(1)


def prune_finished(now=None) -> int:
    """Delete this task's finished queue rows past their keeping time; how many went."""
    from django.db.models import Q
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    deleted, _ = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - KEEP_SUCCESSFUL)
        | Q(status=TaskResultStatus.FAILED, finished_at__lt=now - KEEP_FAILED),
        task_path=check_attempt.module_path,
    ).delete()
    return deleted


def queued() -> bool:
    """Whether checks wait for a worker (the database backend) rather than run at once."""
    return settings.TASKS_BACKEND == "database"


def pending(attempt_ids) -> set[int]:
    """Of these attempts, those with a check enqueued and not yet started."""
    wanted = set(attempt_ids)
    if not queued() or not wanted:
        return set()
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY,
        task_path=check_attempt.module_path,
        args_kwargs__args__0__in=wanted,
    ).values_list("args_kwargs", flat=True)
    return {args["args"][0] for args in waiting}


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


def _changed(pk: int, version: int, _delta) -> None:
    """A sandbox's change was saved: with a worker, its open attempts get a check each
    (one waiting at most). With the immediate backend nothing runs here: a check inside
    every save would slow each kubectl apply, and pages check when they ask."""
    if queued():
        enqueue_stale(LabAttempt.objects.filter(sandbox_id=pk, completed=None).only("pk"))


changes.listen(_changed)  # at import: PlaygroundConfig.ready imports this module


def read(owner: str, public_id) -> tuple[LabAttempt, Lab, list[TaskStatus], bool]:
    """The learner's task list: (attempt, lab, task states, whether a check is waiting).

    With the immediate backend the checks run here on the sandbox as of now
    (lab_attempts.progress). With a worker this reads what it recorded and runs no
    check; an attempt whose record is behind (lab_attempts.due) gets one enqueued."""
    if not queued():
        return (*lab_attempts.progress(owner, public_id), False)
    attempt = lab_attempts.get(owner, public_id)
    lab = labs()[attempt.lab]
    return attempt, lab, *recorded(attempt, lab)


def recorded(attempt: LabAttempt, lab: Lab) -> tuple[list[TaskStatus], bool]:
    """What the worker last recorded and whether a check is waiting; one is enqueued when
    the record is behind (the learner's task list and the instructor's view of them).
    A record that is not behind is what any waiting check would find, so the queue is
    read only when it is: most polls of a class find their record current."""
    waiting = lab_attempts.due(attempt, timezone.now())
    if waiting and not pending([attempt.pk]):
        check_attempt.enqueue(attempt.pk)
    return lab_attempts.recorded(attempt, lab), waiting
