"""The lab workspace in a real browser, at a laptop's size and a phone's, with DEBUG on
(as `make run` serves it) and off: errors answered in place, a lab done end to end in
the terminal, confirmations, shortcuts, no sideways scrolling, and no WCAG 2.1 A/AA
violation that axe-core finds. Screenshots go to test-artifacts/."""

import re

import pytest

from tests.browser.conftest import axe_violations, new_page, shot, wait_terminal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def start_sandbox(page, base):
    page.goto(f"{base}/playground/")
    page.get_by_role("button", name=re.compile("^Create")).first.click()
    page.wait_for_url(re.compile(r"/playground/[0-9a-f-]+/"))
    page.wait_for_function("() => window.kubeTerminal !== undefined")


def type_in_terminal(page, line: str):
    page.evaluate("window.kubeTerminal.focus()")
    page.keyboard.type(line)
    page.keyboard.press("Enter")


def open_menu(page):
    if page.locator("details.menu[open]").count() == 0:
        page.locator("details.menu > summary").click()


def still_the_workspace(page):
    assert page.locator("#workspace").count() == 1
    assert page.locator("header.site-header").count() == 1


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_errors_are_answered_in_place_and_keep_what_was_typed(live_server, chromium_browser, debug, viewport):
    page = new_page(chromium_browser, viewport)
    start_sandbox(page, live_server.url)
    size = "phone" if viewport is PHONE else "desktop"
    mode = "debug-on" if debug else "debug-off"

    # The terminal: typos, unknown types, unsupported verbs and missing objects.
    if viewport is PHONE:
        page.get_by_role("tab", name="Terminal", exact=True).click()
    for line, expected in [
        ("kubectl get podz", 'the server doesn\'t have a resource type "podz"'),
        ("kubectl gte pods", "get"),
        ("kubectl exec -it web -- sh", "exec"),
        ("kubectl describe deployment nope", 'deployments.apps "nope" not found'),
    ]:
        type_in_terminal(page, line)
        wait_terminal(page, expected)
        still_the_workspace(page)
    shot(page, f"ws-errors-terminal-{size}-{mode}")

    # The Apply box: broken YAML, a wrong type, an unknown kind. The text stays.
    if viewport is PHONE:
        page.get_by_role("tab", name="Cluster", exact=True).click()
    page.get_by_role("tab", name="YAML").click()
    for manifest, expected in [
        ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n  labels: a: b\n", "line 5"),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: three\n"
            "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
            "    spec: {containers: [{name: web, image: nginx}]}\n",
            "replicas",
        ),
        ("apiVersion: v1\nkind: Spaceship\nmetadata: {name: x}\n", "Spaceship"),
    ]:
        page.fill("#manifest", manifest)
        page.get_by_role("button", name="Apply", exact=True).click()
        page.wait_for_function(
            "t => document.querySelector('#apply-result').innerText.includes(t)", arg=expected, timeout=10_000
        )
        assert page.input_value("#manifest") == manifest
        still_the_workspace(page)
    shot(page, f"ws-errors-apply-{size}-{mode}")

    # A server error (5xx) is reported beside the control too, and the text stays.
    page.route("**/apply", lambda route: route.fulfill(status=500, body="<h1>Server Error</h1>"))
    page.fill("#manifest", "apiVersion: v1\nkind: Namespace\nmetadata: {name: kept}\n")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_selector(".inband-error")
    assert "500" in page.inner_text(".inband-error")
    assert "kept" in page.input_value("#manifest")
    still_the_workspace(page)
    page.unroute("**/apply")
    page.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_lab_done_end_to_end_in_the_terminal(live_server, chromium_browser, debug, viewport):
    page = new_page(chromium_browser, viewport)
    size = "phone" if viewport is PHONE else "desktop"
    phone = viewport is PHONE

    def region(name):
        if phone:
            page.get_by_role("tab", name=name, exact=True).click()

    page.goto(f"{live_server.url}/labs/")
    shot(page, f"lab-00-labs-{size}")
    # The curriculum begins with the beginner lab, and says so.
    first = page.locator(".lab-curriculum > li").first
    assert "first pod" in first.inner_text().lower() and "Beginner" in first.inner_text()
    page.locator("form[action$='/labs/first-pod/start'] button").click()
    page.wait_for_url(re.compile(r"/labs/attempt/"))
    page.wait_for_function("() => window.kubeTerminal !== undefined")
    assert page.locator("#ws-instructions #tasks").count() == 1
    assert page.locator("#ws-cluster .ws-tabs [role=tab]").count() == 7
    # Before the pod exists, task 3 says so rather than talk about its container.
    assert "There is no pod hello yet" in page.inner_text("#task-3") if not phone else True
    shot(page, f"lab-01-workspace-{size}")

    # A hint's command has a Run this button that types it at the prompt. The hints go from a
    # nudge, to the command's form (NAME, IMAGE: a template, no button), to the command itself.
    region("Tasks")
    for shown in range(1, 4):
        # Each click waits for its swap: htmx drops a click on a form whose request is in flight.
        page.locator("#task-1").get_by_role("button", name=re.compile("Show a hint")).click()
        page.locator(f"#task-1 .task-hints > li:nth-child({shown})").wait_for()
    assert page.locator("#task-1 .task-hints li").nth(1).locator(".run-this").count() == 0
    run_this = page.locator("#task-1 .task-hints .run-this").first
    run_this.wait_for()
    assert run_this.get_attribute("data-run") == "kubectl run hello --image=nginx:1.27"
    run_this.click()
    region("Terminal")
    page.wait_for_function(
        "() => window.kubeTerminal.text().trimEnd().endsWith('$ kubectl run hello --image=nginx:1.27')"
    )
    page.evaluate("window.kubeTerminal.focus()")
    page.keyboard.press("Control+c")

    # Task 1, with Tab completion: "kubectl ru<Tab>" completes to "run".
    page.keyboard.type("kubectl ru")
    page.keyboard.press("Tab")
    page.wait_for_function("() => window.kubeTerminal.text().trimEnd().endsWith('$ kubectl run')")
    page.keyboard.type("hello --image=nginx:1.27")
    page.keyboard.press("Enter")
    wait_terminal(page, "pod/hello created")
    page.wait_for_function(
        "() => document.querySelector('#task-1').classList.contains('passed')", timeout=15_000
    )
    shot(page, f"lab-02-task-1-{size}")

    # Task 2, then history: ↑ brings back the earlier commands.
    type_in_terminal(page, "kubectl label pod hello tier=web")
    wait_terminal(page, "pod/hello labeled")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.wait_for_function(
        "() => window.kubeTerminal.text().trimEnd().endsWith('kubectl run hello --image=nginx:1.27')"
    )
    page.keyboard.press("Control+c")
    page.wait_for_function(
        "() => document.querySelector('#task-2').classList.contains('passed')", timeout=15_000
    )

    # Task 3 undoes the state tasks 1 and 2 looked at; they stay passed.
    type_in_terminal(page, "kubectl delete pod hello")
    wait_terminal(page, 'pod "hello" deleted')
    page.wait_for_function(
        "() => document.querySelector('#task-3').classList.contains('passed')", timeout=20_000
    )
    assert "passed" in page.get_attribute("#task-1", "class")
    assert "passed" in page.get_attribute("#task-2", "class")
    region("Tasks")
    page.get_by_text("Lab complete").wait_for()
    # The way on: the next lab of the first-day path.
    assert page.locator("#tasks .lab-complete").get_by_role("button").count() >= 1
    assert "Self-healing" in page.inner_text("#tasks .lab-complete")
    shot(page, f"lab-03-complete-{size}")
    page.close()


