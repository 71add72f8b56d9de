"""`kubectl cordon`, `uncordon` and `drain` (k8s.io/kubectl/pkg/drain): a node is marked
unschedulable with a patch, then every pod that may go is evicted through the Eviction API,
which refuses what a PodDisruptionBudget protects. Everything goes through the cluster's
public API."""

from __future__ import annotations

from playground.engine.errors import ApiError
from playground.engine.util import controller_of, key_of, object_key


def cordon(cluster, name: str) -> dict:
    return cluster.patch("Node", name, {"spec": {"unschedulable": True}})


def uncordon(cluster, name: str) -> dict:
    return cluster.patch("Node", name, {"spec": {"unschedulable": None}})


def _has_local_storage(pod: dict) -> bool:
    return any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or [])


def drain(
    cluster,
    name: str,
    ignore_daemonsets: bool = False,
    delete_emptydir_data: bool = False,
    force: bool = False,
    grace_period_seconds: int | None = None,
    timeout_seconds: float | None = None,
) -> dict:
    """Cordon, then evict every pod that may go; report what blocks.

    Pod filters as upstream's: mirror (static) pods and pods already terminating are skipped;
    DaemonSet pods need --ignore-daemonsets, pods without a controller need --force, pods with
    emptyDir data need --delete-emptydir-data. Any refusal stops the drain before it evicts.
    An eviction a PodDisruptionBudget refuses is reported in "blocked": kubectl retries it every
    5 s until the budget allows it or --timeout (0 or None: forever) runs out. The console's
    clock does not move while a command runs, so with a timeout the blocked evictions time out
    ("timedOut"); without one they are left for the learner to retry."""
    cluster.get("Node", name)
    cordon(cluster, name)
    errors: dict[str, list[str]] = {}
    warnings: dict[str, list[str]] = {}
    to_evict = []
    for pod in cluster.list("Pod", None, None, f"spec.nodeName={name}"):
        ref = key_of(pod)
        annotations = pod["metadata"].get("annotations") or {}
        if "kubernetes.io/config.mirror" in annotations:
            continue  # static pods belong to the kubelet, not the API
        if pod["metadata"].get("deletionTimestamp"):
            continue
        phase = (pod.get("status") or {}).get("phase")
        finished = phase in ("Succeeded", "Failed")
        owner = controller_of(pod)
        if owner and owner.get("kind") == "DaemonSet":
            if ignore_daemonsets:
                warnings.setdefault("ignoring DaemonSet-managed Pods", []).append(ref)
            else:
                errors.setdefault(
                    "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)", []
                ).append(ref)
            continue
        if owner is None and not finished:
            if not force:
                errors.setdefault(
                    "cannot delete Pods declare no controller (use --force to override)", []
                ).append(ref)
                continue
            warnings.setdefault("deleting Pods that declare no controller", []).append(ref)
        if _has_local_storage(pod) and not finished:
            if not delete_emptydir_data:
                errors.setdefault(
                    "cannot delete Pods with local storage (use --delete-emptydir-data to override)", []
                ).append(ref)
                continue
            warnings.setdefault("deleting Pods with local storage", []).append(ref)
        to_evict.append(pod)
    result = {"node": name, "cordoned": True, "evicted": [], "blocked": [], "warnings": [], "errors": []}
    result["warnings"] = [f"{text}: {', '.join(refs)}" for text, refs in warnings.items()]
    if errors:
        result["errors"] = [f"{text}: {', '.join(refs)}" for text, refs in errors.items()]
        result["drained"] = False
        return result
    for pod in to_evict:
        ns, pod_name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        try:
            cluster.evict(pod_name, ns, grace_period_seconds=grace_period_seconds)
            result["evicted"].append(object_key(ns, pod_name))
        except ApiError as exc:
            result["blocked"].append(
                {
                    "pod": object_key(ns, pod_name),
                    "message": f'error when evicting pods/"{pod_name}" -n "{ns}" (will retry after 5s): {exc.message}',
                    "status": exc.status,
                }
            )
    result["drained"] = not result["blocked"]
    result["timedOut"] = bool(result["blocked"] and timeout_seconds)
    return result
