"""Services, endpoints, kube-proxy, DNS, Ingress, NetworkPolicy and tracing a request."""

import pytest

from playground.engine import ApiError, Cluster, printers

from .conftest import deployment, pod


def service(name="web", selector=None, port=80, target=80, stype="ClusterIP", extra=""):
    selector = selector or {"app": name}
    sel = ", ".join(f"{k}: {v}" for k, v in selector.items())
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  type: {stype}
  selector: {{{sel}}}
  ports:
    - port: {port}
      targetPort: {target}{extra}
"""


def _with_web(cluster):
    cluster.apply(
        deployment(replicas=3).replace(
            "image: nginx:1.27", "image: nginx:1.27\n          ports: [{containerPort: 80, name: http}]"
        )
    )
    cluster.apply(service())
    cluster.settle()
    return cluster


@pytest.fixture
def web(cluster):
    """The web Deployment and Service on the default profile (Flannel: policies not enforced)."""
    return _with_web(cluster)


@pytest.fixture
def nsx_web():
    """The same on the vSphere profile, whose CNI (NSX through NCP) enforces NetworkPolicies."""
    return _with_web(Cluster.new("vsphere"))


def test_the_system_services_have_their_well_known_addresses(cluster):
    assert cluster.get("svc", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"
    dns = cluster.get("svc", "kube-dns", "kube-system")
    assert dns["spec"]["clusterIP"] == "10.96.0.10"
    [subset] = cluster.get("endpoints", "kube-dns", "kube-system")["subsets"]
    assert len(subset["addresses"]) == 2


def test_a_service_gets_a_cluster_ip_from_the_range_and_defaults(web):
    svc = web.get("svc", "web")
    ip = svc["spec"]["clusterIP"]
    assert ip.startswith("10.") and svc["spec"]["clusterIPs"] == [ip]
    import ipaddress

    assert ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/12")
    assert svc["spec"]["sessionAffinity"] == "None" and svc["spec"]["ipFamilies"] == ["IPv4"]
    assert svc["spec"]["ports"][0]["protocol"] == "TCP"


def test_endpoints_and_slices_list_the_ready_pods(web):
    [subset] = web.get("endpoints", "web")["subsets"]
    assert len(subset["addresses"]) == 3 and subset["ports"] == [{"port": 80, "protocol": "TCP"}]
    [es] = web.list("endpointslices", namespace="default", label_selector="kubernetes.io/service-name=web")
    assert es["addressType"] == "IPv4" and len(es["endpoints"]) == 3
    assert all(
        e["conditions"] == {"ready": True, "serving": True, "terminating": False} for e in es["endpoints"]
    )
    assert (
        es["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"]
        == "endpointslice-controller.k8s.io"
    )


def test_a_pod_that_stops_being_ready_leaves_the_endpoints(cluster):
    probe = "\n          readinessProbe: {httpGet: {path: /, port: 8080}}"
    cluster.apply(deployment(replicas=2).replace("image: nginx:1.27", "image: nginx:1.27" + probe))
    cluster.apply(service())
    cluster.settle()
    [subset] = cluster.get("endpoints", "web")["subsets"]
    assert "addresses" not in subset and len(subset["notReadyAddresses"]) == 2
    trace = cluster.trace("outside", f"{cluster.get('svc', 'web')['spec']['clusterIP']}:80")
    assert not trace["ok"]


def test_publish_not_ready_addresses(cluster):
    probe = "\n          readinessProbe: {httpGet: {path: /, port: 8080}}"
    cluster.apply(deployment(replicas=2).replace("image: nginx:1.27", "image: nginx:1.27" + probe))
    cluster.apply(service(extra="\n  publishNotReadyAddresses: true"))
    cluster.settle()
    [subset] = cluster.get("endpoints", "web")["subsets"]
    assert len(subset["addresses"]) == 2


def test_node_ports_are_allocated_and_conflicts_refused(cluster):
    cluster.apply(service("a", stype="NodePort"))
    port = cluster.get("svc", "a")["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767
    with pytest.raises(ApiError) as error:
        cluster.apply(service("b", stype="NodePort", extra=f"\n      nodePort: {port}"))
    assert error.value.code == 422
    assert (
        error.value.message
        == f'Service "b" is invalid: spec.ports[0].nodePort: Invalid value: {port}: provided port is already allocated'
    )
    with pytest.raises(ApiError) as error:
        cluster.apply(service("c", stype="NodePort", extra="\n      nodePort: 80"))
    assert (
        "provided port is not in the valid range. The range of valid ports is 30000-32767"
        in error.value.message
    )


def test_a_taken_cluster_ip_is_refused(cluster):
    with pytest.raises(ApiError) as error:
        cluster.apply(service("dup", extra="").replace("spec:\n", "spec:\n  clusterIP: 10.96.0.10\n"))
    assert error.value.message == (
        'Service "dup" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.10"}: '
        "failed to allocate IP 10.96.0.10: provided IP is already allocated"
    )


def test_a_load_balancer_gets_an_address_from_metallb_in_the_kubeadm_profile(cluster):
    """MetalLB's controller assigns from its pool and its layer-2 speaker announces the
    address from one node (not the control plane, labelled exclude-from-external-load-
    balancers), each saying so on the Service as MetalLB's service.go does."""
    cluster.apply(service("lb", stype="LoadBalancer"))
    cluster.settle()
    svc = cluster.get("svc", "lb")
    [ingress] = svc["status"]["loadBalancer"]["ingress"]
    assert ingress["ip"].startswith("192.168.50.")
    events = cluster.events(kind="Service", name="lb")
    assert [(e["reason"], e["source"]["component"]) for e in events] == [
        ("IPAllocated", "metallb-controller"),
        ("nodeAssigned", "metallb-speaker"),
    ]
    assert events[0]["message"] == f'Assigned IP ["{ingress["ip"]}"]'
    assert events[1]["message"].startswith('announcing from node "worker-')
    assert events[1]["message"].endswith('" with protocol "layer2"')


