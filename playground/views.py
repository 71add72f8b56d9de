"""The playground's pages. Views stay thin: the sandbox service does the work."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import yaml
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from concepts.catalogue import catalogue
from concepts.diagrams import DiagramError
from concepts.i18n import active_language
from config.clientip import address_key, client_address
from playground import checks_worker, console, lab_attempts, sandboxes, workspace
from playground import paths as learning_paths
from playground.engine import ApiError, addons, quantity
from playground.engine.kinds import resolve
from playground.engine.network import (
    cni_name,
    enforces_network_policy,
    load_balancer_name,
    pod_network,
)
from playground.engine.scheduler.config import InvalidSchedulerConfig
from playground.engine.text import narrate
from playground.engine.util import key_of
from playground.inventory import (
    COUNTERPART,
    event_rows,
    hosts_tree,
    tasks_pane,
    with_urls,
    workloads_tree,
)
from playground.kubeapi import kubeconfig as kubeconfig_file
from playground.labs import labs
from playground.labs.runner import SolutionError
from playground.models import LabAttempt
from playground.scenarios import scenarios
from playground.topology import highlights
from playground.topology import svg as topology_svg

MAX_MANIFEST = 256 * 1024


def _fail(request: HttpRequest, error: sandboxes.SandboxError, field: str = "") -> HttpResponse:
    """A full error page, or for an in-page action a message shown where the learner acted
    (errors.js), leaving the page and what they typed in place: beside the form's `field`
    when one value is at fault."""
    if request.htmx:
        response = HttpResponse(error.message, status=error.status, content_type="text/plain; charset=utf-8")
        response["HX-Reswap"] = "none"
        detail = {"message": error.message, **({"field": field} if field else {})}
        response["HX-Trigger"] = json.dumps({"inband-error": detail})
        return response
    return render(request, "playground/error.html", {"message": error.message}, status=error.status)


def _whole_number(text: str) -> int | None:
    """A form's whole number: ASCII digits only (str.isdigit also takes '²'), and short
    enough that int() never meets Python's int-string limit."""
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _bad_quantity(values: dict[str, str]) -> str | None:
    """The first form field whose value is not a resource quantity."""
    for name, value in values.items():
        try:
            quantity.parse(value)
        except quantity.QuantityError:
            return name
    return None


def _broken(request: HttpRequest, error: sandboxes.BrokenState) -> HttpResponse:
    """The page of a sandbox whose state does not load: the message, Reset and Rewind."""
    sandbox = error.sandbox
    context = {
        "sandbox": sandbox,
        "message": error.message,
        "snapshots": sandbox.snapshots.defer("state", "parts")[:40],
    }
    return render(request, "playground/broken.html", context)


def _address(request: HttpRequest) -> str:
    """The client's address as the per-address sandbox limits count it."""
    return address_key(client_address(request))


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    return render(
        request,
        "playground/index.html",
        {
            "sandboxes": sandboxes.owned(owner),
            "profiles": sandboxes.PROFILES,
            "scenarios": scenarios().values(),
            "limit": sandboxes.MAX_SANDBOXES_PER_VISITOR,
        },
    )


@require_POST
def create(request: HttpRequest) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        sandbox = sandboxes.create(
            owner,
            request.POST.get("name", ""),
            request.POST.get("profile", "default"),
            request.POST.get("scenario", ""),
            address=_address(request),
        )
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    return redirect("playground:sandbox", public_id=sandbox.public_id)


def _context(sandbox, cluster, request, parts=None, tab=None) -> dict:
    """The workspace around a sandbox; `parts` limits a poll to the live pieces on view."""

    def url(kind, ns, name):
        return reverse("playground:object", args=[sandbox.public_id, kind, ns or "-", name])

    parts = set(workspace.LIVE_PARTS) if parts is None else parts
    context = {
        "sandbox": sandbox,
        "clock": cluster.clock,
        "clock_text": workspace.clock_text(cluster.clock),
        "work_status": workspace.work_status(cluster),
        "summary": workspace.summary(cluster),
        "steps": list(cluster.steps)[-8:][::-1],
        "snapshots": sandbox.snapshots.defer("state", "parts")[:12],
        "parts": parts,
        "tab": tab or "summary",
        "tabs": workspace.TABS,
    }
    # While the learner steps a paused clock, what the last Step touched glows in the diagram;
    # the glow ends with anything else (Settle, a change, time moving on): Cluster.step_lit.
    last_step = cluster.step_lit if sandbox.paused else None
    lit = highlights(cluster, last_step)
    context["highlighted"] = bool(lit)
    if "hosts" in parts or "workloads" in parts:
        hosts, namespaces = hosts_tree(cluster), workloads_tree(cluster)
        with_urls(hosts, namespaces, url)
        context.update(
            hosts=hosts,
            namespaces=namespaces,
            nodes=sorted(n["metadata"]["name"] for n in cluster.store.iter("Node")),
            down=set(cluster.down_nodes),
            control_plane=_control_plane_nodes(cluster),
        )
    if "topology" in parts:
        try:
            context["diagram"] = topology_svg(cluster, url, settings.GRAPHVIZ_DOT, lit)
        except DiagramError as error:
            context["diagram"], context["diagram_error"] = None, str(error)
    else:
        context["topology_skipped"] = True
    if "network" in parts:
        context["services"] = workspace.services(cluster)
        context["load_balancer"] = load_balancer_name(cluster)
        context["pod_network"] = {"name": cni_name(cluster), "enforces": enforces_network_policy(cluster)}
    return context


