"""The store: etcd's part. Objects by kind, namespace and name; a global revision;
a bounded history of watch events.

Stored objects are shared, never copied: nothing may mutate a dict once it is in the
store. Writers build a new dict (shallow copies of the parts they change) and put it
back. This keeps reads free, which the scheduler and controllers depend on at scale.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from playground.engine.errors import expired

Key = tuple[str, str]  # (namespace, name); namespace is "" for cluster-scoped objects


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

    # Reads -----------------------------------------------------------------

    def get(self, kind: str, namespace: str, name: str) -> dict | None:
        return self.objects.get(kind, {}).get(namespace, {}).get(name)

    def iter(self, kind: str, namespace: str | None = None) -> Iterator[dict]:
        by_ns = self.objects.get(kind)
        if not by_ns:
            return
        if namespace is not None:
            yield from by_ns.get(namespace, {}).values()
            return
        for names in by_ns.values():
            yield from names.values()

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
        names[name] = obj
        if old is None:
            self.counts[kind] = self.counts.get(kind, 0) + 1
        self._index(kind, old, obj)
        self._record(event_type, kind, obj, old)
        return obj

    def remove(self, kind: str, obj: dict) -> None:
        """Delete obj; the DELETED event carries it with a fresh resourceVersion."""
        meta = obj["metadata"]
        namespace, name = meta.get("namespace", ""), meta["name"]
        names = self.objects.get(kind, {}).get(namespace, {})
        old = names.pop(name, None)
        if old is None:
            return
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
        for entry in self.history:
            if entry[0] > resource_version:
                yield entry

    # Serialisation ---------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "revision": self.revision,
            "historyLimit": self.history_limit,
            "oldestWatchable": self.oldest_watchable,
            "objects": {
                kind: [obj for names in by_ns.values() for obj in names.values()]
                for kind, by_ns in self.objects.items()
            },
            # A history entry that is still the current object is saved as a reference.
            "history": [
                [
                    rev,
                    etype,
                    kind,
                    obj["metadata"].get("namespace", ""),
                    obj["metadata"]["name"],
                    None
                    if self.get(kind, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]) is obj
                    else obj,
                ]
                for rev, etype, kind, obj in self.history
            ],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Store:
        store = cls(history_limit=data["historyLimit"])
        for kind, objects in data["objects"].items():
            by_ns = store.objects.setdefault(kind, {})
            for obj in objects:
                meta = obj["metadata"]
                by_ns.setdefault(meta.get("namespace", ""), {})[meta["name"]] = obj
                store.counts[kind] = store.counts.get(kind, 0) + 1
                store._index(kind, None, obj)
        store.revision = data["revision"]
        store.oldest_watchable = data["oldestWatchable"]
        store.history = deque(
            (rev, etype, kind, obj if obj is not None else store.get(kind, ns, name))
            for rev, etype, kind, ns, name, obj in data["history"]
        )
        return store


def _owner_uids(obj: dict | None) -> set[str]:
    if not obj:
        return set()
    refs = obj["metadata"].get("ownerReferences")
    if not refs:
        return set()
    return {ref["uid"] for ref in refs if "uid" in ref}
