"""Admission plugins the API server runs on writes: NamespaceLifecycle, ServiceAccount,
Priority, DefaultTolerationSeconds, LimitRanger, PodSecurity (``podsecurity.py``) and
ResourceQuota.
"""

from __future__ import annotations

from fractions import Fraction

from playground.engine import podsecurity, quantity
from playground.engine.defaults import DEFAULT_TOLERATIONS
from playground.engine.errors import forbidden, invalid, invalid_object, not_found
from playground.engine.kinds import BY_KIND, ResourceType
from playground.engine.resources import is_terminal, pod_resources

NAMESPACE = BY_KIND["Namespace"]

# Quota resources counted per object kind.
COUNT_NAMES = {
    "Pod": ("pods", "count/pods"),
    "ConfigMap": ("configmaps", "count/configmaps"),
    "Secret": ("secrets", "count/secrets"),
    "ResourceQuota": ("resourcequotas", "count/resourcequotas"),
    "Deployment": ("count/deployments.apps",),
    "ReplicaSet": ("count/replicasets.apps",),
    "PodDisruptionBudget": ("count/poddisruptionbudgets.policy",),
    "PersistentVolumeClaim": ("persistentvolumeclaims", "count/persistentvolumeclaims"),
}
COMPUTE = ("cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory")


def namespace_lifecycle(
    store, rt: ResourceType, name: str, namespace: str, assumed: set[str] = frozenset()
) -> None:
    ns = store.get("Namespace", "", namespace)
    if ns is None and namespace in assumed:
        return
    if ns is None:
        raise not_found(NAMESPACE, namespace)
    if (ns.get("status") or {}).get("phase") == "Terminating":
        error = forbidden(
            rt, name, f"unable to create new content in namespace {namespace} because it is being terminated"
        )
        # The NamespaceLifecycle plugin adds this cause, which controllers look for.
        cause = {
            "type": "NamespaceTerminating",
            "message": f"namespace {namespace} is being terminated",
            "field": "metadata.namespace",
        }
        error.details = {**(error.details or {}), "causes": [cause]}
        raise error


def service_account(store, pod: dict, rng) -> None:
    spec = pod["spec"]
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    if spec.get("automountServiceAccountToken") is False:
        return
    volume_name = f"kube-api-access-{rng.suffix()}"
    if any(v.get("name", "").startswith("kube-api-access-") for v in spec.get("volumes") or []):
        return
    spec.setdefault("volumes", []).append(
        {
            "name": volume_name,
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {
                        "configMap": {
                            "name": "kube-root-ca.crt",
                            "items": [{"key": "ca.crt", "path": "ca.crt"}],
                        }
                    },
                    {
                        "downwardAPI": {
                            "items": [
                                {
                                    "path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                }
                            ]
                        }
                    },
                ],
            },
        }
    )
    for c in list(spec.get("containers") or []) + list(spec.get("initContainers") or []):
        c.setdefault("volumeMounts", []).append(
            {
                "name": volume_name,
                "readOnly": True,
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
            }
        )


def priority(store, rt: ResourceType, pod: dict) -> None:
    spec = pod["spec"]
    name = spec.get("priorityClassName")
    if name:
        pc = store.get("PriorityClass", "", name)
        if pc is None:
            raise forbidden(
                rt, pod["metadata"].get("name", ""), f"no PriorityClass with name {name} was found"
            )
        spec["priority"] = pc.get("value", 0)
        spec.setdefault("preemptionPolicy", pc.get("preemptionPolicy", "PreemptLowerPriority"))
        return
    for pc in store.iter("PriorityClass"):
        if pc.get("globalDefault"):
            spec["priorityClassName"] = pc["metadata"]["name"]
            spec["priority"] = pc.get("value", 0)
            spec.setdefault("preemptionPolicy", pc.get("preemptionPolicy", "PreemptLowerPriority"))
            return
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")


def default_tolerations(pod: dict) -> None:
    tolerations = pod["spec"].setdefault("tolerations", [])
    for default in DEFAULT_TOLERATIONS:
        if not any(
            t.get("key") == default["key"] and t.get("effect") in (None, "", "NoExecute") for t in tolerations
        ):
            tolerations.append(dict(default))


def _fmt(name: str, value: Fraction) -> str:
    if name.endswith("cpu"):
        return quantity.format(value)
    return quantity.format(value, binary=value.denominator == 1 and value.numerator % 1024 == 0)


def _pod_containers(pod: dict) -> list[tuple[str, dict]]:
    spec = pod.get("spec") or {}
    return [("container", c) for c in spec.get("containers") or []] + [
        ("init container", c) for c in spec.get("initContainers") or []
    ]


def limit_ranger_defaults(store, pod: dict) -> None:
    """LimitRanger's mutating half (``mergePodResourceRequirements`` in
    plugin/pkg/admission/limitranger/admission.go): each LimitRange's Container
    ``default`` and ``defaultRequest`` fill the resources a container leaves out, and the
    pod's ``kubernetes.io/limit-ranger`` annotation says what was set. It runs before the
    pod is validated, so a request above a defaulted limit is a validation error."""
    namespace = pod["metadata"].get("namespace", "")
    limits: dict = {}
    requests: dict = {}
    for lr in store.iter("LimitRange", namespace):
        for item in (lr.get("spec") or {}).get("limits") or []:
            if item.get("type") == "Container":
                requests.update(item.get("defaultRequest") or {})
                limits.update(item.get("default") or {})
    if not limits and not requests:
        return
    notes: list[str] = []
    for prefix, c in _pod_containers(pod):
        if not isinstance(c, dict):
            continue
        resources = c.setdefault("resources", {})
        set_limits = sorted(name for name in limits if name not in (resources.get("limits") or {}))
        set_requests = sorted(
            name
            for name in requests
            if name not in (resources.get("requests") or {}) and name not in (resources.get("limits") or {})
        )
        for name in set_limits:
            resources.setdefault("limits", {})[name] = limits[name]
        for name in set_requests:
            resources.setdefault("requests", {})[name] = requests[name]
        if set_requests:
            notes.append(f"{', '.join(set_requests)} request for {prefix} {c.get('name', '')}")
        if set_limits:
            notes.append(f"{', '.join(set_limits)} limit for {prefix} {c.get('name', '')}")
    if notes:
        pod["metadata"].setdefault("annotations", {})["kubernetes.io/limit-ranger"] = (
            "LimitRanger plugin set: " + "; ".join(notes)
        )
        # A default limit below a request makes the pod invalid, whoever creates it: a
        # ReplicaSet's create fails as a user's does (its FailedCreate names the error).
        from playground.engine.validation import pod as validate_pod

        errors = [e for e in validate_pod(pod) if ".resources." in e.field or e.field.endswith(".resources")]
        if errors:
            raise invalid_object(BY_KIND["Pod"], pod["metadata"].get("name", ""), errors)


def limit_ranger(store, rt: ResourceType, pod: dict) -> None:
    """LimitRanger's validating half (``PodValidateLimitFunc``): min and max per
    Container and per Pod, after validation and before ResourceQuota."""
    namespace = pod["metadata"]["namespace"]
    problems: list[str] = []
    for lr in store.iter("LimitRange", namespace):
        for item in (lr.get("spec") or {}).get("limits") or []:
            if item.get("type") == "Container":
                for _, c in _pod_containers(pod):
                    problems += _bounds(item, c.get("resources") or {}, "Container")
            elif item.get("type") == "Pod":
                totals_req = pod_resources(pod, "requests")
                totals_lim = pod_resources(pod, "limits")
                problems += _pod_bounds(item, totals_req, totals_lim)
    if problems:
        detail = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        raise forbidden(rt, pod["metadata"].get("name", ""), detail)


