"""Checks off the request path (issue 18 §4), on the production stack: gunicorn on
PostgreSQL with TASKS_BACKEND=database, a real `manage.py db_worker` process, and the
real kubectl talking to the sandbox's API.

A learner's change made with kubectl enqueues its lab check as it is saved; the worker
passes the task with no page request in between; the learner's task list only reads what
was recorded (with the worker stopped it keeps saying "checking…" and nothing is checked);
and progress that needs only time (a pod terminating for its grace period) is checked once
the clock had work due, when the task list next reads the attempt.
"""

import http.cookiejar
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from tests import postgres
from tests.servers import ROOT, gunicorn, manage, production_env

KUBECTL = ROOT / ".cache" / "test-assets" / "kubectl" / "kubectl.1.37"
GRACE = 10  # seconds the deleted pod terminates for: far longer than the worker needs to check


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = tmp_path_factory.mktemp("checks")
    with postgres.running() as url:
        env = production_env(
            work,
            DATABASE_URL=url,
            TASKS_BACKEND="database",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
        )
        manage(env, "collectstatic", "--noinput")
        with gunicorn(env, work, ("--workers", "1", "--threads", "8")) as (_process, base):
            yield env, base, url, work


class Learner:
    """A browser's session (its cookies) and its lab attempt."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.public_id = ""

    def start(self, slug: str) -> None:
        self.opener.open(self.base + "/labs/").read()  # the CSRF cookie
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
        with self.opener.open(f"{self.base}/labs/{slug}/start", data=data) as response:
            self.public_id = re.search(r"/labs/attempt/([0-9a-f-]{36})/", response.geturl()).group(1)

    def kubeconfig(self, work: Path) -> Path:
        path = work / f"kubeconfig-{self.public_id}"
        with self.opener.open(f"{self.base}/playground/{self.public_id}/kubeconfig") as response:
            path.write_bytes(response.read())
        return path

    def tasks(self, language: str = "") -> str:
        """The task list as the page polls it (htmx): the fragment alone."""
        prefix = f"/{language}" if language else ""
        request = urllib.request.Request(
            f"{self.base}{prefix}/labs/attempt/{self.public_id}/", headers={"HX-Request": "true"}
        )
        with self.opener.open(request) as response:
            return response.read().decode()


def passed(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'class="panel lab-task passed" id="task-(\d+)"', html)}


def record(url: str, public_id: str) -> dict:
    """The attempt as recorded, read straight from the database (not through a page)."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            """SELECT a.passed, a.checks_run, a.checked_version, a.recheck_at, s.version, a.completed,
                      (SELECT count(*) FROM django_tasks_database_dbtaskresult t
                        WHERE t.status = 'READY' AND t.args_kwargs -> 'args' -> 0 = to_jsonb(a.id))
               FROM playground_labattempt a JOIN playground_sandbox s ON s.id = a.sandbox_id
               WHERE s.public_id = %s""",
            (public_id,),
        ).fetchone()
    keys = ("passed", "checks_run", "checked_version", "recheck_at", "version", "completed", "waiting")
    return dict(zip(keys, row, strict=True))


def until(url: str, public_id: str, done, what: str) -> dict:
    """Read the record until `done(record)`; fail after a minute (a stuck worker)."""
    deadline = time.monotonic() + 60
    while True:
        found = record(url, public_id)
        if done(found):
            return found
        assert time.monotonic() < deadline, f"{what}: {found}"
        time.sleep(0.1)


def kubectl(config: Path, *args: str) -> str:
    result = subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(config), *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.05", "--no-startup-delay", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def test_kubectl_changes_are_checked_by_the_worker_and_the_task_list_only_reads(stack):
    env, base, url, work = stack
    learner = Learner(base)
    learner.start("first-pod")
    config = learner.kubeconfig(work)

    # No worker: kubectl's changes wait to be checked, and the task list says so however
    # often it is read; it checks nothing itself (no task passes, checks_run stays 0).
    kubectl(config, "run", "hello", "--image=nginx:1.27")
    kubectl(config, "wait", "--for=jsonpath={.status.phase}=Running", "pod/hello", "--timeout=60s")
    kubectl(config, "label", "pod", "hello", "tier=web")
    # The changes themselves enqueued one check (not one per change), before any page.
    enqueued = record(url, learner.public_id)
    assert (enqueued["checks_run"], enqueued["passed"], enqueued["waiting"]) == (0, {}, 1)
    first, second = learner.tasks(), learner.tasks()
    assert "checking…" in first and "checking…" in second
    assert passed(first) == passed(second) == set()
    assert "Not yet: checking…" in second  # nothing recorded yet: no task's words either
    before = record(url, learner.public_id)
    assert (before["checks_run"], before["passed"], before["waiting"]) == (0, {}, 1)

    # The worker runs the waiting check; tasks 1 and 2 pass with no page read meanwhile.
    running = worker(env)
    try:
        checked = until(
            url,
            learner.public_id,
            lambda r: {"1", "2"} <= set(r["passed"]),
            "the worker did not pass 1 and 2",
        )
        assert checked["checked_version"] == checked["version"] and checked["waiting"] == 0
        html = learner.tasks()
        assert passed(html) == {1, 2} and "checking…" not in html
        assert "Not yet: The pod hello still exists." in html
        # The recorded words are the page's language's.
        assert "Pod hello 仍然存在。" in learner.tasks("zh-hans")

        # Delete the pod: it terminates for its grace period. The worker checks the change
        # at once (the pod is still there), and records when the clock next has work due.
        kubectl(config, "delete", "pod", "hello", f"--grace-period={GRACE}", "--wait=false")
        gone = time.time() + GRACE + 1  # by then the pod is gone as the clock reads
        deleted = until(
            url,
            learner.public_id,
            lambda r: r["checked_version"] == r["version"] > checked["version"] and r["waiting"] == 0,
            "the worker did not check the delete",
        )
        assert "3" not in deleted["passed"] and deleted["recheck_at"] is not None
        assert deleted["completed"] is None

        # Time passes with no save, past the grace period: nothing checks the sandbox by
        # itself…
        while time.time() < gone or datetime.now(UTC) < deleted["recheck_at"]:
            time.sleep(0.1)
        assert record(url, learner.public_id) == deleted
        # …until the task list reads the attempt: it enqueues a check and says so, and the
        # worker passes task 3 as the clock moves on (a read whose recheck is not yet due
        # just reads).
        seen = []
        deadline = time.monotonic() + 90
        while 3 not in passed(html := learner.tasks()):
            seen.append("checking…" in html)
            assert time.monotonic() < deadline, record(url, learner.public_id)
            time.sleep(0.25)
        assert seen and seen[0]  # the first read after the clock had work due enqueued one
        assert passed(html) == {1, 2, 3} and "Lab complete" in html
        done = record(url, learner.public_id)
        assert done["completed"] is not None and done["checked_version"] == deleted["checked_version"]
    finally:
        stop(running)
