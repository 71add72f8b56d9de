"""Decode Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`).

kubectl 1.32 and later send `kubectl create deployment|namespace|configmap|secret|
service|job|cronjob|quota|serviceaccount|pdb|priorityclass` as protobuf, and a 415
does not make them fall back to JSON. The wire format is the 4-byte magic `k8s\\0`
and a runtime.Unknown message (TypeMeta, raw object bytes). The message layouts below
are those of k8s.io/api's generated.proto for the kinds those commands create; a
field outside them is refused by number rather than silently dropped.
"""

from __future__ import annotations

import base64

from playground.engine.errors import ApiError
from playground.engine.util import rfc3339

MAGIC = b"k8s\x00"

# field number → (JSON name, type); a trailing "[]" means repeated, a leading "*" means a
# pointer in Go (a zero value was set on purpose and is kept).
S = "string"
MESSAGES: dict[str, dict[int, tuple[str, str]] | None] = {
    "Unknown": {
        1: ("typeMeta", "TypeMeta"),
        2: ("raw", "bytes"),
        3: ("contentEncoding", S),
        4: ("contentType", S),
    },
    "TypeMeta": {1: ("apiVersion", S), 2: ("kind", S)},
    "ObjectMeta": {
        1: ("name", S),
        2: ("generateName", S),
        3: ("namespace", S),
        4: ("selfLink", S),
        5: ("uid", S),
        6: ("resourceVersion", S),
        7: ("generation", "int"),
        8: ("creationTimestamp", "time"),
        9: ("deletionTimestamp", "time"),
        10: ("deletionGracePeriodSeconds", "*int"),
        11: ("labels", "map:string"),
        12: ("annotations", "map:string"),
        13: ("ownerReferences", "OwnerReference[]"),
        14: ("finalizers", "string[]"),
    },
    "OwnerReference": {
        1: ("kind", S),
        3: ("name", S),
        4: ("uid", S),
        5: ("apiVersion", S),
        6: ("controller", "*bool"),
        7: ("blockOwnerDeletion", "*bool"),
    },
    "LabelSelector": {
        1: ("matchLabels", "map:string"),
        2: ("matchExpressions", "LabelSelectorRequirement[]"),
    },
    "LabelSelectorRequirement": {1: ("key", S), 2: ("operator", S), 3: ("values", "string[]")},
    # core/v1
    "Namespace": {
        1: ("metadata", "ObjectMeta"),
        2: ("spec", "NamespaceSpec"),
        3: ("status", "NamespaceStatus"),
    },
    "NamespaceSpec": {1: ("finalizers", "string[]")},
    "NamespaceStatus": {1: ("phase", S)},
    "ConfigMap": {
        1: ("metadata", "ObjectMeta"),
        2: ("data", "map:string"),
        3: ("binaryData", "map:bytes"),
        4: ("immutable", "*bool"),
    },
    "Secret": {
        1: ("metadata", "ObjectMeta"),
        2: ("data", "map:bytes"),
        3: ("type", S),
        4: ("stringData", "map:string"),
        5: ("immutable", "*bool"),
    },
    "ServiceAccount": {
        1: ("metadata", "ObjectMeta"),
        2: ("secrets", "ObjectReference[]"),
        3: ("imagePullSecrets", "LocalObjectReference[]"),
        4: ("automountServiceAccountToken", "*bool"),
    },
    "ObjectReference": {
        1: ("kind", S),
        2: ("namespace", S),
        3: ("name", S),
        4: ("uid", S),
        5: ("apiVersion", S),
    },
    "LocalObjectReference": {1: ("name", S)},
    "ResourceQuota": {
        1: ("metadata", "ObjectMeta"),
        2: ("spec", "ResourceQuotaSpec"),
        3: ("status", "ResourceQuotaStatus"),
    },
    "ResourceQuotaSpec": {1: ("hard", "map:quantity"), 2: ("scopes", "string[]")},
    "ResourceQuotaStatus": {1: ("hard", "map:quantity"), 2: ("used", "map:quantity")},
    "Service": {1: ("metadata", "ObjectMeta"), 2: ("spec", "ServiceSpec"), 3: ("status", "ServiceStatus")},
    "ServiceSpec": {
        1: ("ports", "ServicePort[]"),
        2: ("selector", "map:string"),
        3: ("clusterIP", S),
        4: ("type", S),
        5: ("externalIPs", "string[]"),
        7: ("sessionAffinity", S),
        8: ("loadBalancerIP", S),
        9: ("loadBalancerSourceRanges", "string[]"),
        10: ("externalName", S),
        11: ("externalTrafficPolicy", S),
        12: ("healthCheckNodePort", "int"),
        13: ("publishNotReadyAddresses", "bool"),
        17: ("ipFamilyPolicy", "*string"),
        18: ("clusterIPs", "string[]"),
        19: ("ipFamilies", "string[]"),
        20: ("allocateLoadBalancerNodePorts", "*bool"),
        21: ("loadBalancerClass", "*string"),
        22: ("internalTrafficPolicy", "*string"),
    },
    "ServiceStatus": {1: ("loadBalancer", "LoadBalancerStatus"), 2: ("conditions", "Condition[]")},
    "LoadBalancerStatus": {1: ("ingress", "LoadBalancerIngress[]")},
    "LoadBalancerIngress": {1: ("ip", S), 2: ("hostname", S)},
    "Condition": {
        1: ("type", S),
        2: ("status", S),
        4: ("lastTransitionTime", "time"),
        5: ("reason", S),
        6: ("message", S),
    },
    "ServicePort": {
        1: ("name", S),
        2: ("protocol", S),
        3: ("port", "int"),
        4: ("targetPort", "intstr"),
        5: ("nodePort", "int"),
        6: ("appProtocol", "*string"),
    },
    "PodTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodSpec")},
    "PodSpec": {
        1: ("volumes", "Volume[]"),
        2: ("containers", "Container[]"),
        3: ("restartPolicy", S),
        4: ("terminationGracePeriodSeconds", "*int"),
        5: ("activeDeadlineSeconds", "*int"),
        6: ("dnsPolicy", S),
        7: ("nodeSelector", "map:string"),
        8: ("serviceAccountName", S),
        9: ("serviceAccount", S),
        10: ("nodeName", S),
        11: ("hostNetwork", "bool"),
        12: ("hostPID", "bool"),
        13: ("hostIPC", "bool"),
        14: ("securityContext", "PodSecurityContext"),
        15: ("imagePullSecrets", "LocalObjectReference[]"),
        16: ("hostname", S),
        17: ("subdomain", S),
        19: ("schedulerName", S),
        20: ("initContainers", "Container[]"),
        21: ("automountServiceAccountToken", "*bool"),
        24: ("priorityClassName", S),
        25: ("priority", "*int"),
        30: ("enableServiceLinks", "*bool"),
    },
    "PodSecurityContext": {},
    "Volume": {1: ("name", S)},
    "Container": {
        1: ("name", S),
        2: ("image", S),
        3: ("command", "string[]"),
        4: ("args", "string[]"),
        5: ("workingDir", S),
        6: ("ports", "ContainerPort[]"),
        7: ("env", "EnvVar[]"),
        8: ("resources", "ResourceRequirements"),
        13: ("terminationMessagePath", S),
        14: ("imagePullPolicy", S),
        16: ("stdin", "bool"),
        17: ("stdinOnce", "bool"),
        18: ("tty", "bool"),
        20: ("terminationMessagePolicy", S),
    },
    "ContainerPort": {
        1: ("name", S),
        2: ("hostPort", "int"),
        3: ("containerPort", "int"),
        4: ("protocol", S),
        5: ("hostIP", S),
    },
    "EnvVar": {1: ("name", S), 2: ("value", S)},
    "ResourceRequirements": {1: ("limits", "map:quantity"), 2: ("requests", "map:quantity")},
    # apps/v1
    "Deployment": {
        1: ("metadata", "ObjectMeta"),
        2: ("spec", "DeploymentSpec"),
        3: ("status", "DeploymentStatus"),
    },
    "DeploymentSpec": {
        1: ("replicas", "*int"),
        2: ("selector", "LabelSelector"),
        3: ("template", "PodTemplateSpec"),
        4: ("strategy", "DeploymentStrategy"),
        5: ("minReadySeconds", "int"),
        6: ("revisionHistoryLimit", "*int"),
        7: ("paused", "bool"),
        9: ("progressDeadlineSeconds", "*int"),
    },
    "DeploymentStrategy": {1: ("type", S), 2: ("rollingUpdate", "RollingUpdateDeployment")},
    "RollingUpdateDeployment": {1: ("maxUnavailable", "intstr"), 2: ("maxSurge", "intstr")},
    "DeploymentStatus": None,  # status is the server's to set; a create ignores it
    # batch/v1
    "Job": {1: ("metadata", "ObjectMeta"), 2: ("spec", "JobSpec"), 3: ("status", "JobStatus")},
    "JobSpec": {
        1: ("parallelism", "*int"),
        2: ("completions", "*int"),
        3: ("activeDeadlineSeconds", "*int"),
        4: ("selector", "LabelSelector"),
        5: ("manualSelector", "*bool"),
        6: ("template", "PodTemplateSpec"),
        7: ("backoffLimit", "*int"),
        8: ("ttlSecondsAfterFinished", "*int"),
        9: ("completionMode", "*string"),
        10: ("suspend", "*bool"),
    },
    "JobStatus": None,  # status is the server's to set; a create ignores it
    "CronJob": {1: ("metadata", "ObjectMeta"), 2: ("spec", "CronJobSpec"), 3: ("status", "CronJobStatus")},
    "CronJobSpec": {
        1: ("schedule", S),
        2: ("startingDeadlineSeconds", "*int"),
        3: ("concurrencyPolicy", S),
        4: ("suspend", "*bool"),
        5: ("jobTemplate", "JobTemplateSpec"),
        6: ("successfulJobsHistoryLimit", "*int"),
        7: ("failedJobsHistoryLimit", "*int"),
        8: ("timeZone", "*string"),
    },
    "JobTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "JobSpec")},
    "CronJobStatus": None,  # status is the server's to set; a create ignores it
    # policy/v1, scheduling.k8s.io/v1
    "PodDisruptionBudget": {
        1: ("metadata", "ObjectMeta"),
        2: ("spec", "PodDisruptionBudgetSpec"),
        3: ("status", "PodDisruptionBudgetStatus"),
    },
    "PodDisruptionBudgetSpec": {
        1: ("minAvailable", "intstr"),
        2: ("selector", "LabelSelector"),
        3: ("maxUnavailable", "intstr"),
        4: ("unhealthyPodEvictionPolicy", "*string"),
    },
    "PodDisruptionBudgetStatus": None,  # status is the server's to set; a create ignores it
    # autoscaling/v2 (kubectl autoscale), authorization.k8s.io/v1 (kubectl auth can-i)
    "HorizontalPodAutoscaler": {
        1: ("metadata", "ObjectMeta"),
        2: ("spec", "HorizontalPodAutoscalerSpec"),
        3: ("status", "HorizontalPodAutoscalerStatus"),
    },
    "HorizontalPodAutoscalerSpec": {
        1: ("scaleTargetRef", "CrossVersionObjectReference"),
        2: ("minReplicas", "*int"),
        3: ("maxReplicas", "int"),
        4: ("metrics", "MetricSpec[]"),
    },
    "HorizontalPodAutoscalerStatus": None,
    "CrossVersionObjectReference": {1: ("kind", S), 2: ("name", S), 3: ("apiVersion", S)},
    "MetricSpec": {1: ("type", S), 4: ("resource", "ResourceMetricSource")},
    "ResourceMetricSource": {1: ("name", S), 2: ("target", "MetricTarget")},
    "MetricTarget": {
        1: ("type", S),
        2: ("value", "quantity"),
        3: ("averageValue", "quantity"),
        4: ("averageUtilization", "*int"),
    },
    "SelfSubjectAccessReview": {
        1: ("metadata", "ObjectMeta"),
        2: ("spec", "SelfSubjectAccessReviewSpec"),
        3: ("status", "SubjectAccessReviewStatus"),
    },
    "SelfSubjectAccessReviewSpec": {
        1: ("resourceAttributes", "ResourceAttributes"),
        2: ("nonResourceAttributes", "NonResourceAttributes"),
    },
    "ResourceAttributes": {
        1: ("namespace", S),
        2: ("verb", S),
        3: ("group", S),
        4: ("version", S),
        5: ("resource", S),
        6: ("subresource", S),
        7: ("name", S),
    },
    "NonResourceAttributes": {1: ("path", S), 2: ("verb", S)},
    "SubjectAccessReviewStatus": None,
    "PriorityClass": {
        1: ("metadata", "ObjectMeta"),
        2: ("value", "int"),
        3: ("globalDefault", "bool"),
        4: ("description", S),
        5: ("preemptionPolicy", "*string"),
    },
}
# The access review is served (kubectl auth can-i) but never stored, so not registered.
_VIRTUAL_MESSAGES = {"SelfSubjectAccessReview": "SelfSubjectAccessReview"}


