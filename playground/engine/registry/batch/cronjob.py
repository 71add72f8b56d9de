"""batch/v1 CronJob: a scheduled task."""

from playground.engine import defaults, validation
from playground.engine.printers import age, human_duration, images
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import ALL, STATUS, empty_status
from playground.engine.selectors import format_selector
from playground.engine.util import parse_time


def printer(obj: dict, now: float) -> list[str]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    last = status.get("lastScheduleTime")
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return [
        obj["metadata"].get("name", ""),
        spec.get("schedule", ""),
        spec.get("timeZone") or "<none>",
        str(bool(spec.get("suspend"))),
        str(len(status.get("active") or [])),
        human_duration(now - parse_time(last)) if last else "<none>",
        age(obj, now),
        *images({"spec": {"template": job_spec.get("template") or {}}}),
        format_selector(job_spec.get("selector")),
    ]


register(
    Strategy(
        kind="CronJob",
        group="batch",
        version="v1",
        plural="cronjobs",
        namespaced=True,
        short_names=("cj",),
        categories=ALL,
        subresources=STATUS,
        defaulter=defaults.cronjob,
        validator=validation.cronjob,
        initial_status=empty_status,
        columns=("NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"),
        wide_columns=("CONTAINERS", "IMAGES", "SELECTOR"),
        printer=printer,
        protobuf="CronJob",
        counterpart="scheduled task",
    )
)
