"""DefaultBinder: binds the pod to the chosen node through the API server (pods/binding)."""

from __future__ import annotations

from playground.engine.scheduler.framework import BIND, Plugin


class DefaultBinder(Plugin):
    name = "DefaultBinder"
    extension_points = (BIND,)

    def bind(self, state, pod, node_name):
        self.handle.cluster.api.bind(pod["metadata"]["name"], pod["metadata"]["namespace"], node_name)
        return None