def test_a_load_balancer_stays_pending_without_an_implementation():
    """Upstream's service controller runs only in a cloud-controller-manager
    (k8s.io/cloud-provider's controllers/service); a cluster with none, and no MetalLB-like
    addon, leaves a LoadBalancer Service <pending>: no address and no event, for ever."""
    cluster = Cluster.new("minimal")
    cluster.apply(service("lb", stype="LoadBalancer"))
    cluster.settle()
    cluster.advance(600)
    svc = cluster.get("svc", "lb")
    assert (svc.get("status") or {}).get("loadBalancer", {}).get("ingress") is None
    assert cluster.events(kind="Service", name="lb") == []
    assert svc["spec"]["ports"][0]["nodePort"]  # a NodePort still works
    # kubectl get svc: EXTERNAL-IP <pending> (printService in kubectl's printers).
    assert printers.row("Service", svc, cluster.clock)[3] == "<pending>"


def test_the_vsphere_profile_answers_load_balancers_with_nsx():
    """NSX on the Supervisor: reported as the cloud-provider service controller reports an
    ensured load balancer (EnsuringLoadBalancer, EnsuredLoadBalancer)."""
    cluster = Cluster.new("vsphere")
    cluster.apply(service("lb", stype="LoadBalancer"))
    cluster.settle()
    [ingress] = cluster.get("svc", "lb")["status"]["loadBalancer"]["ingress"]
    assert ingress == {"ip": ingress["ip"], "ipMode": "VIP"}
    reasons = [e["reason"] for e in cluster.events(kind="Service", name="lb")]
    assert reasons == ["EnsuringLoadBalancer", "EnsuredLoadBalancer"]


def test_kube_proxy_rules_split_traffic_evenly(web):
    svc = web.get("svc", "web")
    rules = web.proxy_rules("worker-1")
    vip_rule = [r for r in rules if f"-d {svc['spec']['clusterIP']}/32" in r]
    assert len(vip_rule) == 1 and '"default/web cluster IP"' in vip_rule[0] and "--dport 80" in vip_rule[0]
    chain = vip_rule[0].rsplit("-j ", 1)[1]
    assert chain.startswith("KUBE-SVC-") and len(chain) == len("KUBE-SVC-") + 16
    splits = [r for r in rules if r.startswith(f"-A {chain} ")]
    assert "--probability 0.3333333333" in splits[0] and "--probability 0.5000000000" in splits[1]
    assert "statistic" not in splits[2]
    assert sum("-j DNAT --to-destination 10.40." in r for r in rules) >= 3


