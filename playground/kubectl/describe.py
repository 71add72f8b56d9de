"""`kubectl describe`: the field layout of upstream's describers (k8s.io/kubectl/pkg/describe),
laid out by the same tab-writer rules (cells aligned over consecutive lines, two spaces of padding).

Each describer is registered for its kind with `@describer("Kind")` in DESCRIBERS, as upstream's
DescriberFor maps a group-kind to its describer. Pods, Deployments, Nodes, Services, ConfigMaps,
Secrets, Namespaces, Roles, ClusterRoles and their bindings have their own; every other kind
gets the generic one: the common header (name,
namespace, labels, annotations), its fields and its events.

Client-side only: it reads through the cluster's public API (get, list, events, clock).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from playground.engine import printers
from playground.engine.selectors import format_selector
from playground.engine.util import controller_of, parse_time


def tabwrite(lines: list[str], padding: int = 2) -> str:
    """Go's text/tabwriter: a tab-terminated cell is padded to the widest cell of its
    column over the run of consecutive lines that have that column."""
    rows = [line.split("\t") for line in lines]
    widths = [[0] * len(r) for r in rows]
    column = 0
    while True:
        found = False
        i = 0
        while i < len(rows):
            if len(rows[i]) - 1 > column:
                found = True
                j = i
                while j < len(rows) and len(rows[j]) - 1 > column:
                    j += 1
                width = max(len(rows[k][column]) for k in range(i, j)) + padding
                for k in range(i, j):
                    widths[k][column] = width
                i = j
            else:
                i += 1
        if not found:
            break
        column += 1
    out = []
    for r, w in zip(rows, widths, strict=True):
        out.append("".join(cell.ljust(w[c]) if c < len(r) - 1 else cell for c, cell in enumerate(r)))
    return "\n".join(out) + "\n"


def _when(text: str | None) -> str:
    if not text:
        return "<unset>"
    return datetime.fromtimestamp(parse_time(text), UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"

Describer = Callable[..., list[str]]
DESCRIBERS: dict[str, Describer] = {}


def describer(kind: str) -> Callable[[Describer], Describer]:
    """Register the function as `kind`'s describer: (cluster, obj) -> tab-separated lines."""

    def register(function: Describer) -> Describer:
        DESCRIBERS[kind] = function
        return function

    return register


def _map(lines: list[str], title: str, values: dict | None, indent: str = "") -> None:
    # kubectl leaves out the last-applied annotation: it repeats the whole object.
    items = sorted((k, v) for k, v in (values or {}).items() if k != LAST_APPLIED)
    if not items:
        lines.append(f"{indent}{title}:\t<none>")
        return
    for i, (k, v) in enumerate(items):
        if title == "Annotations":
            # printAnnotationsMultiline: "key: value", cut to maxAnnotationLen (140) with "...".
            entry = f"{k}: {v}"
            entry = entry[:140] + "..." if len(entry) > 140 else entry
        else:
            entry = f"{k}={v}"
        lines.append(f"{indent}{title + ':' if i == 0 else ''}\t{entry}")


def _header(lines: list[str], obj: dict) -> None:
    meta = obj["metadata"]
    lines.append(f"Name:\t{meta['name']}")
    if meta.get("namespace"):
        lines.append(f"Namespace:\t{meta['namespace']}")
    _map(lines, "Labels", meta.get("labels"))
    _map(lines, "Annotations", meta.get("annotations"))


def _events(lines: list[str], cluster, obj: dict) -> None:
    meta = obj["metadata"]
    events = [
        e
        for e in cluster.events(meta.get("namespace"))
        if (e.get("involvedObject") or {}).get("uid") == meta.get("uid")
        or (
            (e.get("involvedObject") or {}).get("name") == meta["name"]
            and (e.get("involvedObject") or {}).get("kind") == obj.get("kind")
        )
    ]
    if not events:
        lines.append("Events:\t<none>")
        return
    lines.append("Events:")
    lines.append("  Type\tReason\tAge\tFrom\tMessage")
    lines.append("  ----\t------\t----\t----\t-------")
    now = cluster.clock
    for e in events:
        first = e.get("firstTimestamp") or e.get("eventTime") or e["metadata"].get("creationTimestamp")
        last = e.get("lastTimestamp") or first
        age = printers.human_duration(now - parse_time(last)) if last else "<unknown>"
        if e.get("count", 1) > 1 and first:
            age = f"{age} (x{e['count']} over {printers.human_duration(now - parse_time(first))})"
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
        lines.append(f"  {e.get('type', '')}\t{e.get('reason', '')}\t{age}\t{source}\t{e.get('message', '')}")


