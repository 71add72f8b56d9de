"""The Cluster facade: the only way the rest of the product uses the engine.

It owns the simulated clock, the work queue and timers, and the components (API
server and store, scheduler, kubelets, controllers). ``step()`` runs exactly one unit
of work; ``advance()`` and ``settle()`` run what falls due. The whole state
round-trips through ``to_dict()``/``from_dict()`` as plain JSON data.
"""

from __future__ import annotations

import heapq
import json
import logging
import time
from collections import deque

import orjson

from playground.engine import heartbeat, network
from playground.engine.apiserver import ApiServer
from playground.engine.backref import ClusterRef, weakly
from playground.engine.controllers.base import ALL, Controller, Result
from playground.engine.controllers.registry import CONTROLLERS
from playground.engine.controllers.workqueue import default_controller_rate_limiter
from playground.engine.errors import ApiError, FieldError, bad_request, forbidden, invalid, invalid_object
from playground.engine.events import Recorder
from playground.engine.kinds import ResourceType, resolve
from playground.engine.kubelet import Kubelet
from playground.engine.scheduler import Scheduler
from playground.engine.selectors import field_matches, matches, parse_field_selector, parse_label_selector
from playground.engine.store import Store
from playground.engine.text import Text, _, message_fields, say
from playground.engine.util import Rng, deep_copy, key_of, object_key, parse_time, rfc3339, rfc3339_micro

DEFAULT_START = 1767225600  # 2026-01-01T00:00:00Z
MAX_STEPS_PER_CALL = 5_000_000
STATE_VERSION = 1

log = logging.getLogger(__name__)

# The kinds the components outside controllers/ watch, until they declare `watches` themselves.
COMPONENT_WATCHES = {"scheduler": ("Pod", "Node")}


class WorkBudget:
    """How much engine work one request may do: `steps` reconciles and `seconds` of wall
    time (None: no bound). Set one as :attr:`Cluster.budget` and every advance() and
    settle() until it is cleared shares it; work past it stays queued, never a request
    that runs on. `timer` is the wall clock (tests pass a fake one)."""

    def __init__(self, steps: int | None = None, seconds: float | None = None, timer=time.monotonic):
        self.steps = steps
        self.used = 0
        self.timer = timer
        self.deadline = None if seconds is None else timer() + seconds

    def spent(self) -> bool:
        if self.steps is not None and self.used >= self.steps:
            return True
        return self.deadline is not None and self.timer() >= self.deadline

    def take(self) -> bool:
        """Count one step; False (and nothing counted) when the budget is spent."""
        if self.spent():
            return False
        self.used += 1
        return True


