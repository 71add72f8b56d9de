"""`kubectl rollout` (k8s.io/kubectl/pkg/cmd/rollout and pkg/polymorphichelpers): restart,
pause and resume are patches; history reads the Deployment's ReplicaSets and their revision
annotations; undo writes an older ReplicaSet's pod template back; status reads the
Deployment's status as kubectl's DeploymentStatusViewer does. All through the public API."""

from __future__ import annotations

from playground.engine.errors import ApiError
from playground.engine.util import deep_copy, rfc3339
from playground.kubectl.errors import ConsoleError

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
HASH_LABEL = "pod-template-hash"


def revision_of(obj: dict) -> int:
    try:
        return int((obj["metadata"].get("annotations") or {}).get(REVISION, "0") or 0)
    except ValueError:
        return 0


def template_without_hash(template: dict) -> dict:
    """The pod template as the user wrote it: ReplicaSets carry the pod-template-hash label."""
    template = deep_copy(template or {})
    labels = (template.get("metadata") or {}).get("labels")
    if labels and HASH_LABEL in labels:
        del labels[HASH_LABEL]
    return template


def restart(cluster, kind: str, name: str, namespace: str = "default") -> dict:
    """Stamp the pod template with the restart time, so the controller rolls every pod."""
    patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: rfc3339(cluster.clock)}}}}}
    return cluster.patch(kind, name, patch, namespace)


def pause(cluster, kind: str, name: str, namespace: str = "default") -> dict:
    return cluster.patch(kind, name, {"spec": {"paused": True}}, namespace)


def resume(cluster, kind: str, name: str, namespace: str = "default") -> dict:
    return cluster.patch(kind, name, {"spec": {"paused": None}}, namespace)


def history(cluster, kind: str, name: str, namespace: str = "default") -> list[dict]:
    """The Deployment's revisions, oldest first: the ReplicaSets it owns and their annotations."""
    d = cluster.get(kind, name, namespace)
    uid = d["metadata"]["uid"]
    entries = []
    for rs in cluster.list("ReplicaSet", d["metadata"].get("namespace", namespace)):
        if not any(ref.get("uid") == uid for ref in rs["metadata"].get("ownerReferences") or []):
            continue
        entries.append(
            {
                "revision": revision_of(rs),
                "changeCause": (rs["metadata"].get("annotations") or {}).get(CHANGE_CAUSE),
                "replicaSet": rs["metadata"]["name"],
                "template": deep_copy(rs["spec"]["template"]),
            }
        )
    entries.sort(key=lambda h: h["revision"])
    return entries


def undo(cluster, kind: str, name: str, namespace: str = "default", to_revision: int | None = None) -> dict:
    """Roll back to `to_revision`, or the revision before the current one:
    {"skipped": bool, "object": the Deployment, "revision": the target revision}."""
    d = cluster.get(kind, name, namespace)
    entries = history(cluster, kind, name, namespace)
    current = revision_of(d)
    if to_revision:
        target = next((h for h in entries if h["revision"] == to_revision), None)
        if target is None:
            raise ApiError(400, "BadRequest", f"unable to find specified revision {to_revision} in history")
    else:
        older = [h for h in entries if h["revision"] < current]
        if not older:
            raise ApiError(400, "BadRequest", f'no rollout history found for deployment "{name}"')
        target = older[-1]
    template = template_without_hash(target["template"])
    if template == template_without_hash(d["spec"]["template"]):
        return {"skipped": True, "object": d, "revision": target["revision"]}
    new = {**d, "spec": {**d["spec"], "template": template}}
    annotations = dict(new["metadata"].get("annotations") or {})
    if target.get("changeCause"):
        annotations[CHANGE_CAUSE] = target["changeCause"]
    else:
        annotations.pop(CHANGE_CAUSE, None)
    new["metadata"] = {**new["metadata"], "annotations": annotations}
    stored = cluster.api.update(new, d["metadata"].get("namespace") or None, strict=False)
    return {"skipped": False, "object": deep_copy(stored), "revision": target["revision"]}


def status(d: dict) -> str:
    """kubectl's DeploymentStatusViewer, reporting once instead of watching."""
    if d["kind"] != "Deployment":
        raise ConsoleError("error: the console reports rollout status for Deployments")
    name, spec, st = d["metadata"]["name"], d["spec"], d.get("status") or {}
    if d["metadata"].get("generation", 0) > st.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed...\n"
    for cond in st.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            raise ConsoleError(f'error: deployment "{name}" exceeded its progress deadline')
    wanted, updated = spec.get("replicas", 1), st.get("updatedReplicas", 0)
    prefix = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < wanted:
        return prefix + f"{updated} out of {wanted} new replicas have been updated...\n"
    if st.get("replicas", 0) > updated:
        return prefix + f"{st['replicas'] - updated} old replicas are pending termination...\n"
    if st.get("availableReplicas", 0) < updated:
        return prefix + f"{st.get('availableReplicas', 0)} of {updated} updated replicas are available...\n"
    return f'deployment "{name}" successfully rolled out\n'
