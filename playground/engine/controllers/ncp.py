"""An NSX-style network controller, as NCP (the NSX Container Plugin) works in the
vSphere with Kubernetes profile.

It watches Namespace creation. For each new namespace it takes a subnet from a
pre-configured IP block, creates a segment (logical switch) and a Tier-1 router
attached to the global Tier-0, gives the router port the subnet's first address, and
allocates an SNAT address and a distributed load balancer. It records these on the
namespace and reports each as an event, so the watch-driven workflow can be seen.
Pods in the namespace then take their IPs from its subnet.

The NSX objects are simulated: their names and the annotation keys are this
simulator's, chosen to read like NSX's.
"""

from __future__ import annotations

import ipaddress

from playground.engine.controllers.base import Controller, Result
from playground.engine.text import _, say

IP_BLOCK = "10.244.0.0/16"
SNAT_POOL = "10.30.10.0/24"
SUBNET = "ncp/subnet"
SEGMENT = "ncp/segment"
ROUTER = "ncp/router"
ROUTER_PORT = "ncp/router-port-ip"
SNAT = "ncp/snat_ip"
LOAD_BALANCER = "ncp/load-balancer"
SYSTEM = {"kube-system", "kube-public", "kube-node-lease"}


class NsxContainerPlugin(Controller):
    name = "ncp"
    component = "nsx-ncp"
    event_source = "nsx-container-plugin"
    watches = ("Namespace",)

    @staticmethod
    def enabled(options: dict) -> bool:
        return bool(options.get("ncp")) or options.get("profile") == "vsphere"

    def on_event(self, etype, kind, old, new):
        if kind == "Namespace" and new is not None and old is None:
            self.enqueue(new["metadata"]["name"])

    def reconcile(self, key: str) -> Result:
        cluster = self.cluster
        ns = cluster.store.get("Namespace", "", key)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return Result()
        annotations = dict(ns["metadata"].get("annotations") or {})
        if SUBNET in annotations:
            return Result()
        used = {
            a.get(SUBNET)
            for n in cluster.store.iter("Namespace")
            for a in [n["metadata"].get("annotations") or {}]
        }
        subnet = next(
            str(s) for s in ipaddress.ip_network(IP_BLOCK).subnets(new_prefix=24) if str(s) not in used
        )
        snat_used = {
            (n["metadata"].get("annotations") or {}).get(SNAT) for n in cluster.store.iter("Namespace")
        }
        snat = next(str(ip) for ip in ipaddress.ip_network(SNAT_POOL).hosts() if str(ip) not in snat_used)
        gateway = str(ipaddress.ip_network(subnet).network_address + 1)
        suffix = ns["metadata"]["uid"][:8]
        names = {
            SEGMENT: f"seg-{key}-{suffix}",
            ROUTER: f"t1-{key}-{suffix}",
            LOAD_BALANCER: f"lb-{key}-{suffix}",
        }
        steps = [
            ("SubnetAllocated", f"Allocated subnet {subnet} for namespace {key} from IP block {IP_BLOCK}"),
            ("SegmentCreated", f"Created segment {names[SEGMENT]} for namespace {key}"),
            (
                "Tier1RouterCreated",
                f"Created Tier-1 router {names[ROUTER]} and attached it to the Tier-0 router",
            ),
            (
                "RouterPortCreated",
                f"Connected segment {names[SEGMENT]} to {names[ROUTER]} with gateway {gateway}",
            ),
            ("SNATRuleCreated", f"Traffic leaving namespace {key} is translated to {snat}"),
            (
                "LoadBalancerCreated",
                f"Created distributed load balancer {names[LOAD_BALANCER]} for the Services of namespace {key}",
            ),
        ]
        annotations.update({SUBNET: subnet, ROUTER_PORT: gateway, SNAT: snat, **names})
        stored = cluster.api.commit(
            "Namespace", {**ns, "metadata": {**ns["metadata"], "annotations": annotations}}, ns
        )
        for reason, message in steps:
            cluster.recorder.record(stored, "Normal", reason, message, self.event_source)
        return Result.of(
            self.record(
                "NamespaceNetworkCreated",
                stored,
                say(
                    _(
                        "NCP saw namespace %(name)s created and built its network: subnet %(subnet)s, "
                        "segment %(segment)s, Tier-1 router %(router)s, SNAT %(snat)s"
                    ),
                    name=key,
                    subnet=subnet,
                    segment=names[SEGMENT],
                    router=names[ROUTER],
                    snat=snat,
                ),
            )
        )
