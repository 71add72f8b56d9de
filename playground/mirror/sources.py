"""Where the mirror may read from: every context in the server's kubeconfig, and the
pod's own service account when the app runs inside a cluster.

Only names and addresses leave this module. Tokens, keys and client certificates stay
inside the Configuration handed to `ReadOnlyApiClient`; nothing here returns, logs or
stores them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import yaml
from kubernetes.client import Configuration
from kubernetes.config import ConfigException, incluster_config, kube_config

from playground.engine.text import Text, _
from playground.mirror.readonly import ReadOnlyApiClient, ReadOnlyCluster

IN_CLUSTER = "in-cluster"
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


class SourceError(Exception):
    """A context that cannot be read. str() is English (the mirror command's output); the
    /mirror/ page renders .text in the visitor's language."""

    def __init__(self, template: str, **values):
        self.text = Text(template, values)
        super().__init__(str(self.text))


@dataclass(frozen=True)
class Context:
    name: str
    cluster: str
    server: str  # scheme, host and port only: some servers carry a token in the path
    namespace: str
    current: bool
    source: str  # "kubeconfig" or "in-cluster"


def kubeconfig_path() -> str:
    """KUBECONFIG (a list, as kubectl reads it) or ~/.kube/config, read at call time."""
    return os.environ.get("KUBECONFIG") or os.path.expanduser("~/.kube/config")


def _service_account_dir() -> Path:
    return Path(os.environ.get("MIRROR_SERVICE_ACCOUNT_DIR") or SERVICE_ACCOUNT_DIR)


def _public(server: str) -> str:
    """A server URL without user:password and without its path, which some gateways
    (this app's own API facade among them) use for an access token."""
    parts = urlsplit(server or "")
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if ":" in (parts.hostname or ""):
        host = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, host, "", "", ""))


def in_cluster_available() -> bool:
    folder = _service_account_dir()
    return bool(os.environ.get("KUBERNETES_SERVICE_HOST")) and (folder / "token").is_file()


def contexts() -> list[Context]:
    found: list[Context] = []
    path = kubeconfig_path()
    if any(os.path.isfile(os.path.expanduser(p)) for p in path.split(os.pathsep) if p):
        try:
            listed = kube_config.list_kube_config_contexts(config_file=path)[0]
        except (ConfigException, OSError, ValueError, TypeError, yaml.YAMLError) as error:
            raise SourceError(_("cannot read the kubeconfig: %(error)s"), error=_plain(error)) from None
        clusters, current = _clusters(path)
        for entry in listed or []:
            spec = entry.get("context") or {}
            cluster = spec.get("cluster", "")
            found.append(
                Context(
                    name=entry["name"],
                    cluster=cluster,
                    server=_public((clusters.get(cluster) or {}).get("server", "")),
                    namespace=spec.get("namespace", "default"),
                    current=entry["name"] == current,
                    source="kubeconfig",
                )
            )
    found.sort(key=lambda c: c.name)  # as `kubectl config get-contexts` lists them
    if in_cluster_available():
        host, port = os.environ["KUBERNETES_SERVICE_HOST"], os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        namespace_file = _service_account_dir() / "namespace"
        found.append(
            Context(
                name=IN_CLUSTER,
                cluster=IN_CLUSTER,
                server=_public(f"https://{host}:{port}"),
                namespace=namespace_file.read_text().strip() if namespace_file.is_file() else "default",
                current=not found,
                source="in-cluster",
            )
        )
    return found


def _clusters(path: str) -> tuple[dict[str, dict], str]:
    """Cluster entries by name across the kubeconfig files, and the current context; the
    first file to set a value wins, as kubectl merges them."""
    found: dict[str, dict] = {}
    current = ""
    for part in path.split(os.pathsep):
        file = Path(os.path.expanduser(part)) if part else None
        if not file or not file.is_file():
            continue
        try:
            data = yaml.safe_load(file.read_text()) or {}
        except (OSError, yaml.YAMLError):
            continue
        if not isinstance(data, dict):
            continue
        current = current or str(data.get("current-context") or "")
        for entry in data.get("clusters") or []:
            if isinstance(entry, dict) and entry.get("name") and entry["name"] not in found:
                found[entry["name"]] = entry.get("cluster") or {}
    return found, current


def _plain(error: Exception) -> str:
    """An error's first line, cut short: enough to act on, too little to leak a file."""
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


def connect(name: str, timeout: float = 30) -> ReadOnlyCluster:
    """A read-only view of the named context's cluster."""
    configuration = Configuration()
    if name == IN_CLUSTER:
        if not in_cluster_available():
            raise SourceError(_("not running in a pod with a service account"))
        folder = _service_account_dir()
        try:
            incluster_config.InClusterConfigLoader(
                token_filename=str(folder / "token"), cert_filename=str(folder / "ca.crt")
            ).load_and_set(configuration)
        except ConfigException as error:
            raise SourceError(_("in-cluster configuration: %(error)s"), error=_plain(error)) from None
    else:
        if name not in {c.name for c in contexts()}:
            raise SourceError(
                _("no context named %(name)s in %(path)s"), name=repr(name), path=kubeconfig_path()
            )
        try:
            kube_config.load_kube_config(
                config_file=kubeconfig_path(),
                context=name,
                client_configuration=configuration,
                persist_config=False,
            )
        except (ConfigException, OSError, ValueError, TypeError, yaml.YAMLError) as error:
            raise SourceError(
                _("context %(name)s: %(error)s"), name=repr(name), error=_plain(error)
            ) from None
    configuration.debug = False  # the client's debug log prints request headers
    configuration.connection_pool_maxsize = 32  # a watch per resource, held open at once
    configuration.retries = 0  # urllib3 would retry silently; the reflector backs off and says so
    return ReadOnlyCluster(ReadOnlyApiClient(configuration), timeout=timeout)
