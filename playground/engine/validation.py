"""Semantic validation: the rules kube-apiserver enforces after decoding, with its messages.

Each validator returns a list of FieldErrors; the API server turns a non-empty list
into one 422 Invalid error with a cause per field, as upstream does.
"""

from __future__ import annotations

import base64
import ipaddress
import re

from playground.engine import quantity
from playground.engine.errors import (
    FieldError,
    duplicate,
    forbidden_field,
    invalid,
    required,
    too_long,
    unsupported,
)
from playground.engine.selectors import compile_label_selector, matches

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")

INT32_MAX = 2**31 - 1
EVENT_REPORTING_INSTANCE_MAX = 128
EVENT_ACTION_MAX = 128
EVENT_REASON_MAX = 128
EVENT_NOTE_MAX = 1024

LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    r"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
QUALIFIED_NAME_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
CONFIG_KEY_MSG = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
    "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)


def name_errors(name: str | None, generate_name: str | None, label: bool = False) -> list[FieldError]:
    """metadata.name: a DNS-1123 subdomain, or a label for kinds whose strategy says so."""
    if not name:
        if generate_name:
            return []
        return [required("metadata.name", "name or generateName is required")]
    if label:
        if len(name) > 63:
            return [invalid("metadata.name", name, "must be no more than 63 characters")]
        if not DNS1123_LABEL.match(name):
            return [invalid("metadata.name", name, LABEL_MSG)]
        return []
    if len(name) > 253:
        return [invalid("metadata.name", name, "must be no more than 253 characters")]
    if not DNS1123_SUBDOMAIN.match(name):
        return [invalid("metadata.name", name, SUBDOMAIN_MSG)]
    return []


