"""autoscaling/v1 HorizontalPodAutoscalers converted to and from the autoscaling/v2 form stored.

Upstream keeps one stored HorizontalPodAutoscaler (autoscaling/v2 is the storage version) and
converts it for each served version (``pkg/apis/autoscaling/v1/conversion.go``). v1 knows a
single metric, ``spec.targetCPUUtilizationPercentage`` (a v2 Resource ``cpu`` metric with a
Utilization target) and its ``status.currentCPUUtilizationPercentage``; everything else v2
can say travels in annotations so a v1 read-modify-write keeps it: the other metrics
(``autoscaling.alpha.kubernetes.io/metrics``), the current metrics (``…/current-metrics``),
the conditions (``…/conditions``) and the behavior (``…/behavior``). Metrics in those
annotations are written in the autoscaling/v1 package's MetricSpec and MetricStatus shapes
(``targetAverageUtilization``, ``metricName``, …), and the behavior as the internal type
marshals it (field names capitalised, as upstream has no json tags there).

The API facade serves the v1 form at /apis/autoscaling/v1 (``playground.kubeapi.autoscalingv1``);
the engine's decode takes a v1 body (the console's kubectl) as the v2 object it stands for.
"""

from __future__ import annotations

import json

from playground.engine.errors import bad_request

API_VERSION = "autoscaling/v1"

METRICS = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR = "autoscaling.alpha.kubernetes.io/behavior"


def _is_cpu(metric: dict, kind: str = "Resource") -> bool:
    resource = metric.get("resource") or {}
    return metric.get("type") == kind and resource.get("name") == "cpu"


def _drop_none(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None}


# v2 MetricSpec <-> v1 MetricSpec (Convert_autoscaling_MetricSpec_To_v1_MetricSpec and back).


def _spec_to_v1(metric: dict) -> dict:
    kind = metric.get("type")
    out: dict = {"type": kind}
    if kind in ("Resource", "ContainerResource"):
        field = "resource" if kind == "Resource" else "containerResource"
        src = metric.get(field) or {}
        target = src.get("target") or {}
        out[field] = _drop_none(
            {
                "name": src.get("name"),
                "container": src.get("container"),
                "targetAverageUtilization": target.get("averageUtilization"),
                "targetAverageValue": target.get("averageValue"),
            }
        )
    elif kind == "Pods":
        src = metric.get("pods") or {}
        m, target = src.get("metric") or {}, src.get("target") or {}
        out["pods"] = _drop_none(
            {
                "metricName": m.get("name"),
                "targetAverageValue": target.get("averageValue"),
                "selector": m.get("selector"),
            }
        )
    elif kind == "Object":
        src = metric.get("object") or {}
        m, target = src.get("metric") or {}, src.get("target") or {}
        out["object"] = _drop_none(
            {
                "target": src.get("describedObject") or {},
                "metricName": m.get("name"),
                "targetValue": target.get("value"),
                "selector": m.get("selector"),
                "averageValue": target.get("averageValue"),
            }
        )
    elif kind == "External":
        src = metric.get("external") or {}
        m, target = src.get("metric") or {}, src.get("target") or {}
        out["external"] = _drop_none(
            {
                "metricName": m.get("name"),
                "metricSelector": m.get("selector"),
                "targetValue": target.get("value"),
                "targetAverageValue": target.get("averageValue"),
            }
        )
    return out


def _target(value=None, average_value=None, utilization=None) -> dict:
    if utilization is not None:
        return {"type": "Utilization", "averageUtilization": utilization}
    if average_value is not None:
        return {"type": "AverageValue", "averageValue": average_value}
    return _drop_none({"type": "Value", "value": value})


def _spec_to_v2(metric: dict) -> dict:
    kind = metric.get("type")
    out: dict = {"type": kind}
    if kind in ("Resource", "ContainerResource"):
        field = "resource" if kind == "Resource" else "containerResource"
        src = metric.get(field) or {}
        out[field] = _drop_none(
            {
                "name": src.get("name"),
                "container": src.get("container"),
                "target": _target(None, src.get("targetAverageValue"), src.get("targetAverageUtilization")),
            }
        )
    elif kind == "Pods":
        src = metric.get("pods") or {}
        out["pods"] = {
            "metric": _drop_none({"name": src.get("metricName"), "selector": src.get("selector")}),
            "target": _target(average_value=src.get("targetAverageValue")),
        }
    elif kind == "Object":
        src = metric.get("object") or {}
        out["object"] = {
            "describedObject": src.get("target") or {},
            "metric": _drop_none({"name": src.get("metricName"), "selector": src.get("selector")}),
            "target": _target(src.get("targetValue"), src.get("averageValue")),
        }
    elif kind == "External":
        src = metric.get("external") or {}
        out["external"] = {
            "metric": _drop_none({"name": src.get("metricName"), "selector": src.get("metricSelector")}),
            "target": _target(src.get("targetValue"), src.get("targetAverageValue")),
        }
    return out


