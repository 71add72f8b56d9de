"""Two app servers on one PostgreSQL (issue 18 §2, §5): a change saved through one server
wakes the watches open on the other by NOTIFY, a learner's change is read back through
the other, and a watch resumed from its resourceVersion after its server restarted gets
what was made meanwhile. Real gunicorn servers, the real kubectl and the official client."""

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest
import urllib3
from kubernetes import client, config, watch

from tests.playground.kubeapi.conftest import KUBECTLS, _numbered, newest_kubectl
from tests.postgres import running
from tests.servers import free_port, gunicorn, manage, production_env, start_gunicorn, stop

# --capture-output: the app's log (where the listener reports its wake-ups) goes to
# gunicorn's error log, which the tests read.
OPTIONS = ("--workers", "1", "--threads", "12", "--graceful-timeout", "2", "--capture-output")
DEADLINE = 60  # seconds to wait for something that should come; never a measure of speed


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(env, work, sandbox token, base URL of server A, of server B), both on one PostgreSQL;
    env["DATABASE_URL"] is its URL."""
    work = tmp_path_factory.mktemp("feeds-pg")
    with running() as url:
        env = production_env(work, DATABASE_URL=url, KUBE_API_WATCH_SECONDS="120", LOG_LEVEL="INFO")
        manage(env, "collectstatic", "--noinput")
        made = manage(
            env,
            "shell",
            "-c",
            "from playground import sandboxes\nprint('token', sandboxes.create('cli', 's', capped=False).token)",
        ).stdout.split()
        token = made[made.index("token") + 1]
        with gunicorn(env, work, OPTIONS) as (_a, base_a), gunicorn(env, work, OPTIONS) as (_b, base_b):
            yield env, work, token, base_a, base_b


def kubeconfig(env: dict, work: Path, base: str, token: str) -> Path:
    path = work / f"kubeconfig-{base.rsplit(':', 1)[1]}.yaml"
    text = manage(
        env,
        "shell",
        "-c",
        f"from playground.kubeapi import kubeconfig\nprint(kubeconfig.render({base!r}, {token!r}, 's'))",
    ).stdout
    path.write_text(text[text.index("apiVersion: v1") :])  # after the shell's own chatter
    return path


def kubectl(config_path: Path, *args: str) -> str:
    done = subprocess.run(
        [newest_kubectl(), "--kubeconfig", str(config_path), *args],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def lines_of(process: subprocess.Popen) -> queue.Queue:
    """The process's output lines as they come, read by a thread."""
    lines: queue.Queue = queue.Queue()

    def read():
        for line in process.stdout:
            lines.put(line.strip())

    threading.Thread(target=read, daemon=True).start()
    return lines


def wait_for_line(lines: queue.Queue, wanted: str) -> list[str]:
    """Every line up to and including `wanted` (fails after DEADLINE without it)."""
    seen = []
    end = time.monotonic() + DEADLINE
    while wanted not in seen:
        try:
            seen.append(lines.get(timeout=max(0.1, end - time.monotonic())))
        except queue.Empty:
            raise AssertionError(f"no {wanted!r} after {seen}") from None
    return seen


def log_wakes(log: Path) -> list[tuple[int, int, int, int]]:
    """The listener's reports, each made as it stopped: the process's totals of wake-ups by
    NOTIFY, by reading versions, changes published from their notification's events, loads."""
    found = re.findall(
        r"listener stopped: (\d+) wake-ups by NOTIFY, (\d+) by reading versions; "
        r"(\d+) changes published from their notification, (\d+) loads",
        log.read_text() if log.exists() else "",
    )
    return [tuple(map(int, report)) for report in found]


def log_of(work: Path, base: str) -> Path:
    return work / f"gunicorn-{base.rsplit(':', 1)[1]}.log"


def wakes_once_stopped(work: Path, base: str, reports_before: int) -> tuple[int, int, int, int]:
    """The server's listener report once its watches are gone and it stopped again."""
    log = log_of(work, base)
    end = time.monotonic() + DEADLINE
    while len(log_wakes(log)) <= reports_before and time.monotonic() < end:
        time.sleep(0.2)
    reports = log_wakes(log)
    assert len(reports) > reports_before, log.read_text()
    return reports[-1]


