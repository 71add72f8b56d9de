"""The order discovery lists API groups, versions and resources in.

kubectl walks discovery in this order, so it decides, for one, that `kubectl get all` prints
Deployments before ReplicaSets and Jobs last. The API facade (``playground.kubeapi.discovery``)
serves it and the console's kubectl (``playground.kubectl``) reads it from here.
"""

from __future__ import annotations

import re

# kube-apiserver's group order.
GROUP_ORDER = [
    "",
    "apiregistration.k8s.io",
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "node.k8s.io",
    "discovery.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "metrics.k8s.io",
]


def group_rank(group: str) -> tuple[int, str]:
    """Built-in groups in the apiserver's order; others (custom resources) after, by name."""
    return (GROUP_ORDER.index(group), "") if group in GROUP_ORDER else (len(GROUP_ORDER), group)


def version_rank(rt) -> tuple:
    """Versions in kube-aware order (v2, v1, v1beta1, v1alpha1), as upstream lists a CRD's
    versions and its built-in groups' (by version priority: autoscaling/v2 before v1)."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", rt.version)
    if match is None:
        return (3, 0, 0, rt.version)
    level = {None: 0, "beta": 1, "alpha": 2}[match.group(2)]
    return (level, -int(match.group(1)), -int(match.group(3) or 0), "")


def served(registry) -> list:
    """Every type the registry serves, once per served version (a CRD's rt.served()), in
    discovery's order: groups, then versions, then resources by plural."""
    types = [v for rt in registry for v in (rt.served() if hasattr(rt, "served") else (rt,))]
    return sorted(types, key=order_key)


def order_key(rt) -> tuple:
    return (group_rank(rt.group), version_rank(rt), rt.plural)
