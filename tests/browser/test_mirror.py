"""A real cluster seen through the mirror in a real browser: sign in, watch it change
live, read an object's tags, and copy it into a sandbox of one's own."""

from kubernetes import client

from tests.browser.conftest import shot
from tests.playground.mirror.stack import eventually, stack_fixture  # noqa: F401


def test_a_mirrored_cluster_in_the_browser(stack, chromium_browser):
    page = chromium_browser.new_page()
    page.goto(f"{stack.web_url}/mirror/")
    # An anonymous visitor is told what the mirror is and why to sign in.
    assert "Sign in to see the mirror" in page.inner_text("main")
    page.get_by_role("link", name="Sign in to see the mirror").click()
    page.fill("#id_username", "ops")
    page.fill("#id_password", "pw-for-tests-only")
    page.click("text=Sign in")
    page.wait_for_url(f"{stack.web_url}/mirror/")

    def listed_as_synced():
        page.reload()
        return "synced" in page.inner_text("main")

    eventually(listed_as_synced, what="the context listed as synced")
    page.click(f"a:has-text('{stack.context}')")
    page.wait_for_selector("#hosts-h")
    assert "ESXi host" in page.inner_text("#live") and "worker-1" in page.inner_text("#live")
    assert page.locator(".diagram-canvas svg").count() == 1
    shot(page, "20-mirror-cluster")

    # A change in the real cluster reaches the open page without a reload.
    client.AppsV1Api(stack.api).patch_namespaced_deployment_scale(
        "yelb-appserver", "default", {"spec": {"replicas": 2}}
    )
    page.wait_for_selector("text=2/2 ready", timeout=30_000)
    assert "last heard from the cluster" in page.inner_text("#last-heard")

    page.click("a[href$='/objects/deployments.apps/default/yelb-ui/']")
    page.wait_for_selector("#tags-h")
    assert "app=yelb-ui" in page.inner_text("main") and "read-only" in page.inner_text("h1")
    shot(page, "21-mirror-object-tags")
    page.go_back()

    page.click("text=Copy the chosen namespaces")
    page.wait_for_selector("text=into this sandbox")
    text = page.inner_text("main")
    assert "worker-1" in text and "yelb-appserver" in text and "Simulate host failure" in page.content()
    shot(page, "22-mirror-copied-into-a-sandbox")
    page.close()