def label_errors(labels, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(labels, dict):
        return errors
    for key, value in labels.items():
        errors.extend(_qualified_key(key, path))
        if not isinstance(value, str):
            continue
        if len(value) > 63:
            errors.append(invalid(path, value, "must be no more than 63 characters"))
        elif not LABEL_VALUE.match(value):
            errors.append(invalid(path, value, LABEL_VALUE_MSG))
    return errors


def _qualified_key(key: str, path: str) -> list[FieldError]:
    prefix, _, name = key.rpartition("/")
    errors = []
    if prefix and (len(prefix) > 253 or not DNS1123_SUBDOMAIN.match(prefix)):
        errors.append(invalid(path, key, "prefix part " + SUBDOMAIN_MSG))
    if not name or len(name) > 63 or not QUALIFIED_NAME.match(name):
        detail = "name part must be no more than 63 characters" if len(name) > 63 else QUALIFIED_NAME_MSG
        errors.append(invalid(path, key, detail))
    return errors


def metadata_errors(obj: dict, label_name: bool = False) -> list[FieldError]:
    """The object metadata's checks, for every kind."""
    meta = obj.get("metadata") or {}
    errors = name_errors(meta.get("name"), meta.get("generateName"), label_name)
    errors += label_errors(meta.get("labels"), "metadata.labels")
    annotations = meta.get("annotations") or {}
    if isinstance(annotations, dict):
        for key in annotations:
            errors.extend(_qualified_key(key, "metadata.annotations"))
        size = sum(len(k) + len(str(v)) for k, v in annotations.items())
        if size > 256 * 1024:
            errors.append(too_long("metadata.annotations", 256 * 1024))
    errors += owner_reference_errors(meta.get("ownerReferences"))
    return errors


def owner_reference_errors(references) -> list[FieldError]:
    """ValidateOwnerReferences (apimachinery's objectmeta.go): each reference names its
    apiVersion (with a version), kind, name and uid; at most one is the controller. The
    control loops follow these references, so none may be half-written."""
    if not isinstance(references, list):
        return []
    path = "metadata.ownerReferences"
    errors: list[FieldError] = []
    controllers = []
    for ref in references:
        if not isinstance(ref, dict):
            errors.append(invalid(path, ref, "must be an object"))
            continue
        api_version = ref.get("apiVersion") or ""
        if not isinstance(api_version, str) or not api_version.rpartition("/")[2]:
            errors.append(invalid(f"{path}.apiVersion", api_version, "version must not be empty"))
        for field in ("kind", "name", "uid"):
            if not ref.get(field):
                errors.append(invalid(f"{path}.{field}", ref.get(field) or "", f"{field} must not be empty"))
        if ref.get("controller") is True:
            controllers.append(f"{ref.get('kind')}/{ref.get('name')}")
    if len(controllers) > 1:
        errors.append(
            invalid(
                path,
                references,
                'Only one reference can have Controller set to true. Found "true" in references for '
                f"{controllers[0]} and {controllers[1]}",
            )
        )
    return errors


def _non_negative(value, path: str) -> list[FieldError]:
    if isinstance(value, int) and value < 0:
        return [invalid(path, value, "must be greater than or equal to 0")]
    return []


def _resources(resources: dict, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(resources, dict):
        return errors
    requests = resources.get("requests") or {}
    limits = resources.get("limits") or {}
    for section, values in (("requests", requests), ("limits", limits)):
        for name, value in values.items():
            try:
                if quantity.parse(value) < 0:
                    errors.append(
                        invalid(f"{path}.{section}[{name}]", value, "must be greater than or equal to 0")
                    )
            except quantity.QuantityError:
                errors.append(invalid(f"{path}.{section}[{name}]", value, quantity.QUANTITY_ERROR))
    for name, value in requests.items():
        if name in limits:
            try:
                if quantity.parse(value) > quantity.parse(limits[name]):
                    errors.append(
                        invalid(
                            f"{path}.requests",
                            value,
                            f"must be less than or equal to {name} limit of {limits[name]}",
                        )
                    )
            except quantity.QuantityError:
                pass
    return errors


def _probe(probe, path: str, container_ports: set[int], named: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(probe, dict):
        return errors
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "grpc") if h in probe]
    if not handlers:
        errors.append(required(path, "must specify a handler type"))
    elif len(handlers) > 1:
        errors.append(forbidden_field(f"{path}.{handlers[1]}", "may not specify more than 1 handler type"))
    for field in (
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ):
        errors += _non_negative(probe.get(field), f"{path}.{field}")
    return errors


def container_errors(containers, path: str, seen: set[str], init: bool = False) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, c in enumerate(containers or []):
        at = f"{path}[{i}]"
        if not isinstance(c, dict):
            continue
        name = c.get("name")
        if not name:
            errors.append(required(f"{at}.name"))
        elif not DNS1123_LABEL.match(name) or len(name) > 63:
            errors.append(invalid(f"{at}.name", name, LABEL_MSG))
        elif name in seen:
            errors.append(duplicate(f"{at}.name", name))
        else:
            seen.add(name)
        if not c.get("image"):
            errors.append(required(f"{at}.image"))
        policy = c.get("imagePullPolicy")
        if policy is not None and policy not in ("Always", "IfNotPresent", "Never"):
            errors.append(unsupported(f"{at}.imagePullPolicy", policy, ["Always", "IfNotPresent", "Never"]))
        ports_seen: set[str] = set()
        container_ports: set[int] = set()
        for j, port in enumerate(c.get("ports") or []):
            if not isinstance(port, dict):
                continue
            number = port.get("containerPort")
            if number is None:
                errors.append(required(f"{at}.ports[{j}].containerPort"))
            elif not isinstance(number, int) or not 1 <= number <= 65535:
                errors.append(
                    invalid(
                        f"{at}.ports[{j}].containerPort", number, "must be between 1 and 65535, inclusive"
                    )
                )
            else:
                container_ports.add(number)
            host_port = port.get("hostPort")
            if host_port is not None and (not isinstance(host_port, int) or not 0 <= host_port <= 65535):
                errors.append(
                    invalid(f"{at}.ports[{j}].hostPort", host_port, "must be between 1 and 65535, inclusive")
                )
            protocol = port.get("protocol", "TCP")
            if protocol not in ("TCP", "UDP", "SCTP"):
                errors.append(unsupported(f"{at}.ports[{j}].protocol", protocol, ["SCTP", "TCP", "UDP"]))
            port_name = port.get("name")
            if port_name is not None:
                if not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", port_name) or len(port_name) > 15:
                    errors.append(
                        invalid(
                            f"{at}.ports[{j}].name",
                            port_name,
                            "must be no more than 15 characters"
                            if len(port_name) > 15
                            else LABEL_MSG.replace("a lowercase RFC 1123 label", "an IANA_SVC_NAME"),
                        )
                    )
                elif port_name in ports_seen:
                    errors.append(duplicate(f"{at}.ports[{j}].name", port_name))
                ports_seen.add(port_name)
        errors += _resources(c.get("resources") or {}, f"{at}.resources")
        for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
            if init and probe_name in c and c.get("restartPolicy") != "Always":
                errors.append(
                    forbidden_field(
                        f"{at}.{probe_name}",
                        "may not be set for init containers without restartPolicy=Always",
                    )
                )
            else:
                errors += _probe(c.get(probe_name), f"{at}.{probe_name}", container_ports, ports_seen)
        for k, env in enumerate(c.get("env") or []):
            if isinstance(env, dict) and not env.get("name"):
                errors.append(required(f"{at}.env[{k}].name"))
    return errors


def pod_spec_errors(
    spec, path: str, template: bool = False, extra_volumes: frozenset = frozenset()
) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(spec, dict):
        return [required(path)]
    containers = spec.get("containers")
    if not containers:
        errors.append(required(f"{path}.containers"))
    seen: set[str] = set()
    errors += container_errors(spec.get("initContainers"), f"{path}.initContainers", seen, init=True)
    errors += container_errors(containers, f"{path}.containers", seen)
    policy = spec.get("restartPolicy")
    if policy is not None and policy not in ("Always", "OnFailure", "Never"):
        errors.append(unsupported(f"{path}.restartPolicy", policy, ["Always", "OnFailure", "Never"]))
    dns = spec.get("dnsPolicy")
    if dns is not None and dns not in ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"):
        errors.append(
            unsupported(
                f"{path}.dnsPolicy", dns, ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
            )
        )
    errors += _non_negative(
        spec.get("terminationGracePeriodSeconds"), f"{path}.terminationGracePeriodSeconds"
    )
    active = spec.get("activeDeadlineSeconds")
    if isinstance(active, int) and not 1 <= active <= INT32_MAX:
        errors.append(
            invalid(f"{path}.activeDeadlineSeconds", active, "must be between 1 and 2147483647, inclusive")
        )
    node_selector = spec.get("nodeSelector")
    if node_selector:
        errors += label_errors(node_selector, f"{path}.nodeSelector")
    for i, toleration in enumerate(spec.get("tolerations") or []):
        if not isinstance(toleration, dict):
            continue
        op = toleration.get("operator", "Equal")
        if op not in ("Equal", "Exists"):
            errors.append(unsupported(f"{path}.tolerations[{i}].operator", op, ["Equal", "Exists"]))
        if op == "Exists" and toleration.get("value"):
            errors.append(
                invalid(
                    f"{path}.tolerations[{i}].operator",
                    toleration.get("value"),
                    "value must be empty when `operator` is 'Exists'",
                )
            )
        effect = toleration.get("effect")
        if effect and effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            errors.append(
                unsupported(
                    f"{path}.tolerations[{i}].effect", effect, ["NoExecute", "NoSchedule", "PreferNoSchedule"]
                )
            )
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            errors.append(
                invalid(
                    f"{path}.tolerations[{i}].effect",
                    effect,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set",
                )
            )
    for i, constraint in enumerate(spec.get("topologySpreadConstraints") or []):
        if not isinstance(constraint, dict):
            continue
        skew = constraint.get("maxSkew")
        if not isinstance(skew, int) or skew <= 0:
            errors.append(
                invalid(f"{path}.topologySpreadConstraints[{i}].maxSkew", skew, "must be greater than zero")
            )
        if not constraint.get("topologyKey"):
            errors.append(required(f"{path}.topologySpreadConstraints[{i}].topologyKey", "can not be empty"))
        when = constraint.get("whenUnsatisfiable")
        if when not in ("DoNotSchedule", "ScheduleAnyway"):
            errors.append(
                unsupported(
                    f"{path}.topologySpreadConstraints[{i}].whenUnsatisfiable",
                    when,
                    ["DoNotSchedule", "ScheduleAnyway"],
                )
            )
    affinity = spec.get("affinity") or {}
    for kind_name in ("podAffinity", "podAntiAffinity"):
        section = affinity.get(kind_name) or {}
        for i, term in enumerate(section.get("requiredDuringSchedulingIgnoredDuringExecution") or []):
            if isinstance(term, dict) and not term.get("topologyKey"):
                errors.append(
                    required(
                        f"{path}.affinity.{kind_name}.requiredDuringSchedulingIgnoredDuringExecution[{i}].topologyKey",
                        "can not be empty",
                    )
                )
    volumes: set[str] = set(extra_volumes)
    for i, volume in enumerate(spec.get("volumes") or []):
        if isinstance(volume, dict):
            name = volume.get("name")
            if not name:
                errors.append(required(f"{path}.volumes[{i}].name"))
            elif name in volumes:
                errors.append(duplicate(f"{path}.volumes[{i}].name", name))
            volumes.add(name or "")
    for key in ("containers", "initContainers"):
        for i, c in enumerate(spec.get(key) or []):
            if not isinstance(c, dict):
                continue
            for j, mount in enumerate(c.get("volumeMounts") or []):
                if isinstance(mount, dict) and mount.get("name") not in volumes:
                    errors.append(
                        FieldError(
                            f"{path}.{key}[{i}].volumeMounts[{j}].name",
                            "Not found",
                            "",
                            mount.get("name"),
                            True,
                        )
                    )
    return errors


def _selector_and_template(
    obj: dict, kind: str, restart_policies: tuple[str, ...], extra_volumes: frozenset = frozenset()
) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    errors += _non_negative(spec.get("replicas"), "spec.replicas")
    selector = spec.get("selector")
    template = spec.get("template")
    if not selector:
        errors.append(required("spec.selector"))
    else:
        try:
            requirements = compile_label_selector(selector)
        except Exception as exc:  # malformed operator
            errors.append(invalid("spec.selector", selector, str(exc)))
            requirements = None
        if requirements == ():
            errors.append(invalid("spec.selector", selector, f"empty selector is invalid for {kind.lower()}"))
        elif requirements is not None and isinstance(template, dict):
            labels = (template.get("metadata") or {}).get("labels") or {}
            if not matches(requirements, labels):
                errors.append(
                    invalid(
                        "spec.template.metadata.labels", labels, "`selector` does not match template `labels`"
                    )
                )
    if not isinstance(template, dict):
        errors.append(required("spec.template"))
        return errors
    errors += label_errors((template.get("metadata") or {}).get("labels"), "spec.template.metadata.labels")
    errors += pod_spec_errors(
        template.get("spec"), "spec.template.spec", template=True, extra_volumes=extra_volumes
    )
    policy = (template.get("spec") or {}).get("restartPolicy")
    if policy is not None and policy not in restart_policies and policy in ("Always", "OnFailure", "Never"):
        errors.append(unsupported("spec.template.spec.restartPolicy", policy, list(restart_policies)))
    return errors


def deployment(obj: dict) -> list[FieldError]:
    errors = _selector_and_template(obj, "Deployment", ("Always",))
    spec = obj.get("spec") or {}
    strategy = spec.get("strategy") or {}
    stype = strategy.get("type")
    if stype not in (None, "RollingUpdate", "Recreate"):
        errors.append(unsupported("spec.strategy.type", stype, ["Recreate", "RollingUpdate"]))
    if stype == "Recreate" and strategy.get("rollingUpdate"):
        errors.append(
            forbidden_field(
                "spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"
            )
        )
    rolling = strategy.get("rollingUpdate") or {}
    if stype == "RollingUpdate":
        surge, unavailable = rolling.get("maxSurge"), rolling.get("maxUnavailable")
        for field, value in (("maxSurge", surge), ("maxUnavailable", unavailable)):
            errors += _int_or_percent(value, f"spec.strategy.rollingUpdate.{field}")
        if _is_zero(surge) and _is_zero(unavailable):
            errors.append(
                invalid(
                    "spec.strategy.rollingUpdate.maxUnavailable",
                    unavailable,
                    "may not be 0 when `maxSurge` is 0",
                )
            )
    errors += _non_negative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")
    errors += _non_negative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    deadline = spec.get("progressDeadlineSeconds")
    if (
        isinstance(deadline, int)
        and isinstance(spec.get("minReadySeconds"), int)
        and deadline <= spec["minReadySeconds"]
    ):
        errors.append(
            invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds")
        )
    return errors


def _is_zero(value) -> bool:
    return value in (0, "0", "0%")


def _int_or_percent(value, path: str) -> list[FieldError]:
    if value is None or isinstance(value, int):
        return _non_negative(value, path)
    if isinstance(value, str) and re.fullmatch(r"\d+%", value):
        if int(value[:-1]) > 100:
            return [invalid(path, value, "must not be greater than 100%")]
        return []
    return [
        invalid(
            path,
            value,
            "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        )
    ]


def replicaset(obj: dict) -> list[FieldError]:
    return _selector_and_template(obj, "ReplicaSet", ("Always",))


def pod(obj: dict) -> list[FieldError]:
    return pod_spec_errors(obj.get("spec"), "spec")


def configmap(obj: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    keys: set[str] = set()
    for section in ("data", "binaryData"):
        for key in obj.get(section) or {}:
            if not CONFIG_KEY.match(key) or len(key) > 253:
                errors.append(invalid(f"{section}[{key}]", key, CONFIG_KEY_MSG))
            if key in keys:
                errors.append(invalid(f"{section}[{key}]", key, "duplicate of key present in data"))
            keys.add(key)
    size = sum(len(k) + len(str(v)) for s in ("data", "binaryData") for k, v in (obj.get(s) or {}).items())
    if size > 1024 * 1024:
        errors.append(too_long("", 1024 * 1024))
    return errors


def secret(obj: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    for key, value in (obj.get("data") or {}).items():
        if not CONFIG_KEY.match(key):
            errors.append(invalid(f"data[{key}]", key, CONFIG_KEY_MSG))
        if isinstance(value, str):
            try:
                base64.b64decode(value, validate=True)
            except Exception:
                errors.append(invalid(f"data[{key}]", "<secret contents redacted>", "illegal base64 data"))
    return errors


def resourcequota(obj: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, value in ((obj.get("spec") or {}).get("hard") or {}).items():
        try:
            if quantity.parse(value) < 0:
                errors.append(invalid(f"spec.hard[{name}]", value, "must be greater than or equal to 0"))
        except quantity.QuantityError:
            errors.append(invalid(f"spec.hard[{name}]", value, quantity.QUANTITY_ERROR))
    return errors


def limitrange(obj: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, item in enumerate((obj.get("spec") or {}).get("limits") or []):
        if not isinstance(item, dict):
            continue
        ltype = item.get("type")
        if ltype not in ("Container", "Pod", "PersistentVolumeClaim"):
            errors.append(
                unsupported(f"spec.limits[{i}].type", ltype, ["Container", "PersistentVolumeClaim", "Pod"])
            )
        for section in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            for name, value in (item.get(section) or {}).items():
                try:
                    quantity.parse(value)
                except quantity.QuantityError:
                    errors.append(
                        invalid(f"spec.limits[{i}].{section}[{name}]", value, quantity.QUANTITY_ERROR)
                    )
        for name, low in (item.get("min") or {}).items():
            high = (item.get("max") or {}).get(name)
            try:
                if high is not None and quantity.parse(low) > quantity.parse(high):
                    errors.append(
                        invalid(
                            f"spec.limits[{i}].min[{name}]",
                            low,
                            f"min value {low} is greater than max value {high}",
                        )
                    )
            except quantity.QuantityError:
                pass
    return errors


def pdb(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        errors.append(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    for field in ("minAvailable", "maxUnavailable"):
        errors += _int_or_percent(spec.get(field), f"spec.{field}")
    return errors


def priorityclass(obj: dict) -> list[FieldError]:
    value = obj.get("value")
    errors: list[FieldError] = []
    if value is None:
        errors.append(required("value"))
    elif (
        isinstance(value, int) and value > 1_000_000_000 and not obj["metadata"]["name"].startswith("system-")
    ):
        errors.append(
            forbidden_field("value", "maximum allowed value of a user defined priority is 1000000000")
        )
    policy = obj.get("preemptionPolicy")
    if policy not in (None, "PreemptLowerPriority", "Never"):
        errors.append(unsupported("preemptionPolicy", policy, ["Never", "PreemptLowerPriority"]))
    return errors


def service(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    stype = spec.get("type", "ClusterIP")
    if stype not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        errors.append(
            unsupported("spec.type", stype, ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"])
        )
    if stype == "ExternalName":
        if not spec.get("externalName"):
            errors.append(required("spec.externalName"))
        return errors
    ports = spec.get("ports") or []
    if not ports and spec.get("clusterIP") != "None":
        errors.append(required("spec.ports"))
    names: set[str] = set()
    for i, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        number = port.get("port")
        if not isinstance(number, int) or not 1 <= number <= 65535:
            errors.append(invalid(f"spec.ports[{i}].port", number, "must be between 1 and 65535, inclusive"))
        name = port.get("name")
        if len(ports) > 1 and not name:
            errors.append(required(f"spec.ports[{i}].name"))
        elif name:
            if not DNS1123_LABEL.match(name):
                errors.append(invalid(f"spec.ports[{i}].name", name, LABEL_MSG))
            elif name in names:
                errors.append(duplicate(f"spec.ports[{i}].name", name))
            names.add(name)
        protocol = port.get("protocol", "TCP")
        if protocol not in ("TCP", "UDP", "SCTP"):
            errors.append(unsupported(f"spec.ports[{i}].protocol", protocol, ["SCTP", "TCP", "UDP"]))
        target = port.get("targetPort")
        if isinstance(target, int) and not 1 <= target <= 65535:
            errors.append(
                invalid(f"spec.ports[{i}].targetPort", target, "must be between 1 and 65535, inclusive")
            )
        if port.get("nodePort") is not None and stype == "ClusterIP":
            errors.append(
                forbidden_field(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'")
            )
    errors += label_errors(spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity", "None")
    if affinity not in ("None", "ClientIP"):
        errors.append(unsupported("spec.sessionAffinity", affinity, ["ClientIP", "None"]))
    return errors


def ingress(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    if not spec.get("rules") and not spec.get("defaultBackend"):
        errors.append(invalid("spec", spec, "either `defaultBackend` or `rules` must be specified"))
    for i, rule in enumerate(spec.get("rules") or []):
        host = (rule or {}).get("host")
        if host and not DNS1123_SUBDOMAIN.match(host.removeprefix("*.")):
            errors.append(invalid(f"spec.rules[{i}].host", host, SUBDOMAIN_MSG))
        for j, path in enumerate(((rule or {}).get("http") or {}).get("paths") or []):
            at = f"spec.rules[{i}].http.paths[{j}]"
            ptype = path.get("pathType")
            if ptype is None:
                errors.append(required(f"{at}.pathType", "pathType must be specified"))
            elif ptype not in ("Exact", "Prefix", "ImplementationSpecific"):
                errors.append(
                    unsupported(f"{at}.pathType", ptype, ["Exact", "ImplementationSpecific", "Prefix"])
                )
            value = path.get("path", "")
            if ptype in ("Exact", "Prefix") and not value.startswith("/"):
                errors.append(invalid(f"{at}.path", value, "must be an absolute path"))
            backend = path.get("backend") or {}
            if not backend.get("service") and not backend.get("resource"):
                errors.append(required(f"{at}.backend", "one backend must be specified"))
    return errors


def daemonset(obj: dict) -> list[FieldError]:
    return _selector_and_template(obj, "DaemonSet", ("Always",))


def statefulset(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    claims = frozenset(
        ((c or {}).get("metadata") or {}).get("name") for c in spec.get("volumeClaimTemplates") or []
    )
    errors = _selector_and_template(obj, "StatefulSet", ("Always",), extra_volumes=claims)
    policy = spec.get("podManagementPolicy")
    if policy is not None and policy not in ("OrderedReady", "Parallel"):
        errors.append(unsupported("spec.podManagementPolicy", policy, ["OrderedReady", "Parallel"]))
    for i, claim in enumerate(spec.get("volumeClaimTemplates") or []):
        if not ((claim or {}).get("metadata") or {}).get("name"):
            errors.append(required(f"spec.volumeClaimTemplates[{i}].metadata.name"))
    return errors


def job(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    template = spec.get("template")
    if not isinstance(template, dict):
        return [required("spec.template")]
    errors += pod_spec_errors(template.get("spec"), "spec.template.spec", template=True)
    policy = (template.get("spec") or {}).get("restartPolicy")
    if policy not in ("OnFailure", "Never"):
        errors.append(
            unsupported("spec.template.spec.restartPolicy", policy, ["OnFailure", "Never"])
            if policy
            else required("spec.template.spec.restartPolicy", 'valid values: "OnFailure", "Never"')
        )
    for field in (
        "parallelism",
        "completions",
        "backoffLimit",
        "activeDeadlineSeconds",
        "ttlSecondsAfterFinished",
    ):
        errors += _non_negative(spec.get(field), f"spec.{field}")
    return errors


def cronjob(obj: dict) -> list[FieldError]:
    from playground.engine.controllers.job import CronError, parse_cron

    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    schedule = spec.get("schedule")
    if not schedule:
        errors.append(required("spec.schedule"))
    else:
        try:
            parse_cron(schedule)
        except CronError as exc:
            errors.append(invalid("spec.schedule", schedule, str(exc)))
    policy = spec.get("concurrencyPolicy")
    if policy is not None and policy not in ("Allow", "Forbid", "Replace"):
        errors.append(unsupported("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"]))
    if spec.get("timeZone") is not None:
        errors += _time_zone(spec["timeZone"])
    job_spec = (spec.get("jobTemplate") or {}).get("spec")
    if not isinstance(job_spec, dict):
        errors.append(required("spec.jobTemplate.spec"))
    else:
        for error in job({"spec": job_spec}):
            error.field = "spec.jobTemplate." + error.field
            errors.append(error)
    return errors


_TIME_ZONE_PART = re.compile(r"^[A-Za-z.\-_0-9+]{1,14}$")


def _time_zone(zone) -> list[FieldError]:
    """validateTimeZone (pkg/apis/batch/validation): a non-empty IANA name, not Local,
    that the controller can load; Go's time.LoadLocation error is "unknown time zone X"."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    where = "spec.timeZone"
    if not isinstance(zone, str) or not zone:
        return [invalid(where, zone, "timeZone must be nil or non-empty string")]
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TIME_ZONE_PART.match(part):
            return [invalid(where, zone, f"unknown time zone {zone}")]
    if zone.lower() == "local":
        return [
            invalid(
                where,
                zone,
                "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
            )
        ]
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return [invalid(where, zone, f"unknown time zone {zone}")]
    return []


def pvc(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    modes = spec.get("accessModes") or []
    if not modes:
        errors.append(required("spec.accessModes", "at least 1 access mode is required"))
    for mode in modes:
        if mode not in ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"):
            errors.append(
                unsupported(
                    "spec.accessModes",
                    mode,
                    ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"],
                )
            )
    storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    if storage is None:
        errors.append(required("spec.resources[storage]"))
    return errors


def role_binding(obj: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    ref = obj.get("roleRef") or {}
    if not ref.get("name"):
        errors.append(required("roleRef.name"))
    if ref.get("kind") not in ("Role", "ClusterRole"):
        errors.append(unsupported("roleRef.kind", ref.get("kind"), ["ClusterRole", "Role"]))
    if obj.get("kind") == "ClusterRoleBinding" and ref.get("kind") == "Role":
        errors.append(unsupported("roleRef.kind", "Role", ["ClusterRole"]))
    for i, subject in enumerate(obj.get("subjects") or []):
        kind = (subject or {}).get("kind")
        if kind not in ("User", "Group", "ServiceAccount"):
            errors.append(unsupported(f"subjects[{i}].kind", kind, ["Group", "ServiceAccount", "User"]))
        if not (subject or {}).get("name"):
            errors.append(required(f"subjects[{i}].name"))
        if (
            kind == "ServiceAccount"
            and obj.get("kind") == "ClusterRoleBinding"
            and not subject.get("namespace")
        ):
            errors.append(required(f"subjects[{i}].namespace"))
    return errors


def role(obj: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, rule in enumerate(obj.get("rules") or []):
        if not (rule or {}).get("verbs"):
            errors.append(required(f"rules[{i}].verbs", "verbs must contain at least one value"))
        if not (rule or {}).get("resources") and not (rule or {}).get("nonResourceURLs"):
            errors.append(
                required(f"rules[{i}].resources", "resource rules must supply at least one resource")
            )
    return errors


def hpa(obj: dict) -> list[FieldError]:
    spec = obj.get("spec") or {}
    errors: list[FieldError] = []
    ref = spec.get("scaleTargetRef") or {}
    for field in ("kind", "name"):
        if not ref.get(field):
            errors.append(required(f"spec.scaleTargetRef.{field}"))
    high = spec.get("maxReplicas")
    low = spec.get("minReplicas", 1)
    if not isinstance(high, int) or high < 1:
        errors.append(invalid("spec.maxReplicas", high, "must be greater than or equal to 1"))
    elif isinstance(low, int) and low > high:
        errors.append(invalid("spec.minReplicas", low, "must be less than or equal to maxReplicas"))
    return errors


def event(obj: dict) -> list[FieldError]:
    """core/v1 Event, as legacyValidateEvent checks every Event: the namespace agrees with
    the involved object's, and an Event with eventTime (the events.k8s.io shape) names its
    reporter and action. No timestamp is required: one without any ages from creation."""
    meta = obj.get("metadata") or {}
    errors: list[FieldError] = []
    namespace = meta.get("namespace") or ""
    involved = obj.get("involvedObject")
    involved = involved if isinstance(involved, dict) else {}
    involved_ns = involved.get("namespace") or ""
    mismatch = invalid("involvedObject.namespace", involved_ns, "does not match event.namespace")
    if not obj.get("eventTime"):
        if (not involved_ns and namespace not in ("", "default")) or (
            involved_ns and namespace != involved_ns
        ):
            errors.append(mismatch)
    else:
        if not involved_ns and namespace not in ("default", "kube-system"):
            errors.append(mismatch)
        controller = obj.get("reportingController") or obj.get("reportingComponent") or ""
        if not controller:
            errors.append(required("reportingController"))
        else:
            errors += [
                FieldError("reportingController", e.kind, e.detail, controller, True)
                for e in _qualified_key(controller, "reportingController")
            ]
        instance = obj.get("reportingInstance") or ""
        for field, value, limit in (
            ("reportingInstance", instance, EVENT_REPORTING_INSTANCE_MAX),
            ("action", obj.get("action") or "", EVENT_ACTION_MAX),
            ("reason", obj.get("reason") or "", EVENT_REASON_MAX),
        ):
            if not value:
                errors.append(required(field))
            elif len(value) > limit:
                errors.append(invalid(field, "", f"can have at most {limit} characters"))
        if len(obj.get("message") or "") > EVENT_NOTE_MAX:
            errors.append(invalid("message", "", f"can have at most {EVENT_NOTE_MAX} characters"))
    return errors


# Status written through /status: what the control loops and `describe` rely on --------------

POD_SYSTEM_CONDITIONS = ("PodScheduled", "Ready", "Initialized")


def status_errors(kind: str, obj: dict) -> list[FieldError]:
    """A status update's checks. Pods as ValidatePodStatusUpdate's validatePodConditions
    (a type that is not a system one must be a qualified name); every other kind's
    conditions must at least be objects with a type, which the loops and printers key on."""
    status = obj.get("status")
    if status is None:
        return []
    if not isinstance(status, dict):
        return [invalid("status", status, "must be an object")]
    conditions = status.get("conditions")
    if conditions is not None and not isinstance(conditions, list):
        return [invalid("status.conditions", conditions, "must be a list")]
    errors: list[FieldError] = []
    for i, condition in enumerate(conditions or []):
        at = f"status.conditions[{i}]"
        if not isinstance(condition, dict):
            errors.append(invalid(at, condition, "must be an object"))
            continue
        ctype = condition.get("type")
        if kind == "Pod":
            if ctype in POD_SYSTEM_CONDITIONS:
                continue
            errors += _qualified_name_errors(ctype if isinstance(ctype, str) else "", f"{at}.Type")
            continue
        if not ctype:
            errors.append(required(f"{at}.type"))
        if condition.get("status") not in ("True", "False", "Unknown"):
            errors.append(
                unsupported(f"{at}.status", condition.get("status"), ["False", "True", "Unknown"])
                if condition.get("status")
                else required(f"{at}.status")
            )
    return errors + _status_shape_errors(kind, status)


def _status_shape_errors(kind: str, status: dict) -> list[FieldError]:
    """The lists in a status that the loops and printers index by key."""
    errors: list[FieldError] = []
    if kind == "Node":
        for i, address in enumerate(status.get("addresses") or []):
            at = f"status.addresses[{i}]"
            if not isinstance(address, dict):
                errors.append(invalid(at, address, "must be an object"))
                continue
            for field in ("type", "address"):
                if not address.get(field):
                    errors.append(required(f"{at}.{field}"))
    if kind == "Service":
        ingress = (status.get("loadBalancer") or {}).get("ingress") or []
        for i, point in enumerate(ingress if isinstance(ingress, list) else []):
            at = f"status.loadBalancer.ingress[{i}]"
            if not isinstance(point, dict) or not (point.get("ip") or point.get("hostname")):
                errors.append(required(at, "must specify an ip or a hostname"))
            elif point.get("ip"):
                try:
                    ipaddress.ip_address(point["ip"])
                except ValueError:
                    errors.append(invalid(f"{at}.ip", point["ip"], "must be a valid IP address"))
    return errors


def _qualified_name_errors(value: str, path: str) -> list[FieldError]:
    """IsQualifiedName's messages, each an Invalid value for `path`."""
    if not value:
        return [
            invalid(path, value, "name part must be non-empty"),
            invalid(path, value, QUALIFIED_NAME_MSG),
        ]
    return [FieldError(path, e.kind, e.detail, value, True) for e in _qualified_key(value, path)]


def validate(kind: str, obj: dict) -> list[FieldError]:
    """The registered kind's validate() (metadata and the kind's own rules)."""
    from playground.engine.registry import BUILTIN

    return BUILTIN[kind].validate(obj)


def _selector_repr(selector: dict) -> str:
    labels = selector.get("matchLabels")
    if labels:
        inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items()))
        ml = "map[string]string{" + inner + "}"
    else:
        ml = "map[string]string(nil)"
    return f"v1.LabelSelector{{MatchLabels:{ml}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}"


def validate_update(kind: str, old: dict, new: dict) -> list[FieldError]:
    """What an update of the registered kind may not change (validate() not included)."""
    from playground.engine.registry import BUILTIN

    check = BUILTIN[kind].update_validator
    return check(new, old) if check else []


# ValidateUpdate per kind: (new, old) → what the update may not change ----------------------


def selector_immutable_update(new: dict, old: dict) -> list[FieldError]:
    """apps/v1 Deployment and ReplicaSet: spec.selector is immutable."""
    old_sel = (old.get("spec") or {}).get("selector")
    new_sel = (new.get("spec") or {}).get("selector")
    if old_sel != new_sel:
        # Upstream prints the Go struct of the new selector; keep that shape.
        return [_ImmutableSelector(new_sel or {})]
    return []


def pod_update(new: dict, old: dict) -> list[FieldError]:
    old_spec, new_spec = dict(old.get("spec") or {}), dict(new.get("spec") or {})
    # validateOnlyDeletedSchedulingGates: gates may be removed, never added.
    had = {g.get("name") for g in old_spec.get("schedulingGates") or [] if isinstance(g, dict)}
    for i, gate in enumerate(new_spec.get("schedulingGates") or []):
        name = gate.get("name") if isinstance(gate, dict) else None
        if name not in had:
            return [
                forbidden_field(
                    f"spec.schedulingGates[{i}].name",
                    f"only deletion is allowed, but found new scheduling gate '{name}'",
                )
            ]
    for spec in (old_spec, new_spec):
        for key in (
            "activeDeadlineSeconds",
            "tolerations",
            "terminationGracePeriodSeconds",
            "schedulingGates",
        ):
            spec.pop(key, None)
        for ckey in ("containers", "initContainers"):
            spec[ckey] = [{k: v for k, v in c.items() if k != "image"} for c in spec.get(ckey) or []]
        spec.pop("nodeName", None)
    if old_spec != new_spec:
        return [
            forbidden_field(
                "spec",
                "pod updates may not change fields other than `spec.containers[*].image`,"
                "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
                "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                "(allow it to be set to 1 if it was previously negative)",
            )
        ]
    return []


def service_update(new: dict, old: dict) -> list[FieldError]:
    old_ip, new_ip = (old.get("spec") or {}).get("clusterIP"), (new.get("spec") or {}).get("clusterIP")
    if old_ip and new_ip and old_ip != new_ip and (new.get("spec") or {}).get("type") != "ExternalName":
        return [FieldError("spec.clusterIPs[0]", "Invalid value", "may not change once set", [new_ip], False)]
    return []


def job_update(new: dict, old: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    if old_spec.get("template") != new_spec.get("template"):
        errors.append(FieldError("spec.template", "Invalid value", "field is immutable", None, False))
    if old_spec.get("selector") != new_spec.get("selector"):
        errors.append(_ImmutableSelector(new_spec.get("selector") or {}))
    return errors


def statefulset_update(new: dict, old: dict) -> list[FieldError]:
    allowed = (
        "replicas",
        "ordinals",
        "template",
        "updateStrategy",
        "persistentVolumeClaimRetentionPolicy",
        "minReadySeconds",
    )
    old_spec = {k: v for k, v in (old.get("spec") or {}).items() if k not in allowed}
    new_spec = {k: v for k, v in (new.get("spec") or {}).items() if k not in allowed}
    if old_spec != new_spec:
        return [
            forbidden_field(
                "spec",
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
            )
        ]
    return []


def configmap_update(new: dict, old: dict) -> list[FieldError]:
    """ConfigMap and Secret: data and binaryData are frozen once `immutable` is set."""
    errors: list[FieldError] = []
    for key in ("data", "binaryData"):
        if old.get("immutable") and old.get(key) != new.get(key):
            errors.append(forbidden_field(key, "field is immutable when `immutable` is set"))
    return errors


def secret_update(new: dict, old: dict) -> list[FieldError]:
    errors: list[FieldError] = []
    if old.get("type") != new.get("type"):
        errors.append(FieldError("type", "Invalid value", "field is immutable", new.get("type"), True))
    return errors + configmap_update(new, old)


def priorityclass_update(new: dict, old: dict) -> list[FieldError]:
    if old.get("value") != new.get("value"):
        return [forbidden_field("value", "may not be changed in an update.")]
    return []


class _ImmutableSelector(FieldError):
    def __init__(self, selector: dict):
        super().__init__("spec.selector", "Invalid value", "field is immutable")
        self.repr = _selector_repr(selector)

    def body(self) -> str:
        return f"Invalid value: {self.repr}: field is immutable"
