"""Lab attempts: a visitor's own sandbox for a lab, hints they revealed, tasks they passed.

Views stay thin over this module; checks run on the sandbox as of now (so changes made
in the web UI and with kubectl count alike).

A task that passed stays passed (latched, with when it first passed), even when a later
task changes the state it checked; a task marked `must_hold` that passed and fails now is
"undone". The lab is complete when every task has passed and every must_hold task holds.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from playground import sandboxes
from playground.labs import Lab, following, labs, paths
from playground.labs.checks import Result
from playground.labs.runner import TaskStatus, solve, status
from playground.models import LabAttempt, Sandbox


def start(
    owner: str, slug: str, participant=None, capped: bool = True, address: str | None = None
) -> LabAttempt:
    lab = labs().get(slug)
    if lab is None:
        raise sandboxes.SandboxError(gettext("There is no lab %(slug)r.") % {"slug": slug}, 404)
    if capped:
        sandboxes.admit(owner, address)
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
        sandboxes.made(sandbox, address if capped else None)
        return LabAttempt.objects.create(owner=owner, lab=slug, sandbox=sandbox, participant=participant)


def reset(attempt: LabAttempt) -> None:
    """Back to the lab's starting state (a snapshot keeps what was there)."""
    lab = labs()[attempt.lab]
    sandbox = attempt.sandbox
    fresh = sandboxes.build(lab.profile, sandbox.seed, lab)
    sandboxes.replace_state(sandbox, fresh, "Before the instructor reset this lab")
    # What the last check said goes too: until the next one the task list says "checking…".
    LabAttempt.objects.filter(pk=attempt.pk).update(
        passed={}, hints={}, checks_run=0, completed=None, results={}, recheck_at=None
    )


def get(owner: str, public_id) -> LabAttempt:
    """The attempt with its sandbox's row (but not its state, read only if used) and its
    workshop seat: a task-list poll needs all three, in one query."""
    try:
        return (
            LabAttempt.objects.select_related("sandbox", "participant__workshop")
            .defer("sandbox__state")
            .get(owner=owner, sandbox__public_id=public_id)
        )
    except (LabAttempt.DoesNotExist, ValueError, TypeError):
        raise sandboxes.SandboxError(
            gettext("There is no such lab attempt, or it belongs to someone else."), 404
        ) from None


def progress(owner: str, public_id):
    """(attempt, lab, task states) with the checks run on the sandbox as of now.

    A task's first pass is recorded with its time, and the lab's first completion too.
    `checks_run` counts the distinct sandbox states checked (a learner's tries), so
    polling an unchanged sandbox writes nothing.
    """
    attempt = get(owner, public_id)
    lab = labs()[attempt.lab]
    sandbox, cluster = sandboxes.view(owner, public_id)
    return attempt, lab, _record(attempt, lab, sandbox, cluster)


def record(attempt: LabAttempt) -> list[TaskStatus]:
    """Run the attempt's checks on its sandbox as of now and record them, as progress()
    does; the check worker's task (playground/checks_worker.py) calls it.

    The saved state is caught up to now in memory (not saved: only readers that hand out
    resourceVersions must keep what they saw), so a pod that became Ready as the clock
    moved counts without anyone opening the sandbox."""
    lab = labs()[attempt.lab]
    sandbox = attempt.sandbox
    cluster = sandboxes.loaded(sandbox)
    sandboxes.catch_up(sandbox, cluster, timezone.now())
    return _record(attempt, lab, sandbox, cluster)


RECHECK_FLOOR = timedelta(seconds=2)  # a sandbox with work always due is re-checked this often at most


def _record(attempt: LabAttempt, lab: Lab, sandbox: Sandbox, cluster) -> list[TaskStatus]:
    states = status(cluster, lab)
    now = timezone.now()
    newly = {
        str(s.number): now.isoformat() for s in states if s.passed and str(s.number) not in attempt.passed
    }
    changed = {}
    if newly or sandbox.version != attempt.checked_version:
        attempt.passed = {**attempt.passed, **newly}
        attempt.checks_run += 1
        attempt.checked_version = sandbox.version
        changed = {
            "passed": attempt.passed,
            "checks_run": attempt.checks_run,
            "checked_version": sandbox.version,
        }
    results = _results(cluster, lab.slug)
    if results != attempt.results:
        attempt.results = changed["results"] = results
    recheck_at = _recheck_at(sandbox, cluster, now)
    if (recheck_at is None) != (attempt.recheck_at is None) or (
        recheck_at is not None and abs(recheck_at - attempt.recheck_at) > timedelta(seconds=1)
    ):
        attempt.recheck_at = changed["recheck_at"] = recheck_at
    if attempt.completed is None and is_complete(attempt, states):
        # Also when a workshop dashboard recorded the passes first.
        attempt.completed = changed["completed"] = now
    if changed:
        LabAttempt.objects.filter(pk=attempt.pk).update(**changed)
    return states


def _results(cluster, slug: str) -> dict[str, list]:
    """What a learner reads of each task in each of the site's languages (attempt.results):
    a failing check's words come from the lab's translation and the catalogue, so a page
    that only reads shows them in its own language."""
    results = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            found = status(cluster, labs(code)[slug])
        results[code] = [None if s.passed else [s.failing.says, s.failing.hint] for s in found]
    return results