# v2 MetricStatus <-> v1 MetricStatus.


def _status_to_v1(metric: dict) -> dict:
    kind = metric.get("type")
    out: dict = {"type": kind}
    if kind in ("Resource", "ContainerResource"):
        field = "resource" if kind == "Resource" else "containerResource"
        src = metric.get(field) or {}
        current = src.get("current") or {}
        out[field] = _drop_none(
            {
                "name": src.get("name"),
                "container": src.get("container"),
                "currentAverageUtilization": current.get("averageUtilization"),
                "currentAverageValue": current.get("averageValue"),
            }
        )
    elif kind == "Pods":
        src = metric.get("pods") or {}
        m, current = src.get("metric") or {}, src.get("current") or {}
        out["pods"] = _drop_none(
            {
                "metricName": m.get("name"),
                "currentAverageValue": current.get("averageValue"),
                "selector": m.get("selector"),
            }
        )
    elif kind == "Object":
        src = metric.get("object") or {}
        m, current = src.get("metric") or {}, src.get("current") or {}
        out["object"] = _drop_none(
            {
                "target": src.get("describedObject") or {},
                "metricName": m.get("name"),
                "currentValue": current.get("value"),
                "selector": m.get("selector"),
                "averageValue": current.get("averageValue"),
            }
        )
    elif kind == "External":
        src = metric.get("external") or {}
        m, current = src.get("metric") or {}, src.get("current") or {}
        out["external"] = _drop_none(
            {
                "metricName": m.get("name"),
                "metricSelector": m.get("selector"),
                "currentValue": current.get("value"),
                "currentAverageValue": current.get("averageValue"),
            }
        )
    return out


def _status_to_v2(metric: dict) -> dict:
    kind = metric.get("type")
    out: dict = {"type": kind}
    if kind in ("Resource", "ContainerResource"):
        field = "resource" if kind == "Resource" else "containerResource"
        src = metric.get(field) or {}
        current = _drop_none(
            {
                "averageUtilization": src.get("currentAverageUtilization"),
                "averageValue": src.get("currentAverageValue"),
            }
        )
        out[field] = _drop_none(
            {"name": src.get("name"), "container": src.get("container"), "current": current}
        )
    elif kind == "Pods":
        src = metric.get("pods") or {}
        out["pods"] = {
            "metric": _drop_none({"name": src.get("metricName"), "selector": src.get("selector")}),
            "current": _drop_none({"averageValue": src.get("currentAverageValue")}),
        }
    elif kind == "Object":
        src = metric.get("object") or {}
        out["object"] = {
            "describedObject": src.get("target") or {},
            "metric": _drop_none({"name": src.get("metricName"), "selector": src.get("selector")}),
            "current": _drop_none(
                {"value": src.get("currentValue"), "averageValue": src.get("averageValue")}
            ),
        }
    elif kind == "External":
        src = metric.get("external") or {}
        out["external"] = {
            "metric": _drop_none({"name": src.get("metricName"), "selector": src.get("metricSelector")}),
            "current": _drop_none(
                {"value": src.get("currentValue"), "averageValue": src.get("currentAverageValue")}
            ),
        }
    return out


def _recase(node, upper: bool):
    """The behavior's field names as the internal Go type marshals them (upper) or as
    autoscaling/v2 spells them."""
    if isinstance(node, dict):
        return {
            (k[:1].upper() if upper else k[:1].lower()) + k[1:]: _recase(v, upper) for k, v in node.items()
        }
    if isinstance(node, list):
        return [_recase(v, upper) for v in node]
    return node


def _dump(value) -> str:
    return json.dumps(value, separators=(",", ":"))


