"""What the sandbox page shows, computed from the cluster: the Hosts-and-Clusters and
workloads trees, each item with its vSphere counterpart and its state in words."""

from __future__ import annotations

from playground.engine.util import controller_of

COUNTERPART = {
    "Node": "ESXi host",
    "Pod": "VM",
    "Deployment": "vApp with FT/HA (rolling upgrades)",
    "ReplicaSet": "HA/FT group of identical VMs",
    "StatefulSet": "VMs with fixed identities",
    "DaemonSet": "agent on every host",
    "Job": "scheduled task (run once)",
    "CronJob": "scheduled task",
    "Service": "one-armed load balancer (VIP)",
    "Ingress": "in-line L7 load balancer",
    "Namespace": "resource pool",
    "PersistentVolumeClaim": "VMDK request",
    "PersistentVolume": "VMDK on a datastore",
    "StorageClass": "storage policy",
    "ResourceQuota": "resource pool limits",
    "LimitRange": "default VM sizing",
    "NetworkPolicy": "distributed firewall rule",
    "ConfigMap": "guest customization",
    "Secret": "credential store item",
    "HorizontalPodAutoscaler": "DRS-like scale-out rule",
    "PodDisruptionBudget": "HA admission control for maintenance",
}
WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")


def pod_state(pod: dict) -> tuple[str, str]:
    """kubectl's STATUS column text, and a tone for colour (ok, warn, bad, muted)."""
    meta, status = pod["metadata"], pod.get("status") or {}
    if meta.get("deletionTimestamp"):
        return "Terminating", "muted"
    for cs in status.get("initContainerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason") not in ("PodInitializing",):
            return f"Init:{waiting['reason']}", "bad"
    for cs in status.get("containerStatuses") or []:
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason") not in ("ContainerCreating", "PodInitializing"):
            return waiting["reason"], "bad"
    phase = status.get("phase", "Pending")
    if phase == "Running":
        ready = any(
            c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or []
        )
        return ("Running", "ok") if ready else ("Running (not ready)", "warn")
    if phase == "Pending":
        if not pod["spec"].get("nodeName"):
            return "Pending (unschedulable)" if any(
                c.get("reason") == "Unschedulable" for c in status.get("conditions") or []
            ) else "Pending", "warn"
        return "ContainerCreating", "warn"
    if phase == "Succeeded":
        return "Completed", "muted"
    return phase, "bad"


def node_state(cluster, node: dict) -> tuple[str, str]:
    ready = next(
        (c for c in (node.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), {}
    )
    text = {"True": "Ready", "False": "NotReady", "Unknown": "NotReady"}.get(ready.get("status"), "Unknown")
    tone = "ok" if text == "Ready" else "bad"
    if node["metadata"]["name"] in cluster.down_nodes and text == "Ready":
        text, tone = "Ready (not responding)", "warn"
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
                "name": "(not placed)",
                "state": "waiting for the scheduler",
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
                    summary = (
                        f"{status.get('numberReady', 0)}/{status.get('desiredNumberScheduled', 0)} ready"
                    )
                elif want is not None:
                    summary = f"{status.get('readyReplicas', 0)}/{want} ready"
                else:
                    summary = ""
                workloads.append(
                    {
                        "kind": kind,
                        "name": obj["metadata"]["name"],
                        "counterpart": COUNTERPART[kind],
                        "summary": summary,
                        "children": children,
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
                "terminating": bool(ns["metadata"].get("deletionTimestamp")),
            }
        )
    return namespaces


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


def recent_tasks(cluster, limit: int = 40) -> list[dict]:
    """Events newest first, each with its vSphere analogue where there is one."""
    events = sorted(
        cluster.store.iter("Event"),
        key=lambda e: (e.get("lastTimestamp") or "", int(e["metadata"]["resourceVersion"])),
        reverse=True,
    )
    analogues = {
        "Scheduled": "DRS initial placement",
        "FailedScheduling": "DRS could not place the VM",
        "SuccessfulCreate": "a VM deployed from the template",
        "TaintManagerEviction": "HA: VM restarted elsewhere after a host failure",
        "NodeNotReady": "host not responding",
        "NodeReady": "host connected",
        "ScalingReplicaSet": "VMs added or removed",
        "Killing": "VM powered off",
        "Pulling": "template copied to the host",
        "BackOff": "VM monitoring reset loop",
        "EnsuredLoadBalancer": "VIP created on the load balancer",
        "ProvisioningSucceeded": "VMDK created on the datastore",
        "SuccessfulRescale": "capacity scaled out",
    }
    result = []
    for event in events[:limit]:
        involved = event.get("involvedObject") or {}
        recreated = event.get("reason") == "SuccessfulCreate" and involved.get("kind") == "ReplicaSet"
        result.append(
            {
                "time": event.get("lastTimestamp", ""),
                "type": event.get("type"),
                "reason": event.get("reason"),
                "object": f"{involved.get('kind', '')}/{involved.get('name', '')}",
                "namespace": involved.get("namespace", ""),
                "message": event.get("message"),
                "count": event.get("count", 1),
                "source": (event.get("source") or {}).get("component", ""),
                "analogue": "HA/FT: a replacement VM"
                if recreated
                else analogues.get(event.get("reason"), ""),
            }
        )
    return result


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
