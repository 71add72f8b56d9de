"""Table columns per kind, as kube-apiserver's Table output and kubectl print them.

The column names, their order and the cell formats follow upstream's printers
(pkg/printers/internalversion), including the `-o wide` columns, so the console and
(later) the API facade's Table responses show what a real cluster shows.
"""

from __future__ import annotations

from playground.engine.selectors import format_selector
from playground.engine.util import parse_time


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        rest = s % 60
        return f"{minutes}m" if rest == 0 else f"{minutes}m{rest}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h" if rest == 0 else f"{hours}h{rest}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        rest = hours % 24
        return f"{hours // 24}d" if rest == 0 else f"{hours // 24}d{rest}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def age(obj: dict, now: float) -> str:
    created = obj["metadata"].get("creationTimestamp")
    return human_duration(now - parse_time(created)) if created else "<unknown>"


def pod_status(pod: dict) -> tuple[str, int, str, int]:
    """READY, the STATUS text kubectl prints, RESTARTS and the restart age."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    containers = spec.get("containers") or []
    statuses = status.get("containerStatuses") or []
    ready = sum(1 for c in statuses if c.get("ready"))
    restarts = sum(c.get("restartCount", 0) for c in statuses)
    reason = status.get("reason") or status.get("phase") or "Pending"
    init = status.get("initContainerStatuses") or []
    initializing = False
    for i, cs in enumerate(init):
        state = cs.get("state") or {}
        restarts += cs.get("restartCount", 0)
        if "terminated" in state and state["terminated"].get("exitCode") == 0:
            continue
        initializing = True
        if "terminated" in state:
            reason = f"Init:{state['terminated'].get('reason') or 'Error'}"
        elif "waiting" in state and state["waiting"].get("reason") not in (None, "", "PodInitializing"):
            reason = f"Init:{state['waiting']['reason']}"
        else:
            reason = f"Init:{i}/{len(spec.get('initContainers') or [])}"
        break
    if not initializing:
        has_running = False
        for cs in reversed(statuses):
            state = cs.get("state") or {}
            if "waiting" in state and state["waiting"].get("reason"):
                reason = state["waiting"]["reason"]
            elif "terminated" in state:
                term = state["terminated"]
                reason = term.get("reason") or (
                    f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode')}"
                )
            elif "running" in state and cs.get("ready"):
                has_running = True
        if reason == "Completed" and has_running:
            reason = (
                "Running"
                if any(
                    c.get("type") == "Ready" and c.get("status") == "True"
                    for c in status.get("conditions") or []
                )
                else "NotReady"
            )
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    last_restart = ""
    for cs in statuses:
        last = (cs.get("lastState") or {}).get("terminated") or {}
        if last.get("finishedAt"):
            last_restart = last["finishedAt"]
    return f"{ready}/{len(containers)}", restarts, reason, last_restart


def _restarts(count: int, last: str, now: float) -> str:
    if count and last:
        return f"{count} ({human_duration(now - parse_time(last))} ago)"
    return str(count)


def _images(obj: dict) -> tuple[str, str]:
    spec = (((obj.get("spec") or {}).get("template") or {}).get("spec")) or {}
    containers = spec.get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def _ports(svc: dict) -> str:
    parts = []
    for p in (svc.get("spec") or {}).get("ports") or []:
        text = str(p.get("port"))
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        parts.append(f"{text}/{p.get('protocol', 'TCP')}")
    return ",".join(parts) or "<none>"


def _external_ip(svc: dict) -> str:
    spec = svc.get("spec") or {}
    stype = spec.get("type", "ClusterIP")
    ingress = [
        i.get("ip") or i.get("hostname")
        for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    ]
    external = list(spec.get("externalIPs") or [])
    if stype == "ExternalName":
        return spec.get("externalName", "")
    if stype == "LoadBalancer":
        ips = ingress + external
        return ",".join(ips) if ips else "<pending>"
    return ",".join(external) if external else "<none>"


def _node_status(node: dict) -> str:
    ready = next(
        (c for c in (node.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), None
    )
    text = "Unknown"
    if ready is not None:
        text = "Ready" if ready.get("status") == "True" else "NotReady"
    if (node.get("spec") or {}).get("unschedulable"):
        text += ",SchedulingDisabled"
    return text


def _roles(node: dict) -> str:
    roles = sorted(
        k.split("/", 1)[1]
        for k in node["metadata"].get("labels") or {}
        if k.startswith("node-role.kubernetes.io/") and "/" in k
    )
    role = (node["metadata"].get("labels") or {}).get("kubernetes.io/role")
    if role and role not in roles:
        roles.append(role)
    return ",".join(roles) or "<none>"


def _address(node: dict, kind: str) -> str:
    return next(
        (a["address"] for a in (node.get("status") or {}).get("addresses") or [] if a.get("type") == kind),
        "<none>",
    )


def _job_status(job: dict) -> str:
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("status") == "True" and cond.get("type") in ("Complete", "Failed"):
            return cond["type"]
        if cond.get("status") == "True" and cond.get("type") == "Suspended":
            return "Suspended"
    if (job.get("status") or {}).get("terminating"):
        return "Terminating"
    return "Running"


def _endpoints(ep: dict) -> str:
    addresses = []
    for subset in ep.get("subsets") or []:
        for address in subset.get("addresses") or []:
            for port in subset.get("ports") or [{}]:
                addresses.append(f"{address['ip']}:{port.get('port')}" if port.get("port") else address["ip"])
    if not addresses:
        return "<none>"
    shown = addresses[:3]
    return ",".join(shown) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")


def _pvc(c: dict):
    status = c.get("status") or {}
    modes = _modes(status.get("accessModes") or [])
    return (
        status.get("phase", "Pending"),
        (c.get("spec") or {}).get("volumeName", ""),
        (status.get("capacity") or {}).get("storage", ""),
        modes,
    )


def _modes(modes) -> str:
    short = {
        "ReadWriteOnce": "RWO",
        "ReadOnlyMany": "ROX",
        "ReadWriteMany": "RWX",
        "ReadWriteOncePod": "RWOP",
    }
    return ",".join(short.get(m, m) for m in modes)


def _hpa_targets(hpa: dict) -> str:
    metrics = (hpa.get("spec") or {}).get("metrics") or []
    current = (hpa.get("status") or {}).get("currentMetrics") or []
    parts = []
    for metric in metrics:
        if metric.get("type") == "Resource":
            resource = metric["resource"]
            target = (resource.get("target") or {}).get("averageUtilization")
            value = next(
                (
                    c["resource"]["current"].get("averageUtilization")
                    for c in current
                    if c.get("type") == "Resource" and c["resource"]["name"] == resource["name"]
                ),
                None,
            )
            parts.append(
                f"{resource['name']}: {'<unknown>' if value is None else str(value) + '%'}/{target}%"
            )
    return ", ".join(parts) or "<none>"


def columns(kind: str, wide: bool = False) -> list[str]:
    base = {
        "Pod": ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        "Deployment": ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        "ReplicaSet": ["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
        "StatefulSet": ["NAME", "READY", "AGE"],
        "DaemonSet": [
            "NAME",
            "DESIRED",
            "CURRENT",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "NODE SELECTOR",
            "AGE",
        ],
        "Job": ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
        "CronJob": ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
        "Service": ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        "Node": ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        "Namespace": ["NAME", "STATUS", "AGE"],
        "Event": ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
        "ConfigMap": ["NAME", "DATA", "AGE"],
        "Secret": ["NAME", "TYPE", "DATA", "AGE"],
        "Endpoints": ["NAME", "ENDPOINTS", "AGE"],
        "EndpointSlice": ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
        "PersistentVolumeClaim": [
            "NAME",
            "STATUS",
            "VOLUME",
            "CAPACITY",
            "ACCESS MODES",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "AGE",
        ],
        "PersistentVolume": [
            "NAME",
            "CAPACITY",
            "ACCESS MODES",
            "RECLAIM POLICY",
            "STATUS",
            "CLAIM",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "REASON",
            "AGE",
        ],
        "StorageClass": [
            "NAME",
            "PROVISIONER",
            "RECLAIMPOLICY",
            "VOLUMEBINDINGMODE",
            "ALLOWVOLUMEEXPANSION",
            "AGE",
        ],
        "Ingress": ["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"],
        "IngressClass": ["NAME", "CONTROLLER", "PARAMETERS", "AGE"],
        "HorizontalPodAutoscaler": ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"],
        "PodDisruptionBudget": ["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
        "ResourceQuota": ["NAME", "AGE", "REQUEST", "LIMIT"],
        "PriorityClass": ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"],
        "Lease": ["NAME", "HOLDER", "AGE"],
        "NetworkPolicy": ["NAME", "POD-SELECTOR", "AGE"],
        "ServiceAccount": ["NAME", "SECRETS", "AGE"],
        "Role": ["NAME", "CREATED AT"],
        "ClusterRole": ["NAME", "CREATED AT"],
        "RoleBinding": ["NAME", "ROLE", "AGE"],
        "ClusterRoleBinding": ["NAME", "ROLE", "AGE"],
    }.get(kind, ["NAME", "AGE"])
    if not wide:
        return base
    extra = {
        "Pod": ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        "Deployment": ["CONTAINERS", "IMAGES", "SELECTOR"],
        "ReplicaSet": ["CONTAINERS", "IMAGES", "SELECTOR"],
        "StatefulSet": ["CONTAINERS", "IMAGES"],
        "DaemonSet": ["CONTAINERS", "IMAGES", "SELECTOR"],
        "Job": ["CONTAINERS", "IMAGES", "SELECTOR"],
        "CronJob": ["CONTAINERS", "IMAGES", "SELECTOR"],
        "Service": ["SELECTOR"],
        "Node": ["INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"],
        "Event": [],
        "PersistentVolumeClaim": ["VOLUMEMODE"],
        "PersistentVolume": ["VOLUMEMODE"],
    }.get(kind, [])
    return base + extra


def row(kind: str, obj: dict, now: float, wide: bool = False) -> list[str]:
    meta = obj["metadata"]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    name = meta.get("name", "")
    if kind == "Pod":
        ready, restarts, reason, last = pod_status(obj)
        cells = [name, ready, reason, _restarts(restarts, last, now), age(obj, now)]
        if wide:
            cells += [
                status.get("podIP") or "<none>",
                spec.get("nodeName") or "<none>",
                status.get("nominatedNodeName") or "<none>",
                "<none>",
            ]
        return cells
    if kind == "Deployment":
        cells = [
            name,
            f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}",
            str(status.get("updatedReplicas", 0)),
            str(status.get("availableReplicas", 0)),
            age(obj, now),
        ]
        if wide:
            cells += [*_images(obj), format_selector(spec.get("selector"))]
        return cells
    if kind == "ReplicaSet":
        cells = [
            name,
            str(spec.get("replicas", 1)),
            str(status.get("replicas", 0)),
            str(status.get("readyReplicas", 0)),
            age(obj, now),
        ]
        if wide:
            cells += [*_images(obj), format_selector(spec.get("selector"))]
        return cells
    if kind == "StatefulSet":
        cells = [name, f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}", age(obj, now)]
        if wide:
            cells += list(_images(obj))
        return cells
    if kind == "DaemonSet":
        selector = (
            ",".join(
                f"{k}={v}"
                for k, v in sorted(
                    (((spec.get("template") or {}).get("spec") or {}).get("nodeSelector") or {}).items()
                )
            )
            or "<none>"
        )
        cells = [
            name,
            str(status.get("desiredNumberScheduled", 0)),
            str(status.get("currentNumberScheduled", 0)),
            str(status.get("numberReady", 0)),
            str(status.get("updatedNumberScheduled", 0)),
            str(status.get("numberAvailable", 0)),
            selector,
            age(obj, now),
        ]
        if wide:
            cells += [*_images(obj), format_selector(spec.get("selector"))]
        return cells
    if kind == "Job":
        completions = spec.get("completions")
        duration = ""
        if status.get("startTime"):
            end = parse_time(status["completionTime"]) if status.get("completionTime") else now
            duration = human_duration(end - parse_time(status["startTime"]))
        cells = [
            name,
            _job_status(obj),
            f"{status.get('succeeded', 0)}/{completions if completions is not None else '1'}",
            duration,
            age(obj, now),
        ]
        if wide:
            cells += [*_images(obj), format_selector(spec.get("selector"))]
        return cells
    if kind == "CronJob":
        last = status.get("lastScheduleTime")
        cells = [
            name,
            spec.get("schedule", ""),
            spec.get("timeZone") or "<none>",
            str(bool(spec.get("suspend"))),
            str(len(status.get("active") or [])),
            human_duration(now - parse_time(last)) if last else "<none>",
            age(obj, now),
        ]
        if wide:
            template = {
                "spec": {
                    "template": ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}
                }
            }
            cells += [
                *_images(template),
                format_selector(((spec.get("jobTemplate") or {}).get("spec") or {}).get("selector")),
            ]
        return cells
    if kind == "Service":
        cells = [
            name,
            spec.get("type", "ClusterIP"),
            spec.get("clusterIP") or "<none>",
            _external_ip(obj),
            _ports(obj),
            age(obj, now),
        ]
        if wide:
            cells += [
                ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items())) or "<none>"
            ]
        return cells
    if kind == "Node":
        info = status.get("nodeInfo") or {}
        cells = [name, _node_status(obj), _roles(obj), age(obj, now), info.get("kubeletVersion", "")]
        if wide:
            cells += [
                _address(obj, "InternalIP"),
                _address(obj, "ExternalIP"),
                info.get("osImage", "<unknown>"),
                info.get("kernelVersion", "<unknown>"),
                info.get("containerRuntimeVersion", "<unknown>"),
            ]
        return cells
    if kind == "Namespace":
        return [name, status.get("phase", "Active"), age(obj, now)]
    if kind == "Event":
        last = obj.get("lastTimestamp") or obj.get("eventTime") or meta.get("creationTimestamp")
        involved = obj.get("involvedObject") or {}
        seen = human_duration(now - parse_time(last)) if last else "<unknown>"
        if obj.get("count", 1) > 1 and obj.get("firstTimestamp"):
            seen += f" (x{obj['count']} over {human_duration(now - parse_time(obj['firstTimestamp']))})"
        return [
            seen,
            obj.get("type", ""),
            obj.get("reason", ""),
            f"{involved.get('kind', '').lower()}/{involved.get('name', '')}",
            obj.get("message", ""),
        ]
    if kind == "ConfigMap":
        return [name, str(len(obj.get("data") or {}) + len(obj.get("binaryData") or {})), age(obj, now)]
    if kind == "Secret":
        return [name, obj.get("type", "Opaque"), str(len(obj.get("data") or {})), age(obj, now)]
    if kind == "Endpoints":
        return [name, _endpoints(obj), age(obj, now)]
    if kind == "EndpointSlice":
        ports = ",".join(str(p.get("port")) for p in obj.get("ports") or []) or "<unset>"
        addresses = [a for e in obj.get("endpoints") or [] for a in e.get("addresses") or []]
        shown = ",".join(addresses[:3]) + (f" + {len(addresses) - 3} more..." if len(addresses) > 3 else "")
        return [name, obj.get("addressType", ""), ports, shown or "<unset>", age(obj, now)]
    if kind == "PersistentVolumeClaim":
        phase, volume, capacity, modes = _pvc(obj)
        cells = [
            name,
            phase,
            volume,
            capacity,
            modes,
            spec.get("storageClassName") or "",
            "<unset>",
            age(obj, now),
        ]
        if wide:
            cells.append(spec.get("volumeMode", "Filesystem"))
        return cells
    if kind == "PersistentVolume":
        ref = spec.get("claimRef") or {}
        cells = [
            name,
            (spec.get("capacity") or {}).get("storage", ""),
            _modes(spec.get("accessModes") or []),
            spec.get("persistentVolumeReclaimPolicy", ""),
            status.get("phase", ""),
            f"{ref['namespace']}/{ref['name']}" if ref else "",
            spec.get("storageClassName", ""),
            "<unset>",
            status.get("reason", ""),
            age(obj, now),
        ]
        if wide:
            cells.append(spec.get("volumeMode", "Filesystem"))
        return cells
    if kind == "StorageClass":
        default = (
            " (default)"
            if (meta.get("annotations") or {}).get("storageclass.kubernetes.io/is-default-class") == "true"
            else ""
        )
        return [
            name + default,
            obj.get("provisioner", ""),
            obj.get("reclaimPolicy", "Delete"),
            obj.get("volumeBindingMode", "Immediate"),
            str(bool(obj.get("allowVolumeExpansion"))).lower(),
            age(obj, now),
        ]
    if kind == "Ingress":
        hosts = ",".join(r.get("host") or "*" for r in spec.get("rules") or []) or "*"
        address = ",".join(
            i.get("ip") or i.get("hostname", "")
            for i in ((status.get("loadBalancer") or {}).get("ingress") or [])
        )
        ports = "80, 443" if spec.get("tls") else "80"
        return [name, spec.get("ingressClassName") or "<none>", hosts, address, ports, age(obj, now)]
    if kind == "IngressClass":
        return [name, spec.get("controller", ""), "<none>", age(obj, now)]
    if kind == "HorizontalPodAutoscaler":
        ref = spec.get("scaleTargetRef") or {}
        return [
            name,
            f"{ref.get('kind')}/{ref.get('name')}",
            _hpa_targets(obj),
            str(spec.get("minReplicas", 1)),
            str(spec.get("maxReplicas")),
            str(status.get("currentReplicas", 0)),
            age(obj, now),
        ]
    if kind == "PodDisruptionBudget":
        return [
            name,
            str(spec["minAvailable"]) if spec.get("minAvailable") is not None else "N/A",
            str(spec["maxUnavailable"]) if spec.get("maxUnavailable") is not None else "N/A",
            str(status.get("disruptionsAllowed", 0)),
            age(obj, now),
        ]
    if kind == "ResourceQuota":
        hard, used = (status.get("hard") or spec.get("hard") or {}), (status.get("used") or {})
        request = ", ".join(
            f"{k}: {used.get(k, '0')}/{v}" for k, v in sorted(hard.items()) if not k.startswith("limits.")
        )
        limit = ", ".join(
            f"{k}: {used.get(k, '0')}/{v}" for k, v in sorted(hard.items()) if k.startswith("limits.")
        )
        return [name, age(obj, now), request, limit]
    if kind == "PriorityClass":
        return [
            name,
            str(obj.get("value", 0)),
            str(bool(obj.get("globalDefault"))).lower(),
            age(obj, now),
            obj.get("preemptionPolicy", ""),
        ]
    if kind == "Lease":
        return [name, spec.get("holderIdentity", ""), age(obj, now)]
    if kind == "NetworkPolicy":
        return [
            name,
            format_selector(spec.get("podSelector")) if spec.get("podSelector") else "<none>",
            age(obj, now),
        ]
    if kind == "ServiceAccount":
        return [name, str(len(obj.get("secrets") or [])), age(obj, now)]
    if kind in ("Role", "ClusterRole"):
        return [name, meta.get("creationTimestamp", "")]
    if kind in ("RoleBinding", "ClusterRoleBinding"):
        ref = obj.get("roleRef") or {}
        return [name, f"{ref.get('kind')}/{ref.get('name')}", age(obj, now)]
    return [name, age(obj, now)]


def render(rows: list[list[str]]) -> str:
    """kubectl's tabwriter layout: columns padded to their widest cell plus three spaces."""
    if not rows:
        return ""
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(len(r) for r in rows))]
    lines = []
    for r in rows:
        cells = [cell.ljust(widths[i]) if i < len(r) - 1 else cell for i, cell in enumerate(r)]
        lines.append("   ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
