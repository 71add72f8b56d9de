"""The cluster network: service IPs and NodePorts, cluster DNS, kube-proxy's rules, the pod
network as the profile's CNI plugin builds it (Flannel's VXLAN routes, NSX's segments),
NetworkPolicy evaluation (enforced only where the CNI plugin implements it) and tracing a
request hop by hop.

Service VIPs come from 10.96.0.0/12 (the `kubernetes` Service is 10.96.0.1, kube-dns
10.96.0.10), NodePorts from 30000-32767, load-balancer addresses from the pool of the
profile's load-balancer implementation (MetalLB in the kubeadm-style profiles, NSX in the
vSphere one; the minimal profile has none, and its LoadBalancer Services stay pending).
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress

from playground.engine.backref import ClusterRef
from playground.engine.errors import FieldError, invalid
from playground.engine.podstatus import pod_ready
from playground.engine.selectors import compile_label_selector, matches
from playground.engine.util import key_of, object_key

SERVICE_CIDR = "10.96.0.0/12"
NODE_PORT_RANGE = (30000, 32767)
DEFAULT_LB_POOL = "192.168.50.200-192.168.50.250"
CLUSTER_DOMAIN = "cluster.local"


class ServiceAllocator:
    """Which service IPs and NodePorts are in use, kept in step with Service events."""

    cluster = ClusterRef()  # weak: see playground/engine/backref.py

    def __init__(self, cluster):
        self.cluster = cluster
        self.ips: dict[str, str] = {}  # ip -> ns/name
        self.node_ports: dict[int, str] = {}
        self.lb_ips: dict[str, str] = {}
        self.network = ipaddress.ip_network(cluster.options.get("service_cidr", SERVICE_CIDR))

    def rebuild(self) -> None:
        self.ips, self.node_ports, self.lb_ips = {}, {}, {}
        for svc in self.cluster.store.iter("Service"):
            self._track(svc, 1)
        for gw in self.cluster.store.iter("Gateway"):  # Gateway API addresses (controllers/gateway.py)
            for address in (gw.get("status") or {}).get("addresses") or []:
                self.lb_ips[address.get("value")] = f"Gateway:{key_of(gw)}"

    def on_event(self, etype, kind, old, new):
        if kind != "Service":
            return
        if old is not None:
            self._track(old, -1)
        if new is not None:
            self._track(new, 1)

    def _track(self, svc: dict, sign: int) -> None:
        key = key_of(svc)
        spec = svc.get("spec") or {}
        for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []):
            if ip and ip != "None":
                if sign > 0:
                    self.ips[ip] = key
                elif self.ips.get(ip) == key:
                    del self.ips[ip]
        for port in spec.get("ports") or []:
            number = port.get("nodePort")
            if number:
                if sign > 0:
                    self.node_ports[number] = key
                elif self.node_ports.get(number) == key:
                    del self.node_ports[number]
        for ingress in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
            ip = ingress.get("ip")
            if ip:
                if sign > 0:
                    self.lb_ips[ip] = key
                elif self.lb_ips.get(ip) == key:
                    del self.lb_ips[ip]

    def allocate(self, svc: dict, old: dict | None = None) -> list[FieldError]:
        """Fill spec.clusterIP(s) and nodePorts; errors as upstream's allocators word them."""
        spec = svc["spec"]
        key = key_of(svc)
        errors: list[FieldError] = []
        stype = spec.get("type", "ClusterIP")
        if stype == "ExternalName":
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
            return errors
        requested = spec.get("clusterIP") or ((spec.get("clusterIPs") or [None])[0])
        if old is not None and (old.get("spec") or {}).get("clusterIP"):
            requested = requested or old["spec"]["clusterIP"]
        if requested == "None":
            spec["clusterIP"] = "None"
            spec["clusterIPs"] = ["None"]
        elif requested:
            try:
                address = ipaddress.ip_address(requested)
            except ValueError:
                return [invalid("spec.clusterIPs", [requested], "must be a valid IP address")]
            owner = self.ips.get(requested)
            if address not in self.network:
                errors.append(
                    _ips_error(
                        requested,
                        f"the provided IP ({requested}) is not in the valid range. The range of valid IPs is {self.network}",
                    )
                )
            elif owner is not None and owner != key:
                errors.append(_ips_error(requested, "provided IP is already allocated"))
            spec["clusterIP"] = requested
            spec["clusterIPs"] = [requested]
        else:
            ip = self._free_ip()
            spec["clusterIP"] = ip
            spec["clusterIPs"] = [ip]
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        if stype in ("NodePort", "LoadBalancer"):
            seen: set[int] = set()
            for i, port in enumerate(spec.get("ports") or []):
                number = port.get("nodePort")
                if number is None and old is not None:
                    number = next(
                        (
                            p.get("nodePort")
                            for p in (old.get("spec") or {}).get("ports") or []
                            if p.get("port") == port.get("port")
                            and p.get("protocol", "TCP") == port.get("protocol", "TCP")
                        ),
                        None,
                    )
                if number is None:
                    if stype == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is False:
                        continue
                    number = self._free_port(seen)
                elif not NODE_PORT_RANGE[0] <= number <= NODE_PORT_RANGE[1]:
                    errors.append(
                        invalid(
                            f"spec.ports[{i}].nodePort",
                            number,
                            "provided port is not in the valid range. The range of valid ports is 30000-32767",
                        )
                    )
                elif self.node_ports.get(number, key) != key or number in seen:
                    errors.append(
                        invalid(f"spec.ports[{i}].nodePort", number, "provided port is already allocated")
                    )
                seen.add(number)
                port["nodePort"] = number
        else:
            for port in spec.get("ports") or []:
                port.pop("nodePort", None)
        return errors

    def _free_ip(self) -> str:
        rng = self.cluster.rng
        size = self.network.num_addresses
        for _ in range(1000):
            ip = str(self.network.network_address + 1 + rng.below(size - 2))
            if ip not in self.ips and ip not in ("10.96.0.1", "10.96.0.10"):
                return ip
        for offset in range(2, size - 1):
            ip = str(self.network.network_address + offset)
            if ip not in self.ips:
                return ip
        raise RuntimeError("the service IP range is full")

    def _free_port(self, seen: set[int]) -> int:
        low, high = NODE_PORT_RANGE
        rng = self.cluster.rng
        for _ in range(1000):
            port = low + rng.below(high - low + 1)
            if port not in self.node_ports and port not in seen:
                return port
        for port in range(low, high + 1):
            if port not in self.node_ports and port not in seen:
                return port
        raise RuntimeError("the NodePort range is full")

    def lb_pool(self) -> list[str]:
        spec = self.cluster.options.get("lb_pool", DEFAULT_LB_POOL)
        first, last = (ipaddress.ip_address(part.strip()) for part in spec.split("-"))
        return [str(ipaddress.ip_address(n)) for n in range(int(first), int(last) + 1)]

    def free_lb_ip(self) -> str | None:
        for ip in self.lb_pool():
            if ip not in self.lb_ips:
                return ip
        return None