def test_destructive_actions_ask_first_and_name_the_snapshot(live_server, chromium_browser):
    page = new_page(chromium_browser, DESKTOP)
    start_sandbox(page, live_server.url)
    open_menu(page)
    page.get_by_role("button", name="Reset to the starting state").click()
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for(state="visible")
    assert "Before: Reset" in dialog.inner_text()
    shot(page, "ws-confirm-reset")
    dialog.get_by_role("button", name="Cancel").click()
    assert page.locator("#confirm-dialog[open]").count() == 0
    assert page.locator(".flash").count() == 0

    open_menu(page)
    page.get_by_role("button", name="Reset to the starting state").click()
    dialog.get_by_role("button", name="Reset").click()
    page.wait_for_selector(".flash")
    assert "Before: Reset" in page.inner_text(".flash")

    # Failing the control-plane host asks, and says what that means; a worker does not.
    page.get_by_role("tab", name="Hosts and Clusters").click()
    page.locator("#node-actions-control-plane summary").click()
    page.locator("#node-actions-control-plane").get_by_role("button", name="Simulate host failure").click()
    dialog.wait_for(state="visible")
    assert "API server" in dialog.inner_text()
    dialog.get_by_role("button", name="Cancel").click()

    open_menu(page)
    page.get_by_role("button", name="Delete this sandbox").click()
    assert "cannot be undone" in dialog.inner_text()
    dialog.get_by_role("button", name="Delete sandbox").click()
    page.wait_for_url(re.compile(r"/playground/$"))
    page.close()