def _workspace(sandbox, cluster, request) -> dict:
    """Everything the full workspace page needs besides the live pieces."""
    context = _context(sandbox, cluster, request, tab=workspace.tab(request.GET.get("tab")))
    context.update(
        scenario=scenarios().get(sandbox.scenario) if sandbox.scenario else None,
        examples=EXAMPLES,
        watch_minutes=settings.KUBE_API_WATCH_SECONDS // 60,
        try_commands=workspace.try_commands(cluster),
        scheduler_text=yaml.safe_dump(cluster.scheduler_config, sort_keys=False)
        if cluster.scheduler_config
        else "",
        scheduler_example=SCHEDULER_EXAMPLE,
        region="cluster",
    )
    return context


def _control_plane_nodes(cluster) -> set[str]:
    return {
        n["metadata"]["name"]
        for n in cluster.store.iter("Node")
        if "node-role.kubernetes.io/control-plane" in (n["metadata"].get("labels") or {})
    }


@require_GET
def sandbox_page(request: HttpRequest, public_id) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        sandbox, cluster = sandboxes.view(owner, public_id)
    except sandboxes.BrokenState as error:
        if request.htmx:
            return HttpResponseClientRedirect(reverse("playground:sandbox", args=[public_id]))
        return _broken(request, error)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    if request.htmx:
        context = _context(sandbox, cluster, request, parts=workspace.parts(request.GET.get("parts")))
        return render(request, "playground/_live.html", context)
    return render(request, "playground/sandbox.html", _workspace(sandbox, cluster, request))


@require_GET
def recent_tasks_pane(request: HttpRequest, public_id) -> HttpResponse:
    """The Recent Tasks pane's rows, filtered and paged (its htmx poll sends the filter
    and the page each time); without htmx, the pane as a page of its own."""
    owner = sandboxes.visitor(request.session)
    try:
        sandbox, cluster = sandboxes.view(owner, public_id)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    context = {"sandbox": sandbox, "pane": tasks_pane(cluster, request.GET)}
    if request.htmx:
        return render(request, "playground/_tasks_pane.html#rows", {**context, "oob": True})
    return render(request, "playground/recent_tasks.html", context)


def _done(request, sandbox, message: str, level=messages.SUCCESS) -> HttpResponse:
    messages.add_message(request, level, message)
    target = reverse("playground:sandbox", args=[sandbox.public_id])
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


@require_POST
def apply(request: HttpRequest, public_id) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    text = request.POST.get("manifest", "")
    if len(text.encode()) > MAX_MANIFEST:
        result = {
            "ok": False,
            "lines": [
                f"error: the manifest is {len(text.encode())} bytes; the limit is {MAX_MANIFEST} bytes"
            ],
        }
        return render(request, "playground/_apply.html#apply-result", {"result": result}, status=413)
    try:
        sandbox, cluster, outcome = sandboxes.change(owner, public_id, lambda c: c.apply(text), "Apply YAML")
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    except ApiError as error:
        result = {"ok": False, "lines": [_kubectl_error(error)]}
        return render(
            request,
            "playground/_apply.html#apply-result",
            {"result": result, "manifest": text},
            status=error.code if error.code < 500 else 400,
        )
    lines = console.applied(outcome)
    result = {"ok": True, "lines": lines or ["(no objects in the manifest)"]}
    if request.htmx:
        response = render(request, "playground/_apply.html#apply-result", {"result": result})
        response["HX-Trigger"] = "sandbox-changed"
        return response
    return _done(request, sandbox, "; ".join(result["lines"]))


