"""A component's reference back to the cluster that owns it, held weakly.

A cluster owns its API server, store, scheduler, kubelet and controllers, and each of
them points back at it. With plain attributes every loaded cluster is a reference cycle,
freed only by the cyclic garbage collector: a process that loads a sandbox per change (a
watch feed) piles up whole clusters until a full collection frees them at once, a pause
of a few hundred milliseconds every second or two (measured in benchmarks/RESULTS.md).
Held weakly, a cluster is freed by reference counting the moment its last user lets go.
"""

from __future__ import annotations

import weakref


class ClusterRef:
    """`cluster = ClusterRef()` on a component class: `self.cluster = c` stores a weak
    reference, `self.cluster` reads the cluster (None once nothing else holds it). Any
    other back-reference to an owner works the same (a scheduler plugin's `handle`)."""

    __slots__ = ("slot",)

    def __set_name__(self, owner, name: str) -> None:
        self.slot = f"_{name}_ref"

    def __get__(self, obj, _owner=None):
        if obj is None:
            return self
        return obj.__dict__[self.slot]()

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = weakref.ref(value)


def weakly(method):
    """A bound method of a cluster, for a component to call back (the store's listeners)
    without holding the cluster; a call after the cluster is gone does nothing."""
    ref = weakref.WeakMethod(method)

    def call(*args, **kwargs):
        bound = ref()
        if bound is not None:
            bound(*args, **kwargs)

    return call
