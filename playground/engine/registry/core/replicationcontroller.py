"""v1 ReplicationController: the ReplicaSet's predecessor, as older tutorials use it.

Strategy as pkg/registry/core/replicationcontroller/strategy.go: defaults as
SetDefaults_ReplicationController (the selector and labels from the template's labels,
one replica), validation as ValidateReplicationController (a non-empty selector that the
template's labels match, restartPolicy Always), generation tracked, the status reset on
create and kept on update; kubectl's columns as printReplicationController.
"""

from playground.engine import defaults, validation
from playground.engine.errors import required
from playground.engine.printers import age, images
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, STATUS_SCALE, template_quantities, zero_status


def _default(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if template_labels:
        if not spec.get("selector"):
            spec["selector"] = dict(template_labels)
        if not obj["metadata"].get("labels"):
            obj["metadata"]["labels"] = dict(template_labels)
    spec.setdefault("replicas", 1)
    spec.setdefault("minReadySeconds", 0)
    if isinstance(spec.get("template"), dict):
        defaults.pod_template(spec["template"])


def _validate(obj: dict) -> list:
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    if not selector:  # the template is still checked, but not against a selector
        rest = validation.replicaset({**obj, "spec": {**spec, "selector": {"matchLabels": {"-": "-"}}}})
        skipped = ("spec.selector", "spec.template.metadata.labels")
        return [required("spec.selector"), *(e for e in rest if not e.field.startswith(skipped))]
    as_replicaset = {**obj, "spec": {**spec, "selector": {"matchLabels": selector}}}
    return validation.replicaset(as_replicaset)


def _selector_text(obj: dict) -> str:
    selector = (obj.get("spec") or {}).get("selector") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items())) or "<none>"


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return [
        obj["metadata"].get("name", ""),
        str(spec.get("replicas", 1)),
        str(status.get("replicas", 0)),
        str(status.get("readyReplicas", 0)),
        age(obj, now),
        *images(obj),
        _selector_text(obj),
    ]


def _selector_update(new: dict, old: dict) -> list:
    return []  # an RC's selector may change (ValidateReplicationControllerUpdate has no immutability)


register(
    Strategy(
        kind="ReplicationController",
        group="",
        version="v1",
        plural="replicationcontrollers",
        namespaced=True,
        short_names=("rc",),
        categories=ALL,
        subresources=STATUS_SCALE,
        defaulter=_default,
        validator=_validate,
        update_validator=_selector_update,
        generation=True,
        initial_status=zero_status(replicas=0),
        quantities=template_quantities,
        columns=("NAME", "DESIRED", "CURRENT", "READY", "AGE"),
        wide_columns=("CONTAINERS", "IMAGES", "SELECTOR"),
        printer=printer,
        counterpart="HA/FT group of identical VMs (the older API)",
    )
)
