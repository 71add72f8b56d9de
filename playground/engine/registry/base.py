"""Strategy and Registry: what one kind means to the API server, and where kinds are found.

A :class:`Strategy` is upstream's pkg/registry/<group>/<resource>/strategy.go for one
kind, plus what the other parts of the API server read per kind: its names and scope
(discovery), defaulting and validation, what an update may not change and what it
resets, whether ``metadata.generation`` follows the spec, the Table columns and row
(``kubectl get``, ``-o wide``), the top-level protobuf message, and the vSphere
counterpart the pages show. A Strategy *is* a :class:`~playground.engine.kinds.ResourceType`,
so code that takes a ResourceType takes a Strategy.

Registries
----------
``BUILTIN`` holds the kinds every sandbox serves; the files next to this one fill it
at import (one ``register(Strategy(...))`` per kind). A cluster does not use BUILTIN
directly but an *overlay* of it (``cluster.api.registry``, made by
``BUILTIN.overlay()``): lookups fall through to BUILTIN, and a kind registered on the
overlay (a CustomResourceDefinition's kind) is served by that one cluster only::

    registry = cluster.api.registry              # Registry(parent=BUILTIN)
    registry.register(Strategy(kind="Widget", group="example.com", version="v1",
                               plural="widgets", namespaced=True, ...))
    registry.get("Widget")                       # Strategy | None
    registry["Widget"]                           # Strategy, KeyError if absent
    registry.resolve("widgets")                  # Kind, plural, singular, short name, plural.group
    registry.lookup("example.com", "v1", "widgets")  # by group, version, resource (the URL path)
    list(registry)                               # BUILTIN's kinds, then the overlay's
    registry.unregister("Widget")                # the CRD is deleted
    registry.revision                            # bumps on every change here or in a parent

An overlay is not serialized with the cluster: whoever registers kinds at run time
(the CRD controller) re-registers them from the stored objects after
``Cluster.from_dict``. A kind, a plural or a short name already known (here or in a
parent) is refused with ValueError rather than shadowed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from playground.engine.kinds import ResourceType

Defaulter = Callable[[dict], None]
Validator = Callable[[dict], list]
UpdateValidator = Callable[[dict, dict], list]  # (new, old)
Printer = Callable[[dict, float], list]  # (obj, now) → every cell, the -o wide ones included


def no_defaults(obj: dict) -> None:
    """The kind has no SetDefaults_ function upstream."""


def no_validation(obj: dict) -> list:
    """The kind has no checks beyond the object metadata's."""
    return []


