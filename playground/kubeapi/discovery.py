"""/version and API discovery, in the aggregated (apidiscovery.k8s.io/v2) and legacy forms.

kubectl learns every resource name, short name, category and subresource from these
documents, so they are built from the engine's kind registry: what is listed here is
exactly what the facade serves. Each function takes an optional ``registry`` (a
cluster's, ``cluster.api.registry``, with its custom resources); without it, the
built-in kinds. Results are cached per registry and its revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from playground.engine.kinds import ResourceType
from playground.engine.registry import BUILTIN, discovery_order
from playground.kubeapi import apiservices, auth, autoscalingv1, eventsv1

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
MAJOR, MINOR, PATCH = "1", "37", "1"
GIT_VERSION = f"v{MAJOR}.{MINOR}.{PATCH}"

# What kube-apiserver v1.37.1 answers: the release's commit, build date and Go toolchain
# (the same as the v1.37.1 kubectl binary reports for its client half).
VERSION = {
    "major": MAJOR,
    "minor": MINOR,
    # The dispatcher kubectl of some installs picks kubectl.1.<minor> from this reply.
    "gitVersion": GIT_VERSION,
    "gitCommit": "f78e722310e50bcaca9276be22276d9e91d91308",
    "gitTreeState": "clean",
    "buildDate": "2026-09-23T17:10:04Z",
    "goVersion": "go1.26.8",
    "compiler": "gc",
    "platform": "linux/amd64",
}


@dataclass(frozen=True)
class Subresource:
    name: str
    group: str
    version: str
    kind: str
    verbs: tuple[str, ...]


# Resources the engine does not store: metrics.k8s.io's read-only views of the simulated
# usage (for `kubectl top`), and the access review behind `kubectl auth can-i`.
METRICS = [
    ResourceType(
        "NodeMetrics", "metrics.k8s.io", "v1beta1", "nodes", False, has_status=False, verbs=("get", "list")
    ),
    ResourceType(
        "PodMetrics", "metrics.k8s.io", "v1beta1", "pods", True, has_status=False, verbs=("get", "list")
    ),
    ResourceType(
        "SelfSubjectAccessReview",
        "authorization.k8s.io",
        "v1",
        "selfsubjectaccessreviews",
        False,
        has_status=False,
        verbs=("create",),
    ),
]
METRICS += auth.RESOURCES  # the authentication and authorization reviews (kubeapi/auth.py)
METRICS.append(apiservices.RESOURCE)  # read-only, computed (kubeapi/apiservices.py)
VIRTUAL = {rt.kind for rt in METRICS}

# Kinds upstream marks deprecated (k8s.io/api's +k8s:prerelease-lifecycle-gen tags, read back
# through APILifecycleDeprecated and APILifecycleReplacement): (group, version, kind) ->
# (the release that deprecated it, its replacement). KEP-4974 deprecated v1 Endpoints in 1.33.
DEPRECATED = {("", "v1", "Endpoints"): ((1, 33), "discovery.k8s.io/v1 EndpointSlice")}


def deprecation_warning(rt: ResourceType) -> str | None:
    """The warning kube-apiserver adds to every request on a deprecated kind's resource, in
    the words of k8s.io/apiserver's ``deprecation.WarningMessage``."""
    found = DEPRECATED.get((rt.group, rt.version, rt.kind))
    if found is None:
        return None
    (major, minor), replacement = found
    return f"{rt.api_version} {rt.kind} is deprecated in v{major}.{minor}+; use {replacement}"


def add_deprecation_warning(rt: ResourceType, headers: dict) -> None:
    """Add the kind's deprecation warning, if any, to a response's headers (after any other
    Warning the request earned), as a ``299 - "text"`` Warning value."""
    warning = deprecation_warning(rt)
    if warning:
        value = f'299 - "{warning}"'
        headers["Warning"] = f"{headers['Warning']}, {value}" if headers.get("Warning") else value


# Other groups' or versions' views of stored kinds (events.k8s.io/v1 Events are the core
# Events; autoscaling/v1 HorizontalPodAutoscalers the stored autoscaling/v2 ones).
VIEWS = [eventsv1.RESOURCE, autoscalingv1.RESOURCE]

_STATUS_VERBS = ("get", "patch", "update")


