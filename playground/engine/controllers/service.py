"""The service controller (cloud-controller-manager's part): LoadBalancer Services get
an address from the pool standing in for the NSX or cloud load balancer; the ingress
controller's address is reported on each Ingress of its class."""

from __future__ import annotations

from playground.engine.controllers.base import Controller, Result
from playground.engine.util import split_key

INGRESS_CONTROLLER = "k8s.io/ingress-nginx"


class ServiceController(Controller):
    name = "service"
    component = "cloud-controller-manager"
    event_source = "service-controller"
    watches = ("Service", "Ingress")

    def on_event(self, etype, kind, old, new):
        if kind == "Service" and new is not None and (new.get("spec") or {}).get("type") == "LoadBalancer":
            if not ((new.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
                self.enqueue(f"svc:{new['metadata']['namespace']}/{new['metadata']['name']}")
        elif kind == "Ingress" and new is not None:
            self.enqueue(f"ing:{new['metadata']['namespace']}/{new['metadata']['name']}")

    def reconcile(self, key: str) -> Result:
        kind, ref = key.split(":", 1)
        ns, name = split_key(ref)
        if kind == "svc":
            return Result.of(self._service(ns, name))
        return Result.of(self._ingress(ns, name))

    def _service(self, ns: str, name: str) -> dict | None:
        cluster = self.cluster
        svc = cluster.store.get("Service", ns, name)
        if svc is None or (svc.get("spec") or {}).get("type") != "LoadBalancer":
            return None
        if ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
            return None
        cluster.recorder.record(
            svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer", self.event_source
        )
        requested = (svc.get("spec") or {}).get("loadBalancerIP")
        ip = (
            requested
            if requested and requested not in cluster.allocator.lb_ips
            else cluster.allocator.free_lb_ip()
        )
        if ip is None:
            cluster.recorder.record(
                svc,
                "Warning",
                "SyncLoadBalancerFailed",
                "Error syncing load balancer: failed to ensure load balancer: no addresses left in the pool",
                self.event_source,
            )
            return self.record(
                "SyncLoadBalancerFailed", svc, f"no load-balancer address left for Service {name}"
            )
        status = {"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}
        cluster.api.commit("Service", {**svc, "status": status}, svc)
        cluster.recorder.record(
            svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer", self.event_source
        )
        return self.record("EnsuredLoadBalancer", svc, f"Service {name} got load-balancer address {ip}")

    def ingress_address(self) -> str | None:
        """The ingress controller's own LoadBalancer address (ingress-nginx-controller)."""
        svc = self.cluster.store.get("Service", "ingress-nginx", "ingress-nginx-controller")
        ingress = (((svc or {}).get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        return ingress[0].get("ip") if ingress else self.cluster.options.get("ingress_address")

    def _ingress(self, ns: str, name: str) -> dict | None:
        cluster = self.cluster
        ing = cluster.store.get("Ingress", ns, name)
        if ing is None:
            return None
        class_name = (ing.get("spec") or {}).get("ingressClassName")
        classes = list(cluster.store.iter("IngressClass"))
        if class_name is None:
            default = [
                c
                for c in classes
                if (c["metadata"].get("annotations") or {}).get("ingressclass.kubernetes.io/is-default-class")
                == "true"
            ]
            ingress_class = default[0] if default else None
        else:
            ingress_class = cluster.store.get("IngressClass", "", class_name)
        if ingress_class is None or (ingress_class.get("spec") or {}).get("controller") != INGRESS_CONTROLLER:
            return None  # no controller watches this class: the Ingress does nothing
        address = self.ingress_address()
        if not address:
            return None
        status = {"loadBalancer": {"ingress": [{"ip": address}]}}
        if ing.get("status") == status:
            return None
        cluster.api.commit("Ingress", {**ing, "status": status}, ing)
        cluster.recorder.record(ing, "Normal", "Sync", "Scheduled for sync", "nginx-ingress-controller")
        return self.record("Sync", ing, f"Ingress {name} is served by the ingress controller at {address}")
