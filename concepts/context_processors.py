"""Navigation shared by every page, in one place so the base layout stays dumb."""

from django.urls import reverse

# (title, URL name, URL arguments): the first-day path first, where a newcomer starts.
NAVIGATION = [
    ("First day", "playground:path", ["first-day"]),
    ("Concepts", "concepts:catalogue", []),
    ("Architecture", "concepts:architecture", []),
    ("Glossary", "concepts:glossary", []),
    ("Labs", "playground:labs", []),
    ("Playground", "playground:index", []),
    ("Translate a VM", "translator:translate", []),
    ("Join", "playground:join", []),
]


def site_navigation(request):
    items = []
    for title, url_name, args in NAVIGATION:
        items.append(_item(request, title, reverse(url_name, args=args)))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Instructors sign in; learners never need an account (they join with a code).
        items.append(_item(request, "Workshops", reverse("playground:workshops")))
        if user.has_perm("playground.view_mirror"):
            items.append(_item(request, "Mirror", reverse("playground:mirror")))
    return {"navigation": items}


def _item(request, title: str, url: str) -> dict:
    return {"title": title, "url": url, "current": request.path.startswith(url)}
