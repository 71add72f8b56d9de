"""LoadBalancer Services and Ingress addresses.

A LoadBalancer Service gets an address only from the profile's load-balancer
implementation: upstream's service controller runs in a cloud-controller-manager, which a
kubeadm cluster does not have, so without one the Service stays ``<pending>`` with no event
at all. The kubeadm-style profiles have a simulated MetalLB (its controller assigns from the
pool and its speaker announces the address, as MetalLB's events say); the vSphere profile has
NSX, reported as the cloud-provider service controller reports it (EnsuringLoadBalancer,
EnsuredLoadBalancer). The ingress controller's address is reported on each Ingress of its
class."""

from __future__ import annotations

import json

from playground.engine.controllers.base import Controller, Result
from playground.engine.network import announcing_node, load_balancer
from playground.engine.text import _, say
from playground.engine.util import split_key

INGRESS_CONTROLLER = "k8s.io/ingress-nginx"


class ServiceController(Controller):
    name = "service"
    component = "cloud-controller-manager"
    event_source = "service-controller"
    watches = ("Service", "Ingress")

    def on_event(self, etype, kind, old, new):
        if kind == "Service" and new is not None and (new.get("spec") or {}).get("type") == "LoadBalancer":
            if load_balancer(self.cluster) is None:
                return  # nothing implements LoadBalancer here: the Service stays <pending>
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
        provider = load_balancer(cluster)
        if provider is None:
            return None
        if provider == "nsx":
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
            if provider == "metallb":
                # MetalLB's controller: "Failed to allocate IP for <ns/name>: no available IPs".
                cluster.recorder.record(
                    svc,
                    "Warning",
                    "AllocationFailed",
                    f'Failed to allocate IP for "{ns}/{name}": no available IPs',
                    "metallb-controller",
                )
            else:
                cluster.recorder.record(
                    svc,
                    "Warning",
                    "SyncLoadBalancerFailed",
                    "Error syncing load balancer: failed to ensure load balancer: no addresses left in the pool",
                    self.event_source,
                )
            return self.record(
                "AllocationFailed" if provider == "metallb" else "SyncLoadBalancerFailed",
                svc,
                say(_("no load-balancer address left for Service %(name)s"), name=name),
            )
        status = {"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}
        cluster.api.commit("Service", {**svc, "status": status}, svc)
        if provider == "metallb":
            # MetalLB's controller (service.go) and its layer-2 speaker say so on the Service.
            cluster.recorder.record(
                svc, "Normal", "IPAllocated", f"Assigned IP {json.dumps([ip])}", "metallb-controller"
            )
            node = announcing_node(cluster, svc)
            if node is not None:
                cluster.recorder.record(
                    svc,
                    "Normal",
                    "nodeAssigned",
                    f'announcing from node "{node["metadata"]["name"]}" with protocol "layer2"',
                    "metallb-speaker",
                )
            step = self.record(
                "IPAllocated",
                svc,
                say(_("MetalLB assigned Service %(name)s the address %(ip)s"), name=name, ip=ip),
            )
            return {**step, "component": "metallb-controller"}
        cluster.recorder.record(
            svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer", self.event_source
        )
        return self.record(
            "EnsuredLoadBalancer",
            svc,
            say(_("Service %(name)s got NSX load-balancer address %(ip)s"), name=name, ip=ip),
        )

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
        return self.record(
            "Sync",
            ing,
            say(
                _("Ingress %(name)s is served by the ingress controller at %(address)s"),
                name=name,
                address=address,
            ),
        )
