"""The mirror's pages: read-only, for signed-in people with the view_mirror permission,
since they show a real cluster the server can read."""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import quote, unquote, urlencode

import orjson
import yaml
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from config.clientip import address_key, client_address
from playground import sandboxes
from playground.inventory import COUNTERPART, event_rows
from playground.mirror import reading, sources
from playground.mirror.copy import SYSTEM_NAMESPACES, CopyError, copy
from playground.models import MirroredCluster

PERMISSION = "playground.view_mirror"


class ContextConverter:
    """A context name in one path segment; names like EKS ARNs contain slashes."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return unquote(value)

    def to_url(self, value: str) -> str:
        return quote(value, safe="")


def _gate(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.has_perm(PERMISSION):
        return _fail(
            request, gettext("Mirrored clusters are for people with the “view mirror” permission."), 403
        )
    return None


def _fail(request, message: str, status: int) -> HttpResponse:
    return render(request, "playground/error.html", {"message": message}, status=status)


def mirrored(view):
    """Signed in with the permission, and the named cluster is mirrored: the view gets it."""

    @wraps(view)
    def wrapper(request: HttpRequest, name: str, *args, **kwargs) -> HttpResponse:
        if denied := _gate(request):
            return denied
        try:
            record = MirroredCluster.objects.get(name=name)
        except MirroredCluster.DoesNotExist:
            return _fail(
                request,
                gettext(
                    "%(name)r is not mirrored yet. Start it on the server: python manage.py mirror %(name)s"
                )
                % {"name": name},
                404,
            )
        return view(request, record, *args, **kwargs)

    return wrapper


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # Say what the mirror is before asking anyone to sign in; the pages behind it stay gated.
        login = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
        return render(request, "playground/mirror_signin.html", {"login": login})
    if denied := _gate(request):
        return denied
    try:
        contexts, problem = sources.contexts(), ""
    except sources.SourceError as error:
        contexts, problem = [], error.text.render(gettext)
    known = {c.name: c for c in MirroredCluster.objects.all()}
    rows = [{"context": c, "mirror": known.pop(c.name, None)} for c in contexts]
    rows += [{"context": None, "mirror": m} for m in known.values()]
    for row in rows:
        row["heard"] = reading.heard(row["mirror"]) if row["mirror"] else None
    return render(
        request,
        "playground/mirror_index.html",
        {"rows": rows, "problem": problem, "kubeconfig": sources.kubeconfig_path()},
    )


@require_GET
@mirrored
def cluster_page(request: HttpRequest, record: MirroredCluster) -> HttpResponse:
    namespace = request.GET.get("namespace") or None
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    resources = reading.RESOURCE_OF_KIND

    def url(kind, ns, obj_name):
        return reverse(
            "playground:mirror-object", args=[record.name, resources.get(kind, kind), ns or "-", obj_name]
        )

    context = reading.overview(record, namespace, page, url)
    context.update(system_namespaces=SYSTEM_NAMESPACES, whole_page_limit=reading.WHOLE_PAGE_LIMIT)
    template = "playground/mirror.html"
    if request.htmx:
        template += "#live"
    return render(request, template, context)


@require_GET
@mirrored
def object_page(
    request: HttpRequest, record: MirroredCluster, resource: str, namespace: str, obj_name: str
) -> HttpResponse:
    ns = "" if namespace == "-" else namespace
    row = record.mirrored.filter(resource=resource, namespace=ns, name=obj_name).first()
    if row is None:
        return _fail(
            request, f'{resource} "{obj_name}" not found in {record.name} (it may have been deleted).', 404
        )
    obj = orjson.loads(row.data)
    related = record.mirrored.filter(related_uid=row.uid) if row.uid else record.mirrored.none()

    def url(target):
        args = [record.name, target["resource"], target["namespace"] or "-", target["name"]]
        return reverse("playground:mirror-object", args=args)

    dependents = [
        {"kind": d["kind"], "name": d["name"], "url": url(d)}
        for d in related.exclude(kind="Event").values("kind", "resource", "namespace", "name")[:200]
    ]
    events = event_rows(
        orjson.loads(data)
        for data in related.filter(kind="Event").order_by("-changed").values_list("data", flat=True)[:50]
    )
    owners = []
    for ref in obj["metadata"].get("ownerReferences") or []:
        target = record.mirrored.filter(uid=ref.get("uid")).values("resource", "namespace", "name").first()
        owners.append(
            {"kind": ref.get("kind"), "name": ref.get("name"), "url": url(target) if target else ""}
        )
    pods, summary, quota = [], None, []
    if row.kind == "Node":
        summary = reading.host_rows(record, 1, {row.name})[0][0]
        pods = list(
            record.mirrored.filter(kind="Pod", node=row.name)
            .order_by("namespace", "name")
            .values("namespace", "name")[:500]
        )
    if row.kind == "Namespace":
        quota = next((p["quotas"] for p in reading.namespace_rows(record) if p["name"] == row.name), [])
    return render(
        request,
        "playground/mirror_object.html",
        {
            "record": record,
            "row": row,
            "obj": obj,
            "labels": sorted((obj["metadata"].get("labels") or {}).items()),
            "counterpart": COUNTERPART.get(
                row.kind,
                "custom resource"
                if "." in resource and resource not in reading.RESOURCE_OF_KIND.values()
                else "",
            ),
            "yaml": yaml.safe_dump(obj, sort_keys=False, default_flow_style=False),
            "owners": owners,
            "dependents": dependents,
            "events": events,
            "pods": pods,
            "summary": summary,
            "quota": quota,
        },
    )


@require_GET
@mirrored
def resource_page(request: HttpRequest, record: MirroredCluster, resource: str) -> HttpResponse:
    """Any resource listed generically: custom resources the engine has never heard of."""
    rows = record.mirrored.filter(resource=resource).order_by("namespace", "name")
    page = Paginator(rows.values("kind", "namespace", "name", "resource_version", "changed"), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "playground/mirror_resource.html",
        {
            "record": record,
            "resource": resource,
            "page": page,
            "kind": rows.values_list("kind", flat=True).first(),
        },
    )


@require_POST
@mirrored
def copy_page(request: HttpRequest, record: MirroredCluster) -> HttpResponse:
    chosen = None if request.POST.get("scope") == "all" else request.POST.getlist("namespace")
    owner = sandboxes.visitor(request.session)
    started = time.monotonic()
    try:
        sandbox, notes = copy(owner, record, chosen, address_key(client_address(request)))
    except CopyError as error:
        return _fail(request, error.message, error.status)
    messages.success(
        request,
        gettext("Copied %(name)s into this sandbox in %(seconds).1f s. The real cluster is untouched.")
        % {"name": record.name, "seconds": time.monotonic() - started},
    )
    for note in notes[:20]:
        # A note names the object and the reason as the engine or the API says it.
        messages.warning(request, gettext("Not copied: %(note)s") % {"note": note} if ":" in note else note)
    if len(notes) > 20:
        messages.warning(request, gettext("…and %(count)s more not copied.") % {"count": len(notes) - 20})
    return redirect("playground:sandbox", public_id=sandbox.public_id)
