"""Workshop pages: the instructor's dashboard and controls, and joining as a learner."""

from __future__ import annotations

import uuid
from datetime import datetime
from html import escape

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from config.clientip import address_key, client_address
from playground import checks_worker, sandboxes, workshops
from playground.labs import labs
from playground.labs.runner import status
from playground.views import _fail

_STAND_IN = uuid.UUID(int=0)
_STAND_IN_TEXT = str(_STAND_IN)


def rendered_rows(workshop, rows: list) -> list[str]:
    """The grid's rows as HTML (one learner's row, for the live grid's fetch, is a list of one)."""
    grid = _GridRows(workshop)
    return [grid.row(row) for row in rows]


class _GridRows:
    """Builds the grid's rows in Python rather than with a template: the grid is the one page
    that renders hundreds of rows every few seconds, and the template engine took about
    0.1 ms a row, most of a refresh on a worker that had not rendered those rows yet (a
    worker's first refresh was the grid's slowest). What every row shares (its words, its
    links with a stand-in id, each distinct cell) is made once per refresh. Every value
    from a learner or the database goes through escape(); a Reset button names the grid's
    one form, which holds the CSRF token."""

    def __init__(self, workshop):
        self.learner_url = reverse("playground:workshop-learner", args=[workshop.public_id, _STAND_IN])
        self.live_url = reverse("playground:workshop-row", args=[workshop.public_id, _STAND_IN])
        badge = ' <span class="badge" title="{}">{}</span>'
        self.stuck = badge.format(
            escape(gettext("No progress for a while, or many failed checks")), escape(gettext("looks stuck"))
        )
        self.checking = badge.format(
            escape(gettext("A change waits for the check worker")), escape(gettext("checking…"))
        )
        self.view = escape(gettext("View"))
        self.reset = escape(gettext("Reset"))
        self.cells: dict = {}

    def cell(self, cell) -> str:
        html = self.cells.get(cell)
        if html is None:
            hints = f' <span class="muted small">{escape(cell.hints_text)}</span>' if cell.hints else ""
            if cell.passed:
                html = f'<td class="pass">✓ {escape(cell.time_text)}{hints}</td>'
            else:
                html = f'<td class="fail">–{hints}</td>'
            self.cells[cell] = html
        return html

    def row(self, row) -> str:
        public_id = str(row.seat.public_id)  # a UUID: nothing in it to escape
        learner_url = escape(self.learner_url.replace(_STAND_IN_TEXT, public_id))
        live_url = escape(self.live_url.replace(_STAND_IN_TEXT, public_id))
        return mark_safe(  # noqa: S308 - every value in it is escaped
            f'<tr id="learner-{public_id}" data-live-row="{live_url}" class="{"stuck" if row.stuck else ""}">'
            f'<th scope="row">{escape(row.seat.name)}{self.stuck if row.stuck else ""}'
            f"{self.checking if row.checking else ''}</th>{''.join(self.cell(cell) for cell in row.cells)}"
            f'<td><a href="{learner_url}">{self.view}</a> '
            f'<button class="link-button" type="submit" form="grid-reset" name="learner" value="{public_id}">'
            f"{self.reset}</button></td></tr>"
        )