def to_v1(v2: dict) -> dict:
    """A stored autoscaling/v2 HorizontalPodAutoscaler as autoscaling/v1 writes it
    (Convert_autoscaling_HorizontalPodAutoscaler_To_v1_HorizontalPodAutoscaler)."""
    meta = dict(v2.get("metadata") or {})
    spec_in, status_in = v2.get("spec") or {}, v2.get("status") or {}
    annotations = dict(meta.get("annotations") or {})
    spec = {"scaleTargetRef": spec_in.get("scaleTargetRef") or {}}
    if spec_in.get("minReplicas") is not None:
        spec["minReplicas"] = spec_in["minReplicas"]
    spec["maxReplicas"] = spec_in.get("maxReplicas", 0)
    other = []
    for metric in spec_in.get("metrics") or []:
        target = (metric.get("resource") or {}).get("target") or {}
        if (
            _is_cpu(metric)
            and target.get("type") == "Utilization"
            and "targetCPUUtilizationPercentage" not in spec
        ):
            spec["targetCPUUtilizationPercentage"] = target.get("averageUtilization")
            continue
        other.append(_spec_to_v1(metric))
    if other:
        annotations[METRICS] = _dump(other)
    if spec_in.get("behavior"):
        annotations[BEHAVIOR] = _dump(_recase(spec_in["behavior"], True))
    status: dict = {}
    for name in ("observedGeneration", "lastScaleTime"):
        if status_in.get(name) is not None:
            status[name] = status_in[name]
    status["currentReplicas"] = status_in.get("currentReplicas", 0)
    status["desiredReplicas"] = status_in.get("desiredReplicas", 0)
    current = status_in.get("currentMetrics") or []
    for metric in current:
        value = ((metric.get("resource") or {}).get("current") or {}).get("averageUtilization")
        if _is_cpu(metric) and value is not None:
            status["currentCPUUtilizationPercentage"] = value
            break
    if current:  # kept whole: the raw values too, not only the cpu percentage
        annotations[CURRENT_METRICS] = _dump([_status_to_v1(m) for m in current])
    if status_in.get("conditions"):
        annotations[CONDITIONS] = _dump(status_in["conditions"])
    if annotations:
        meta["annotations"] = annotations
    return {
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": API_VERSION,
        "metadata": meta,
        "spec": spec,
        "status": status,
    }


def _annotation_list(annotations: dict, name: str) -> list:
    try:
        found = json.loads(annotations.pop(name))
    except (TypeError, ValueError) as exc:
        raise bad_request(
            f'HorizontalPodAutoscaler in version "v1" cannot be handled: {name}: {exc}'
        ) from None
    return found if isinstance(found, list) else []


def is_v1_body(body) -> bool:
    return isinstance(body, dict) and (body.get("apiVersion"), body.get("kind")) == (
        API_VERSION,
        "HorizontalPodAutoscaler",
    )


def to_v2(v1: dict) -> dict:
    """An autoscaling/v1 HorizontalPodAutoscaler sent by a client, as the autoscaling/v2
    object stored (Convert_v1_HorizontalPodAutoscaler_To_autoscaling_HorizontalPodAutoscaler):
    the annotations are lifted back into the fields and removed."""
    meta = dict(v1.get("metadata") or {})
    spec_in, status_in = v1.get("spec") or {}, v1.get("status") or {}
    annotations = dict(meta.get("annotations") or {})
    spec: dict = {k: spec_in[k] for k in ("scaleTargetRef", "minReplicas", "maxReplicas") if k in spec_in}
    metrics = []
    if spec_in.get("targetCPUUtilizationPercentage") is not None:
        metrics.append(
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {
                        "type": "Utilization",
                        "averageUtilization": spec_in["targetCPUUtilizationPercentage"],
                    },
                },
            }
        )
    if METRICS in annotations:
        metrics += [_spec_to_v2(m) for m in _annotation_list(annotations, METRICS) if isinstance(m, dict)]
    if metrics:
        spec["metrics"] = metrics
    if BEHAVIOR in annotations:
        try:
            behavior = json.loads(annotations.pop(BEHAVIOR))
        except ValueError as exc:
            raise bad_request(
                f'HorizontalPodAutoscaler in version "v1" cannot be handled: {BEHAVIOR}: {exc}'
            ) from None
        if isinstance(behavior, dict):
            spec["behavior"] = _recase(behavior, False)
    status = {
        k: status_in[k]
        for k in ("observedGeneration", "lastScaleTime", "currentReplicas", "desiredReplicas")
        if k in status_in
    }
    if CURRENT_METRICS in annotations:  # more than the cpu percentage: these win
        status["currentMetrics"] = [
            _status_to_v2(m) for m in _annotation_list(annotations, CURRENT_METRICS) if isinstance(m, dict)
        ]
    elif status_in.get("currentCPUUtilizationPercentage") is not None:
        status["currentMetrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "current": {"averageUtilization": status_in["currentCPUUtilizationPercentage"]},
                },
            }
        ]
    if CONDITIONS in annotations:
        status["conditions"] = _annotation_list(annotations, CONDITIONS)
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    out = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": meta, "spec": spec}
    if status_in:
        out["status"] = status
    return out
