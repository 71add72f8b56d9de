"""The Content-Security-Policy (config/security.py) blocks nothing the app itself does: no
page raises a `securitypolicyviolation` event or logs a CSP error, and the pieces that
run script (htmx swaps, the terminal, the glossary filter, the diagrams) still work."""

import re

import pytest

from tests.browser.conftest import new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


def watched(browser):
    page = new_page(browser, {"width": 1300, "height": 900})
    page.context.add_init_script(RECORD)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def assert_clean(page, errors, where):
    violations = page.evaluate("window.__csp || []")
    assert violations == [], f"{where}: {violations}"
    csp_errors = [e for e in errors if "Content Security Policy" in e or "Refused to" in e]
    assert csp_errors == [], f"{where}: {csp_errors}"


def test_the_main_pages_raise_no_csp_violation(live_server, chromium_browser):
    page, errors = watched(chromium_browser)
    base = live_server.url
    for path in ["/", "/concepts/", "/architecture/", "/glossary/", "/playground/", "/labs/", "/join/"]:
        response = page.goto(base + path)
        assert "script-src 'self';" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
        assert_clean(page, errors, path)
    page.goto(base + "/accounts/login/")
    assert_clean(page, errors, "login")
    page.goto(base + "/admin/login/")
    assert_clean(page, errors, "admin login")

    # The glossary's filter is a static script now, and still filters.
    page.goto(base + "/glossary/")
    page.fill("#glossary-q", "vmotion")
    page.wait_for_function("() => !document.getElementById('glossary-count').textContent.startsWith('0 of')")
    assert re.match(r"\d+ of \d+ terms", page.text_content("#glossary-count"))
    assert page.locator(".glossary-entry[hidden]").count() > 0
    assert_clean(page, errors, "glossary filter")


def test_the_workspace_works_under_the_policy(live_server, chromium_browser):
    page, errors = watched(chromium_browser)
    page.goto(f"{live_server.url}/playground/")
    page.get_by_role("button", name=re.compile("^Create")).first.click()
    page.wait_for_url(re.compile(r"/playground/[0-9a-f-]+/"))
    page.wait_for_function("() => window.kubeTerminal !== undefined && window.htmx !== undefined")
    # The terminal (xterm.js writes its own <style> elements) answers a command.
    page.evaluate("window.kubeTerminal.focus()")
    page.keyboard.type("kubectl get nodes")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.kubeTerminal.text().includes('Ready')", timeout=15_000)
    # An htmx form swaps its answer in place (htmx with allowEval false).
    page.goto(page.url.split("?")[0] + "?tab=yaml")
    page.fill("#manifest", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: csp-check\n")
    page.locator("#manifest").locator("xpath=ancestor::form").locator("button[type=submit]").first.click()
    page.wait_for_function("() => document.getElementById('apply-result').textContent.includes('csp-check')")
    page.wait_for_load_state("networkidle")
    assert_clean(page, errors, "workspace")
    for link in ("?tab=topology", "network/"):
        page.goto(page.url.split("?")[0] + link)
        page.wait_for_load_state("networkidle")
        assert_clean(page, errors, link)