# The newest kubectl a learner has and the oldest here: the told change reaches both.
EDGES = sorted({newest_kubectl(), KUBECTLS[_numbered()[0]]})


@pytest.mark.parametrize("binary", EDGES, ids=lambda path: Path(path).name)
def test_a_watch_on_one_server_gets_a_change_made_through_the_other_by_notify(servers, binary):
    env, work, token, a, b = servers
    on_a, on_b = kubeconfig(env, work, a, token), kubeconfig(env, work, b, token)
    reports = len(log_wakes(log_of(work, a)))
    suffix = Path(binary).name.replace(".", "-")
    kubectl(on_b, "create", "configmap", f"before-watch-{suffix}")
    watcher = subprocess.Popen(
        [
            binary,
            "--kubeconfig",
            str(on_a),
            "get",
            "configmaps",
            "-w",
            "-o",
            "name",
        ],
        stdout=subprocess.PIPE,
        stderr=(work / "kubectl-watch.err").open("w"),
        text=True,
    )
    try:
        lines = lines_of(watcher)
        wait_for_line(
            lines, f"configmap/before-watch-{suffix}"
        )  # the list; the watch goes on from its resourceVersion
        made = f"made-on-b-{suffix}"
        kubectl(on_b, "create", "configmap", made)
        # After the list was printed: only the watch can bring it.
        assert wait_for_line(lines, f"configmap/{made}")[-1] == f"configmap/{made}"
    finally:
        watcher.kill()
        watcher.wait()
    # Once the watch is gone, A's listener stops and reports what woke its feeds.
    wakes = wakes_once_stopped(work, a, reports)
    assert wakes[0] >= 1  # the change reached A's feed by NOTIFY
    assert wakes[2] >= 1  # and was published from the notification's events, without a load


def test_a_change_told_by_its_notification_is_watched_as_it_was_saved(servers):
    """The events a notification carries stand for the change: the objects a watch on A
    gets are those B saved, as kubectl prints them, and a change too big for a notification
    (NOTIFY's 8000 bytes) arrives as well, by a load."""
    env, work, token, a, b = servers
    on_a, on_b = kubeconfig(env, work, a, token), kubeconfig(env, work, b, token)
    reports = log_wakes(log_of(work, a))
    before = reports[-1] if reports else (0, 0, 0, 0)
    watcher = subprocess.Popen(
        [
            newest_kubectl(),
            "--kubeconfig",
            str(on_a),
            "get",
            "configmaps",
            "--watch-only",
            "--output-watch-events",
        ]
        + ["-o", "json"],
        stdout=subprocess.PIPE,
        stderr=(work / "kubectl-watch-json.err").open("w"),
        text=True,
    )
    try:
        decoder, events = json.JSONDecoder(), queue.Queue()

        def read():
            text = ""
            for line in watcher.stdout:
                text += line
                try:
                    event, end = decoder.raw_decode(text.strip())
                except ValueError:
                    continue
                events.put(event)
                text = text.strip()[end:]

        threading.Thread(target=read, daemon=True).start()
        time.sleep(1)  # the watch is open on A (an event made before it opened would come too)
        kubectl(on_b, "create", "configmap", "small", "--from-literal=k=v")
        kubectl(on_b, "create", "configmap", "big", f"--from-literal=k={'x' * 9000}")
        kubectl(on_b, "label", "configmap", "small", "told=yes")
        # kubectl's watch prints managedFields, its get leaves them out unless asked
        small = json.loads(kubectl(on_b, "get", "configmap", "small", "-o", "json", "--show-managed-fields"))
        kubectl(on_b, "delete", "configmap", "small")
        got = [events.get(timeout=DEADLINE) for _ in range(4)]
    finally:
        watcher.kill()
        watcher.wait()
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in got] == [
        ("ADDED", "small"),
        ("ADDED", "big"),
        ("MODIFIED", "small"),
        ("DELETED", "small"),
    ]
    assert got[2]["object"] == small and small["metadata"]["labels"] == {"told": "yes"}
    big = json.loads(kubectl(on_b, "get", "configmap", "big", "-o", "json", "--show-managed-fields"))
    assert got[1]["object"] == big
    assert int(got[3]["object"]["metadata"]["resourceVersion"]) > int(small["metadata"]["resourceVersion"])
    after = wakes_once_stopped(work, a, len(reports))
    published, loads = after[2] - before[2], after[3] - before[3]
    assert published >= 2 and loads >= 1  # small's three by their events, big's by a load


