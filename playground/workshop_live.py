"""The instructor's grid, learner by learner (issue 18 §3).

Instead of re-rendering every learner's row every 3 s, the dashboard opens one stream
(`grid_events`) that says which learners' rows changed: their sandbox's version moved
(they changed something), or what their attempt recorded moved (a check ran, a task
passed, a hint was taken). The stream also keeps the records current, as the grid's poll
did (`_refresh`), so fetching a row only reads. The page fetches
just those rows. When the grid's shape changes (someone joined, the instructor moved on
or paused) it says `grid`, and the page fetches the whole grid as before.

The stream reads three small queries every POLL_SECONDS in its own thread: one
instructor's stream costs far less than their page re-rendering the grid each poll.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

from django.http import StreamingHttpResponse

from playground import live, workshops
from playground.models import LabAttempt, Participant, Workshop

POLL_SECONDS = 0.5
REFRESH_SECONDS = 3.0  # how often the stream brings learners' records up to date
# Stream caps count per sandbox: a workshop's stream counts under a key of its own, far
# above any sandbox's pk (the column is a positive bigint), so it takes no sandbox's place.
WORKSHOP_KEY_BASE = 1 << 62


def _state(workshop_pk: int) -> tuple[tuple, dict[str, tuple]] | None:
    """(the grid's shape, each learner's row signature), or None once the workshop is gone."""
    found = Workshop.objects.filter(pk=workshop_pk).values_list("current", "paused", "labs").first()
    if found is None:
        return None
    current, paused, lab_slugs = found
    slug = lab_slugs[current] if current < len(lab_slugs) else ""
    rows: dict[str, tuple] = {
        str(seat): ()
        for seat in Participant.objects.filter(workshop_id=workshop_pk).values_list("public_id", flat=True)
    }
    attempts = LabAttempt.objects.filter(participant__workshop_id=workshop_pk, lab=slug).values_list(
        "participant__public_id", "sandbox__version", "checks_run", "passed", "hints", "completed"
    )
    for seat, version, checks_run, passed, hints, completed in attempts:
        rows[str(seat)] = (
            version,
            checks_run,
            json.dumps(passed, sort_keys=True),
            json.dumps(hints, sort_keys=True),
            completed,
        )
    return (current, paused, slug, tuple(sorted(rows))), rows


def stream(request, workshop: Workshop) -> StreamingHttpResponse:
    """The workshop's row events, counted against the stream caps (ApiError 429 past one)."""
    return live.respond(
        request,
        WORKSHOP_KEY_BASE + workshop.pk,
        lambda deadline, gone: grid_events(workshop.pk, deadline, gone),
    )


def grid_events(workshop_pk: int, deadline: float, gone: Callable[[], bool]) -> Iterator[bytes]:
    """`event: rows` naming the learners (seat ids) whose rows changed, `event: grid` when
    the grid's shape did, heartbeats between, until `deadline`, the workshop goes or the
    client does."""
    yield f"retry: {live.RETRY_MILLISECONDS}\n\n".encode()
    state = _state(workshop_pk)
    last_write = last_refresh = time.monotonic()
    while state is not None:
        now = time.monotonic()
        if now >= deadline:
            return
        time.sleep(min(POLL_SECONDS, deadline - now))
        if gone():
            return
        if time.monotonic() - last_refresh >= REFRESH_SECONDS:
            _refresh(workshop_pk)
            last_refresh = time.monotonic()
        shape, rows = state
        state = _state(workshop_pk)
        if state is None:
            return
        if state[0] != shape:
            yield b"event: grid\ndata: all\n\n"
            last_write = time.monotonic()
        else:
            moved = [seat for seat, signature in state[1].items() if rows.get(seat) != signature]
            if moved:
                yield f"event: rows\ndata: {' '.join(moved)}\n\n".encode()
                last_write = time.monotonic()
        if time.monotonic() - last_write >= live.HEARTBEAT_SECONDS:
            yield b": heartbeat\n\n"
            last_write = time.monotonic()


def _refresh(workshop_pk: int) -> None:
    """What the grid's poll did before it rendered: check (immediate backend) or enqueue a
    check of (worker) each learner whose record is behind their sandbox or its clock
    (workshops.refresh), so progress that needs only time shows too. The rows whose
    records then move are the ones the stream names."""
    workshop = Workshop.objects.filter(pk=workshop_pk).first()
    if workshop is not None:
        workshops.refresh(workshop)
