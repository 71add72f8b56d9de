"""Informer-style sync, as client-go's reflector does it: list with paging, then watch
from the list's resourceVersion with bookmarks; relist on 410 Expired; reconnect with
back-off when the cluster goes away. Pure Python: what it learns goes to a `Sink`.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from urllib3.exceptions import HTTPError as TransportError

from playground.mirror import redact
from playground.mirror.readonly import ApiError, ReadOnlyCluster, events

PAGE = 500
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool

    @property
    def key(self) -> str:
        """'deployments.apps', or 'pods' for the core group, as kubectl names them."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def path(self) -> str:
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        return f"{prefix}/{self.plural}"


def _r(group, version, plural, kind, namespaced=True):
    return Resource(group, version, plural, kind, namespaced)


BUILTIN = (
    _r("", "v1", "nodes", "Node", False),
    _r("", "v1", "namespaces", "Namespace", False),
    _r("", "v1", "pods", "Pod"),
    _r("apps", "v1", "deployments", "Deployment"),
    _r("apps", "v1", "replicasets", "ReplicaSet"),
    _r("apps", "v1", "daemonsets", "DaemonSet"),
    _r("apps", "v1", "statefulsets", "StatefulSet"),
    _r("batch", "v1", "jobs", "Job"),
    _r("batch", "v1", "cronjobs", "CronJob"),
    _r("", "v1", "services", "Service"),
    _r("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice"),
    _r("networking.k8s.io", "v1", "ingresses", "Ingress"),
    _r("", "v1", "persistentvolumes", "PersistentVolume", False),
    _r("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    _r("storage.k8s.io", "v1", "storageclasses", "StorageClass", False),
    _r("", "v1", "resourcequotas", "ResourceQuota"),
    _r("", "v1", "limitranges", "LimitRange"),
    _r("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy"),
    _r("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget"),
    _r("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    _r("", "v1", "events", "Event"),
)
CRDS = _r("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False)


def custom_resource(crd: dict) -> Resource | None:
    """The version to mirror: the storage version if served, else the first served one."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    versions = [v for v in spec.get("versions") or [] if v.get("served", True)]
    if not versions or not names.get("plural") or not spec.get("group"):
        return None
    chosen = next((v for v in versions if v.get("storage")), versions[0])
    return Resource(
        spec["group"], chosen["name"], names["plural"], names.get("kind", ""), spec.get("scope") != "Cluster"
    )


class Sink:
    """What a reflector reports. Calls come from several threads; implementations queue."""

    def upsert(self, resource: Resource, objects: list[dict]) -> None: ...
    def delete(self, resource: Resource, objects: list[dict]) -> None: ...
    def replace(self, resource: Resource, keys: set[tuple[str, str]]) -> None:
        """A full list ended: everything of this resource not in keys is gone."""

    def progress(
        self, resource: Resource, state: str, listed: int = 0, remaining: int | None = None
    ) -> None: ...
    def heard(self) -> None: ...
    def unreachable(self, message: str) -> None: ...

    def decode_page(self, resource: Resource, raw: bytes) -> tuple[dict, list, object]:
        """(metadata, keys, payload) of a list page; the payload goes to `upsert_page`.
        Parsed here by default; a sink may parse in another process."""
        page = orjson.loads(raw)
        items = page.get("items") or []
        for item in items:
            item.setdefault("kind", resource.kind)
            item.setdefault("apiVersion", resource.api_version)
        return page.get("metadata") or {}, [_key(item) for item in items], items

    def upsert_page(self, resource: Resource, payload) -> None:
        if payload:
            self.upsert(resource, payload)


class Expired(Exception):
    pass


class Backoff:
    """Exponential back-off with jitter, as client-go's reflector waits between failures."""

    def __init__(self, initial: float = 0.8, ceiling: float = 30.0, rng: random.Random | None = None):
        self.initial, self.ceiling = initial, ceiling
        self.current = 0.0
        self.rng = rng or random.Random()  # noqa: S311 (jitter, not secrecy)

    def next(self) -> float:
        self.current = self.initial if not self.current else min(self.current * 2, self.ceiling)
        return self.current * (0.8 + 0.4 * self.rng.random())

    def reset(self) -> None:
        self.current = 0.0


def _key(obj: dict) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return meta.get("namespace", ""), meta.get("name", "")


class Reflector:
    """One resource, kept in step. `run()` loops until `stop` is set."""

    def __init__(
        self,
        cluster: ReadOnlyCluster,
        resource: Resource,
        sink: Sink,
        stop: threading.Event,
        watch_seconds: int = 300,
        page: int = PAGE,
        backoff: Backoff | None = None,
        on_change: Callable[[str, dict], None] | None = None,
    ):
        self.cluster, self.resource, self.sink, self.stop = cluster, resource, sink, stop
        self.watch_seconds, self.page = watch_seconds, page
        self.backoff = backoff or Backoff()
        self.on_change = on_change
        self.resource_version: str | None = None
        self.lists = 0  # how many full lists: 1 plus one per relist
        self.response = None
        self.listed = 0
        self.streamed = False  # the current watch was established and has delivered

    def halt(self) -> None:
        """Stop, and cut an open watch so the thread does not wait for its next event."""
        self.stop.set()
        response = self.response
        if response is not None:
            try:
                response.shutdown()
            except RuntimeError:
                pass  # already finished and back in the pool: nothing to cut
            except (OSError, AttributeError, ValueError):
                sock = getattr(getattr(response, "connection", None), "sock", None)
                if sock is not None:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                if self.resource_version is None:
                    self.resource_version = self.list()
                self.watch()
                self.backoff.reset()
            except Expired:
                self.resource_version = None
                self.sink.progress(self.resource, "relisting")
            except ApiError as error:
                if self.stop.is_set():
                    return
                if error.code == 404 and self.resource_version is None:
                    # Not served by this cluster (an older version, or a CRD just removed).
                    self.sink.progress(self.resource, "not served")
                    return
                if error.code == 410:  # the watch itself refused with 410, not an ERROR event
                    self.resource_version = None
                    self.sink.progress(self.resource, "relisting")
                    continue
                self.sink.progress(self.resource, f"error {error.code} {error.reason}")
                if error.code in (401, 403):
                    self.sink.unreachable(
                        f"{self.resource.key}: {error.code} {error.reason}: {_short(error.message, self.cluster)}"
                    )
                self.stop.wait(self.backoff.next())
            except (TransportError, OSError, ValueError) as error:
                if self.stop.is_set():
                    return
                if self.streamed:
                    # A watch that delivered and then broke (a proxy or server ending it
                    # abruptly): watch again at once, as client-go does; only a failure to
                    # reconnect counts as the cluster not responding.
                    self.streamed = False
                    continue
                self.sink.unreachable(f"{self.resource.key}: {_short(error, self.cluster)}")
                self.sink.progress(self.resource, "reconnecting", self.listed)
                self.stop.wait(self.backoff.next())
            except Exception as error:  # a bug must not end the thread silently: say it, retry
                if self.stop.is_set():
                    return
                host = getattr(self.cluster, "host", "")
                logger.error(
                    "reflector %s failed:\n%s",
                    self.resource.key,
                    redact.traceback_text(error, *redact.secrets_of(host if isinstance(host, str) else "")),
                )
                self.sink.progress(self.resource, f"failed: {_short(error, self.cluster)}")
                self.stop.wait(self.backoff.next())

    def list(self) -> str:
        """List in pages; report each page; return the list's resourceVersion."""
        self.sink.progress(self.resource, "listing", 0)
        keys: set[tuple[str, str]] = set()
        token = None
        while True:
            try:
                raw = self.cluster.list_raw(self.resource.path, limit=self.page, **{"continue": token})
            except ApiError as error:
                if error.code == 410 and token:
                    # The continue token expired mid-list: start over, as client-go does.
                    keys.clear()
                    token = None
                    continue
                raise
            self.sink.heard()
            if self.on_change:  # the callback needs the objects themselves
                meta, page_keys, items = Sink.decode_page(self.sink, self.resource, raw)
                Sink.upsert_page(self.sink, self.resource, items)
                for item in items:
                    self.on_change("ADDED", item)
            else:
                meta, page_keys, payload = self.sink.decode_page(self.resource, raw)
                self.sink.upsert_page(self.resource, payload)
            keys.update(page_keys)
            token = meta.get("continue") or None
            self.sink.progress(self.resource, "listing", len(keys), meta.get("remainingItemCount"))
            if not token:
                break
        self.lists += 1
        self.listed = len(keys)
        self.sink.replace(self.resource, keys)
        return meta.get("resourceVersion") or ""

    def watch(self) -> None:
        response = self.cluster.watch(
            self.resource.path,
            read_timeout=self.watch_seconds + 30,
            resourceVersion=self.resource_version,
            allowWatchBookmarks="true",
            timeoutSeconds=self.watch_seconds,
        )
        self.response = response
        if self.stop.is_set():  # halted while the watch was opening
            response.close()
            return
        self.sink.heard()
        self.sink.progress(self.resource, "watching", self.listed, 0)
        self.streamed = False
        for event in events(response):
            if self.stop.is_set():
                response.close()
                return
            kind, obj = event.get("type"), event.get("object") or {}
            if kind == "ERROR":
                if obj.get("code") == 410:
                    raise Expired(obj.get("message", ""))
                raise ApiError(obj.get("code", 500), obj.get("reason", ""), obj.get("message", ""))
            self.streamed = True
            rv = (obj.get("metadata") or {}).get("resourceVersion")
            if kind == "BOOKMARK":
                self.resource_version = rv or self.resource_version
                self.sink.heard()
                continue
            obj.setdefault("kind", self.resource.kind)
            obj.setdefault("apiVersion", self.resource.api_version)
            if kind in ("ADDED", "MODIFIED"):
                self.sink.upsert(self.resource, [obj])
            elif kind == "DELETED":
                self.sink.delete(self.resource, [obj])
            else:
                continue
            if self.on_change:
                self.on_change(kind, obj)
            self.resource_version = rv or self.resource_version
            self.sink.heard()


def _short(error: Exception, cluster=None) -> str:
    """An error's first line, with the server's path, query and any URL's path removed: a
    kubeconfig server may carry a token there (redact.py)."""
    host = getattr(cluster, "host", "") if cluster is not None else ""
    return redact.short(error, *redact.secrets_of(host if isinstance(host, str) else ""))


class Mirror:
    """Every built-in resource plus the custom resources the cluster's CRDs define, each
    in its own thread, and a heartbeat on /version so a quiet cluster still says it is
    alive."""

    def __init__(
        self,
        cluster: ReadOnlyCluster,
        sink: Sink,
        resources=BUILTIN,
        watch_seconds: int = 300,
        heartbeat: float = 10,
        page: int = PAGE,
        custom: bool = True,
        max_backoff: float = 30.0,
    ):
        self.cluster, self.sink = cluster, sink
        self.max_backoff = max_backoff
        self.watch_seconds, self.heartbeat, self.page = watch_seconds, heartbeat, page
        self.stop = threading.Event()
        self.reflectors: dict[str, Reflector] = {}
        self.threads: dict[str, threading.Thread] = {}
        self._lock = threading.Lock()
        for resource in resources:
            self._add(resource)
        if custom:
            self._add(CRDS, on_change=self._crd_changed)

    def _add(self, resource: Resource, on_change=None) -> None:
        with self._lock:
            if resource.key in self.reflectors or self.stop.is_set():
                return
            reflector = Reflector(
                self.cluster,
                resource,
                self.sink,
                threading.Event(),
                self.watch_seconds,
                self.page,
                backoff=Backoff(ceiling=self.max_backoff),
                on_change=on_change,
            )
            self.reflectors[resource.key] = reflector
            thread = threading.Thread(target=reflector.run, name=f"reflector {resource.key}", daemon=True)
            self.threads[resource.key] = thread
            if self._started:
                thread.start()

    _started = False

    def _crd_changed(self, kind: str, crd: dict) -> None:
        resource = custom_resource(crd)
        if resource is None:
            return
        if kind == "DELETED":
            with self._lock:
                reflector = self.reflectors.pop(resource.key, None)
                self.threads.pop(resource.key, None)
            if reflector is not None:
                reflector.halt()
                self.sink.replace(resource, set())
                self.sink.progress(resource, "removed")
            return
        self._add(resource)

    def start(self) -> None:
        with self._lock:
            self._started = True
            threads = list(self.threads.values())
        for thread in threads:
            thread.start()
        beat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
        beat.start()
        self._beat_thread = beat

    def _beat(self) -> None:
        while not self.stop.wait(self.heartbeat):
            try:
                self.cluster.get("/version")
                self.sink.heard()
            except (ApiError, TransportError, OSError, ValueError) as error:
                self.sink.unreachable(_short(error, self.cluster))

    def close(self, timeout: float = 5) -> None:
        self.stop.set()
        with self._lock:
            reflectors = list(self.reflectors.values())
            threads = list(self.threads.values())
        for reflector in reflectors:
            reflector.halt()
        deadline = time.monotonic() + timeout
        for thread in threads:
            if thread.is_alive():
                thread.join(max(0.0, deadline - time.monotonic()))
