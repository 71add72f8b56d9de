"""v1 PersistentVolumeClaim: a VMDK request."""

from playground.engine import defaults, quantity, validation
from playground.engine.errors import forbidden_field, invalid, required
from playground.engine.printers import age, pvc_cells
from playground.engine.registry.base import Strategy, register
from playground.engine.registry.common import claim_quantities

IMMUTABLE = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"


def _storage(resources) -> str | None:
    return ((resources or {}).get("requests") or {}).get("storage")


def update_rules(new: dict, old: dict) -> list:
    """ValidatePersistentVolumeClaimUpdate: a claim's spec is frozen but for its storage request
    (bound claims only), volumeAttributesClassName, a volumeName set once and a storageClassName
    set where there was none (retroactive default class). With RecoverVolumeExpansionFailure (GA
    in 1.34) the request may go down again, but never to status.capacity or below."""
    old_spec, new_spec = dict(old.get("spec") or {}), dict(new.get("spec") or {})
    bound = (old.get("status") or {}).get("phase") == "Bound"
    frozen_old, frozen_new = dict(old_spec), dict(new_spec)
    for spec in (frozen_old, frozen_new):
        spec.pop("volumeAttributesClassName", None)
        if not old_spec.get("volumeName"):
            spec.pop("volumeName", None)
        if old_spec.get("storageClassName") is None:
            spec.pop("storageClassName", None)
    if bound:
        # Only the storage request may change, compared as quantities ("1Gi" == "1024Mi").
        for spec in (frozen_old, frozen_new):
            resources = dict(spec.get("resources") or {})
            requests = dict(resources.get("requests") or {})
            requests.pop("storage", None)
            resources["requests"] = requests
            spec["resources"] = resources
    elif _storage(old_spec.get("resources")) is not None and _storage(new_spec.get("resources")) is not None:
        same = quantity.parse(_storage(old_spec["resources"])) == quantity.parse(
            _storage(new_spec["resources"])
        )
        if same:
            frozen_new["resources"] = frozen_old.get("resources")
    if frozen_old != frozen_new:
        return [forbidden_field("spec", IMMUTABLE)]
    was, now = _storage(old_spec.get("resources")), _storage(new_spec.get("resources"))
    if bound and was and now and quantity.parse(now) < quantity.parse(was):
        capacity = ((old.get("status") or {}).get("capacity") or {}).get("storage")
        if capacity and quantity.parse(now) <= quantity.parse(capacity):
            return [
                forbidden_field(
                    "spec.resources.requests.storage", "field can not be less than status.capacity"
                )
            ]
    return []


def initial_status(obj: dict) -> None:
    obj["status"] = {"phase": "Pending"}


def default(obj: dict) -> None:
    """SetDefaults, then what PrepareForCreate does before validation: the two data source
    fields name the same source (normalizeDataSources copies each into the other)."""
    defaults.pvc(obj)
    spec = obj.get("spec")
    if isinstance(spec, dict):
        source, ref = spec.get("dataSource"), spec.get("dataSourceRef")
        if isinstance(source, dict) and ref is None:
            spec["dataSourceRef"] = dict(source)
        elif isinstance(ref, dict) and source is None and not ref.get("namespace"):
            spec["dataSource"] = {k: v for k, v in ref.items() if k != "namespace"}


def _data_source_errors(spec: dict) -> list:
    """validateDataSource / validateDataSourceRef: a source in the core group can only be a claim."""
    errors = []
    for key in ("dataSource", "dataSourceRef"):
        source = spec.get(key)
        if not isinstance(source, dict):
            continue
        if not source.get("name"):
            errors.append(required(f"spec.{key}.name"))
        if not source.get("kind"):
            errors.append(required(f"spec.{key}.kind"))
        elif not source.get("apiGroup") and source["kind"] != "PersistentVolumeClaim":
            errors.append(
                invalid(
                    f"spec.{key}",
                    source["kind"],
                    "must be 'PersistentVolumeClaim' when referencing the default apiGroup",
                )
            )
    source, ref = spec.get("dataSource"), spec.get("dataSourceRef")
    if isinstance(source, dict) and isinstance(ref, dict) and not ref.get("namespace"):
        if {k: v for k, v in ref.items() if k != "namespace"} != source:
            errors.append(invalid("spec.dataSource", source, "must match dataSourceRef"))
    return errors


def validate(obj: dict) -> list:
    spec = obj.get("spec")
    return validation.pvc(obj) + (_data_source_errors(spec) if isinstance(spec, dict) else [])


def printer(obj: dict, now: float) -> list[str]:
    spec = obj.get("spec") or {}
    phase, volume, capacity, modes = pvc_cells(obj)
    return [
        obj["metadata"].get("name", ""),
        phase,
        volume,
        capacity,
        modes,
        spec.get("storageClassName") or "",
        "<unset>",
        age(obj, now),
        spec.get("volumeMode", "Filesystem"),
    ]


register(
    Strategy(
        kind="PersistentVolumeClaim",
        quantities=claim_quantities,
        group="",
        version="v1",
        plural="persistentvolumeclaims",
        namespaced=True,
        short_names=("pvc",),
        subresources=("status",),
        defaulter=default,
        validator=validate,
        update_validator=update_rules,
        initial_status=initial_status,
        columns=(
            "NAME",
            "STATUS",
            "VOLUME",
            "CAPACITY",
            "ACCESS MODES",
            "STORAGECLASS",
            "VOLUMEATTRIBUTESCLASS",
            "AGE",
        ),
        wide_columns=("VOLUMEMODE",),
        printer=printer,
        counterpart="VMDK request",
    )
)
