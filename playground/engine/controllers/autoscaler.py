"""The HorizontalPodAutoscaler controller (autoscaling/v2) on simulated CPU use.

A learner turns a workload's CPU demand up or down (``Cluster.set_cpu_load``); the
demand is shared by its ready pods. Every 15 s the controller applies upstream's
formula, desired = ceil(current × utilisation / target), with the 10 % tolerance,
scale-up limits and the five-minute scale-down stabilisation window.
"""

from __future__ import annotations

import math

from playground.engine import quantity
from playground.engine.controllers.base import Controller, Result
from playground.engine.podstatus import pod_ready
from playground.engine.selectors import compile_label_selector, matches, parse_label_selector
from playground.engine.text import _, say
from playground.engine.util import key_of, rfc3339, set_condition, split_key

SYNC_PERIOD = 15
TOLERANCE = 0.1
DOWNSCALE_WINDOW = 300


def workload_pods(cluster, kind: str, namespace: str, name: str) -> list[dict]:
    target = cluster.store.get(kind, namespace, name)
    if target is None:
        return []
    rt = cluster.api.registry.get(kind)
    if hasattr(rt, "scale_of"):  # a custom resource: the selector its scale subresource reports
        text = rt.scale_of(target)["status"].get("selector")
        if not text:
            return []
        selector = parse_label_selector(text)
    else:
        selector = compile_label_selector((target.get("spec") or {}).get("selector"))
    return [
        p
        for p in cluster.store.iter("Pod", namespace)
        if matches(selector, p["metadata"].get("labels"))
        and (p.get("status") or {}).get("phase") == "Running"
        and not p["metadata"].get("deletionTimestamp")
    ]


