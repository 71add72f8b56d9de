"""autoscaling/v1 HorizontalPodAutoscalers: the stored autoscaling/v2 objects in the v1 form.

kube-apiserver stores one HorizontalPodAutoscaler (v2 is the storage version) and converts it
for each served version (``pkg/apis/autoscaling/v1/conversion.go``); the conversion itself is
the engine's (``playground.engine.registry.autoscaling.hpa_v1``), as the console's kubectl
sends v1 bodies too. This module is the facade's view: the v1 resource that discovery lists
and the handler reads and writes in the v1 form.
"""

from __future__ import annotations

from playground.engine.kinds import ResourceType
from playground.engine.registry.autoscaling.hpa_v1 import to_v1, to_v2

__all__ = ["RESOURCE", "is_v1", "to_v1", "to_v2"]

RESOURCE = ResourceType(
    "HorizontalPodAutoscaler",
    "autoscaling",
    "v1",
    "horizontalpodautoscalers",
    True,
    short_names=("hpa",),
    categories=("all",),
    subresources=("status",),
)


def is_v1(rt) -> bool:
    return (rt.group, rt.version, rt.kind) == (RESOURCE.group, RESOURCE.version, RESOURCE.kind)
