"""The event streams that push changes to open pages (playground/live.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from playground import live, sandboxes, workshop_live, workshops
from playground.engine import ApiError
from playground.workshop_views import rendered_rows


def _refused(message: str, status: int, retry_after: int | None = None) -> HttpResponse:
    """Plain text: EventSource shows nothing of it, and gives up on anything but 200."""
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_GET
def sandbox_events(request: HttpRequest, public_id) -> HttpResponse:
    """The sandbox's changes as they happen, for its owner only (404 to anyone else, as
    its page); 429 past the stream caps, and the page keeps polling."""
    owner = sandboxes.visitor(request.session)
    try:
        sandbox = sandboxes.get(owner, public_id)
    except sandboxes.SandboxError as error:
        return _refused(error.message, error.status)
    if not live.available():
        return _refused("Live updates are off here; the page polls instead.", 503)
    try:
        return live.stream(request, sandbox)
    except ApiError as error:
        return _refused(error.message, error.code, error.retry_after)


@login_required
@require_GET
def workshop_events(request: HttpRequest, public_id) -> HttpResponse:
    """Which learners' rows of the instructor's grid changed, as it happens: for the
    workshop's instructor only (404 to anyone else, as the dashboard)."""
    try:
        workshop = workshops.owned(request.user, public_id)
    except workshops.WorkshopError as error:
        return _refused(error.message, error.status)
    if not live.available():
        return _refused("Live updates are off here; the page polls instead.", 503)
    try:
        return workshop_live.stream(request, workshop)
    except ApiError as error:
        return _refused(error.message, error.code, error.retry_after)


@login_required
@require_GET
def workshop_row(request: HttpRequest, public_id, learner_id) -> HttpResponse:
    """One learner's row of the grid, as their checks recorded it."""
    try:
        workshop = workshops.owned(request.user, public_id)
    except workshops.WorkshopError as error:
        return _refused(error.message, error.status)
    seat = workshop.participants.filter(public_id=learner_id).first()
    if seat is None:
        return _refused("There is no such learner in this workshop.", 404)
    _titles, rows = workshops.grid(workshop, only=seat)
    return HttpResponse(rendered_rows(workshop, rows)[0])
