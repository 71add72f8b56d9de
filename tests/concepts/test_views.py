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
    for heading in ("Architecture", "Workloads", "Networking", "Storage", "vSphere Supervisor and VKS"):
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


def test_pair_page_shows_the_versions_checked_the_then_and_now_notes_and_the_example_state(client):
    html = client.get("/concepts/host-agent-kubelet/").content.decode()
    assert "Checked against Kubernetes 1.37, vSphere 8.0." in html
    assert "Then and now" in html and "Kubernetes 1.24" in html and "CRI" in html
    assert "it reaches <strong>Running</strong>" in html
    html = client.get("/concepts/ft-ha-replicasets/").content.decode()
    assert "Then and now" not in html  # only where the picture changed
    html = client.get("/concepts/tkg-clusters/").content.decode()
    assert "VMware Cloud Foundation 9.0" in html
    assert "it reaches <strong>Provisioned</strong> (in the vsphere profile)" in html


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


def test_glossary_filters_server_side_with_q_and_jumps_a_to_z(client):
    everything = client.get("/glossary/").content.decode()
    total = everything.count('class="glossary-entry"')
    assert total > 100 and f"{total} of {total} terms" in everything
    assert (
        'id="glossary-q" name="q"' in everything
        and "js/glossary.js" in everything
        and "<script>" not in everything
    )
    # A to Z: every letter is there, as a link where terms start with it.
    letters = re.search(r'<nav class="letters".*?</nav>', everything, re.S).group(0)
    assert all(f'data-letter="{c}"' in letters for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert '<a href="#letter-V" data-letter="V">V</a>' in letters

    html = client.get("/glossary/", {"q": "VMOTION"}).content.decode()
    shown = re.findall(r"</span> ([^<]+)</dt>", html)
    texts = re.findall(r'class="glossary-entry" data-text="([^"]+)"', html)
    assert len(texts) == len(shown) and all("vmotion" in text for text in texts)
    assert "vMotion" in shown and len(shown) < total and f"{len(shown)} of {total} terms" in html
    assert 'value="VMOTION"' in html and f"Show all {total}" in html
    # The counterpart matches too: "resource-pool" finds Namespace, folded like the catalogue search.
    pools = client.get("/glossary/", {"q": "resource-pool"}).content.decode()
    assert re.search(r"Kubernetes</span> Namespace</dt>", pools)
    assert '<span class="muted" aria-disabled="true" data-letter="Z">Z</span>' in pools
    nothing = client.get("/glossary/", {"q": "zzzz-no-such-term"}).content.decode()
    assert "No term contains “zzzz-no-such-term”" in nothing and 'class="glossary-entry"' not in nothing


def test_the_navigation_offers_the_first_day_labs_and_join(client, django_user_model):
    def nav(html):
        return re.findall(r'<li><a href="([^"]+)"[^>]*>([^<]+)</a></li>', html.split("<main")[0])

    anonymous = dict((title, url) for url, title in nav(client.get("/").content.decode()))
    assert anonymous["First day"] == "/learn/first-day/" and anonymous["Labs"] == "/labs/"
    assert anonymous["Join"] == "/join/" and "Workshops" not in anonymous and "Mirror" not in anonymous
    assert 'href="/learn/first-day/" aria-current="page"' in client.get("/learn/first-day/").content.decode()
    instructor = django_user_model.objects.create_user("teacher", password="pw-for-tests-only")  # noqa: S106
    client.force_login(instructor)
    signed_in = dict((title, url) for url, title in nav(client.get("/").content.decode()))
    assert signed_in["Workshops"] == "/workshops/" and "Mirror" not in signed_in
