"""The Network tab and view: what gives LoadBalancer Services their address, which CNI plugin builds
the pod network (its devices, routes or segments), and whether it enforces NetworkPolicies."""

import pytest

from playground import sandboxes
from playground.models import Sandbox

pytestmark = pytest.mark.django_db

LB = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "lb", "namespace": "default"},
    "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]},
}


def _network(client, profile: str) -> str:
    response = client.post("/playground/new", {"profile": profile, "name": profile})
    assert response.status_code == 302
    sandbox = Sandbox.objects.get(name=profile)
    sandboxes.change(sandbox.owner, sandbox.public_id, lambda c: c.apply([LB]) and None, "apply lb")
    url = f"/playground/{sandbox.public_id}/"
    return client.get(url, {"parts": "network"}, HTTP_HX_REQUEST="true").content.decode()


def test_the_kubeadm_profile_names_metallb(client):
    html = _network(client, "default")
    assert "LoadBalancer Services get their external address from MetalLB (simulated addon" in html
    assert "<code>192.168.50." in html and "&lt;pending&gt;" not in html


def test_the_vsphere_profile_names_nsx(client):
    html = _network(client, "vsphere")
    assert "LoadBalancer Services get their external address from NSX load balancer" in html


def test_the_minimal_profile_leaves_load_balancers_pending_and_says_why(client):
    html = _network(client, "minimal")
    assert "Nothing in this cluster implements LoadBalancer Services" in html
    assert "<code>&lt;pending&gt;</code>" in html


def _network_view(client, profile: str, setup=None) -> str:
    response = client.post("/playground/new", {"profile": profile, "name": f"{profile}-view"})
    assert response.status_code == 302
    sandbox = Sandbox.objects.get(name=f"{profile}-view")
    if setup is not None:
        sandboxes.change(sandbox.owner, sandbox.public_id, setup, "setup")
    return client.get(f"/playground/{sandbox.public_id}/network/").content.decode()


def test_the_network_view_draws_flannels_vxlan_routes_not_kubenets(client):
    """Flannel's VXLAN backend (its default, Flannel docs backends.md) builds cni0 with the
    subnet's .1 and flannel.1 with its .0, and routes other nodes' subnets via flannel.1;
    kubenet's cbr0 and router routes appear only as history. Flannel "does not implement
    network policy" (Flannel README), and the view says the policies are not enforced."""
    html = _network_view(client, "default")
    assert "This cluster's network plugin (CNI) is Flannel (VXLAN backend" in html
    assert "<code>cni0 10.40.1.1/24</code>" in html and "<code>flannel.1 10.40.1.0/32</code>" in html
    assert "<code>10.40.2.0/24 via 10.40.2.0 dev flannel.1 onlink</code>" in html
    assert "10.40.1.0/24 via 10.140.0.11" not in html  # kubenet's router route
    assert "NetworkPolicies are <strong>not enforced</strong> here" in html
    assert "Namespace segments" not in html


def test_the_network_view_of_the_vsphere_profile_shows_segments_and_enforcement(client):
    """NSX (through NCP) gives each namespace a segment behind a Tier-1 gateway and enforces
    NetworkPolicies as distributed firewall rules."""
    html = _network_view(client, "vsphere")
    assert "This cluster's network plugin (CNI) is NSX (through NCP on the Supervisor" in html
    assert "<h2>Namespace segments</h2>" in html and "<code>seg-dev-team-" in html
    assert "NetworkPolicies are enforced: NSX" in html
    assert "flannel.1" not in html


def test_the_trace_on_the_view_says_flannel_ignores_a_policy(client):
    def setup(cluster):
        cluster.apply(
            [
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "web", "labels": {"app": "web"}},
                    "spec": {
                        "containers": [
                            {"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
                        ]
                    },
                },
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": "client"},
                    "spec": {
                        "containers": [
                            {"name": "c", "image": "busybox:1.36", "command": ["sleep", "infinity"]}
                        ]
                    },
                },
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy",
                    "metadata": {"name": "default-deny", "namespace": "default"},
                    "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
                },
            ]
        )
        cluster.settle()

    response = client.post("/playground/new", {"profile": "default", "name": "trace"})
    sandbox = Sandbox.objects.get(name="trace")
    sandboxes.change(sandbox.owner, sandbox.public_id, setup, "setup")
    _, cluster = sandboxes.view(sandbox.owner, sandbox.public_id)
    ip = cluster.get("pod", "web")["status"]["podIP"]
    html = client.get(
        f"/playground/{sandbox.public_id}/network/", {"source": "default/client", "destination": f"{ip}:80"}
    ).content.decode()
    assert response.status_code == 302
    assert (
        "NetworkPolicy default-deny selects web for ingress, but Flannel does not enforce NetworkPolicies: "
        "not applied" in html
    )
    assert "Delivered to default/web" in html


@pytest.mark.parametrize(
    "profile, says",
    [
        (
            "default",
            "The pod network is Flannel (VXLAN backend, namespace kube-flannel). It does not enforce",
        ),
        (
            "minimal",
            "The pod network is the reference bridge plugin (cni0, host-local IPAM). It does not enforce",
        ),
        (
            "vsphere",
            "The pod network is NSX (through NCP on the Supervisor: a segment per namespace). It enforces",
        ),
    ],
)
def test_the_tab_names_the_pod_network_and_whether_it_enforces_policies(client, profile, says):
    """The Kubernetes docs (Network Plugins, Network Policies): policies are implemented by the
    network plugin; Flannel "does not implement network policy" (Flannel README)."""
    assert says in _network(client, profile)
