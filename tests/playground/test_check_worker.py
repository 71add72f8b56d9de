"""Lab checks as tasks (issue 18 §4): the instructor's grid reads what a worker recorded.

With the immediate backend (the default) a check runs as it is enqueued, so the grid is
current in the same request, as before. With the database backend a real
`manage.py db_worker` process runs the checks, on a file SQLite database and on the
PostgreSQL server the tests start, and the request that reads the grid runs none.
"""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_tasks.signals import task_enqueued

from playground import sandboxes, workshops
from playground.models import LabAttempt, Participant
from tests import postgres

ROOT = Path(__file__).resolve().parents[2]
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "hello"},
    "spec": {"containers": [{"name": "hello", "image": "nginx:1.27"}]},
}


@pytest.mark.django_db
def test_with_the_immediate_backend_the_grid_is_current_in_the_same_request():
    user = User.objects.create_user("ann", password="s3cret-pass")
    now = timezone.now()
    workshop = workshops.create(user, "W", ["first-pod"], now, now + timedelta(hours=1), 5)
    seat = Participant.objects.create(workshop=workshop, owner="learner", name="Cli")
    attempt = workshops.current_attempt(seat)
    sandboxes.change("learner", attempt.sandbox.public_id, lambda c: c.apply(POD), "pod")
    sandboxes.change("learner", attempt.sandbox.public_id, lambda c: c.settle(), "settle")
    enqueued = []

    def count(**signal):
        enqueued.append(signal["task_result"].task.name)

    task_enqueued.connect(count)
    try:
        client = Client()
        client.force_login(user)
        html = client.get(f"/workshops/{workshop.public_id}/").content.decode()
        again = client.get(f"/workshops/{workshop.public_id}/").content.decode()
    finally:
        task_enqueued.disconnect(count)
    row = html[html.index("Cli") :].split("</tr>")[0]
    assert row.count('class="pass"') == 1 and "checking…" not in row
    assert enqueued == ["check_attempt"]  # the second poll found nothing changed
    attempt = LabAttempt.objects.select_related("sandbox").get()
    assert attempt.checked_version == attempt.sandbox.version and attempt.checks_run == 1
    assert 'class="pass"' in again


@pytest.mark.django_db
def test_with_the_immediate_backend_a_saved_change_runs_no_check():
    """Checks run when pages ask: a check inside every save would slow each kubectl apply."""
    user = User.objects.create_user("ann", password="s3cret-pass")
    now = timezone.now()
    workshop = workshops.create(user, "W", ["first-pod"], now, now + timedelta(hours=1), 5)
    seat = Participant.objects.create(workshop=workshop, owner="learner", name="Cli")
    attempt = workshops.current_attempt(seat)
    enqueued = []

    def count(**signal):
        enqueued.append(signal["task_result"].task.name)

    task_enqueued.connect(count)
    try:
        sandboxes.change("learner", attempt.sandbox.public_id, lambda c: c.apply(POD), "pod")
    finally:
        task_enqueued.disconnect(count)
    assert enqueued == []
    assert LabAttempt.objects.get().checks_run == 0


@pytest.mark.django_db
def test_a_reset_forgets_what_the_last_check_said():
    """Until the next check the task list says "checking…", not the old state's words."""
    user = User.objects.create_user("ann", password="s3cret-pass")
    now = timezone.now()
    workshop = workshops.create(user, "W", ["first-pod"], now, now + timedelta(hours=1), 5)
    seat = Participant.objects.create(workshop=workshop, owner="learner", name="Cli")
    attempt = workshops.current_attempt(seat)
    sandboxes.change("learner", attempt.sandbox.public_id, lambda c: c.apply(POD), "pod")
    workshops.refresh(workshop)  # the immediate backend checks here
    attempt.refresh_from_db()
    assert attempt.results["en"][1] == ["The pod hello has no label tier=web.", 2]
    assert attempt.results["zh-hans"][1] == ["Pod hello 没有标签 tier=web。", 2]
    workshops.reset(workshop, seat.public_id)
    attempt.refresh_from_db()
    assert (attempt.results, attempt.recheck_at, attempt.passed) == ({}, None, {})