def subresources(rt: ResourceType) -> list[Subresource]:
    """The subresources the facade serves for a type (exec and proxy are not simulated)."""
    found = []
    for name in rt.subresources:
        if name == "status":
            found.append(Subresource("status", rt.group, rt.version, rt.kind, _STATUS_VERBS))
        elif name == "scale":
            found.append(Subresource("scale", "autoscaling", "v1", "Scale", _STATUS_VERBS))
        elif name == "eviction":
            found.append(Subresource("eviction", "policy", "v1", "Eviction", ("create",)))
        elif name == "binding":
            found.append(Subresource("binding", "", "v1", "Binding", ("create",)))
        elif name == "log":
            found.append(Subresource("log", "", "v1", "Pod", ("get",)))
        elif name == "approval":
            found.append(Subresource("approval", rt.group, rt.version, rt.kind, _STATUS_VERBS))
        elif name == "token":
            found.append(Subresource("token", "authentication.k8s.io", "v1", "TokenRequest", ("create",)))
        elif name == "resize":
            found.append(Subresource("resize", "", "v1", "Pod", _STATUS_VERBS))
    return found


def _cached(fn):
    """Cache fn(registry, *args) per registry and revision (a registered kind shows at once)."""
    inner = lru_cache(maxsize=256)(lambda registry, revision, *args: fn(registry, *args))

    def wrapper(*args, registry=None):
        registry = BUILTIN if registry is None else registry
        return inner(registry, registry.revision, *args)

    wrapper.__doc__ = fn.__doc__
    wrapper.cache_clear = inner.cache_clear
    return wrapper


@_cached
def group_versions(registry) -> dict[str, list]:
    """'v1', 'apps/v1', … → the resource types served there: groups in the apiserver's
    order, resources alphabetically, as discovery lists them."""
    found: dict[str, list] = {}
    for rt in sorted([*discovery_order.served(registry), *METRICS, *VIEWS], key=discovery_order.order_key):
        found.setdefault(rt.api_version, []).append(rt)
    return found


def lookup(group: str, version: str, plural: str, registry=None):
    for rt in group_versions(registry=registry).get(f"{group}/{version}" if group else version, []):
        if rt.plural == plural:
            return rt
    return None


# Aggregated discovery ------------------------------------------------------------------------


def _names(rt) -> dict:
    """shortNames and categories, present only when the type has them, in both forms."""
    names: dict = {}
    if rt.short_names:
        names["shortNames"] = list(rt.short_names)
    if rt.categories:
        names["categories"] = list(rt.categories)
    return names


def _aggregated_resource(rt) -> dict:
    entry = {
        "resource": rt.plural,
        "responseKind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
        "scope": "Namespaced" if rt.namespaced else "Cluster",
        "singularResource": rt.singular,
        "verbs": sorted(rt.verbs),
        **_names(rt),
    }
    subs = subresources(rt)
    if subs:
        entry["subresources"] = [
            {
                "subresource": sub.name,
                "responseKind": {"group": sub.group, "version": sub.version, "kind": sub.kind},
                "verbs": list(sub.verbs),
            }
            for sub in subs
        ]
    return entry


@_cached
def aggregated(registry, legacy: bool) -> dict:
    """The APIGroupDiscoveryList for /api (legacy=True) or /apis."""
    groups: dict[str, list] = {}
    for gv, types in group_versions(registry=registry).items():
        group, _, version = gv.rpartition("/")
        if (group == "") != legacy:
            continue
        groups.setdefault(group, []).append(
            {
                "version": version,
                "resources": [_aggregated_resource(rt) for rt in types],
                "freshness": "Current",
            }
        )
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": [{"metadata": {"name": name}, "versions": versions} for name, versions in groups.items()],
    }


# Legacy discovery --------------------------------------------------------------------------


def api_versions(server_address: str) -> dict:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


@_cached
def api_group_list(registry) -> dict:
    groups: dict[str, list[str]] = {}
    for gv in group_versions(registry=registry):
        group, _, version = gv.rpartition("/")
        if group:
            groups.setdefault(group, []).append(version)
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group(name, versions) for name, versions in groups.items()],
    }


def _group(name: str, versions: list[str]) -> dict:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_group(name: str, registry=None) -> dict | None:
    for group in api_group_list(registry=registry)["groups"]:
        if group["name"] == name:
            return {"kind": "APIGroup", "apiVersion": "v1", **group}
    return None


@_cached
def resource_list(registry, group_version: str) -> dict | None:
    types = group_versions(registry=registry).get(group_version)
    if types is None:
        return None
    resources = []
    for rt in types:
        entry = {
            "name": rt.plural,
            "singularName": rt.singular,
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": sorted(rt.verbs),
            **_names(rt),
        }
        resources.append(entry)
        for sub in subresources(rt):
            sub_entry = {
                "name": f"{rt.plural}/{sub.name}",
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": sub.kind,
                "verbs": list(sub.verbs),
            }
            if (sub.group, sub.version) != (rt.group, rt.version):
                sub_entry["group"], sub_entry["version"] = sub.group, sub.version
            resources.append(sub_entry)
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }
