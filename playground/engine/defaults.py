"""Defaulting as the API server applies it (SetDefaults_* and the defaulting admission plugins).

Each function takes a private copy of the incoming object and fills it in place.
"""

from __future__ import annotations

from playground.engine.images import parse_image

DEFAULT_TOLERATIONS = (
    {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
    {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
)


def pull_policy(image: str) -> str:
    ref = parse_image(image or "")
    return "Always" if (ref.tag == "latest" and not ref.digest) else "IfNotPresent"


def _probe(probe: dict | None) -> None:
    if not isinstance(probe, dict):
        return
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    if isinstance(probe.get("httpGet"), dict):
        probe["httpGet"].setdefault("path", "/")
        probe["httpGet"].setdefault("scheme", "HTTP")


def container(c: dict) -> None:
    if not isinstance(c, dict):
        return
    if isinstance(c.get("image"), str):
        c.setdefault("imagePullPolicy", pull_policy(c["image"]))
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    c.setdefault("resources", {})
    for port in c.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
    for name in ("livenessProbe", "readinessProbe", "startupProbe"):
        _probe(c.get(name))
    resources = c.get("resources")
    # A limit without a request means the request equals the limit.
    if isinstance(resources, dict) and isinstance(resources.get("limits"), dict):
        requests = resources.setdefault("requests", {})
        if isinstance(requests, dict):
            for resource, value in resources["limits"].items():
                requests.setdefault(resource, value)


def pod_spec(spec: dict) -> None:
    if not isinstance(spec, dict):
        return
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            container(c)


def _null_times(meta) -> None:
    """A metav1.Time decoded from JSON null is the zero time, which the API server drops
    (``Time.UnmarshalJSON``): ``creationTimestamp: null`` in a template, as ``kubectl
    create --dry-run=client -o yaml`` writes it, is the same template as none."""
    if isinstance(meta, dict):
        for field in ("creationTimestamp", "deletionTimestamp"):
            if field in meta and meta[field] is None:
                del meta[field]


def pod_template(template: dict) -> None:
    if isinstance(template, dict):
        _null_times(template.setdefault("metadata", {}))
        pod_spec(template.get("spec"))


def pod(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    pod_spec(spec)
    if isinstance(spec, dict):
        spec.setdefault("enableServiceLinks", True)


def deployment(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    if isinstance(strategy, dict):
        strategy.setdefault("type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling = strategy.setdefault("rollingUpdate", {})
            if isinstance(rolling, dict):
                rolling.setdefault("maxUnavailable", "25%")
                rolling.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    pod_template(spec.get("template"))


def replicaset(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        pod_template(spec.get("template"))


def namespace(obj: dict) -> None:
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    labels = obj["metadata"].setdefault("labels", {})
    if obj["metadata"].get("name"):  # as SetDefaults_Namespace: a nameless one fails validation next
        labels["kubernetes.io/metadata.name"] = obj["metadata"]["name"]


def secret(obj: dict) -> None:
    obj.setdefault("type", "Opaque")
    # Convert_v1_Secret_To_core_Secret: stringData is write-only; its values are merged
    # into data (winning over the same key there) and never stored or returned.
    plain = obj.pop("stringData", None)
    if isinstance(plain, dict) and plain:
        import base64

        data = dict(obj.get("data") or {})
        for key, value in plain.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data


def limitrange(obj: dict) -> None:
    for item in (obj.get("spec") or {}).get("limits") or []:
        if not isinstance(item, dict) or item.get("type") != "Container":
            continue
        if "max" in item and "default" not in item:
            item["default"] = dict(item["max"])
        if "default" in item and "defaultRequest" not in item:
            item["defaultRequest"] = dict(item["default"])
        elif "min" in item and "defaultRequest" not in item:
            item["defaultRequest"] = dict(item["min"])


def priorityclass(obj: dict) -> None:
    obj.setdefault("preemptionPolicy", "PreemptLowerPriority")


def pdb(obj: dict) -> None:
    obj.setdefault("spec", {})


def node(obj: dict) -> None:
    obj.setdefault("spec", {})


def service(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("type", "ClusterIP")
    if spec["type"] == "ExternalName":
        return
    spec.setdefault("sessionAffinity", "None")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    if spec.get("sessionAffinity") == "ClientIP":
        spec.setdefault("sessionAffinityConfig", {"clientIP": {"timeoutSeconds": 10800}})
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))


def ingressclass(obj: dict) -> None:
    obj.setdefault("spec", {})


def daemonset(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
    if strategy.get("type") == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("maxUnavailable", 1)
        strategy["rollingUpdate"].setdefault("maxSurge", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    pod_template(spec.get("template"))


def statefulset(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
    if strategy.get("type") == "RollingUpdate":
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
    pod_template(spec.get("template"))
    for claim in spec.get("volumeClaimTemplates") or []:
        if isinstance(claim, dict):
            claim.setdefault("apiVersion", "v1")
            claim.setdefault("kind", "PersistentVolumeClaim")
            claim_spec = claim.setdefault("spec", {})
            claim_spec.setdefault("volumeMode", "Filesystem")


def job(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    pod_template(spec.get("template"))


def cronjob(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("concurrencyPolicy", "Allow")
    spec.setdefault("suspend", False)
    spec.setdefault("successfulJobsHistoryLimit", 3)
    spec.setdefault("failedJobsHistoryLimit", 1)
    job_template = spec.get("jobTemplate")
    if isinstance(job_template, dict):
        _null_times(job_template.get("metadata"))
    job_spec = (job_template or {}).get("spec")
    if isinstance(job_spec, dict):
        job({"spec": job_spec})


def pvc(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        spec.setdefault("volumeMode", "Filesystem")


def pv(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
        spec.setdefault("volumeMode", "Filesystem")


def storageclass(obj: dict) -> None:
    obj.setdefault("reclaimPolicy", "Delete")
    obj.setdefault("volumeBindingMode", "Immediate")


def hpa(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if isinstance(spec, dict):
        spec.setdefault("minReplicas", 1)


def apply(kind: str, obj: dict) -> None:
    """The registered kind's defaulting."""
    from playground.engine.registry import BUILTIN

    BUILTIN[kind].default(obj)
