"""The shared browser for the browser tests: Debian's Chromium driven by Playwright."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the live server's ORM calls are in another.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def chromium_browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for the browser tests: sudo apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _close_pages_after_each_test(request):
    """A test that fails leaves its pages open, still polling the live server while the next
    test's database is set up; close every context so one failure stays one failure."""
    if "live_server" in request.fixturenames:
        # Set up the database first so that it is torn down after the pages are closed.
        request.getfixturevalue("transactional_db")
    yield
    if "chromium_browser" in request.fixturenames:
        browser = request.getfixturevalue("chromium_browser")
        for context in list(browser.contexts):
            context.close()


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


AXE = Path(__file__).resolve().parents[2] / ".cache" / "test-assets" / "axe-4.11.0.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def new_page(browser, viewport):
    """A page in a context of its own (its own cookies: its own sandboxes)."""
    context = browser.new_context(viewport=viewport)
    return context.new_page()


def axe_violations(page) -> list[str]:
    """WCAG 2.1 A and AA violations axe-core finds on the page as it is now. axe-core is
    fetched by scripts/fetch-test-assets and injected here only: the app never serves it."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/fetch-test-assets (make test does)")
    # Through the DevTools protocol, as a console would: the app's Content-Security-Policy
    # rightly refuses an injected inline <script> (page.add_script_tag).
    session = page.context.new_cdp_session(page)
    session.send("Runtime.evaluate", {"expression": AXE.read_text()})
    session.detach()
    results = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    found = []
    for violation in results["violations"]:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:4]]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {', '.join(targets)}")
    return found


def terminal_text(page) -> str:
    return page.evaluate("window.kubeTerminal.text()")


def wait_terminal(page, text: str, timeout=10_000):
    page.wait_for_function(
        "t => window.kubeTerminal && window.kubeTerminal.text().includes(t)", arg=text, timeout=timeout
    )


def terminal_run(page, line: str, expect: str | None = None, timeout=10_000) -> str:
    """Type a command line into the workspace's terminal as a learner does, press Enter,
    wait until it has answered; the screen's text from that command on."""
    page.wait_for_function("() => window.kubeTerminal !== undefined")
    before = len(terminal_text(page))
    page.evaluate("window.kubeTerminal.focus()")
    page.keyboard.type(line)
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.getElementById('terminal').getAttribute('aria-busy') !== 'true'", timeout=timeout
    )
    if expect:
        wait_terminal(page, expect, timeout)
    return terminal_text(page)[max(0, before - 200) :]


def live_text(page, selector: str) -> str:
    return page.evaluate("s => document.querySelector(s).textContent", selector)


def wait_live(page, selector: str, text: str, timeout=15_000):
    page.wait_for_function(
        "([s, t]) => document.querySelector(s).textContent.includes(t)", arg=[selector, text], timeout=timeout
    )