@require_POST
def run_console(request: HttpRequest, public_id) -> HttpResponse:
    """One kubectl command line; reads look at the sandbox, writes go through change().
    Answers JSON {ok, output, changed} to the terminal (Accept: application/json), the
    result fragment to htmx, and a redirect with a message to a plain form post."""
    owner = sandboxes.visitor(request.session)
    wants_json = "application/json" in request.headers.get("Accept", "")
    line = request.POST.get("command", "").strip()
    context = {"command": line}
    status = 200
    try:
        command = console.parse(line)
        if command.writes:
            _sandbox, _cluster, output = sandboxes.change(
                owner,
                public_id,
                lambda c: console.run(c, command),
                _label(line),
            )
        else:
            _sandbox, cluster = sandboxes.view(owner, public_id)
            output = console.run(cluster, command)
        context["console"] = {"ok": True, "text": output}
    except sandboxes.SandboxError as error:
        if wants_json:
            return JsonResponse({"ok": False, "output": error.message, "changed": False}, status=error.status)
        return _fail(request, error)
    except console.ConsoleError as error:
        context["console"] = {"ok": False, "text": str(error)}
        status = 400 if str(error).lower().startswith("error:") else 200
    except ApiError as error:
        context["console"] = {"ok": False, "text": _kubectl_error(error)}
        status = error.code if error.code < 500 else 400
    if wants_json:
        # The terminal: kubectl's errors are answers too (status 200), printed in red.
        ok = context["console"]["ok"]
        changed = ok and command.writes
        return JsonResponse({"ok": ok, "output": context["console"]["text"], "changed": changed})
    if not request.htmx:
        level = messages.SUCCESS if context["console"]["ok"] else messages.ERROR
        messages.add_message(request, level, context["console"]["text"] or "(no output)")
        return redirect(reverse("playground:sandbox", args=[public_id]))
    response = render(request, "playground/_console_result.html", context, status=status)
    if context["console"]["ok"] and command.writes:
        response["HX-Trigger"] = "sandbox-changed"
    return response


@require_GET
def complete_console(request: HttpRequest, public_id) -> HttpResponse:
    """Tab completion for the terminal: ?line=<text left of the cursor> →
    {"candidates": [...], "replace": <characters of the line they replace>}."""
    owner = sandboxes.visitor(request.session)
    line = request.GET.get("line", "")[: console.MAX_LINE]
    try:
        _sandbox, cluster = sandboxes.view(owner, public_id)
    except sandboxes.SandboxError as error:
        return JsonResponse({"candidates": [], "replace": 0, "error": error.message}, status=error.status)
    return JsonResponse(console.complete(cluster, line))


def _label(line: str) -> str:
    """The snapshot label for a console command: its first line, shortened."""
    first = "kubectl " + line.split("\n", 1)[0].strip().removeprefix("kubectl ")
    return first if len(first) <= 80 else first[:79] + "…"


def _kubectl_error(error: ApiError) -> str:
    return f"Error from server ({error.reason}): {error.message}"


# action: (snapshot label, what happened, how Kubernetes does it), as sentences for the flash.
SCHEDULER_EXAMPLE = """apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
  - schedulerName: default-scheduler
    pluginConfig:
      - name: NodeResourcesFit
        args:
          scoringStrategy:
            type: MostAllocated   # pack pods onto fewer hosts, like DRS consolidating
"""


@require_POST
def scheduler_config(request: HttpRequest, public_id) -> HttpResponse:
    """The sandbox's KubeSchedulerConfiguration: kube-scheduler's profiles, plugins and weights
    (DRS's automation level and rules, set on the cluster). Empty restores the defaults."""
    owner = sandboxes.visitor(request.session)
    text = request.POST.get("config", "")
    if len(text.encode()) > MAX_MANIFEST:
        return _scheduler_result(
            request, False, [f"error: the configuration is over {MAX_MANIFEST} bytes"], text, 413
        )
    try:
        sandboxes.change(
            owner,
            public_id,
            lambda c: c.set_scheduler_config(text if text.strip() else None),
            "Scheduler configuration",
        )
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    except InvalidSchedulerConfig as error:
        lines = ["error: the KubeSchedulerConfiguration is invalid:", *(f"* {e}" for e in error.errors)]
        return _scheduler_result(request, False, lines, text, 422)
    message = (
        "kube-scheduler reconfigured: new pods are placed by these profiles."
        if text.strip()
        else "kube-scheduler is back on its default profile."
    )
    if request.htmx:
        response = _scheduler_result(request, True, [message], text, 200)
        response["HX-Trigger"] = "sandbox-changed"
        return response
    return _done(request, sandboxes.get(owner, public_id), message)


def _scheduler_result(request, ok: bool, lines: list[str], text: str, status: int) -> HttpResponse:
    context = {"scheduler_result": {"ok": ok, "lines": lines}, "scheduler_text": text}
    if request.htmx:
        return render(request, "playground/_apply.html#scheduler-result", context, status=status)
    messages.add_message(request, messages.SUCCESS if ok else messages.ERROR, " ".join(lines))
    return redirect(
        reverse("playground:sandbox", args=[request.resolver_match.kwargs["public_id"]]) + "?tab=yaml"
    )


