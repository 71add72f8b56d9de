"""The Endpoints and EndpointSlice controllers: which pods stand behind each Service.

Ready pods are addresses; pods that are not ready are notReadyAddresses (unless the
Service publishes them anyway); a terminating pod leaves the Endpoints and shows in
its EndpointSlice as terminating, as on a real cluster.
"""

from __future__ import annotations

import ipaddress

from playground.engine.controllers.base import Controller, Result
from playground.engine.podstatus import pod_ready
from playground.engine.selectors import compile_label_selector, matches
from playground.engine.text import _, say
from playground.engine.util import key_of, object_key, rfc3339, split_key

SERVICE_NAME = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"


def _endpoint_view(pod: dict) -> tuple:
    status = pod.get("status") or {}
    return (
        status.get("podIP"),
        pod_ready(pod),
        status.get("phase"),
        pod["metadata"].get("deletionTimestamp"),
        tuple(sorted((pod["metadata"].get("labels") or {}).items())),
        (pod.get("spec") or {}).get("nodeName"),
    )


def resolve_target_port(pod: dict, target) -> int | None:
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for c in (pod.get("spec") or {}).get("containers") or []:
        for port in c.get("ports") or []:
            if port.get("name") == target:
                return port.get("containerPort")
    return None


class EndpointsController(Controller):
    name = "endpoints"
    event_source = "endpoint-controller"
    watches = ("Service", "Pod")

    def __init__(self, cluster):
        super().__init__(cluster)
        # namespace -> [(service name, compiled selector)], rebuilt when its Services change
        self.selectors: dict[str, list[tuple[str, tuple]]] = {}

    def _selectors(self, ns: str) -> list[tuple[str, tuple]]:
        cached = self.selectors.get(ns)
        if cached is None:
            cached = [
                (svc["metadata"]["name"], compile_label_selector({"matchLabels": svc["spec"]["selector"]}))
                for svc in self.cluster.store.iter("Service", ns)
                if (svc.get("spec") or {}).get("selector")
            ]
            self.selectors[ns] = cached
        return cached

    def on_event(self, etype, kind, old, new):
        obj = new or old
        if kind == "Service":
            self.selectors.pop(obj["metadata"]["namespace"], None)
            self.enqueue(key_of(obj))
        elif kind == "Pod":
            ns = obj["metadata"]["namespace"]
            # Only changes an endpoint can see: address, readiness, labels, deletion.
            if old is not None and new is not None and _endpoint_view(old) == _endpoint_view(new):
                return
            for name, requirements in self._selectors(ns):
                if any(
                    p is not None and matches(requirements, p["metadata"].get("labels")) for p in (old, new)
                ):
                    self.enqueue(object_key(ns, name))

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns, name = split_key(key)
        svc = cluster.store.get("Service", ns, name)
        if svc is None:
            for kind in ("Endpoints", "EndpointSlice"):
                for obj in list(cluster.store.iter(kind, ns)):
                    if (
                        obj["metadata"]["name"] == name
                        or (obj["metadata"].get("labels") or {}).get(SERVICE_NAME) == name
                    ):
                        if kind == "Endpoints" and obj["metadata"]["name"] != name:
                            continue
                        cluster.store.remove(kind, obj)
            return Result()
        spec = svc.get("spec") or {}
        if not spec.get("selector") or spec.get("type") == "ExternalName":
            return Result()  # endpoints of selector-less services are managed by hand
        requirements = compile_label_selector({"matchLabels": spec["selector"]})
        pods = sorted(
            (
                p
                for p in cluster.store.iter("Pod", ns)
                if matches(requirements, p["metadata"].get("labels"))
                and (p.get("status") or {}).get("podIP")
                and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            ),
            key=lambda p: ipaddress.ip_address(p["status"]["podIP"]),
        )
        publish = bool(spec.get("publishNotReadyAddresses"))
        changed = self._endpoints(svc, pods, publish) | self._slice(svc, pods, publish)
        if not changed:
            return Result()
        ready = sum(1 for p in pods if pod_ready(p) and not p["metadata"].get("deletionTimestamp"))
        return Result.of(
            self.record(
                "Sync",
                svc,
                say(
                    _("Service %(name)s now has %(ready)s ready endpoint(s) of %(pods)s pod(s)"),
                    name=name,
                    ready=ready,
                    pods=len(pods),
                ),
            )
        )

    def _port_list(self, svc: dict, pod: dict | None) -> list[dict]:
        ports = []
        for port in (svc.get("spec") or {}).get("ports") or []:
            target = (
                resolve_target_port(pod, port.get("targetPort", port.get("port")))
                if pod
                else port.get("targetPort")
            )
            if target is None:
                continue
            entry = {"port": target, "protocol": port.get("protocol", "TCP")}
            if port.get("name"):
                entry = {"name": port["name"], **entry}
            ports.append(entry)
        return ports

    def _endpoints(self, svc: dict, pods: list[dict], publish: bool) -> bool:
        cluster = self.cluster
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        subsets: dict[str, dict] = {}
        for pod in pods:
            if pod["metadata"].get("deletionTimestamp"):
                continue
            ports = self._port_list(svc, pod)
            if not ports and (svc.get("spec") or {}).get("ports"):
                continue
            address = {
                "ip": pod["status"]["podIP"],
                "nodeName": pod["spec"].get("nodeName"),
                "targetRef": {
                    "kind": "Pod",
                    "namespace": ns,
                    "name": pod["metadata"]["name"],
                    "uid": pod["metadata"]["uid"],
                },
            }
            if pod["spec"].get("hostname") and pod["spec"].get("subdomain") == name:
                address = {"hostname": pod["spec"]["hostname"], **address}
            key = repr(ports)
            subset = subsets.setdefault(key, {"ports": ports})
            field = "addresses" if (pod_ready(pod) or publish) else "notReadyAddresses"
            subset.setdefault(field, []).append(address)
        body = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": name, "namespace": ns, "labels": dict(svc["metadata"].get("labels") or {})},
        }
        ordered = []
        for subset in subsets.values():
            entry = {k: subset[k] for k in ("addresses", "notReadyAddresses") if k in subset}
            if subset["ports"]:
                entry["ports"] = subset["ports"]
            ordered.append(entry)
        if ordered:
            body["subsets"] = ordered
        current = cluster.store.get("Endpoints", ns, name)
        if current is None:
            body["metadata"]["annotations"] = {
                "endpoints.kubernetes.io/last-change-trigger-time": rfc3339(cluster.clock)
            }
            cluster.api.create_internal(body)
            return True
        if (
            current.get("subsets") == body.get("subsets")
            and (current["metadata"].get("labels") or {}) == body["metadata"]["labels"]
        ):
            return False
        meta = {
            **current["metadata"],
            "labels": body["metadata"]["labels"],
            "annotations": {
                **(current["metadata"].get("annotations") or {}),
                "endpoints.kubernetes.io/last-change-trigger-time": rfc3339(cluster.clock),
            },
        }
        new = {**current, "metadata": meta}
        if "subsets" in body:
            new["subsets"] = body["subsets"]
        else:
            new.pop("subsets", None)
        cluster.api.commit("Endpoints", new, current)
        return True

    def _slice(self, svc: dict, pods: list[dict], publish: bool) -> bool:
        cluster = self.cluster
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        endpoints = []
        ports = None
        for pod in pods:
            terminating = bool(pod["metadata"].get("deletionTimestamp"))
            ready = pod_ready(pod) and not terminating
            pod_ports = self._port_list(svc, pod)
            if ports is None:
                ports = pod_ports
            entry = {
                "addresses": [pod["status"]["podIP"]],
                "conditions": {
                    "ready": ready or (publish and not terminating),
                    "serving": pod_ready(pod),
                    "terminating": terminating,
                },
                "nodeName": pod["spec"].get("nodeName"),
                "targetRef": {
                    "kind": "Pod",
                    "namespace": ns,
                    "name": pod["metadata"]["name"],
                    "uid": pod["metadata"]["uid"],
                },
            }
            if pod["spec"].get("hostname") and pod["spec"].get("subdomain") == name:
                entry["hostname"] = pod["spec"]["hostname"]
            node = cluster.store.get("Node", "", pod["spec"].get("nodeName") or "")
            zone = ((node or {}).get("metadata", {}).get("labels") or {}).get("topology.kubernetes.io/zone")
            if zone:
                entry["zone"] = zone
            endpoints.append(entry)
        if ports is None:
            ports = (
                self._port_list(svc, None)
                if not (svc.get("spec") or {}).get("ports")
                else [
                    {
                        **({"name": p["name"]} if p.get("name") else {}),
                        "port": p.get("targetPort") if isinstance(p.get("targetPort"), int) else None,
                        "protocol": p.get("protocol", "TCP"),
                    }
                    for p in (svc.get("spec") or {}).get("ports") or []
                ]
            )
        existing = [
            s
            for s in cluster.store.iter("EndpointSlice", ns)
            if (s["metadata"].get("labels") or {}).get(SERVICE_NAME) == name
        ]
        labels = {
            **(svc["metadata"].get("labels") or {}),
            SERVICE_NAME: name,
            MANAGED_BY: "endpointslice-controller.k8s.io",
        }
        # EndpointSlice port names are pointers upstream and always set, "" when the
        # Service port has none (kubectl describe dereferences them).
        ports = [{"name": p.get("name", ""), **p} for p in ports]
        body = {"addressType": "IPv4", "endpoints": endpoints, "ports": ports}
        if existing:
            current = existing[0]
            if (
                all(current.get(k) == v for k, v in body.items())
                and current["metadata"].get("labels") == labels
            ):
                return False
            meta = {
                **current["metadata"],
                "labels": labels,
                "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": rfc3339(cluster.clock)},
            }
            cluster.api.commit("EndpointSlice", {**current, **body, "metadata": meta}, current)
            return True
        cluster.api.create_internal(
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "generateName": f"{name}-",
                    "namespace": ns,
                    "labels": labels,
                    "annotations": {
                        "endpoints.kubernetes.io/last-change-trigger-time": rfc3339(cluster.clock)
                    },
                    "ownerReferences": [
                        {
                            "apiVersion": "v1",
                            "kind": "Service",
                            "name": name,
                            "uid": svc["metadata"]["uid"],
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ],
                },
                **body,
            }
        )
        return True
