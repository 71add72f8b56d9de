"""Navigation shared by every page, in one place so the base layout stays dumb."""

from django.urls import reverse

NAVIGATION = [
    ("Concepts", "concepts:catalogue"),
    ("Architecture", "concepts:architecture"),
    ("Glossary", "concepts:glossary"),
    ("Labs", "playground:labs"),
    ("Playground", "playground:index"),
]


def site_navigation(request):
    items = []
    for title, url_name in NAVIGATION:
        url = reverse(url_name)
        items.append({"title": title, "url": url, "current": request.path.startswith(url)})
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.has_perm("playground.view_mirror"):
        url = reverse("playground:mirror")
        items.append({"title": "Mirror", "url": url, "current": request.path.startswith(url)})
    return {"navigation": items}
