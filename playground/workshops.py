"""Workshops: an instructor's labs in order, learners who join with a code, and the
live picture of who passed what.

Views stay thin over this module. A learner's sandbox for a lab is created when they
first open that lab; when the workshop ends its sandboxes become read-only (the
sandbox service refuses changes), and everything stays for the instructor to read.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from playground import checks_worker, lab_attempts, sandboxes
from playground.labs import labs
from playground.models import LabAttempt, Participant, Workshop

STUCK_AFTER = timedelta(minutes=10)
STUCK_CHECKS = 40  # checks run on a task without passing it
JOIN_ATTEMPTS = settings.WORKSHOP_JOIN_LIMIT  # per address per window: codes cannot be enumerated
JOIN_WINDOW = 600


class WorkshopError(sandboxes.SandboxError):
    pass


def create(
    instructor, title: str, lab_slugs: list[str], starts: datetime, ends: datetime, capacity: int
) -> Workshop:
    title = (title or "").strip()
    if not title:
        raise WorkshopError(gettext("A workshop needs a title."))
    unknown = [slug for slug in lab_slugs if slug not in labs()]
    if not lab_slugs or unknown:
        raise WorkshopError(
            gettext("Choose at least one lab.")
            if not lab_slugs
            else gettext("Unknown labs: %(labs)s") % {"labs": ", ".join(unknown)}
        )
    if ends <= starts:
        raise WorkshopError(gettext("The workshop must end after it starts."))
    if not 1 <= capacity <= 500:
        raise WorkshopError(gettext("Capacity must be between 1 and 500."))
    for _ in range(5):
        try:
            with transaction.atomic():
                return Workshop.objects.create(
                    instructor=instructor,
                    title=title[:120],
                    labs=lab_slugs,
                    starts=starts,
                    ends=ends,
                    capacity=capacity,
                )
        except IntegrityError:  # a join code collision: draw another
            continue
    raise WorkshopError(gettext("Could not allocate a join code; try again."), 503)


def order_labs(chosen: list[str], places: dict[str, str]) -> list[str]:
    """The chosen labs in the instructor's order. Each lab's place (1, 2, …) is as typed
    beside it; a lab without one keeps its position among the chosen. Two labs cannot
    share a place."""
    keyed = []
    for index, slug in enumerate(chosen):
        text = (places.get(slug) or "").strip()
        if text and (not text.isdigit() or int(text) < 1):
            name = labs()[slug].title if slug in labs() else slug
            raise WorkshopError(
                gettext("The place of “%(name)s” in the order must be a whole number from 1 up.")
                % {"name": name}
            )
        keyed.append((int(text) if text else index + 1, index, slug, bool(text)))
    typed = [place for place, _, _, given in keyed if given]
    shared = sorted({place for place in typed if typed.count(place) > 1})
    if shared:
        raise WorkshopError(
            gettext("Two labs cannot share a place in the order (%(places)s is given more than once).")
            % {"places": ", ".join(gettext("place %(place)s") % {"place": place} for place in shared)}
        )
    return [slug for _, _, slug, _ in sorted(keyed, key=lambda k: (k[0], k[1]))]


def owned(instructor, public_id) -> Workshop:
    try:
        return Workshop.objects.get(public_id=public_id, instructor=instructor)
    except (Workshop.DoesNotExist, ValueError, TypeError):
        raise WorkshopError(gettext("There is no such workshop, or it is not yours."), 404) from None


def ended(workshop: Workshop) -> bool:
    return timezone.now() >= workshop.ends


def join(owner: str, code: str, name: str, address: str) -> Participant:
    key = f"workshop-join:{address}"
    tries = cache.get(key, 0)
    if tries >= JOIN_ATTEMPTS:
        raise WorkshopError(gettext("Too many join attempts from this address; wait a few minutes."), 429)
    cache.set(key, tries + 1, JOIN_WINDOW)
    name = (name or "").strip()[:60]
    if not name:
        raise WorkshopError(gettext("Please give a display name."))
    workshop = Workshop.objects.filter(code=(code or "").strip().upper()).first()
    if workshop is None:
        raise WorkshopError(gettext("No workshop has that code."), 404)
    if ended(workshop):
        raise WorkshopError(gettext("That workshop has ended."), 410)
    existing = Participant.objects.filter(workshop=workshop, owner=owner).first()
    if existing:
        return existing
    if workshop.participants.count() >= workshop.capacity:
        raise WorkshopError(gettext("That workshop is full."), 409)
    return Participant.objects.create(workshop=workshop, owner=owner, name=name)


def participant(owner: str, public_id) -> Participant:
    try:
        return Participant.objects.select_related("workshop").get(public_id=public_id, owner=owner)
    except (Participant.DoesNotExist, ValueError, TypeError):
        raise WorkshopError(gettext("You have not joined that workshop in this browser."), 404) from None


def current_attempt(seat: Participant) -> LabAttempt:
    """The learner's attempt at the workshop's current lab, made on first visit."""
    slug = seat.workshop.labs[seat.workshop.current]
    attempt = seat.attempts.filter(lab=slug).first()
    if attempt is None:
        attempt = lab_attempts.start(seat.owner, slug, participant=seat, capped=False)
    return attempt


@dataclass(frozen=True)
class Cell:
    passed: bool
    hints: int
    minutes: int | None  # from joining the lab to passing the task

    # The cell's words, translated here rather than with {% blocktranslate %}: 200 rows'
    # tags were half the time of rendering the grid.
    @property
    def time_text(self) -> str:
        return gettext("%(minutes)s min") % {"minutes": self.minutes}

    @property
    def hints_text(self) -> str:
        return ngettext("%(counter)s hint", "%(counter)s hints", self.hints) % {"counter": self.hints}


@dataclass(frozen=True)
class Row:
    seat: Participant | SimpleNamespace  # public_id, name (a refresh reads no model instances)
    cells: list[Cell]
    stuck: bool
    checking: bool = False  # the record is behind the sandbox: a check waits for the worker


# What the grid reads of each learner and their attempt: plain values, not model instances
# (200 learners' instances, and every language's check results, were half a refresh).
SEAT_FIELDS = ("pk", "public_id", "name", "joined")
ATTEMPT_FIELDS = ("pk", "participant_id", "passed", "hints", "created", "checks_run")
# What says whether the record is behind its sandbox (lab_attempts.due, which the learner's
# task list shows as "checking…"): columns, and whether anything was recorded at all rather
# than every language's results. Reading the task queue for 200 attempts instead was a
# fifth of a refresh.
BEHIND_FIELDS = ("checked_version", "sandbox__version", "recheck_at")


def grid(workshop: Workshop, only: Participant | None = None) -> tuple[list[str], list[Row]]:
    """Learners × tasks of the current lab, from what their checks recorded; `only` one
    learner's row (what the live grid fetches when that learner changed)."""
    slug = workshop.labs[workshop.current]
    lab = labs()[slug]
    rows = []
    if only is None:
        seats = [SimpleNamespace(**seat) for seat in workshop.participants.values(*SEAT_FIELDS)]
    else:
        seats = [only]
    found = LabAttempt.objects.filter(participant__workshop=workshop, lab=slug)
    if only is not None:
        found = found.filter(participant=only)
    if checks_worker.queued():
        found = found.annotate(unchecked=ExpressionWrapper(Q(results={}), output_field=BooleanField()))
        attempts = {
            a["participant_id"]: a for a in found.values(*ATTEMPT_FIELDS, *BEHIND_FIELDS, "unchecked")
        }
    else:  # checks run in the request (refresh): none waits
        attempts = {a["participant_id"]: a for a in found.values(*ATTEMPT_FIELDS)}
    now = timezone.now()
    for seat in seats:
        attempt = attempts.get(seat.pk)
        passed = attempt["passed"] if attempt else {}
        hints = attempt["hints"] if attempt else {}
        cells = []
        for number in range(1, len(lab.tasks) + 1):
            passed_at = passed.get(str(number)) or None
            minutes = None
            if passed_at:
                minutes = int((datetime.fromisoformat(passed_at) - attempt["created"]).total_seconds() // 60)
            cells.append(Cell(bool(passed_at), int(hints.get(str(number), 0)), minutes))
        done = all(c.passed for c in cells)
        last_progress = max(
            [datetime.fromisoformat(v) for v in passed.values()]
            + [attempt["created"] if attempt else seat.joined]
        )
        stuck = not done and (
            now - last_progress > STUCK_AFTER
            or (attempt is not None and attempt["checks_run"] > STUCK_CHECKS)
        )
        rows.append(Row(seat, cells, stuck, attempt is not None and _behind(attempt, now)))
    return [task.title for task in lab.tasks], rows


def _behind(attempt: dict, now) -> bool:
    """lab_attempts.due, on the values grid() read (none with the immediate backend)."""
    return "unchecked" in attempt and (
        attempt["checked_version"] != attempt["sandbox__version"]
        or attempt["unchecked"]
        or (attempt["recheck_at"] is not None and attempt["recheck_at"] <= now)
    )


REFRESH_BATCH = 25  # sandboxes re-checked per grid refresh; the rest wait for the next poll


def refresh(workshop: Workshop) -> None:
    """Check learners whose record is behind their sandbox (lab_attempts.due: changed since
    their last check, or their clock has had work fall due since), so the grid is current
    even for learners who work only with kubectl.

    The checks are tasks (playground/checks_worker.py): with the immediate backend they run
    here, at most REFRESH_BATCH per call, least recently checked first (with 200 learners
    the grid request stays short and catches up over a few polls); with the database
    backend this only enqueues them (one waiting check per attempt) for the worker; its
    checks of saved changes are already enqueued by the changes themselves.
    """
    slug = workshop.labs[workshop.current]
    stale = (
        LabAttempt.objects.filter(participant__workshop=workshop, lab=slug)
        .filter(~Q(checked_version=F("sandbox__version")) | Q(results={}) | Q(recheck_at__lte=timezone.now()))
        .order_by("checked_version")
    )
    if checks_worker.queued():
        checks_worker.enqueue_stale(stale.only("pk"))
    else:
        checks_worker.enqueue_stale(stale.only("pk")[:REFRESH_BATCH])


def broadcast(workshop: Workshop, message: str) -> None:
    workshop.message = (message or "").strip()[:500]
    workshop.message_at = timezone.now()
    workshop.save(update_fields=["message", "message_at"])


def next_lab(workshop: Workshop) -> None:
    if workshop.current + 1 >= len(workshop.labs):
        raise WorkshopError(gettext("This is already the last lab."), 409)
    workshop.current += 1
    workshop.save(update_fields=["current"])


def set_paused(workshop: Workshop, paused: bool) -> None:
    workshop.paused = paused
    workshop.save(update_fields=["paused"])


def reset(workshop: Workshop, seat_id) -> None:
    seat = workshop.participants.filter(public_id=seat_id).first()
    if seat is None:
        raise WorkshopError(gettext("There is no such learner."), 404)
    attempt = seat.attempts.filter(lab=workshop.labs[workshop.current]).first()
    if attempt is not None:
        lab_attempts.reset(attempt)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """A CSV cell a spreadsheet shows as text: one starting like a formula (a learner's
    display name such as =HYPERLINK(…)) gets a leading quote, as OWASP recommends."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_csv(workshop: Workshop) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["learner", "lab", "task", "title", "passed_at", "hints_used", "checks_run"])
    for seat in workshop.participants.all():
        for attempt in seat.attempts.all():
            lab = labs().get(attempt.lab)
            for number, task in enumerate(lab.tasks if lab else (), 1):
                row = [
                    seat.name,
                    attempt.lab,
                    number,
                    task.title,
                    attempt.passed.get(str(number), ""),
                    attempt.hints.get(str(number), 0),
                    attempt.checks_run,
                ]
                writer.writerow([_cell(value) for value in row])
    return out.getvalue()