def test_cluster_dns(web):
    ip = web.get("svc", "web")["spec"]["clusterIP"]
    assert web.dns("web")["addresses"] == [ip]
    assert web.dns("web.default.svc.cluster.local")["addresses"] == [ip]
    from_other = web.dns("web", namespace="kube-system")
    assert from_other["rcode"] == "NXDOMAIN"
    assert web.dns("web.default", namespace="kube-system")["fqdn"] == "web.default.svc.cluster.local"
    assert web.dns("kube-dns.kube-system")["addresses"] == ["10.96.0.10"]


def test_headless_service_resolves_to_pod_ips(web):
    web.apply(
        service("web-headless", selector={"app": "web"}).replace("spec:\n", "spec:\n  clusterIP: None\n")
    )
    web.settle()
    answer = web.dns("web-headless")
    assert (
        answer["headless"]
        and len(answer["addresses"]) == 3
        and all(a.startswith("10.40.") for a in answer["addresses"])
    )


def test_trace_pod_to_service_by_name(web):
    web.create(
        pod(
            "client",
            image="busybox:1.36",
            containers=[{"name": "main", "image": "busybox:1.36", "command": ["sleep", "infinity"]}],
        )
    )
    web.settle()
    trace = web.trace("client", "web:80")
    assert trace["ok"], trace
    components = [h["component"] for h in trace["hops"]]
    assert components[:3] == ["pod", "dns", "kube-proxy"] and components[-1] == "pod"
    assert "web.default.svc.cluster.local" in trace["hops"][1]["description"]
    assert "1/3" in trace["hops"][2]["description"]
    assert trace["hops"][-1]["description"].startswith("Delivered to pod default/web-")
    assert web.trace("client", "web:80") == trace  # repeatable


def test_trace_from_outside_through_a_node_port_and_a_load_balancer(web):
    web.patch("svc", "web", {"spec": {"type": "LoadBalancer"}})
    web.settle()
    svc = web.get("svc", "web")
    node_port = svc["spec"]["ports"][0]["nodePort"]
    via_node = web.trace("outside", f"10.140.0.12:{node_port}")
    assert via_node["ok"] and via_node["hops"][1]["component"] == "node"
    lb_ip = svc["status"]["loadBalancer"]["ingress"][0]["ip"]
    via_lb = web.trace("outside", f"{lb_ip}:80")
    assert via_lb["ok"] and via_lb["hops"][1]["component"] == "load-balancer"
    assert web.trace("outside", f"{svc['spec']['clusterIP']}:80")["error"].endswith(
        "so an outside client cannot reach it"
    )


def test_a_service_without_endpoints_refuses(cluster):
    cluster.apply(service("lonely"))
    cluster.settle()
    trace = cluster.trace("outside", f"{cluster.get('svc', 'lonely')['spec']['clusterIP']}:80")
    assert not trace["ok"]
    trace = cluster.trace("outside", "http://nowhere.example.com/")
    assert "No Ingress rule matches host nowhere.example.com" in trace["error"]