def _state(lines: list[str], title: str, state: dict) -> None:
    if "running" in state:
        lines.append(f"    {title}:\tRunning")
        lines.append(f"      Started:\t{_when(state['running'].get('startedAt'))}")
    elif "waiting" in state:
        lines.append(f"    {title}:\tWaiting")
        lines.append(f"      Reason:\t{state['waiting'].get('reason', '')}")
    elif "terminated" in state:
        t = state["terminated"]
        lines.append(f"    {title}:\tTerminated")
        lines.append(f"      Reason:\t{t.get('reason', '')}")
        lines.append(f"      Exit Code:\t{t.get('exitCode', 0)}")
        lines.append(f"      Started:\t{_when(t.get('startedAt'))}")
        lines.append(f"      Finished:\t{_when(t.get('finishedAt'))}")
    else:
        lines.append(f"    {title}:\tWaiting")


def _env_value(env: dict) -> str:
    """How kubectl describe shows an environment variable's source, never a secret's value."""
    source = env.get("valueFrom")
    if not source:
        return env.get("value", "")
    if "secretKeyRef" in source:
        ref = source["secretKeyRef"]
        return f"<set to the key '{ref['key']}' in secret '{ref['name']}'>\tOptional: {str(bool(ref.get('optional'))).lower()}"
    if "configMapKeyRef" in source:
        ref = source["configMapKeyRef"]
        return f"<set to the key '{ref['key']}' of config map '{ref['name']}'>\tOptional: {str(bool(ref.get('optional'))).lower()}"
    if "fieldRef" in source:
        ref = source["fieldRef"]
        return f"({ref.get('apiVersion', 'v1')}:{ref['fieldPath']})"
    if "resourceFieldRef" in source:
        return f"{source['resourceFieldRef']['resource']}"
    return ""