def _bounds(item: dict, resources: dict, scope: str) -> list[str]:
    problems = []
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    for name, high in (item.get("max") or {}).items():
        limit = limits.get(name)
        if limit is None:
            problems.append(f"maximum {name} usage per {scope} is {high}.  No limit is specified")
        elif quantity.parse(limit) > quantity.parse(high):
            problems.append(f"maximum {name} usage per {scope} is {high}, but limit is {limit}")
    for name, low in (item.get("min") or {}).items():
        request = requests.get(name)
        if request is None:
            problems.append(f"minimum {name} usage per {scope} is {low}.  No request is specified")
        elif quantity.parse(request) < quantity.parse(low):
            problems.append(f"minimum {name} usage per {scope} is {low}, but request is {request}")
    return problems


def _pod_bounds(item: dict, requests: dict, limits: dict) -> list[str]:
    problems = []
    for name, high in (item.get("max") or {}).items():
        value = limits.get(name)
        ceiling = quantity.millis(high) if name == "cpu" else quantity.to_int(high)
        if value is not None and value > ceiling:
            problems.append(
                f"maximum {name} usage per Pod is {high}, but limit is {_fmt(name, Fraction(value, 1000 if name == 'cpu' else 1))}"
            )
    return problems


def usage_of(kind: str, obj: dict) -> dict[str, Fraction]:
    """What one object consumes against a quota."""
    usage: dict[str, Fraction] = {}
    for name in COUNT_NAMES.get(kind, ()):
        usage[name] = Fraction(1)
    if kind == "Pod":
        if is_terminal(obj):
            return {}
        requests = pod_resources(obj, "requests")
        limits = pod_resources(obj, "limits")
        if "cpu" in requests:
            usage["requests.cpu"] = usage["cpu"] = Fraction(requests["cpu"], 1000)
        if "memory" in requests:
            usage["requests.memory"] = usage["memory"] = Fraction(requests["memory"])
        if "cpu" in limits:
            usage["limits.cpu"] = Fraction(limits["cpu"], 1000)
        if "memory" in limits:
            usage["limits.memory"] = Fraction(limits["memory"])
    elif kind == "PersistentVolumeClaim":
        # The claim evaluator: the larger of what is asked and what was allocated (a resize
        # lowered again after a failure is still charged what the volume holds), by class too.
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        asked = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        allocated = (status.get("allocatedResources") or {}).get("storage")
        storage = max((quantity.parse(q) for q in (asked, allocated) if q), default=None)
        storage_class = spec.get("storageClassName")
        if storage_class:
            usage[f"{storage_class}.storageclass.storage.k8s.io/persistentvolumeclaims"] = Fraction(1)
        if storage is not None:
            usage["requests.storage"] = storage
            if storage_class:
                usage[f"{storage_class}.storageclass.storage.k8s.io/requests.storage"] = storage
    return usage


def namespace_usage(store, namespace: str, names: set[str]) -> dict[str, Fraction]:
    used: dict[str, Fraction] = {name: Fraction(0) for name in names}
    for kind in COUNT_NAMES:
        relevant = set(COUNT_NAMES[kind]) | (set(COMPUTE) if kind == "Pod" else set())
        if kind == "PersistentVolumeClaim":  # storage, in all and per StorageClass
            relevant |= {n for n in names if n.endswith(("requests.storage", "persistentvolumeclaims"))}
        if not relevant & names:
            continue
        for obj in store.iter(kind, namespace):
            for name, value in usage_of(kind, obj).items():
                if name in used:
                    used[name] += value
    return used


def _pretty(names, values: dict[str, Fraction], source: dict | None = None) -> str:
    parts = []
    for name in sorted(names):
        if source is not None and name in source:
            parts.append(f"{name}={source[name]}")
        else:
            parts.append(f"{name}={_fmt(name, values.get(name, Fraction(0)))}")
    return ",".join(parts)


