"""Gateway API in the engine: the standard-channel CRDs the profiles install, the simulated
gateway controller's status (GatewayClass, Gateway and its listeners, HTTPRoute parents) in
the conditions and reasons of the spec (sigs.k8s.io/gateway-api apis/v1: gateway_types.go
``GatewayConditionReason``/``ListenerConditionReason``, shared_types.go
``RouteConditionReason``), the printer columns of the bundle's CRDs, and ``trace`` through
a Gateway and an HTTPRoute to a pod."""

import pytest

from playground import console
from playground.engine.cluster import Cluster
from playground.engine.errors import ApiError
from playground.engine.network import trace

GW = "gateway.networking.k8s.io/v1"


def run(cluster, line):
    return console.run(cluster, console.parse(line))


def conditions(obj):
    return {c["type"]: (c["status"], c["reason"]) for c in obj}


def gateway(name="gw", ns="default", listeners=None, cls="sandbox", **spec):
    return {
        "apiVersion": GW,
        "kind": "Gateway",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "gatewayClassName": cls,
            "listeners": listeners or [{"name": "http", "port": 80, "protocol": "HTTP"}],
            **spec,
        },
    }


def route(name="shop", ns="default", parents=None, hostnames=None, rules=None):
    spec = {"parentRefs": parents or [{"name": "gw", "namespace": "default"}]}
    if hostnames:
        spec["hostnames"] = hostnames
    spec["rules"] = rules or [{"backendRefs": [{"name": "web", "port": 80}]}]
    return {"apiVersion": GW, "kind": "HTTPRoute", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def web(cluster, name="web", ns="default", replicas=2):
    cluster.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": {"app": name}},
                    "spec": {
                        "containers": [
                            {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
                        ]
                    },
                },
            },
        }
    )
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80}]},
        }
    )


@pytest.fixture(scope="module")
def base():
    return Cluster.new("default", seed=3)


@pytest.fixture
def cluster(base):
    return Cluster.from_dict(base.to_dict())


def parent(cluster, name="shop", ns="default", index=0):
    entry = cluster.get("HTTPRoute", name, ns)["status"]["parents"][index]
    return entry, conditions(entry["conditions"])


# The CRDs and the class ------------------------------------------------------------------------


@pytest.mark.parametrize("profile", ["default", "zones", "vsphere"])
def test_profiles_serve_the_standard_channel_crds(profile):
    cluster = Cluster.new(profile, seed=1)
    names = run(cluster, "kubectl get crd").split()
    for crd in (
        "backendtlspolicies",
        "gatewayclasses",
        "gateways",
        "httproutes",
        "grpcroutes",
        "referencegrants",
    ):
        assert f"{crd}.gateway.networking.k8s.io" in names
        obj = cluster.get("CustomResourceDefinition", f"{crd}.gateway.networking.k8s.io", "")
        assert conditions(obj["status"]["conditions"])["Established"] == ("True", "InitialNamesAccepted")
        assert obj["metadata"]["annotations"]["gateway.networking.k8s.io/channel"] == "standard"
    assert cluster.api.registry.resolve("gtw") is not None  # Gateway's short name


def test_minimal_has_no_gateway_api():
    cluster = Cluster.new("minimal", seed=1)
    assert not [c for c in cluster.list("CustomResourceDefinition") if "gateway" in c["metadata"]["name"]]


@pytest.mark.parametrize(
    ("profile", "name", "controller"),
    [
        ("default", "sandbox", "example.net/sandbox-gateway-controller"),
        ("vsphere", "avi-lb", "ako.vmware.com/avi-lb"),
    ],
)
def test_gatewayclass_of_the_profiles_implementation_is_accepted(profile, name, controller):
    cluster = Cluster.new(profile, seed=1)
    gc = cluster.get("GatewayClass", name, "")
    assert gc["spec"]["controllerName"] == controller
    assert conditions(gc["status"]["conditions"]) == {"Accepted": ("True", "Accepted")}
    assert gc["status"]["conditions"][0]["observedGeneration"] == 1
    header, row = run(cluster, "kubectl get gatewayclass").splitlines()
    assert header.split() == ["NAME", "CONTROLLER", "ACCEPTED", "AGE"]
    assert row.split()[:3] == [name, controller, "True"]


def test_a_class_of_another_controller_is_left_alone(cluster):
    cluster.create(
        {
            "apiVersion": GW,
            "kind": "GatewayClass",
            "metadata": {"name": "other"},
            "spec": {"controllerName": "example.com/other"},
        }
    )
    cluster.create(gateway(cls="other"))
    cluster.settle()
    assert "conditions" not in (cluster.get("GatewayClass", "other", "").get("status") or {})
    assert "addresses" not in (cluster.get("Gateway", "gw", "default").get("status") or {})