def _containers(
    lines: list[str], title: str, containers: list[dict], statuses: list[dict], template: bool = False
) -> None:
    """Containers with their status; a Pod Template's (template=True) have no status to show."""
    if not containers:
        return
    lines.append(f"{title}:")
    by_name = {s["name"]: s for s in statuses}
    for c in containers:
        s = by_name.get(c["name"], {})
        lines.append(f"  {c['name']}:")
        if s.get("containerID"):
            lines.append(f"    Container ID:\t{s['containerID']}")
        lines.append(f"    Image:\t{c.get('image', '')}")
        if not template:
            lines.append(f"    Image ID:\t{s.get('imageID', '')}")
        ports = [f"{p['containerPort']}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or []]
        lines.append(f"    Port:\t{', '.join(ports) or '<none>'}")
        lines.append(f"    Host Port:\t{', '.join('0/' + p.split('/')[1] for p in ports) or '<none>'}")
        if c.get("command"):
            lines.append("    Command:")
            lines += [f"      {part}" for part in c["command"]]
        if c.get("args"):
            lines.append("    Args:")
            lines += [f"      {part}" for part in c["args"]]
        if not template:
            _state(lines, "State", s.get("state") or {})
            if (s.get("lastState") or {}).get("terminated"):
                _state(lines, "Last State", s["lastState"])
            lines.append(f"    Ready:\t{'True' if s.get('ready') else 'False'}")
            lines.append(f"    Restart Count:\t{s.get('restartCount', 0)}")
        resources = c.get("resources") or {}
        for part in ("limits", "requests"):
            if resources.get(part):
                lines.append(f"    {part.capitalize()}:")
                lines += [f"      {k}:\t{v}" for k, v in sorted(resources[part].items())]
        sources = c.get("envFrom") or []
        if sources:
            lines.append("    Environment Variables from:")
            for source in sources:
                ref, kind = (
                    (source["configMapRef"], "ConfigMap")
                    if "configMapRef" in source
                    else (source.get("secretRef") or {}, "Secret")
                )
                prefix = f" with prefix '{source['prefix']}'" if source.get("prefix") else ""
                lines.append(
                    f"      {ref.get('name', '')}\t{kind}{prefix}\tOptional: {str(bool(ref.get('optional'))).lower()}"
                )
        env = c.get("env") or []
        lines.append("    Environment:" if env else "    Environment:\t<none>")
        lines += [f"      {e['name']}:\t{_env_value(e)}" for e in env]
        mounts = c.get("volumeMounts") or []
        lines.append("    Mounts:" if mounts else "    Mounts:\t<none>")
        lines += [
            f"      {m['mountPath']} from {m['name']} ({'ro' if m.get('readOnly') else 'rw'})" for m in mounts
        ]


@describer("Pod")
def _pod(cluster, pod: dict) -> list[str]:
    spec, status, meta = pod.get("spec") or {}, pod.get("status") or {}, pod["metadata"]
    lines = [f"Name:\t{meta['name']}", f"Namespace:\t{meta['namespace']}"]
    lines.append(f"Priority:\t{spec.get('priority', 0)}")
    if spec.get("priorityClassName"):
        lines.append(f"Priority Class Name:\t{spec['priorityClassName']}")
    lines.append(f"Service Account:\t{spec.get('serviceAccountName', 'default')}")
    node = spec.get("nodeName")
    lines.append(f"Node:\t{node + '/' + status.get('hostIP', '') if node else '<none>'}")
    if status.get("startTime"):
        lines.append(f"Start Time:\t{_when(status['startTime'])}")
    _map(lines, "Labels", meta.get("labels"))
    _map(lines, "Annotations", meta.get("annotations"))
    if meta.get("deletionTimestamp"):
        lines.append(
            f"Status:\tTerminating (lasts {printers.human_duration(cluster.clock - parse_time(meta['deletionTimestamp']))})"
        )
    else:
        lines.append(f"Status:\t{status.get('phase', 'Pending')}")
    if status.get("reason"):
        lines.append(f"Reason:\t{status['reason']}")
    if status.get("message"):
        lines.append(f"Message:\t{status['message']}")
    lines.append(f"IP:\t{status.get('podIP', '')}")
    ips = status.get("podIPs") or []
    lines.append(f"IPs:{'' if ips else chr(9) + '<none>'}")
    lines += [f"  IP:\t{ip['ip']}" for ip in ips]
    owner = controller_of(pod)
    if owner:
        lines.append(f"Controlled By:\t{owner['kind']}/{owner['name']}")
    _containers(
        lines, "Init Containers", spec.get("initContainers") or [], status.get("initContainerStatuses") or []
    )
    _containers(lines, "Containers", spec.get("containers") or [], status.get("containerStatuses") or [])
    conditions = status.get("conditions") or []
    if conditions:
        lines.append("Conditions:")
        lines.append("  Type\tStatus")
        lines += [f"  {c['type']} \t{c['status']} " for c in conditions]
    volumes = spec.get("volumes") or []
    lines.append("Volumes:" if volumes else "Volumes:\t<none>")
    for v in volumes:
        lines.append(f"  {v['name']}:")
        kind = next((k for k in v if k != "name"), "")
        lines.append(f"    Type:\t{kind}")
    lines.append(f"QoS Class:\t{status.get('qosClass', 'BestEffort')}")
    selector = spec.get("nodeSelector") or {}
    lines.append(f"Node-Selectors:\t{','.join(f'{k}={v}' for k, v in sorted(selector.items())) or '<none>'}")
    tolerations = spec.get("tolerations") or []
    if not tolerations:
        lines.append("Tolerations:\t<none>")
    for i, t in enumerate(tolerations):
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        lines.append(f"{'Tolerations:' if i == 0 else ''}\t{text}")
    _events(lines, cluster, pod)
    return lines


@describer("Deployment")
def _deployment(cluster, d: dict) -> list[str]:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    lines = []
    _header(lines, d)
    lines.insert(2, f"CreationTimestamp:\t{_when(d['metadata'].get('creationTimestamp'))}")
    lines.append(f"Selector:\t{format_selector(spec.get('selector'))}")
    unavailable = status.get("unavailableReplicas", 0)
    lines.append(
        f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} updated | "
        f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available | {unavailable} unavailable"
    )
    strategy = spec.get("strategy") or {}
    lines.append(f"StrategyType:\t{strategy.get('type', 'RollingUpdate')}")
    lines.append(f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}")
    rolling = strategy.get("rollingUpdate")
    if rolling:
        lines.append(
            f"RollingUpdateStrategy:\t{rolling.get('maxUnavailable', '25%')} max unavailable, "
            f"{rolling.get('maxSurge', '25%')} max surge"
        )
    template = spec.get("template") or {}
    lines.append("Pod Template:")
    _map(lines, "Labels", (template.get("metadata") or {}).get("labels"), "  ")
    nested: list[str] = []
    _containers(nested, "Containers", (template.get("spec") or {}).get("containers") or [], [], template=True)
    lines += ["  " + line for line in nested]
    conditions = status.get("conditions") or []
    if conditions:
        lines.append("Conditions:")
        lines.append("  Type\tStatus\tReason")
        lines.append("  ----\t------\t------")
        lines += [f"  {c['type']}\t{c['status']}\t{c.get('reason', '')}" for c in conditions]
    replica_sets = [
        rs
        for rs in cluster.list("ReplicaSet", d["metadata"]["namespace"])
        if (controller_of(rs) or {}).get("uid") == d["metadata"]["uid"]
    ]
    template_hash = None
    new = [rs for rs in replica_sets if rs["spec"]["template"]["spec"] == template.get("spec")]
    if new:
        template_hash = new[0]["metadata"]["name"]
    old = [
        f"{rs['metadata']['name']} ({rs['status'].get('replicas', 0)}/{rs['spec'].get('replicas', 0)} replicas created)"
        for rs in replica_sets
        if rs["metadata"]["name"] != template_hash and rs["spec"].get("replicas", 0)
    ]
    lines.append(f"OldReplicaSets:\t{', '.join(old) or '<none>'}")
    if new:
        rs = new[0]
        lines.append(
            f"NewReplicaSet:\t{rs['metadata']['name']} ({rs['status'].get('replicas', 0)}/"
            f"{rs['spec'].get('replicas', 0)} replicas created)"
        )
    else:
        lines.append("NewReplicaSet:\t<none>")
    _events(lines, cluster, d)
    return lines


