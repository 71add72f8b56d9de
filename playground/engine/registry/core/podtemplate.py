"""v1 PodTemplate: a stored pod template (client fixtures and older tutorials use it).

pkg/registry/core/podtemplate/strategy.go: the template's pod defaults, ValidatePodTemplate
(the template's labels and pod spec), generation tracked; kubectl's columns as
printPodTemplate (NAME, CONTAINERS, IMAGES, POD LABELS)."""

from playground.engine import defaults
from playground.engine.errors import required
from playground.engine.registry.base import Strategy, register
from playground.engine.validation import label_errors, pod_spec_errors


def _default(obj: dict) -> None:
    if isinstance(obj.get("template"), dict):
        defaults.pod_template(obj["template"])


def _validate(obj: dict) -> list:
    template = obj.get("template")
    if not isinstance(template, dict):
        return [required("template")]
    errors = label_errors((template.get("metadata") or {}).get("labels"), "template.metadata.labels")
    return errors + pod_spec_errors(template.get("spec"), "template.spec")


def printer(obj: dict, now: float) -> list[str]:
    template = obj.get("template") or {}
    containers = (template.get("spec") or {}).get("containers") or []
    labels = (template.get("metadata") or {}).get("labels") or {}
    return [
        obj["metadata"].get("name", ""),
        ",".join(c.get("name", "") for c in containers),
        ",".join(c.get("image", "") for c in containers),
        ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>",
    ]


register(
    Strategy(
        kind="PodTemplate",
        group="",
        version="v1",
        plural="podtemplates",
        namespaced=True,
        has_status=False,
        defaulter=_default,
        validator=_validate,
        generation=True,
        columns=("NAME", "CONTAINERS", "IMAGES", "POD LABELS"),
        printer=printer,
        counterpart="VM template",
    )
)