def test_ingress_with_two_hosts_routes_to_two_services(cluster):
    for name in ("sphinx-v1", "sphinx-v2"):
        cluster.apply(
            deployment(name=name, replicas=1).replace(
                "image: nginx:1.27", "image: nginx:1.27\n          ports: [{containerPort: 80}]"
            )
        )
    cluster.apply(service("sphinx-svc-1", selector={"app": "sphinx-v1"}))
    cluster.apply(service("sphinx-svc-2", selector={"app": "sphinx-v2"}))
    cluster.apply("""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: sphinx}
spec:
  rules:
    - host: sphinx-v1.esxcloud.net
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: sphinx-svc-1, port: {number: 80}}}}]
    - host: sphinx-v2.esxcloud.net
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: sphinx-svc-2, port: {number: 80}}}}]
""")
    cluster.settle()
    address = cluster.get("svc", "ingress-nginx-controller", "ingress-nginx")["status"]["loadBalancer"][
        "ingress"
    ][0]["ip"]
    assert cluster.get("ingress", "sphinx")["status"]["loadBalancer"]["ingress"] == [{"ip": address}]
    one = cluster.trace("outside", "http://sphinx-v1.esxcloud.net/docs")
    two = cluster.trace("outside", "http://sphinx-v2.esxcloud.net/")
    assert one["ok"] and one["pod"].startswith("default/sphinx-v1-")
    assert two["ok"] and two["pod"].startswith("default/sphinx-v2-")
    assert (
        "Ingress default/sphinx matches host sphinx-v1.esxcloud.net path / (Prefix)"
        in one["hops"][2]["description"]
    )


def test_ingress_path_matching_exact_beats_prefix(cluster):
    from playground.engine.network import ingress_match

    cluster.apply(service("a", selector={"app": "a"}))
    cluster.apply(service("b", selector={"app": "b"}))
    cluster.apply("""
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: paths}
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - {path: /cart, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
          - {path: /cart/checkout, pathType: Exact, backend: {service: {name: b, port: {number: 80}}}}
""")
    cluster.settle()
    assert ingress_match(cluster, "shop.example.com", "/cart/checkout")[2]["service"]["name"] == "b"
    assert ingress_match(cluster, "shop.example.com", "/cart/items")[2]["service"]["name"] == "a"
    assert ingress_match(cluster, "shop.example.com", "/carts") is None  # Prefix matches whole path elements


