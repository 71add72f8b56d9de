"""A mirrored cluster, or some of its namespaces, copied into a new sandbox to play with.

The copy is rebuilt the way someone would recreate it by hand: hosts with the same
names, sizes, labels and taints; then storage classes, namespaces, quotas, claims,
Services and the workloads' own manifests, with everything the server wrote
(managedFields, uid, resourceVersion, status, ...) stripped. Controllers in the sandbox
make the ReplicaSets and pods again. Secret values and ConfigMap contents are not
mirrored; the ones the workloads refer to are created empty so the pods can start.
"""

from __future__ import annotations

import secrets
import time

import orjson
from django.utils.translation import gettext

from playground import sandboxes
from playground.engine import ApiError, Cluster
from playground.engine.podstatus import node_ready
from playground.engine.util import controller_of
from playground.models import MirroredCluster, Sandbox, Snapshot

SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
# Created in this order: what a workload needs exists before it.
ORDER = (
    "StorageClass",
    "CustomResourceDefinition",  # its kind is served before its custom resources (last) come
    "Namespace",
    "ResourceQuota",
    "LimitRange",
    "PersistentVolumeClaim",
    "ConfigMap",
    "Secret",
    "Service",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "CronJob",
    "Job",
    "Pod",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "Ingress",
)
SERVER_FIELDS = (
    "managedFields",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "generation",
    "selfLink",
    "ownerReferences",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "finalizers",
)
SERVER_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "pv.kubernetes.io/bind-completed",
    "pv.kubernetes.io/bound-by-controller",
    "volume.beta.kubernetes.io/storage-provisioner",
    "volume.kubernetes.io/storage-provisioner",
    "volume.kubernetes.io/selected-node",
)
JOB_LABELS = (
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "job-name",
    "batch.kubernetes.io/job-name",
)
# Taints the node lifecycle controller sets from conditions; the sandbox sets its own.
CONDITION_TAINTS = "node.kubernetes.io/"


class CopyError(sandboxes.SandboxError):
    pass


def clean(obj: dict) -> dict:
    """A manifest someone could apply: the object without what the server filled in."""
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_FIELDS}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in SERVER_ANNOTATIONS}
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    result = {k: v for k, v in obj.items() if k != "status"}
    result["metadata"] = meta
    kind = obj.get("kind")
    spec = dict(result.get("spec") or {})
    if kind == "CustomResourceDefinition":
        spec.pop("conversion", None)  # no conversion webhook here: strategy None
    elif kind == "Service":
        for field in ("clusterIP", "clusterIPs", "healthCheckNodePort"):
            spec.pop(field, None)
    elif kind == "PersistentVolumeClaim":
        spec.pop("volumeName", None)
    elif kind == "Job":
        spec.pop("selector", None)
        template = dict(spec.get("template") or {})
        tmeta = dict(template.get("metadata") or {})
        labels = {k: v for k, v in (tmeta.get("labels") or {}).items() if k not in JOB_LABELS}
        tmeta["labels"] = labels
        template["metadata"] = tmeta
        spec["template"] = template
        result["metadata"]["labels"] = {
            k: v for k, v in (meta.get("labels") or {}).items() if k not in JOB_LABELS
        }
    if spec:
        result["spec"] = spec
    return result


def _references(pod_spec: dict) -> set[tuple[str, str]]:
    """(kind, name) of the ConfigMaps and Secrets a pod spec needs to start."""
    found = set()
    for volume in pod_spec.get("volumes") or []:
        if (volume.get("configMap") or {}).get("name") and not volume["configMap"].get("optional"):
            found.add(("ConfigMap", volume["configMap"]["name"]))
        if (volume.get("secret") or {}).get("secretName") and not volume["secret"].get("optional"):
            found.add(("Secret", volume["secret"]["secretName"]))
    for container in (pod_spec.get("containers") or []) + (pod_spec.get("initContainers") or []):
        for source in container.get("envFrom") or []:
            for kind, key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                ref = source.get(key) or {}
                if ref.get("name") and not ref.get("optional"):
                    found.add((kind, ref["name"]))
        for env in container.get("env") or []:
            value_from = env.get("valueFrom") or {}
            for kind, key in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
                ref = value_from.get(key) or {}
                if ref.get("name") and not ref.get("optional"):
                    found.add((kind, ref["name"]))
    return found