def messages(registry=None) -> dict[str, str]:
    """kind → its top-level message in MESSAGES, for every kind whose protobuf body is
    decoded: those whose Strategy names one (``Strategy.protobuf``), and the access review."""
    from playground.engine.registry import BUILTIN

    found = {s.kind: s.protobuf for s in (BUILTIN if registry is None else registry) if s.protobuf}
    return {**found, **_VIRTUAL_MESSAGES}


class ProtobufError(Exception):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 70:
            raise ProtobufError("varint too long")


def _fields(data: bytes):
    """(field number, wire type, value) triples of one message."""
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ProtobufError("truncated field")
            value, pos = data[pos : pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos : pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos : pos + 4], pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        yield number, wire, value


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _scalar(kind: str, value, where: str):
    if kind == "string":
        try:
            return value.decode("utf-8")
        except (AttributeError, UnicodeDecodeError):
            raise ProtobufError(f"{where}: not a UTF-8 string") from None
    if kind == "bytes":
        return base64.b64encode(value).decode()
    if kind == "int":
        return _signed(value)
    if kind == "bool":
        return bool(value)
    if kind == "quantity":
        return _message("Quantity", value, where).get("string", "0")
    if kind == "time":
        found = {n: v for n, _w, v in _fields(value)}
        seconds = _signed(found.get(1, 0))
        return rfc3339(seconds) if seconds else None
    if kind == "intstr":
        found = {n: v for n, _w, v in _fields(value)}
        if found.get(1, 0) == 1:
            return found.get(3, b"").decode()
        return _signed(found.get(2, 0))
    return _message(kind, value, where)


