"""`{% live_events sandbox %}`: the attribute that makes static/js/live.js open the
sandbox's event stream, or nothing where streams cannot work (playground.live.available),
so such a page polls without asking."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from playground import live

register = template.Library()


def live_events(sandbox) -> str:
    """` data-live-events="<url>"`: the url names the sandbox row's version the page is
    rendered at, so a change made before the stream opens is told at once."""
    if not live.available():
        return ""
    url = reverse("playground:live-events", args=[sandbox.public_id])
    return format_html(' data-live-events="{}?version={}"', url, sandbox.version)


def workshop_live_events(workshop) -> str:
    """` data-live-events="<url>"` for the instructor's grid (playground/workshop_live.py)."""
    if not live.available():
        return ""
    return format_html(
        ' data-live-events="{}"', reverse("playground:workshop-live", args=[workshop.public_id])
    )


register.simple_tag(live_events)
register.simple_tag(workshop_live_events)
