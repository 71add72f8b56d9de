"""The ReplicationController manager: the ReplicaSet controller for v1 ReplicationControllers.

Upstream's pkg/controller/replication (``NewReplicationManager``) is the ReplicaSet
controller run over ReplicationControllers converted to ReplicaSets, with its own name
and event source ("replication-controller"); the only difference in behaviour is the
selector, a plain label map rather than a LabelSelector.
"""

from __future__ import annotations

from playground.engine.controllers.replicaset import ReplicaSetController
from playground.engine.selectors import compile_label_selector


class ReplicationManager(ReplicaSetController):
    name = "replicationcontroller"
    event_source = "replication-controller"
    watches = ("ReplicationController", "Pod", "ResourceQuota")
    kind, api_version = "ReplicationController", "v1"

    def selector_of(self, rc: dict):
        selector = rc["spec"].get("selector")
        return compile_label_selector({"matchLabels": selector} if selector else None)
