"""What follows a sandbox's saved change, whichever process saved it.

`sandboxes._save` calls `saved(pk, version)` inside the transaction that wrote the new
version, once the row is written: a listener that writes (PostgreSQL's NOTIFY, a task
enqueued in the database) commits or rolls back with the change itself, and one that
must wait for the commit uses `transaction.on_commit`. Listeners register at import
(`PlaygroundConfig.ready` imports their modules), so the engine and the sandbox store
do not know who listens.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[int, int], None]
_listeners: list[Listener] = []


def listen(listener: Listener) -> Listener:
    """Register `listener(pk, version)`; usable as a decorator."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def saved(pk: int, version: int) -> None:
    for listener in _listeners:
        listener(pk, version)