@dataclass(frozen=True, kw_only=True)
class Strategy(ResourceType):
    """One kind: names, scope, defaulting, validation, update rules, printing, counterpart.

    Required (a kind without one of these does not construct):
      defaulter(obj)        fills defaults in place (``no_defaults`` when upstream has none)
      validator(obj)        the kind's FieldErrors; metadata is checked for every kind
                            (``no_validation`` when the metadata checks are all)
      columns               the Table columns ``kubectl get`` prints
      printer(obj, now)     one row's cells: ``columns`` then ``wide_columns``
      counterpart           the vSphere counterpart the pages show, or None for none
    """

    defaulter: Defaulter = field(compare=False)
    validator: Validator = field(compare=False)
    columns: tuple[str, ...]
    printer: Printer = field(compare=False)
    counterpart: str | None
    wide_columns: tuple[str, ...] = ()
    # ValidateUpdate beyond validate(): what an update may not change.
    update_validator: UpdateValidator | None = field(default=None, compare=False)
    # metadata.name must be a DNS-1123 label (Namespace, Service) rather than a subdomain.
    label_name: bool = False
    # metadata.generation starts at 1 and bumps when anything but metadata and status changes.
    generation: bool = False
    # PrepareForCreate: the status a new object starts with (after the incoming one is dropped).
    initial_status: Callable[[dict], None] | None = field(default=None, compare=False)
    # A status sent on create is kept (a Node registers with its status).
    create_keeps_status: bool = False
    # PrepareForCreate once the uid is known (the Job's generated selector).
    after_uid: Callable[[dict], None] | None = field(default=None, compare=False)
    # spec fields admission set on create that an update omitting them keeps (keep_admitted).
    spec_kept_on_update: tuple[str, ...] = ()
    # Quantities the decoder parses (a malformed one is a 400, not a 422).
    quantities: Callable[[dict], Iterable] | None = field(default=None, compare=False)
    # Writable subresources beyond status, each with its own strategy (the pod's
    # ``resize``): (object sent, stored object) -> (object to store, FieldErrors).
    subresource_updates: Mapping[str, Callable[[dict, dict], tuple[dict, list]]] = field(
        default_factory=dict, compare=False
    )
    # The name of the kind's top-level message in playground.kubeapi.protobuf.MESSAGES
    # (its field numbers are there); None: a protobuf body of this kind is refused (415).
    protobuf: str | None = None

    @property
    def resource(self) -> str:
        return self.plural

    @property
    def scope(self) -> str:
        return "Namespaced" if self.namespaced else "Cluster"

    # The strategy's verbs ----------------------------------------------------------

    def default(self, obj: dict) -> None:
        self.defaulter(obj)

    def validate(self, obj: dict) -> list:
        from playground.engine.validation import metadata_errors

        return metadata_errors(obj, label_name=self.label_name) + self.validator(obj)

    def validate_update(self, new: dict, old: dict) -> list:
        """validate(new) and what the update may not change."""
        errors = self.validate(new)
        if self.update_validator is not None:
            errors += self.update_validator(new, old)
        return errors

    def prepare_for_create(self, obj: dict) -> None:
        """Status is the server's: dropped on create, then the kind's initial status."""
        if self.has_status and not self.create_keeps_status:
            obj.pop("status", None)
        if self.initial_status is not None:
            self.initial_status(obj)

    def prepare_for_update(self, new: dict, old: dict) -> None:
        """An update of the main resource cannot change status: it is reset from the old object."""
        if self.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)

    def keep_admitted(self, new: dict, old: dict) -> None:
        """After validation: spec fields admission set on create survive an update that omits them."""
        new_spec, old_spec = new.get("spec"), old.get("spec")
        if isinstance(new_spec, dict) and isinstance(old_spec, dict):
            for key in self.spec_kept_on_update:
                if key in old_spec and key not in new_spec:
                    new_spec[key] = old_spec[key]

    def status_update(self, obj: dict, old: dict) -> dict:
        """An update through /status changes status only: everything else is reset from the old object."""
        return {**old, "status": obj.get("status", {}), "metadata": {**old["metadata"]}}

    def next_generation(self, new: dict, old: dict | None) -> int | None:
        """metadata.generation for a stored version: None when the kind does not track it."""
        if not self.generation:
            return None
        if old is None:
            return 1
        old_gen = old["metadata"].get("generation", 1)
        ignored = ("metadata", "status", "apiVersion", "kind")
        changed = any(new.get(k) != old.get(k) for k in new if k not in ignored) or any(
            k not in new for k in old if k not in ignored
        )
        return old_gen + 1 if changed else old_gen

    def table_columns(self, wide: bool = False) -> list[str]:
        return [*self.columns, *self.wide_columns] if wide else list(self.columns)

    def row(self, obj: dict, now: float, wide: bool = False) -> list[str]:
        cells = list(self.printer(obj, now))
        return cells if wide else cells[: len(self.columns)]