def listeners(url: str) -> set[int]:
    """The backends' process ids of every app process's feeds' listener."""
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'sandbox-feeds'"
        ).fetchall()
    return {pid for (pid,) in rows}


def test_a_listener_that_loses_its_connection_listens_again(servers):
    env, work, token, a, b = servers
    url = env["DATABASE_URL"]
    on_a, on_b = kubeconfig(env, work, a, token), kubeconfig(env, work, b, token)
    watcher = subprocess.Popen(
        [newest_kubectl(), "--kubeconfig", str(on_a), "get", "configmaps", "-w", "-o", "name"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines = lines_of(watcher)
        wait_for_line(lines, "configmap/kube-root-ca.crt")
        end = time.monotonic() + DEADLINE
        while not (before := listeners(url)) and time.monotonic() < end:
            time.sleep(0.1)
        assert len(before) == 1  # A's one worker listens; B, with nothing watched, does not
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("SELECT pg_terminate_backend(%s)", [next(iter(before))])
        kubectl(on_b, "create", "configmap", "while-reconnecting")
        wait_for_line(lines, "configmap/while-reconnecting")
        end = time.monotonic() + DEADLINE
        while (after := listeners(url)) in (set(), before) and time.monotonic() < end:
            time.sleep(0.1)
        assert len(after) == 1 and after != before  # a new connection, listening again
        kubectl(on_b, "create", "configmap", "after-reconnecting")
        wait_for_line(lines, "configmap/after-reconnecting")
    finally:
        watcher.kill()
        watcher.wait()
    log = work / f"gunicorn-{a.rsplit(':', 1)[1]}.log"
    assert "sandbox feeds' listener lost its connection (1)" in log.read_text()
    # And once listening again, NOTIFY woke A's feed: the report after the loss says so.
    end = time.monotonic() + DEADLINE
    while "stopped" not in log.read_text().rsplit("lost its connection", 1)[1] and time.monotonic() < end:
        time.sleep(0.2)
    reports = re.findall(r"listener stopped: (\d+) wake-ups by NOTIFY", log.read_text())
    assert reports and int(reports[-1]) > (int(reports[-2]) if len(reports) > 1 else 0)


def test_a_learners_change_through_one_server_is_read_through_the_other(servers):
    env, work, token, a, b = servers
    on_a, on_b = kubeconfig(env, work, a, token), kubeconfig(env, work, b, token)
    kubectl(on_a, "create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    assert kubectl(on_b, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}") == "2"
    kubectl(on_b, "scale", "deployment", "web", "--replicas=4")
    assert kubectl(on_a, "get", "deployment", "web", "-o", "jsonpath={.spec.replicas}") == "4"
    kubectl(on_a, "delete", "deployment", "web")
    gone = subprocess.run(
        [newest_kubectl(), "--kubeconfig", str(on_b), "get", "deployment", "web"],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert gone.returncode == 1
    assert 'deployments.apps "web" not found' in gone.stderr


def test_a_rolled_back_change_sends_no_notification(servers):
    env, _work, token, _a, _b = servers
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as listening:
        listening.execute("LISTEN sandbox_changes")
        (pk,) = listening.execute("SELECT id FROM playground_sandbox WHERE token = %s", [token]).fetchone()
        manage(
            env,
            "shell",
            "-c",
            "from django.db import transaction\n"
            "from playground.kubeapi import feeds\n"
            "try:\n"
            "    with transaction.atomic():\n"
            f"        feeds._notify({pk}, 1000)\n"
            "        raise RuntimeError\n"
            "except RuntimeError:\n"
            "    pass\n"
            "with transaction.atomic():\n"
            f"    feeds._notify({pk}, 1001)\n",
        )
        # Notifications come in commit order: everything before the committed one is here.
        payloads = [note.payload for note in listening.notifies(timeout=DEADLINE, stop_after=1)]
    assert payloads == [f"{pk}:1001"]


def api(config_path: Path) -> client.CoreV1Api:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(config_path), client_configuration=configuration)
    return client.CoreV1Api(client.ApiClient(configuration))


class Resuming:
    """A watch as client-go's reflector keeps it: list, watch from the list's
    resourceVersion, and when the stream breaks watch again from the last event's
    (on 410 Gone, list again). The names of added ConfigMaps, in order."""

    def __init__(self, core: client.CoreV1Api):
        self.core, self.added, self.breaks, self.stopped = core, [], 0, threading.Event()
        self.rv = core.list_namespaced_config_map("default").metadata.resource_version
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopped.is_set():
            try:
                for event in watch.Watch().stream(
                    self.core.list_namespaced_config_map,
                    "default",
                    resource_version=self.rv,
                    timeout_seconds=30,
                    _request_timeout=(5, 30),
                ):
                    self.rv = event["object"].metadata.resource_version
                    if event["type"] == "ADDED":
                        self.added.append(event["object"].metadata.name)
                    if self.stopped.is_set():
                        return
            except client.ApiException as error:
                if error.status != 410:
                    raise
                listed = self.core.list_namespaced_config_map("default")
                self.added += [
                    item.metadata.name for item in listed.items if item.metadata.name not in self.added
                ]
                self.rv = listed.metadata.resource_version
            except (urllib3.exceptions.HTTPError, OSError):
                self.breaks += 1  # the server went away: try again from self.rv
                time.sleep(0.2)

    def wait_for(self, name: str) -> None:
        end = time.monotonic() + DEADLINE
        while name not in self.added and time.monotonic() < end:
            time.sleep(0.05)
        assert name in self.added, self.added


def test_a_watch_resumes_after_its_server_restarts_and_misses_nothing(servers):
    env, work, token, _a, b = servers
    port = free_port()
    process, c = start_gunicorn(env, work, OPTIONS, port=port)
    on_b = kubeconfig(env, work, b, token)
    watcher = None
    try:
        watcher = Resuming(api(kubeconfig(env, work, c, token)))
        kubectl(on_b, "create", "configmap", "before-restart")
        watcher.wait_for("before-restart")
        # No goodbye: the server and its worker die at once.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        kubectl(on_b, "create", "configmap", "while-down-1")
        kubectl(on_b, "create", "configmap", "while-down-2")
        process, _ = start_gunicorn(env, work, OPTIONS, port=port)
        watcher.wait_for("while-down-2")
        made = [name for name in watcher.added if name in ("before-restart", "while-down-1", "while-down-2")]
        assert made == ["before-restart", "while-down-1", "while-down-2"]
        assert watcher.breaks >= 1  # it did lose its server on the way
        kubectl(on_b, "create", "configmap", "after-restart")
        watcher.wait_for("after-restart")
    finally:
        if watcher is not None:
            watcher.stopped.set()
        stop(process)


def backends(url: str) -> int:
    """Client connections to the test database, this one aside."""
    with psycopg.connect(url) as db:
        return db.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchone()[0]


def test_open_watches_do_not_hold_a_database_connection_each(servers):
    """A watch's thread gives its connection back once the stream starts (the feed reads in
    threads of its own): 8 open watches cost the few connections of the feed, not 8 more
    (PostgreSQL's default limit is 100 connections; a worker takes up to 200 watches)."""
    env, work, token, _a, _b = servers
    process, c = start_gunicorn(env, work, OPTIONS)
    responses = []
    try:
        text = kubeconfig(env, work, c, token).read_text()
        server = re.search(r"server: (\S+)", text).group(1)
        bearer = re.search(r"token: (\S+)", text).group(1).strip("\"'")
        http = urllib3.PoolManager(maxsize=10)
        headers = {"Authorization": f"Bearer {bearer}"}
        assert (
            http.request("GET", f"{server}/api/v1/namespaces/default/configmaps", headers=headers).status
            == 200
        )
        before = backends(env["DATABASE_URL"])
        for _ in range(8):
            response = http.request(
                "GET",
                f"{server}/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=60",
                headers=headers,
                preload_content=False,
            )
            assert response.status == 200
            responses.append(response)
        # The watches' feed starts its threads (a listener, the sandbox's loader) as they open.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            held = backends(env["DATABASE_URL"]) - before
            time.sleep(0.2)
        assert held <= 4, f"{held} more connections with 8 watches open"
    finally:
        for response in responses:
            response.release_conn()
        stop(process)
