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
    return {"navigation": items}
