"""`kubectl set image` (k8s.io/kubectl/pkg/cmd/set): a strategic merge patch of the named
containers' images; "*" sets every container. A container the object does not have is an
error kubectl finds before it patches."""

from __future__ import annotations

from playground.engine.errors import ApiError
from playground.engine.kinds import resolve


def set_image(cluster, kind: str, name: str, images: dict[str, str], namespace: str = "default") -> dict:
    obj = cluster.get(kind, name, namespace)
    pod = resolve(kind).kind == "Pod"
    spec = obj["spec"] if pod else obj["spec"]["template"]["spec"]
    names = [c["name"] for c in spec.get("containers") or []] + [
        c["name"] for c in spec.get("initContainers") or []
    ]
    for container in images:
        if container != "*" and container not in names:
            raise ApiError(400, "BadRequest", f'unable to find container named "{container}"')
    containers = []
    for c in spec.get("containers") or []:
        image = images.get(c["name"], images.get("*"))
        if image:
            containers.append({"name": c["name"], "image": image})
    patch = (
        {"spec": {"containers": containers}}
        if pod
        else {"spec": {"template": {"spec": {"containers": containers}}}}
    )
    return cluster.patch(kind, name, patch, namespace)
