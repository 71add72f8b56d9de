"""What follows a sandbox's saved change, whichever process saved it.

`sandboxes._save` calls `saved(pk, version, delta)` inside the transaction that wrote the
new version, once the row is written; `delta()` gives the change's watch events as JSON
(or None when they cannot stand for it), so other processes that hold the version before
need not load the whole sandbox again (playground.kubeapi.feeds). A listener that writes
(PostgreSQL's NOTIFY, a task enqueued in the database) commits or rolls back with the
change itself, and one that must wait for the commit uses `transaction.on_commit`. Listeners register at import
(`PlaygroundConfig.ready` imports their modules), so the engine and the sandbox store
do not know who listens.
"""

from __future__ import annotations

from collections.abc import Callable

Delta = Callable[[], bytes | None]
Listener = Callable[[int, int, Delta], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Register `listener(pk, version, delta)`; usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def saved(pk: int, version: int, delta: Delta = lambda: None) -> None:
    for listener in _listeners:
        listener(pk, version, delta)