# Validation by the CRDs' schemas -------------------------------------------------------------------


def test_schema_refuses_a_bad_port_and_path_type(cluster):
    with pytest.raises(ApiError) as err:
        cluster.create(gateway(listeners=[{"name": "http", "port": 70000, "protocol": "HTTP"}]))
    assert "spec.listeners[0].port" in str(err.value) and "65535" in str(err.value)
    bad = route(rules=[{"matches": [{"path": {"type": "Prefix", "value": "/"}}]}])
    with pytest.raises(ApiError) as err:
        cluster.create(bad)
    assert 'supported values: "Exact", "PathPrefix", "RegularExpression"' in str(err.value)


def test_route_defaults_as_the_crd_sets_them(cluster):
    created = cluster.create(route(rules=[{"backendRefs": [{"name": "web", "port": 80}]}]))
    rule = created["spec"]["rules"][0]
    assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert rule["backendRefs"][0] | {} == {
        "name": "web",
        "port": 80,
        "group": "",
        "kind": "Service",
        "weight": 1,
    }
    assert created["spec"]["parentRefs"][0]["group"] == "gateway.networking.k8s.io"
    assert created["spec"]["parentRefs"][0]["kind"] == "Gateway"


# Gateway status ------------------------------------------------------------------------------------


def test_gateway_gets_an_address_from_the_pool_and_is_programmed(cluster):
    web(cluster)
    cluster.create(gateway())
    cluster.create(route())
    cluster.settle()
    gw = cluster.get("Gateway", "gw", "default")
    address = gw["status"]["addresses"][0]
    assert address["type"] == "IPAddress"
    assert address["value"] in cluster.allocator.lb_pool()
    assert conditions(gw["status"]["conditions"]) == {
        "Accepted": ("True", "Accepted"),
        "Programmed": ("True", "Programmed"),
    }
    (listener,) = gw["status"]["listeners"]
    assert listener["name"] == "http" and listener["attachedRoutes"] == 1
    assert listener["supportedKinds"] == [
        {"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"},
        {"group": "gateway.networking.k8s.io", "kind": "GRPCRoute"},
    ]
    assert conditions(listener["conditions"]) == {
        "Accepted": ("True", "Accepted"),
        "Programmed": ("True", "Programmed"),
        "ResolvedRefs": ("True", "ResolvedRefs"),
        "Conflicted": ("False", "NoConflicts"),
    }
    header, row = run(cluster, "kubectl get gateway").splitlines()
    assert header.split() == ["NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"]
    assert row.split()[:4] == ["gw", "sandbox", address["value"], "True"]
    header, row = run(cluster, "kubectl get httproute").splitlines()
    assert header.split() == ["NAME", "HOSTNAMES", "AGE"]
    # A LoadBalancer Service created next gets another address of the pool.
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "lb", "namespace": "default"},
            "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]},
        }
    )
    cluster.settle()
    lb = cluster.get("Service", "lb", "default")["status"]["loadBalancer"]["ingress"][0]["ip"]
    assert lb != address["value"]


def test_the_address_survives_a_reload_and_is_freed_with_the_gateway(cluster):
    cluster.create(gateway())
    cluster.settle()
    ip = cluster.get("Gateway", "gw", "default")["status"]["addresses"][0]["value"]
    loaded = Cluster.from_dict(cluster.to_dict())
    assert loaded.allocator.lb_ips[ip] == "Gateway:default/gw"
    loaded.delete("Gateway", "gw", "default")
    loaded.settle()
    assert ip not in loaded.allocator.lb_ips