SETUP = """
import django, json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()  # the test client's host name is allowed
from datetime import timedelta
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from playground import checks_worker, lab_attempts, sandboxes, workshop_views, workshops
from playground.models import LabAttempt, Participant, Workshop

checks = []
real_status = lab_attempts.status
def counted(cluster, lab):
    checks.append(lab.slug)
    return real_status(cluster, lab)
lab_attempts.status = workshop_views.status = counted

def learner_page():  # the instructor's read-only view of the one learner: its task list
    client = Client()
    client.force_login(User.objects.get(username="ann"))
    workshop = Workshop.objects.get()
    seat = workshop.participants.get()
    html = client.get(f"/workshops/{workshop.public_id}/learners/{seat.public_id}/").content.decode()
    return html[html.index('class="lab-tasks"') :].split("</ol>")[0]

def grid():
    client = Client()
    client.force_login(User.objects.get(username="ann"))
    workshop = Workshop.objects.get()
    html = client.get(f"/workshops/{workshop.public_id}/").content.decode()
    return html[html.index("Cli") :].split("</tr>")[0]

def waiting():
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=checks_worker.check_attempt.module_path
    ).count()
"""

# A learner's change, then two polls of the grid with no worker running.
CHANGE = (
    SETUP
    + """
user = User.objects.create_user("ann", password="s3cret-pass")
now = timezone.now()
workshop = workshops.create(user, "W", ["first-pod"], now, now + timedelta(hours=1), 5)
seat = Participant.objects.create(workshop=workshop, owner="learner", name="Cli")
attempt = workshops.current_attempt(seat)
pod = json.loads(sys.argv[1])
sandboxes.change("learner", attempt.sandbox.public_id, lambda c: c.apply(pod), "pod")
sandboxes.change("learner", attempt.sandbox.public_id, lambda c: c.settle(), "settle")
first = grid()
second = grid()
page = learner_page()
print(json.dumps({
    "waiting": waiting(),
    "checks": len(checks),
    "checking": "checking…" in first and "checking…" in second,
    "passes": second.count('class="pass"'),
    "learner_page_passes": page.count("lab-task passed"),
}))
"""
)

# After the worker ran: wait until its check finished, then read the grid.
READ = (
    SETUP
    + """
deadline = time.monotonic() + 60
while DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists() or not DBTaskResult.objects.exists():
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).first()
    assert failed is None, failed.traceback
    assert time.monotonic() < deadline, "the worker did not run the check"
    time.sleep(0.05)
row = grid()
page = learner_page()
attempt = LabAttempt.objects.select_related("sandbox").get()
print(json.dumps({
    "learner_page_passes": page.count("lab-task passed"),
    "checks": len(checks),
    "checking": "checking…" in row,
    "passes": row.count('class="pass"'),
    "current": attempt.checked_version == attempt.sandbox.version,
    "checks_run": attempt.checks_run,
    "ran": DBTaskResult.objects.count(),
}))
"""
)


def _env(database_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DATABASE_URL=database_url, TASKS_BACKEND="database", DEBUG="true")
    return env


def _run(env, code, *args) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def worker_round_trip(database_url: str) -> tuple[dict, dict]:
    env = _env(database_url)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrate.returncode == 0, migrate.stderr
    before = _run(env, CHANGE, json.dumps(POD))
    worker = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--interval",
            "0.05",
            "--no-startup-delay",
            "--no-reload",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        after = _run(env, READ)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return before, after


def _assert_round_trip(before: dict, after: dict) -> None:
    # Two polls of a changed sandbox and the learner's own page: one check waits (not two),
    # none ran in the requests, and the grid says the learner's row is being checked.
    assert before == {"waiting": 1, "checks": 0, "checking": True, "passes": 0, "learner_page_passes": 0}
    # The worker ran it; the grid and the learner's page show the pass, and reading them ran
    # no check.
    assert after == {
        "learner_page_passes": 1,
        "checks": 0,
        "checking": False,
        "passes": 1,
        "current": True,
        "checks_run": 1,
        "ran": 1,
    }


def test_a_db_worker_process_runs_the_checks_on_sqlite(tmp_path):
    _assert_round_trip(*worker_round_trip(f"sqlite:///{tmp_path / 'db.sqlite3'}"))


@pytest.fixture(scope="module")
def postgres_url():
    with postgres.running() as url:
        yield url


def test_a_db_worker_process_runs_the_checks_on_postgresql(postgres_url):
    _assert_round_trip(*worker_round_trip(postgres_url))
