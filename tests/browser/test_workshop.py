"""An instructor-led workshop in real browsers: the instructor creates it, two learners
join in separate contexts, one solves a task in the web UI and the other with the real
kubectl, the instructor's grid turns green for both, and a reset turns one back.
Screenshots in test-artifacts/."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from tests.browser.conftest import shot, terminal_run
from tests.playground.kubeapi.conftest import Kubectl, newest_kubectl

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_workshop_with_two_learners(live_server, chromium_browser, tmp_path):
    User.objects.create_user("ann", password="s3cret-pass")
    instructor = chromium_browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()
    instructor.goto(live_server.url + "/workshops/")
    instructor.fill("#id_username", "ann")
    instructor.fill("#id_password", "s3cret-pass")
    instructor.get_by_role("button", name="Sign in").click()
    instructor.fill("#title", "Kubernetes for the vSphere team")
    instructor.get_by_label("Your first pod, and how it differs from your first VM").check()
    now = timezone.localtime()
    instructor.fill("#starts", now.strftime("%Y-%m-%dT%H:%M"))
    instructor.fill("#ends", (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    instructor.get_by_role("button", name="Create the workshop").click()
    instructor.wait_for_url(re.compile(r"/workshops/[0-9a-f-]+/$"))
    code = instructor.locator(".join-code strong").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{6}", code) and instructor.locator(".qr svg").count() == 1
    shot(instructor, "10-workshop-created")

    def join(name):
        context = chromium_browser.new_context(accept_downloads=True, viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.goto(f"{live_server.url}/join/{code}")
        page.fill("#name", name)
        page.get_by_role("button", name="Join").click()
        page.wait_for_url(re.compile(r"/labs/attempt/[0-9a-f-]+/$"))
        return context, page

    alice_context, alice = join("Alice")
    bob_context, bob = join("Bob")
    instructor.wait_for_function(
        "() => document.querySelector('#grid').innerText.includes('Bob')", timeout=15_000
    )

    # Alice uses the page's console; Bob uses the real kubectl with his kubeconfig.
    terminal_run(alice, "kubectl run hello --image=nginx:1.27", expect="pod/hello created")
    alice.wait_for_selector("#task-1.passed", timeout=20_000)
    with bob.expect_download() as download:
        bob.locator("#kubeconfig-download").click()
    kubeconfig = tmp_path / "bob.yaml"
    download.value.save_as(kubeconfig)
    Kubectl(newest_kubectl(), kubeconfig, tmp_path / "cache").ok("run", "hello", "--image=nginx:1.27")
    bob.wait_for_selector("#task-1.passed", timeout=20_000)

    instructor.wait_for_function(
        "() => document.querySelectorAll('#grid td.pass').length >= 2", timeout=20_000
    )
    rows = instructor.locator("#grid tbody tr")
    assert rows.count() == 2
    for index in range(2):
        assert rows.nth(index).locator("td").first.get_attribute("class") == "pass"
    shot(instructor, "11-workshop-grid-green")

    instructor.fill("#message", "Five minutes left")
    instructor.get_by_role("button", name="Send").click()
    alice.wait_for_function(
        "() => document.querySelector('.workshop-banner').innerText.includes('Five minutes left')",
        timeout=10_000,
    )
    shot(alice, "12-learner-sees-the-message")

    # Each row's Reset button submits the grid's one form (which holds the CSRF token).
    instructor.locator("#grid tbody tr", has_text="Bob").get_by_role("button", name="Reset").click()
    instructor.wait_for_function(
        """() => [...document.querySelectorAll('#grid tbody tr')].some(
            (row) => row.innerText.includes('Bob') && row.querySelector('td').className === 'fail')""",
        timeout=20_000,
    )
    assert (
        instructor.locator("#grid tbody tr", has_text="Alice").locator("td").first.get_attribute("class")
        == "pass"
    )
    alice_context.close()
    bob_context.close()


def test_the_dashboard_on_a_phone_with_long_and_hostile_names(live_server, chromium_browser):
    """At 390 px the join panel stacks above the controls (its code whole on screen), a
    60-letter name wraps in its cell, the grid scrolls inside itself rather than widening
    the page, and a name written as markup is text."""
    from playground import workshops

    teacher = User.objects.create_user("ann", password="s3cret-pass")
    now = timezone.now()
    workshop = workshops.create(teacher, "On a phone", ["first-pod"], now, now + timedelta(hours=2), 30)
    for owner, name in [("a", "x" * 60), ("b", '<img src=x onerror="alert(1)">Bob')]:
        workshops.join(owner, workshop.code, name, "127.0.0.1")
    page = chromium_browser.new_context(viewport={"width": 390, "height": 800}).new_page()
    page.goto(live_server.url + f"/workshops/{workshop.public_id}/")
    page.fill("#id_username", "ann")
    page.fill("#id_password", "s3cret-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#grid tbody tr")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    code = page.locator(".join-code strong").bounding_box()
    assert code["x"] >= 0 and code["x"] + code["width"] <= 390
    join, controls = page.locator("#join-h").bounding_box(), page.locator("#controls-h").bounding_box()
    assert controls["y"] > join["y"]  # stacked
    long_name = page.locator("#grid tbody th", has_text="xxxx").bounding_box()
    assert long_name["width"] < 390 / 2
    assert page.locator("#grid img").count() == 0
    assert page.locator("#grid tbody th", has_text="<img").count() == 1
    shot(page, "13-workshop-dashboard-phone")