@describer("Node")
def _node(cluster, node: dict) -> list[str]:
    spec, status = node.get("spec") or {}, node.get("status") or {}
    lines = [f"Name:\t{node['metadata']['name']}"]
    lines.append(f"Roles:\t{printers.row('Node', node, cluster.clock)[2]}")
    _map(lines, "Labels", node["metadata"].get("labels"))
    _map(lines, "Annotations", node["metadata"].get("annotations"))
    lines.append(f"CreationTimestamp:\t{_when(node['metadata'].get('creationTimestamp'))}")
    taints = spec.get("taints") or []
    if not taints:
        lines.append("Taints:\t<none>")
    for i, t in enumerate(taints):
        text = t["key"] + (f"={t['value']}" if t.get("value") else "") + f":{t['effect']}"
        lines.append(f"{'Taints:' if i == 0 else ''}\t{text}")
    lines.append(f"Unschedulable:\t{str(bool(spec.get('unschedulable'))).lower()}")
    name = node["metadata"]["name"]
    leases = [le for le in cluster.list("Lease", "kube-node-lease") if le["metadata"]["name"] == name]
    for lease in leases:  # the kubelet's heartbeat, as describeNode prints it
        lease_spec = lease.get("spec") or {}
        lines.append("Lease:")
        lines.append(f"  HolderIdentity:\t{lease_spec.get('holderIdentity') or '<unset>'}")
        lines.append(f"  AcquireTime:\t{_when(lease_spec.get('acquireTime'))}")
        lines.append(f"  RenewTime:\t{_when(lease_spec.get('renewTime'))}")
    lines.append("Conditions:")
    lines.append("  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage")
    lines.append("  ----\t------\t-----------------\t------------------\t------\t-------")
    for c in status.get("conditions") or []:
        lines.append(
            f"  {c['type']}\t{c['status']}\t{_when(c.get('lastHeartbeatTime'))}\t"
            f"{_when(c.get('lastTransitionTime'))}\t{c.get('reason', '')}\t{c.get('message', '')}"
        )
    lines.append("Addresses:")
    lines += [f"  {a['type']}:\t{a['address']}" for a in status.get("addresses") or []]
    for part in ("capacity", "allocatable"):
        lines.append(f"{part.capitalize()}:")
        lines += [f"  {k}:\t{v}" for k, v in sorted((status.get(part) or {}).items())]
    info = status.get("nodeInfo") or {}
    lines.append("System Info:")
    for label, key in (
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
    ):
        lines.append(f"  {label}:\t{info.get(key, '')}")
    if spec.get("podCIDR"):
        lines.append(f"PodCIDR:\t{spec['podCIDR']}")
    pods = sorted(
        cluster.list("Pod", None, None, f"spec.nodeName={node['metadata']['name']}"),
        key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]),
    )
    lines.append(f"Non-terminated Pods:\t({len(pods)} in total)")
    lines.append("  Namespace\tName\tAGE")
    lines.append("  ---------\t----\t---")
    lines += [
        f"  {p['metadata']['namespace']}\t{p['metadata']['name']}\t{printers.age(p, cluster.clock)}"
        for p in pods
    ]
    _events(lines, cluster, node)
    return lines


