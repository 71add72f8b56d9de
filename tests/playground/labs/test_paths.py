"""The guided path: offered first on the home page, progress kept per visitor, resumable."""

import pytest
from django.test import Client

from playground.labs import LabError, load_path, paths
from playground.models import LabAttempt

pytestmark = pytest.mark.django_db


def test_the_home_page_offers_the_first_day_path_first(client):
    html = client.get("/").content.decode()
    hero = html[html.index('class="hero-actions"') :]
    assert hero.index("/learn/first-day/") < hero.index("/concepts/")


def test_every_path_step_names_a_real_pair_or_lab():
    from concepts.catalogue import catalogue

    for path in paths().values():
        for step in path.steps:
            assert step.kind == "lab" or catalogue().get(step.slug) is not None, step.slug


def test_progress_is_kept_and_resumes_at_the_first_step_not_done(client):
    overview = client.get("/learn/first-day/").content.decode()
    assert "0 of 16 steps done" in overview and 'href="/learn/first-day/1/"' in overview
    step = client.get("/learn/first-day/1/").content.decode()
    assert "vCenter" in step and "Mark as read and continue" in step
    assert client.post("/learn/first-day/1/")["Location"] == "/learn/first-day/2/"
    for number in range(2, 8):
        client.post(f"/learn/first-day/{number}/")
    overview = client.get("/learn/first-day/").content.decode()
    assert "7 of 16 steps done" in overview
    assert 'href="/learn/first-day/8/">Continue where you left off</a>' in overview
    lab_step = client.get("/learn/first-day/8/").content.decode()
    assert "Start the lab in a sandbox of your own" in lab_step
    assert client.post("/labs/first-pod/start").status_code == 302
    attempt = LabAttempt.objects.get()
    lab_step = client.get("/learn/first-day/8/").content.decode()
    assert f"/labs/attempt/{attempt.sandbox.public_id}/" in lab_step and "0 of 3 tasks passed" in lab_step
    for number in (1, 2, 3):
        client.post(f"/labs/attempt/{attempt.sandbox.public_id}/tasks/{number}/solve")
        client.get(f"/labs/attempt/{attempt.sandbox.public_id}/", HTTP_HX_REQUEST="true")
    assert "You passed every task" in client.get("/learn/first-day/8/").content.decode()
    assert "8 of 16 steps done" in client.get("/learn/first-day/").content.decode()
    # Another visitor starts from scratch.
    assert "0 of 16 steps done" in Client().get("/learn/first-day/").content.decode()


def test_a_lab_step_cannot_be_marked_read_and_unknown_paths_are_404(client):
    assert client.post("/learn/first-day/8/").status_code == 404
    assert client.get("/learn/nope/").status_code == 404
    assert client.get("/learn/first-day/99/").status_code == 404


def test_a_path_naming_an_unknown_lab_is_refused(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: t\nsteps:\n  - lab: nope\n")
    with pytest.raises(LabError, match="unknown lab 'nope'"):
        load_path(bad)


def test_the_first_day_path_introduces_its_tools_and_words_before_using_them():
    """Issue 17 section 5: kubectl, YAML and desired state, labels and namespaces come before
    the first lab, every term a page or lab leans on is explained in an intro first, and the
    summary counts the concept pages and labs there are."""
    path = paths()["first-day"]
    slugs = [step.slug for step in path.steps]
    first_lab = next(i for i, step in enumerate(path.steps) if step.kind == "lab")
    for needed in ("powercli-kubectl", "vmx-ovf-manifests", "tags-labels", "resource-pool-namespace"):
        assert slugs.index(needed) < first_lab, needed
    intros = [step.intro for step in path.steps]

    def explained_by(term):
        return next(i for i, intro in enumerate(intros) if f"**{term}**" in intro)

    for term, used_by in (
        ("Lease", "vcenter-control-plane"),
        ("APIService", "vcenter-control-plane"),
        ("kubectl", "first-pod"),
        ("manifest", "self-healing"),
        ("desired state", "ft-ha-replicasets"),
        ("kubeconfig", "powercli-kubectl"),
        ("reconciliation", "vmx-ovf-manifests"),
        ("network namespace", "vm-pod"),
        ("idempotent", "vmx-ovf-manifests"),
        ("GitOps", "vmx-ovf-manifests"),
        ("labels", "first-pod"),
        ("namespace", "first-pod"),
        ("taint", "ha-host-failure-node-lifecycle"),
        ("EndpointSlice", "clusterip-service"),
    ):
        assert explained_by(term) <= slugs.index(used_by), term
    concepts = sum(step.kind == "concept" for step in path.steps)
    labs_count = sum(step.kind == "lab" for step in path.steps)
    words = {5: "five", 11: "Eleven"}
    assert path.summary.startswith(
        f"{words[concepts]} short concept pages and {words[labs_count]} small labs"
    )
