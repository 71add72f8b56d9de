"""Every page as a full page, and every htmx view as a fragment too."""

import re

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_home_introduces_the_site(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "concept pairs" in html
    assert 'href="/concepts/vm-pod/"' in html


def test_catalogue_full_page_groups_every_pair_by_category(client):
    html = client.get("/concepts/").content.decode()
    assert "<html" in html and 'id="pair-results"' in html
    for heading in ("Architecture", "Workloads", "Networking", "Storage", "vSphere with Kubernetes"):
        assert f">{heading}</h2>" in html
    assert html.count('class="pair-card"') >= 45


def test_catalogue_search_as_fragment(client, htmx_headers):
    response = client.get("/concepts/", {"q": "resource pool"}, **htmx_headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="pair-results"')
    first_card = re.search(r'class="pair-card" href="([^"]+)"', html).group(1)
    assert first_card == "/concepts/resource-pool-namespace/"


def test_catalogue_search_works_from_the_kubernetes_side(client, htmx_headers):
    html = client.get("/concepts/", {"q": "Namespace"}, **htmx_headers).content.decode()
    assert (
        re.search(r'class="pair-card" href="([^"]+)"', html).group(1) == "/concepts/resource-pool-namespace/"
    )


def test_catalogue_search_as_full_page_keeps_the_query(client):
    html = client.get("/concepts/", {"q": "vMotion"}).content.decode()
    assert "<html" in html
    assert 'value="vMotion"' in html
    assert "/concepts/vmotion-rescheduling/" in html


def test_catalogue_search_says_when_nothing_matches(client, htmx_headers):
    html = client.get("/concepts/", {"q": "<script>zzz"}, **htmx_headers).content.decode()
    assert "No pair matches" in html
    assert "<script>zzz" not in html and "&lt;script&gt;zzz" in html


def test_catalogue_search_truncates_oversized_queries(client):
    response = client.get("/concepts/", {"q": "x" * 5000})
    assert response.status_code == 200
    assert "x" * 101 not in response.content.decode()


def test_pair_page_shows_both_sides_differences_manifest_and_commands(client):
    html = client.get("/concepts/ft-ha-replicasets/").content.decode()
    assert "vSphere Fault Tolerance and HA" in html
    assert "ReplicaSet and self-healing" in html
    assert "Where they differ" in html and "lockstep" in html
    assert "kind: ReplicaSet" in html
    assert "kubectl scale deployment web --replicas=3" in html
    assert 'href="/concepts/ha-host-failure-node-lifecycle/"' in html  # related
    assert "Kubernetes Introduction for VMware Users" in html  # reference


def test_unknown_pair_is_404(client):
    response = client.get("/concepts/no-such-pair/")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_architecture_page_inlines_the_diagram(client):
    response = client.get("/architecture/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in html and "<?xml" not in html
    assert 'xlink:href="/concepts/host-agent-kubelet/"' in html
    assert 'xlink:href="/concepts/vcenter-control-plane/"' in html


def test_architecture_page_explains_a_missing_dot(client, settings):
    settings.GRAPHVIZ_DOT = "dot-not-installed-here"
    response = client.get("/architecture/")
    assert response.status_code == 503
    assert "apt-get install graphviz" in response.content.decode()


def test_glossary_lists_both_vocabularies_a_to_z(client):
    html = client.get("/glossary/").content.decode()
    assert 'id="letter-A"' in html and 'id="letter-V"' in html
    vmotion = html.index("vMotion</dt>")
    assert "/concepts/vmotion-rescheduling/" in html[vmotion : vmotion + 600]
    assert "etcd</dt>" in html


def test_pages_load_nothing_from_other_hosts(client):
    for url in ("/", "/concepts/", "/concepts/vm-pod/", "/architecture/", "/glossary/"):
        html = client.get(url).content.decode()
        external = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:)?//', html)
        assert external == [], url
        assert "/static/django-htmx/" in html or "htmx" in html


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_does_not(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_post_to_a_page_is_refused(client):
    assert client.post("/concepts/").status_code == 405