class _ClusterIPsError(FieldError):
    """Upstream prints the requested IPs as a Go slice: []string{"10.96.0.10"}."""

    def __init__(self, ip: str, detail: str):
        super().__init__("spec.clusterIPs", "Invalid value", f"failed to allocate IP {ip}: {detail}")
        self.ip = ip

    def body(self) -> str:
        return f'Invalid value: []string{{"{self.ip}"}}: {self.detail}'


def _ips_error(ip: str, detail: str) -> FieldError:
    return _ClusterIPsError(ip, detail)


# kube-proxy's iptables view -----------------------------------------------------------


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def service_chain(port_name: str, protocol: str) -> str:
    return "KUBE-SVC-" + _hash(port_name + protocol.lower())


def endpoint_chain(port_name: str, protocol: str, endpoint: str) -> str:
    return "KUBE-SEP-" + _hash(port_name + protocol.lower() + endpoint)


def service_ports(cluster, svc: dict) -> list[dict]:
    """Each service port with its ready endpoints (ip:port), as kube-proxy sees them."""
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    slices = [
        s
        for s in cluster.store.iter("EndpointSlice", ns)
        if (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name") == name
    ]
    result = []
    for port in (svc.get("spec") or {}).get("ports") or []:
        port_name = port.get("name", "")
        endpoints = []
        for es in slices:
            target = next(
                (p.get("port") for p in es.get("ports") or [] if p.get("name", "") == port_name), None
            )
            if target is None:
                continue
            for ep in es.get("endpoints") or []:
                if (ep.get("conditions") or {}).get("ready"):
                    for address in ep.get("addresses") or []:
                        endpoints.append(
                            {
                                "ip": address,
                                "port": target,
                                "node": ep.get("nodeName"),
                                "pod": (ep.get("targetRef") or {}).get("name"),
                            }
                        )
        endpoints.sort(key=lambda e: (ipaddress.ip_address(e["ip"]), e["port"]))
        result.append(
            {
                "name": port_name,
                "port": port.get("port"),
                "protocol": port.get("protocol", "TCP"),
                "nodePort": port.get("nodePort"),
                "targetPort": port.get("targetPort"),
                "label": object_key(ns, name) + (f":{port_name}" if port_name else ""),
                "endpoints": endpoints,
            }
        )
    return result


def proxy_rules(cluster, node_name: str | None = None) -> list[str]:
    """The nat-table rules kube-proxy (iptables mode) programs, as `iptables-save` prints them."""
    lines = ["*nat", ":KUBE-SERVICES - [0:0]", ":KUBE-NODEPORTS - [0:0]"]
    chains, rules = [], []
    services = sorted(
        cluster.store.iter("Service"), key=lambda s: (s["metadata"]["namespace"], s["metadata"]["name"])
    )
    for svc in services:
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName" or spec.get("clusterIP") in (None, "None"):
            continue
        for sp in service_ports(cluster, svc):
            proto = sp["protocol"].lower()
            label = sp["label"]
            svc_chain = service_chain(label, sp["protocol"])
            if not sp["endpoints"]:
                rules.append(
                    f'-A KUBE-SERVICES -d {spec["clusterIP"]}/32 -p {proto} -m comment --comment "{label} has no endpoints" '
                    f"-m {proto} --dport {sp['port']} -j REJECT --reject-with icmp-port-unreachable"
                )
                continue
            chains.append(f":{svc_chain} - [0:0]")
            rules.append(
                f'-A KUBE-SERVICES -d {spec["clusterIP"]}/32 -p {proto} -m comment --comment "{label} cluster IP" '
                f"-m {proto} --dport {sp['port']} -j {svc_chain}"
            )
            for ingress in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
                if ingress.get("ip"):
                    rules.append(
                        f'-A KUBE-SERVICES -d {ingress["ip"]}/32 -p {proto} -m comment --comment "{label} loadbalancer IP" '
                        f"-m {proto} --dport {sp['port']} -j {svc_chain}"
                    )
            if sp["nodePort"]:
                rules.append(
                    f'-A KUBE-NODEPORTS -p {proto} -m comment --comment "{label}" -m {proto} --dport {sp["nodePort"]} -j {svc_chain}'
                )
            count = len(sp["endpoints"])
            for i, ep in enumerate(sp["endpoints"]):
                target = f"{ep['ip']}:{ep['port']}"
                sep = endpoint_chain(label, sp["protocol"], target)
                chains.append(f":{sep} - [0:0]")
                if i < count - 1:
                    rules.append(
                        f'-A {svc_chain} -m comment --comment "{label} -> {target}" -m statistic --mode random '
                        f"--probability {1.0 / (count - i):0.10f} -j {sep}"
                    )
                else:
                    rules.append(f'-A {svc_chain} -m comment --comment "{label} -> {target}" -j {sep}')
                rules.append(f'-A {sep} -s {ep["ip"]}/32 -m comment --comment "{label}" -j KUBE-MARK-MASQ')
                rules.append(
                    f'-A {sep} -p {proto} -m comment --comment "{label}" -m {proto} -j DNAT --to-destination {target}'
                )
    rules.append(
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" '
        "-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS"
    )
    return lines + chains + rules + ["COMMIT"]


# Cluster DNS -------------------------------------------------------------------------------


def search_path(namespace: str) -> list[str]:
    return [f"{namespace}.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}", CLUSTER_DOMAIN]


def resolve(cluster, name: str, namespace: str = "default") -> dict:
    """What CoreDNS answers for a name looked up from a pod in `namespace`."""
    name = name.rstrip(".").lower()
    candidates = (
        [name]
        if name.endswith(CLUSTER_DOMAIN)
        else [f"{name}.{suffix}" for suffix in search_path(namespace)] + [name]
    )
    for fqdn in candidates:
        answer = _lookup(cluster, fqdn)
        if answer is not None:
            answer["query"] = name
            answer["fqdn"] = fqdn
            return answer
    return {"query": name, "fqdn": None, "addresses": [], "rcode": "NXDOMAIN"}


def _lookup(cluster, fqdn: str) -> dict | None:
    suffix = f".svc.{CLUSTER_DOMAIN}"
    if not fqdn.endswith(suffix):
        return None
    parts = fqdn[: -len(suffix)].split(".")
    if len(parts) == 2:
        svc_name, ns = parts
        svc = cluster.store.get("Service", ns, svc_name)
        if svc is None:
            return None
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName":
            return {
                "type": "CNAME",
                "addresses": [],
                "cname": spec.get("externalName"),
                "service": object_key(ns, svc_name),
                "rcode": "NOERROR",
            }
        if spec.get("clusterIP") == "None":
            ips = sorted(
                {ep["ip"] for sp in service_ports(cluster, svc) for ep in sp["endpoints"]},
                key=ipaddress.ip_address,
            )
            if not (spec.get("ports") or []):
                ips = sorted(_headless_ips(cluster, svc), key=ipaddress.ip_address)
            return {
                "type": "A",
                "addresses": ips,
                "headless": True,
                "service": object_key(ns, svc_name),
                "rcode": "NOERROR",
            }
        return {
            "type": "A",
            "addresses": [spec["clusterIP"]],
            "headless": False,
            "service": object_key(ns, svc_name),
            "rcode": "NOERROR",
        }
    if len(parts) == 3:
        host, svc_name, ns = parts
        for pod in cluster.store.iter("Pod", ns):
            spec = pod.get("spec") or {}
            if (
                spec.get("hostname") == host
                and spec.get("subdomain") == svc_name
                and (pod.get("status") or {}).get("podIP")
            ):
                return {
                    "type": "A",
                    "addresses": [pod["status"]["podIP"]],
                    "pod": object_key(ns, pod["metadata"]["name"]),
                    "service": object_key(ns, svc_name),
                    "rcode": "NOERROR",
                }
    return None


def _headless_ips(cluster, svc: dict) -> list[str]:
    selector = compile_label_selector({"matchLabels": (svc.get("spec") or {}).get("selector") or {}})
    return [
        p["status"]["podIP"]
        for p in cluster.store.iter("Pod", svc["metadata"]["namespace"])
        if matches(selector, p["metadata"].get("labels")) and (p.get("status") or {}).get("podIP")
    ]


# NetworkPolicy --------------------------------------------------------------------------


def _peer_matches(cluster, peer: dict, policy_ns: str, source: dict) -> bool:
    if "ipBlock" in peer:
        ip = source.get("ip")
        if not ip:
            return False
        block = peer["ipBlock"]
        address = ipaddress.ip_address(ip)
        if address not in ipaddress.ip_network(block.get("cidr", "0.0.0.0/0"), strict=False):
            return False
        return not any(address in ipaddress.ip_network(e, strict=False) for e in block.get("except") or [])
    pod = source.get("pod")
    if pod is None:
        return False
    pod_ns = pod["metadata"]["namespace"]
    if "namespaceSelector" in peer:
        ns_obj = cluster.store.get("Namespace", "", pod_ns)
        if not matches(
            compile_label_selector(peer["namespaceSelector"]),
            (ns_obj or {}).get("metadata", {}).get("labels"),
        ):
            return False
    elif pod_ns != policy_ns:
        return False
    if "podSelector" in peer:
        return matches(compile_label_selector(peer["podSelector"]), pod["metadata"].get("labels"))
    return True


def _port_matches(rule_ports, port: int, protocol: str, named: dict[str, int]) -> bool:
    if not rule_ports:
        return True
    for rp in rule_ports:
        if rp.get("protocol", "TCP") != protocol:
            continue
        target = rp.get("port")
        if target is None:
            return True
        if isinstance(target, str):
            target = named.get(target)
        end = rp.get("endPort", target)
        if target is not None and target <= port <= end:
            return True
    return False


def _policy_types(policy: dict) -> list[str]:
    spec = policy.get("spec") or {}
    if spec.get("policyTypes"):
        return spec["policyTypes"]
    return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


def policy_verdict(
    cluster, direction: str, subject: dict, peer: dict, port: int, protocol: str = "TCP"
) -> dict:
    """Whether `subject` (a pod) may receive from / send to `peer`, as upstream specifies.

    A pod selected by no policy of this direction is not isolated. Otherwise the
    traffic must be allowed by at least one rule of one selecting policy.
    """
    ns = subject["metadata"]["namespace"]
    named = {
        p["name"]: p["containerPort"]
        for c in subject["spec"].get("containers") or []
        for p in c.get("ports") or []
        if p.get("name")
    }
    selecting = [
        p
        for p in cluster.store.iter("NetworkPolicy", ns)
        if direction in _policy_types(p)
        and matches(
            compile_label_selector((p.get("spec") or {}).get("podSelector") or {}),
            subject["metadata"].get("labels"),
        )
    ]
    if not selecting:
        return {"allowed": True, "isolated": False, "policies": []}
    field, peer_field = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    names = sorted(p["metadata"]["name"] for p in selecting)
    for policy in sorted(selecting, key=lambda p: p["metadata"]["name"]):
        for rule in (policy.get("spec") or {}).get(field) or []:
            peers = rule.get(peer_field)
            if peers and not any(_peer_matches(cluster, pr, ns, peer) for pr in peers):
                continue
            if direction == "Egress":
                target_named = {}
                if peer.get("pod") is not None:
                    target_named = {
                        p["name"]: p["containerPort"]
                        for c in peer["pod"]["spec"].get("containers") or []
                        for p in c.get("ports") or []
                        if p.get("name")
                    }
                ok = _port_matches(rule.get("ports"), port, protocol, target_named)
            else:
                ok = _port_matches(rule.get("ports"), port, protocol, named)
            if ok:
                return {
                    "allowed": True,
                    "isolated": True,
                    "policies": names,
                    "allowedBy": policy["metadata"]["name"],
                }
    return {"allowed": False, "isolated": True, "policies": names}


# Tracing a request ---------------------------------------------------------------------------


class TraceError(Exception):
    pass


def _node_ip(node: dict) -> str:
    return next(
        (
            a["address"]
            for a in (node.get("status") or {}).get("addresses") or []
            if a.get("type") == "InternalIP"
        ),
        "",
    )


def cni(cluster) -> str:
    """The cluster's CNI plugin: ``flannel``, ``nsx`` or ``bridge`` (profiles.CNIS)."""
    from playground.engine.profiles import cni as of_options

    return of_options(cluster.options)


def cni_name(cluster) -> str:
    from playground.engine.profiles import CNI_NAMES

    return CNI_NAMES.get(cni(cluster), cni(cluster))


def enforces_network_policy(cluster) -> bool:
    """Whether the CNI plugin implements NetworkPolicy. The API accepts the objects in any
    cluster; "Network policies are implemented by the network plugin", and creating one
    without a plugin that implements it "will have no effect" (Kubernetes docs, Network
    Policies). Flannel says of itself that it "does not implement network policy"."""
    from playground.engine.profiles import NETWORK_POLICY_CNIS

    return cni(cluster) in NETWORK_POLICY_CNIS


def _cni_short(cluster) -> str:
    return {"flannel": "Flannel", "nsx": "NSX", "bridge": "The bridge plugin"}.get(cni(cluster), cni(cluster))


def _pods_on(cluster, node_name: str) -> list[dict]:
    return sorted(
        (
            {
                "name": p["metadata"]["name"],
                "namespace": p["metadata"]["namespace"],
                "ip": p["status"]["podIP"],
            }
            for p in cluster.store.pods_on(node_name)
            if (p.get("status") or {}).get("podIP") and not p["spec"].get("hostNetwork")
        ),
        key=lambda p: (p["namespace"], p["name"]),
    )


def _flannel_addresses(cidr: str) -> tuple[str, str]:
    """Flannel (VXLAN) on a node whose subnet is `cidr`: cni0 takes the subnet's first
    address (the bridge plugin's gateway), flannel.1 the subnet's network (.0) address."""
    network = ipaddress.ip_network(cidr)
    return f"{network.network_address + 1}/{network.prefixlen}", f"{network.network_address}/32"


def node_routes(cluster, max_routes: int | None = None) -> list[dict]:
    """Each node as its CNI plugin builds it: node IP, pod subnet, devices and the routes in
    its table (what `ip route` prints on the node), with the pods it runs.

    Flannel (VXLAN, its default backend): cni0 holds the subnet's .1, flannel.1 its .0, and
    every other node's subnet goes `via <its .0> dev flannel.1 onlink`. The bridge plugin
    (one node): cni0 only. NSX: pods sit on their namespace's segment, not on a node bridge
    (see `segments`). kubenet's picture (a cbr0 bridge, routes to each node's IP on the
    router) is gone with kubenet (removed in 1.24).

    With `max_routes`, a node lists at most that many routes (its own subnet's always) and
    `more` counts the rest: a big cluster has one route per other node on every node."""
    plugin = cni(cluster)
    nodes = sorted(cluster.store.iter("Node"), key=lambda n: n["metadata"]["name"])
    subnets = {n["metadata"]["name"]: (n.get("spec") or {}).get("podCIDR") for n in nodes}
    ordered = sorted(
        ((ipaddress.ip_network(cidr), name, cidr) for name, cidr in subnets.items() if cidr),
        key=lambda item: item[0],
    )
    result = []
    for node in nodes:
        name = node["metadata"]["name"]
        cidr = subnets[name]
        entry = {
            "node": name,
            "nodeIP": _node_ip(node),
            "podCIDR": cidr,
            "bridge": None,
            "vtep": None,
            "routes": [],
            "more": 0,
            "pods": _pods_on(cluster, name),
        }
        if cidr and plugin in ("flannel", "bridge"):
            bridge, vtep = _flannel_addresses(cidr)
            entry["bridge"] = {"name": "cni0", "address": bridge}
            own = f"{cidr} dev cni0 proto kernel scope link src {bridge.split('/')[0]}"
            if plugin == "flannel":
                entry["vtep"] = {"name": "flannel.1", "address": vtep}
                peers = [item for item in ordered if item[1] != name]
                if max_routes is not None and len(peers) + 1 > max_routes:
                    entry["more"] = len(peers) + 1 - max_routes
                    peers = peers[: max(max_routes - 1, 0)]
                own_network = ipaddress.ip_network(cidr)
                lines = [(own_network, own)] + [
                    (network, f"{peer_cidr} via {network.network_address} dev flannel.1 onlink")
                    for network, _peer, peer_cidr in peers
                ]
                entry["routes"] = [line for _network, line in sorted(lines, key=lambda item: item[0])]
            else:
                entry["routes"] = [own]
        result.append(entry)
    return result


def segments(cluster) -> list[dict]:
    """NSX (NCP): each namespace's segment, subnet and Tier-1 gateway, with its pods."""
    if cni(cluster) != "nsx":
        return []
    from playground.engine.controllers import ncp

    result = []
    for ns in sorted(cluster.store.iter("Namespace"), key=lambda n: n["metadata"]["name"]):
        annotations = ns["metadata"].get("annotations") or {}
        if not annotations.get(ncp.SUBNET):
            continue
        name = ns["metadata"]["name"]
        result.append(
            {
                "namespace": name,
                "segment": annotations.get(ncp.SEGMENT),
                "subnet": annotations[ncp.SUBNET],
                "gateway": annotations.get(ncp.ROUTER_PORT),
                "router": annotations.get(ncp.ROUTER),
                "snat": annotations.get(ncp.SNAT),
                "pods": sorted(
                    (
                        {
                            "name": p["metadata"]["name"],
                            "ip": p["status"]["podIP"],
                            "node": p["spec"].get("nodeName"),
                        }
                        for p in cluster.store.iter("Pod", name)
                        if (p.get("status") or {}).get("podIP") and not p["spec"].get("hostNetwork")
                    ),
                    key=lambda p: p["name"],
                ),
            }
        )
    return result


ROUTES_SHOWN = 12  # routes per node the Network view lists; the rest are counted


def pod_network(cluster) -> dict:
    """The pod network as the profile's CNI plugin builds it, for the Network view."""
    return {
        "cni": cni(cluster),
        "name": cni_name(cluster),
        "enforces_policy": enforces_network_policy(cluster),
        "nodes": node_routes(cluster, max_routes=ROUTES_SHOWN),
        "segments": segments(cluster),
    }


def _segment_of(cluster, namespace: str) -> dict | None:
    from playground.engine.controllers import ncp

    ns = cluster.store.get("Namespace", "", namespace)
    annotations = (ns or {}).get("metadata", {}).get("annotations") or {}
    if not annotations.get(ncp.SUBNET):
        return None
    return {
        "segment": annotations.get(ncp.SEGMENT),
        "subnet": annotations[ncp.SUBNET],
        "router": annotations.get(ncp.ROUTER),
    }


def load_balancer(cluster) -> str | None:
    """The cluster's LoadBalancer implementation: ``metallb``, ``nsx`` or None."""
    from playground.engine.profiles import load_balancer as of_options

    return of_options(cluster.options)


def load_balancer_name(cluster) -> str | None:
    """What provides LoadBalancer addresses, in words for the Network view (None: nothing)."""
    from playground.engine.profiles import LOAD_BALANCER_NAMES

    provider = load_balancer(cluster)
    return LOAD_BALANCER_NAMES.get(provider, provider) if provider else None


def announcing_node(cluster, svc: dict) -> dict | None:
    """MetalLB layer 2: the one node whose speaker answers ARP for a Service's address,
    chosen by hashing the Service over the ready nodes not labelled
    node.kubernetes.io/exclude-from-external-load-balancers (the control plane)."""
    nodes = [
        n
        for n in sorted(cluster.store.iter("Node"), key=lambda n: n["metadata"]["name"])
        if n["metadata"]["name"] not in cluster.down_nodes
        and "node.kubernetes.io/exclude-from-external-load-balancers"
        not in (n["metadata"].get("labels") or {})
    ]
    return _pick(nodes, key_of(svc)) if nodes else None


def _pick(endpoints: list[dict], salt: str) -> dict:
    """kube-proxy picks at random; a trace picks the same endpoint for the same request."""
    index = int(hashlib.sha256(salt.encode()).hexdigest(), 16) % len(endpoints)
    return endpoints[index]


def ingress_match(cluster, host: str, path: str):
    """The Ingress rule and backend serving host+path, by upstream's matching rules."""
    best = None
    for ing in sorted(
        cluster.store.iter("Ingress"), key=lambda i: (i["metadata"]["namespace"], i["metadata"]["name"])
    ):
        if not ((ing.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
            continue
        spec = ing.get("spec") or {}
        for rule in spec.get("rules") or []:
            rule_host = rule.get("host")
            if rule_host:
                if rule_host.startswith("*."):
                    suffix = rule_host[1:]
                    if not (host.endswith(suffix) and host.count(".") == rule_host.count(".")):
                        continue
                elif rule_host != host:
                    continue
            for entry in (rule.get("http") or {}).get("paths") or []:
                ptype = entry.get("pathType", "ImplementationSpecific")
                rule_path = entry.get("path", "/")
                if ptype == "Exact":
                    if path != rule_path:
                        continue
                    rank = (2, len(rule_path), 1)
                else:
                    parts = [p for p in rule_path.split("/") if p]
                    request = [p for p in path.split("/") if p]
                    if request[: len(parts)] != parts:
                        continue
                    rank = (1 if rule_host else 0, len(rule_path), 0)
                if best is None or rank > best[0]:
                    best = (rank, ing, entry.get("backend") or {}, rule_host, rule_path, ptype)
        if best is None and spec.get("defaultBackend"):
            best = ((-1, 0, 0), ing, spec["defaultBackend"], None, None, "default")
    return best


def trace(cluster, source: str, destination: str) -> dict:
    """The hops, plus `route`: what the request passed through, as data for the topology
    diagram (source, ingress, gateway, lb, node, service, entry, endpoint; whichever were reached)."""
    route: dict = {}
    result = _trace(cluster, source, destination, route)
    result["route"] = route
    return result


def _trace(cluster, source: str, destination: str, route: dict) -> dict:
    hops: list[dict] = []

    def hop(component: str, text: str, **detail) -> None:
        hops.append(
            {
                "step": len(hops) + 1,
                "component": component,
                "description": text,
                **({"detail": detail} if detail else {}),
            }
        )

    def fail(component: str, text: str) -> dict:
        hop(component, text)
        return {"source": source, "destination": destination, "ok": False, "hops": hops, "error": text}

    # The source: a pod, or a client outside the cluster.
    src_pod = None
    outside = source.strip().lower() in ("outside", "internet", "external", "")
    if not outside:
        ref = source.removeprefix("pod/")
        ns, _, name = ref.rpartition("/")
        src_pod = cluster.store.get("Pod", ns or "default", name)
        if src_pod is None:
            raise TraceError(f'pods "{name}" not found')
        if not (src_pod.get("status") or {}).get("podIP"):
            raise TraceError(f"pod {name} has no IP yet (it is {src_pod['status'].get('phase')})")
        src_ns = src_pod["metadata"]["namespace"]
        route["source"] = object_key(src_ns, name)
        hop(
            "pod",
            f"Request leaves pod {src_ns}/{name} ({src_pod['status']['podIP']}) on node {src_pod['spec']['nodeName']}; "
            "its network namespace is held by the pause container",
        )
    else:
        src_ns = "default"
        hop("client", "Request comes from a client outside the cluster")

    target = destination.strip()
    path = "/"
    scheme_host = None
    if target.startswith(("http://", "https://")):
        rest = target.split("://", 1)[1]
        scheme_host, _, tail = rest.partition("/")
        path = "/" + tail
    elif "/" in target and not target.split("/")[0].replace(".", "").isdigit():
        scheme_host, _, tail = target.partition("/")
        path = "/" + tail
    host, port = (scheme_host or target), None
    if ":" in host:
        host, _, port_text = host.rpartition(":")
        try:
            port = int(port_text)
        except ValueError:
            raise TraceError(f"invalid port in {destination!r}") from None

    svc, svc_port, entry = None, None, None
    if scheme_host is not None:
        from playground.engine.controllers.gateway import trace_hops

        found = trace_hops(cluster, host, path, target.startswith("https://"), hop, route)
        if found is not None and "error" in found:
            return fail(found["component"], found["error"])
        if found is not None:
            svc, svc_port, entry = found["service"], found["port"], "gateway"
    if scheme_host is not None and entry is None:
        match = ingress_match(cluster, host, path)
        address = cluster.controllers["service"].ingress_address()
        hop("dns", f"DNS: {host} resolves to the ingress controller's address {address} (a wildcard record)")
        if match is None:
            return fail(
                "ingress-controller",
                f"No Ingress rule matches host {host} and path {path}: the ingress controller's default backend answers 404 Not Found",
            )
        _rank, ing, backend, rule_host, rule_path, ptype = match
        route["ingress"] = key_of(ing)
        svc_ref = backend.get("service") or {}
        hop(
            "ingress-controller",
            f"Ingress {ing['metadata']['namespace']}/{ing['metadata']['name']} matches "
            + (f"host {rule_host} " if rule_host else "any host ")
            + (f"path {rule_path} ({ptype})" if rule_path else "(default backend)")
            + f" and routes to Service {svc_ref.get('name')}",
        )
        svc = cluster.store.get("Service", ing["metadata"]["namespace"], svc_ref.get("name", ""))
        if svc is None:
            return fail(
                "ingress-controller",
                f'The backend Service "{svc_ref.get("name")}" does not exist: 503 Service Temporarily Unavailable',
            )
        wanted = svc_ref.get("port") or {}
        svc_port = next(
            (
                p
                for p in svc["spec"].get("ports") or []
                if p.get("port") == wanted.get("number")
                or (wanted.get("name") and p.get("name") == wanted.get("name"))
            ),
            None,
        )
        if svc_port is None:
            return fail(
                "ingress-controller",
                f"Service {svc['metadata']['name']} has no port {wanted.get('number') or wanted.get('name')}",
            )
        entry = "ingress"
    elif scheme_host is None:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if address is None:
            if outside:
                return fail(
                    "dns",
                    f"{host} is a cluster DNS name: clients outside the cluster cannot resolve it. Use a NodePort, a LoadBalancer address or an Ingress host.",
                )
            answer = resolve(cluster, host, src_ns)
            if answer["rcode"] != "NOERROR" or not answer["addresses"]:
                return fail(
                    "dns",
                    f"DNS: CoreDNS finds no record for {host} (searched {', '.join(search_path(src_ns))}): NXDOMAIN",
                )
            svc_ns, svc_name = answer["service"].split("/")
            svc = cluster.store.get("Service", svc_ns, svc_name)
            hop(
                "dns",
                f"DNS: CoreDNS answers {answer['fqdn']} → {', '.join(answer['addresses'])}"
                + (
                    " (headless: the pod IPs themselves)"
                    if answer.get("headless")
                    else " (the Service's virtual IP)"
                ),
            )
            if answer.get("headless"):
                ip = answer["addresses"][0]
                route["endpoint"] = ip
                return _to_pod_ip(cluster, src_pod, ip, port, hops, hop, fail, source, destination)
            entry = "cluster-ip"
        else:
            ip = str(address)
            for candidate in cluster.store.iter("Service"):
                spec = candidate.get("spec") or {}
                lb = [
                    i.get("ip")
                    for i in ((candidate.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
                ]
                if spec.get("clusterIP") == ip:
                    svc, entry = candidate, "cluster-ip"
                elif ip in lb:
                    svc, entry = candidate, "load-balancer"
                if svc is not None:
                    break
            if svc is None:
                node = next((n for n in cluster.store.iter("Node") if _node_ip(n) == ip), None)
                if node is not None:
                    svc = next(
                        (
                            c
                            for c in cluster.store.iter("Service")
                            for p in (c.get("spec") or {}).get("ports") or []
                            if p.get("nodePort") == port
                        ),
                        None,
                    )
                    if svc is None:
                        return fail(
                            "node",
                            f"Nothing listens on node {node['metadata']['name']} ({ip}) port {port}: no Service has that NodePort",
                        )
                    entry = "node-port"
                    route["node"] = node["metadata"]["name"]
                    hop("node", f"Request reaches node {node['metadata']['name']} ({ip}) on NodePort {port}")
                else:
                    route["endpoint"] = ip
                    return _to_pod_ip(cluster, src_pod, ip, port, hops, hop, fail, source, destination)
            if entry == "cluster-ip" and outside:
                return fail(
                    "network",
                    f"{ip} is a ClusterIP: it exists only inside the cluster, so an outside client cannot reach it",
                )
        ports = (svc.get("spec") or {}).get("ports") or []
        if entry == "node-port":
            svc_port = next((p for p in ports if p.get("nodePort") == port), None)
        elif port is None:
            svc_port = ports[0] if ports else None
        else:
            svc_port = next((p for p in ports if p.get("port") == port), None)
        if svc_port is None:
            return fail(
                "kube-proxy",
                f"Service {svc['metadata']['name']} does not listen on port {port}: the connection is refused",
            )
    spec = svc.get("spec") or {}
    route.update(service=key_of(svc), entry=entry)
    label = key_of(svc) + (f":{svc_port['name']}" if svc_port.get("name") else "")
    if entry == "load-balancer":
        lb_ip = next(
            i.get("ip") for i in (svc.get("status") or {}).get("loadBalancer", {}).get("ingress", [])
        )
        ready_nodes = [
            n
            for n in sorted(cluster.store.iter("Node"), key=lambda n: n["metadata"]["name"])
            if n["metadata"]["name"] not in cluster.down_nodes
        ]
        node = _pick(ready_nodes, source + destination)
        if load_balancer(cluster) == "metallb":
            node = announcing_node(cluster, svc) or node
            route.update(lb=lb_ip, node=node["metadata"]["name"])
            hop(
                "load-balancer",
                f"MetalLB (layer 2): the speaker on node {node['metadata']['name']} answers ARP for {lb_ip}, so "
                f"{lb_ip}:{svc_port['port']} arrives at that node ({_node_ip(node)}), where kube-proxy's rule "
                "for the load-balancer IP takes it",
            )
        else:
            route.update(lb=lb_ip, node=node["metadata"]["name"])
            hop(
                "load-balancer",
                f"The NSX load balancer owns {lb_ip}:{svc_port['port']} and forwards to "
                f"node {node['metadata']['name']} ({_node_ip(node)}) on NodePort {svc_port.get('nodePort')}",
            )
    ports_view = [sp for sp in service_ports(cluster, svc) if sp["name"] == svc_port.get("name", "")]
    endpoints = ports_view[0]["endpoints"] if ports_view else []
    chain = service_chain(label, svc_port.get("protocol", "TCP"))
    where = {
        "cluster-ip": f"{spec.get('clusterIP')}:{svc_port['port']}",
        "node-port": f"NodePort {svc_port.get('nodePort')}",
        "load-balancer": f"NodePort {svc_port.get('nodePort')}",
        "ingress": f"{spec.get('clusterIP')}:{svc_port['port']}",
        "gateway": f"{spec.get('clusterIP')}:{svc_port['port']}",
    }[entry]
    if not endpoints:
        return fail(
            "kube-proxy",
            f"Service {label} has no ready endpoints: kube-proxy's rule for {where} rejects the connection "
            "(REJECT --reject-with icmp-port-unreachable). Check that the selector matches pods and that they are Ready.",
        )
    chosen = _pick(endpoints, source + destination)
    target = f"{chosen['ip']}:{chosen['port']}"
    route["endpoint"] = chosen["ip"]
    hop(
        "kube-proxy",
        f"kube-proxy: {where} matches chain {chain}; of {len(endpoints)} endpoint(s), each taken with probability "
        f"1/{len(endpoints)}, this request goes to {target}",
        chain=chain,
        endpoint_chain=endpoint_chain(label, svc_port.get("protocol", "TCP"), target),
        endpoints=[f"{e['ip']}:{e['port']}" for e in endpoints],
    )
    return _deliver(
        cluster,
        src_pod,
        chosen["ip"],
        chosen["port"],
        svc_port.get("protocol", "TCP"),
        hops,
        hop,
        fail,
        source,
        destination,
        outside or entry in ("load-balancer", "node-port", "ingress", "gateway"),
        via_node=route.get("node"),
    )


def _to_pod_ip(cluster, src_pod, ip, port, hops, hop, fail, source, destination):
    pod = next(
        (
            p
            for p in cluster.store.iter("Pod")
            if (p.get("status") or {}).get("podIP") == ip and not p["spec"].get("hostNetwork")
        ),
        None,
    )
    if pod is None:
        return fail("network", f"No pod has the address {ip}")
    if port is None:
        port = next(
            (
                p.get("containerPort")
                for c in pod["spec"].get("containers") or []
                for p in c.get("ports") or []
            ),
            None,
        )
    if port is None:
        return fail("network", f"No port given, and pod {pod['metadata']['name']} declares none")
    return _deliver(cluster, src_pod, ip, port, "TCP", hops, hop, fail, source, destination, src_pod is None)


def _not_enforced(cluster, verdict: dict, pod_name: str, direction: str) -> str:
    """The hop for a policy that selects the pod under a CNI plugin that ignores policies."""
    names = verdict["policies"]
    subject = ("NetworkPolicy " if len(names) == 1 else "NetworkPolicies ") + ", ".join(names)
    selects = "selects" if len(names) == 1 else "select"
    would = "allow it anyway" if verdict["allowed"] else "drop this request"
    return (
        f"{subject} {selects} {pod_name} for {direction}, but {_cni_short(cluster)} does not enforce "
        f"NetworkPolicies: not applied (enforced, {'it' if len(names) == 1 else 'they'} would {would})"
    )


def _route_hop(cluster, hop, src_pod, src_node, dst, dst_node, ip) -> None:
    """How the CNI plugin carries the packet to the destination pod's interface."""
    dst_node_name = dst["spec"]["nodeName"]
    plugin = cni(cluster)
    if plugin == "nsx":
        target = _segment_of(cluster, dst["metadata"]["namespace"])
        if target is not None:
            source = _segment_of(cluster, src_pod["metadata"]["namespace"]) if src_pod else None
            where = f"segment {target['segment']} ({target['subnet']}) of namespace {dst['metadata']['namespace']}"
            if source is not None and source["segment"] == target["segment"]:
                hop("segment", f"NSX: same segment: {where} delivers to {ip} on host {dst_node_name}")
            elif source is not None:
                hop(
                    "route",
                    f"NSX: routed from segment {source['segment']} through Tier-1 gateway {source['router']}, "
                    f"the Tier-0 gateway and Tier-1 gateway {target['router']} onto {where}, "
                    f"to {ip} on host {dst_node_name}",
                )
            else:
                hop(
                    "route",
                    f"NSX: Tier-1 gateway {target['router']} routes it onto {where}, to {ip} on host {dst_node_name}",
                )
            return
        hop("route", f"NSX: routed to host {dst_node_name}, which delivers to {ip}")
        return
    cidr = (dst_node.get("spec") or {}).get("podCIDR")
    bridge = _flannel_addresses(cidr)[0] if cidr else "?"
    if src_node and src_node == dst_node_name or plugin != "flannel":
        if src_node != dst_node_name:
            where = f"The cni0 bridge on {dst_node_name}"
        elif src_pod is not None:
            where = f"Same node: the cni0 bridge on {dst_node_name}"
        else:
            where = f"Node {dst_node_name} received it: its cni0 bridge"
        hop("bridge", f"{where} ({bridge}) delivers to {ip} directly")
        return
    via = f"node {src_node}" if src_node else "the node that received it"
    vtep = str(ipaddress.ip_network(cidr).network_address) if cidr else "?"
    hop(
        "route",
        f"Flannel (VXLAN): {via} routes {cidr} via {vtep} dev flannel.1 onlink; flannel.1 wraps the packet "
        f"in VXLAN (UDP 8472) to node {dst_node_name} ({_node_ip(dst_node)}), whose flannel.1 unwraps it "
        f"and its cni0 bridge ({bridge}) delivers it",
    )


def _deliver(
    cluster, src_pod, ip, port, protocol, hops, hop, fail, source, destination, external, via_node=None
):
    dst = next(
        (
            p
            for p in cluster.store.iter("Pod")
            if (p.get("status") or {}).get("podIP") == ip and not p["spec"].get("hostNetwork")
        ),
        None,
    )
    if dst is None:
        return fail("network", f"No pod has the address {ip}")
    dst_ns, dst_name = dst["metadata"]["namespace"], dst["metadata"]["name"]
    enforced = enforces_network_policy(cluster)
    by = " (NCP made it NSX distributed firewall rules)" if cni(cluster) == "nsx" else ""
    if src_pod is not None:
        verdict = policy_verdict(cluster, "Egress", src_pod, {"pod": dst, "ip": ip}, port, protocol)
        if verdict["isolated"] and not enforced:
            hop("network-policy", _not_enforced(cluster, verdict, src_pod["metadata"]["name"], "egress"))
        elif not verdict["allowed"]:
            return fail(
                "network-policy",
                f"Dropped: NetworkPolicy {', '.join(verdict['policies'])} in {src_pod['metadata']['namespace']} "
                f"isolates {src_pod['metadata']['name']} for egress, and no rule allows traffic to {dst_ns}/{dst_name} on {protocol}/{port}"
                + by,
            )
        elif verdict["isolated"]:
            hop("network-policy", f"Egress allowed by NetworkPolicy {verdict['allowedBy']}" + by)
    peer = {"pod": src_pod, "ip": (src_pod or {}).get("status", {}).get("podIP") if src_pod else None}
    if external and src_pod is None:
        # SNAT to the node's address (externalTrafficPolicy: Cluster) hides the client.
        node = cluster.store.get("Node", "", dst["spec"]["nodeName"])
        peer = {"pod": None, "ip": _node_ip(node) if node else None}
    verdict = policy_verdict(cluster, "Ingress", dst, peer, port, protocol)
    if verdict["isolated"] and not enforced:
        hop("network-policy", _not_enforced(cluster, verdict, dst_name, "ingress"))
    elif not verdict["allowed"]:
        origin = key_of(src_pod) if src_pod else "outside the cluster"
        return fail(
            "network-policy",
            f"Dropped: NetworkPolicy {', '.join(verdict['policies'])} in {dst_ns} isolates {dst_name} for ingress, "
            f"and no rule allows traffic from {origin} on {protocol}/{port}" + by,
        )
    elif verdict["isolated"]:
        hop("network-policy", f"Ingress allowed by NetworkPolicy {verdict['allowedBy']}" + by)
    dst_node = cluster.store.get("Node", "", dst["spec"]["nodeName"])
    if dst["spec"]["nodeName"] in cluster.down_nodes:
        return fail(
            "node",
            f"Node {dst['spec']['nodeName']} is down: the packet to {ip} is lost (the endpoint has not been removed yet)",
        )
    src_node = src_pod["spec"]["nodeName"] if src_pod is not None else via_node
    _route_hop(cluster, hop, src_pod, src_node, dst, dst_node, ip)
    container = next(
        (
            c["name"]
            for c in dst["spec"].get("containers") or []
            for p in c.get("ports") or []
            if p.get("containerPort") == port
        ),
        None,
    )
    from playground.engine import images

    listening = container or next(
        (
            c["name"]
            for c in dst["spec"].get("containers") or []
            if port in images.info(c.get("image", "")).ports
        ),
        None,
    )
    if listening is None:
        return fail(
            "pod",
            f"Pod {dst_ns}/{dst_name} ({ip}) has no container listening on port {port}: connection refused",
        )
    ready = pod_ready(dst)
    hop(
        "pod",
        f"Delivered to pod {dst_ns}/{dst_name} ({ip}), container {listening} on port {port}"
        + ("" if ready else " (the pod is not Ready)"),
    )
    return {
        "source": source,
        "destination": destination,
        "ok": True,
        "hops": hops,
        "pod": object_key(dst_ns, dst_name),
        "endpoint": f"{ip}:{port}",
    }
