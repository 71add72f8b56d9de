"""What the sandbox page shows, computed from the cluster: the Hosts-and-Clusters and
workloads trees, each item with its vSphere counterpart and its state in words."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.utils.translation import gettext, gettext_noop

from playground.engine import addons
from playground.engine.podstatus import node_ready_status, pod_ready, pod_status_text
from playground.engine.registry import BUILTIN
from playground.engine.util import controller_of, object_key

# kind → its vSphere counterpart, from each kind's Strategy (kinds without one are absent).
COUNTERPART = {s.kind: s.counterpart for s in BUILTIN if s.counterpart}
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")

# The engine's counterpart texts, marked for the message catalogue here (the engine has no
# Django); templates show them with {% translate %}. A test checks that every COUNTERPART
# value is in this list, so a counterpart added to a Strategy cannot stay English.
COUNTERPART_TEXTS = (
    gettext_noop("resource pool"),
    gettext_noop("ESXi host"),
    gettext_noop("VM"),
    gettext_noop("guest customization"),
    gettext_noop("credential store item"),
    gettext_noop("resource pool limits"),
    gettext_noop("default VM sizing"),
    gettext_noop("HA/FT group of identical VMs"),
    gettext_noop("vApp with FT/HA (rolling upgrades)"),
    gettext_noop("HA admission control for maintenance"),
    gettext_noop("one-armed load balancer (VIP)"),
    gettext_noop("in-line L7 load balancer"),
    gettext_noop("distributed firewall rule"),
    gettext_noop("agent on every host"),
    gettext_noop("VMs with fixed identities"),
    gettext_noop("scheduled task (run once)"),
    gettext_noop("scheduled task"),
    gettext_noop("VMDK on a datastore"),
    gettext_noop("VMDK request"),
    gettext_noop("storage policy"),
    gettext_noop("DRS-like scale-out rule"),
    gettext_noop("a new object type vCenter learns (as a plug-in adds inventory types)"),
    gettext_noop("HA/FT group of identical VMs (the older API)"),
    gettext_noop("VM template"),
    gettext_noop("a storage provider (VASA provider)"),
    gettext_noop("a certificate request to the VMCA"),
)


# STATUS texts of a pod on its way up (amber), and of one that is done or going (grey).
_STARTING = {"Pending", "ContainerCreating", "PodInitializing", "NotReady", "SchedulingGated"}
_DONE = {"Completed", "Succeeded", "Terminating"}


def pod_state(pod: dict) -> tuple[str, str]:
    """kubectl's STATUS column text (podstatus.pod_status_text), and a tone for colour:
    ok (Running and Ready), warn (starting, or Running but not Ready), muted (finished or
    terminating), bad (anything else: an error, a back-off, Failed, Unknown)."""
    text = pod_status_text(pod)
    if text == "Running":
        return text, "ok" if pod_ready(pod) else "warn"
    if text in _STARTING or re.fullmatch(r"Init:\d+/\d+", text):
        return text, "warn"
    if text in _DONE:
        return text, "muted"
    return text, "bad"


def node_state(cluster, node: dict) -> tuple[str, str]:
    status = node_ready_status(node)
    text = "Ready" if status == "True" else "NotReady" if status else "Unknown"
    tone = "ok" if text == "Ready" else "bad"
    if node["metadata"]["name"] in cluster.down_nodes and text == "Ready":
        # kubectl's STATUS word stays; the note is ours.
        text, tone = "Ready " + gettext("(not responding)"), "warn"
    if (node.get("spec") or {}).get("unschedulable"):
        text += ", SchedulingDisabled"
        tone = "warn" if tone == "ok" else tone
    return text, tone


def hosts_tree(cluster) -> list[dict]:
    nodes = []
    for node in sorted(cluster.store.iter("Node"), key=lambda n: n["metadata"]["name"]):
        name = node["metadata"]["name"]
        text, tone = node_state(cluster, node)
        pods = []
        for pod in sorted(
            cluster.store.pods_on(name), key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"])
        ):
            ptext, ptone = pod_state(pod)
            pods.append(
                {
                    "name": pod["metadata"]["name"],
                    "namespace": pod["metadata"]["namespace"],
                    "state": ptext,
                    "tone": ptone,
                    "ip": (pod.get("status") or {}).get("podIP", ""),
                }
            )
        roles = [
            k.split("/", 1)[1]
            for k in node["metadata"].get("labels") or {}
            if k.startswith("node-role.kubernetes.io/")
        ]
        nodes.append(
            {
                "name": name,
                "state": text,
                "tone": tone,
                "pods": pods,
                "roles": roles,
                "cpu": (node["status"].get("allocatable") or {}).get("cpu"),
                "memory": (node["status"].get("allocatable") or {}).get("memory"),
            }
        )
    unscheduled = [p for p in cluster.store.iter("Pod") if not p["spec"].get("nodeName")]
    if unscheduled:
        nodes.append(
            {
                "name": "(not placed)",  # the template says it in the page's language
                "state": gettext("waiting for the scheduler"),
                "tone": "warn",
                "roles": [],
                "cpu": None,
                "memory": None,
                "pods": [
                    {
                        "name": p["metadata"]["name"],
                        "namespace": p["metadata"]["namespace"],
                        "state": pod_state(p)[0],
                        "tone": pod_state(p)[1],
                        "ip": "",
                    }
                    for p in sorted(unscheduled, key=lambda p: p["metadata"]["name"])
                ],
            }
        )
    return nodes


def workloads_tree(cluster) -> list[dict]:
    namespaces = []
    store = cluster.store
    for ns in sorted(store.iter("Namespace"), key=lambda n: n["metadata"]["name"]):
        name = ns["metadata"]["name"]
        workloads = []
        for kind in WORKLOADS:
            for obj in sorted(store.iter(kind, name), key=lambda o: o["metadata"]["name"]):
                children = []
                for child in sorted(
                    store.dependents_of(obj["metadata"]["uid"]), key=lambda o: o["metadata"]["name"]
                ):
                    if child.get("kind") == "ReplicaSet":
                        rs_pods = [
                            p for p in store.dependents_of(child["metadata"]["uid"]) if p.get("kind") == "Pod"
                        ]
                        if not rs_pods and not child["spec"].get("replicas"):
                            continue
                        children.append(
                            {
                                "kind": "ReplicaSet",
                                "name": child["metadata"]["name"],
                                "counterpart": COUNTERPART["ReplicaSet"],
                                "pods": [
                                    _pod_item(p) for p in sorted(rs_pods, key=lambda p: p["metadata"]["name"])
                                ],
                            }
                        )
                    elif child.get("kind") in ("Pod", "Job"):
                        if child.get("kind") == "Pod":
                            children.append({"kind": "Pod", **_pod_item(child)})
                        else:
                            children.append(
                                {
                                    "kind": "Job",
                                    "name": child["metadata"]["name"],
                                    "counterpart": COUNTERPART["Job"],
                                    "pods": [],
                                }
                            )
                status = obj.get("status") or {}
                want = (obj.get("spec") or {}).get("replicas")
                if kind == "DaemonSet":
                    summary = gettext("%(ready)s/%(want)s ready") % {
                        "ready": status.get("numberReady", 0),
                        "want": status.get("desiredNumberScheduled", 0),
                    }
                elif want is not None:
                    summary = gettext("%(ready)s/%(want)s ready") % {
                        "ready": status.get("readyReplicas", 0),
                        "want": want,
                    }
                else:
                    summary = ""
                workloads.append(
                    {
                        "kind": kind,
                        "name": obj["metadata"]["name"],
                        "counterpart": COUNTERPART[kind],
                        "summary": summary,
                        "children": children,
                        # What Edit settings opens with: the wanted replicas, the first container's image.
                        "replicas": want,
                        "image": _first_image(obj),
                    }
                )
        bare = [p for p in store.iter("Pod", name) if controller_of(p) is None]
        services = [
            {
                "name": s["metadata"]["name"],
                "type": s["spec"].get("type", "ClusterIP"),
                "ip": s["spec"].get("clusterIP"),
                "external": ",".join(
                    i.get("ip", "")
                    for i in ((s.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
                ),
            }
            for s in sorted(store.iter("Service", name), key=lambda s: s["metadata"]["name"])
        ]
        claims = [
            {
                "name": c["metadata"]["name"],
                "phase": (c.get("status") or {}).get("phase"),
                "volume": c["spec"].get("volumeName"),
            }
            for c in sorted(store.iter("PersistentVolumeClaim", name), key=lambda c: c["metadata"]["name"])
        ]
        quotas = [q["metadata"]["name"] for q in store.iter("ResourceQuota", name)]
        custom = custom_resources(cluster, name)
        if name in ("kube-node-lease", "kube-public") and not workloads and not bare and not services:
            continue
        namespaces.append(
            {
                "name": name,
                "counterpart": COUNTERPART["Namespace"],
                "workloads": workloads,
                "bare": [_pod_item(p) for p in sorted(bare, key=lambda p: p["metadata"]["name"])],
                "services": services,
                "claims": claims,
                "quotas": quotas,
                "custom": custom,
                "terminating": bool(ns["metadata"].get("deletionTimestamp")),
            }
        )
    return namespaces


def custom_resources(cluster, namespace: str) -> list[dict]:
    """The namespace's objects of the kinds CustomResourceDefinitions added, kind by kind
    (a sandbox's; a mirrored cluster's snapshot lists its custom resources elsewhere)."""
    api = getattr(cluster, "api", None)
    if api is None:
        return []
    found = []
    for rt in api.registry:
        if not hasattr(rt, "crd_name") or not rt.namespaced:
            continue
        for obj in sorted(cluster.store.iter(rt.kind, namespace), key=lambda o: o["metadata"]["name"]):
            found.append(
                {
                    "kind": rt.kind,
                    "group": rt.group,
                    "name": obj["metadata"]["name"],
                    # English, marked in the addon: the tree shows it translated.
                    "description": addons.description(rt.group, rt.kind) or "",
                }
            )
    return found


def _first_image(obj: dict) -> str:
    template = ((obj.get("spec") or {}).get("jobTemplate") or {}).get("spec") or obj.get("spec") or {}
    containers = (((template.get("template") or {}).get("spec") or {}).get("containers")) or []
    return containers[0].get("image", "") if containers else ""


def _pod_item(pod: dict) -> dict:
    text, tone = pod_state(pod)
    return {
        "name": pod["metadata"]["name"],
        "namespace": pod["metadata"]["namespace"],
        "state": text,
        "tone": tone,
        "node": pod["spec"].get("nodeName") or "",
        "counterpart": COUNTERPART["Pod"],
    }


NO_ANALOGUE = "—"

# The vSphere analogue of each Event reason: what a vSphere admin would see in Recent Tasks
# (English here, marked for the catalogue: _recent_tasks.html shows it translated)
# or Events for the same thing. "—" where vSphere has nothing like it. Every reason the
# engine emits is here (tests run scenarios and check), plus the common ones a real
# cluster adds, for the mirror.
EVENT_ANALOGUES = {
    # kube-scheduler
    "Scheduled": gettext_noop("DRS initial placement"),
    "FailedScheduling": gettext_noop("DRS: no compatible host to power on the VM"),
    "Preempted": NO_ANALOGUE,  # vSphere never powers off a VM to make room for a more important one
    # kubelet: images, containers, probes, volumes
    "Pulling": gettext_noop("Copy the template's disks to the host"),
    "Pulled": gettext_noop("Template disks on the host"),
    "ErrImageNeverPull": gettext_noop("Template not in the host's datastore"),
    "Failed": gettext_noop("Deploy from template failed"),
    "Created": gettext_noop("Register VM on the host"),
    "Started": gettext_noop("Power on VM"),
    "Killing": gettext_noop("Power off VM"),
    "BackOff": gettext_noop("HA VM Monitoring: reset loop"),
    "Unhealthy": gettext_noop("HA VM Monitoring: heartbeat lost"),
    "SuccessfulAttachVolume": gettext_noop("Attach VMDK to the VM"),
    "FailedAttachVolume": gettext_noop("VMDK locked by another VM"),
    "FailedMount": gettext_noop("Guest customization spec or credential missing"),
    # ReplicaSet, DaemonSet, StatefulSet, Job controllers
    "SuccessfulCreate": gettext_noop("Clone VM from template"),
    "SuccessfulDelete": gettext_noop("Delete VM"),
    "FailedCreate": gettext_noop("Clone VM refused (e.g. resource pool limit)"),
    # Deployment controller
    "ScalingReplicaSet": gettext_noop("Resize a group of identical VMs (a rolling upgrade step)"),
    "ProgressDeadlineExceeded": gettext_noop("Rolling upgrade stalled"),
    # HorizontalPodAutoscaler
    "SuccessfulRescale": gettext_noop("Scale-out by automation (not vCenter itself)"),
    "FailedGetResourceMetric": gettext_noop("No performance data for the VMs"),
    # Jobs and CronJobs
    "Completed": gettext_noop("Scheduled task completed"),
    "SawCompletedJob": gettext_noop("Scheduled task run recorded"),
    "DeadlineExceeded": gettext_noop("Scheduled task timed out"),
    "BackoffLimitExceeded": gettext_noop("Scheduled task failed too often"),
    # node lifecycle
    "NodeNotReady": gettext_noop("Host not responding"),
    "NodeReady": gettext_noop("Host connected"),
    "TaintManagerEviction": gettext_noop("HA failover (the pod is deleted and replaced, not restarted)"),
    # Services and Ingress
    "EnsuringLoadBalancer": gettext_noop("Configure a VIP on the load balancer"),
    "EnsuredLoadBalancer": gettext_noop("VIP ready on the load balancer"),
    "SyncLoadBalancerFailed": gettext_noop("Load balancer VIP configuration failed"),
    "IPAllocated": gettext_noop("VIP assigned from the load balancer's pool"),
    "nodeAssigned": gettext_noop("VIP announced from one host (it answers ARP for the address)"),
    "AllocationFailed": gettext_noop("No free VIP left in the load balancer's pool"),
    "Sync": gettext_noop("L7 load balancer virtual server updated"),
    # volumes
    "WaitForFirstConsumer": gettext_noop("Disk placed together with its VM"),
    "ExternalProvisioning": gettext_noop("Waiting for the storage provider to create the disk"),
    "Provisioning": gettext_noop("Create VMDK"),
    "ProvisioningSucceeded": gettext_noop("VMDK created on the datastore"),
    "ProvisioningFailed": gettext_noop("Create VMDK failed"),
    "FailedBinding": gettext_noop("No datastore matches the storage policy"),
    "ExternalExpanding": gettext_noop("Waiting for the storage provider to grow the disk"),
    "Resizing": gettext_noop("Extend virtual disk"),
    "FileSystemResizeRequired": gettext_noop("Disk grown; the guest must extend its file system"),
    "FileSystemResizeSuccessful": gettext_noop("Guest file system extended to the new disk size"),
    # CSI snapshots (external-snapshotter)
    "CreatingSnapshot": gettext_noop("Take snapshot of the disk"),
    "SnapshotCreated": gettext_noop("Snapshot taken on the datastore"),
    "SnapshotReady": gettext_noop("Snapshot ready to restore from"),
    # NSX Container Plugin (vSphere with Kubernetes): these are NSX objects themselves
    "SubnetAllocated": gettext_noop("NSX: subnet allocated from the IP block"),
    "SegmentCreated": gettext_noop("NSX: segment (port group) created"),
    "Tier1RouterCreated": gettext_noop("NSX: Tier-1 gateway created"),
    "RouterPortCreated": gettext_noop("NSX: segment connected to the Tier-1 gateway"),
    "SNATRuleCreated": gettext_noop("NSX: SNAT rule created"),
    "LoadBalancerCreated": gettext_noop("NSX: load balancer created"),
    # VM Service's VM operator (vSphere profile): a VirtualMachine is a VM deployed in vCenter
    "CreateSuccess": gettext_noop("Deploy VM from a content library template: task completed"),
    "CreateFailure": gettext_noop("Deploy VM from a content library template: task failed"),
    # seen on real clusters (the mirror)
    "Starting": gettext_noop("Host booting"),
    "RegisteredNode": gettext_noop("Add host to the cluster"),
    "RemovingNode": gettext_noop("Remove host from the cluster"),
    "NodeSchedulable": gettext_noop("Host available to DRS again"),
    "NodeNotSchedulable": gettext_noop("Host excluded from DRS placement"),
    "Rebooted": gettext_noop("Host rebooted"),
    "NodeHasSufficientMemory": gettext_noop("Host memory OK"),
    "NodeHasNoDiskPressure": gettext_noop("Host storage OK"),
    "NodeHasSufficientPID": gettext_noop("Host health OK"),
    "NodeAllocatableEnforced": gettext_noop("Host resource reservation applied"),
    "Evicted": gettext_noop("VM evacuated from a host short of resources"),
    "FailedKillPod": gettext_noop("Power off VM failed"),
    "SandboxChanged": NO_ANALOGUE,
    "FailedCreatePodSandBox": gettext_noop("Power on VM failed"),
    "ScalingReplicaSetFailed": NO_ANALOGUE,
}

# Reasons whose analogue depends on the message: (message prefix, analogue), first match wins.
ANALOGUE_BY_MESSAGE = {
    "BackOff": (("Back-off pulling image", gettext_noop("Retry copying the template")),),
    "Unhealthy": (("Readiness probe", gettext_noop("Load balancer health check failing")),),
    "Killing": (
        ("Container ", gettext_noop("HA VM Monitoring: reset VM")),
    ),  # "... failed liveness probe, will be restarted"
    "Failed": (
        ("Failed to pull image", gettext_noop("Template not found or unreadable")),
        ("Error: ErrImagePull", gettext_noop("Template not found or unreadable")),
        ("Error: ImagePullBackOff", gettext_noop("Retry copying the template")),
        ("Error: ", gettext_noop("Guest customization failed")),
    ),
}


def analogue(reason: str, message: str = "") -> str:
    """The vSphere analogue of an Event, or "—" where vSphere has none."""
    for prefix, text in ANALOGUE_BY_MESSAGE.get(reason, ()):
        if (message or "").startswith(prefix):
            return text
    return EVENT_ANALOGUES.get(reason, NO_ANALOGUE)


def _task(event: dict) -> dict:
    involved = event.get("involvedObject") or event.get("regarding") or {}
    message = event.get("message") or event.get("note") or ""
    return {
        "time": event.get("lastTimestamp") or event.get("eventTime") or "",
        "type": event.get("type") or "",
        "reason": event.get("reason") or "",
        "kind": involved.get("kind", ""),
        "name": involved.get("name", ""),
        "object": f"{involved.get('kind', '')}/{involved.get('name', '')}",
        "namespace": involved.get("namespace", ""),
        "message": message,
        "count": event.get("count") or 1,
        "source": (event.get("source") or {}).get("component") or event.get("reportingController", ""),
        "analogue": analogue(event.get("reason") or "", message),
    }


def _newest_first(cluster) -> list[dict]:
    return sorted(
        cluster.store.iter("Event"),
        key=lambda e: (
            e.get("lastTimestamp") or e.get("eventTime") or "",
            int(e["metadata"].get("resourceVersion") or 0),
        ),
        reverse=True,
    )


def recent_tasks(cluster, limit: int = 40) -> list[dict]:
    """Events newest first, each with its vSphere analogue ("—" where there is none)."""
    return [_task(event) for event in _newest_first(cluster)[:limit]]


TASKS_PER_PAGE = 15
EVENT_TYPES = ("Normal", "Warning")


def task_page(
    cluster,
    object_text: str = "",
    reason: str = "",
    etype: str = "",
    page: int = 1,
    per_page: int = TASKS_PER_PAGE,
) -> dict:
    """One page of Recent Tasks, newest first, filtered like vSphere's Recent Tasks pane:
    `object_text` is part of the object's kind/name or namespace/name, `reason` part of
    the reason, `etype` Normal or Warning (anything else: all). Page 1 is the newest; a
    page past the end shows the last one."""
    tasks = [_task(event) for event in _newest_first(cluster)]
    reasons = sorted({t["reason"] for t in tasks if t["reason"]})
    needle, wanted = object_text.strip().lower(), reason.strip().lower()
    if needle:
        tasks = [
            t
            for t in tasks
            if needle in t["object"].lower() or needle in object_key(t["namespace"], t["name"]).lower()
        ]
    if wanted:
        tasks = [t for t in tasks if wanted in t["reason"].lower()]
    if etype in EVENT_TYPES:
        tasks = [t for t in tasks if t["type"] == etype]
    pages = max(1, -(-len(tasks) // per_page))
    page = min(max(1, page), pages)
    return {
        "rows": tasks[(page - 1) * per_page : page * per_page],
        "total": len(tasks),
        "page": page,
        "pages": pages,
        "newer": page - 1 if page > 1 else None,
        "older": page + 1 if page < pages else None,
        "reasons": reasons,
    }


def tasks_pane(cluster, query) -> dict:
    """The Recent Tasks pane from a request's GET parameters (object, reason, type, page):
    the page of rows, the filters as given, and the Newer and Older queries."""
    filters = {key: (query.get(key) or "").strip()[:100] for key in ("object", "reason", "type")}
    if filters["type"] not in EVENT_TYPES:
        filters["type"] = ""
    page = query.get("page") or "1"
    pane = task_page(
        cluster, filters["object"], filters["reason"], filters["type"], int(page) if page.isdigit() else 1
    )
    pane["filters"] = filters
    pane["filtered"] = any(filters.values())
    given = {key: value for key, value in filters.items() if value}
    for which in ("newer", "older"):
        pane[f"{which}_query"] = urlencode({**given, "page": pane[which]}) if pane[which] else ""
    return pane


def with_urls(hosts: list[dict], namespaces: list[dict], url) -> None:
    """Give every item of the two trees its page, `url(kind, namespace, name)`, so one
    template draws them for a sandbox and for a mirrored cluster alike."""
    for node in hosts:
        node["url"] = url("Node", "", node["name"]) if node["name"] != "(not placed)" else ""
        for pod in node["pods"]:
            pod["url"] = url("Pod", pod["namespace"], pod["name"])
    for ns in namespaces:
        name = ns["name"]
        ns["url"] = url("Namespace", "", name)
        for workload in ns["workloads"]:
            workload["url"] = url(workload["kind"], name, workload["name"])
            for child in workload["children"]:
                child["url"] = url(child["kind"], name, child["name"])
                for pod in child.get("pods") or []:
                    pod["url"] = url("Pod", name, pod["name"])
        for pod in ns["bare"]:
            pod["url"] = url("Pod", name, pod["name"])
        for service in ns["services"]:
            service["url"] = url("Service", name, service["name"])
        for claim in ns["claims"]:
            claim["url"] = url("PersistentVolumeClaim", name, claim["name"])
        for obj in ns.get("custom") or []:
            obj["url"] = url(obj["kind"], name, obj["name"])


def event_rows(events) -> list[dict]:
    """An object's Events as a table: core/v1 Events say message and source,
    events.k8s.io ones note and reportingController; this reads either."""
    return [
        {
            "type": event.get("type", ""),
            "reason": event.get("reason", ""),
            "count": event.get("count") or 1,
            "component": (event.get("source") or {}).get("component")
            or event.get("reportingComponent")
            or event.get("reportingController", ""),
            "message": event.get("message") or event.get("note", ""),
        }
        for event in events
    ]
