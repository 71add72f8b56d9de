"""The controller contract. Every control loop in this package keeps it; the cluster's loop
(``Cluster._run``) enforces it.

Watching
    ``watches`` names the kinds whose writes the controller needs (``ALL`` for every kind, as
    the garbage collector and namespace controller need). The cluster routes each store write
    only to the controllers that watch its kind, in registry order
    (``controllers/registry.py``). ``on_event(etype, kind, old, new)`` maps the change to the
    keys to reconcile and calls ``self.enqueue(key)`` for each (a Pod write -> its owning
    ReplicaSet's ``namespace/name``). It may keep caches up to date; it does no other work.

Reconciling
    ``reconcile(key) -> Result`` does all the work, level-based: it re-reads the current
    state from the store, never the event that queued the key. It returns a :class:`Result`:

    * ``records`` -- the steps the UI shows (``self.record(...)``: component, action, kind,
      namespace, name, message, and "text" when the message is a ``text.Text`` that other
      languages render); none when there was nothing to do.
    * ``requeue_after`` -- seconds of simulated time after which to reconcile the key again,
      for genuinely time-based work (a grace period, a schedule, a deadline). The earliest
      pending time for a key wins.
    * ``requeue`` -- retry soon, rate-limited, without it being an error.
    * ``error`` -- the reconcile failed. Like an exception, it is retried with the
      controller's ``rate_limiter`` (client-go's ``AddRateLimited``); any ``requeue_after``
      is kept as well.

Retrying
    A key that fails (an exception, or ``Result(error=...)``) or asks for ``requeue`` is put
    back after ``rate_limiter.when(key)``: by default client-go's DefaultControllerRateLimiter,
    5 ms doubling per failure up to 1000 s for the key, and no faster than an overall token
    bucket of 10 qps with a burst of 100 allows -- the longer of the two (see
    ``workqueue.py``). A reconcile that succeeds forgets the key's failures. An exception
    never stops the loop: the cluster records a ``ReconcileError`` step, logs it, and retries
    the key; other controllers keep running. Controllers keep no retry timers of their own.

    ``cluster.schedule_at(when, controller, key)`` (client-go's ``AddAfter``) remains for work
    queued from outside ``reconcile`` or for another key.

State
    Whatever a controller must remember between reconciles round-trips through
    ``to_dict()``/``load()`` as plain JSON data.

Adding a controller: a module here with a ``Controller`` subclass that sets ``name``,
``watches`` and ``reconcile``, plus one line in ``registry.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.engine.backref import ClusterRef
from playground.engine.controllers.workqueue import default_controller_rate_limiter
from playground.engine.text import Text, message_fields
from playground.engine.util import controller_of, key_of, object_key

ALL = ("*",)  # watches every kind


@dataclass
class Result:
    records: list[dict] = field(default_factory=list)
    requeue: bool = False
    requeue_after: float | None = None
    error: BaseException | str | None = None

    @classmethod
    def of(cls, record: dict | None = None, requeue_after: float | None = None) -> Result:
        """A result showing `record` (when there is one)."""
        return cls(records=[record] if record is not None else [], requeue_after=requeue_after)

    def after(self, when: float | None, now: float) -> Result:
        """Also reconcile again at simulated time `when` (the earliest such time wins)."""
        if when is not None:
            delay = max(0.0, when - now)
            if self.requeue_after is None or delay < self.requeue_after:
                self.requeue_after = delay
        return self


class Controller:
    cluster = ClusterRef()  # weak: see playground/engine/backref.py
    name = ""
    component = "kube-controller-manager"
    event_source = ""
    watches: tuple[str, ...] = ()

    @staticmethod
    def enabled(options: dict) -> bool:
        """Whether a cluster built with `options` runs this controller."""
        return True

    @staticmethod
    def rate_limiter():
        return default_controller_rate_limiter()

    def __init__(self, cluster):
        self.cluster = cluster

    def enqueue(self, key: str) -> None:
        self.cluster.enqueue(self.name, key)

    def failing_keys(self) -> list[str]:
        """Keys whose last reconcile failed and are waiting to be retried."""
        return self.cluster.limiters[self.name].failing()

    def on_event(self, etype: str, kind: str, old: dict | None, new: dict | None) -> None:
        return None

    def reconcile(self, key: str) -> Result:
        return Result()

    def watch_owned(self, kind: str, old, new, own_kind: str, child_kind: str) -> bool:
        """Sync an object when its spec changes (not on our own status writes) and its
        controlling owner when one of its children changes. True when `kind` was one of them."""
        obj = new or old
        if kind == own_kind:
            if new is not None and (old is None or old.get("spec") != new.get("spec")):
                self.enqueue(key_of(obj))
            return True
        if kind == child_kind:
            ref = controller_of(obj)
            if ref and ref.get("kind") == own_kind:
                self.enqueue(object_key(obj["metadata"]["namespace"], ref["name"]))
            return True
        return False

    def record(self, action: str, obj: dict, message: Text | str) -> dict:
        """A step; a Text `message` is stored in English and as "text" for other languages."""
        meta = obj["metadata"]
        return {
            "component": f"{self.component} ({self.name})",
            "action": action,
            "kind": obj.get("kind"),
            "namespace": meta.get("namespace", ""),
            "name": meta["name"],
            **message_fields(message),
        }

    def to_dict(self) -> dict:
        return {}

    def load(self, data: dict) -> None:
        return None