MESSAGES["Quantity"] = {1: ("string", S)}
# meta/v1 options a request body carries: client-go 1.34 and later (kubectl, Helm 4) send a
# delete's DeleteOptions as protobuf too, under the resource's own group version.
MESSAGES["DeleteOptions"] = {
    1: ("gracePeriodSeconds", "*int"),
    2: ("preconditions", "Preconditions"),
    3: ("orphanDependents", "*bool"),
    4: ("propagationPolicy", "*string"),
    5: ("dryRun", "string[]"),
    6: ("ignoreStoreReadErrorWithClusterBreakingPotential", "*bool"),
}
MESSAGES["Preconditions"] = {1: ("uid", "*string"), 2: ("resourceVersion", "*string")}

_ZERO = (None, "", 0, False)


def _message(name: str, data: bytes, where: str) -> dict:
    layout = MESSAGES[name]
    out: dict = {}
    if layout is None:
        return out
    for number, _wire, value in _fields(data):
        if number not in layout:
            raise ProtobufError(
                f"{where or name}: field number {number} of {name} is not supported by the sandbox"
            )
        field, kind = layout[number]
        path = f"{where}.{field}" if where else field
        pointer = kind.startswith("*")
        kind = kind.lstrip("*")
        if kind.startswith("map:"):
            entry = {n: v for n, _w, v in _fields(value)}
            key = entry.get(1, b"").decode()
            out.setdefault(field, {})[key] = _scalar(kind[4:], entry.get(2, b""), f"{path}[{key}]")
        elif kind.endswith("[]"):
            out.setdefault(field, []).append(_scalar(kind[:-2], value, path))
        else:
            decoded = _scalar(kind, value, path)
            if decoded in _ZERO and not (pointer and decoded is not None) and not isinstance(decoded, dict):
                continue
            out[field] = decoded
    return out