def _pod_spec(obj: dict) -> dict | None:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        return spec
    if obj.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return (spec.get("template") or {}).get("spec")


def plan(record: MirroredCluster, namespaces: list[str] | None) -> tuple[list[dict], list[dict], list[str]]:
    """(nodes, manifests in creation order, notes) for the chosen namespaces (None: every
    namespace but the system ones)."""
    objects = [
        orjson.loads(data) for data in record.mirrored.exclude(kind="Event").values_list("data", flat=True)
    ]
    all_namespaces = sorted(o["metadata"]["name"] for o in objects if o.get("kind") == "Namespace")
    chosen = (
        set(namespaces)
        if namespaces is not None
        else {n for n in all_namespaces if n not in SYSTEM_NAMESPACES}
    )
    unknown = chosen - set(all_namespaces)
    if unknown:
        raise CopyError(
            gettext("No namespace %(names)s in the mirrored cluster %(cluster)s.")
            % {"names": ", ".join(sorted(unknown)), "cluster": record.name},
            400,
        )
    if not chosen:
        raise CopyError(gettext("Choose at least one namespace to copy."), 400)
    nodes, manifests, notes = [], [], []
    needed: set[tuple[str, str, str]] = set()
    # Custom resources come with their CustomResourceDefinitions (those with any to copy).
    crds = {
        ((o.get("spec") or {}).get("group"), ((o.get("spec") or {}).get("names") or {}).get("kind")): o
        for o in objects
        if o.get("kind") == "CustomResourceDefinition"
    }
    wanted_crds: dict[str, dict] = {}
    for obj in objects:
        kind, meta = obj.get("kind"), obj["metadata"]
        if kind == "Node":
            nodes.append(obj)
            continue
        definition = crds.get((str(obj.get("apiVersion", "")).rpartition("/")[0], kind))
        if definition is not None:
            scope = (definition.get("spec") or {}).get("scope")
            if scope == "Cluster" or meta.get("namespace", "") in chosen:
                wanted_crds[definition["metadata"]["name"]] = definition
                manifests.append(clean(obj))
            continue
        if kind == "StorageClass":
            manifests.append(clean(obj))
            continue
        ns = meta.get("namespace", "") if kind != "Namespace" else meta["name"]
        if kind not in ORDER or ns not in chosen:
            continue
        owner = controller_of(obj)
        if owner is not None and owner.get("kind") in (
            "ReplicaSet",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "Job",
            "CronJob",
            "Node",
        ):
            continue  # the sandbox's controllers make it again (or it is a static pod)
        if kind == "Pod" and "kubernetes.io/config.mirror" in (meta.get("annotations") or {}):
            continue
        manifests.append(clean(obj))
        spec = _pod_spec(obj)
        if spec:
            needed |= {(ref_kind, ns, name) for ref_kind, name in _references(spec)}
    for definition in wanted_crds.values():
        manifests.append(clean(definition))
    left_out = len(crds) - len(wanted_crds)
    if left_out:
        notes.append(
            f"{left_out} CustomResourceDefinition(s) with no custom resources in what was copied were left out."
        )
    for kind, ns, name in sorted(needed):
        placeholder = {"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": ns}}
        placeholder["metadata"]["annotations"] = {
            "mirror.k8s-for-vsphere.dev/placeholder": "created empty by the copy: the mirror does not read contents"
        }
        manifests.append(placeholder)
    if needed:
        notes.append(f"{len(needed)} ConfigMap(s) and Secret(s) the workloads refer to were created empty.")
    manifests.sort(key=lambda m: ORDER.index(m["kind"]) if m["kind"] in ORDER else len(ORDER))
    return nodes, manifests, notes


