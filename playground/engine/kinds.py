"""The resource types the engine serves, named as the API server names them.

ResourceType is the public face of a kind (names, scope, subresources, verbs); each
registered kind is a playground.engine.registry.Strategy, a ResourceType with the rest
of what the kind means.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ResourceType:
    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    has_status: bool = True
    verbs: tuple[str, ...] = field(
        default=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
    )

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified_plural(self) -> str:
        """'deployments.apps', or 'pods' for the core group, as in error messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """'Deployment.apps', or 'Pod' for the core group, as in 'is invalid' messages."""
        return f"{self.kind}.{self.group}" if self.group else self.kind

    @property
    def singular(self) -> str:
        return self.kind.lower()


# The kinds themselves live in playground.engine.registry, one Strategy per kind; TYPES,
# BY_KIND and resolve() are the built-in registry's live views, loaded on first use
# (the registry's files import modules that import this one).


def __getattr__(name: str):
    if name == "TYPES":
        from playground.engine.registry import BUILTIN

        return BUILTIN.types()
    if name == "BY_KIND":
        from playground.engine.registry import BUILTIN

        return BUILTIN.by_kind()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def resolve(name: str, registry=None) -> ResourceType | None:
    """A resource type from any name kubectl accepts: Kind, plural, singular, short name.

    ``registry`` is a cluster's (``cluster.api.registry``, which knows its custom
    resources); without it, the built-in kinds.
    """
    if registry is None:
        from playground.engine.registry import BUILTIN as registry
    return registry.resolve(name)
