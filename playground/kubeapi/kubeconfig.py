"""A ready kubeconfig for one sandbox.

kubectl sends no bearer token over plain http, so the secret travels in the server
URL's path; the same token is in the user entry for https deployments, where kubectl
does send it.

For an ``http://`` server the cluster entry also says ``insecure-skip-tls-verify: true``.
There is no TLS to verify, and kubectl and client-go ignore the flag for http; but the
Node.js client (@kubernetes/client-node 1.x, ``KubeConfig.createAgent``) refuses a plain
http server unless it is set: "HTTP protocol is not allowed when skipTLSVerify is not set
or false". An https server keeps verification on.
"""

from __future__ import annotations

import re

import yaml


def base_path(token: str) -> str:
    return f"/k8s/{token}"


def _context(name: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")[:40] or "sandbox"
    return f"sandbox-{slug}"


def user_name(name: str) -> str:
    """The kubeconfig's user entry, the name its token authenticates as (``kubectl auth whoami``)."""
    return f"{_context(name)}-learner"


def render(
    origin: str, token: str, name: str, namespace: str = "default", identity: str | None = None
) -> str:
    """The sandbox's kubeconfig; with ``identity``, one for that user of the sandbox
    (its own token, its name as the user entry), which RBAC limits."""
    context = _context(name)
    user = user_name(name)
    if identity is not None:
        user = identity
        slug = re.sub(r"[^a-z0-9-]+", "-", identity.lower()).strip("-")[:40] or "user"
        context = f"{context}-{slug}"
    server = origin.rstrip("/") + base_path(token)
    cluster: dict = {"server": server}
    if server.lower().startswith("http://"):
        cluster["insecure-skip-tls-verify"] = True
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [
            {"name": context, "context": {"cluster": context, "user": user, "namespace": namespace}}
        ],
        "current-context": context,
        "preferences": {},
    }
    header = (
        f"# kubeconfig for the sandbox {name!r}. Anyone holding this file controls that sandbox.\n"
        "# Use it with: export KUBECONFIG=$PWD/<this file>; kubectl get nodes\n"
    )
    if identity is not None:
        header = (
            f"# kubeconfig for {identity!r} in the sandbox {name!r}: it may do what the sandbox's\n"
            "# Roles and bindings allow that user. Try: kubectl auth can-i --list\n"
        )
    return header + yaml.safe_dump(config, sort_keys=False)
