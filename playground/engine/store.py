"""The store: etcd's part. Objects by kind, namespace and name; a global revision;
a bounded history of watch events.

Stored objects are shared, never copied: nothing may mutate a dict once it is in the
store. Writers build a new dict (shallow copies of the parts they change) and put it
back. This keeps reads free, which the scheduler and controllers depend on at scale.

Pods' specs and statuses are hash-consed as they are put (util.Sharer): equal parts
of different pods (a ReplicaSet's identical specs, the same conditions) are one
shared object, which the rule above makes safe; the first write to a part of one pod
builds a new dict as always, so it is never visible to another pod (copy-on-write).

Kinds with a codec in PACKED (Events) are kept in a compact form and built as full
objects when read: get and iter return a new, equal dict on each read for those (the
watch history and listeners still see the dict that was put).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from playground.engine import events as _events
from playground.engine.errors import expired
from playground.engine.util import Sharer

Key = tuple[str, str]  # (namespace, name); namespace is "" for cluster-scoped objects

# kind -> (pack, packed type): pack(obj) gives the compact form or None (kept as a dict);
# a packed value's unpack() gives back an equal dict with the same key order.
# Pod fields holding per-item dicts whose values are shared one by one (the items hold a
# pod's own names: a volume's or mount's name, a container's ID), with what to skip.
POD_SPEC_EACH = {
    "containers": ("volumeMounts",),
    "initContainers": ("volumeMounts",),
    "ephemeralContainers": ("volumeMounts",),
    "volumes": (),
}
POD_STATUS_EACH = {
    "containerStatuses": (),
    "initContainerStatuses": (),
    "ephemeralContainerStatuses": (),
}

_NOTHING: dict = {}  # no earlier version of a part (never written to)

PACKED: dict[str, tuple[Callable[[dict], object | None], type]] = {
    "Event": (_events.pack, _events.CompactEvent),
}


class Deferred:
    """A watch history entry's object saved outside the state, by its digest (a saved
    history row whose last field is a string). The store's `fetch` gives such objects
    back, by digest, when a watch reads that far back; one it cannot give back was
    compacted meanwhile, and the watch gets 410 Expired as from etcd."""

    __slots__ = ("digest", "name", "namespace")

    def __init__(self, namespace: str, name: str, digest: str):
        self.namespace, self.name, self.digest = namespace, name, digest


class Store:
    def __init__(self, history_limit: int = 200):
        self.revision = 0
        self.history_limit = history_limit
        # kind -> namespace -> name -> object
        self.objects: dict[str, dict[str, dict[str, dict]]] = {}
        self.counts: dict[str, int] = {}
        # (revision, type, kind, object) of recent changes, oldest first.
        self.history: deque[tuple[int, str, str, dict]] = deque()
        # Watches may start from any revision >= this one.
        self.oldest_watchable = 0
        # Indexes kept in step with every write.
        self.pods_by_node: dict[str, dict[Key, dict]] = {}
        self.dependents: dict[str, set[tuple[str, str, str]]] = {}  # owner uid -> {(kind, ns, name)}
        self.listeners: list[Callable[[str, str, dict | None, dict | None], None]] = []
        self.sharer = Sharer()
        # digests -> {digest: object} for Deferred history entries (None: none can be read).
        self.fetch: Callable[[list[str]], dict[str, dict]] | None = None

    # Reads -----------------------------------------------------------------

    def get(self, kind: str, namespace: str, name: str) -> dict | None:
        obj = self.objects.get(kind, {}).get(namespace, {}).get(name)
        if obj is not None and type(obj) is not dict:
            return obj.unpack()
        return obj

    def iter(self, kind: str, namespace: str | None = None) -> Iterator[dict]:
        by_ns = self.objects.get(kind)
        if not by_ns:
            return
        if kind in PACKED:
            yield from self._iter_unpacked(by_ns, namespace)
            return
        if namespace is not None:
            yield from by_ns.get(namespace, {}).values()
            return
        for names in by_ns.values():
            yield from names.values()

    @staticmethod
    def _iter_unpacked(by_ns: dict, namespace: str | None) -> Iterator[dict]:
        groups = (by_ns.get(namespace, {}),) if namespace is not None else by_ns.values()
        for names in groups:
            for obj in names.values():
                yield obj if type(obj) is dict else obj.unpack()

    def count(self, kind: str) -> int:
        return self.counts.get(kind, 0)

    def namespaces_of(self, kind: str) -> list[str]:
        return [ns for ns, names in self.objects.get(kind, {}).items() if names]

    def pods_on(self, node_name: str) -> Iterator[dict]:
        yield from self.pods_by_node.get(node_name, {}).values()

    def dependents_of(self, uid: str) -> list[dict]:
        found = []
        for kind, ns, name in sorted(self.dependents.get(uid, ())):
            obj = self.get(kind, ns, name)
            if obj is not None:
                found.append(obj)
        return found

    # Writes ----------------------------------------------------------------

    def next_revision(self) -> int:
        return self.revision + 1

    def put(self, kind: str, obj: dict, event_type: str) -> dict:
        """Store obj (whose resourceVersion the caller set to next_revision())."""
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        self.revision = int(meta["resourceVersion"])
        names = self.objects.setdefault(kind, {}).setdefault(namespace, {})
        old = names.get(name)
        if kind == "Pod":
            self._share_parts(obj, old)
        codec = PACKED.get(kind)
        if codec is not None:
            packed = codec[0](obj)
            names[name] = obj if packed is None else packed
            if old is not None and type(old) is not dict:
                old = old.unpack()
        else:
            names[name] = obj
        if old is None:
            self.counts[kind] = self.counts.get(kind, 0) + 1
        self._index(kind, old, obj)
        self._record(event_type, kind, obj, old)
        return obj

    def _share_parts(self, obj: dict, old: dict | None) -> None:
        """Pods share equal parts with other pods' (util.Sharer): a ReplicaSet's pods
        hold one copy of their tolerations, volume sources, container resources and
        probes, conditions. Only parts that repeat across pods are offered (not a pod's
        own names and addresses), and parts the previous version had are skipped.
        A write shares only what it brings: a value that is the very object the stored
        version held was offered when that version was stored (a status write keeps the
        spec's parts, a bind the spec's values)."""
        spec = obj.get("spec")
        before = old.get("spec") if old is not None else None
        if type(spec) is dict and before is not spec:
            self._share_values(spec, POD_SPEC_EACH, (), before if type(before) is dict else _NOTHING)
        status = obj.get("status")
        before = old.get("status") if old is not None else None
        if type(status) is dict and before is not status:
            self._share_values(
                status, POD_STATUS_EACH, ("podIP", "podIPs"), before if type(before) is dict else _NOTHING
            )

    def _share_values(
        self, parent: dict, each: dict[str, tuple[str, ...]], skip: tuple[str, ...], before: dict
    ) -> None:
        share = self.sharer.share
        kept = before.get
        for key, value in list(parent.items()):
            if type(value) is not dict and type(value) is not list:
                continue
            if key in skip or kept(key) is value:
                continue
            if key in each:  # a list of per-item dicts: share their values (not the items)
                if type(value) is list:
                    item_skip = each[key]
                    items = kept(key)
                    known = {id(item) for item in items} if type(items) is list else ()
                    for item in value:
                        if type(item) is dict and id(item) not in known:
                            self._share_values(item, _NOTHING, item_skip, _NOTHING)
                continue
            shared = share(value)
            if shared is not value:
                parent[key] = shared

    def remove(self, kind: str, obj: dict) -> None:
        """Delete obj; the DELETED event carries it with a fresh resourceVersion."""
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        names = self.objects.get(kind, {}).get(namespace, {})
        old = names.pop(name, None)
        if old is None:
            return
        if type(old) is not dict:
            old = old.unpack()
        self.counts[kind] -= 1
        rev = self.next_revision()
        self.revision = rev
        final = {**old, "metadata": {**old["metadata"], "resourceVersion": str(rev)}}
        self._index(kind, old, None)
        self._record("DELETED", kind, final, old)

    def _index(self, kind: str, old: dict | None, new: dict | None) -> None:
        if kind == "Pod":
            old_node = (old.get("spec") or {}).get("nodeName") if old else None
            new_node = (new.get("spec") or {}).get("nodeName") if new else None
            ref = old or new
            key = (ref["metadata"].get("namespace", ""), ref["metadata"]["name"])
            if old_node and old_node != new_node:
                self.pods_by_node.get(old_node, {}).pop(key, None)
            if new_node:
                self.pods_by_node.setdefault(new_node, {})[key] = new
        old_owners = _owner_uids(old)
        new_owners = _owner_uids(new)
        if old_owners or new_owners:
            ref = new or old
            entry = (kind, ref["metadata"].get("namespace", ""), ref["metadata"]["name"])
            for uid in old_owners - new_owners:
                bucket = self.dependents.get(uid)
                if bucket is not None:
                    bucket.discard(entry)
                    if not bucket:
                        del self.dependents[uid]
            for uid in new_owners - old_owners:
                self.dependents.setdefault(uid, set()).add(entry)

    def _record(self, event_type: str, kind: str, obj: dict, old: dict | None) -> None:
        self.history.append((self.revision, event_type, kind, obj))
        while len(self.history) > self.history_limit:
            rev, *_ = self.history.popleft()
            self.oldest_watchable = rev
        for listener in self.listeners:
            listener(event_type, kind, old, obj if event_type != "DELETED" else None)

    # Watch -----------------------------------------------------------------

    def events_since(self, resource_version: int) -> Iterator[tuple[int, str, str, dict]]:
        """Changes after resource_version; 410 Expired when it is older than history."""
        if resource_version < self.oldest_watchable:
            raise expired(f"too old resource version: {resource_version} ({self.oldest_watchable + 1})")
        wanted = [e[3].digest for e in self.history if e[0] > resource_version and type(e[3]) is Deferred]
        if wanted:
            self._fetch_deferred(wanted, resource_version)
        for entry in self.history:
            if entry[0] > resource_version:
                yield entry

    def _fetch_deferred(self, digests: list[str], resource_version: int) -> None:
        found = self.fetch(digests) if self.fetch is not None else {}
        if any(digest not in found for digest in digests):
            # Gone from where it was kept: compacted after this state was read.
            raise expired(f"too old resource version: {resource_version} ({self.revision})")
        self.history = deque(
            (rev, etype, kind, found.get(obj.digest, obj) if type(obj) is Deferred else obj)
            for rev, etype, kind, obj in self.history
        )

    # Serialisation ---------------------------------------------------------

    def _is_current(self, kind: str, obj: dict) -> bool:
        """Whether obj (a history entry) is the stored object: the same dict, or for a
        packed one, the same version (every put has a new resourceVersion)."""
        meta = obj["metadata"]
        current = self.objects.get(kind, {}).get(meta.get("namespace", ""), {}).get(meta["name"])
        if current is obj:
            return True
        return (
            current is not None
            and type(current) is not dict
            and current.rv == meta.get("resourceVersion")
            and type(current.rv) is str
        )

    def to_dict(self) -> dict:
        return {
            "revision": self.revision,
            "historyLimit": self.history_limit,
            "oldestWatchable": self.oldest_watchable,
            "objects": {
                kind: [
                    obj if type(obj) is dict else obj.unpack()
                    for names in by_ns.values()
                    for obj in names.values()
                ]
                for kind, by_ns in self.objects.items()
            },
            # A history entry that is still the current object is saved as a reference;
            # a Deferred one as its digest.
            "history": [
                [rev, etype, kind, obj.namespace, obj.name, obj.digest]
                if type(obj) is Deferred
                else [
                    rev,
                    etype,
                    kind,
                    obj["metadata"].get("namespace", ""),
                    obj["metadata"]["name"],
                    None if self._is_current(kind, obj) else obj,
                ]
                for rev, etype, kind, obj in self.history
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Store:
        store = cls(history_limit=data["historyLimit"])
        for kind, objects in data["objects"].items():
            by_ns = store.objects.setdefault(kind, {})
            # Loaded objects stay dicts (a saved state is learner-sized: packing it and
            # unpacking it again would cost more than it saves); new Events are packed.
            for obj in objects:
                meta = obj["metadata"]
                by_ns.setdefault(meta.get("namespace", ""), {})[meta["name"]] = obj
                store.counts[kind] = store.counts.get(kind, 0) + 1
                store._index(kind, None, obj)
        store.revision = data["revision"]
        store.oldest_watchable = data["oldestWatchable"]
        store.history = deque(
            (rev, etype, kind, _history_object(store, kind, ns, name, obj))
            for rev, etype, kind, ns, name, obj in data["history"]
        )
        return store


def _history_object(store: Store, kind: str, namespace: str, name: str, saved) -> dict | Deferred:
    if saved is None:
        return store.get(kind, namespace, name)
    if type(saved) is str:
        return Deferred(namespace, name, saved)
    return saved


def _owner_uids(obj: dict | None) -> set[str]:
    if not obj:
        return set()
    refs = obj["metadata"].get("ownerReferences")
    if not refs:
        return set()
    return {ref["uid"] for ref in refs if "uid" in ref}
