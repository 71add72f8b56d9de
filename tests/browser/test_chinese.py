"""The site in Simplified Chinese in a real browser (issue 19), at a laptop's size and a
phone's, with DEBUG on (as `make run` serves it) and off: the home page, a concept pair, the
glossary, the architecture diagram, search in Chinese, the language switcher, a lab done end
to end in the terminal, and the instructor's workshop pages. Each page is Chinese (lang,
text), fits the width and passes axe-core. Screenshots go to test-artifacts/zh-*.png."""

import re
from datetime import datetime, timedelta

import pytest

from tests.browser.conftest import axe_violations, new_page, shot, wait_terminal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])


@pytest.fixture(params=[False, True], ids=["debug-off", "debug-on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


def chinese_page(page, name):
    """The page is in Chinese, fits its width and has no WCAG A/AA violation."""
    assert page.get_attribute("html", "lang") == "zh-Hans"
    assert re.search(r"[\u4e00-\u9fff]", page.inner_text("main"))
    width = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 1, f"{name}: {width}px wider than the window"
    assert axe_violations(page) == [], name
    shot(page, f"zh-{name}")


@VIEWPORTS
def test_reading_in_chinese(live_server, chromium_browser, debug, viewport):
    page = new_page(chromium_browser, viewport)
    size = "phone" if viewport is PHONE else "desktop"
    base = f"{live_server.url}/zh-hans"

    page.goto(f"{base}/")
    assert "从这里开始" in page.inner_text("main")
    chinese_page(page, f"home-{size}")

    page.goto(f"{base}/concepts/resource-pool-namespace/")
    assert page.inner_text("h1").split() == ["资源池", "⇄", "命名空间"]
    # Commands stay as they are typed, in English.
    assert "kubectl create namespace" in page.inner_text("main")
    chinese_page(page, f"pair-{size}")

    page.goto(f"{base}/glossary/")
    assert "资源池" in page.inner_text("main") and "resource pool" in page.inner_text("main")
    chinese_page(page, f"glossary-{size}")

    page.goto(f"{base}/architecture/")
    svg = page.locator("svg").first.inner_html()
    assert re.search(r"[\u4e00-\u9fff]", svg), "the diagram's labels are Chinese"
    chinese_page(page, f"architecture-{size}")

    # Search in Chinese finds the pair; an English term still works on the Chinese site.
    page.goto(f"{base}/concepts/?q=资源池")
    assert page.locator("a[href$='/concepts/resource-pool-namespace/']").count() >= 1
    page.goto(f"{base}/concepts/?q=resource+pool")
    assert page.locator("a[href$='/concepts/resource-pool-namespace/']").count() >= 1
    page.close()


def test_the_switcher_keeps_the_page(live_server, chromium_browser, debug):
    page = new_page(chromium_browser, DESKTOP)
    page.goto(f"{live_server.url}/concepts/resource-pool-namespace/")
    assert page.get_attribute("html", "lang") == "en"
    page.locator("form.language-switch button[value='zh-hans']").click()
    page.wait_for_url(re.compile(r"/zh-hans/concepts/resource-pool-namespace/$"))
    assert "资源池" in page.inner_text("h1")
    page.locator("form.language-switch button[value='en']").click()
    page.wait_for_url(re.compile(r"[^s]/concepts/resource-pool-namespace/$"))
    assert page.get_attribute("html", "lang") == "en"
    page.close()


@VIEWPORTS
def test_a_lab_done_end_to_end_in_chinese(live_server, chromium_browser, debug, viewport):
    page = new_page(chromium_browser, viewport)
    size = "phone" if viewport is PHONE else "desktop"
    phone = viewport is PHONE

    def region(name):
        if phone:
            page.get_by_role("tab", name=name, exact=True).click()

    page.goto(f"{live_server.url}/zh-hans/labs/")
    first = page.locator(".lab-curriculum > li").first
    assert "你的第一个 Pod" in first.inner_text() and "入门" in first.inner_text()
    chinese_page(page, f"labs-{size}")
    page.locator("form[action$='/labs/first-pod/start'] button").click()
    page.wait_for_url(re.compile(r"/zh-hans/labs/attempt/"))
    page.wait_for_function("() => window.kubeTerminal !== undefined")
    region("任务")
    assert "运行一个名为 hello 的 Pod" in page.inner_text("#task-1")
    page.locator("#task-1").get_by_role("button", name=re.compile("显示提示")).click()
    page.locator("#task-1 .task-hints > li").first.wait_for()
    shot(page, f"zh-lab-workspace-{size}")

    region("终端")
    # Each task is done and seen passed before the next, as a learner works: task 1 holds
    # once the pod runs, and task 3 deletes it.
    for line, answer, task in [
        ("kubectl run hello --image=nginx:1.27", "pod/hello created", 1),
        ("kubectl label pod hello tier=web", "pod/hello labeled", 2),
        ("kubectl delete pod hello", 'pod "hello" deleted', 3),
    ]:
        page.evaluate("window.kubeTerminal.focus()")
        page.keyboard.type(line)
        page.keyboard.press("Enter")
        wait_terminal(page, answer)  # kubectl's own output stays English, as the real one prints
        page.wait_for_function(
            f"() => document.querySelector('#task-{task}').classList.contains('passed')", timeout=20_000
        )
    region("任务")
    page.get_by_text("实验完成").wait_for()
    shot(page, f"zh-lab-complete-{size}")
    page.close()


def test_the_instructors_workshop_pages_in_chinese(live_server, chromium_browser, debug):
    from django.contrib.auth.models import User

    User.objects.create_user("ann", password="s3cret-pass")
    page = new_page(chromium_browser, DESKTOP)
    page.goto(f"{live_server.url}/zh-hans/workshops/")
    page.fill("#id_username", "ann")
    page.fill("#id_password", "s3cret-pass")
    page.get_by_role("button", name="登录").click()
    page.fill("#title", "vSphere 团队的 Kubernetes")
    page.locator("input[name='labs'][value='first-pod']").check()
    now = datetime.now()
    page.fill("#starts", now.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#ends", (now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="创建工作坊").click()
    page.wait_for_url(re.compile(r"/zh-hans/workshops/[0-9a-f-]+/$"))
    assert "学员 × 任务" in page.inner_text("main")
    chinese_page(page, "workshop-dashboard")

    # The same dashboard at a phone's width.
    phone = new_page(chromium_browser, PHONE)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(page.url)
    assert "学员 × 任务" in phone.inner_text("main")
    chinese_page(phone, "workshop-dashboard-phone")
    page.close()
    phone.close()
