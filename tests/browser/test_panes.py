"""The Recent Tasks pane in a real browser: on a phone it does not scroll sideways, and
its own polling keeps the filter and the page the learner chose."""

import re

import pytest

from tests.browser.conftest import new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def open_pane(page, base) -> str:
    page.goto(f"{base}/playground/")
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    made = page.request.post(
        f"{base}/playground/try/self-healing",
        headers={"X-CSRFToken": token, "Referer": f"{base}/playground/"},
    )
    assert made.ok and re.search(r"/playground/[0-9a-f-]+/$", made.url)
    events = made.url.rstrip("/") + "/events"
    page.goto(events)
    page.wait_for_selector("#tasks-rows table.tasks")
    page.wait_for_function("() => window.htmx !== undefined")
    page.wait_for_load_state("networkidle")
    return events


def test_the_pane_on_a_phone_keeps_its_filter_and_page_while_it_polls(live_server, chromium_browser):
    page = new_page(chromium_browser, PHONE)
    open_pane(page, live_server.url)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "tasks-pane-phone")

    page.select_option("#tasks-filter select[name=type]", "Normal")
    page.wait_for_function(
        "() => document.querySelector('#tasks-rows').innerText.includes('match the filter')"
    )
    # The self-healing scenario has more than 15 Normal events: there is an older page.
    page.locator("#tasks-rows a", has_text="Older").click()
    page.wait_for_function("() => document.querySelector('#tasks-rows').innerText.includes('Page 2 of')")
    assert page.input_value("#tasks-page") == "2"
    # Two polls later the pane still shows the same filter and page.
    page.wait_for_timeout(6_500)
    text = page.inner_text("#tasks-rows")
    assert "match the filter" in text and "Page 2 of" in text
    assert page.locator("#tasks-rows a", has_text="Newer").count() == 1
    assert page.locator("#tasks-rows .status-tag.bad").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Collapsible: the summary closes and opens it.
    page.locator("#tasks-pane summary").click()
    assert not page.locator("#tasks-pane details").evaluate("d => d.open")
    page.locator("#tasks-pane summary").click()
    assert page.locator("#tasks-pane details").evaluate("d => d.open")


def test_the_navigation_wraps_on_a_phone(live_server, chromium_browser):
    page = new_page(chromium_browser, PHONE)
    page.goto(f"{live_server.url}/glossary/")
    links = page.locator("header nav a")
    assert "First day" in links.all_inner_texts() and "Join" in links.all_inner_texts()
    for link in links.all():
        box = link.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The glossary's filter works as one types.
    page.fill("#glossary-q", "vmotion")
    shown = page.locator(".glossary-entry:not([hidden])")
    assert 0 < shown.count() < page.locator(".glossary-entry").count() / 4
    assert all("vmotion" in text.lower() for text in shown.all_inner_texts())
    assert "terms" in page.inner_text("#glossary-count")
    shot(page, "nav-and-glossary-phone")