@describer("Service")
def _service(cluster, svc: dict) -> list[str]:
    spec, status = svc.get("spec") or {}, svc.get("status") or {}
    lines = []
    _header(lines, svc)
    selector = spec.get("selector") or {}
    lines.append(f"Selector:\t{','.join(f'{k}={v}' for k, v in sorted(selector.items())) or '<none>'}")
    lines.append(f"Type:\t{spec.get('type', 'ClusterIP')}")
    lines.append(f"IP Family Policy:\t{spec.get('ipFamilyPolicy', 'SingleStack')}")
    lines.append(f"IP Families:\t{','.join(spec.get('ipFamilies') or ['IPv4'])}")
    lines.append(f"IP:\t{spec.get('clusterIP', '')}")
    lines.append(f"IPs:\t{','.join(spec.get('clusterIPs') or [spec.get('clusterIP', '')])}")
    ingress = ((status.get("loadBalancer") or {}).get("ingress")) or []
    if ingress:
        lines.append(
            f"LoadBalancer Ingress:\t{', '.join(i.get('ip') or i.get('hostname', '') for i in ingress)}"
        )
    endpoints = printers.row("Endpoints", _endpoints_of(cluster, svc), cluster.clock)[1]
    for p in spec.get("ports") or []:
        name = p.get("name") or "<unset>"
        lines.append(f"Port:\t{name}\t{p['port']}/{p.get('protocol', 'TCP')}")
        lines.append(f"TargetPort:\t{p.get('targetPort', p['port'])}/{p.get('protocol', 'TCP')}")
        if p.get("nodePort"):
            lines.append(f"NodePort:\t{name}\t{p['nodePort']}/{p.get('protocol', 'TCP')}")
        lines.append(f"Endpoints:\t{'' if endpoints == '<none>' else endpoints}")
    lines.append(f"Session Affinity:\t{spec.get('sessionAffinity', 'None')}")
    if spec.get("externalTrafficPolicy"):
        lines.append(f"External Traffic Policy:\t{spec['externalTrafficPolicy']}")
    lines.append(f"Internal Traffic Policy:\t{spec.get('internalTrafficPolicy', 'Cluster')}")
    _events(lines, cluster, svc)
    return lines


def _endpoints_of(cluster, svc: dict) -> dict:
    meta = svc["metadata"]
    found = [e for e in cluster.list("Endpoints", meta["namespace"]) if e["metadata"]["name"] == meta["name"]]
    return found[0] if found else {"metadata": {"name": meta["name"]}}


@describer("ConfigMap")
def _configmap(cluster, cm: dict) -> list[str]:
    lines = []
    _header(lines, cm)
    lines += ["", "Data", "===="]
    for key, value in sorted((cm.get("data") or {}).items()):
        lines += [f"{key}:", "----", *value.split("\n")]
    lines += ["", "BinaryData", "===="]
    lines += [f"{k}: {len(v) * 3 // 4} bytes" for k, v in sorted((cm.get("binaryData") or {}).items())]
    lines.append("")
    _events(lines, cluster, cm)
    return lines


@describer("Secret")
def _secret(cluster, secret: dict) -> list[str]:
    import base64

    lines = []
    _header(lines, secret)
    lines += ["", f"Type:\t{secret.get('type', 'Opaque')}", "", "Data", "===="]
    for key, value in sorted((secret.get("data") or {}).items()):
        lines.append(f"{key}:\t{len(base64.b64decode(value))} bytes")
    return lines


# helpTextForResourceQuotaScope
QUOTA_SCOPE_HELP = {
    "Terminating": "Matches all pods that have an active deadline. These pods have a limited lifespan on a node "
    "before being actively terminated by the system.",
    "NotTerminating": "Matches all pods that do not have an active deadline. These pods usually include long "
    "running pods whose container command is not expected to terminate.",
    "BestEffort": "Matches all pods that do not have resource requirements set. These pods have a best effort "
    "quality of service.",
    "NotBestEffort": "Matches all pods that have at least one resource requirement set. These pods have a "
    "burstable or guaranteed quality of service.",
}