class AutoscalerController(Controller):
    name = "horizontalpodautoscaler"
    event_source = "horizontal-pod-autoscaler"
    watches = ("HorizontalPodAutoscaler",)

    def __init__(self, cluster):
        super().__init__(cluster)
        self.recommendations: dict[str, list[list[float]]] = {}

    def on_event(self, etype, kind, old, new):
        if (
            kind == "HorizontalPodAutoscaler"
            and new is not None
            and (old is None or old.get("spec") != new.get("spec"))
        ):
            self.enqueue(key_of(new))

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns, name = split_key(key)
        hpa = cluster.store.get("HorizontalPodAutoscaler", ns, name)
        if hpa is None:
            self.recommendations.pop(key, None)
            return Result()
        spec = hpa["spec"]
        ref = spec.get("scaleTargetRef") or {}
        now_s = rfc3339(cluster.clock)
        status = dict(hpa.get("status") or {})
        conditions = list(status.get("conditions") or [])
        target = cluster.store.get(ref.get("kind", ""), ns, ref.get("name", ""))
        if target is None:
            conditions = set_condition(
                conditions,
                {
                    "type": "AbleToScale",
                    "status": "False",
                    "reason": "FailedGetScale",
                    "message": f'the HPA controller was unable to get the target\'s current scale: {ref.get("kind", "").lower()}s.apps "{ref.get("name")}" not found',
                },
                now_s,
            )
            return self._save(hpa, {**status, "conditions": conditions}, None)
        target_rt = cluster.api.registry.get(ref.get("kind", ""))
        if hasattr(target_rt, "scale_of"):  # a custom resource, through its scale subresource
            current = target_rt.scale_of(target)["spec"]["replicas"]
        else:
            current = (target.get("spec") or {}).get("replicas", 1)
        metric = next(
            (
                m
                for m in spec.get("metrics")
                or [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 80},
                        },
                    }
                ]
                if m.get("type") == "Resource" and (m.get("resource") or {}).get("name") == "cpu"
            ),
            None,
        )
        target_util = ((metric or {}).get("resource") or {}).get("target", {}).get("averageUtilization", 80)
        pods = workload_pods(cluster, ref["kind"], ns, ref["name"])
        ready = [p for p in pods if pod_ready(p)]
        usage = cluster.pod_cpu_usage(ns)
        missing = next(
            (
                (p, c)
                for p in ready
                for c in p["spec"].get("containers") or []
                if "cpu" not in ((c.get("resources") or {}).get("requests") or {})
            ),
            None,
        )
        status["currentReplicas"] = current
        if missing is not None:
            pod, container = missing
            message = (
                f"invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: failed to get cpu "
                f'utilization: missing request for cpu in container "{container["name"]}" of Pod "{pod["metadata"]["name"]}"'
            )
            conditions = set_condition(
                conditions,
                {
                    "type": "ScalingActive",
                    "status": "False",
                    "reason": "FailedGetResourceMetric",
                    "message": message,
                },
                now_s,
            )
            if (hpa.get("status") or {}).get("conditions") != conditions:
                cluster.recorder.record(hpa, "Warning", "FailedGetResourceMetric", message, self.event_source)
            return self._save(hpa, {**status, "desiredReplicas": current, "conditions": conditions}, None)
        if not ready:
            return self._save(hpa, {**status, "desiredReplicas": current, "conditions": conditions}, None)
        requested = sum(
            quantity.millis(c["resources"]["requests"]["cpu"]) for p in ready for c in p["spec"]["containers"]
        )
        used = sum(usage.get(p["metadata"]["name"], 0) for p in ready)
        utilization = int(round(used * 100 / requested)) if requested else 0
        ratio = utilization / target_util
        desired = current if abs(ratio - 1) <= TOLERANCE else math.ceil(len(ready) * ratio)
        low, high = spec.get("minReplicas", 1), spec["maxReplicas"]
        # Scale-down stabilisation: the highest recommendation of the last five minutes wins.
        history = [r for r in self.recommendations.get(key, []) if cluster.clock - r[0] < DOWNSCALE_WINDOW]
        history.append([cluster.clock, desired])
        self.recommendations[key] = history
        if desired < current:
            desired = min(current, max(r[1] for r in history))
        if desired > current:
            desired = min(desired, max(current * 2, current + 4))
        limited = None
        if desired > high:
            desired, limited = (
                high,
                ("TooManyReplicas", "the desired replica count is more than the maximum replica count"),
            )
        elif desired < low:
            desired, limited = (
                low,
                ("TooFewReplicas", "the desired replica count is less than the minimum replica count"),
            )
        status["currentMetrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "current": {
                        "averageUtilization": utilization,
                        "averageValue": _milli(used // max(len(ready), 1)),
                    },
                },
            }
        ]
        conditions = set_condition(
            conditions,
            {
                "type": "ScalingActive",
                "status": "True",
                "reason": "ValidMetricFound",
                "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
            },
            now_s,
        )
        conditions = set_condition(
            conditions,
            {
                "type": "ScalingLimited",
                "status": "True" if limited else "False",
                "reason": limited[0] if limited else "DesiredWithinRange",
                "message": limited[1] if limited else "the desired count is within the acceptable range",
            },
            now_s,
        )
        action = None
        if desired != current:
            # reconcileAutoscaler: a count outside min..max is corrected before any metric counts.
            if current < low:
                reason = "Current number of replicas below Spec.MinReplicas"
            elif current > high:
                reason = "Current number of replicas above Spec.MaxReplicas"
            elif desired > current:
                reason = "cpu resource utilization (percentage of request) above target"
            else:
                reason = "All metrics below target"
            cluster.api.scale(ref["kind"], ref["name"], ns, desired)
            cluster.recorder.record(
                hpa,
                "Normal",
                "SuccessfulRescale",
                f"New size: {desired}; reason: {reason}",
                self.event_source,
            )
            status["lastScaleTime"] = now_s
            conditions = set_condition(
                conditions,
                {
                    "type": "AbleToScale",
                    "status": "True",
                    "reason": "SucceededRescale",
                    "message": f"the HPA controller was able to update the target scale to {desired}",
                },
                now_s,
            )
            action = say(
                _(
                    "HPA %(name)s scaled %(kind)s %(target)s from %(current)s to %(desired)s "
                    "(CPU at %(utilization)s%% of requests, target %(target_util)s%%)"
                ),
                name=name,
                kind=ref["kind"],
                target=ref["name"],
                current=current,
                desired=desired,
                utilization=utilization,
                target_util=target_util,
            )
        else:
            conditions = set_condition(
                conditions,
                {
                    "type": "AbleToScale",
                    "status": "True",
                    "reason": "ReadyForNewScale",
                    "message": "recommended size matches current size",
                },
                now_s,
            )
        order = {"AbleToScale": 0, "ScalingActive": 1, "ScalingLimited": 2}
        conditions.sort(key=lambda c: order.get(c["type"], 9))
        status.update({"desiredReplicas": desired, "conditions": conditions})
        return self._save(hpa, status, action)

    def _save(self, hpa: dict, status: dict, action: str | None) -> Result:
        """Write the status; the HPA looks again every sync period (--horizontal-pod-autoscaler-sync-period)."""
        current = self.cluster.store.get(
            "HorizontalPodAutoscaler", hpa["metadata"]["namespace"], hpa["metadata"]["name"]
        )
        if status != current.get("status"):
            self.cluster.api.commit("HorizontalPodAutoscaler", {**current, "status": status}, current)
        return Result.of(self.record("Rescale", hpa, action) if action else None, requeue_after=SYNC_PERIOD)

    def to_dict(self) -> dict:
        return {"recommendations": self.recommendations}

    def load(self, data: dict) -> None:
        self.recommendations = data.get("recommendations", {})


def _milli(millicores: int) -> str:
    return f"{millicores}m"
