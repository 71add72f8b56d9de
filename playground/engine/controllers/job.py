"""The Job and CronJob controllers, on the simulated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from playground.engine.controllers.base import Controller, Result
from playground.engine.errors import ApiError
from playground.engine.podstatus import pod_ready
from playground.engine.text import Text, _, say
from playground.engine.util import deep_copy, owner_ref, parse_time, rfc3339, split_key

SCHEDULED = "batch.kubernetes.io/cronjob-scheduled-timestamp"
POD_BACKOFF = 10
POD_BACKOFF_MAX = 360


def job_finished(job: dict) -> str | None:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") in ("Complete", "Failed") and cond.get("status") == "True":
            return cond["type"]
    return None


def _pod_failed(pod: dict, spec: dict) -> bool:
    """isPodFailed (pkg/controller/job/job_controller.go)."""
    phase = (pod.get("status") or {}).get("phase")
    if phase == "Failed":
        return True
    if spec.get("podReplacementPolicy", "TerminatingOrFailed") == "Failed":
        return False
    return bool(pod["metadata"].get("deletionTimestamp")) and phase != "Succeeded"


def pod_failure_policy_match(spec: dict, pod: dict) -> tuple[str, str] | None:
    """matchPodFailurePolicy (pkg/controller/job/pod_failure_policy.go): the action of the first
    rule of spec.podFailurePolicy a failed pod matches, with the message the Job's condition
    carries; None when no rule matches (the failure counts as usual)."""
    rules = (spec.get("podFailurePolicy") or {}).get("rules") or []
    meta, status = pod["metadata"], pod.get("status") or {}
    who = f"{meta.get('namespace')}/{meta.get('name')}"
    terminated = [
        (c.get("name"), c["state"]["terminated"].get("exitCode", 0))
        for part in ("initContainerStatuses", "containerStatuses")
        for c in status.get(part) or []
        if "terminated" in (c.get("state") or {})
    ]
    for index, rule in enumerate(rules):
        action = rule.get("action")
        on_codes = rule.get("onExitCodes")
        if on_codes:
            values = set(on_codes.get("values") or [])
            for name, code in terminated:
                if code == 0 or (on_codes.get("containerName") and on_codes["containerName"] != name):
                    continue
                if (code in values) == (on_codes.get("operator") == "In"):
                    return action, (
                        f"Container {name} for pod {who} failed with exit code {code} "
                        f"matching {action} rule at index {index}"
                    )
        for pattern in rule.get("onPodConditions") or []:
            for cond in status.get("conditions") or []:
                if cond.get("type") == pattern.get("type") and cond.get("status") == pattern.get(
                    "status", "True"
                ):
                    return (
                        action,
                        f"Pod {who} has condition {cond['type']} matching {action} rule at index {index}",
                    )
    return None


def past_backoff_limit_on_failure(spec: dict, pods: list[dict]) -> bool:
    """pastBackoffLimitOnFailure: with ``restartPolicy: OnFailure`` the restarts of the
    containers (init ones included) of the Job's Pending and Running pods count against
    ``backoffLimit``; a limit of 0 fails at the first restart."""
    if ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") != "OnFailure":
        return False
    restarts = sum(
        c.get("restartCount", 0)
        for p in pods
        if (p.get("status") or {}).get("phase") in ("Pending", "Running")
        for part in ("initContainerStatuses", "containerStatuses")
        for c in (p.get("status") or {}).get(part) or []
    )
    limit = spec.get("backoffLimit", 6)
    return restarts > 0 if limit == 0 else restarts >= limit


class JobController(Controller):
    name = "job"
    event_source = "job-controller"
    watches = ("Job", "Pod")

    def on_event(self, etype, kind, old, new):
        self.watch_owned(kind, old, new, "Job", "Pod")

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns, name = split_key(key)
        job = cluster.store.get("Job", ns, name)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return Result()
        now = cluster.clock
        spec = job["spec"]
        status = dict(job.get("status") or {})
        finished = job_finished(job)
        if finished:
            return self._ttl(job, status)
        due = None  # the pod failure back-off or activeDeadlineSeconds
        pods = [p for p in cluster.store.dependents_of(job["metadata"]["uid"]) if p.get("kind") == "Pod"]
        active = [
            p
            for p in pods
            if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            and not p["metadata"].get("deletionTimestamp")
        ]
        succeeded = sum(1 for p in pods if (p.get("status") or {}).get("phase") == "Succeeded")
        indexed = spec.get("completionMode") == "Indexed"
        done: set[int] = set()
        if indexed:
            # An Indexed Job counts each completion index once (status.completedIndexes).
            done = {
                i
                for p in pods
                if (p.get("status") or {}).get("phase") == "Succeeded"
                and 0 <= (i := completion_index(p)) < (spec.get("completions") or 0)
            }
            succeeded = len(done)
        # isPodFailed: a Failed pod, or (podReplacementPolicy TerminatingOrFailed) one being
        # deleted before it succeeded. Upstream counts each once through its finalizer and
        # never lowers status.failed; a pod gone from the store keeps its count here too.
        failed_pods = [p for p in pods if _pod_failed(p, spec)]
        matched = [m for p in failed_pods if (m := pod_failure_policy_match(spec, p))]
        fail_job = next((message for action, message in matched if action == "FailJob"), None)
        failed = max(
            len(failed_pods) - sum(1 for action, _ in matched if action == "Ignore"),
            status.get("failed", 0),
        )
        completions = spec.get("completions")
        parallelism = spec.get("parallelism", 1)
        status.setdefault("startTime", rfc3339(now)) if not spec.get("suspend") else None
        action = None
        conditions = list(status.get("conditions") or [])
        deadline = spec.get("activeDeadlineSeconds")
        target = next(
            (c for c in conditions if c.get("type") == "FailureTarget" and c.get("status") == "True"), None
        )
        if target is not None:
            # The Failed condition waits until the Job's pods have terminated.
            if not any(p["metadata"].get("deletionTimestamp") for p in pods):
                action = self._failed(job, conditions, target)
        elif deadline and status.get("startTime") and now - parse_time(status["startTime"]) >= deadline:
            action = self._fail(
                job, active, conditions, "DeadlineExceeded", "Job was active longer than specified deadline"
            )
            failed += len(active)  # the deleted pods count as failed (isPodFailed)
        elif fail_job is not None:
            action = self._fail(job, active, conditions, "PodFailurePolicy", fail_job)
            failed += len(active)
        elif failed > spec.get("backoffLimit", 6) or past_backoff_limit_on_failure(spec, pods):
            action = self._fail(
                job, active, conditions, "BackoffLimitExceeded", "Job has reached the specified backoff limit"
            )
            failed += len(active)  # the deleted pods count as failed (isPodFailed)
        elif (
            completions is not None
            and succeeded >= completions
            or completions is None
            and succeeded >= 1
            and not active
        ):
            for ctype in ("SuccessCriteriaMet", "Complete"):
                conditions.append(
                    {
                        "type": ctype,
                        "status": "True",
                        "reason": "CompletionsReached"
                        if ctype == "SuccessCriteriaMet"
                        else "CompletionsReached",
                        "message": "Reached expected number of succeeded pods",
                        "lastProbeTime": rfc3339(now),
                        "lastTransitionTime": rfc3339(now),
                    }
                )
            status["completionTime"] = rfc3339(now)
            cluster.recorder.record(job, "Normal", "Completed", "Job completed", self.event_source)
            action = say(
                _("Job %(name)s completed (%(succeeded)s succeeded)"), name=name, succeeded=succeeded
            )
        elif not spec.get("suspend"):
            remaining = (completions - succeeded) if completions is not None else parallelism
            want = max(min(parallelism, remaining) - len(active), 0)
            delay = min(POD_BACKOFF * 2 ** (failed - 1), POD_BACKOFF_MAX) if failed else 0
            last_failure = max(
                (
                    parse_time(c["state"]["terminated"]["finishedAt"])
                    for p in pods
                    for c in (p.get("status") or {}).get("containerStatuses") or []
                    if "terminated" in (c.get("state") or {})
                ),
                default=0,
            )
            if want and now < last_failure + delay:
                due = last_failure + delay
            elif want:
                indexes: list[int | None] = [None] * want
                if indexed:
                    busy = done | {completion_index(p) for p in active}
                    indexes = [i for i in range(completions or 0) if i not in busy][:want]
                for index in indexes:
                    try:
                        pod = cluster.api.create_internal(self._pod(job, index))
                    except ApiError as error:
                        cluster.recorder.record(
                            job,
                            "Warning",
                            "FailedCreate",
                            f"Error creating: {error.message}",
                            self.event_source,
                        )
                        break
                    cluster.recorder.record(
                        job,
                        "Normal",
                        "SuccessfulCreate",
                        f"Created pod: {pod['metadata']['name']}",
                        self.event_source,
                    )
                action = say(_("Job %(name)s started %(count)s pod(s)"), name=name, count=want)
            if deadline and status.get("startTime"):
                when = parse_time(status["startTime"]) + deadline
                due = when if due is None else min(due, when)
        pods = [p for p in cluster.store.dependents_of(job["metadata"]["uid"]) if p.get("kind") == "Pod"]
        active_now = [
            p
            for p in pods
            if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            and not p["metadata"].get("deletionTimestamp")
        ]
        status.update(
            {
                "active": len(active_now),
                "succeeded": succeeded,
                "failed": failed,
                "ready": sum(1 for p in active_now if pod_ready(p)),
                "terminating": sum(1 for p in pods if p["metadata"].get("deletionTimestamp")),
                "uncountedTerminatedPods": {},
            }
        )
        if conditions:
            status["conditions"] = conditions
        if indexed:
            status["completedIndexes"] = index_intervals(done)
            if not status["completedIndexes"]:
                del status["completedIndexes"]
        for field in ("active", "succeeded", "failed"):
            if not status[field]:
                del status[field]
        current = cluster.store.get("Job", ns, name)
        if status != current.get("status"):
            cluster.api.commit("Job", {**current, "status": status}, current)
        result = Result.of(self.record("Sync", job, action) if action else None).after(due, now)
        if job_finished(cluster.store.get("Job", ns, name)):
            ttl = self._ttl(cluster.store.get("Job", ns, name), status)
            if ttl.requeue_after is not None:
                result.after(now + ttl.requeue_after, now)
        return result

    def _fail(self, job: dict, active: list[dict], conditions: list[dict], reason: str, message: str) -> Text:
        """``newFailureCondition``: with delayed terminal conditions (1.31+) the Job first
        gets FailureTarget and its active pods are deleted; Failed follows once they are gone."""
        cluster = self.cluster
        now = rfc3339(cluster.clock)
        for pod in active:
            cluster.api.delete("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
        conditions.append(
            {
                "type": "FailureTarget",
                "status": "True",
                "reason": reason,
                "message": message,
                "lastProbeTime": now,
                "lastTransitionTime": now,
            }
        )
        if not active:
            return self._failed(job, conditions, conditions[-1])
        return say(
            _("Job %(name)s is failing: %(reason)s; deleting %(count)s pod(s)"),
            name=job["metadata"]["name"],
            reason=message,
            count=len(active),
        )

    def _failed(self, job: dict, conditions: list[dict], target: dict) -> Text:
        now = rfc3339(self.cluster.clock)
        conditions.append(
            {
                "type": "Failed",
                "status": "True",
                "reason": target["reason"],
                "message": target["message"],
                "lastProbeTime": now,
                "lastTransitionTime": now,
            }
        )
        self.cluster.recorder.record(job, "Warning", target["reason"], target["message"], self.event_source)
        return say(
            _("Job %(name)s failed: %(reason)s"), name=job["metadata"]["name"], reason=target["message"]
        )

    def _ttl(self, job: dict, status: dict) -> Result:
        """ttlSecondsAfterFinished: delete the finished Job once it is due, else look again then."""
        ttl = job["spec"].get("ttlSecondsAfterFinished")
        if ttl is None:
            return Result()
        finished_at = status.get("completionTime") or next(
            (
                c["lastTransitionTime"]
                for c in status.get("conditions") or []
                if c["type"] in ("Complete", "Failed")
            ),
            None,
        )
        if finished_at is None:
            return Result()
        due = parse_time(finished_at) + ttl
        if self.cluster.clock >= due:
            self.cluster.api.delete(
                "Job", job["metadata"]["name"], job["metadata"]["namespace"], propagation_policy="Background"
            )
            return Result.of(
                self.record(
                    "Deleted",
                    job,
                    say(
                        _("Job %(name)s deleted %(ttl)ss after it finished (ttlSecondsAfterFinished)"),
                        name=job["metadata"]["name"],
                        ttl=ttl,
                    ),
                )
            )
        return Result().after(due, self.cluster.clock)

    def _pod(self, job: dict, index: int | None = None) -> dict:
        template = deep_copy(job["spec"].get("template") or {})
        meta = template.get("metadata") or {}
        meta.pop("name", None)
        name = job["metadata"]["name"]
        meta["generateName"] = f"{name}-"
        meta["namespace"] = job["metadata"]["namespace"]
        meta["ownerReferences"] = [owner_ref(job, "Job", "batch/v1")]
        spec = template.get("spec") or {}
        if index is not None:
            # An Indexed Job's pod (pkg/controller/job/indexed_job_utils.go): its index in an
            # annotation and a label, JOB_COMPLETION_INDEX in every container, the index in the
            # generated name (podGenerateNameWithIndex) and the hostname.
            suffix = f"-{index}-"
            meta["generateName"] = name[: 58 - len(suffix)] + suffix  # MaxGeneratedNameLength
            meta.setdefault("annotations", {})[INDEX_KEY] = str(index)
            meta.setdefault("labels", {})[INDEX_KEY] = str(index)
            for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
                env = container.setdefault("env", [])
                if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in env):
                    env.append(
                        {
                            "name": "JOB_COMPLETION_INDEX",
                            "valueFrom": {"fieldRef": {"fieldPath": f"metadata.labels['{INDEX_KEY}']"}},
                        }
                    )
            spec.setdefault("hostname", f"{name}-{index}")
        return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


INDEX_KEY = "batch.kubernetes.io/job-completion-index"


def completion_index(pod: dict) -> int:
    """getCompletionIndex: the pod's index from its annotation, -1 when unknown."""
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(INDEX_KEY, "")
    return int(value) if value.isdigit() else -1