def test_tabs_and_keyboard_shortcuts(live_server, chromium_browser):
    page = new_page(chromium_browser, DESKTOP)
    start_sandbox(page, live_server.url)
    page.keyboard.press("Alt+Shift+Digit3")
    assert page.get_attribute("#tab-workloads", "aria-selected") == "true"
    assert page.locator("#panel-workloads").is_visible() and not page.locator("#panel-summary").is_visible()
    assert "tab=workloads" in page.url
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-topology", "aria-selected") == "true"
    page.wait_for_selector("#panel-topology svg")
    page.keyboard.press("Alt+Shift+KeyT")
    assert page.evaluate("document.activeElement.closest('#terminal') !== null")
    page.keyboard.press("Alt+Shift+KeyI")
    assert page.evaluate("document.activeElement.id") == "ws-instructions"
    # The terminal's bar resizes and hides it.
    before = page.locator("#ws-terminal").bounding_box()["height"]
    page.locator("[data-resize]").focus()
    page.keyboard.press("ArrowUp")
    assert page.locator("#ws-terminal").bounding_box()["height"] > before
    page.get_by_role("button", name="Hide").click()
    assert not page.locator("#terminal").is_visible()
    page.reload()
    assert not page.locator("#terminal").is_visible()
    page.get_by_role("button", name="Show").click()
    assert page.locator("#terminal").is_visible()
    # "Run this" types into the terminal without running it.
    page.locator("#ws-instructions .run-this").first.click()
    wait_terminal(page, "kubectl get nodes -o wide")
    page.close()


PAGES = [
    "/",
    "/concepts/",
    "/concepts/vm-pod/",
    "/architecture/",
    "/glossary/",
    "/glossary/?q=pool",
    "/labs/",
    "/learn/first-day/",
    "/learn/first-day/1/",
    "/playground/",
    "/join/",
    "/mirror/",
    "/accounts/login/",
    "/no-such-page/",
]


def audit(page, urls) -> list[str]:
    """Sideways scrolling and axe-core's WCAG 2.1 A/AA violations, page by page."""
    problems = []
    for url in urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if wide > 0:
            problems.append(f"{url}: scrolls sideways by {wide}px")
        for violation in axe_violations(page):
            problems.append(f"{url}: {violation}")
    return problems


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_fits_a_phone_and_passes_axe(live_server, chromium_browser, viewport):
    page = new_page(chromium_browser, viewport)
    size = "phone" if viewport is PHONE else "desktop"
    start_sandbox(page, live_server.url)
    sandbox = page.url.split("?")[0]
    urls = [f"{live_server.url}{path}" for path in PAGES]
    urls += [
        f"{sandbox}?tab={tab}"
        for tab in ("summary", "hosts", "workloads", "topology", "network", "monitor", "yaml")
    ]
    urls += [
        f"{sandbox}network/",
        f"{sandbox}network/?source=outside&destination=kube-dns:53",
        f"{sandbox}events",
    ]
    page.goto(f"{sandbox}?tab=hosts")
    urls.append(page.locator("#live-hosts a[href*='/objects/Pod/']").first.get_attribute("href"))
    urls[-1] = live_server.url + urls[-1]
    page.goto(f"{live_server.url}/labs/")
    page.locator("form[action$='/labs/first-pod/start'] button").click()
    page.wait_for_url(re.compile(r"/labs/attempt/"))
    urls.append(page.url)
    problems = audit(page, urls)
    shot(page, f"ws-lab-{size}")
    assert not problems, "\n".join(problems)
    page.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_instructors_pages_fit_a_phone_and_pass_axe(live_server, chromium_browser, viewport):
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.utils import timezone

    from playground import workshops

    ann = User.objects.create_user("ann", password="s3cret-pass")
    now = timezone.now()
    workshop = workshops.create(
        ann,
        "Kubernetes for the vSphere team",
        ["first-pod", "self-healing"],
        now,
        now + timedelta(hours=2),
        30,
    )
    learner = new_page(chromium_browser, viewport)
    learner.goto(f"{live_server.url}/join/{workshop.code}")
    learner.fill("#name", "Alice")
    learner.get_by_role("button", name="Join").click()
    learner.wait_for_url(re.compile(r"/labs/attempt/"))
    problems = audit(learner, [learner.url])

    page = new_page(chromium_browser, viewport)
    page.goto(f"{live_server.url}/accounts/login/?next=/workshops/")
    page.fill("#id_username", "ann")
    page.fill("#id_password", "s3cret-pass")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/workshops/$"))
    dashboard = f"{live_server.url}/workshops/{workshop.public_id}/"
    page.goto(dashboard)
    page.wait_for_function(
        "() => document.querySelector('#grid') && document.querySelector('#grid').innerText.includes('Alice')",
        timeout=15_000,
    )
    learner_view = page.locator("#grid a[href*='/learners/']").first.get_attribute("href")
    problems += audit(page, [f"{live_server.url}/workshops/", dashboard, live_server.url + learner_view])
    shot(page, f"ws-instructor-{'phone' if viewport is PHONE else 'desktop'}")
    assert not problems, "\n".join(problems)