def _taints(node: dict) -> list[dict]:
    return [
        {k: v for k, v in taint.items() if k in ("key", "value", "effect")}
        for taint in (node.get("spec") or {}).get("taints") or []
        if not taint.get("key", "").startswith(CONDITION_TAINTS)
    ]


def build(nodes: list[dict], manifests: list[dict], seed: int, start: float) -> tuple[Cluster, list[str]]:
    cluster = Cluster.new("minimal", seed=seed, start_time=start, **sandboxes.LIMITS)
    cluster.remove_node("worker-1")
    skipped = []
    for node in sorted(nodes, key=lambda n: n["metadata"]["name"]):
        capacity = (node.get("status") or {}).get("capacity") or {}
        labels = {k: v for k, v in (node["metadata"].get("labels") or {}).items()}
        name = node["metadata"]["name"]
        try:
            cluster.add_node(
                name,
                cpu=str(capacity.get("cpu", "4")),
                memory=str(capacity.get("memory", "16Gi")),
                pods=str(capacity.get("pods", "110")),
                labels=labels,
                taints=_taints(node),
            )
            if (node.get("spec") or {}).get("unschedulable"):
                cluster.cordon(name)
        except ApiError as error:
            skipped.append(f"Node {name}: {error.message}")
    # Hosts the real cluster had lost are lost here too, before anything is placed:
    # the node lifecycle controller marks them NotReady and taints them, as it did there.
    down = [
        n["metadata"]["name"]
        for n in nodes
        if not node_ready(n) and cluster.store.get("Node", "", n["metadata"]["name"])
    ]
    for name in down:
        cluster.fail_node(name)
    if down:
        cluster.advance(60)
    for manifest in manifests:
        meta = manifest["metadata"]
        try:
            if manifest["kind"] == "Namespace" and cluster.store.get("Namespace", "", meta["name"]):
                continue
            cluster.apply([manifest])
            if manifest["kind"] == "CustomResourceDefinition":
                cluster.advance(0)  # the CRD controller serves the kind before its resources come
        except ApiError as error:
            where = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
            skipped.append(f"{manifest['kind']} {where}{meta['name']}: {error.message}")
    cluster.settle()
    return cluster, skipped


def copy(
    owner: str, record: MirroredCluster, namespaces: list[str] | None, address: str | None = None
) -> tuple[Sandbox, list[str]]:
    """A new sandbox for owner; returns it and what could not be copied, in words."""
    try:
        sandboxes.admit(owner, address)
    except sandboxes.SandboxError as error:
        raise CopyError(error.message, error.status) from None
    nodes, manifests, notes = plan(record, namespaces)
    limit = sandboxes.LIMITS["max_nodes"]
    if len(nodes) > limit:
        raise CopyError(
            gettext(
                "%(cluster)s has %(count)s nodes; a sandbox holds at most %(limit)s. "
                "Copying fewer hosts would put the workloads on different hardware than they run on, "
                "so the copy is refused rather than shrunk."
            )
            % {"cluster": record.name, "count": len(nodes), "limit": limit},
            413,
        )
    if not nodes:
        raise CopyError(
            gettext("%(cluster)s has no nodes mirrored yet; wait until it is synced.")
            % {"cluster": record.name},
            409,
        )
    seed = secrets.randbelow(2**31)
    now = time.time()
    cluster, skipped = build(nodes, manifests, seed, now)
    ahead = cluster.clock - now
    if ahead > 1:  # settling took simulated time: start that much earlier, as sandboxes.build does
        cluster, skipped = build(nodes, manifests, seed, now - ahead)
    label = "whole cluster" if namespaces is None else ", ".join(sorted(namespaces))
    sandbox = Sandbox.objects.create(
        owner=owner,
        name=f"Copy of {record.name} ({label})"[:80],
        profile="minimal",
        seed=seed,
        state=sandboxes.dump(cluster),
        synced_at=sandboxes.timezone.now(),
    )
    sandboxes.made(sandbox, address)
    Snapshot.objects.create(sandbox=sandbox, label=f"As copied from {record.name}", state=sandbox.state)
    return sandbox, notes + skipped