class Registry:
    """Kinds by name; an overlay (``parent`` set) adds kinds to one cluster only."""

    def __init__(self, parent: Registry | None = None):
        self.parent = parent
        self._kinds: dict[str, Strategy] = {}
        self._names: dict[str, Strategy] = {}
        self._own_revision = 0

    def overlay(self) -> Registry:
        return Registry(parent=self)

    @property
    def revision(self) -> int:
        return self._own_revision + (self.parent.revision if self.parent else 0)

    @staticmethod
    def names(strategy: ResourceType) -> tuple[str, ...]:
        """Every name kubectl accepts for a kind, lowercased."""
        names = (
            strategy.kind,
            strategy.singular,
            strategy.plural,
            strategy.qualified_plural,
            *strategy.short_names,
        )
        return tuple(dict.fromkeys(name.lower() for name in names))

    def register(self, strategy: Strategy) -> Strategy:
        if not isinstance(strategy, Strategy):
            raise TypeError(f"register() takes a Strategy, not {type(strategy).__name__}")
        if self.get(strategy.kind) is not None:
            raise ValueError(f"kind {strategy.kind} is already registered")
        for name in self.names(strategy):
            taken = self.resolve(name)
            if taken is not None:
                raise ValueError(f"{name!r} already names {taken.kind}")
        self._kinds[strategy.kind] = strategy
        for name in self.names(strategy):
            self._names.setdefault(name, strategy)
        self._own_revision += 1
        return strategy

    def unregister(self, kind: str) -> Strategy:
        strategy = self._kinds.pop(kind)  # KeyError: not registered here (a parent's stays)
        self._names = {name: s for name, s in self._names.items() if s is not strategy}
        self._own_revision += 1
        return strategy

    def get(self, kind: str) -> Strategy | None:
        found = self._kinds.get(kind)
        if found is None and self.parent is not None:
            return self.parent.get(kind)
        return found

    def __getitem__(self, kind: str) -> Strategy:
        found = self.get(kind)
        if found is None:
            raise KeyError(kind)
        return found

    def __contains__(self, kind: object) -> bool:
        return isinstance(kind, str) and self.get(kind) is not None

    def __iter__(self) -> Iterator[Strategy]:
        if self.parent is not None:
            yield from self.parent
        yield from self._kinds.values()

    def __len__(self) -> int:
        return len(self._kinds) + (len(self.parent) if self.parent else 0)

    def resolve(self, name: str) -> Strategy | None:
        """A kind from any name kubectl accepts: Kind, plural, singular, short name, plural.group."""
        if self.parent is not None:
            found = self.parent.resolve(name)
            if found is not None:
                return found
        return self._names.get(name.lower())

    def lookup(self, group: str, version: str, plural: str) -> Strategy | None:
        """The kind served at /apis/<group>/<version>/<plural> (or /api/v1/<plural>)."""
        for strategy in self:
            if (strategy.group, strategy.version, strategy.plural) == (group, version, plural):
                return strategy
        return None

    def by_kind(self) -> KindMap:
        return KindMap(self)

    def types(self) -> TypeList:
        return TypeList(self)


class KindMap(Mapping):
    """A live read-only ``{kind: Strategy}`` view of a registry (``kinds.BY_KIND``)."""

    def __init__(self, registry: Registry):
        self._registry = registry

    def __getitem__(self, kind: str) -> Strategy:
        return self._registry[kind]

    def __contains__(self, kind: object) -> bool:
        return kind in self._registry

    def __iter__(self) -> Iterator[str]:
        return (s.kind for s in self._registry)

    def __len__(self) -> int:
        return len(self._registry)


class TypeList(Sequence):
    """A live read-only list of a registry's kinds, in registration order (``kinds.TYPES``)."""

    def __init__(self, registry: Registry):
        self._registry = registry

    def __getitem__(self, index):
        return list(self._registry)[index]

    def __iter__(self) -> Iterator[Strategy]:
        return iter(self._registry)

    def __len__(self) -> int:
        return len(self._registry)


BUILTIN = Registry()


def register(strategy: Strategy) -> Strategy:
    """Add a built-in kind (every sandbox serves it)."""
    return BUILTIN.register(strategy)
