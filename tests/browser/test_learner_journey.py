"""A learner's journey in a real browser (Playwright driving Debian's Chromium).

Screenshots of each step are saved under test-artifacts/.
"""

import re

import pytest

from tests.browser.conftest import live_text, shot, terminal_run, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_learner_tries_a_pair_applies_yaml_fails_a_host_and_rewinds(live_server, chromium_browser):
    page = chromium_browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{live_server.url}/concepts/ha-host-failure-node-lifecycle/")
    shot(page, "01-concept-pair")
    page.get_by_role("button", name="Try it in a sandbox cluster").click()
    page.wait_for_url(re.compile(r"/playground/[0-9a-f-]+/$"))
    page.get_by_role("tab", name="Hosts and Clusters").click()
    assert page.locator("#live-hosts").get_by_text("worker-2").first.is_visible()
    page.get_by_role("tab", name="Topology").click()
    assert page.locator("#panel-topology .diagram-canvas svg").count() == 1
    shot(page, "02-sandbox")

    page.get_by_role("tab", name="YAML").click()
    page.fill(
        "#manifest",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n",
    )
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_selector("#apply-result pre")
    assert "pod/hello created" in page.inner_text("#apply-result")
    page.get_by_role("tab", name="Workloads").click()
    wait_live(page, "#live-workloads", "hello")
    shot(page, "03-applied")

    page.get_by_role("tab", name="YAML").click()
    page.fill("#manifest", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\n  labels: a: b\n")
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_function("() => document.querySelector('#apply-result').innerText.includes('line 5')")
    shot(page, "04-bad-yaml")

    # The progress bar is lit while a request is in flight, and goes out after it. Only
    # the Apply request counts: the live poll (every 3 s) has its own indicator.
    page.evaluate(
        """document.body.addEventListener('htmx:beforeSend', (event) => {
            if (event.detail.requestConfig.path.endsWith('/apply')) {
                window.progressLit = document.getElementById('progress').classList.contains('htmx-request');
            }
        })"""
    )
    page.get_by_role("button", name="Apply", exact=True).click()
    page.wait_for_function("() => document.querySelector('#apply-result').innerText.includes('line 5')")
    assert page.evaluate("window.progressLit") is True
    page.wait_for_function("() => !document.getElementById('progress').classList.contains('htmx-request')")

    output = terminal_run(page, "kubectl get pods -o wide", expect="NOMINATED NODE")
    assert "hello" in output
    terminal_run(page, "kubectl cordon worker-3", expect="node/worker-3 cordoned")
    page.get_by_role("tab", name="Hosts and Clusters").click()
    wait_live(page, "#live-hosts", "SchedulingDisabled", timeout=10_000)
    shot(page, "04b-kubectl-console")

    page.locator("#node-actions-worker-2 summary").click()
    page.locator("#node-actions-worker-2").get_by_role("button", name="Simulate host failure").click()
    page.wait_for_load_state()
    assert "worker-2" in page.inner_text(".flash")
    page.select_option("#speed", "60")
    page.wait_for_load_state()
    page.wait_for_selector("#speed option[value='60'][selected]", state="attached")
    # At 60x, six wall seconds are six simulated minutes: NotReady, then eviction.
    page.get_by_role("tab", name="Hosts and Clusters").click()
    wait_live(page, "#live-hosts", "NotReady", timeout=20_000)
    try:
        wait_live(page, "#live-hosts", "Terminating", timeout=30_000)
    except Exception:
        shot(page, "05-failed")
        print(live_text(page, "#live-hosts")[:3000])
        raise
    shot(page, "05-host-failed")

    # The ReplicaSet brings the three web pods back on the surviving hosts.
    def running_elsewhere():
        text = terminal_run(page, "kubectl get pods -o wide", expect="NOMINATED")
        block = text[text.rindex("NOMINATED") :]
        rows = [line.split() for line in block.splitlines()]
        return [
            r
            for r in rows
            if len(r) > 6 and r[0].startswith("web-") and r[2] == "Running" and r[6] != "worker-2"
        ]

    for _ in range(20):
        if len(running_elsewhere()) >= 3:
            break
        page.wait_for_timeout(1000)
    assert len(running_elsewhere()) >= 3
    shot(page, "05b-replaced-elsewhere")

    page.get_by_role("button", name="Pause").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Step").click()
    page.wait_for_load_state()
    shot(page, "06-stepped")

    page.get_by_role("tab", name="Summary").click()
    page.get_by_role("button", name="Revert to this").last.click()
    page.wait_for_load_state()
    assert "Went back to the snapshot" in page.inner_text(".flash")
    page.get_by_role("tab", name="Workloads").click()
    assert "hello" not in live_text(page, "#live-workloads")
    shot(page, "07-rewound")
    page.close()


def test_kubectl_with_the_downloaded_kubeconfig_changes_the_page_live(
    live_server, chromium_browser, tmp_path
):
    """The issue's promise end to end: page → Download kubeconfig → the real kubectl →
    the page shows kubectl's change without a reload."""
    from tests.playground.kubeapi.conftest import Kubectl, newest_kubectl

    context = chromium_browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(live_server.url + "/concepts/ft-ha-replicasets/")
    page.get_by_role("button", name="Try it in a sandbox cluster").click()
    page.wait_for_url(re.compile(r"/playground/[0-9a-f-]+/$"))
    with page.expect_download() as download:
        page.locator("#kubeconfig-download").click()
    kubeconfig = tmp_path / download.value.suggested_filename
    download.value.save_as(kubeconfig)
    assert live_server.url + "/k8s/" in kubeconfig.read_text()

    kubectl = Kubectl(newest_kubectl(), kubeconfig, tmp_path / "cache")
    assert kubectl.ok("create", "deployment", "from-my-laptop", "--image=nginx:1.27") == (
        "deployment.apps/from-my-laptop created\n"
    )
    page.get_by_role("tab", name="Workloads").click()
    wait_live(page, "#live-workloads", "from-my-laptop")
    shot(page, "07-kubectl-change-live")
    context.close()


def test_a_lab_on_the_first_day_path_solved_with_the_console_and_with_kubectl(
    live_server, chromium_browser, tmp_path
):
    from tests.playground.kubeapi.conftest import Kubectl, newest_kubectl

    context = chromium_browser.new_context(accept_downloads=True, viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Start here: your first day with Kubernetes").click()
    page.get_by_role("link", name="Start", exact=True).click()
    for _ in range(7):  # the seven concept pages before the first lab
        page.get_by_role("button", name="Mark as read and continue").click()
    page.get_by_role("button", name="Start the lab in a sandbox of your own").click()
    page.wait_for_url(re.compile(r"/labs/attempt/[0-9a-f-]+/$"))
    assert "Not yet: There is no pod hello yet." in page.inner_text("#task-1")
    shot(page, "08-lab-start")

    # Task 1 with the embedded console; the task list turns green without a reload.
    terminal_run(page, "kubectl run hello --image=nginx:1.27", expect="pod/hello created")
    page.wait_for_selector("#task-1.passed", timeout=20_000)
    assert "What happened, in vSphere terms." in page.inner_text("#task-1")

    # Task 2 with the real kubectl and the downloaded kubeconfig.
    with page.expect_download() as download:
        page.locator("#kubeconfig-download").click()
    kubeconfig = tmp_path / "lab.yaml"
    download.value.save_as(kubeconfig)
    kubectl = Kubectl(newest_kubectl(), kubeconfig, tmp_path / "cache")
    assert kubectl.ok("label", "pod", "hello", "tier=web") == "pod/hello labeled\n"
    page.wait_for_selector("#task-2.passed", timeout=15_000)
    shot(page, "09-lab-two-tasks-passed")

    page.goto(live_server.url + "/learn/first-day/")
    assert "7 of 16 steps done" in page.inner_text("main")
    context.close()
