"""Identities a sandbox issues: other users of its Kubernetes API, each with a kubeconfig.

Like a vSphere permission given to another SSO user on one resource pool: the owner
mints a kubeconfig for a user ("developer", in some groups) or a ServiceAccount, then
decides with Roles and RoleBindings what it may do. The sandbox's own kubeconfig, the
web pages and the in-page console act as the owner, its cluster-admin.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from playground import sandboxes
from playground.kubeapi import kubeconfig as kubeconfig_file
from playground.models import Sandbox, SandboxIdentity
from playground.views import _fail, kube_origin

MAX_IDENTITIES = 20  # per sandbox
# A DNS-1123 label, as a namespace's or a ServiceAccount's name.
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


class IdentityError(ValueError):
    pass


def _clean_name(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise IdentityError(gettext("Give the %(what)s.") % {"what": gettext(what)})
    if len(text) > 253 or any(ch in text for ch in ",\r\n\t") or not text.isprintable():
        raise IdentityError(
            gettext("The %(what)s must be printable, without commas, and at most 253 characters.")
            % {"what": gettext(what)}
        )
    return text


def parse_groups(text: str) -> list[str]:
    """Groups from a comma- or space-separated list."""
    groups = [g for g in re.split(r"[,\s]+", text or "") if g]
    if len(groups) > 10:
        raise IdentityError(gettext("At most 10 groups."))
    return [_clean_name(g, gettext_noop("group")) for g in dict.fromkeys(groups)]


def service_account_name(text: str) -> str:
    """``namespace/name`` → ``system:serviceaccount:namespace:name``."""
    namespace, _, name = (text or "").strip().partition("/")
    if not (DNS_LABEL.match(namespace) and DNS_LABEL.match(name)) or len(namespace) > 63 or len(name) > 253:
        raise IdentityError(gettext("Give the ServiceAccount as namespace/name, e.g. team-a/ci."))
    return f"system:serviceaccount:{namespace}:{name}"


def mint(sandbox: Sandbox, username: str, groups: list[str] | None = None) -> SandboxIdentity:
    """The identity of ``username`` in this sandbox, made if new; asking again for the
    same name keeps its token and sets its groups."""
    username = _clean_name(username, gettext_noop("user name"))
    groups = list(groups or [])
    found = SandboxIdentity.objects.filter(sandbox=sandbox, username=username).first()
    if found is not None:
        if found.groups != groups:
            found.groups = groups
            found.save(update_fields=["groups"])
        return found
    if SandboxIdentity.objects.filter(sandbox=sandbox).count() >= MAX_IDENTITIES:
        raise IdentityError(
            gettext("A sandbox has at most %(count)s identities.") % {"count": MAX_IDENTITIES}
        )
    return SandboxIdentity.objects.create(sandbox=sandbox, username=username, groups=groups)


def render(origin: str, identity: SandboxIdentity, namespace: str = "default") -> str:
    return kubeconfig_file.render(
        origin, identity.token, identity.sandbox.name, namespace, identity=identity.username
    )


@require_POST
def identity_kubeconfig(request: HttpRequest, public_id) -> HttpResponse:
    """The sandbox page's "kubeconfig for another identity" form: a user name and groups,
    or a ServiceAccount as namespace/name; the answer is the kubeconfig to download."""
    owner = sandboxes.visitor(request.session)
    try:
        sandbox = sandboxes.get(owner, public_id)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    try:
        if request.POST.get("kind") == "serviceaccount":
            username, groups = service_account_name(request.POST.get("serviceaccount", "")), []
        else:
            username = _clean_name(request.POST.get("username", ""), gettext_noop("user name"))
            groups = parse_groups(request.POST.get("groups", ""))
        namespace = (request.POST.get("namespace") or "default").strip()
        if not DNS_LABEL.match(namespace) or len(namespace) > 63:
            raise IdentityError(gettext("The namespace must be a DNS label, e.g. team-a."))
        identity = mint(sandbox, username, groups)
    except IdentityError as error:
        # A finished page (or, from htmx, a note beside the form) as every other form's error.
        return _fail(request, sandboxes.SandboxError(str(error), 400))
    text = render(kube_origin(request), identity, namespace)
    slug = re.sub(r"[^a-z0-9-]+", "-", username.lower()).strip("-")[:40] or "user"
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kubeconfig-{slug}-{sandbox.public_id}.yaml"'
    response["Cache-Control"] = "no-store"
    return response