def pvc_resize(store, rt: ResourceType, new: dict, old: dict) -> None:
    """The PersistentVolumeClaimResize admission plugin: a claim may grow only when it was
    provisioned by a StorageClass that says allowVolumeExpansion."""

    def storage(obj):
        return quantity.parse(
            ((obj.get("spec") or {}).get("resources") or {}).get("requests", {}).get("storage", "0")
        )

    if storage(new) <= storage(old):
        return
    volume = store.get("PersistentVolume", "", (old.get("spec") or {}).get("volumeName") or "")
    class_name = (old.get("spec") or {}).get("storageClassName") or ""
    sc = store.get("StorageClass", "", class_name) if class_name else None
    dynamic = volume is not None and (volume.get("spec") or {}).get("storageClassName", "") == class_name
    if not (sc and sc.get("allowVolumeExpansion") and dynamic):
        raise forbidden(
            rt,
            old["metadata"]["name"],
            "only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize",
        )


def resource_quota(store, rt: ResourceType, kind: str, obj: dict, old: dict | None = None) -> None:
    """ResourceQuota's admission: a create charges the object's usage; an update that
    changes it (a pod's resize) charges what it adds (the quota evaluator's delta)."""
    namespace = obj["metadata"].get("namespace")
    if not namespace:
        return
    quotas = list(store.iter("ResourceQuota", namespace))
    if not quotas:
        return
    request = usage_of(kind, obj)
    if old is not None:
        before = usage_of(kind, old)
        request = {k: v - before.get(k, 0) for k, v in request.items() if v > before.get(k, 0)}
    name = obj["metadata"].get("name", "")
    for quota in sorted(quotas, key=lambda q: q["metadata"]["name"]):
        hard = (quota.get("spec") or {}).get("hard") or {}
        tracked = set(hard)
        if kind == "Pod":
            missing = set()
            required = tracked & set(COMPUTE)
            for c in list(obj["spec"].get("containers") or []) + list(
                obj["spec"].get("initContainers") or []
            ):
                resources = c.get("resources") or {}
                have = set()
                if "cpu" in (resources.get("requests") or {}):
                    have |= {"cpu", "requests.cpu"}
                if "memory" in (resources.get("requests") or {}):
                    have |= {"memory", "requests.memory"}
                if "cpu" in (resources.get("limits") or {}):
                    have.add("limits.cpu")
                if "memory" in (resources.get("limits") or {}):
                    have.add("limits.memory")
                missing |= required - have
            if missing:
                raise forbidden(
                    rt,
                    name,
                    f"failed quota: {quota['metadata']['name']}: must specify {','.join(sorted(missing))}",
                )
        requested = {k: v for k, v in request.items() if k in tracked and v != 0}
        if not requested:
            continue
        used = namespace_usage(store, namespace, set(requested))
        exceeded = sorted(k for k, v in requested.items() if used[k] + v > quantity.parse(hard[k]))
        if exceeded:
            raise forbidden(
                rt,
                name,
                f"exceeded quota: {quota['metadata']['name']}, requested: {_pretty(exceeded, requested)}, "
                f"used: {_pretty(exceeded, used)}, limited: {_pretty(exceeded, {}, hard)}",
            )


def pod_security(
    api,
    rt: ResourceType,
    obj: dict,
    old: dict | None = None,
    subresource: str | None = None,
    warn: bool = True,
) -> None:
    """PodSecurity (``podsecurity.admit``): a refusal is 403 Forbidden in upstream's words,
    invalid namespace labels 422; its warnings join the request's Warning headers (a
    controller's own writes, ``warn=False``, answer to nobody)."""
    decision = podsecurity.admit(api.store, rt.kind, obj, old, subresource)
    name = obj["metadata"].get("name", "")
    if decision.invalid:
        errors = [invalid(f"metadata.labels[{e.label}]", e.value, e.detail) for e in decision.invalid]
        raise invalid_object(rt, name, errors)
    if decision.forbidden:
        raise forbidden(rt, name, decision.forbidden)
    if warn:
        api.warnings.extend(decision.warnings)