NODE_ACTIONS = {  # (snapshot label, what happened, how Kubernetes does it): the last two shown translated
    "enter-maintenance": (
        "Enter maintenance mode",
        gettext_noop(
            "%(node)s is in maintenance mode: it is cordoned, and its pods were evicted to be replaced elsewhere."
        ),
        gettext_noop("In Kubernetes: kubectl drain %(node)s --ignore-daemonsets --delete-emptydir-data"),
    ),
    "exit-maintenance": (
        "Exit maintenance mode",
        gettext_noop("%(node)s left maintenance mode: the scheduler may place new pods on it again."),
        gettext_noop("In Kubernetes: kubectl uncordon %(node)s"),
    ),
    "fail": (
        "Simulate host failure",
        gettext_noop("%(node)s failed: its kubelet stopped posting status."),
        gettext_noop(
            "In Kubernetes there is no command for this; the node controller notices after 50 s "
            "and evicts the pods 5 minutes later."
        ),
    ),
    "power-on": (
        "Power on",
        gettext_noop("%(node)s is powered on: its kubelet posts status again."),
        gettext_noop(
            "In Kubernetes there is no command for this; the node controller marks the node Ready "
            "when its kubelet reports."
        ),
    ),
}


@require_POST
def node_action(request: HttpRequest, public_id, node: str, action: str) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    if action not in NODE_ACTIONS:
        return _fail(
            request,
            sandboxes.SandboxError(gettext("Unknown host action %(action)r.") % {"action": action}, 404),
        )
    title, happened, how = NODE_ACTIONS[action]

    def act(cluster):
        if action == "enter-maintenance":
            return cluster.drain(node, ignore_daemonsets=True, delete_emptydir_data=True)
        if action == "exit-maintenance":
            return cluster.uncordon(node)
        if action == "fail":
            return cluster.fail_node(node)
        return cluster.recover_node(node)

    try:
        sandbox, _cluster, result = sandboxes.change(owner, public_id, act, f"{title}: {node}")
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    except ApiError as error:
        return _fail(request, sandboxes.SandboxError(_kubectl_error(error), error.code))
    happened, how = gettext(happened) % {"node": node}, gettext(how) % {"node": node}
    message = f"{happened} {how}"
    if action == "enter-maintenance" and isinstance(result, dict):
        problems = result.get("errors") or [b["message"] for b in result.get("blocked") or []]
        if problems:
            message = (
                gettext("%(node)s is cordoned but not drained: %(problems)s.")
                % {"node": node, "problems": "; ".join(problems)}
                + f" {how}"
            )
            return _done(request, sandbox, message, messages.WARNING)
    return _done(request, sandbox, message)


@require_POST
def add_node(request: HttpRequest, public_id) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        sandbox, _cluster, node = sandboxes.change(owner, public_id, lambda c: c.add_node(), "Add host")
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    except ApiError as error:
        return _fail(request, sandboxes.SandboxError(_kubectl_error(error), error.code))
    return _done(
        request,
        sandbox,
        gettext(
            "Added host %(node)s: its kubelet registered it as a Node. "
            "In Kubernetes: run kubeadm join on the new machine."
        )
        % {"node": node["metadata"]["name"]},
    )


@require_POST
def edit_workload(request: HttpRequest, public_id, kind: str, namespace: str, name: str) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    replicas = request.POST.get("replicas", "").strip()
    image = request.POST.get("image", "").strip()
    changes: list[str] = []
    commands: list[str] = []

    def act(cluster):
        # The form opens with the current values: change only what differs (this may be
        # replayed on a newer state, so it starts afresh each time).
        changes.clear()
        commands.clear()
        obj = cluster.get(kind, name, namespace)
        ref = f"{kind.lower()}/{name} -n {namespace}"
        current = obj["spec"].get("replicas", 1)
        if replicas and _whole_number(replicas) != current:
            cluster.scale(kind, name, _whole_number(replicas), namespace=namespace)
            changes.append(f"replicas {current} → {replicas}")
            commands.append(f"kubectl scale {ref} --replicas={replicas}")
        first = obj["spec"]["template"]["spec"]["containers"][0]
        if image and image != first.get("image"):
            cluster.set_image(kind, name, {first["name"]: image}, namespace=namespace)
            changes.append(f"image {first.get('image')} → {image}")
            commands.append(f"kubectl set image {ref} {first['name']}={image}")

    if replicas and _whole_number(replicas) is None:
        return _fail(
            request, sandboxes.SandboxError(gettext("Replicas must be a whole number."), 400), "replicas"
        )
    try:
        sandbox, _cluster, _ = sandboxes.change(owner, public_id, act, f"Edit settings: {kind} {name}")
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    except ApiError as error:
        return _fail(request, sandboxes.SandboxError(_kubectl_error(error), error.code))
    if not changes:
        return _done(
            request,
            sandbox,
            gettext("%(kind)s %(name)s already has these settings: nothing changed.")
            % {"kind": kind, "name": name},
        )
    return _done(
        request,
        sandbox,
        f"Edited {kind} {name}: " + ", ".join(changes) + ". In Kubernetes: " + " && ".join(commands),
    )


QUOTA_FIELDS = ("requests.cpu", "limits.cpu", "requests.memory", "limits.memory", "pods")


