"""Warm clusters: the cluster a change saved, kept in its process for the sandbox's next
change, which then skips loading the sandbox (reading the row, decompressing, parsing,
building the cluster: most of a small change's time).

A kept cluster must be exactly the saved state, so:

* it is kept only once the request that saved it has finished (`request_finished`):
  until then that request still reads it to render its answer, and no other thread may
  change it meanwhile;
* it is kept only if its store's revision and its clock are still those it was saved
  with (nothing advanced or changed it after the save);
* the next writer takes it (no one else can), and only while the row is still as it was
  saved: the same version and the same time of the save (a version number can come back
  after a rolled-back transaction; the time it was saved at does not). A change saved
  since by any other writer, reader or process makes it stale, and the writer loads the
  row as before;
* a writer whose action fails or whose save loses drops it; it is never put back unsaved.

Outside a request (management commands, the check worker) nothing is kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from django.conf import settings
from django.core.signals import request_finished, request_started

_kept: OrderedDict[str, tuple[tuple, tuple, object, dict]] = OrderedDict()
_lock = threading.Lock()
_local = threading.local()


def _mark(cluster) -> tuple:
    return cluster.store.revision, cluster.clock


def saved_as(sandbox) -> tuple:
    """What tells the row's saved state apart from any other it had or will have."""
    return sandbox.version, sandbox.synced_at


def lend(sandbox, cluster, known) -> None:
    """`cluster` was just saved as `sandbox`'s row: keep it once this request has finished,
    with `known`, what its save knew (sandboxes.Known), for the next one."""
    lent = getattr(_local, "lent", None)
    if lent is not None:
        lent.append((str(sandbox.public_id), saved_as(sandbox), _mark(cluster), cluster, known))


def has(public_id) -> bool:
    return str(public_id) in _kept


def take(sandbox) -> tuple | None:
    """(cluster, known) kept for the sandbox if its row is still as that cluster was saved
    (else None); either way they are no longer kept."""
    with _lock:
        entry = _kept.pop(str(sandbox.public_id), None)
    if entry is None:
        return None
    kept_as, mark, cluster, known = entry
    return (cluster, known) if kept_as == saved_as(sandbox) and _mark(cluster) == mark else None


def forget() -> None:
    with _lock:
        _kept.clear()


def _started(**_kwargs) -> None:
    _local.lent = []


def _finished(**_kwargs) -> None:
    lent, _local.lent = getattr(_local, "lent", None), None
    for key, kept_as, mark, cluster, known in lent or ():
        if _mark(cluster) != mark:
            continue  # changed after its save: not what the row holds
        with _lock:
            _kept[key] = (kept_as, mark, cluster, known)
            _kept.move_to_end(key)
            while len(_kept) > settings.SANDBOX_CLUSTERS_KEPT:
                _kept.popitem(last=False)


request_started.connect(_started, dispatch_uid="playground.warm.started")
request_finished.connect(_finished, dispatch_uid="playground.warm.finished")