def test_listener_problems_in_the_specs_reasons(cluster):
    listeners = [
        {"name": "http", "port": 80, "protocol": "HTTP"},
        {"name": "tcp", "port": 9000, "protocol": "TCP"},
        {
            "name": "https",
            "port": 443,
            "protocol": "HTTPS",
            "hostname": "shop.example.com",
            "tls": {"certificateRefs": [{"name": "missing-cert"}]},
        },
        {
            "name": "kinds",
            "port": 8080,
            "protocol": "HTTP",
            "allowedRoutes": {"kinds": [{"kind": "TCPRoute"}]},
        },
        {"name": "a", "port": 8081, "protocol": "HTTP"},
        {"name": "b", "port": 8081, "protocol": "HTTP"},
    ]
    cluster.create(gateway(listeners=listeners))
    cluster.settle()
    status = cluster.get("Gateway", "gw", "default")["status"]
    by_name = {item["name"]: conditions(item["conditions"]) for item in status["listeners"]}
    assert by_name["http"]["Programmed"] == ("True", "Programmed")
    assert by_name["tcp"]["Accepted"] == ("False", "UnsupportedProtocol")
    assert by_name["tcp"]["Programmed"] == ("False", "Invalid")
    assert by_name["https"]["ResolvedRefs"] == ("False", "InvalidCertificateRef")
    assert by_name["kinds"]["ResolvedRefs"] == ("False", "InvalidRouteKinds")
    assert by_name["a"]["Conflicted"] == ("True", "HostnameConflict")
    assert conditions(status["conditions"]) == {
        "Accepted": ("True", "ListenersNotValid"),
        "Programmed": ("True", "Programmed"),
    }
    # The certificate appears: the HTTPS listener resolves and is programmed.
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "kubernetes.io/tls",
            "metadata": {"name": "missing-cert", "namespace": "default"},
            "data": {"tls.crt": "", "tls.key": ""},
        }
    )
    cluster.settle()
    status = cluster.get("Gateway", "gw", "default")["status"]
    https = next(item for item in status["listeners"] if item["name"] == "https")
    assert conditions(https["conditions"])["Programmed"] == ("True", "Programmed")


def test_protocol_conflict_on_one_port(cluster):
    cluster.create(
        gateway(
            listeners=[
                {"name": "http", "port": 80, "protocol": "HTTP"},
                {
                    "name": "https",
                    "port": 80,
                    "protocol": "HTTPS",
                    "tls": {"certificateRefs": [{"name": "c"}]},
                },
            ]
        )
    )
    cluster.settle()
    status = cluster.get("Gateway", "gw", "default")["status"]
    assert {conditions(item["conditions"])["Conflicted"] for item in status["listeners"]} == {
        ("True", "ProtocolConflict")
    }
    assert conditions(status["conditions"])["Accepted"] == ("False", "ListenersNotValid")
    assert conditions(status["conditions"])["Programmed"] == ("False", "Invalid")


# Route status ----------------------------------------------------------------------------------------


def test_route_accepted_and_backend_not_found_until_the_service_exists(cluster):
    cluster.create(gateway())
    cluster.create(route())
    cluster.settle()
    entry, conds = parent(cluster)
    assert entry["controllerName"] == "example.net/sandbox-gateway-controller"
    assert entry["parentRef"] == {
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "name": "gw",
        "namespace": "default",
    }
    assert conds == {"Accepted": ("True", "Accepted"), "ResolvedRefs": ("False", "BackendNotFound")}
    web(cluster)
    cluster.settle()
    assert parent(cluster)[1]["ResolvedRefs"] == ("True", "ResolvedRefs")


def test_a_route_from_another_namespace_needs_the_listener_to_allow_it(cluster):
    cluster.create(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "team", "labels": {"shared-gw": "yes"}},
        }
    )
    web(cluster, ns="team", replicas=1)
    cluster.create(gateway())
    cluster.create(route(ns="team"))
    cluster.settle()
    assert parent(cluster, ns="team")[1]["Accepted"] == ("False", "NotAllowedByListeners")
    gw = cluster.get("Gateway", "gw", "default")
    assert gw["status"]["listeners"][0]["attachedRoutes"] == 0
    gw["spec"]["listeners"][0]["allowedRoutes"] = {
        "namespaces": {"from": "Selector", "selector": {"matchLabels": {"shared-gw": "yes"}}}
    }
    cluster.api.update(gw)
    cluster.settle()
    assert parent(cluster, ns="team")[1]["Accepted"] == ("True", "Accepted")
    assert cluster.get("Gateway", "gw", "default")["status"]["listeners"][0]["attachedRoutes"] == 1


def test_no_matching_parent_and_no_matching_hostname(cluster):
    cluster.create(
        gateway(listeners=[{"name": "http", "port": 80, "protocol": "HTTP", "hostname": "*.example.com"}])
    )
    cluster.create(route(name="wrong-section", parents=[{"name": "gw", "sectionName": "https"}]))
    cluster.create(route(name="other-host", hostnames=["shop.example.org"]))
    cluster.create(route(name="wild", hostnames=["shop.example.com"]))
    cluster.settle()
    assert parent(cluster, "wrong-section")[1]["Accepted"] == ("False", "NoMatchingParent")
    assert parent(cluster, "other-host")[1]["Accepted"] == ("False", "NoMatchingListenerHostname")
    assert parent(cluster, "wild")[1]["Accepted"] == ("True", "Accepted")