@require_POST
def edit_namespace(request: HttpRequest, public_id, namespace: str) -> HttpResponse:
    """Resource-pool settings: reservation and limit become a ResourceQuota, per-VM
    defaults a LimitRange; an emptied form removes both."""
    owner = sandboxes.visitor(request.session)
    hard = {k: request.POST.get(k, "").strip() for k in QUOTA_FIELDS}
    hard = {k: v for k, v in hard.items() if v}
    default = {k: request.POST.get(f"default.{k}", "").strip() for k in ("cpu", "memory")}
    default = {k: v for k, v in default.items() if v}
    wrong = _bad_quantity(hard) or _bad_quantity({f"default.{k}": v for k, v in default.items()})
    if wrong:
        message = f"{wrong}: {request.POST.get(wrong, '').strip()[:40]!r} is not a quantity such as 500m, 2 or 512Mi."
        return _fail(request, sandboxes.SandboxError(message, 400), wrong)
    commands = []
    if hard:
        commands.append(
            f"kubectl create quota resource-settings -n {namespace} --hard="
            + ",".join(f"{k}={v}" for k, v in hard.items())
        )
    if default:
        commands.append(f"kubectl apply -n {namespace} -f limitrange.yaml  (default limits {default})")

    def act(cluster):
        manifests = []
        if hard:
            manifests.append(
                {
                    "apiVersion": "v1",
                    "kind": "ResourceQuota",
                    "metadata": {"name": "resource-settings", "namespace": namespace},
                    "spec": {"hard": hard},
                }
            )
        if default:
            manifests.append(
                {
                    "apiVersion": "v1",
                    "kind": "LimitRange",
                    "metadata": {"name": "resource-settings", "namespace": namespace},
                    "spec": {
                        "limits": [{"type": "Container", "default": default, "defaultRequest": default}]
                    },
                }
            )
        if manifests:
            cluster.apply(manifests, namespace)
        for kind, wanted in (("ResourceQuota", hard), ("LimitRange", default)):
            if not wanted:
                try:
                    cluster.delete(kind, "resource-settings", namespace)
                    commands.append(f"kubectl delete {kind.lower()} resource-settings -n {namespace}")
                except ApiError as error:
                    if error.code != 404:
                        raise

    try:
        sandbox, _cluster, _ = sandboxes.change(owner, public_id, act, f"Edit resource settings: {namespace}")
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    except ApiError as error:
        return _fail(
            request, sandboxes.SandboxError(_kubectl_error(error), error.code if error.code < 500 else 400)
        )
    if not commands:
        return _done(
            request,
            sandbox,
            gettext("Namespace %(namespace)s has no resource settings: nothing changed.")
            % {"namespace": namespace},
        )
    return _done(
        request,
        sandbox,
        gettext("Edited the resource settings of namespace %(namespace)s. In Kubernetes: %(commands)s")
        % {"namespace": namespace, "commands": " && ".join(commands)},
    )


@require_POST
def clock(request: HttpRequest, public_id) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    what = request.POST.get("do", "")
    try:
        if what in ("pause", "play"):
            sandbox, _c, _ = sandboxes.change(
                owner, public_id, lambda c: None, what, snapshot=False, paused=(what == "pause")
            )
            return _done(
                request, sandbox, gettext("Clock paused.") if what == "pause" else gettext("Clock running.")
            )
        if what == "speed":
            speed = _whole_number(request.POST.get("speed", "1"))
            if speed not in (1, 10, 60):
                return _fail(request, sandboxes.SandboxError(gettext("Speed is 1, 10 or 60."), 400), "speed")
            sandbox, _c, _ = sandboxes.change(
                owner, public_id, lambda c: None, "speed", snapshot=False, speed=speed
            )
            return _done(request, sandbox, gettext("Speed set to %(speed)s×.") % {"speed": speed})
        if what == "step":
            sandbox, _c, record = sandboxes.change(
                owner, public_id, lambda c: c.step(), "Step", run_now=False, paused=True
            )
            text = (
                f"{record['component']}: {narrate(record, gettext)}"
                if record
                else gettext("Nothing is waiting: the cluster is settled.")
            )
            return _done(request, sandbox, text)
        if what == "settle":
            sandbox, _c, steps = sandboxes.change(owner, public_id, lambda c: c.settle(), "Settle")
            return _done(
                request,
                sandbox,
                gettext("Ran %(steps)s unit(s) of work until nothing was due.") % {"steps": steps},
            )
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    except ValueError:
        return _fail(request, sandboxes.SandboxError(gettext("Speed is 1, 10 or 60."), 400))
    return _fail(
        request, sandboxes.SandboxError(gettext("Unknown clock action %(action)r.") % {"action": what}, 400)
    )


