"""The Strategy of a custom resource: a kind a CustomResourceDefinition adds to one cluster.

Built from the CRD by :func:`strategy_for` and registered on the cluster's overlay
(``cluster.api.registry``) by the CRD controller (controllers/crd.py). It is upstream's
customResourceStrategy (apiextensions-apiserver pkg/registry/customresource): structural
schema defaulting, pruning and validation; status and scale subresources; generation
bumps on spec changes only; apiVersion rewritten to the storage version (conversion
strategy None); Table columns from additionalPrinterColumns.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from playground.engine import crd as structural
from playground.engine.printers import age
from playground.engine.registry.base import Strategy
from playground.engine.selectors import format_selector
from playground.engine.util import deep_copy


def storage_version(crd: dict) -> str:
    for version in (crd.get("spec") or {}).get("versions") or []:
        if version.get("storage"):
            return version["name"]
    return ""


def _column_cell(obj: dict, column: dict, now: float) -> str:
    value = structural.jsonpath(obj, column.get("jsonPath", ""))
    if value is None:
        return "<none>"
    kind = column.get("type")
    if kind == "date" and isinstance(value, str):
        return age({"metadata": {"creationTimestamp": value}}, now)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, float) and value.is_integer() and kind == "integer":
        return str(int(value))
    return str(value)


def _printing(columns_spec: list[dict]):
    """(columns, wide_columns, printer) for a version's additionalPrinterColumns."""
    if not columns_spec:
        columns_spec = [{"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]
    narrow = [c for c in columns_spec if not c.get("priority")]
    wide = [c for c in columns_spec if c.get("priority")]

    def printer(obj: dict, now: float) -> list[str]:
        return [obj["metadata"].get("name", "")] + [_column_cell(obj, c, now) for c in narrow + wide]

    return (
        ("NAME", *(c["name"].upper() for c in narrow)),
        tuple(c["name"].upper() for c in wide),
        printer,
    )


@dataclass(frozen=True, kw_only=True)
class CustomResourceStrategy(Strategy):
    """A Strategy whose rules come from a CustomResourceDefinition."""

    crd_name: str = ""
    list_kind: str = ""
    served_versions: tuple[str, ...] = ()
    # version -> openAPIV3Schema, additionalPrinterColumns (compare=False: plain dicts)
    schemas: dict = field(default_factory=dict, compare=False)
    printer_columns: dict = field(default_factory=dict, compare=False)
    scale_paths: dict | None = field(default=None, compare=False)
    terminating: bool = False

    @property
    def api_versions(self) -> tuple[str, ...]:
        return tuple(f"{self.group}/{v}" for v in self.served_versions)

    @property
    def schema(self) -> dict:
        return self.schemas.get(self.version) or {}

    def served(self) -> list[CustomResourceStrategy]:
        """One strategy per served version, as discovery lists them (storage version first)."""
        found = [self]
        for version in self.served_versions:
            if version != self.version:
                columns, wide, printer = _printing(self.printer_columns.get(version) or [])
                found.append(
                    dataclasses.replace(
                        self, version=version, columns=columns, wide_columns=wide, printer=printer
                    )
                )
        return found

    # Decoding: unknown fields are pruned (and refused under fieldValidation=Strict).
    def unknown_fields(self, body: dict) -> list[str]:
        version = str(body.get("apiVersion", "")).rpartition("/")[2]
        return structural.unknown_fields(body, self.schemas.get(version) or self.schema)

    def default(self, obj: dict) -> None:
        """The defaults of the version the object was sent in; stored in the storage version."""
        version = str(obj.get("apiVersion", "")).rpartition("/")[2]
        structural.apply_defaults(obj, self.schemas.get(version) or self.schema)
        obj["apiVersion"] = self.api_version  # conversion strategy None

    def validate(self, obj: dict) -> list:
        from playground.engine.validation import metadata_errors

        return metadata_errors(obj) + structural.validate(obj, self.schema)

    def prepare_for_create(self, obj: dict) -> None:
        if self.terminating:
            from playground.engine.errors import ApiError

            raise ApiError(
                405, "MethodNotAllowed", "create not allowed while custom resource definition is terminating"
            )
        super().prepare_for_create(obj)

    def next_generation(self, new: dict, old: dict | None) -> int | None:
        if old is None:
            return 1
        old_gen = old["metadata"].get("generation", 1)
        ignored = {"metadata", "apiVersion", "kind"}
        if self.has_status:
            ignored.add("status")
        keys = (set(new) | set(old)) - ignored
        return old_gen + 1 if any(new.get(k) != old.get(k) for k in keys) else old_gen

    def status_update(self, obj: dict, old: dict) -> dict:
        new = {**old, "metadata": {**old["metadata"]}}
        if "status" in obj:
            new["status"] = obj["status"]
        else:
            new.pop("status", None)
        return new

    # The scale subresource -------------------------------------------------------------

    def scale_of(self, obj: dict) -> dict:
        paths = self.scale_paths or {}
        spec_replicas = structural.jsonpath(obj, paths.get("specReplicasPath", ".spec.replicas"))
        status_replicas = structural.jsonpath(obj, paths.get("statusReplicasPath", ".status.replicas"))
        status = {"replicas": status_replicas if isinstance(status_replicas, int) else 0}
        if paths.get("labelSelectorPath"):
            selector = structural.jsonpath(obj, paths["labelSelectorPath"])
            if isinstance(selector, str):
                status["selector"] = selector
            elif isinstance(selector, dict):
                status["selector"] = format_selector(selector)
        meta = obj["metadata"]
        scale_meta = {
            "name": meta["name"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        }
        if self.namespaced:
            scale_meta["namespace"] = meta.get("namespace", "")
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": scale_meta,
            "spec": {"replicas": spec_replicas if isinstance(spec_replicas, int) else 0},
            "status": status,
        }

    def with_replicas(self, obj: dict, replicas: int) -> dict:
        new = deep_copy(obj)
        path = (self.scale_paths or {}).get("specReplicasPath", ".spec.replicas")
        keys = [k for k in path.split(".") if k]
        node = new
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = replicas
        return new


def strategy_for(crd: dict) -> CustomResourceStrategy:
    """The Strategy of the kind a CRD defines, in its storage version."""
    spec = crd["spec"]
    names = spec["names"]
    versions = spec.get("versions") or []
    storage = storage_version(crd)
    current = next((v for v in versions if v.get("name") == storage), versions[0] if versions else {})
    subresources = current.get("subresources") or {}
    subs = []
    if "status" in subresources:
        subs.append("status")
    if "scale" in subresources:
        subs.append("scale")
    columns, wide, printer = _printing(current.get("additionalPrinterColumns") or [])
    kind = names["kind"]
    return CustomResourceStrategy(
        kind=kind,
        group=spec["group"],
        version=storage,
        plural=names["plural"],
        namespaced=spec.get("scope") == "Namespaced",
        short_names=tuple(names.get("shortNames") or ()),
        categories=tuple(names.get("categories") or ()),
        subresources=tuple(subs),
        has_status="status" in subresources,
        defaulter=lambda obj: None,
        validator=lambda obj: [],
        columns=columns,
        wide_columns=wide,
        printer=printer,
        counterpart=None,
        generation=True,
        crd_name=crd["metadata"]["name"],
        list_kind=names.get("listKind") or f"{kind}List",
        served_versions=tuple(v["name"] for v in versions if v.get("served")),
        schemas={v["name"]: ((v.get("schema") or {}).get("openAPIV3Schema") or {}) for v in versions},
        printer_columns={v["name"]: v.get("additionalPrinterColumns") or [] for v in versions},
        scale_paths=subresources.get("scale"),
    )


__all__ = ["CustomResourceStrategy", "storage_version", "strategy_for"]