def _recheck_at(sandbox: Sandbox, cluster, now) -> datetime | None:
    """When the clock next has work due, in wall time (None: nothing due, or paused)."""
    if sandbox.paused or sandbox.speed <= 0:
        return None
    due = cluster.next_timer()
    if cluster.backlog():
        due = cluster.clock
    if due is None:
        return None
    ahead = timedelta(seconds=max(0.0, due - cluster.clock) / sandbox.speed)
    return now + max(ahead, RECHECK_FLOOR)


def recorded(attempt: LabAttempt, lab: Lab) -> list[TaskStatus]:
    """The task states the last check recorded, in the active language's words: what a
    page shows without running a check. Before any check every task reads "checking…"."""
    results = attempt.results.get(translation.get_language()) or attempt.results.get(settings.LANGUAGE_CODE)
    if not results or len(results) != len(lab.tasks):
        results = [[gettext("checking…"), None]] * len(lab.tasks)
    return [
        TaskStatus(task, number, () if found is None else (Result(False, found[0], found[1]),))
        for number, (task, found) in enumerate(zip(lab.tasks, results, strict=True), 1)
    ]


def due(attempt: LabAttempt, now) -> bool:
    """Whether the attempt's record is behind its sandbox: changed since its last check,
    or its clock has had work fall due since (a check of the saved state alone would miss
    a pod that became Ready as time passed)."""
    return (
        attempt.checked_version != attempt.sandbox.version
        or not attempt.results
        or (attempt.recheck_at is not None and attempt.recheck_at <= now)
    )


@dataclass(frozen=True)
class TaskView:
    """A task as the learner sees it: its checks now, and whether it ever passed."""

    state: TaskStatus
    passed_at: datetime | None

    @property
    def status(self) -> str:
        """passed (latched), undone (a must_hold task that passed and fails now), or pending."""
        if self.passed_at is None:
            return "pending"
        if self.state.task.must_hold and not self.state.passed:
            return "undone"
        return "passed"


def task_views(attempt: LabAttempt, states: list[TaskStatus]) -> list[TaskView]:
    return [TaskView(state, _when(attempt.passed.get(str(state.number)))) for state in states]


def is_complete(attempt: LabAttempt, states: list[TaskStatus]) -> bool:
    return all(str(s.number) in attempt.passed and (s.passed or not s.task.must_hold) for s in states)


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class NextLab:
    """Where a learner goes after completing a lab.

    `via` is "workshop" (open it through the seat once the instructor has moved on),
    "path" (the next lab on a guided path) or "curriculum" (the next lab on /labs/).
    `lab` is None when this was the last one; `attempt` is the learner's own attempt at
    it, to open instead of starting another.
    """

    via: str
    lab: Lab | None
    attempt: LabAttempt | None = None
    seat: object = None  # the workshop seat's public id
    available: bool = True  # a workshop's next lab opens when the instructor moves on
    title: str = ""  # the workshop's or path's title


def next_lab(attempt: LabAttempt) -> NextLab:
    if attempt.participant_id is not None:
        seat = attempt.participant
        workshop = seat.workshop
        index = workshop.labs.index(attempt.lab) if attempt.lab in workshop.labs else len(workshop.labs)
        slug = workshop.labs[index + 1] if index + 1 < len(workshop.labs) else None
        return NextLab(
            "workshop",
            labs().get(slug) if slug else None,
            seat.attempts.filter(lab=slug).first() if slug else None,
            seat=seat.public_id,
            available=workshop.current > index,
            title=workshop.title,
        )
    for path in paths().values():
        on_path = [step.slug for step in path.steps if step.kind == "lab"]
        if attempt.lab in on_path and on_path.index(attempt.lab) + 1 < len(on_path):
            lab = labs()[on_path[on_path.index(attempt.lab) + 1]]
            return NextLab("path", lab, _latest(attempt.owner, lab.slug), title=path.title)
    lab = following(attempt.lab)
    return NextLab("curriculum", lab, _latest(attempt.owner, lab.slug) if lab else None)


def _latest(owner: str, slug: str) -> LabAttempt | None:
    return (
        LabAttempt.objects.filter(owner=owner, lab=slug, participant=None)
        .select_related("sandbox")
        .order_by("-created")
        .first()
    )


def latest_by_lab(owner: str) -> dict[str, LabAttempt]:
    """The visitor's latest attempt at each lab (their own, not a workshop's)."""
    latest = {}
    for attempt in (
        LabAttempt.objects.filter(owner=owner, participant=None).select_related("sandbox").order_by("created")
    ):
        latest[attempt.lab] = attempt
    return latest


def duration(attempt: LabAttempt) -> str:
    """How long the lab took, from starting it to completing it, in words."""
    if attempt.completed is None:
        return ""
    minutes = int((attempt.completed - attempt.created).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def reveal_hint(owner: str, public_id, number: int) -> LabAttempt:
    attempt = get(owner, public_id)
    sandboxes.refuse_if_read_only(owner, public_id)  # hints used are a workshop result
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
        raise sandboxes.SandboxError(gettext("There is no such task."), 404)
    return tasks[number - 1]
