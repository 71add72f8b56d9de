"""A ready kubeconfig for one sandbox.

kubectl sends no bearer token over plain http, so the secret travels in the server
URL's path; the same token is in the user entry for https deployments, where kubectl
does send it.
"""

from __future__ import annotations

import re

import yaml


def base_path(token: str) -> str:
    return f"/k8s/{token}"


def render(origin: str, token: str, name: str, namespace: str = "default") -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:40] or "sandbox"
    context = f"sandbox-{slug}"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": origin.rstrip("/") + base_path(token)}}],
        "users": [{"name": f"{context}-learner", "user": {"token": token}}],
        "contexts": [
            {
                "name": context,
                "context": {"cluster": context, "user": f"{context}-learner", "namespace": namespace},
            }
        ],
        "current-context": context,
        "preferences": {},
    }
    header = (
        f"# kubeconfig for the sandbox {name!r}. Anyone holding this file controls that sandbox.\n"
        "# Use it with: export KUBECONFIG=$PWD/<this file>; kubectl get nodes\n"
    )
    return header + yaml.safe_dump(config, sort_keys=False)