def test_cross_namespace_backend_needs_a_referencegrant(cluster):
    cluster.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "backend"}})
    web(cluster, ns="backend", replicas=1)
    cluster.create(gateway())
    cluster.create(route(rules=[{"backendRefs": [{"name": "web", "namespace": "backend", "port": 80}]}]))
    cluster.settle()
    assert parent(cluster)[1]["ResolvedRefs"] == ("False", "RefNotPermitted")
    cluster.create(
        {
            "apiVersion": "gateway.networking.k8s.io/v1beta1",
            "kind": "ReferenceGrant",
            "metadata": {"name": "from-default", "namespace": "backend"},
            "spec": {
                "from": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": "default"}],
                "to": [{"group": "", "kind": "Service"}],
            },
        }
    )
    cluster.settle()
    assert parent(cluster)[1]["ResolvedRefs"] == ("True", "ResolvedRefs")


# trace --------------------------------------------------------------------------------------------------


def test_trace_through_the_gateway_and_the_matching_rule(cluster):
    web(cluster)
    web(cluster, name="api", replicas=1)
    cluster.create(gateway())
    cluster.create(
        route(
            hostnames=["shop.example.com"],
            rules=[
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                    "backendRefs": [{"name": "web", "port": 80}],
                },
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/api"}}],
                    "backendRefs": [{"name": "api", "port": 80}],
                },
            ],
        )
    )
    cluster.settle()
    ip = cluster.get("Gateway", "gw", "default")["status"]["addresses"][0]["value"]
    result = trace(cluster, "outside", "http://shop.example.com/api/v1/items")
    assert result["ok"], result
    assert result["route"]["gateway"] == "default/gw" and result["route"]["service"] == "default/api"
    assert result["pod"].startswith("default/api-")
    texts = [h["description"] for h in result["hops"]]
    assert any(f"address {ip}" in t for t in texts)
    assert any(
        "HTTPRoute default/shop rule 1 matches path /api/v1/items (PathPrefix /api)" in t for t in texts
    )
    # The longest prefix wins; "/apix" is not under "/api" (prefixes match whole segments).
    assert trace(cluster, "outside", "http://shop.example.com/apix")["route"]["service"] == "default/web"
    # The address without the route's hostname: the gateway answers 404.
    miss = trace(cluster, "outside", f"http://{ip}/api")
    assert not miss["ok"] and "404 Not Found" in miss["error"]


def test_trace_to_a_missing_backend_is_a_500(cluster):
    cluster.create(gateway())
    cluster.create(route())
    cluster.settle()
    ip = cluster.get("Gateway", "gw", "default")["status"]["addresses"][0]["value"]
    result = trace(cluster, "outside", f"http://{ip}/")
    assert not result["ok"] and "500 Internal Server Error" in result["error"]


def test_vsphere_gateway_takes_an_nsx_address():
    cluster = Cluster.new("vsphere", seed=1)
    cluster.create(gateway(ns="dev-team", cls="avi-lb"))
    cluster.settle()
    gw = cluster.get("Gateway", "gw", "dev-team")
    assert conditions(gw["status"]["conditions"])["Programmed"] == ("True", "Programmed")
    assert gw["status"]["addresses"][0]["value"] in cluster.allocator.lb_pool()


def test_grpcroute_gets_parent_status_too(cluster):
    web(cluster)
    cluster.create(gateway())
    cluster.create(
        {
            "apiVersion": GW,
            "kind": "GRPCRoute",
            "metadata": {"name": "rpc", "namespace": "default"},
            "spec": {
                "parentRefs": [{"name": "gw"}],
                "rules": [{"backendRefs": [{"name": "web", "port": 80}]}],
            },
        }
    )
    cluster.settle()
    (entry,) = cluster.get("GRPCRoute", "rpc", "default")["status"]["parents"]
    assert conditions(entry["conditions"]) == {
        "Accepted": ("True", "Accepted"),
        "ResolvedRefs": ("True", "ResolvedRefs"),
    }
    assert cluster.get("Gateway", "gw", "default")["status"]["listeners"][0]["attachedRoutes"] == 1


def test_kubectl_explain_describes_the_kinds(cluster):
    crd = cluster.get("CustomResourceDefinition", "httproutes.gateway.networking.k8s.io", "")
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    assert schema["description"].startswith("HTTPRoute says how HTTP requests")
