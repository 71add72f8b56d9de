"""The mirror's pages: only for people allowed to see real clusters, read-only, in
vSphere terms."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from playground.mirror import reading
from playground.models import Sandbox
from tests.playground.mirror.conftest import mirror_viewer
from tests.playground.mirror.test_sources import SECRET_TOKEN, write_config


@pytest.fixture
def admin_client(client, db):
    return mirror_viewer(client)


def page(client, name="lab", **query):
    return client.get(reverse("playground:mirror-cluster", args=[name]), query)


def test_anonymous_visitors_are_sent_to_sign_in_and_others_refused(client, mirrored):
    response = page(client)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    User.objects.create_user("learner", password="pw-for-tests-only")  # noqa: S106
    client.force_login(User.objects.get(username="learner"))
    assert page(client).status_code == 403
    assert client.get(reverse("playground:mirror")).status_code == 403
    assert b"Mirror" not in client.get(reverse("playground:index")).content.split(b"<main")[0]


def test_contexts_page_lists_contexts_and_mirrors_without_credentials(
    admin_client, mirrored, tmp_path, monkeypatch
):
    config = tmp_path / "config"
    write_config(config, ["prod", "lab"], current="prod")
    monkeypatch.setenv("KUBECONFIG", str(config))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    html = admin_client.get(reverse("playground:mirror")).content.decode()
    assert "prod" in html and "https://prod.example.net:6443" in html
    assert "python manage.py mirror prod" in html  # not started yet
    assert ">synced<" in html  # lab is mirrored
    for secret in (SECRET_TOKEN, "admin:pw", "Q0VSVA", "S0VZ"):
        assert secret not in html
    assert "Mirror" in admin_client.get(reverse("playground:index")).content.decode().split("<main")[0]


def test_cluster_page_shows_hosts_pools_tags_topology_and_tasks(admin_client, mirrored):
    html = page(admin_client).content.decode()
    assert "read-only mirror" in html and "last heard from the cluster" in html
    # Hosts as ESXi hosts, with what the pods reserve: kind-worker runs 250m + 100m + kube-proxy.
    assert "kind-worker2" in html and "NotReady" in html
    assert "CPU" in html and "0.35 of 8 cores" in html and "VMs 3 of 110" in html
    # Static pods, DaemonSet pods and Deployment pods under their owners.
    assert "etcd-kind-control-plane" in html and "DaemonSet kube-proxy" in html
    assert "Deployment web" in html and "2/2 ready" in html
    # Namespaces as resource pools, with the quota's used against hard.
    assert "quota shop-pool" in html and "requests.cpu 500m of 2" in html
    assert "<svg" in html  # the topology
    assert "NodeNotReady" in html and "Host not responding" in html  # Recent Tasks with analogue
    assert "Certificate" in html and "certificates.cert-manager.io" in html
    # No control of the real cluster anywhere on the page.
    assert "Simulate host failure" not in html and "Edit settings" not in html


def test_live_partial_for_htmx_polls(admin_client, mirrored):
    response = admin_client.get(
        reverse("playground:mirror-cluster", args=["lab"]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="live"') and "<html" not in html


def test_object_pages_show_tags_owner_and_host_summary(admin_client, mirrored):
    url = reverse("playground:mirror-object", args=["lab", "pods", "shop", "web-6d4cf56db6-2lq7f"])
    html = admin_client.get(url).content.decode()
    assert (
        "tag-chip" in html
        and "app=web" in html
        and "owned by" in html
        and "ReplicaSet web-6d4cf56db6" in html
    )
    assert "managedFields:" not in html and "f:metadata" not in html
    node = admin_client.get(
        reverse("playground:mirror-object", args=["lab", "nodes", "-", "kind-worker"])
    ).content.decode()
    assert "ESXi host" in node and "kubelet v1.31.2" in node and "shop/web-6d4cf56db6-2lq7f" in node
    ns = admin_client.get(
        reverse("playground:mirror-object", args=["lab", "namespaces", "-", "shop"])
    ).content.decode()
    assert "resource pool" in ns and "team=web" in ns and "500m of 2" in ns
    deployment = admin_client.get(
        reverse("playground:mirror-object", args=["lab", "deployments.apps", "shop", "web"])
    )
    html = deployment.content.decode()
    assert "FT/HA" in html and "owns" in html and "ReplicaSet web-6d4cf56db6" in html
    failed = admin_client.get(
        reverse("playground:mirror-object", args=["lab", "pods", "shop", "web-6d4cf56db6-9v2ht"])
    )
    assert "NodeNotReady" in failed.content.decode() and "node-controller" in failed.content.decode()
    missing = admin_client.get(reverse("playground:mirror-object", args=["lab", "pods", "shop", "nope"]))
    assert missing.status_code == 404


def test_custom_resources_are_listed_generically(admin_client, mirrored):
    html = admin_client.get(
        reverse("playground:mirror-resource", args=["lab", "certificates.cert-manager.io"])
    ).content.decode()
    assert "web-tls" in html and "1 object(s)" in html
    cert = admin_client.get(
        reverse("playground:mirror-object", args=["lab", "certificates.cert-manager.io", "shop", "web-tls"])
    ).content.decode()
    assert "shop.example.com" in cert and "custom resource" in cert


def test_a_big_cluster_is_summed_up_and_opened_one_namespace_at_a_time(admin_client, mirrored, monkeypatch):
    monkeypatch.setattr(reading, "WHOLE_PAGE_LIMIT", 5)
    html = page(admin_client).content.decode()
    assert "sums it up" in html and "Resource pools" in html and "?namespace=shop" in html
    assert "0.35 of 8 cores" in html  # the host table adds up in the database
    assert "etcd-kind-control-plane" not in html
    shop = page(admin_client, namespace="shop").content.decode()
    assert (
        "Showing namespace" in shop
        and "web-6d4cf56db6-9v2ht" in shop
        and "etcd-kind-control-plane" not in shop
    )


def test_unknown_cluster_says_how_to_start_it(admin_client, db):
    response = page(admin_client, name="prod")
    assert response.status_code == 404 and "python manage.py mirror prod" in response.content.decode()


def test_context_names_with_slashes_round_trip(admin_client, fake, db):
    from tests.playground.mirror.conftest import DbMirror

    arn = "arn:aws:eks:eu-west-1:123456789012:cluster/prod"
    m = DbMirror(fake.url, name=arn)
    try:
        m.settle()
        url = reverse("playground:mirror-cluster", args=[arn])
        assert "/" not in url.removeprefix("/mirror/").rstrip("/")
        assert "kind-worker" in admin_client.get(url).content.decode()
    finally:
        m.close()


def test_copy_makes_a_sandbox_of_the_chosen_namespaces(admin_client, mirrored):
    response = admin_client.post(
        reverse("playground:mirror-copy", args=["lab"]), {"scope": "chosen", "namespace": ["shop"]}
    )
    assert response.status_code == 302
    sandbox = Sandbox.objects.get()
    assert response["Location"] == reverse("playground:sandbox", args=[sandbox.public_id])
    html = admin_client.get(response["Location"]).content.decode()
    assert "Copied lab into this sandbox" in html and "kind-worker" in html and "Deployment web" in html
    bad = admin_client.post(
        reverse("playground:mirror-copy", args=["lab"]), {"scope": "chosen", "namespace": ["nope"]}
    )
    assert bad.status_code == 400 and "No namespace nope" in bad.content.decode()
    assert Sandbox.objects.count() == 1


def test_copy_needs_the_permission_and_csrf(client, mirrored):
    from django.test import Client

    strict = mirror_viewer(Client(enforce_csrf_checks=True), "ops2")
    assert strict.post(reverse("playground:mirror-copy", args=["lab"]), {"scope": "all"}).status_code == 403
    assert client.post(reverse("playground:mirror-copy", args=["lab"]), {"scope": "all"}).status_code == 302
    assert Sandbox.objects.count() == 0


def test_an_anonymous_visitor_of_the_mirror_learns_what_it_is_and_why_to_sign_in(client, mirrored):
    response = client.get(reverse("playground:mirror"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Mirrored clusters" in html and "Instructor sign-in" not in html
    assert "real Kubernetes clusters" in html and "view mirror" in html
    assert 'href="/accounts/login/?next=%2Fmirror%2F"' in html
    # Nothing of the mirrored cluster is shown, and the pages behind it stay gated.
    assert "kind-worker" not in html and "/mirror/lab/" not in html
    assert page(client).status_code == 302
