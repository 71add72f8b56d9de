"""apiregistration.k8s.io/v1 APIServices: read-only, one per group-version the sandbox serves.

In kube-apiserver the aggregator's autoregister controller keeps one APIService per
built-in group-version (``apiServicePriorities`` in pkg/controlplane/apiserver/aggregator.go,
labelled ``kube-aggregator.kubernetes.io/automanaged: onstart``) and one per
CustomResourceDefinition version (``crdRegistrationController``: priority 1000/100,
automanaged ``true``). Each is served in-process, so it has no ``spec.service``, kubectl
prints SERVICE ``Local``, and its Available condition is True with reason ``Local``
(kube-aggregator's ``available_controller``). The sandbox lists the same for what it
serves, computed on each read; it serves no aggregated API of its own, so writes are
refused (405) rather than stored.
"""

from __future__ import annotations

import uuid

from playground.engine.errors import ApiError
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, no_defaults, no_validation

# (groupPriorityMinimum, versionPriority) per built-in group-version.
PRIORITIES = {
    "v1": (18000, 1),
    "apiregistration.k8s.io/v1": (18000, 15),
    "apps/v1": (17800, 15),
    "events.k8s.io/v1": (17750, 15),
    "authentication.k8s.io/v1": (17700, 15),
    "authorization.k8s.io/v1": (17600, 15),
    "autoscaling/v1": (17500, 15),
    "autoscaling/v2": (17500, 30),
    "batch/v1": (17400, 15),
    "certificates.k8s.io/v1": (17300, 15),
    "networking.k8s.io/v1": (17200, 15),
    "policy/v1": (17100, 15),
    "rbac.authorization.k8s.io/v1": (17000, 15),
    "storage.k8s.io/v1": (16800, 15),
    "admissionregistration.k8s.io/v1": (16700, 15),
    "apiextensions.k8s.io/v1": (16700, 15),
    "scheduling.k8s.io/v1": (16600, 15),
    "coordination.k8s.io/v1": (16500, 15),
    "node.k8s.io/v1": (16300, 15),
    "discovery.k8s.io/v1": (16200, 15),
    "flowcontrol.apiserver.k8s.io/v1": (16100, 21),
    "metrics.k8s.io/v1beta1": (100, 100),
}
CRD_PRIORITY = (1000, 100)


def _available(obj: dict) -> str:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Available":
            if condition.get("status") == "True":
                return "True"
            return f"{condition.get('status')} ({condition.get('reason')})"
    return "Unknown"


def printer(obj: dict, now: float) -> list[str]:
    service = (obj.get("spec") or {}).get("service")
    where = f"{service.get('namespace')}/{service.get('name')}" if service else "Local"
    return [obj["metadata"]["name"], where, _available(obj), age(obj, now)]


RESOURCE = Strategy(
    kind="APIService",
    group="apiregistration.k8s.io",
    version="v1",
    plural="apiservices",
    namespaced=False,
    verbs=("get", "list", "watch"),
    defaulter=no_defaults,
    validator=no_validation,
    columns=("NAME", "SERVICE", "AVAILABLE", "AGE"),
    printer=printer,
    counterpart=None,
)


def items(cluster, group_versions) -> list[dict]:
    """The APIServices for ``group_versions`` (discovery's, with the cluster's custom resources)."""
    system = cluster.store.get("Namespace", None, "kube-system") or {"metadata": {}}
    meta = system["metadata"]
    created = meta.get("creationTimestamp")
    found = []
    for gv in group_versions:
        group, _, version = gv.rpartition("/")
        builtin = gv in PRIORITIES
        minimum, priority = PRIORITIES.get(gv, CRD_PRIORITY)
        name = f"{version}.{group}"
        spec = {"group": group, "version": version} if group else {"version": version}
        found.append(
            {
                "kind": "APIService",
                "apiVersion": RESOURCE.api_version,
                "metadata": {
                    "name": name,
                    "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{meta.get('uid', '')}/apiservices/{name}")),
                    "resourceVersion": meta.get("resourceVersion", "1"),
                    "creationTimestamp": created,
                    "labels": {"kube-aggregator.kubernetes.io/automanaged": "onstart" if builtin else "true"},
                },
                "spec": {**spec, "groupPriorityMinimum": minimum, "versionPriority": priority},
                "status": {
                    "conditions": [
                        {
                            "type": "Available",
                            "status": "True",
                            "lastTransitionTime": created,
                            "reason": "Local",
                            "message": "Local APIServices are always available",
                        }
                    ]
                },
            }
        )
    return sorted(found, key=lambda o: o["metadata"]["name"])


def lookup(cluster, group_versions, name: str | None) -> list[dict]:
    """All of them, or the one named (404 NotFound as the registry answers)."""
    found = items(cluster, group_versions)
    if name is None:
        return found
    for obj in found:
        if obj["metadata"]["name"] == name:
            return [obj]
    raise ApiError(
        404,
        "NotFound",
        f'apiservices.apiregistration.k8s.io "{name}" not found',
        {"name": name, "group": "apiregistration.k8s.io", "kind": "apiservices"},
    )