@require_GET
def object_page(request: HttpRequest, public_id, kind: str, namespace: str, name: str) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        sandbox, cluster = sandboxes.view(owner, public_id)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    rt = resolve(kind, registry=cluster.api.registry)  # custom resources too
    ns = None if namespace == "-" else namespace
    try:
        if rt is None:
            raise ApiError(404, "NotFound", f'the server doesn\'t have a resource type "{kind}"')
        obj = cluster.get(kind, name, ns)
    except ApiError as error:
        return _fail(request, sandboxes.SandboxError(error.message, 404))

    def url(ref_kind, ref_ns, ref_name):
        return reverse("playground:object", args=[sandbox.public_id, ref_kind, ref_ns or "-", ref_name])

    owners = [
        {"kind": ref.get("kind"), "name": ref.get("name"), "url": url(ref.get("kind"), ns, ref.get("name"))}
        for ref in obj["metadata"].get("ownerReferences") or []
    ]
    dependents = [
        {
            "kind": d.get("kind"),
            "name": d["metadata"]["name"],
            "url": url(d.get("kind"), d["metadata"].get("namespace"), d["metadata"]["name"]),
        }
        for d in cluster.store.dependents_of(obj["metadata"]["uid"])
    ]
    events = event_rows(cluster.events(namespace=ns or None, kind=rt.kind, name=name)[::-1])
    decision = cluster.scheduling_decision(name, ns) if rt.kind == "Pod" else None
    # An addon's kind says what it is (its CRD's description, marked in the addon).
    about = addons.description(getattr(rt, "group", ""), rt.kind)
    return render(
        request,
        "playground/object.html",
        {
            "sandbox": sandbox,
            "kind": rt.kind,
            "obj": obj,
            "name": name,
            "namespace": ns,
            "yaml": yaml.safe_dump(obj, sort_keys=False, default_flow_style=False),
            "owners": owners,
            "dependents": dependents,
            "events": events,
            "decision": decision,
            "counterpart": COUNTERPART.get(rt.kind, ""),
            "analogy": gettext(ANALOGY[rt.kind]) if rt.kind in ANALOGY else "",
            "about": gettext(about) if about else "",
        },
    )


@require_GET
def network(request: HttpRequest, public_id) -> HttpResponse:
    """The pod network as the profile's CNI plugin builds it, and a request traced hop by hop."""
    owner = sandboxes.visitor(request.session)
    try:
        sandbox, cluster = sandboxes.view(owner, public_id)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    source = request.GET.get("source", "").strip()[:200]
    destination = request.GET.get("destination", "").strip()[:300]
    trace = cluster.trace(source or "outside", destination) if destination else None
    pods = sorted(
        key_of(p)
        for p in cluster.store.iter("Pod")
        if (p.get("status") or {}).get("podIP") and not p["spec"].get("hostNetwork")
    )
    services = []
    for svc in sorted(
        cluster.store.iter("Service"), key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"])
    ):
        spec = svc.get("spec") or {}
        external = [
            i.get("ip") for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        ]
        services.append(
            {
                "name": svc["metadata"]["name"],
                "namespace": svc["metadata"]["namespace"],
                "type": spec.get("type"),
                "clusterIP": spec.get("clusterIP"),
                "ports": spec.get("ports") or [],
                "external": external,
            }
        )
    context = {
        "sandbox": sandbox,
        "network": pod_network(cluster),
        "trace": trace,
        "source": source,
        "destination": destination,
        "pods": pods,
        "services": services,
    }
    if trace is not None:  # the request drawn hop by hop on the topology

        def url(kind, ns, name):
            return reverse("playground:object", args=[sandbox.public_id, kind, ns or "-", name])

        try:
            context["diagram"] = topology_svg(cluster, url, settings.GRAPHVIZ_DOT, trace=trace)
        except DiagramError as error:
            context["diagram"], context["diagram_error"] = None, str(error)
    template = "playground/network.html"
    if request.htmx:
        template += "#trace-result"
    return render(request, template, context)


@require_POST
def manage(request: HttpRequest, public_id, what: str) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        if what == "reset":
            sandbox = sandboxes.reset(owner, public_id)
            return _done(
                request,
                sandbox,
                gettext(
                    "Sandbox reset to its starting state. The old state is kept as the snapshot “Before: Reset”."
                ),
            )
        if what == "duplicate":
            copy = sandboxes.duplicate(owner, public_id, address=_address(request))
            return redirect("playground:sandbox", public_id=copy.public_id)
        if what == "delete":
            sandboxes.delete(owner, public_id)
            messages.success(request, gettext("Sandbox deleted."))
            return (
                HttpResponseClientRedirect(reverse("playground:index"))
                if request.htmx
                else redirect("playground:index")
            )
        if what == "rename":
            try:
                sandbox = sandboxes.rename(owner, public_id, request.POST.get("name", ""))
            except sandboxes.SandboxError as error:
                return _fail(request, error, "name" if error.status == 400 else "")
            return _done(request, sandbox, gettext("Renamed."))
        if what == "rewind":
            snapshot = _whole_number(request.POST.get("snapshot", "0"))
            if snapshot is None:
                return _fail(
                    request, sandboxes.SandboxError(gettext("That snapshot does not exist."), 404), "snapshot"
                )
            sandbox = sandboxes.rewind(owner, public_id, snapshot)
            return _done(
                request,
                sandbox,
                gettext("Went back to the snapshot; the clock is paused so you can look around."),
            )
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    except ValueError:
        return _fail(request, sandboxes.SandboxError(gettext("That snapshot does not exist."), 404))
    return _fail(
        request, sandboxes.SandboxError(gettext("Unknown action %(action)r.") % {"action": what}, 404)
    )


