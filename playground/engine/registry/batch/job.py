"""batch/v1 Job: a scheduled task that runs once."""

from playground.engine import defaults, validation
from playground.engine.printers import age, human_duration, job_status, workload_wide
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, STATUS, empty_status, template_quantities
from playground.engine.util import parse_time


def generated_selector(job: dict) -> None:
    """As the Job strategy does: a generated selector on the Job's uid, and labels on its pods."""
    spec = job["spec"]
    uid, name = job["metadata"]["uid"], job["metadata"]["name"]
    if spec.get("manualSelector"):
        return
    labels = {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
    }
    spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    template = spec.setdefault("template", {})
    template.setdefault("metadata", {}).setdefault("labels", {}).update(labels)


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    completions = spec.get("completions")
    duration = ""
    if status.get("startTime"):
        end = parse_time(status["completionTime"]) if status.get("completionTime") else now
        duration = human_duration(end - parse_time(status["startTime"]))
    return [
        obj["metadata"].get("name", ""),
        job_status(obj),
        f"{status.get('succeeded', 0)}/{completions if completions is not None else '1'}",
        duration,
        age(obj, now),
        *workload_wide(obj),
    ]


register(
    Strategy(
        kind="Job",
        group="batch",
        version="v1",
        plural="jobs",
        namespaced=True,
        categories=ALL,
        subresources=STATUS,
        defaulter=defaults.job,
        validator=validation.job,
        update_validator=validation.job_update,
        initial_status=empty_status,
        after_uid=generated_selector,
        quantities=template_quantities,
        columns=("NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"),
        wide_columns=("CONTAINERS", "IMAGES", "SELECTOR"),
        printer=printer,
        protobuf="Job",
        counterpart="scheduled task (run once)",
    )
)
