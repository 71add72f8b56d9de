"""The translator's page: paste or upload a .vmx, .ovf or .ova; see both translations side
by side with the mapping table; download either as YAML or apply it to a sandbox.

Nothing is stored: the page carries the descriptor text in a hidden field and every
action translates it again. Views stay thin over translator.service."""

from __future__ import annotations

import dataclasses
import re

from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from config.clientip import address_key, client_address
from playground import sandboxes
from playground.engine import ApiError
from translator import mapping, service
from translator.model import MAX_BYTES, TranslateError, dns_name
from translator.ovf import MAX_OVA_BYTES

FIELD_LIMIT = gettext_lazy(
    "The pasted text is larger than the server accepts in a form field; upload it as a file instead."
)


def _read(request: HttpRequest) -> tuple[bytes, str, str]:
    """(data, filename, field with the problem) from an upload, the paste box or the
    hidden copy a result page carries."""
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size > MAX_OVA_BYTES:
            raise TranslateError(
                gettext_noop("The file is %(size)s bytes; uploads are limited to %(limit)s bytes"),
                size=f"{upload.size:,}",
                limit=f"{MAX_OVA_BYTES:,}",
            )
        return upload.read(), upload.name, "file"
    text = request.POST.get("source", "")
    if not text.strip():
        raise TranslateError(gettext_noop("Paste a .vmx or an .ovf, or choose a file to upload."))
    filename = request.POST.get("filename", "").strip()[:200] or (
        "pasted.ovf" if text.lstrip().startswith("<") else "pasted.vmx"
    )
    return text.encode(), filename, "source"


def _translate(request: HttpRequest):
    try:
        data, filename, field = _read(request)
    except RequestDataTooBig:
        return None, {"field": "source", "message": FIELD_LIMIT}
    except TranslateError as error:
        return None, {
            "field": "file" if request.FILES.get("file") else "source",
            "message": error.text.render(gettext),
        }
    try:
        return service.translate(data, filename), None
    except TranslateError as error:
        return None, {"field": field, "message": error.text.render(gettext)}


def _sandboxes(request: HttpRequest):
    owner = sandboxes.visitor(request.session)
    return list(sandboxes.owned(owner).order_by("-updated").values("public_id", "name", "profile")[:20])


@require_http_methods(["GET", "POST"])
def translate_page(request: HttpRequest) -> HttpResponse:
    context = {
        "limit": MAX_BYTES,
        "ova_limit": MAX_OVA_BYTES,
        "api_version": service.to_vm_service.API_VERSION,
    }
    if request.method == "GET":
        return render(request, "translator/translate.html", context)
    try:
        translation, error = _translate(request)
    except RequestDataTooBig:
        translation, error = None, {"field": "source", "message": FIELD_LIMIT}
    if error:
        context["error"] = error
        if error["field"] == "source":
            try:
                context["pasted"] = request.POST.get("source", "")[:MAX_BYTES]
            except RequestDataTooBig:
                context["pasted"] = ""
        return render(request, "translator/translate.html", context, status=400)
    return render(request, "translator/translate.html", {**context, **_result(request, translation)})


def _result(request: HttpRequest, translation: service.Translation) -> dict:
    rows, source = translation.rows, translation.source
    # The page carries the descriptor as text: for an .ova, under its member's name.
    carried = source.filename.split(" (", 1)[1][:-1] if source.kind == "ova" else source.filename
    return {
        "carried_name": carried,
        "t": translation,
        "vm_yaml": translation.yaml("vm"),
        "workload_yaml": translation.yaml("workload"),
        "rows": [_localized(r) for r in rows if not r.other],
        "other_rows": [_localized(r) for r in rows if r.other],
        "sandboxes": _sandboxes(request),
        "simulated": gettext(service.SIMULATED),
    }


def _localized(row: mapping.Row) -> mapping.Row:
    """The row in the page's language: its texts through gettext, "line 12" as the
    language says it; setting names, values and field paths stay as the file has them."""
    line = gettext("line %(number)s")
    where = re.sub(r"\bline (\d+)\b", lambda m: line % {"number": m.group(1)}, row.where)
    key, value, machine = row.key, row.value, row.machine
    if key == mapping.ASSUMED_PORT_KEY:
        key = gettext(key)
        value = gettext(mapping.ASSUMED_PORT_VALUE) % {"port": value.split()[0]}
    if machine == mapping.VAPP:
        machine = gettext(machine)
    localized = dataclasses.replace(row, machine=machine, key=key, value=value, where=where)
    localized.vm, localized.workload = row.vm_text.render(gettext), row.workload_text.render(gettext)
    return localized


@require_POST
def download(request: HttpRequest) -> HttpResponse:
    translation, error = _translate(request)
    target = request.POST.get("target", "workload")
    if error or target not in service.TARGETS:
        message = (
            error["message"]
            if error
            else gettext("Unknown translation %(target)r: choose vm or workload.") % {"target": target}
        )
        return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")
    name = dns_name(translation.source.name or translation.source.machines[0].display_name)
    response = HttpResponse(translation.yaml(target), content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{target}.yaml"'
    return response


@require_POST
def apply(request: HttpRequest) -> HttpResponse:
    translation, error = _translate(request)
    context = {
        "limit": MAX_BYTES,
        "ova_limit": MAX_OVA_BYTES,
        "api_version": service.to_vm_service.API_VERSION,
    }
    if error:
        return render(request, "translator/translate.html", {**context, "error": error}, status=400)
    target = request.POST.get("target", "workload")
    namespace = dns_name(request.POST.get("namespace", "") or "default", "ns")
    result = _result(request, translation)
    if target not in service.TARGETS:
        result["apply_error"] = {
            "target": target,
            "message": gettext("Unknown translation %(target)r.") % {"target": target},
        }
        return render(request, "translator/translate.html", {**context, **result}, status=400)
    owner = sandboxes.visitor(request.session)
    chosen = request.POST.get("sandbox", "new")
    try:
        if chosen == "new":
            label = translation.source.name or translation.source.machines[0].display_name
            sandbox = sandboxes.create(
                owner,
                f"{label} ({'VM Service' if target == 'vm' else 'workload'})",
                "vsphere",
                address=address_key(client_address(request)),
            )
            chosen = sandbox.public_id
        sandbox, _cluster, done = sandboxes.change(
            owner,
            chosen,
            lambda c: service.apply(c, translation, target, namespace),
            f"Apply translation of {translation.source.filename}"[:200],
        )
    except sandboxes.SandboxError as failure:
        result["apply_error"] = {"target": target, "message": failure.message}
        return render(request, "translator/translate.html", {**context, **result}, status=failure.status)
    except ApiError as failure:
        result["apply_error"] = {"target": target, "message": str(failure)}
        return render(request, "translator/translate.html", {**context, **result}, status=400)
    # What was done reads as kubectl prints it ("deployment.apps/web01 created"): English.
    messages.success(request, gettext("Applied: %(done)s") % {"done": "; ".join(done)})
    return redirect("playground:sandbox", public_id=sandbox.public_id)
