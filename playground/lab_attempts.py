"""Lab attempts: a visitor's own sandbox for a lab, hints they revealed, tasks they passed.

Views stay thin over this module; checks run on the sandbox as of now (so changes made
in the web UI and with kubectl count alike).
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from playground import sandboxes
from playground.labs import labs
from playground.labs.runner import solve, status
from playground.models import LabAttempt, Sandbox


def start(owner: str, slug: str, participant=None, capped: bool = True) -> LabAttempt:
    lab = labs().get(slug)
    if lab is None:
        raise sandboxes.SandboxError(f"There is no lab {slug!r}.", 404)
    if capped and sandboxes.owned(owner).count() >= sandboxes.MAX_SANDBOXES_PER_VISITOR:
        raise sandboxes.SandboxError(
            f"You already have {sandboxes.MAX_SANDBOXES_PER_VISITOR} sandboxes; delete one first.", 429
        )
    seed = secrets.randbelow(2**31)
    cluster = sandboxes.build(lab.profile, seed, lab)
    with transaction.atomic():
        sandbox = Sandbox.objects.create(
            owner=owner,
            name=f"Lab: {lab.title}"[:80],
            profile=lab.profile,
            seed=seed,
            state=sandboxes.dump(cluster),
            synced_at=timezone.now(),
        )
        return LabAttempt.objects.create(owner=owner, lab=slug, sandbox=sandbox, participant=participant)


def reset(attempt: LabAttempt) -> None:
    """Back to the lab's starting state (a snapshot keeps what was there)."""
    lab = labs()[attempt.lab]
    sandbox = attempt.sandbox
    fresh = sandboxes.build(lab.profile, sandbox.seed, lab)
    sandboxes.replace_state(sandbox, fresh, "Before the instructor reset this lab")
    LabAttempt.objects.filter(pk=attempt.pk).update(passed={}, hints={}, checks_run=0)


def get(owner: str, public_id) -> LabAttempt:
    try:
        return LabAttempt.objects.select_related("sandbox").get(owner=owner, sandbox__public_id=public_id)
    except (LabAttempt.DoesNotExist, ValueError, TypeError):
        raise sandboxes.SandboxError(
            "There is no such lab attempt, or it belongs to someone else.", 404
        ) from None


def progress(owner: str, public_id):
    """(attempt, lab, task states) with the checks run on the sandbox as of now.

    A task's first pass is recorded with its time. `checks_run` counts the distinct
    sandbox states checked (a learner's tries), so polling an unchanged sandbox writes
    nothing.
    """
    attempt = get(owner, public_id)
    lab = labs()[attempt.lab]
    sandbox, cluster = sandboxes.view(owner, public_id)
    states = status(cluster, lab)
    now = timezone.now().isoformat()
    newly = {str(s.number): now for s in states if s.passed and str(s.number) not in attempt.passed}
    if newly or sandbox.version != attempt.checked_version:
        attempt.passed = {**attempt.passed, **newly}
        attempt.checks_run += 1
        attempt.checked_version = sandbox.version
        LabAttempt.objects.filter(pk=attempt.pk).update(
            passed=attempt.passed, checks_run=attempt.checks_run, checked_version=sandbox.version
        )
    return attempt, lab, states


def reveal_hint(owner: str, public_id, number: int) -> LabAttempt:
    attempt = get(owner, public_id)
    task = _task(attempt, number)
    shown = min(int(attempt.hints.get(str(number), 0)) + 1, len(task.hints))
    attempt.hints = {**attempt.hints, str(number): shown}
    LabAttempt.objects.filter(pk=attempt.pk).update(hints=attempt.hints)
    return attempt


def apply_solution(owner: str, public_id, number: int) -> list[str]:
    attempt = get(owner, public_id)
    task = _task(attempt, number)
    _sb, _cluster, printed = sandboxes.change(
        owner, public_id, lambda cluster: solve(cluster, task), f"Lab solution: {task.title}"
    )
    return printed


def _task(attempt: LabAttempt, number: int):
    tasks = labs()[attempt.lab].tasks
    if not 1 <= number <= len(tasks):
        raise sandboxes.SandboxError("There is no such task.", 404)
    return tasks[number - 1]
