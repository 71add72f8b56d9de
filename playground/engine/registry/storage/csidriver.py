"""storage.k8s.io/v1 CSIDriver: how Kubernetes talks to one CSI storage driver.

SetDefaults_CSIDriver (pkg/apis/storage/v1/defaults.go): attachRequired true,
podInfoOnMount, requiresRepublish, storageCapacity and seLinuxMount false, fsGroupPolicy
ReadWriteOnceWithFSType, volumeLifecycleModes [Persistent]; attachRequired is immutable
(ValidateCSIDriverUpdate); kubectl's columns as printCSIDriver."""

from playground.engine.errors import invalid, required, unsupported
from playground.engine.printers import age
from playground.engine.registry.base import Strategy, register

FS_GROUP_POLICIES = ["File", "None", "ReadWriteOnceWithFSType"]
MODES = ["Ephemeral", "Persistent"]


def _default(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("attachRequired", True)
    spec.setdefault("podInfoOnMount", False)
    spec.setdefault("requiresRepublish", False)
    spec.setdefault("storageCapacity", False)
    spec.setdefault("seLinuxMount", False)
    spec.setdefault("fsGroupPolicy", "ReadWriteOnceWithFSType")
    spec.setdefault("volumeLifecycleModes", ["Persistent"])


def _validate(obj: dict) -> list:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    errors = []
    if spec.get("fsGroupPolicy") not in FS_GROUP_POLICIES:
        errors.append(unsupported("spec.fsGroupPolicy", spec.get("fsGroupPolicy"), FS_GROUP_POLICIES))
    for index, mode in enumerate(spec.get("volumeLifecycleModes") or []):
        if mode not in MODES:
            errors.append(unsupported(f"spec.volumeLifecycleModes[{index}]", mode, MODES))
    return errors


def _immutable(new: dict, old: dict) -> list:
    errors = []
    for field in ("attachRequired",):
        value = (new.get("spec") or {}).get(field)
        if value != (old.get("spec") or {}).get(field):
            errors.append(invalid(f"spec.{field}", value, "field is immutable"))
    return errors


def _flag(spec: dict, name: str, default: bool) -> str:
    value = spec.get(name)
    return str(default if value is None else bool(value)).lower()


def printer(obj: dict, now: float) -> list[str]:
    spec = obj.get("spec") or {}
    requests = spec.get("tokenRequests")
    return [
        obj["metadata"].get("name", ""),
        _flag(spec, "attachRequired", True),
        _flag(spec, "podInfoOnMount", False),
        _flag(spec, "storageCapacity", False),
        "<unset>" if requests is None else ",".join(r.get("audience", "") for r in requests),
        _flag(spec, "requiresRepublish", False),
        ",".join(spec.get("volumeLifecycleModes") or []) or "<none>",
        age(obj, now),
    ]


register(
    Strategy(
        kind="CSIDriver",
        group="storage.k8s.io",
        version="v1",
        plural="csidrivers",
        namespaced=False,
        has_status=False,
        defaulter=_default,
        validator=_validate,
        update_validator=_immutable,
        columns=(
            "NAME",
            "ATTACHREQUIRED",
            "PODINFOONMOUNT",
            "STORAGECAPACITY",
            "TOKENREQUESTS",
            "REQUIRESREPUBLISH",
            "MODES",
            "AGE",
        ),
        printer=printer,
        counterpart="a storage provider (VASA provider)",
    )
)