def index_intervals(indexes: set[int]) -> str:
    """status.completedIndexes: sorted indexes with runs compressed, e.g. "0-2,4"."""
    runs: list[list[int]] = []
    for i in sorted(indexes):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ",".join(f"{a}-{b}" if b > a else str(a) for a, b in runs)


# Cron schedules -------------------------------------------------------------------------------

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]
NAMES = [
    {},
    {},
    {},
    {
        m: i + 1
        for i, m in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
        )
    },
    {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
]


class CronError(ValueError):
    pass


def parse_cron(expression: str) -> list[set[int]]:
    text = MACROS.get(expression.strip().lower(), expression.strip())
    fields = text.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: {expression}")
    result = []
    for index, field in enumerate(fields):
        low, high = RANGES[index]
        values: set[int] = set()
        for part in field.lower().split(","):
            step = 1
            if "/" in part:
                part, step_text = part.split("/", 1)
                if not step_text.isdigit() or int(step_text) == 0:
                    raise CronError(f"failed to parse int from {step_text}")
                step = int(step_text)
            if part in ("*", "?"):
                start, end = low, high
            elif "-" in part:
                a, b = part.split("-", 1)
                start, end = _cron_value(a, index), _cron_value(b, index)
            else:
                start = _cron_value(part, index)
                end = high if step > 1 else start
            if start < low or end > high or start > end:
                raise CronError(
                    f"end of range ({end}) above maximum ({high}): {field}"
                    if end > high
                    else f"beginning of range ({start}) below minimum ({low}): {field}"
                )
            values.update(range(start, end + 1, step))
        if index == 4 and 7 in values:
            values.discard(7)
            values.add(0)
        result.append(values)
    return result