class Limits:
    """Per-cluster caps so one sandbox cannot exhaust the server. None means unlimited.

    The API server checks every write a learner makes (create, update, each patch type,
    server-side apply, /scale, status) through :meth:`check_create` and
    :meth:`check_update`; controllers' own writes are bounded by what these let in. A
    value an update leaves as it was is not checked again (upstream's ratcheting), so an
    object saved under an older, higher cap can still be edited."""

    cluster = ClusterRef()  # weak: see playground/engine/backref.py

    # The Cluster option each cap is read from, and its name in to_dict().
    OPTIONS = {
        "max_nodes": "maxNodes",
        "max_objects": "maxObjects",
        "max_replicas": "maxReplicas",
        "max_containers": "maxContainers",
        "max_object_bytes": "maxObjectBytes",
        "max_events": "maxEvents",
        "max_backoff_limit": "maxBackoffLimit",
    }

    def __init__(self, cluster, options: dict | None = None):
        self.cluster = cluster
        options = options or {}
        self.max_nodes = options.get("max_nodes")
        self.max_objects = options.get("max_objects")
        self.max_replicas = options.get("max_replicas")
        self.max_containers = options.get("max_containers")
        self.max_object_bytes = options.get("max_object_bytes")
        self.max_events = options.get("max_events")
        self.max_backoff_limit = options.get("max_backoff_limit")
        # Off while a profile builds the cluster: system objects are not the learner's.
        self.active = True

    def object_count(self) -> int:
        return sum(count for kind, count in self.cluster.store.counts.items() if kind != "Event")

    def check_create(self, rt: ResourceType, obj: dict) -> None:
        """The counts: nodes, objects, and Events (which have their own cap)."""
        if not self.active:
            return
        store = self.cluster.store
        name = obj["metadata"].get("name", "")
        if self.max_nodes is not None and rt.kind == "Node" and store.count("Node") >= self.max_nodes:
            raise forbidden(rt, name, f"this cluster allows at most {self.max_nodes} nodes")
        if rt.kind == "Event":
            if self.max_events is not None and store.count("Event") >= self.max_events:
                raise forbidden(rt, name, f"this cluster allows at most {self.max_events} events")
        elif self.max_objects is not None and self.object_count() >= self.max_objects:
            raise forbidden(rt, name, f"this cluster allows at most {self.max_objects} objects")

    def check_object(self, rt: ResourceType, obj: dict, old: dict | None = None) -> None:
        """The shape caps of one object about to be stored (old: the version it replaces)."""
        if not self.active:
            return
        errors = self._shape_errors(obj, old)
        if not errors and self.max_object_bytes is not None:
            size = _encoded_size(obj)
            if size > self.max_object_bytes and (old is None or size > _encoded_size(old)):
                errors.append(
                    FieldError(
                        "",
                        "Too long",
                        f"must have at most {self.max_object_bytes} bytes in this cluster "
                        f"(this object is {size} bytes)",
                    )
                )
        if errors:
            raise invalid_object(rt, obj["metadata"].get("name", ""), errors)

    def check_replicas(self, rt: ResourceType, name: str, replicas: int) -> None:
        if self.active and self.max_replicas is not None and replicas > self.max_replicas:
            raise invalid_object(rt, name, [self._over("spec.replicas", replicas, self.max_replicas)])

    def _shape_errors(self, obj: dict, old: dict | None) -> list[FieldError]:
        errors: list[FieldError] = []
        kind = obj.get("kind")
        spec = _dict(obj.get("spec"))
        old_spec = _dict((old or {}).get("spec"))
        if kind == "HorizontalPodAutoscaler":
            errors += self._bounded(spec, old_spec, "spec", ("maxReplicas", "minReplicas"), self.max_replicas)
        else:
            errors += self._bounded(spec, old_spec, "spec", ("replicas",), self.max_replicas)
        if kind == "Job":
            errors += self._job(spec, old_spec, "spec")
        elif kind == "CronJob":
            job_spec = _dict(spec.get("jobTemplate")).get("spec")
            old_job = _dict(_dict(old_spec.get("jobTemplate")).get("spec"))
            if isinstance(job_spec, dict):
                errors += self._job(job_spec, old_job, "spec.jobTemplate.spec")
        if self.max_containers is not None:
            old_specs = dict(_pod_specs(kind, old)) if old is not None else {}
            for path, pod_spec in _pod_specs(kind, obj):
                errors += self._containers(pod_spec, path, old_specs.get(path))
        return errors

    def _job(self, spec: dict, old_spec: dict, path: str) -> list[FieldError]:
        errors = self._bounded(spec, old_spec, path, ("parallelism", "completions"), self.max_replicas)
        errors += self._bounded(spec, old_spec, path, ("backoffLimit",), self.max_backoff_limit)
        template = _dict(spec.get("template")).get("spec")
        if self.max_containers is not None and isinstance(template, dict):
            old_template = _dict(old_spec.get("template")).get("spec")
            errors += self._containers(template, f"{path}.template.spec", old_template)
        return errors

    def _bounded(self, spec: dict, old_spec: dict, path: str, fields, cap) -> list[FieldError]:
        if cap is None:
            return []
        errors = []
        for field in fields:
            value = spec.get(field)
            if (
                isinstance(value, int)
                and not isinstance(value, bool)
                and value > cap
                and value != old_spec.get(field)
            ):
                errors.append(self._over(f"{path}.{field}", value, cap))
        return errors

    @staticmethod
    def _over(field: str, value: int, cap: int) -> FieldError:
        return invalid(field, value, f"must be less than or equal to {cap} in this cluster")

    def _containers(self, pod_spec: dict, path: str, old_pod_spec) -> list[FieldError]:
        """Containers, init and ephemeral containers of one pod (spec) together, unless the
        write adds none to a spec already past the cap."""
        cap = self.max_containers
        old_total = _container_count(old_pod_spec) if isinstance(old_pod_spec, dict) else 0
        total = 0
        for key in ("containers", "initContainers", "ephemeralContainers"):
            items = pod_spec.get(key)
            if not isinstance(items, list):
                continue
            total += len(items)
            if total > cap and _container_count(pod_spec) > old_total:
                return [
                    FieldError(
                        f"{path}.{key}",
                        "Too many",
                        f"must have at most {cap} items in this cluster",
                        total,
                        True,
                    )
                ]
        return []

    def to_dict(self) -> dict:
        return {camel: getattr(self, option) for option, camel in self.OPTIONS.items()}


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _container_count(pod_spec: dict) -> int:
    return sum(
        len(items)
        for key in ("containers", "initContainers", "ephemeralContainers")
        if isinstance(items := pod_spec.get(key), list)
    )


def _pod_specs(kind: str | None, obj: dict):
    """The pod specs an object carries, with their field paths (a Job's are checked with it)."""
    spec = obj.get("spec")
    if kind == "Pod":
        if isinstance(spec, dict):
            yield "spec", spec
    elif kind not in ("Job", "CronJob") and isinstance(spec, dict):
        template = spec.get("template")
        if isinstance(template, dict) and isinstance(template.get("spec"), dict):
            yield "spec.template.spec", template["spec"]


def _encoded_size(obj: dict) -> int:
    """The object's size as JSON, the measure etcd's request limit applies to."""
    try:
        return len(orjson.dumps(obj))
    except TypeError:  # not plain JSON data (never stored so, but do not fail on it)
        return len(json.dumps(obj, default=str))


