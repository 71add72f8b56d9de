"""apiextensions.k8s.io/v1 CustomResourceDefinition: a new kind for this cluster only.

Defaulting and validation are upstream's (apiextensions-apiserver pkg/apis/apiextensions
v1 defaults and validation, pkg/registry/customresourcedefinition/strategy.go); the CRD
controller (controllers/crd.py) accepts the names, registers the kind and sets
Established. A CRD being deleted gets the customresourcecleanup finalizer first, so its
custom resources go before it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playground.engine import crd as structural
from playground.engine.errors import FieldError, invalid, required, unsupported
from playground.engine.registry.base import Strategy, register
from playground.engine.util import rfc3339

CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"

DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"]
COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]


def _dns1035(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append("must be no more than 63 characters")
    if not DNS1035.match(value):
        errors.append(DNS1035_MSG)
    return errors


def defaulter(obj: dict) -> None:
    """SetDefaults_CustomResourceDefinitionSpec: singular, listKind, conversion None."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    names = spec.get("names")
    if isinstance(names, dict) and names.get("kind"):
        names.setdefault("singular", str(names["kind"]).lower())
        names.setdefault("listKind", f"{names['kind']}List")
    spec.setdefault("conversion", {"strategy": "None"})


def _names_errors(names: dict, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    plural = names.get("plural") or ""
    if not plural:
        errors.append(required(f"{path}.plural", ""))
    elif _dns1035(plural):
        errors.append(invalid(f"{path}.plural", plural, ",".join(_dns1035(plural))))
    singular = names.get("singular") or ""
    if singular and _dns1035(singular):
        errors.append(invalid(f"{path}.singular", singular, ",".join(_dns1035(singular))))
    kind = names.get("kind") or ""
    if not kind:
        errors.append(required(f"{path}.kind", ""))
    elif _dns1035(kind.lower()):
        errors.append(
            invalid(
                f"{path}.kind",
                kind,
                "may have mixed case, but should otherwise match: " + ",".join(_dns1035(kind.lower())),
            )
        )
    list_kind = names.get("listKind") or ""
    if not list_kind:
        errors.append(required(f"{path}.listKind", ""))
    elif _dns1035(list_kind.lower()):
        errors.append(
            invalid(
                f"{path}.listKind",
                list_kind,
                "may have mixed case, but should otherwise match: " + ",".join(_dns1035(list_kind.lower())),
            )
        )
    elif kind and kind == list_kind:
        errors.append(invalid(f"{path}.listKind", list_kind, "kind and listKind may not be the same"))
    for key in ("shortNames", "categories"):
        for index, value in enumerate(names.get(key) or []):
            if not isinstance(value, str) or _dns1035(value):
                errors.append(invalid(f"{path}.{key}[{index}]", value, ",".join(_dns1035(str(value)))))
    return errors


def _version_errors(version: dict, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    name = version.get("name") or ""
    if not name:
        errors.append(required(f"{path}.name", ""))
    elif _dns1035(name):
        errors.append(invalid(f"{path}.name", name, ",".join(_dns1035(name))))
    schema = (version.get("schema") or {}).get("openAPIV3Schema")
    schema_path = f"{path}.schema.openAPIV3Schema"
    if not isinstance(schema, dict):
        errors.append(required(schema_path, "schemas are required"))
    else:
        errors += structural.structural_errors(schema, schema_path)
    subresources = version.get("subresources") or {}
    scale = subresources.get("scale")
    if isinstance(scale, dict):
        scale_path = f"{path}.subresources.scale"
        spec_path = scale.get("specReplicasPath") or ""
        if not spec_path:
            errors.append(required(f"{scale_path}.specReplicasPath", ""))
        elif not spec_path.startswith(".spec.") or not structural.valid_jsonpath(spec_path):
            errors.append(
                invalid(f"{scale_path}.specReplicasPath", spec_path, "should be a json path under .spec")
            )
        status_path = scale.get("statusReplicasPath") or ""
        if not status_path:
            errors.append(required(f"{scale_path}.statusReplicasPath", ""))
        elif not status_path.startswith(".status.") or not structural.valid_jsonpath(status_path):
            errors.append(
                invalid(
                    f"{scale_path}.statusReplicasPath", status_path, "should be a json path under .status"
                )
            )
        selector_path = scale.get("labelSelectorPath")
        if selector_path and not selector_path.startswith((".spec.", ".status.")):
            errors.append(
                invalid(
                    f"{scale_path}.labelSelectorPath",
                    selector_path,
                    "should be a json path under either .spec or .status",
                )
            )
    for index, column in enumerate(version.get("additionalPrinterColumns") or []):
        column_path = f"{path}.additionalPrinterColumns[{index}]"
        if not isinstance(column, dict):
            errors.append(required(column_path, ""))
            continue
        if not column.get("name"):
            errors.append(required(f"{column_path}.name", ""))
        if column.get("type") not in COLUMN_TYPES:
            if not column.get("type"):
                errors.append(required(f"{column_path}.type", ""))
            else:
                errors.append(unsupported(f"{column_path}.type", column.get("type"), COLUMN_TYPES))
        if column.get("format") and column["format"] not in COLUMN_FORMATS:
            errors.append(unsupported(f"{column_path}.format", column["format"], COLUMN_FORMATS))
        if not column.get("jsonPath"):
            errors.append(required(f"{column_path}.jsonPath", ""))
        elif not structural.valid_jsonpath(column["jsonPath"]):
            errors.append(
                invalid(f"{column_path}.jsonPath", column["jsonPath"], "must be a simple json path")
            )
        if isinstance(column.get("priority"), int) and column["priority"] < 0:
            errors.append(invalid(f"{column_path}.priority", column["priority"], "must be non-negative"))
    return errors


def _go_versions(versions: list) -> list:
    """The versions as the internal Go type marshals them (field names capitalised)."""
    shown = []
    for version in versions:
        if isinstance(version, dict):
            shown.append({key[:1].upper() + key[1:]: value for key, value in version.items()})
        else:
            shown.append(version)
    return shown


def validator(obj: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [required("spec", "")]
    names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
    group = spec.get("group") or ""
    name = (obj.get("metadata") or {}).get("name")
    if name and name != f"{names.get('plural', '')}.{group}":
        errors.append(invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group'))
    if not group:
        errors.append(required("spec.group", ""))
    elif len(group) > 253 or not DNS1123_SUBDOMAIN.match(group):
        errors.append(invalid("spec.group", group, SUBDOMAIN_MSG))
    elif "." not in group:
        errors.append(invalid("spec.group", group, "should be a domain with at least one dot"))
    scope = spec.get("scope") or ""
    if not scope:
        errors.append(required("spec.scope", ""))
    elif scope not in ("Cluster", "Namespaced"):
        errors.append(unsupported("spec.scope", scope, ["Cluster", "Namespaced"]))
    versions = [v for v in (spec.get("versions") or []) if isinstance(v, dict)]
    if not versions:
        errors.append(required("spec.versions", "must have at least one version"))
    seen: set[str] = set()
    storage = 0
    for index, version in enumerate(versions):
        errors += _version_errors(version, f"spec.versions[{index}]")
        if version.get("storage"):
            storage += 1
        if version.get("name") in seen:
            errors.append(
                invalid("spec.versions", _go_versions(versions), "must contain unique version names")
            )
        seen.add(version.get("name"))
    if versions and storage != 1:
        errors.append(
            invalid(
                "spec.versions",
                _go_versions(versions),
                "must have exactly one version marked as storage version",
            )
        )
    if versions and not any(v.get("served") for v in versions):
        errors.append(
            invalid("spec.versions", _go_versions(versions), "must have at least one served version")
        )
    errors += _names_errors(names, "spec.names")
    strategy = (spec.get("conversion") or {}).get("strategy", "None")
    if strategy not in ("None", "Webhook"):
        errors.append(unsupported("spec.conversion.strategy", strategy, ["None", "Webhook"]))
    return errors


def update_validator(new: dict, old: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    for key in ("group", "scope"):
        if new_spec.get(key) != old_spec.get(key):
            errors.append(invalid(f"spec.{key}", new_spec.get(key), "field is immutable"))
    stored = (old.get("status") or {}).get("storedVersions") or []
    names = {v.get("name") for v in new_spec.get("versions") or [] if isinstance(v, dict)}
    for index, version in enumerate(stored):
        if version not in names:
            errors.append(
                invalid(
                    f"status.storedVersions[{index}]",
                    version,
                    "must appear in spec.versions",
                )
            )
    return errors


def initial_status(obj: dict) -> None:
    storage = next(
        (v.get("name") for v in (obj.get("spec") or {}).get("versions") or [] if v.get("storage")), None
    )
    obj["status"] = {
        "acceptedNames": {"kind": "", "plural": ""},
        "conditions": [],
        "storedVersions": [storage] if storage else [],
    }


def printer(obj: dict, now: float) -> list[str]:
    from playground.engine.util import parse_time

    created = obj["metadata"].get("creationTimestamp")
    return [obj["metadata"].get("name", ""), rfc3339(parse_time(created)) if created else "<unknown>"]


@dataclass(frozen=True, kw_only=True)
class CustomResourceDefinitionStrategy(Strategy):
    # Added to a CRD's finalizers when it is deleted: its custom resources go first.
    delete_finalizers: tuple[str, ...] = (CLEANUP_FINALIZER,)


STRATEGY = register(
    CustomResourceDefinitionStrategy(
        kind="CustomResourceDefinition",
        group="apiextensions.k8s.io",
        version="v1",
        plural="customresourcedefinitions",
        namespaced=False,
        short_names=("crd", "crds"),
        categories=("api-extensions",),
        subresources=("status",),
        defaulter=defaulter,
        validator=validator,
        update_validator=update_validator,
        generation=True,
        initial_status=initial_status,
        columns=("NAME", "CREATED AT"),
        printer=printer,
        counterpart="a new object type vCenter learns (as a plug-in adds inventory types)",
    )
)