@describer("Namespace")
def _namespace(cluster, ns: dict) -> list[str]:
    """kubectl's ``describeNamespace``: status and conditions (a terminating namespace's
    deletion progress), then ``DescribeResourceQuotas`` and ``DescribeLimitRanges``."""
    name = ns["metadata"]["name"]
    lines = [f"Name:\t{name}"]
    _map(lines, "Labels", ns["metadata"].get("labels"))
    _map(lines, "Annotations", ns["metadata"].get("annotations"))
    status = ns.get("status") or {}
    lines.append(f"Status:\t{status.get('phase', '')}")
    if status.get("conditions"):
        lines.append("Conditions:")
        lines.append("  Type\tStatus\tLastTransitionTime\tReason\tMessage")
        lines.append("  ----\t------\t------------------\t------\t-------")
        for c in status["conditions"]:
            lines.append(
                f"  {c.get('type', '')}\t{c.get('status', '')}\t{_when(c.get('lastTransitionTime'))}\t"
                f"{c.get('reason', '')}\t{c.get('message', '')}"
            )
    lines.append("")
    quotas = sorted(cluster.list("ResourceQuota", name), key=lambda q: q["metadata"]["name"])
    if not quotas:
        lines.append("No resource quota.")
    else:
        lines.append("Resource Quotas")
    for quota in quotas:
        lines.append(f"  Name:\t{quota['metadata']['name']}")
        scopes = sorted((quota.get("spec") or {}).get("scopes") or [])
        if scopes:
            lines.append(f"  Scopes:\t{', '.join(scopes)}")
            lines += [f"  * {QUOTA_SCOPE_HELP[scope]}" for scope in scopes if scope in QUOTA_SCOPE_HELP]
        lines.append("  Resource\tUsed\tHard")
        lines.append("  --------\t---\t---")
        hard = (quota.get("status") or {}).get("hard") or (quota.get("spec") or {}).get("hard") or {}
        used = (quota.get("status") or {}).get("used") or {}
        lines += [f"  {resource}\t{used.get(resource, '0')}\t{hard[resource]}" for resource in sorted(hard)]
    lines.append("")
    ranges = cluster.list("LimitRange", name)
    if not ranges:
        lines.append("No LimitRange resource.")
        return lines
    lines.append("Resource Limits")
    lines.append(" Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio")
    lines.append(" ----\t--------\t---\t---\t---------------\t-------------\t-----------------------")
    for limit_range in ranges:
        for item in (limit_range.get("spec") or {}).get("limits") or []:
            parts = ("min", "max", "defaultRequest", "default", "maxLimitRequestRatio")
            # Upstream walks a Go map here (any order); sorted is one of its orders.
            for resource in sorted({r for part in parts for r in item.get(part) or {}}):
                values = [str((item.get(part) or {}).get(resource, "-")) for part in parts]
                lines.append(f" {item.get('type', '')}\t{resource}\t" + "\t".join(values))
    return lines


def _go_list(values) -> str:
    """Go's %v of a []string: [a b c]."""
    return "[" + " ".join(values or []) + "]"


def _breakdown(rule: dict) -> list[dict]:
    """kubectl/pkg/util/rbac BreakdownRule: one rule per group, resource, verb (and resource
    name), then one per non-resource URL and verb."""
    out = []
    for group in rule.get("apiGroups") or []:
        for resource in rule.get("resources") or []:
            for verb in rule.get("verbs") or []:
                names = rule.get("resourceNames") or []
                for name in names or [None]:
                    sub = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                    if name is not None:
                        sub["resourceNames"] = [name]
                    out.append(sub)
    for url in rule.get("nonResourceURLs") or []:
        for verb in rule.get("verbs") or []:
            out.append({"nonResourceURLs": [url], "verbs": [verb]})
    return out