@require_POST
def try_scenario(request: HttpRequest, scenario: str) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        sandbox = sandboxes.create(owner, "", scenario=scenario, address=_address(request))
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    # "Run this" on a concept page: the command waits at the terminal's prompt.
    typed = console.typeable(request.POST.get("type", ""))
    target = reverse("playground:sandbox", args=[sandbox.public_id])
    return redirect(f"{target}?{urlencode({'type': typed})}" if typed else target)


ANALOGY = {
    "Pod": gettext_noop(
        "A pod is the unit placed on a host, like a VM, but it is never migrated or repaired: if it or its host dies, its controller creates a new pod with a new name and IP."
    ),
    "Node": gettext_noop(
        "A node is the machine pods run on, like an ESXi host. Cordon is 'no new VMs here'; drain evicts pods (they are recreated elsewhere, not vMotioned)."
    ),
    "Deployment": gettext_noop(
        "A Deployment keeps N identical pods and rolls new versions through ReplicaSets, like patching a farm of VMs batch by batch behind a load balancer, with the old ReplicaSet kept as the 'snapshot'."
    ),
    "ReplicaSet": gettext_noop(
        "A ReplicaSet replaces lost pods like HA restarts VMs, but all its replicas serve at once; FT's lockstep shadow VM has no counterpart."
    ),
    "Service": gettext_noop(
        "A Service is a one-armed load balancer's VIP; its pool is whatever ready pods match its selector, programmed into every node by kube-proxy."
    ),
    "Namespace": gettext_noop(
        "A namespace scopes names, quotas and permissions like a resource pool plus a VM folder, but it cannot nest and does not isolate the network by itself."
    ),
    "StatefulSet": gettext_noop(
        "Each member keeps its name and its disk across restarts, like a database VM with its VMDK; the application still does the replication."
    ),
    "DaemonSet": gettext_noop(
        "One pod per host, added as hosts join, like an agent installed on every ESXi host."
    ),
    "PersistentVolumeClaim": gettext_noop(
        "A claim asks for a disk; the storage class (a storage policy) decides where it comes from, like a VMDK on a datastore chosen by SPBM."
    ),
    "Ingress": gettext_noop(
        "Host and path rules for an in-line L7 load balancer, served by an ingress controller running in the cluster."
    ),
}

EXAMPLES = {
    "Deployment": """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
          ports: [{containerPort: 80}]
          resources:
            requests: {cpu: 100m, memory: 64Mi}
""",
    gettext_noop("Service (LoadBalancer)"): """apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: LoadBalancer
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 80
""",
    gettext_noop("Namespace with quota"): """apiVersion: v1
kind: Namespace
metadata:
  name: team-a
---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: team-a-quota
  namespace: team-a
spec:
  hard: {requests.cpu: "2", requests.memory: 4Gi, pods: "10"}
""",
    gettext_noop("Pod that cannot pull"): """apiVersion: v1
kind: Pod
metadata:
  name: typo
spec:
  containers:
    - name: web
      image: nginx:1.27-typo
""",
}


def kube_origin(request: HttpRequest) -> str:
    """Where kubectl reaches this app: the configured public URL, else this request's origin."""
    return settings.KUBE_API_PUBLIC_URL or f"{request.scheme}://{request.get_host()}"


@require_GET
def kubeconfig(request: HttpRequest, public_id) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        sandbox = sandboxes.get(owner, public_id)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    text = kubeconfig_file.render(kube_origin(request), sandbox.token, sandbox.name)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kubeconfig-{sandbox.public_id}.yaml"'
    response["Cache-Control"] = "no-store"
    return response


# Labs -----------------------------------------------------------------------------------------


@require_GET
def lab_index(request: HttpRequest) -> HttpResponse:
    """Every lab in curriculum order, with its level, prerequisites and the visitor's status."""
    owner = sandboxes.visitor(request.session)
    attempts = LabAttempt.objects.filter(owner=owner).select_related("sandbox")
    latest = lab_attempts.latest_by_lab(owner)
    rows = []
    for lab in labs().values():
        attempt = latest.get(lab.slug)
        status = "" if attempt is None else "passed" if attempt.completed else "in progress"
        rows.append({"lab": lab, "prerequisites": _prerequisites(lab), "attempt": attempt, "status": status})
    context = {"labs": labs().values(), "rows": rows, "attempts": attempts}
    return render(request, "playground/labs.html", context)