def _when(text: str) -> datetime:
    """A datetime-local value, read in the site's time zone (settings.TIME_ZONE, which the
    form names); a value with an explicit offset keeps it."""
    value = datetime.fromisoformat(text)
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
def workshop_list(request: HttpRequest) -> HttpResponse:
    now = timezone.localtime()
    form = {
        "title": "",
        "chosen": set(),
        "places": {},
        "starts": now.strftime("%Y-%m-%dT%H:%M"),
        "ends": (now + timezone.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "30",
    }
    status = 200
    if request.method == "POST":
        post = request.POST
        chosen = post.getlist("labs")
        form = {
            "title": post.get("title", ""),
            "chosen": set(chosen),
            "places": {slug: post.get(f"place-{slug}", "") for slug in labs()},
            "starts": post.get("starts", ""),
            "ends": post.get("ends", ""),
            "capacity": post.get("capacity", ""),
        }
        try:
            workshop = workshops.create(
                request.user,
                form["title"],
                workshops.order_labs(chosen, form["places"]),
                _when(form["starts"]),
                _when(form["ends"]),
                int(form["capacity"] or 30),
            )
        except ValueError:
            messages.error(
                request, gettext("Give the start and end as dates and times, and the capacity as a number.")
            )
            status = 400
        except workshops.WorkshopError as error:
            messages.error(request, error.message)
            status = 400
        else:
            return redirect("playground:workshop", public_id=workshop.public_id)
    rows = [
        {
            "lab": lab,
            "checked": lab.slug in form["chosen"],
            "place": form["places"].get(lab.slug) or str(number),
        }
        for number, lab in enumerate(labs().values(), 1)
    ]
    return render(
        request,
        "playground/workshops.html",
        {
            "workshops": request.user.workshops.all(),
            "rows": rows,
            "form": form,
            "zone": timezone.get_current_timezone_name(),
        },
        status=status,
    )


@login_required
@require_GET
def dashboard(request: HttpRequest, public_id) -> HttpResponse:
    try:
        workshop = workshops.owned(request.user, public_id)
    except workshops.WorkshopError as error:
        return _fail(request, error)
    workshops.refresh(workshop)
    titles, rows = workshops.grid(workshop)
    context = {
        "workshop": workshop,
        "titles": titles,
        "row_html": rendered_rows(workshop, rows),
    }
    if request.htmx:  # the grid's refresh
        return render(request, "playground/workshop.html#grid", context)
    join_url = request.build_absolute_uri(reverse("playground:join-code", args=[workshop.code]))
    context.update(
        lab=labs()[workshop.labs[workshop.current]],
        join_url=join_url,
        qr=mark_safe(segno.make(join_url, error="m").svg_inline(scale=6, title=gettext("Join link"))),  # noqa: S308 - generated SVG
        ended=workshops.ended(workshop),
    )
    return render(request, "playground/workshop.html", context)


@login_required
@require_POST
def control(request: HttpRequest, public_id, action: str) -> HttpResponse:
    try:
        workshop = workshops.owned(request.user, public_id)
        if action == "message":
            workshops.broadcast(workshop, request.POST.get("message", ""))
        elif action == "next":
            workshops.next_lab(workshop)
        elif action == "pause":
            workshops.set_paused(workshop, True)
        elif action == "resume":
            workshops.set_paused(workshop, False)
        elif action == "reset":
            workshops.reset(workshop, request.POST.get("learner"))
        else:
            return HttpResponse(status=404)
    except workshops.WorkshopError as error:
        messages.error(request, error.message)
    return redirect("playground:workshop", public_id=public_id)


@login_required
@require_GET
def export(request: HttpRequest, public_id) -> HttpResponse:
    try:
        workshop = workshops.owned(request.user, public_id)
    except workshops.WorkshopError as error:
        return _fail(request, error)
    response = HttpResponse(workshops.export_csv(workshop), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="workshop-{workshop.code}.csv"'
    return response


@login_required
@require_GET
def learner(request: HttpRequest, public_id, learner_id) -> HttpResponse:
    """A learner's current lab, read-only: task states and what runs in their sandbox."""
    try:
        workshop = workshops.owned(request.user, public_id)
    except workshops.WorkshopError as error:
        return _fail(request, error)
    seat = workshop.participants.filter(public_id=learner_id).first()
    lab = labs()[workshop.labs[workshop.current]]
    attempt = seat.attempts.filter(lab=lab.slug).first() if seat else None
    if attempt is None:
        return _fail(
            request, workshops.WorkshopError(gettext("That learner has not opened this lab yet."), 404)
        )
    try:
        cluster = sandboxes.loaded(attempt.sandbox)
    except sandboxes.BrokenState as error:
        return _fail(request, error)
    from playground import console

    pods = console.run(cluster, console.parse("kubectl get pods -A -o wide"))
    # With a check worker this reads what it recorded (no check in the request), as the grid does.
    states, checking = (
        checks_worker.recorded(attempt, lab) if checks_worker.queued() else (status(cluster, lab), False)
    )
    context = {
        "workshop": workshop,
        "seat": seat,
        "lab": lab,
        "states": states,
        "checking": checking,
        "pods": pods,
    }
    return render(request, "playground/workshop_learner.html", context)


def join(request: HttpRequest, code: str = "") -> HttpResponse:
    if request.method == "POST":
        owner = sandboxes.visitor(request.session)
        try:
            seat = workshops.join(
                owner,
                request.POST.get("code", ""),
                request.POST.get("name", ""),
                address_key(client_address(request)),
            )
        except workshops.WorkshopError as error:
            return render(
                request,
                "playground/join.html",
                {
                    "code": request.POST.get("code", ""),
                    "name": request.POST.get("name", ""),
                    "error": error.message,
                },
                status=error.status,
            )
        return redirect("playground:seat", public_id=seat.public_id)
    return render(request, "playground/join.html", {"code": code})


@require_GET
def seat(request: HttpRequest, public_id) -> HttpResponse:
    """A learner's way into the workshop's current lab."""
    owner = sandboxes.visitor(request.session)
    try:
        place = workshops.participant(owner, public_id)
        attempt = workshops.current_attempt(place)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    return redirect("playground:lab", public_id=attempt.sandbox.public_id)
