"""Pushed updates in a real browser (static/js/live.js, playground/live.py), at a laptop's
size and a phone's, DEBUG on and off: a change made outside the page, by the real kubectl
with the sandbox's kubeconfig, reaches the open workspace, its Recent Tasks and a lab's
task list through the event stream: every request that brought it was caused by a pushed
event (live.js marks those with X-Live-Event), none by a timed poll. Without EventSource
the same pages still update, by polling, and never ask for the stream."""

import re
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import new_page, wait_live
from tests.servers import gunicorn, manage, production_env

pytestmark = [pytest.mark.browser]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
KUBECTL = Path(__file__).resolve().parents[2] / ".cache" / "test-assets" / "kubectl" / "kubectl.1.37"
NO_EVENTSOURCE = "delete window.EventSource;"


@pytest.fixture(scope="module", params=[False, True], ids=["debug-off", "debug-on"])
def site(request, tmp_path_factory):
    """The app as production runs it, DEBUG off and on: gunicorn's threaded workers (two
    processes, so a change and the stream that tells of it often meet in different ones)
    on a SQLite file. Not the in-process live server: its shared in-memory database
    answers "database table is locked" to the feed's threads."""
    work = tmp_path_factory.mktemp("live-push")
    env = production_env(
        work,
        DEBUG="true" if request.param else "false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SESSION_COOKIE_SECURE="false",  # plain http on loopback
        CSRF_COOKIE_SECURE="false",
    )
    manage(env, "collectstatic", "--noinput")
    workshop, code = manage(env, "shell", "-c", WORKSHOP).stdout.split()[-2:]
    with gunicorn(env, work, ("--workers", "2", "--threads", "16", "--graceful-timeout", "2")) as (_p, base):
        yield Site(base, workshop, code)


class Site(str):
    """The base URL, and the workshop made for the instructor's test."""

    def __new__(cls, base: str, workshop: str, code: str):
        site = super().__new__(cls, base)
        site.workshop, site.code = workshop, code
        return site


WORKSHOP = """
from datetime import timedelta
from django.contrib.auth.models import User
from django.utils import timezone
from playground import workshops
ann = User.objects.create_user("ann", password="s3cret-pass")
now = timezone.now()
workshop = workshops.create(ann, "Live grid", ["first-pod"], now, now + timedelta(hours=2), 10)
print(workshop.public_id, workshop.code)
"""


