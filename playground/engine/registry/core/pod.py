"""v1 Pod: a VM."""

from playground.engine import defaults, validation
from playground.engine.podstatus import pod_display
from playground.engine.printers import age, restarts_cell
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, pod_quantities


def initial_status(obj: dict) -> None:
    from playground.engine.resources import qos_class

    obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj)}
    if (obj.get("spec") or {}).get("schedulingGates"):
        # applySchedulingGatedCondition (pkg/registry/core/pod/strategy.go): a pod created with
        # scheduling gates says why the scheduler leaves it alone.
        obj["status"]["conditions"] = [
            {
                "type": "PodScheduled",
                "status": "False",
                "lastProbeTime": None,
                "lastTransitionTime": None,
                "reason": "SchedulingGated",
                "message": "Scheduling is blocked due to non-empty scheduling gates",
            }
        ]


def gated_since_creation(obj: dict) -> None:
    """The SchedulingGated condition's transition time is the pod's creation."""
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("reason") == "SchedulingGated" and cond.get("lastTransitionTime") is None:
            cond["lastTransitionTime"] = obj["metadata"]["creationTimestamp"]


RESIZABLE = ("cpu", "memory")


def resize_update(obj: dict, old: dict) -> tuple[dict, list]:
    """The ``resize`` subresource (``podResizeStrategy`` in pkg/registry/core/pod/strategy.go,
    ``ValidatePodResize`` in pkg/apis/core/validation): only the containers' ``resources``
    and ``resizePolicy`` are taken from what was sent (restartable init containers' too);
    everything else stays as stored. Only cpu and memory may change, requests and limits
    cannot be removed, and the pod's QoS class may not change."""
    from playground.engine.errors import forbidden_field, invalid
    from playground.engine.resources import qos_class
    from playground.engine.util import deep_copy

    new = deep_copy(old)
    sent = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    errors: list = []
    for key in ("containers", "initContainers"):
        stored = (new.get("spec") or {}).get(key) or []
        given = sent.get(key) or []
        if not given:
            continue
        if [c.get("name") for c in given] != [c.get("name") for c in stored]:
            errors.append(
                forbidden_field(f"spec.{key}", "containers may not be renamed or reordered on resize")
            )
            continue
        for i, (c, want) in enumerate(zip(stored, given, strict=True)):
            resources = want.get("resources") if isinstance(want.get("resources"), dict) else {}
            current = c.get("resources") or {}
            if resources == current and want.get("resizePolicy", c.get("resizePolicy")) == c.get(
                "resizePolicy"
            ):
                continue
            path = f"spec.{key}[{i}].resources"
            if key == "initContainers" and c.get("restartPolicy") != "Always":
                errors.append(
                    forbidden_field(path, "resources for non-sidecar init containers are immutable")
                )
                continue
            for section in ("requests", "limits"):
                was, now = current.get(section) or {}, resources.get(section) or {}
                if any(was.get(r) != now.get(r) for r in set(was) | set(now) if r not in RESIZABLE):
                    errors.append(forbidden_field("spec", "only cpu and memory resources are mutable"))
                elif set(was) - set(now):
                    errors.append(
                        forbidden_field(f"{path}.{section}", f"resource {section} cannot be removed")
                    )
            resources = deep_copy(resources)
            for name, value in (resources.get("limits") or {}).items():
                resources.setdefault("requests", {}).setdefault(name, value)
            c["resources"] = resources
            if "resizePolicy" in want:
                c["resizePolicy"] = want["resizePolicy"]
    if errors:
        return new, errors
    errors = validation.pod(new)
    before = (old.get("status") or {}).get("qosClass") or qos_class(old)
    if not errors and qos_class(new) != before:
        errors.append(invalid("spec", before, "Pod QOS Class may not change as a result of resizing"))
    return new, errors


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ready, restarts, reason, last = pod_display(obj)
    return [
        obj["metadata"].get("name", ""),
        ready,
        reason,
        restarts_cell(restarts, last, now),
        age(obj, now),
        status.get("podIP") or "<none>",
        spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>",
        "<none>",
    ]


register(
    Strategy(
        kind="Pod",
        group="",
        version="v1",
        plural="pods",
        namespaced=True,
        short_names=("po",),
        categories=ALL,
        subresources=("status", "binding", "eviction", "log", "exec", "ephemeralcontainers", "resize"),
        subresource_updates={"resize": resize_update},
        defaulter=defaults.pod,
        validator=validation.pod,
        update_validator=validation.pod_update,
        initial_status=initial_status,
        after_uid=gated_since_creation,
        # Admission set these on create; an update that leaves them out keeps them.
        spec_kept_on_update=(
            "serviceAccountName",
            "serviceAccount",
            "priority",
            "preemptionPolicy",
            "enableServiceLinks",
        ),
        quantities=pod_quantities,
        columns=("NAME", "READY", "STATUS", "RESTARTS", "AGE"),
        wide_columns=("IP", "NODE", "NOMINATED NODE", "READINESS GATES"),
        printer=printer,
        counterpart="VM",
    )
)
