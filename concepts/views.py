"""Pages of the concept catalogue. Views stay thin: content comes from catalogue.py."""

import re

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from concepts.architecture import architecture_svg
from concepts.catalogue import catalogue
from concepts.diagrams import DiagramError
from concepts.i18n import active_language
from playground.scenarios import for_pair, scenarios

MAX_QUERY_LENGTH = 100
FEATURED_PAIRS = ("vcenter-control-plane", "vm-pod", "resource-pool-namespace", "ft-ha-replicasets")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    cat = catalogue(active_language())
    featured = [cat.get(slug) for slug in FEATURED_PAIRS]
    return render(
        request,
        "concepts/home.html",
        {"pair_count": len(cat.pairs), "groups": cat.by_category(), "featured": [p for p in featured if p]},
    )


@require_GET
def catalogue_page(request: HttpRequest) -> HttpResponse:
    cat = catalogue(active_language())
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    # A search lists matches best first; browsing groups every pair by category.
    results = cat.search(query) if query else []
    context = {
        "query": query,
        "results": results,
        "groups": [] if query else cat.by_category(),
        "total": len(cat.pairs),
    }
    template = "concepts/catalogue.html"
    if request.htmx:
        template += "#pair-results"
    return render(request, template, context)


@require_GET
def pair_page(request: HttpRequest, slug: str) -> HttpResponse:
    cat = catalogue(active_language())
    pair = cat.get(slug)
    if pair is None:
        raise Http404(f"No concept pair {slug!r}")
    # Every pair's Try it opens the scenario that shows it.
    scenario = scenarios().get(pair.try_it) if pair.try_it else for_pair(pair.slug)
    return render(
        request, "concepts/pair.html", {"pair": pair, "related": cat.related(pair), "scenario": scenario}
    )


@require_GET
def architecture_page(request: HttpRequest) -> HttpResponse:
    try:
        svg = architecture_svg(
            url_prefix=reverse("concepts:catalogue"),
            program=settings.GRAPHVIZ_DOT,
            language=active_language(),
        )
        error = None
    except DiagramError as exc:
        svg, error = None, str(exc)
    cat = catalogue(active_language())
    pairs = [cat.get(slug) for slug in ARCHITECTURE_PAIRS]
    return render(
        request,
        "concepts/architecture.html",
        {"svg": svg, "error": error, "pairs": [p for p in pairs if p]},
        status=200 if svg else 503,
    )


ARCHITECTURE_PAIRS = (
    "vcenter-control-plane",
    "vcenter-db-etcd",
    "drs-scheduler",
    "ft-ha-replicasets",
    "esxi-host-node",
    "host-agent-kubelet",
    "vm-pod",
    "vswitch-pod-network",
    "datastore-persistent-volume",
    "vsphere-client-dashboard",
    "powercli-kubectl",
)


GLOSSARY_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _fold(text: str) -> str:
    # As the catalogue's search folds: hyphens, slashes and underscores separate words like spaces.
    return re.sub(r"[\s\-_/]+", " ", text.casefold()).strip()


@require_GET
def glossary_page(request: HttpRequest) -> HttpResponse:
    """Both vocabularies A to Z; ?q= keeps the terms whose name or counterpart contains it
    (the page's script filters the same way as one types, without a round trip)."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    letters = catalogue(active_language()).glossary()
    total = sum(len(terms) for _, terms in letters)
    if query:
        needle = _fold(query)
        letters = [
            (letter, [t for t in terms if needle in _fold(f"{t.term} {t.local} {t.counterpart}")])
            for letter, terms in letters
        ]
        letters = [(letter, terms) for letter, terms in letters if terms]
    present = {letter for letter, _ in letters}
    alphabet = [(letter, letter in present) for letter in GLOSSARY_LETTERS]
    if "#" in present:
        alphabet.append(("#", True))
    return render(
        request,
        "concepts/glossary.html",
        {
            "letters": letters,
            "alphabet": alphabet,
            "query": query,
            "shown": sum(len(terms) for _, terms in letters),
            "total": total,
        },
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse({"status": "error", "database": str(exc.__class__.__name__)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