def kubectl(page, base: str, public_id: str, work: Path, *args: str) -> str:
    """The real kubectl, with the kubeconfig the learner downloads from the page."""
    if not KUBECTL.exists():
        pytest.fail(f"{KUBECTL} is missing: run scripts/fetch-test-assets (make test does)")
    config = work / "kubeconfig.yaml"
    config.write_bytes(page.context.request.get(f"{base}/playground/{public_id}/kubeconfig").body())
    result = subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(config), "--cache-dir", str(work / "cache"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"HOME": str(work), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


class Requests:
    """The requests the page makes from `start()` on, as Playwright sees them."""

    def __init__(self, page):
        self.seen, self.on = [], False
        page.on("request", lambda request: self.seen.append(request) if self.on else None)

    def start(self):
        self.seen.clear()
        self.on = True

    def to(self, pattern: str) -> list:
        return [r for r in self.seen if re.search(pattern, r.url)]


def new_sandbox(page, base: str, path: str = "") -> str:
    page.goto(f"{base}/playground/")
    page.get_by_role("button", name=re.compile("^Create")).first.click()
    page.wait_for_url(re.compile(r"/playground/[0-9a-f-]+/"))
    public_id = re.search(r"/playground/([0-9a-f-]{36})/", page.url).group(1)
    if path:
        page.goto(f"{base}/playground/{public_id}/{path}")
    page.wait_for_function("() => window.htmx !== undefined")
    return public_id


def stream_open(page):
    page.wait_for_function("() => document.documentElement.dataset.live === 'open'")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_kubectl_change_is_pushed_to_the_open_workspace(site, chromium_browser, viewport, tmp_path):
    page = new_page(chromium_browser, viewport)
    requests = Requests(page)
    public_id = new_sandbox(page, site, "?tab=workloads")
    stream_open(page)
    assert "pushed-web" not in page.text_content("#workspace")
    requests.start()
    kubectl(page, site, public_id, tmp_path, "create", "deployment", "pushed-web", "--image=nginx:1.27")
    wait_live(page, "#panel-workloads", "pushed-web")
    # The workloads came with a refresh the push caused; no timed poll went out meanwhile.
    refreshes = requests.to(rf"/playground/{public_id}/(\?|$)")
    assert refreshes, "the workspace was not refreshed"
    assert all(r.headers.get("x-live-event") for r in refreshes), [r.url for r in refreshes]
    # Recent Tasks (the Monitor tab's pane) is refreshed by the same push.
    tasks = requests.to(rf"/playground/{public_id}/events\?")
    assert tasks and all(r.headers.get("x-live-event") for r in tasks)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_labs_task_list_follows_a_kubectl_change_by_push(site, chromium_browser, viewport, tmp_path):
    page = new_page(chromium_browser, viewport)
    requests = Requests(page)
    page.goto(f"{site}/labs/")
    page.locator("form[action$='/labs/first-pod/start'] button").click()
    page.wait_for_url(re.compile(r"/labs/attempt/"))
    public_id = re.search(r"/labs/attempt/([0-9a-f-]{36})/", page.url).group(1)
    stream_open(page)
    assert "passed" not in (page.get_attribute("#task-1", "class") or "")
    requests.start()
    kubectl(page, site, public_id, tmp_path, "run", "hello", "--image=nginx:1.27")
    page.wait_for_selector("#task-1.passed", state="attached")
    checks = requests.to(rf"/labs/attempt/{public_id}/$")
    assert checks and all(r.headers.get("x-live-event") for r in checks), [r.url for r in checks]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_without_eventsource_the_workspace_still_updates_by_polling(
    site, chromium_browser, viewport, tmp_path
):
    context = chromium_browser.new_context(viewport=viewport)
    context.add_init_script(NO_EVENTSOURCE)
    page = context.new_page()
    requests = Requests(page)
    requests.start()
    public_id = new_sandbox(page, site, "?tab=workloads")
    kubectl(page, site, public_id, tmp_path, "create", "deployment", "polled-web", "--image=nginx:1.27")
    wait_live(page, "#panel-workloads", "polled-web")
    polls = requests.to(rf"/playground/{public_id}/(\?|$)")
    assert polls and not any(r.headers.get("x-live-event") for r in polls)
    assert not requests.to(rf"/playground/{public_id}/live")
    assert page.evaluate("document.documentElement.dataset.live") is None


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_instructors_grid_fetches_only_the_learner_who_changed(
    site, chromium_browser, viewport, tmp_path
):
    instructor = new_page(chromium_browser, viewport)
    instructor.goto(f"{site}/accounts/login/?next=/workshops/{site.workshop}/")
    instructor.fill("#id_username", "ann")
    instructor.fill("#id_password", "s3cret-pass")
    instructor.get_by_role("button", name="Sign in").click()
    instructor.wait_for_url(re.compile(rf"/workshops/{site.workshop}/$"))
    learner = new_page(chromium_browser, viewport)
    learner.goto(f"{site}/join/{site.code}")
    name = f"Ada {viewport['width']}"
    learner.fill("#name", name)
    learner.get_by_role("button", name="Join").click()
    learner.wait_for_url(re.compile(r"/labs/attempt/[0-9a-f-]+/$"))
    public_id = re.search(r"/labs/attempt/([0-9a-f-]{36})/", learner.url).group(1)
    learner.close()  # the learner works with kubectl alone: no page of theirs checks anything
    instructor.wait_for_function("n => document.querySelector('#grid').innerText.includes(n)", arg=name)
    stream_open(instructor)
    seat = instructor.evaluate(
        "n => [...document.querySelectorAll('#grid tbody tr')].find(r => r.innerText.includes(n)).id", name
    ).removeprefix("learner-")
    requests = Requests(instructor)
    requests.start()
    kubectl(learner, site, public_id, tmp_path, "run", "hello", "--image=nginx:1.27")
    instructor.wait_for_selector(f"#learner-{seat} td.pass", state="attached")
    # The row came alone, asked for because the stream named it; the grid was not polled.
    rows = requests.to(rf"/workshops/{site.workshop}/learners/{seat}/row$")
    assert rows and all(r.headers.get("x-live-event") == "rows" for r in rows)
    assert not [r for r in requests.to(rf"/workshops/{site.workshop}/$") if not r.headers.get("x-live-event")]