class Cluster:
    """An in-process Kubernetes cluster. Build one with :meth:`Cluster.new`."""

    def __init__(self, seed: int = 0, options: dict | None = None):
        options = dict(options or {})
        self.options = options
        self.seed = seed
        self.rng = Rng(seed)
        self.clock = float(options.get("start_time", DEFAULT_START))
        # Watch history kept, like etcd's compaction window: a watcher that falls
        # further behind gets 410 Expired and relists.
        self.store = Store(history_limit=options.get("watch_history", 200))
        self.api = ApiServer(self)
        self.recorder = Recorder(self)
        self.record_events = options.get("record_events", True)
        self.limits = Limits(self, options)
        # The current request's WorkBudget (not saved): None runs everything that falls due.
        self.budget: WorkBudget | None = None
        self.queue: deque[tuple[str, str]] = deque()
        self.queued: set[tuple[str, str]] = set()
        self.timers: list[tuple[float, int, str, str]] = []
        self.timer_due: dict[tuple[str, str], float] = {}
        self.timer_seq = 0
        self.down_nodes: dict[str, float] = {}
        self.lease_renewed = self.clock
        self.events_swept = self.clock
        self.steps: deque[dict] = deque(maxlen=options.get("step_log", 100))
        # The record of the last step() while it is still "the last thing done": any change
        # not made by the control loops, time moving on, or a settle clears it.
        self.step_lit: dict | None = None
        self._loop_writes = 0  # > 0 while the control loops (or lease upkeep) write
        # The scheduler's KubeSchedulerConfiguration (set_scheduler_config); None: upstream's defaults.
        self.scheduler_config: dict | None = None
        self.scheduler = Scheduler(self)
        self.kubelet = Kubelet(self)
        self.controllers = {"scheduler": self.scheduler, "kubelet": self.kubelet}
        for controller_class in CONTROLLERS:
            if controller_class.enabled(options):
                self.controllers[controller_class.name] = controller_class(self)
        # One rate limiter per controller's queue, as each upstream controller has its own.
        self.limiters = {
            name: (c.rate_limiter() if hasattr(c, "rate_limiter") else default_controller_rate_limiter())
            for name, c in self.controllers.items()
        }
        self._routes: dict[str, list] = {}  # kind -> the on_event handlers that watch it
        # Simulated CPU demand per workload, in millicores, shared by its running pods.
        self.cpu_load: dict[str, int] = {}
        self.allocator = network.ServiceAllocator(self)
        self.store.listeners.append(weakly(self._dispatch))

    # Construction --------------------------------------------------------------

    @classmethod
    def new(cls, profile: str = "default", seed: int = 0, **options) -> Cluster:
        options["profile"] = profile
        cluster = cls(seed=seed, options=options)
        start = cluster.clock
        # The cluster was built an hour before the learner arrives, and has settled.
        cluster.clock = start - 3600
        from playground.engine.profiles import build

        cluster.limits.active = False
        build(cluster, profile)
        cluster.settle(timeout=600)
        cluster.limits.active = True
        cluster.clock = max(cluster.clock, start)
        cluster.recorder.expire()
        for event in list(cluster.store.iter("Event")):
            cluster.store.remove("Event", event)
        cluster.recorder.recent.clear()
        cluster.steps.clear()
        cluster.lease_renewed = cluster.clock - 10
        cluster._renew_leases()
        return cluster

    def parse_time(self, text: str) -> float:
        return parse_time(text)

    # Work queue and timers -------------------------------------------------------

    def _dispatch(self, etype: str, kind: str, old: dict | None, new: dict | None) -> None:
        if not self._loop_writes:
            self.step_lit = None
        self.allocator.on_event(etype, kind, old, new)
        handlers = self._routes.get(kind)
        if handlers is None:
            handlers = self._routes[kind] = self._watchers(kind)
        for handler in handlers:
            try:
                handler(etype, kind, old, new)
            except Exception as exc:  # a malformed object must not fail the write that stored it
                self._watch_failed(handler, kind, new if new is not None else old, exc)

    def _watch_failed(self, handler, kind: str, obj: dict | None, exc: Exception) -> None:
        """A controller's watch handler raised on an object: log it and show it as a step;
        the write stands and the other controllers still see it."""
        component = getattr(handler, "__self__", None)
        name = next((n for n, c in self.controllers.items() if c is component), "?")
        meta = (obj or {}).get("metadata") or {}
        log.warning("%s could not handle a %s event for %s", name, kind, meta.get("name"), exc_info=exc)
        self.steps.append(
            {
                "component": _component_name(name, component),
                "action": "WatchError",
                "kind": kind,
                "namespace": meta.get("namespace", ""),
                "name": meta.get("name", ""),
                **message_fields(
                    say(
                        _("could not handle this %(kind)s (%(error)s); skipped it"),
                        kind=kind,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                ),
                "time": rfc3339_micro(self.clock),
                "controller": name,
            }
        )

    def _watchers(self, kind: str) -> list:
        """The event handlers of the controllers that watch `kind`, in registry order."""
        handlers = []
        for name, controller in self.controllers.items():
            watches = getattr(controller, "watches", None) or COMPONENT_WATCHES.get(name, ALL)
            if watches is ALL or "*" in watches or kind in watches:
                handlers.append(controller.on_event)
        return handlers

    def enqueue(self, controller: str, key: str) -> None:
        item = (controller, key)
        if item not in self.queued:
            self.queued.add(item)
            self.queue.append(item)

    def schedule_at(self, when: float, controller: str, key: str) -> None:
        """Reconcile key at `when`; an earlier timer already pending for it covers this one."""
        if when <= self.clock:
            self.enqueue(controller, key)
            return
        item = (controller, key)
        pending = self.timer_due.get(item)
        if pending is not None and pending <= when:
            return
        self.timer_due[item] = when
        self.timer_seq += 1
        heapq.heappush(self.timers, (when, self.timer_seq, controller, key))

    def _pop_timer(self) -> tuple[float, str, str] | None:
        """The next live timer; superseded ones are dropped on the way."""
        while self.timers:
            when, _, controller, key = heapq.heappop(self.timers)
            if self.timer_due.get((controller, key)) == when:
                del self.timer_due[(controller, key)]
                return when, controller, key
        return None

    def _peek_timer(self) -> float | None:
        while self.timers:
            when, _, controller, key = self.timers[0]
            if self.timer_due.get((controller, key)) == when:
                return when
            heapq.heappop(self.timers)
        return None

    def pending(self) -> int:
        return len(self.queue)

    def next_timer(self) -> float | None:
        return self._peek_timer()

    def _run(self, controller: str, key: str) -> dict:
        """Reconcile one key and act on its Result (see controllers/base.py for the contract)."""
        component = self.controllers[controller]
        raised = None
        self._loop_writes += 1
        try:
            outcome = component.reconcile(key)
        except Exception as exc:  # one failing controller must not stop the others
            raised = exc
            outcome = Result(error=exc)
        finally:
            self._loop_writes -= 1
        if not isinstance(outcome, Result):
            if isinstance(component, Controller):
                raise TypeError(f"{controller}.reconcile({key!r}) returned {outcome!r}, not a Result")
            # The scheduler and kubelet still return their step record (or None).
            outcome = Result.of(outcome)
        limiter = self.limiters[controller]
        records = outcome.records
        if outcome.error is not None or outcome.requeue:
            delay = limiter.when(key, self.clock)
            self.schedule_at(self.clock + delay, controller, key)
            if raised is not None:
                log.warning(
                    "%s failed to reconcile %s; retrying in %.3f s", controller, key, delay, exc_info=raised
                )
                records = [
                    *records,
                    {
                        "component": _component_name(controller, component),
                        "action": "ReconcileError",
                        "kind": "",
                        "namespace": "",
                        "name": key,
                        **message_fields(
                            say(
                                _("reconciling %(key)s failed (%(error)s); retrying in %(delay)ss"),
                                key=key,
                                error=f"{type(raised).__name__}: {raised}",
                                delay=f"{delay:g}",
                            )
                        ),
                    },
                ]
        elif limiter.num_requeues(key):
            limiter.forget(key)
        if outcome.requeue_after is not None:
            self.schedule_at(self.clock + outcome.requeue_after, controller, key)
        now = rfc3339_micro(self.clock)
        record = None
        for record in records:
            record["time"] = now
            record["controller"] = controller
            if record["action"] != "NoChange":
                self.steps.append(record)
        if record is None:
            record = {
                "component": _component_name(controller),
                "action": "NoChange",
                "kind": "",
                "namespace": "",
                "name": key,
                **message_fields(say(_("checked %(key)s: nothing to do"), key=key)),
                "time": now,
                "controller": controller,
            }
        return record

    def step(self) -> dict | None:
        """Run exactly one unit of work: the next queued reconcile, or the next timer."""
        record = None
        if self.queue:
            item = self.queue.popleft()
            self.queued.discard(item)
            record = self._run(*item)
        elif (timer := self._pop_timer()) is not None:
            when, controller, key = timer
            self.clock = max(self.clock, when)
            record = self._run(controller, key)
        self.step_lit = record if record is not None and record["action"] != "NoChange" else None
        return record

    def _drain_queue(self, budget: list[int]) -> bool:
        """Run the queue dry; False when the request's work budget ran out first."""
        work = self.budget
        while self.queue:
            if work is not None and not work.take():
                return False
            budget[0] -= 1
            if budget[0] < 0:
                raise RuntimeError("the cluster did not settle: too many steps")
            item = self.queue.popleft()
            self.queued.discard(item)
            self._run(*item)
        return True

    def _run_until(self, horizon: float, budget: list[int]) -> bool:
        """Run the queue and every timer due by `horizon`; False when the budget ran out."""
        if not self._drain_queue(budget):
            return False
        while (due := self._peek_timer()) is not None and due <= horizon:
            if self.budget is not None and self.budget.spent():
                return False
            when, controller, key = self._pop_timer()
            self.clock = max(self.clock, when)
            self.enqueue(controller, key)
            if not self._drain_queue(budget):
                return False
        return True

    def advance(self, seconds: float) -> int:
        """Move the clock forward, running everything that falls due on the way.

        With a work budget set (:attr:`budget`), what it does not cover stays queued (timers
        already due included) for the next call; the clock still reaches its target, as
        an overloaded controller-manager's clock does: the work is late, not lost."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        target = self.clock + seconds
        if seconds > 0:
            self.step_lit = None
        budget = [MAX_STEPS_PER_CALL]
        self._run_until(target, budget)
        self.clock = max(self.clock, target)
        self._renew_leases()
        self._expire_events()
        return MAX_STEPS_PER_CALL - budget[0]

    def settle(self, timeout: float = 300) -> int:
        """Run until nothing is queued and no timer falls within `timeout` seconds (or, with
        a work budget set, until it runs out)."""
        deadline = self.clock + timeout
        self.step_lit = None
        budget = [MAX_STEPS_PER_CALL]
        self._run_until(deadline, budget)
        self._renew_leases()
        self._expire_events()
        return MAX_STEPS_PER_CALL - budget[0]

    def backlog(self) -> int:
        """Units of work overdue: queued reconciles and timers already due."""
        due = sum(
            1 for when, _seq, c, k in self.timers if when <= self.clock and self.timer_due.get((c, k)) == when
        )
        return len(self.queue) + due

    def _renew_leases(self) -> None:
        """Healthy kubelets renew their Lease every 10 s; record the latest renewal."""
        if self.clock - self.lease_renewed < 10:
            return
        self.lease_renewed = self.clock
        self._loop_writes += 1
        try:
            heartbeat.renew(self)  # the Leases, and the node status reports every 5 minutes
        finally:
            self._loop_writes -= 1

    def _expire_events(self) -> None:
        # Like the API server's event TTL sweep: at most once a simulated minute.
        if self.store.count("Event") and self.clock - self.events_swept >= 60:
            self.events_swept = self.clock
            self._loop_writes += 1
            try:
                self.recorder.expire()
            finally:
                self._loop_writes -= 1

    # Node helpers used by components ------------------------------------------------

    def node_is_down(self, name: str) -> bool:
        return name in self.down_nodes

    def healthy_conditions(self, now: str) -> list[dict]:
        return [
            {
                "type": "MemoryPressure",
                "status": "False",
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
                "reason": "KubeletHasSufficientMemory",
                "message": "kubelet has sufficient memory available",
            },
            {
                "type": "DiskPressure",
                "status": "False",
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
                "reason": "KubeletHasNoDiskPressure",
                "message": "kubelet has no disk pressure",
            },
            {
                "type": "PIDPressure",
                "status": "False",
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
                "reason": "KubeletHasSufficientPID",
                "message": "kubelet has sufficient PID available",
            },
            {
                "type": "Ready",
                "status": "True",
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
            },
        ]

    # Reads --------------------------------------------------------------------------

    def _kind(self, kind: str) -> str:
        rt = resolve(kind, registry=self.api.registry)
        if rt is None:
            raise bad_request(f'the server doesn\'t have a resource type "{kind}"')
        return rt.kind

    def get(self, kind: str, name: str, namespace: str | None = None) -> dict:
        return deep_copy(self.api.get(self._kind(kind), name, namespace))

    def list(
        self, kind: str, namespace: str | None = None, label_selector=None, field_selector: str | None = None
    ) -> list[dict]:
        return [
            deep_copy(o) for o in self.api.list(self._kind(kind), namespace, label_selector, field_selector)
        ]

    @property
    def resource_version(self) -> str:
        return str(self.store.revision)

    def watch(
        self,
        kind: str,
        namespace: str | None = None,
        resource_version: str | None = None,
        label_selector=None,
        field_selector: str | None = None,
        entries=None,
    ):
        """ADDED/MODIFIED/DELETED events after `resource_version` (410 Expired if too old).
        `entries`: history entries that stand for the store's, the changes saved after this
        state that a sandbox feed was told of (resource_version must be given then)."""
        kind = self._kind(kind)
        rt = self.api.registry[kind]
        requirements = (
            parse_label_selector(label_selector or "") if not isinstance(label_selector, dict) else None
        )
        fields = parse_field_selector(kind, field_selector or "")

        def selected(obj):
            if rt.namespaced and namespace and obj["metadata"].get("namespace") != namespace:
                return False
            if requirements and not matches(requirements, obj["metadata"].get("labels")):
                return False
            return not fields or field_matches(fields, obj)

        if resource_version in (None, "", "0"):
            for obj in self.api.list(kind, namespace if rt.namespaced else None):
                if selected(obj):
                    yield {"type": "ADDED", "object": deep_copy(obj)}
            return
        try:
            since = int(resource_version)
        except ValueError:
            raise bad_request(f'invalid resource version "{resource_version}"') from None
        found = self.store.events_since(since) if entries is None else (e for e in entries if e[0] > since)
        for _rev, etype, ekind, obj in list(found):
            if ekind == kind and selected(obj):
                yield {"type": etype, "object": deep_copy(obj)}

    def events(
        self, namespace: str | None = None, kind: str | None = None, name: str | None = None
    ) -> list[dict]:
        items = []
        for event in self.store.iter("Event", namespace):
            involved = event.get("involvedObject") or {}
            if kind and involved.get("kind") != kind:
                continue
            if name and involved.get("name") != name:
                continue
            items.append(deep_copy(event))
        items.sort(key=lambda e: (e.get("lastTimestamp") or "", int(e["metadata"]["resourceVersion"])))
        return items

    def logs(
        self,
        name: str,
        namespace: str = "default",
        container: str | None = None,
        tail_lines: int | None = None,
        previous: bool = False,
        timestamps: bool = False,
    ) -> str:
        pod = self.api.get("Pod", name, namespace)
        lines = self.kubelet.logs(pod, container, previous)
        if tail_lines is not None:
            lines = lines[-tail_lines:] if tail_lines > 0 else []
        out = []
        for when, text in lines:
            out.append(f"{rfc3339_micro(when).replace('Z', '000Z')} {text}" if timestamps else text)
        return "".join(line + "\n" for line in out)

    # The network ------------------------------------------------------------------------

    def trace(self, source: str, destination: str) -> dict:
        """Follow a request hop by hop, or say where and why it fails.

        source: a pod ("name" or "namespace/name") or "outside" for a client outside the
        cluster. destination: a service name (with :port), a ClusterIP:port, a node
        IP:NodePort, a load-balancer IP:port, or an Ingress host and path
        ("http://shop.example.com/cart").
        """
        try:
            return network.trace(self, source, destination)
        except network.TraceError as error:
            return {
                "source": source,
                "destination": destination,
                "ok": False,
                "hops": [],
                "error": str(error),
            }

    def dns(self, name: str, namespace: str = "default") -> dict:
        """What cluster DNS answers to a pod in `namespace` looking up `name`."""
        return network.resolve(self, name, namespace)

    def proxy_rules(self, node: str | None = None) -> list[str]:
        """kube-proxy's iptables (nat table) rules, as `iptables-save` prints them."""
        return network.proxy_rules(self, node)

    def routes(self) -> list[dict]:
        """Each node's pod subnet, devices and routes as its CNI plugin builds them."""
        return network.node_routes(self)

    # Simulated resource use (for the autoscaler and `kubectl top`) ------------------------

    def set_cpu_load(self, kind: str, name: str, millicores: int, namespace: str = "default") -> None:
        """Set a workload's total CPU demand; its running pods share it."""
        kind = self._kind(kind)
        self.api.get(kind, name, namespace)
        if millicores < 0:
            raise ValueError("CPU load cannot be negative")
        self.cpu_load[f"{kind}/{namespace}/{name}"] = int(millicores)

    def pod_cpu_usage(self, namespace: str | None = None) -> dict[str, int]:
        """Millicores each running pod uses: its workload's load shared out, or a small idle figure."""
        from playground.engine.controllers.autoscaler import workload_pods

        usage: dict[str, int] = {}
        for pod in self.store.iter("Pod", namespace):
            if (pod.get("status") or {}).get("phase") == "Running":
                usage[pod["metadata"]["name"]] = 1 + int(pod["metadata"]["uid"][:2], 16) % 4
        for key, load in self.cpu_load.items():
            kind, ns, name = key.split("/", 2)
            if namespace is not None and ns != namespace:
                continue
            pods = workload_pods(self, kind, ns, name)
            for pod in pods:
                usage[pod["metadata"]["name"]] = load // len(pods)
        return usage

    def pod_metrics(self, namespace: str | None = None) -> list[dict]:
        """metrics.k8s.io PodMetrics, as metrics-server would report them."""
        from playground.engine import images

        cpu = self.pod_cpu_usage(namespace)
        result = []
        for pod in sorted(
            self.store.iter("Pod", namespace),
            key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]),
        ):
            if (pod.get("status") or {}).get("phase") != "Running":
                continue
            containers = pod["spec"].get("containers") or []
            share = cpu.get(pod["metadata"]["name"], 0) // max(len(containers), 1)
            result.append(
                {
                    "metadata": {"name": pod["metadata"]["name"], "namespace": pod["metadata"]["namespace"]},
                    "timestamp": rfc3339(self.clock),
                    "window": "15s",
                    "containers": [
                        {
                            "name": c["name"],
                            "usage": {
                                "cpu": f"{share * 1_000_000}n",
                                "memory": f"{max(images.info(c.get('image', '')).size // 20 // 1024, 1024)}Ki",
                            },
                        }
                        for c in containers
                    ],
                }
            )
        return result

    def set_scheduler_config(self, text_or_dict) -> dict:
        """Give the sandbox's kube-scheduler a KubeSchedulerConfiguration (YAML/JSON text or a
        dict; None restores the defaults). Raises InvalidSchedulerConfig with upstream-like
        field errors and changes nothing when it is invalid."""
        from playground.engine.scheduler.config import load

        config = None if text_or_dict is None else deep_copy(load(text_or_dict))
        self.scheduler.configure(config)
        self.scheduler_config = config
        return deep_copy(config)

    def scheduling_decision(self, name: str, namespace: str = "default") -> dict | None:
        return deep_copy(self.scheduler.decisions.get(object_key(namespace, name)))

    # Writes -------------------------------------------------------------------------------

    def create(self, obj: dict, namespace: str | None = None, dry_run: bool = False) -> dict:
        return deep_copy(self.api.create(obj, namespace, dry_run=dry_run))

    def replace(self, obj: dict, namespace: str | None = None, dry_run: bool = False) -> dict:
        return deep_copy(self.api.update(obj, namespace, dry_run=dry_run))

    def patch(
        self,
        kind: str,
        name: str,
        patch,
        namespace: str | None = None,
        patch_type: str = "strategic",
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> dict:
        return deep_copy(
            self.api.patch(self._kind(kind), name, namespace, patch, patch_type, subresource, dry_run)
        )

    def delete(
        self,
        kind: str,
        name: str,
        namespace: str | None = None,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: dict | None = None,
        dry_run: bool = False,
    ) -> dict:
        return deep_copy(
            self.api.delete(
                self._kind(kind),
                name,
                namespace,
                propagation_policy,
                grace_period_seconds,
                preconditions,
                dry_run,
            )
        )

    def scale(
        self,
        kind: str,
        name: str,
        replicas: int,
        namespace: str | None = None,
        resource_version: str | None = None,
    ) -> dict:
        return deep_copy(
            self.api.scale(self._kind(kind), name, namespace or "default", replicas, resource_version)
        )

    def evict(
        self,
        name: str,
        namespace: str = "default",
        dry_run: bool = False,
        grace_period_seconds: int | None = None,
    ) -> dict:
        return deep_copy(self.api.evict(name, namespace, dry_run, grace_period_seconds))

    def apply(self, text_or_objects, namespace: str | None = None, dry_run: bool = False) -> list[dict]:
        """kubectl apply (client-side, three-way): see playground.kubectl.apply."""
        from playground.kubectl.apply import apply

        return apply(self, text_or_objects, namespace, dry_run)

    # Operator actions -----------------------------------------------------------------------

    def _operator_step(self, action: str, node: str, message: Text) -> None:
        """Log what the learner did to a host beside the control loops' own steps."""
        self.step_lit = None
        self.steps.append(
            {
                "component": "operator",
                "action": action,
                "kind": "Node",
                "namespace": "",
                "name": node,
                **message_fields(message),
                "time": rfc3339_micro(self.clock),
                "controller": "operator",
            }
        )

    def fail_node(self, name: str) -> dict:
        """The host stops: its kubelet goes silent and its pods freeze (vSphere: host failure)."""
        node = self.api.get("Node", name)
        if name in self.down_nodes:
            return deep_copy(node)
        self.down_nodes[name] = self.clock
        self.schedule_at(self.clock + 50, "nodelifecycle", name)
        self._operator_step(
            "HostFailure", name, say(_("%(node)s lost power: its kubelet stopped posting status"), node=name)
        )
        return deep_copy(node)

    def recover_node(self, name: str) -> dict:
        node = self.api.get("Node", name)
        if self.down_nodes.pop(name, None) is None:
            return deep_copy(node)
        self.enqueue("nodelifecycle", name)
        for pod in list(self.store.pods_on(name)):
            self.enqueue("kubelet", key_of(pod))
        self._operator_step(
            "PowerOn", name, say(_("%(node)s is back: its kubelet posts status again"), node=name)
        )
        return deep_copy(node)

    def cordon(self, name: str) -> dict:
        from playground.kubectl.drain import cordon

        return cordon(self, name)

    def uncordon(self, name: str) -> dict:
        from playground.kubectl.drain import uncordon

        return uncordon(self, name)

    def drain(
        self,
        name: str,
        ignore_daemonsets: bool = False,
        delete_emptydir_data: bool = False,
        force: bool = False,
        grace_period_seconds: int | None = None,
        timeout_seconds: float | None = None,
    ) -> dict:
        """kubectl drain: see playground.kubectl.drain."""
        from playground.kubectl.drain import drain

        return drain(
            self, name, ignore_daemonsets, delete_emptydir_data, force, grace_period_seconds, timeout_seconds
        )

    def add_node(
        self,
        name: str | None = None,
        cpu: str = "4",
        memory: str = "16Gi",
        pods: str = "110",
        labels: dict | None = None,
        taints: list | None = None,
    ) -> dict:
        from playground.engine.profiles import make_node

        existing = [n["metadata"]["name"] for n in self.store.iter("Node")]
        prefix = self.options.get("node_prefix", "worker-")
        if name is None:
            index = 1
            while f"{prefix}{index}" in existing:
                index += 1
            name = f"{prefix}{index}"
        if self.store.get("Node", "", name) is not None:
            raise ApiError(
                409, "AlreadyExists", f'nodes "{name}" already exists', {"name": name, "kind": "nodes"}
            )
        node = make_node(self, name, cpu=cpu, memory=memory, pods=pods, labels=labels, taints=taints)
        return deep_copy(node)

    def remove_node(self, name: str) -> dict:
        node = self.api.get("Node", name)
        self.down_nodes.pop(name, None)
        self.store.remove("Node", node)
        lease = self.store.get("Lease", "kube-node-lease", name)
        if lease is not None:
            self.store.remove("Lease", lease)
        # The pod garbage collector force-deletes pods bound to a node that no longer exists.
        for pod in list(self.store.pods_on(name)):
            self.store.remove("Pod", pod)
        return deep_copy(node)

    # kubectl's client-side commands, kept here for the views, scenarios and tests that call
    # them on a Cluster; the work is in playground.kubectl.

    def set_image(self, kind: str, name: str, images: dict[str, str], namespace: str = "default") -> dict:
        from playground.kubectl.set_image import set_image

        return set_image(self, kind, name, images, namespace)

    def rollout_restart(self, kind: str, name: str, namespace: str = "default") -> dict:
        from playground.kubectl import rollout

        return rollout.restart(self, kind, name, namespace)

    def rollout_pause(self, kind: str, name: str, namespace: str = "default") -> dict:
        from playground.kubectl import rollout

        return rollout.pause(self, kind, name, namespace)

    def rollout_resume(self, kind: str, name: str, namespace: str = "default") -> dict:
        from playground.kubectl import rollout

        return rollout.resume(self, kind, name, namespace)

    def rollout_history(self, kind: str, name: str, namespace: str = "default") -> list[dict]:
        from playground.kubectl import rollout

        return rollout.history(self, kind, name, namespace)

    def rollout_undo(
        self, kind: str, name: str, namespace: str = "default", to_revision: int | None = None
    ) -> dict:
        from playground.kubectl import rollout

        return rollout.undo(self, kind, name, namespace, to_revision)

    # Serialisation -------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "version": STATE_VERSION,
            "seed": self.seed,
            "rng": self.rng.state,
            "clock": self.clock,
            "options": self.options,
            "store": self.store.to_dict(),
            "queue": [list(item) for item in self.queue],
            "timers": sorted(
                [when, seq, c, k] for when, seq, c, k in self.timers if self.timer_due.get((c, k)) == when
            ),
            "timerSeq": self.timer_seq,
            "downNodes": self.down_nodes,
            "leaseRenewed": self.lease_renewed,
            "eventsSwept": self.events_swept,
            "steps": list(self.steps),
            "stepLit": self.step_lit,
            "controllers": {name: c.to_dict() for name, c in self.controllers.items()},
            "rateLimiters": {name: state for name, lim in self.limiters.items() if (state := lim.to_dict())},
            "cpuLoad": self.cpu_load,
            "schedulerConfig": self.scheduler_config,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Cluster:
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"unsupported cluster state version {data.get('version')!r}")
        cluster = cls(seed=data["seed"], options=data["options"])
        cluster.store.listeners.clear()
        cluster.store = Store.from_dict(data["store"])
        cluster.store.listeners.append(weakly(cluster._dispatch))
        cluster.api.store = cluster.store
        cluster.rng.state = data["rng"]
        cluster.clock = data["clock"]
        cluster.queue = deque(tuple(item) for item in data["queue"])
        cluster.queued = set(cluster.queue)
        cluster.timers = [tuple(t) for t in data["timers"]]
        heapq.heapify(cluster.timers)
        cluster.timer_due = {(c, k): when for when, _seq, c, k in cluster.timers}
        cluster.timer_seq = data["timerSeq"]
        cluster.down_nodes = data["downNodes"]
        cluster.lease_renewed = data["leaseRenewed"]
        cluster.events_swept = data["eventsSwept"]
        cluster.recorder.rebuild()
        cluster.steps.extend(data["steps"])
        cluster.step_lit = data.get("stepLit")
        for name, state in data.get("rateLimiters", {}).items():
            cluster.limiters[name].load(state)
        for name, state in data["controllers"].items():
            cluster.controllers[name].load(state)
        cluster.allocator.rebuild()
        cluster.cpu_load = data.get("cpuLoad", {})
        if data.get("schedulerConfig") is not None:
            cluster.scheduler_config = data["schedulerConfig"]
            cluster.scheduler.configure(cluster.scheduler_config, requeue=False)
        return cluster


def _component_name(controller: str, component=None) -> str:
    if controller == "scheduler":
        return "kube-scheduler"
    if controller == "kubelet":
        return "kubelet"
    return f"{getattr(component, 'component', 'kube-controller-manager')} ({controller})"