def test_network_policy_default_deny_then_allow(nsx_web):
    """NSX enforces NetworkPolicies (NCP makes them distributed firewall rules); a pod selected
    by a policy is isolated and only what some rule allows gets in (the NetworkPolicy API's
    semantics, Kubernetes docs "Network Policies")."""
    web = nsx_web
    web.create(
        {
            **pod("frontend"),
            "metadata": {"name": "frontend", "labels": {"role": "frontend"}},
            "spec": {
                "containers": [{"name": "main", "image": "busybox:1.36", "command": ["sleep", "infinity"]}]
            },
        }
    )
    web.create(
        {
            **pod("intruder"),
            "spec": {
                "containers": [{"name": "main", "image": "busybox:1.36", "command": ["sleep", "infinity"]}]
            },
        }
    )
    web.settle()
    assert web.trace("frontend", "web:80")["ok"]
    web.apply(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n"
    )
    denied = web.trace("frontend", "web:80")
    assert not denied["ok"]
    assert denied["error"].startswith("Dropped: NetworkPolicy default-deny in default isolates web-")
    web.apply("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-frontend}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - from: [{podSelector: {matchLabels: {role: frontend}}}]
      ports: [{protocol: TCP, port: 80}]
""")
    allowed = web.trace("frontend", "web:80")
    assert allowed["ok"]
    assert any(
        h["description"]
        == "Ingress allowed by NetworkPolicy allow-frontend (NCP made it NSX distributed firewall rules)"
        for h in allowed["hops"]
    )
    assert not web.trace("intruder", "web:80")["ok"]


def test_flannel_does_not_enforce_network_policies(web):
    """On a kubeadm cluster with Flannel the API accepts NetworkPolicies and traffic flows
    regardless: Flannel's README says it "does not implement network policy", and the
    Kubernetes docs (Network Policies) say that creating one without a network plugin that
    implements it "will have no effect". The trace says a policy selects the pod but is not
    applied."""
    from playground.engine.network import enforces_network_policy

    assert not enforces_network_policy(web)
    web.create(pod("intruder", image="busybox:1.36"))
    web.settle()
    web.apply(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n"
    )
    assert web.get("networkpolicy", "default-deny")["metadata"]["name"] == "default-deny"
    trace = web.trace("intruder", "web:80")
    assert trace["ok"], trace
    notes = [h["description"] for h in trace["hops"] if h["component"] == "network-policy"]
    assert notes[0] == (
        "NetworkPolicy default-deny selects intruder for egress, but Flannel does not enforce "
        "NetworkPolicies: not applied (enforced, it would drop this request)"
    )
    assert notes[1].startswith("NetworkPolicy default-deny selects web-") and "for ingress" in notes[1]
    outside = web.trace("outside", f"{web.get('svc', 'web')['spec']['clusterIP']}:80")
    assert not outside["ok"] and outside["hops"][-1]["component"] == "network"  # a ClusterIP, not a policy


def test_the_cni_of_each_profile_and_the_option_that_overrides_it():
    """default and zones run Flannel, vsphere NSX (NCP), minimal the reference bridge plugin;
    only NSX enforces NetworkPolicy (Kubernetes docs, "Network Plugins": the plugin, not the
    API server, implements the pod network and its policies)."""
    from playground.engine.profiles import NETWORK_POLICY_CNIS, cni

    assert [cni({"profile": p}) for p in ("default", "zones", "vsphere", "minimal")] == [
        "flannel",
        "flannel",
        "nsx",
        "bridge",
    ]
    assert cni({"profile": "default", "cni": "nsx"}) == "nsx"
    assert NETWORK_POLICY_CNIS == {"nsx"}


def test_routes_are_flannels_vxlan_picture(cluster):
    """Flannel's VXLAN backend (its default; Flannel docs, backends.md): cni0 holds the node
    subnet's first address, flannel.1 the subnet's .0, and each other node's subnet is routed
    via that node's flannel.1 address, onlink. kubenet's cbr0 is gone (removed in 1.24)."""
    routes = {r["node"]: r for r in cluster.routes()}
    worker = routes["worker-1"]
    assert worker["bridge"] == {"name": "cni0", "address": "10.40.1.1/24"}
    assert worker["vtep"] == {"name": "flannel.1", "address": "10.40.1.0/32"}
    assert worker["routes"] == [
        "10.40.0.0/24 via 10.40.0.0 dev flannel.1 onlink",
        "10.40.1.0/24 dev cni0 proto kernel scope link src 10.40.1.1",
        "10.40.2.0/24 via 10.40.2.0 dev flannel.1 onlink",
        "10.40.3.0/24 via 10.40.3.0 dev flannel.1 onlink",
    ]
    assert not any("cbr0" in line for r in routes.values() for line in r["routes"])


def test_a_big_clusters_routes_are_counted_past_the_shown_few():
    """Every node has one flannel.1 route per other node; the Network view lists a few (its
    own subnet's always) and counts the rest."""
    from playground.engine.network import ROUTES_SHOWN, node_routes, pod_network

    cluster = Cluster.new(workers=20)
    full = {r["node"]: r for r in node_routes(cluster)}
    assert len(full["worker-7"]["routes"]) == 21 and full["worker-7"]["more"] == 0
    shown = {r["node"]: r for r in pod_network(cluster)["nodes"]}["worker-7"]
    assert len(shown["routes"]) == ROUTES_SHOWN and shown["more"] == 21 - ROUTES_SHOWN
    assert "10.40.7.0/24 dev cni0 proto kernel scope link src 10.40.7.1" in shown["routes"]
    assert shown["routes"] == sorted(
        shown["routes"], key=lambda r: tuple(map(int, r.split("/")[0].split(".")))
    )


def test_a_trace_between_nodes_goes_through_flannel_1(web):
    web.create(pod("client", image="busybox:1.36"))
    web.settle()
    client = web.get("pod", "client")
    for name in [p["metadata"]["name"] for p in web.list("pods") if p["metadata"]["name"].startswith("web-")]:
        target = web.get("pod", name)
        trace = web.trace("client", f"{target['status']['podIP']}:80")
        assert trace["ok"], trace
        last = trace["hops"][-2]
        if target["spec"]["nodeName"] == client["spec"]["nodeName"]:
            assert last["component"] == "bridge" and "cni0 bridge on" in last["description"]
        else:
            cidr = web.get("node", target["spec"]["nodeName"])["spec"]["podCIDR"]
            assert last["component"] == "route"
            assert f"routes {cidr} via {cidr.split('/')[0]} dev flannel.1 onlink" in last["description"]
            assert "VXLAN (UDP 8472)" in last["description"]


def test_the_minimal_profile_has_one_bridge_and_no_overlay():
    cluster = Cluster.new("minimal")
    (only,) = cluster.routes()
    assert only["bridge"]["name"] == "cni0" and only["vtep"] is None
    assert only["routes"] == ["10.40.0.0/24 dev cni0 proto kernel scope link src 10.40.0.1"]


def test_nsx_gives_each_namespace_a_segment(nsx_web):
    """NCP (vSphere profile): pods take addresses from their namespace's segment, behind the
    namespace's Tier-1 gateway; a trace across namespaces goes through the gateways."""
    from playground.engine.network import pod_network

    web = nsx_web
    web.apply("apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n")
    web.settle()
    web.create({**pod("client", image="busybox:1.36"), "metadata": {"name": "client", "namespace": "other"}})
    web.settle()
    picture = pod_network(web)
    assert picture["cni"] == "nsx" and picture["enforces_policy"]
    segments = {s["namespace"]: s for s in picture["segments"]}
    default = segments["default"]
    assert default["segment"].startswith("seg-default-") and default["router"].startswith("t1-default-")
    import ipaddress

    subnet = ipaddress.ip_network(default["subnet"])
    assert len(default["pods"]) == 3 and all(ipaddress.ip_address(p["ip"]) in subnet for p in default["pods"])
    trace = web.trace("other/client", "web.default:80")
    assert trace["ok"], trace
    hop = trace["hops"][-2]["description"]
    assert hop.startswith(f"NSX: routed from segment {segments['other']['segment']} through Tier-1 gateway")
    assert f"onto segment {default['segment']} ({default['subnet']}) of namespace default" in hop


def test_the_restaurant_app_traced_from_outside(restaurant):
    cluster = Cluster.new()
    cluster.apply(restaurant)
    cluster.apply(service("yelb-ui", selector={"app": "yelb-ui"}, stype="LoadBalancer"))
    cluster.settle()
    lb_ip = cluster.get("svc", "yelb-ui")["status"]["loadBalancer"]["ingress"][0]["ip"]
    trace = cluster.trace("outside", f"{lb_ip}:80")
    assert trace["ok"] and trace["pod"].startswith("default/yelb-ui-")
    cluster.patch("svc", "yelb-ui", {"spec": {"type": "NodePort"}})
    node_port = cluster.get("svc", "yelb-ui")["spec"]["ports"][0]["nodePort"]
    assert cluster.trace("outside", f"10.140.0.11:{node_port}")["ok"]


def test_statefulset_pods_have_stable_dns_names(cluster):
    from .test_workloads import STS

    cluster.apply(STS)
    cluster.apply(
        service("db", selector={"app": "db"}, port=5432, target=5432).replace(
            "spec:\n", "spec:\n  clusterIP: None\n"
        )
    )
    cluster.settle()
    answer = cluster.dns("db-1.db.default.svc.cluster.local")
    assert answer["addresses"] == [cluster.get("pod", "db-1")["status"]["podIP"]]
    assert answer["pod"] == "default/db-1"
    assert cluster.dns("db-1.db")["fqdn"] == "db-1.db.default.svc.cluster.local"


def test_egress_policy_blocks_the_client_side(nsx_web):
    web = nsx_web
    client = {"name": "main", "image": "busybox:1.36", "command": ["sleep", "infinity"]}
    web.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "locked", "labels": {"role": "locked"}},
            "spec": {"containers": [client]},
        }
    )
    web.settle()
    web.apply("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: no-egress}
spec:
  podSelector: {matchLabels: {role: locked}}
  policyTypes: [Egress]
""")
    denied = web.trace("locked", "web:80")
    assert not denied["ok"]
    assert denied["error"].startswith(
        "Dropped: NetworkPolicy no-egress in default isolates locked for egress"
    )
    web.apply("""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: to-web}
spec:
  podSelector: {matchLabels: {role: locked}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 80}]}]
""")
    assert web.trace("locked", "web:80")["ok"]
