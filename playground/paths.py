"""Guided paths: concept pages and labs in order, with each visitor's progress.

A concept step is done when the visitor marks it read; a lab step when their latest
attempt at that lab was completed (every task passed, and must_hold tasks held).
Resuming means opening the first step not done.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext

from concepts.catalogue import catalogue
from concepts.i18n import active_language
from playground import sandboxes
from playground.labs import LearningPath, Step, labs, paths
from playground.models import LabAttempt, PathProgress


@dataclass(frozen=True)
class StepState:
    number: int
    step: Step
    title: str
    done: bool
    attempt: LabAttempt | None = None


def get(slug: str) -> LearningPath:
    found = paths().get(slug)
    if found is None:
        raise sandboxes.SandboxError(gettext("There is no guided path %(slug)r.") % {"slug": slug}, 404)
    return found


def states(owner: str, path: LearningPath) -> list[StepState]:
    progress = PathProgress.objects.filter(owner=owner, path=path.slug).first()
    read = set(progress.read if progress else [])
    attempts = {}
    for attempt in LabAttempt.objects.filter(owner=owner).order_by("created"):
        attempts[attempt.lab] = attempt  # the latest attempt per lab wins
    result = []
    for number, step in enumerate(path.steps, 1):
        if step.kind == "concept":
            pair = catalogue(active_language()).get(step.slug)
            result.append(StepState(number, step, pair.title if pair else step.slug, number in read))
        else:
            lab = labs()[step.slug]
            attempt = attempts.get(step.slug)
            done = attempt is not None and attempt.completed is not None
            result.append(StepState(number, step, lab.title, done, attempt))
    return result


def mark_read(owner: str, path: LearningPath, number: int) -> None:
    if not 1 <= number <= len(path.steps) or path.steps[number - 1].kind != "concept":
        raise sandboxes.SandboxError(gettext("There is no such concept step."), 404)
    progress, _ = PathProgress.objects.get_or_create(owner=owner, path=path.slug)
    if number not in progress.read:
        progress.read = sorted({*progress.read, number})
        progress.save(update_fields=["read", "updated"])


def resume(owner: str, path: LearningPath) -> int:
    """The first step not done yet (the last step when all are done)."""
    for state in states(owner, path):
        if not state.done:
            return state.number
    return len(path.steps)
