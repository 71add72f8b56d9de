"""Navigation shared by every page, in one place so the base layout stays dumb."""

from django.conf import settings
from django.urls import reverse, translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, gettext_lazy

# (title, URL name, URL arguments): the first-day path first, where a newcomer starts.
NAVIGATION = [
    (gettext_lazy("First day"), "playground:path", ["first-day"]),
    (gettext_lazy("Concepts"), "concepts:catalogue", []),
    (gettext_lazy("Architecture"), "concepts:architecture", []),
    (gettext_lazy("Glossary"), "concepts:glossary", []),
    (gettext_lazy("Labs"), "playground:labs", []),
    (gettext_lazy("Playground"), "playground:index", []),
    (gettext_lazy("Translate a VM"), "translator:translate", []),
    (gettext_lazy("Join"), "playground:join", []),
]


def site_navigation(request):
    """Worked out only when a template shows them: the base layout does, the htmx
    fragments that most requests render (a task list's poll) do not."""
    return {
        "navigation": SimpleLazyObject(lambda: _navigation(request)),
        "languages": SimpleLazyObject(lambda: _languages(request)),
    }


def _navigation(request) -> list[dict]:
    items = []
    for title, url_name, args in NAVIGATION:
        items.append(_item(request, title, reverse(url_name, args=args)))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Instructors sign in; learners never need an account (they join with a code).
        items.append(_item(request, gettext_lazy("Workshops"), reverse("playground:workshops")))
        if user.has_perm("playground.view_mirror"):
            items.append(_item(request, gettext_lazy("Mirror"), reverse("playground:mirror")))
    return items


def _languages(request) -> list[dict]:
    """The language switcher's choices: each language with the same page's URL in it."""
    current = get_language()
    here = request.path
    return [
        {"code": code, "name": name, "current": code == current, "url": translate_url(here, code)}
        for code, name in settings.LANGUAGES
    ]


def _item(request, title: str, url: str) -> dict:
    return {"title": title, "url": url, "current": request.path.startswith(url)}
