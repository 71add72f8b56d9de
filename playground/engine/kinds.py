"""The resource types the engine serves, named as the API server names them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceType:
    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    has_status: bool = True
    verbs: tuple[str, ...] = field(
        default=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
    )

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified_plural(self) -> str:
        """'deployments.apps', or 'pods' for the core group, as in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """'Deployment.apps', or 'Pod' for the core group, as in 'is invalid' messages."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def singular(self) -> str:
        return self.kind.lower()


_ALL = ("all",)
TYPES = [
    ResourceType("Namespace", "", "v1", "namespaces", False, ("ns",), subresources=("status", "finalize")),
    ResourceType("Node", "", "v1", "nodes", False, ("no",), subresources=("status", "proxy")),
    ResourceType(
        "Pod",
        "",
        "v1",
        "pods",
        True,
        ("po",),
        _ALL,
        subresources=("status", "binding", "eviction", "log", "exec", "ephemeralcontainers"),
    ),
    ResourceType("ConfigMap", "", "v1", "configmaps", True, ("cm",), has_status=False),
    ResourceType("Secret", "", "v1", "secrets", True, (), has_status=False),
    ResourceType("ResourceQuota", "", "v1", "resourcequotas", True, ("quota",), subresources=("status",)),
    ResourceType("LimitRange", "", "v1", "limitranges", True, ("limits",), has_status=False),
    ResourceType("Event", "", "v1", "events", True, ("ev",), has_status=False),
    ResourceType("ServiceAccount", "", "v1", "serviceaccounts", True, ("sa",), has_status=False),
    ResourceType(
        "ReplicaSet", "apps", "v1", "replicasets", True, ("rs",), _ALL, subresources=("status", "scale")
    ),
    ResourceType(
        "Deployment", "apps", "v1", "deployments", True, ("deploy",), _ALL, subresources=("status", "scale")
    ),
    ResourceType(
        "PodDisruptionBudget",
        "policy",
        "v1",
        "poddisruptionbudgets",
        True,
        ("pdb",),
        subresources=("status",),
    ),
    ResourceType("Lease", "coordination.k8s.io", "v1", "leases", True, (), has_status=False),
    ResourceType(
        "PriorityClass", "scheduling.k8s.io", "v1", "priorityclasses", False, ("pc",), has_status=False
    ),
    ResourceType("Service", "", "v1", "services", True, ("svc",), _ALL, subresources=("status", "proxy")),
    ResourceType("Endpoints", "", "v1", "endpoints", True, ("ep",), has_status=False),
    ResourceType("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices", True, (), has_status=False),
    ResourceType("Ingress", "networking.k8s.io", "v1", "ingresses", True, ("ing",), subresources=("status",)),
    ResourceType("IngressClass", "networking.k8s.io", "v1", "ingressclasses", False, (), has_status=False),
    ResourceType(
        "NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", True, ("netpol",), has_status=False
    ),
    ResourceType("DaemonSet", "apps", "v1", "daemonsets", True, ("ds",), _ALL, subresources=("status",)),
    ResourceType(
        "StatefulSet", "apps", "v1", "statefulsets", True, ("sts",), _ALL, subresources=("status", "scale")
    ),
    ResourceType("ControllerRevision", "apps", "v1", "controllerrevisions", True, (), has_status=False),
    ResourceType("Job", "batch", "v1", "jobs", True, (), _ALL, subresources=("status",)),
    ResourceType("CronJob", "batch", "v1", "cronjobs", True, ("cj",), _ALL, subresources=("status",)),
    ResourceType("PersistentVolume", "", "v1", "persistentvolumes", False, ("pv",), subresources=("status",)),
    ResourceType(
        "PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", True, ("pvc",), subresources=("status",)
    ),
    ResourceType("StorageClass", "storage.k8s.io", "v1", "storageclasses", False, ("sc",), has_status=False),
    ResourceType(
        "HorizontalPodAutoscaler",
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        True,
        ("hpa",),
        _ALL,
        subresources=("status",),
    ),
    ResourceType("Role", "rbac.authorization.k8s.io", "v1", "roles", True, (), has_status=False),
    ResourceType(
        "ClusterRole", "rbac.authorization.k8s.io", "v1", "clusterroles", False, (), has_status=False
    ),
    ResourceType(
        "RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings", True, (), has_status=False
    ),
    ResourceType(
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        False,
        (),
        has_status=False,
    ),
]

BY_KIND: dict[str, ResourceType] = {rt.kind: rt for rt in TYPES}
_LOOKUP: dict[str, ResourceType] = {}
for _rt in TYPES:
    for _name in (_rt.kind, _rt.kind.lower(), _rt.plural, _rt.qualified_plural, *_rt.short_names):
        _LOOKUP[_name.lower()] = _rt


def resolve(name: str) -> ResourceType | None:
    """A resource type from any name kubectl accepts: Kind, plural, singular, short name."""
    return _LOOKUP.get(name.lower())