def _cron_value(text: str, index: int) -> int:
    if text in NAMES[index]:
        return NAMES[index][text]
    if not text.isdigit():
        raise CronError(f"failed to parse int from {text}")
    return int(text)


def next_run(expression: str, after: float, zone: str | None = None) -> float:
    """The first scheduled time strictly after `after` (seconds since the epoch)."""
    minute, hour, dom, month, dow = parse_cron(expression)
    tz = UTC
    if zone:
        try:
            tz = ZoneInfo(zone)
        except ZoneInfoNotFoundError:
            raise CronError(f"unknown time zone {zone}") from None
    t = datetime.fromtimestamp(after, tz).replace(second=0, microsecond=0) + timedelta(minutes=1)
    dom_any = len(dom) == 31
    dow_any = len(dow) == 7
    for _minute in range(60 * 24 * 366 * 2):
        day_ok = (
            (t.day in dom or dom_any) and (t.isoweekday() % 7 in dow or dow_any)
            if (dom_any or dow_any)
            else (t.day in dom or t.isoweekday() % 7 in dow)
        )
        if t.month in month and day_ok and t.hour in hour and t.minute in minute:
            return t.timestamp()
        t += timedelta(minutes=1)
    raise CronError(f"no time matches {expression}")


class CronJobController(Controller):
    name = "cronjob"
    event_source = "cronjob-controller"
    watches = ("CronJob", "Job")

    def on_event(self, etype, kind, old, new):
        self.watch_owned(kind, old, new, "CronJob", "Job")

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns, name = split_key(key)
        cj = cluster.store.get("CronJob", ns, name)
        if cj is None or cj["metadata"].get("deletionTimestamp"):
            return Result()
        next_schedule = None
        spec = cj["spec"]
        status = dict(cj.get("status") or {})
        jobs = sorted(
            (j for j in cluster.store.dependents_of(cj["metadata"]["uid"]) if j.get("kind") == "Job"),
            key=lambda j: (j["metadata"]["creationTimestamp"], j["metadata"]["name"]),
        )
        action = None
        seen = list(self.seen.get(key, []))
        for job in jobs:
            outcome = job_finished(job)
            if outcome and job["metadata"]["name"] not in seen:
                cluster.recorder.record(
                    cj,
                    "Normal",
                    "SawCompletedJob",
                    f"Saw completed job: {job['metadata']['name']}, status: {outcome}",
                    self.event_source,
                )
                seen.append(job["metadata"]["name"])
                if outcome == "Complete":
                    status["lastSuccessfulTime"] = (job.get("status") or {}).get("completionTime")
        active = [j for j in jobs if not job_finished(j)]
        # History limits.
        for outcome, limit in (
            ("Complete", spec.get("successfulJobsHistoryLimit", 3)),
            ("Failed", spec.get("failedJobsHistoryLimit", 1)),
        ):
            done = [j for j in jobs if job_finished(j) == outcome]
            for job in done[: max(len(done) - limit, 0)]:
                cluster.api.delete("Job", job["metadata"]["name"], ns, propagation_policy="Background")
                cluster.recorder.record(
                    cj,
                    "Normal",
                    "SuccessfulDelete",
                    f"Deleted job {job['metadata']['name']}",
                    self.event_source,
                )
        if not spec.get("suspend"):
            try:
                since = (
                    parse_time(status["lastScheduleTime"])
                    if status.get("lastScheduleTime")
                    else parse_time(cj["metadata"]["creationTimestamp"])
                )
                due = next_run(spec["schedule"], since, spec.get("timeZone"))
            except CronError:
                due = None
            if due is not None and due <= cluster.clock:
                latest = due
                while True:
                    following = next_run(spec["schedule"], latest, spec.get("timeZone"))
                    if following > cluster.clock:
                        break
                    latest = following
                starting = spec.get("startingDeadlineSeconds")
                policy = spec.get("concurrencyPolicy", "Allow")
                if starting is not None and cluster.clock - latest > starting:
                    action = say(
                        _("missed the schedule at %(time)s by more than startingDeadlineSeconds"),
                        time=rfc3339(latest),
                    )
                elif policy == "Forbid" and active:
                    action = say(
                        _(
                            "skipped the run at %(time)s: the previous job is still running "
                            "(concurrencyPolicy Forbid)"
                        ),
                        time=rfc3339(latest),
                    )
                else:
                    if policy == "Replace":
                        for job in active:
                            cluster.api.delete(
                                "Job", job["metadata"]["name"], ns, propagation_policy="Background"
                            )
                            cluster.recorder.record(
                                cj,
                                "Normal",
                                "SuccessfulDelete",
                                f"Deleted job {job['metadata']['name']}",
                                self.event_source,
                            )
                    job = self._job(cj, latest)
                    try:
                        made = cluster.api.create_internal(job)
                        cluster.recorder.record(
                            cj,
                            "Normal",
                            "SuccessfulCreate",
                            f"Created job {made['metadata']['name']}",
                            self.event_source,
                        )
                        action = say(
                            _("created Job %(name)s for %(time)s"),
                            name=made["metadata"]["name"],
                            time=rfc3339(latest),
                        )
                    except ApiError as error:
                        cluster.recorder.record(
                            cj,
                            "Warning",
                            "FailedCreate",
                            f"Error creating job: {error.message}",
                            self.event_source,
                        )
                status["lastScheduleTime"] = rfc3339(latest)
            try:
                since = (
                    parse_time(status["lastScheduleTime"])
                    if status.get("lastScheduleTime")
                    else parse_time(cj["metadata"]["creationTimestamp"])
                )
                next_schedule = next_run(
                    spec["schedule"], max(since, cluster.clock - 60), spec.get("timeZone")
                )
            except CronError:
                pass
        jobs = [j for j in cluster.store.dependents_of(cj["metadata"]["uid"]) if j.get("kind") == "Job"]
        status["active"] = [
            {
                "kind": "Job",
                "namespace": ns,
                "name": j["metadata"]["name"],
                "uid": j["metadata"]["uid"],
                "apiVersion": "batch/v1",
                "resourceVersion": j["metadata"]["resourceVersion"],
            }
            for j in sorted(jobs, key=lambda j: j["metadata"]["name"])
            if not job_finished(j)
        ]
        if not status["active"]:
            del status["active"]
        if seen:
            self.seen[key] = seen[-20:]
        current = cluster.store.get("CronJob", ns, name)
        if status != current.get("status"):
            cluster.api.commit("CronJob", {**current, "status": status}, current)
        record = (
            self.record("Sync", cj, say(_("CronJob %(name)s: %(action)s"), name=name, action=action))
            if action
            else None
        )
        return Result.of(record).after(next_schedule, cluster.clock)

    def __init__(self, cluster):
        super().__init__(cluster)
        self.seen: dict[str, list[str]] = {}

    def _job(self, cj: dict, scheduled: float) -> dict:
        template = deep_copy(cj["spec"].get("jobTemplate") or {})
        meta = template.get("metadata") or {}
        meta["name"] = f"{cj['metadata']['name']}-{int(scheduled // 60)}"
        meta["namespace"] = cj["metadata"]["namespace"]
        meta.setdefault("annotations", {})[SCHEDULED] = rfc3339(scheduled)
        meta["ownerReferences"] = [owner_ref(cj, "CronJob", "batch/v1")]
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": template.get("spec") or {}}

    def to_dict(self) -> dict:
        return {"seen": self.seen}

    def load(self, data: dict) -> None:
        self.seen = data.get("seen", {})