def _compact(rules: list[dict]) -> list[dict]:
    """CompactRules: rules about one group and resource (and at most one name) that differ
    only by verb are merged, their verbs in the order met; the others are kept as they are.
    Then sorted as SortableRuleSlice, by each rule's String() (its verbs first)."""
    kept, simple = [], {}
    for rule in rules:
        if rule.get("nonResourceURLs") or len(rule.get("resourceNames") or []) > 1:
            kept.append(rule)
            continue
        key = (rule["apiGroups"][0], rule["resources"][0], tuple(rule.get("resourceNames") or ()))
        if key in simple:
            simple[key]["verbs"] = simple[key]["verbs"] + rule["verbs"]
        else:
            simple[key] = {**rule, "verbs": list(rule["verbs"])}
    compacted = kept + list(simple.values())

    def as_string(r: dict) -> str:
        fields = ("verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs")
        names = ("Verbs", "APIGroups", "Resources", "ResourceNames", "NonResourceURLs")
        return (
            "&PolicyRule{"
            + "".join(f"{n}:{_go_list(r.get(f))}," for n, f in zip(names, fields, strict=True))
            + "}"
        )

    return sorted(compacted, key=as_string)


def _resource_group(rule: dict) -> str:
    """combineResourceGroup: resource.group, with a subresource after the group."""
    resources = rule.get("resources") or []
    if not resources:
        return ""
    resource, _, sub = resources[0].partition("/")
    groups = rule.get("apiGroups") or []
    if groups and groups[0]:
        resource += "." + groups[0]
    return resource + ("/" + sub if sub else "")


@describer("Role")
@describer("ClusterRole")
def _role(cluster, role: dict) -> list[str]:
    """RoleDescriber and ClusterRoleDescriber: name, labels, annotations and the rules,
    broken down and compacted into one row per resource."""
    meta = role["metadata"]
    lines = [f"Name:\t{meta['name']}"]
    _map(lines, "Labels", meta.get("labels"))
    _map(lines, "Annotations", meta.get("annotations"))
    rules = [sub for rule in role.get("rules") or [] for sub in _breakdown(rule)]
    lines.append("PolicyRule:")
    lines.append("  Resources\tNon-Resource URLs\tResource Names\tVerbs")
    lines.append("  ---------\t-----------------\t--------------\t-----")
    for rule in _compact(rules):
        lines.append(
            f"  {_resource_group(rule)}\t{_go_list(rule.get('nonResourceURLs'))}\t"
            f"{_go_list(rule.get('resourceNames'))}\t{_go_list(rule.get('verbs'))}"
        )
    return lines


@describer("RoleBinding")
@describer("ClusterRoleBinding")
def _role_binding(cluster, binding: dict) -> list[str]:
    """RoleBindingDescriber and ClusterRoleBindingDescriber: the role it refers to and its
    subjects."""
    meta = binding["metadata"]
    lines = [f"Name:\t{meta['name']}"]
    _map(lines, "Labels", meta.get("labels"))
    _map(lines, "Annotations", meta.get("annotations"))
    ref = binding.get("roleRef") or {}
    lines += ["Role:", f"  Kind:\t{ref.get('kind', '')}", f"  Name:\t{ref.get('name', '')}"]
    lines += ["Subjects:", "  Kind\tName\tNamespace", "  ----\t----\t---------"]
    for subject in binding.get("subjects") or []:
        lines.append(
            f"  {subject.get('kind', '')}\t{subject.get('name', '')}\t{subject.get('namespace', '')}"
        )
    return lines


def _generic(cluster, obj: dict) -> list[str]:
    lines = []
    _header(lines, obj)
    lines.append(f"API Version:\t{obj.get('apiVersion', '')}")
    lines.append(f"Kind:\t{obj.get('kind', '')}")
    for key in ("spec", "data", "status"):
        if obj.get(key):
            lines.append(f"{key.capitalize()}:")
            _walk(lines, obj[key], "  ")
    _events(lines, cluster, obj)
    return lines


def _walk(lines: list[str], value, indent: str) -> None:
    """The generic describer prints nested fields as Title Case keys, like kubectl's for CRDs."""
    if isinstance(value, dict):
        for k, v in value.items():
            title = k[:1].upper() + "".join(f" {ch}" if ch.isupper() else ch for ch in k[1:])
            if isinstance(v, dict | list) and v:
                lines.append(f"{indent}{title}:")
                _walk(lines, v, indent + "  ")
            else:
                lines.append(f"{indent}{title}:\t{v}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                _walk(lines, item, indent + "  ")
            else:
                lines.append(f"{indent}{item}")


def describe(cluster, kind: str, obj: dict) -> str:
    """What `kubectl describe` prints for one object, by its kind's registered describer."""
    obj = {"kind": kind, **obj}
    return tabwrite(DESCRIBERS.get(kind, _generic)(cluster, obj))
