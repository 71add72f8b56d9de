"""The VM translator in a real browser: upload a .vmx, read the mapping table, apply the
workload translation to a new sandbox and see its pod in the inventory; then the VM
Service translation and the VirtualMachine among the sandbox's custom resources."""

import re
from pathlib import Path

import pytest

from tests.browser.conftest import new_page, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLE = Path(__file__).resolve().parents[1] / "translator" / "samples" / "web01.vmx"


def test_upload_read_apply_and_see_it(live_server, chromium_browser):
    page = new_page(chromium_browser, {"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/translate/")
    page.set_input_files("#file", str(SAMPLE))
    page.get_by_role("button", name="Translate").click()
    table = page.locator("table.mapping").first
    row = table.locator("tr", has=page.locator("code", has_text="numvcpus"))
    assert "resources.limits.cpu: 2" in row.inner_text()
    assert "reservations-requests-limits" in row.inner_text()
    shot(page, "translator-result")

    page.locator("#wl-h").locator("xpath=..").get_by_role("button", name="Apply to the sandbox").click()
    page.wait_for_url("**/playground/*/")
    assert "deployment.apps/web01 created" in page.locator(".flash").inner_text()
    page.goto(page.url + "?tab=workloads")
    page.locator("#panel-workloads").get_by_text(re.compile(r"^web01-[a-z0-9]+-[a-z0-9]+$")).first.wait_for(
        timeout=20_000
    )

    page.goto(f"{live_server.url}/translate/")
    page.set_input_files("#file", str(SAMPLE))
    page.get_by_role("button", name="Translate").click()
    page.locator("#vm-h").locator("xpath=..").get_by_role("button", name="Apply to the sandbox").click()
    page.wait_for_url("**/playground/*/")
    # The engine's VM Service CRDs and its simulated VM operator take the VM.
    assert (
        "virtualmachine.vmoperator.vmware.com/web01 created (run by the sandbox's simulated VM operator)"
        in page.locator(".flash").inner_text()
    )
    page.goto(page.url + "?tab=workloads")
    workloads = page.locator("#panel-workloads")
    workloads.get_by_text("Custom resources").first.wait_for(timeout=20_000)
    assert "VirtualMachine" in workloads.inner_text() and "web01" in workloads.inner_text()
    shot(page, "translator-vm-applied")


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def test_a_typo_on_a_phone_is_answered_beside_the_field(live_server, chromium_browser, debug):
    """As a learner meets it under `make run` (DEBUG on) and in production: a pasted .vmx
    with a broken line gets its error beside the text box, naming the line, with what was
    pasted kept; the page fits a phone's width; a good paste then translates."""
    phone = {"width": 390, "height": 844}
    page = new_page(chromium_browser, phone)
    page.goto(f"{live_server.url}/translate/")
    broken = 'displayName = "web01"\nnumvcpus = "2"\nmemsize "2048"\n'
    page.fill("#source", broken)
    page.get_by_role("button", name="Translate").click()
    error = page.locator("#source-error")
    error.wait_for()
    assert "line 3" in error.inner_text()
    assert page.get_attribute("#source", "aria-invalid") == "true"
    assert page.input_value("#source") == broken
    assert page.evaluate("document.documentElement.scrollWidth") <= phone["width"]
    shot(page, f"translator-phone-error-{'debug' if debug else 'production'}")

    page.fill("#source", SAMPLE.read_text())
    page.get_by_role("button", name="Translate").click()
    page.locator("table.mapping").first.wait_for()
    assert page.locator("#source-error").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= phone["width"]
