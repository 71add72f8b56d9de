"""The Network tab says what gives LoadBalancer Services their address, or that nothing does."""

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