def _prerequisites(lab) -> list[dict]:
    return [{"slug": slug, "title": labs()[slug].title} for slug in lab.prerequisites]


@require_POST
def lab_start(request: HttpRequest, slug: str) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        attempt = lab_attempts.start(owner, slug, address=_address(request))
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    return redirect("playground:lab", public_id=attempt.sandbox.public_id)


@require_GET
def lab_page(request: HttpRequest, public_id) -> HttpResponse:
    return _render_lab(request, public_id)


def _render_lab(request: HttpRequest, public_id) -> HttpResponse:
    """The lab page, or its task list alone (playground/_lab_tasks.html) for htmx: polls,
    the hint button. Both get the same context, for the page includes the task list.
    With a check worker the task list shows what it recorded (checks_worker.read)."""
    owner = sandboxes.visitor(request.session)
    try:
        attempt, lab, states, checking = checks_worker.read(owner, public_id)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    done = lab_attempts.is_complete(attempt, states)
    context = {
        "attempt": attempt,
        "lab": lab,
        "level": lab.level,
        "prerequisites": _prerequisites(lab),
        "tasks": [
            {
                "state": view.state,
                "status": view.status,  # passed (latched) / undone / pending
                "passed_at": view.passed_at,
                "hints": view.state.task.hints[: int(attempt.hints.get(str(view.state.number), 0))],
                "more_hints": int(attempt.hints.get(str(view.state.number), 0)) < len(view.state.task.hints),
            }
            for view in lab_attempts.task_views(attempt, states)
        ],
        "done": done,
        "checking": checking,
        "complete": {"duration": lab_attempts.duration(attempt), "next": lab_attempts.next_lab(attempt)}
        if done
        else None,
        "sandbox": attempt.sandbox,
        "workshop": _workshop_banner(attempt),
    }
    if request.htmx:
        return render(request, "playground/_lab_tasks.html", context)
    sandbox, cluster = sandboxes.view(owner, public_id)
    return render(request, "playground/lab.html", {**_workspace(sandbox, cluster, request), **context})


def _workshop_banner(attempt) -> dict | None:
    """What a workshop learner's lab page shows above the tasks, refreshed with them."""
    if attempt.participant_id is None:
        return None
    workshop = attempt.participant.workshop
    current = workshop.labs[workshop.current]
    return {
        "title": workshop.title,
        "message": workshop.message,
        "paused": workshop.paused,
        "position": workshop.labs.index(attempt.lab) + 1 if attempt.lab in workshop.labs else None,
        "count": len(workshop.labs),
        "moved_on": current != attempt.lab,
        "seat": attempt.participant.public_id,
    }


@require_POST
def lab_hint(request: HttpRequest, public_id, number: int) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        lab_attempts.reveal_hint(owner, public_id, number)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    return _back_to_lab(request, public_id)


@require_POST
def lab_solve(request: HttpRequest, public_id, number: int) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        lab_attempts.apply_solution(owner, public_id, number)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    except (ApiError, SolutionError) as error:
        messages.error(request, gettext("The solution could not be applied: %(error)s") % {"error": error})
    return _back_to_lab(request, public_id)


def _back_to_lab(request, public_id) -> HttpResponse:
    if request.htmx:
        return _render_lab(request, public_id)
    return redirect("playground:lab", public_id=public_id)


# Guided paths ---------------------------------------------------------------------------------


@require_GET
def path_page(request: HttpRequest, slug: str) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        path = learning_paths.get(slug)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    steps = learning_paths.states(owner, path)
    context = {
        "path": path,
        "steps": steps,
        "resume": learning_paths.resume(owner, path),
        "done": sum(1 for s in steps if s.done),
    }
    return render(request, "playground/path.html", context)


def path_step(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    owner = sandboxes.visitor(request.session)
    try:
        path = learning_paths.get(slug)
        if request.method == "POST":
            learning_paths.mark_read(owner, path, number)
            following = min(number + 1, len(path.steps))
            return redirect("playground:path-step", slug=slug, number=following)
        if request.method != "GET":
            return HttpResponse(status=405)
        steps = learning_paths.states(owner, path)
        if not 1 <= number <= len(steps):
            raise sandboxes.SandboxError(gettext("There is no such step."), 404)
    except sandboxes.SandboxError as error:
        return _fail(request, error)
    state = steps[number - 1]
    context = {
        "path": path,
        "state": state,
        "steps": steps,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < len(steps) else None,
        "pair": catalogue(active_language()).get(state.step.slug) if state.step.kind == "concept" else None,
        "lab": labs().get(state.step.slug) if state.step.kind == "lab" else None,
    }
    return render(request, "playground/path_step.html", context)