def decode_options(body: bytes, kind: str = "DeleteOptions") -> dict:
    """The JSON-shaped options (DeleteOptions) a protobuf request body carries."""
    if not body.startswith(MAGIC):
        raise ApiError(400, "BadRequest", "the protobuf body does not start with the k8s magic prefix")
    try:
        unknown = _message("Unknown", body[len(MAGIC) :], "")
        found = (unknown.get("typeMeta") or {}).get("kind", "")
        if found != kind:
            raise ApiError(400, "BadRequest", f"expected a {kind} body, not {found or 'an untyped one'}")
        return _message(kind, base64.b64decode(unknown.get("raw", "")), "")
    except ProtobufError as error:
        raise ApiError(400, "BadRequest", f"error decoding protobuf body: {error}") from None


def decode(body: bytes, registry=None) -> dict:
    """The JSON-shaped object a protobuf request body carries."""
    if not body.startswith(MAGIC):
        raise ApiError(400, "BadRequest", "the protobuf body does not start with the k8s magic prefix")
    try:
        unknown = _message("Unknown", body[len(MAGIC) :], "")
        type_meta = unknown.get("typeMeta") or {}
        kind = type_meta.get("kind", "")
        decoded = messages(registry)
        if kind not in decoded:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                f"the sandbox decodes protobuf only for {', '.join(sorted(decoded))}, not {kind or 'this kind'}; "
                "send JSON instead (kubectl create … --dry-run=client -o yaml | kubectl apply -f -)",
            )
        raw = base64.b64decode(unknown.get("raw", ""))
        obj = _message(decoded[kind], raw, "")
    except ProtobufError as error:
        raise ApiError(400, "BadRequest", f"error decoding protobuf body: {error}") from None
    return {"apiVersion": type_meta.get("apiVersion", ""), "kind": kind, **obj}
